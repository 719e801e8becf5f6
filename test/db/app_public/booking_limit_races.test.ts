/*
 * The unpaid-bookings limit under a real burst: one user fires 20 bookings at
 * once for 20 different events, each on its own connection and committed
 * transaction. Without serialization every call would count the others as
 * not-yet-there and all 20 would pass; create_booking's advisory lock keyed
 * by the user makes exactly the limit succeed.
 *
 * Race users (RACE_PREFIX) keep these committed rows out of other tests'
 * rowCounts(); everything is deleted afterwards.
 */
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { becomeUser, type TestUser } from "../../helpers/db.ts";
import { createEventCall, raceUserNo, type Row } from "../factories.ts";

const pool = new pg.Pool({ connectionString: inject("databaseUrl"), max: 22 });
const organizers = Array.from({ length: 20 }, (_, i) => raceUserNo(7000 + i, "organizer"));
const user = raceUserNo(7100);

afterAll(async () => {
  const ids = organizers.map((o) => o.sub);
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query(
      `delete from app_private.outbox where aggregate_id in (
         select id from app_public.event where organizer_id = any($1)
         union all select b.id from app_public.booking b join app_public.event e on e.id = b.event_id where e.organizer_id = any($1))`,
      [ids],
    );
    await client.query("delete from app_private.audit_log where actor_id = any($1) or actor_id = $2", [ids, user.sub]);
    await client.query("delete from app_public.booking where user_id = $1", [user.sub]);
    await client.query("delete from app_public.event where organizer_id = any($1)", [ids]);
    await client.query("commit");
  } finally {
    client.release();
  }
  await pool.end();
});

type Outcome = { ok: true } | { ok: false; code: string };

async function call(as: TestUser, sql: string, params: unknown[]): Promise<{ rows: Row[] } | { code: string }> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await becomeUser(client, as);
    const { rows } = await client.query(sql, params);
    await client.query("commit");
    return { rows };
  } catch (error) {
    await client.query("rollback").catch(() => {});
    return { code: (error as pg.DatabaseError).code ?? String(error) };
  } finally {
    client.release();
  }
}

async function publishedEvent(organizer: TestUser): Promise<{ eventId: string; tierId: string }> {
  const [sql, params] = createEventCall({ capacity: 10 });
  const created = await call(organizer, sql, params);
  if (!("rows" in created)) throw new Error(`create_event: ${created.code}`);
  const eventId = created.rows[0]!.id as string;
  const published = await call(organizer, "select app_public.publish_event($1)", [eventId]);
  if (!("rows" in published)) throw new Error(`publish_event: ${published.code}`);
  const tier = await pool.query("select id from app_public.event_price_tier where event_id = $1", [eventId]);
  return { eventId, tierId: tier.rows[0]!.id };
}

describe("unpaid-bookings limit under concurrency", () => {
  it("20 bookings at once by one user for 20 events: exactly 5 (the limit) succeed, 15 get BKPEN", async () => {
    const events = await Promise.all(organizers.map(publishedEvent));
    const outcomes: Outcome[] = (
      await Promise.all(
        events.map((e) =>
          call(user, "select * from app_public.create_booking($1, $2, 1, null)", [e.eventId, e.tierId]),
        ),
      )
    ).map((r) => ("rows" in r ? { ok: true } : { ok: false, code: r.code }));

    const tally: Record<string, number> = {};
    for (const o of outcomes) tally[o.ok ? "ok" : o.code] = (tally[o.ok ? "ok" : o.code] ?? 0) + 1;
    expect(tally).toEqual({ ok: 5, BKPEN: 15 });
    const { rows } = await pool.query(
      "select count(*)::int as pending from app_public.booking where user_id = $1 and status = 'pending_payment'",
      [user.sub],
    );
    expect(rows[0]).toEqual({ pending: 5 });
  });
});
