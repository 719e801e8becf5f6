/*
 * Counts what a request costs the database: records every statement the
 * connections of an observed pool send (one entry per round trip). The
 * round-trip tests and the attack tests that check which SQL a request runs
 * both wrap the pool's client.query the same way; this is that wrapper.
 */
import type pg from "pg";

export interface StatementRecorder {
  /** Every statement sent since the last during() (or since the start), oldest first. */
  readonly sent: string[];
  /** Records the statements of this pool's connections (give it to useTestApi's observePool, or call it on a pool). */
  observe(pool: pg.Pool): void;
  /** The statements `work` caused. */
  during(work: () => Promise<unknown>): Promise<string[]>;
}

export function recordStatements(): StatementRecorder {
  const sent: string[] = [];
  return {
    sent,
    observe(pool: pg.Pool) {
      pool.on("connect", (client) => {
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as { query: unknown }).query = (...args: unknown[]) => {
          const first = args[0] as string | { text: string };
          sent.push(typeof first === "string" ? first : first.text);
          return query(...args);
        };
      });
    },
    async during(work: () => Promise<unknown>): Promise<string[]> {
      sent.length = 0;
      await work();
      return [...sent];
    },
  };
}
