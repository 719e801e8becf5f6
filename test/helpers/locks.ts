/*
 * Real slow statements for the limit tests: committed events the API servers
 * (own connections) can see, and a row lock held on a test connection that
 * an API call then waits for.
 */
import type pg from "pg";
import { becomeUser, type TestUser } from "./db.ts";
import { createEventCall } from "../db/factories.ts";

/** A published event of `organizer`, committed. */
export async function committedPublishedEvent(root: pg.Pool, organizer: TestUser): Promise<string> {
  const client = await root.connect();
  try {
    await client.query("begin");
    await becomeUser(client, organizer);
    const [sql, params] = createEventCall({ capacity: 10 });
    const { rows } = await client.query(sql, params);
    await client.query("select app_public.publish_event($1)", [rows[0]!.id]);
    await client.query("commit");
    return rows[0]!.id as string;
  } finally {
    client.release();
  }
}

export interface HeldLock {
  release(): Promise<void>;
  /** Waits until some backend is blocked by this lock (an API call reached it). */
  untilSomeoneWaits(): Promise<void>;
}

/** Holds `select … for update` on the event's row until released. */
export async function lockEvent(root: pg.Pool, eventId: string): Promise<HeldLock> {
  const client = await root.connect();
  await client.query("begin");
  await client.query("select id from app_public.event where id = $1 for update", [eventId]);
  const pid = (await client.query("select pg_backend_pid() as pid")).rows[0]!.pid as number;
  return {
    async release() {
      await client.query("rollback");
      client.release();
    },
    async untilSomeoneWaits() {
      // A liveness bound, not a timing: a loaded CI machine once took over
      // 10 s for an in-process API's first request to reach the row.
      for (let i = 0; i < 1200; i++) {
        const { rows } = await root.query(
          "select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))",
          [pid],
        );
        if (rows[0]!.n > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error("no API call reached the locked row within 30 s");
    },
  };
}
