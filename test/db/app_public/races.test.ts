/*
 * Races are settled in the database (locks and constraints), not by luck:
 * two callers on two connections, the second blocked until the first commits,
 * then refused or answered idempotently. These tests commit, so they use the
 * dedicated race users (left out of rowCounts) and clean up after themselves.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { becomeUser, testPool, type TestUser } from "../../helpers/db.ts";
import { createEventCall, raceOrganizer, raceUser, type EventInput, type Row } from "../factories.ts";

const pool = () => testPool();

async function cleanUp(): Promise<void> {
  const client = await pool().connect();
  try {
    await client.query("begin");
    await client.query(
      "delete from app_private.outbox where actor_id in ($1, $2) or aggregate_id in (select id from app_public.event where organizer_id = $1)",
      [raceOrganizer.sub, raceUser.sub],
    );
    await client.query("delete from app_private.audit_log where actor_id in ($1, $2)", [raceOrganizer.sub, raceUser.sub]);
    await client.query("delete from app_public.event where organizer_id = $1", [raceOrganizer.sub]);
    await client.query("commit");
  } finally {
    client.release();
  }
}

afterEach(cleanUp);

/** Commits a published-or-draft event of the race organizer. */
async function committedEvent(overrides: Partial<EventInput> = {}): Promise<Row> {
  const client = await pool().connect();
  try {
    await client.query("begin");
    await becomeUser(client, raceOrganizer);
    const [sql, params] = createEventCall(overrides);
    const { rows } = await client.query(sql, params);
    await client.query("commit");
    return rows[0]!;
  } finally {
    client.release();
  }
}

/** A connection in an open transaction as `user`. */
async function session(user: TestUser): Promise<pg.PoolClient> {
  const client = await pool().connect();
  await client.query("begin");
  await becomeUser(client, user);
  return client;
}

/** Resolves once the backend `pid` waits for a lock held by another transaction. */
async function waitUntilBlocked(pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await pool().query("select wait_event_type from pg_stat_activity where pid = $1", [pid]);
    if (rows[0]?.wait_event_type === "Lock") return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`backend ${pid} never blocked`);
}

async function race(
  user: TestUser,
  sql: string,
  params: unknown[],
): Promise<{ first: Row[]; second: Row[] | { code: string; message: string } }> {
  const a = await session(user);
  const b = await session(user);
  try {
    const first = (await a.query(sql, params)).rows;
    const pidB = (await b.query("select pg_backend_pid() as pid")).rows[0].pid as number;
    const pending = b.query(sql, params).then(
      (r) => r.rows,
      (e: pg.DatabaseError) => ({ code: e.code ?? "", message: e.message }),
    );
    await waitUntilBlocked(pidB);
    await a.query("commit");
    const second = await pending;
    await b.query(Array.isArray(second) ? "commit" : "rollback");
    return { first, second };
  } finally {
    a.release();
    b.release();
  }
}

async function count(sql: string, params: unknown[]): Promise<number> {
  return (await pool().query(sql, params)).rows[0].n as number;
}

describe("races", () => {
  it("two tiers with different currencies at once: the second waits, then gets TRCUR", async () => {
    const event = await committedEvent({ priceTiers: [] });
    const add = "select * from app_public.add_price_tier($1, 'Tier ' || $2::text, 10, $2::text)";
    const a = await session(raceOrganizer);
    const b = await session(raceOrganizer);
    try {
      await a.query(add, [event.id, "EUR"]);
      const pidB = (await b.query("select pg_backend_pid() as pid")).rows[0].pid as number;
      const pending = b.query(add, [event.id, "USD"]).then(
        () => null,
        (e: pg.DatabaseError) => e.code,
      );
      await waitUntilBlocked(pidB);
      await a.query("commit");
      expect(await pending).toBe("TRCUR");
      await b.query("rollback");
    } finally {
      a.release();
      b.release();
    }
    expect(await count("select count(*)::int as n from app_public.event_price_tier where event_id = $1", [event.id])).toBe(1);
  });

  it("publishing twice at once: one EventPublished, the second caller gets 55000", async () => {
    const event = await committedEvent();
    const { first, second } = await race(raceOrganizer, "select * from app_public.publish_event($1)", [event.id]);
    expect(first[0]!.status).toBe("published");
    expect(second).toMatchObject({ code: "55000", message: "only draft events can be published; this event is published" });
    expect(
      await count("select count(*)::int as n from app_private.outbox where aggregate_id = $1 and event_type = 'EventPublished'", [
        event.id,
      ]),
    ).toBe(1);
  });

  it("adding the same favorite twice at once: one favorite, one FavoriteAdded, the same answer", async () => {
    const draft = await committedEvent();
    // The race user needs a visible event: publish it (committed).
    const client = await session(raceOrganizer);
    await client.query("select app_public.publish_event($1)", [draft.id]);
    await client.query("commit");
    client.release();

    const { first, second } = await race(raceUser, "select * from app_public.add_favorite($1)", [draft.id]);
    expect(second).toEqual(first);
    expect(await count("select count(*)::int as n from app_public.favorite where event_id = $1", [draft.id])).toBe(1);
    expect(
      await count("select count(*)::int as n from app_private.outbox where aggregate_id = $1 and event_type = 'FavoriteAdded'", [
        draft.id,
      ]),
    ).toBe(1);
  });
});
