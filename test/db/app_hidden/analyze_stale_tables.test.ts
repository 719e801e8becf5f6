/*
 * app_hidden.analyze_stale_tables and its cron task: where autovacuum does not
 * look after a table, the worker analyzes it once it changed past the
 * server's analyze threshold, so the planner stops guessing (see
 * test/db/app_public/hot_path_scaling.test.ts for what a guess cost).
 *
 * The test turns autovacuum off for its tables with the storage parameter
 * (autovacuum_enabled = false) in a database of its own, so it does not
 * depend on the server's setting; ANALYZE and the cumulative statistics it
 * reads need committed rows, hence the own database.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskList } from "../../../tasks/index.ts";
import { becomeRoot, becomeUser, newUser } from "../../helpers/db.ts";
import { createOwnDatabase } from "../../helpers/own-database.ts";
import { createPublishedEvent, firstTier } from "../factories.ts";
import { expectScheduledEveryMinute, helpersFor } from "../task-harness.ts";

let pool: pg.Pool;

/** Commits `rows` bookings as root behind the functions' back (the counts matter here, not the rules), and flushes the session's statistics. */
async function addBookings(rows: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const organizer = newUser("organizer");
    await becomeUser(client, organizer);
    const event = await createPublishedEvent(client, organizer, { capacity: 100_000 });
    const tier = await firstTier(client, event.id);
    await becomeRoot(client);
    await client.query(
      `insert into app_public.booking (event_id, user_id, price_tier_id, quantity, unit_price, subtotal, total_amount, currency, payment_deadline)
       select $1, gen_random_uuid(), $2, 1, 120, 120, 120, 'EUR', now() + interval '1 hour' from generate_series(1, $3)`,
      [event.id, tier.id, rows],
    );
    await client.query("commit");
    await client.query("select pg_stat_force_next_flush()");
  } finally {
    client.release(true); // the session's pending statistics go with it too
  }
}

async function analyzed(): Promise<string[]> {
  const { rows } = await pool.query("select t::text as name from app_hidden.analyze_stale_tables(50) t");
  return rows.map((r) => r.name as string);
}

async function bookingRowEstimate(): Promise<number> {
  const { rows } = await pool.query("select reltuples from pg_class where oid = 'app_public.booking'::regclass");
  return rows[0].reltuples;
}

describe("analyze_stale_tables", () => {
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: await createOwnDatabase("analyze_stale"), max: 2 });
    await pool.query("alter table app_public.booking set (autovacuum_enabled = false)");
    await pool.query("analyze app_public.booking"); // start from known statistics: an empty table
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
  });

  it("leaves a table alone below autovacuum's threshold, analyzes it past the threshold, then not again", async () => {
    await addBookings(10); // below 50 + 10 % of 0 rows
    expect(await analyzed()).not.toContain("app_public.booking");

    await addBookings(2_000);
    expect(await analyzed()).toContain("app_public.booking");
    expect(await bookingRowEstimate()).toBe(2_010);

    expect(await analyzed()).not.toContain("app_public.booking");
  });

  it("where autovacuum looks after the table, does nothing to it", async () => {
    const { rows } = await pool.query("select current_setting('autovacuum')::boolean as on");
    await pool.query("alter table app_public.booking reset (autovacuum_enabled)");
    try {
      await addBookings(3_000);
      // With the server's autovacuum on, the table is autovacuum's; with it
      // off (this project's CI machine), it is still ours.
      expect(await analyzed()).toEqual(rows[0].on ? expect.not.arrayContaining(["app_public.booking"]) : expect.arrayContaining(["app_public.booking"]));
    } finally {
      await pool.query("alter table app_public.booking set (autovacuum_enabled = false)");
    }
  });

  it("refuses a bound below one (22023)", async () => {
    await expect(pool.query("select app_hidden.analyze_stale_tables(0)")).rejects.toMatchObject({ code: "22023" });
  });

  it("the cron task runs it every minute and says what it analyzed", async () => {
    expectScheduledEveryMinute("analyze_stale_tables");

    await addBookings(6_000);
    const log: string[] = [];
    await taskList.analyze_stale_tables!({}, helpersFor(pool, log));
    expect(log).toEqual([expect.stringMatching(/^analyzed (.*, )?app_public\.booking(, .*)? \(autovacuum does not look after them on this server\)$/)]);
    expect(await bookingRowEstimate()).toBe(11_010);
  });
});
