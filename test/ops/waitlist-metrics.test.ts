/*
 * The waiting-list series on /metrics after a scripted sequence: joins,
 * offers at commit, an acceptance, a decline, an expiry and an event
 * canceled with an open offer. On a database of this file's own, so the
 * values are exact; scraped over HTTP from the admin server as Prometheus
 * would. The series are read from app_private.waitlist_metrics (the live
 * list, the audit log), so a second process reading the same database
 * reports the same numbers: checked with a second, independent reader.
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPool } from "../../src/db/pool.ts";
import { startMetricsServer, type MetricsServer } from "../../src/metrics/server.ts";
import { registerDatabaseMetrics, type DatabaseMetrics } from "../../src/metrics/database.ts";
import { createEventCall, newUser } from "../db/factories.ts";
import { becomeUser, type TestUser } from "../helpers/db.ts";
import { createOwnDatabase } from "../helpers/own-database.ts";
import { scrape, value, type Sample } from "./prometheus-text.ts";

vi.hoisted(() => {
  process.env.LOG_LEVEL = "silent";
});

let pool: pg.Pool;
let metricsServer: MetricsServer;
let databaseMetrics: DatabaseMetrics;

beforeAll(async () => {
  const databaseUrl = await createOwnDatabase("waitlist_metrics");
  pool = createPool(databaseUrl, 3, "waitlist-metrics-test");
  metricsServer = await startMetricsServer("127.0.0.1", 0);
  databaseMetrics = registerDatabaseMetrics(databaseUrl);
}, 120_000);

afterAll(async () => {
  await databaseMetrics?.close();
  await metricsServer?.close();
  await pool?.end();
});

/** One committed transaction as `user` (null: the owner, as the worker runs). */
async function as(user: TestUser | null, sql: string, params: unknown[] = []): Promise<Record<string, any>[]> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    if (user) await becomeUser(client, user);
    const { rows } = await client.query(sql, params);
    await client.query("commit");
    return rows;
  } catch (error) {
    await client.query("rollback");
    throw error;
  } finally {
    client.release();
  }
}

const waitlistSeries = (samples: Sample[]) => ({
  entries: { waiting: value(samples, "aquastream_waitlist_entries", { status: "waiting" }), offered: value(samples, "aquastream_waitlist_entries", { status: "offered" }) },
  seats: { waiting: value(samples, "aquastream_waitlist_seats", { status: "waiting" }), offered: value(samples, "aquastream_waitlist_seats", { status: "offered" }) },
  offers: Object.fromEntries(
    ["made", "accepted", "declined", "expired", "withdrawn"].map((outcome) => [outcome, value(samples, "aquastream_waitlist_offers_total", { outcome })]),
  ),
});
const scrapeWaitlist = async () => waitlistSeries(await scrape(`http://127.0.0.1:${metricsServer.port}/metrics`));

describe("waiting-list metrics", () => {
  it("count the live list and every offer's outcome after a scripted sequence", async () => {
    expect(await scrapeWaitlist()).toEqual({
      entries: { waiting: 0, offered: 0 },
      seats: { waiting: 0, offered: 0 },
      offers: { made: 0, accepted: 0, declined: 0, expired: 0, withdrawn: 0 },
    });

    // A 3-seat event, sold out to three 1-seat bookings; five in line (the last wants 2 seats).
    const organizer = newUser("organizer");
    const [createSql, createParams] = createEventCall({ capacity: 3 });
    const [event] = await as(organizer, createSql, createParams);
    await as(organizer, "select app_public.publish_event($1)", [event!.id]);
    const [tier] = await as(null, "select id from app_public.event_price_tier where event_id = $1", [event!.id]);
    const holders = [newUser(), newUser(), newUser()];
    const bookings: string[] = [];
    for (const h of holders) bookings.push((await as(h, "select id from app_public.create_booking($1, $2, 1)", [event!.id, tier!.id]))[0]!.id);
    const line = [newUser(), newUser(), newUser(), newUser(), newUser()];
    const entries: string[] = [];
    for (const [i, w] of line.entries()) {
      entries.push((await as(w, "select id from app_public.join_waitlist(event_id => $1, seats_wanted => $2)", [event!.id, i === 4 ? 2 : 1]))[0]!.id);
    }
    expect(await scrapeWaitlist()).toMatchObject({ entries: { waiting: 5, offered: 0 }, seats: { waiting: 6, offered: 0 } });

    // Three cancellations: the first three in line are offered a seat each at commit.
    for (const [i, h] of holders.entries()) await as(h, "select app_public.cancel_booking($1, 'plans changed')", [bookings[i]]);
    // The first accepts, the second declines (its seat goes to the fourth), the third lets its offer expire.
    await as(line[0]!, "select app_public.accept_offer(id => $1, price_tier_id => $2)", [entries[0], tier!.id]);
    await as(line[1]!, "select app_public.decline_offer($1)", [entries[1]]);
    await as(null, "update app_public.waitlist_entry set offer_expires_at = now() - interval '1 second' where id = $1", [entries[2]]);
    await as(null, "select app_hidden.expire_overdue_offers()");
    expect(await scrapeWaitlist()).toEqual({
      // The fifth (2 seats) waits: only the expired offer's seat is free.
      entries: { waiting: 1, offered: 1 },
      seats: { waiting: 2, offered: 1 },
      offers: { made: 4, accepted: 1, declined: 1, expired: 1, withdrawn: 0 },
    });

    // The event is canceled: the fourth's offer is withdrawn, the fifth's entry ends.
    await as(organizer, "select app_public.cancel_event($1, 'storm warning')", [event!.id]);
    const final = await scrapeWaitlist();
    expect(final).toEqual({
      entries: { waiting: 0, offered: 0 },
      seats: { waiting: 0, offered: 0 },
      offers: { made: 4, accepted: 1, declined: 1, expired: 1, withdrawn: 1 },
    });

    // Any other process reading the same database reports the same: the numbers are the view's.
    const { rows } = await pool.query<{ series: string; label: string; value: string }>("select series, label, value from app_private.waitlist_metrics");
    const view = Object.fromEntries(rows.map((r) => [`${r.series}:${r.label}`, Number(r.value)]));
    expect(view).toEqual({
      "entries:waiting": 0,
      "entries:offered": 0,
      "seats:waiting": 0,
      "seats:offered": 0,
      "offers:made": 4,
      "offers:accepted": 1,
      "offers:declined": 1,
      "offers:expired": 1,
      "offers:withdrawn": 1,
    });
  });

  it("the gauges are answered from a partial index of live entries, not from the history", async () => {
    const client = await pool.connect();
    try {
      await client.query("begin");
      // Whatever the planner picks for this tiny table, the live index must be able to answer.
      await client.query("set local enable_seqscan = off");
      await client.query("set local enable_bitmapscan = off");
      const { rows } = await client.query("explain (costs off) select count(*), sum(w.seats_wanted) from app_public.waitlist_entry w where w.status = 'waiting'");
      const plan = rows.map((r) => Object.values(r)[0]).join("\n");
      // Either partial index of live entries will do (waitlist_entry_waiting_line_idx,
      // the waiting line of migration 000012, holds only waiting rows too); never the
      // whole history (waitlist_entry_event_id_joined_at_idx, the table).
      expect(plan).toMatch(/Index (Only )?Scan using waitlist_entry_(live|waiting_line)_idx/);
      await client.query("rollback");
    } finally {
      client.release();
    }
  });
});
