/*
 * Start-up before the database is reachable (a pod scheduled before
 * PostgreSQL, a server still starting or in crash recovery, a loaded machine
 * slower to connect than the pool's timeout): the start-up step is tried
 * again while it fails transiently (src/db/transient.ts: refused, timed out,
 * starting up, too many connections), up to DATABASE_STARTUP_WAIT_MS, with a
 * growing pause. Any other error (a wrong password, a missing database, a
 * login the API refuses) fails at once, so a mistake is seen at once. Used by
 * the worker's first runner and the API's first queries (and migrations at
 * start-up) alike.
 */
import pg from "pg";
import type { Logger } from "pino";
import { isPoolTimeout } from "./pool.ts";
import { databaseUnavailableReason } from "./transient.ts";

/** The start-up wait was cut short by a shutdown signal. */
export class StartUpAborted extends Error {
  constructor() {
    super("start-up stopped by a signal while it waited for the database");
    this.name = "StartUpAborted";
  }
}

/** Why `error` is a failure that passes by itself (for logs), or undefined. */
export function transientStartUpFailure(error: unknown): string | undefined {
  return databaseUnavailableReason(error) ?? (isPoolTimeout(error) ? "no connection within the pool timeout" : undefined);
}

export interface StartUpWaitOptions {
  /** How long to keep trying (DATABASE_STARTUP_WAIT_MS); 0: one attempt. */
  maxWaitMs: number;
  log: Logger;
  /** The log line of each wait, e.g. "database not reachable yet; worker runner waits for it". */
  message: string;
  /** A shutdown signal ends the wait (StartUpAborted). */
  signal?: AbortSignal | undefined;
  /** Called before each pause with the reason (the API answers its probes meanwhile). */
  onWait?: ((reason: string) => void | Promise<void>) | undefined;
}

/**
 * Runs `attempt` until it succeeds; while it fails transiently it is run
 * again after 0.5, 1, 2, 4, 8, 10, 10 … s, as long as the next try starts
 * within `maxWaitMs` of the first. Throws the last error otherwise.
 */
export async function retryWhileUnreachable<T>(attempt: () => Promise<T>, options: StartUpWaitOptions): Promise<T> {
  const deadline = Date.now() + options.maxWaitMs;
  let backoff = 500;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const reason = transientStartUpFailure(error);
      if (!reason || Date.now() + backoff > deadline) throw error;
      // A signal ends the waiting, not an attempt (one that succeeds goes on to a normal drain).
      if (options.signal?.aborted) throw new StartUpAborted();
      options.log.warn({ err: (error as Error).message, retryInMs: backoff }, options.message);
      await options.onWait?.(reason);
      await pause(backoff, options.signal);
      backoff = Math.min(backoff * 2, 10_000);
    }
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new StartUpAborted());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new StartUpAborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Connects to `url` (within 5 s) and runs `select 1`. */
export async function ping(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {}); // a connection lost here fails the query, which says so
  try {
    await client.connect();
    await client.query("select 1");
  } finally {
    await client.end().catch(() => {});
  }
}
