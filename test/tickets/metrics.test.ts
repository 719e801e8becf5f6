/*
 * Ticket metrics (220-tickets migration, src/metrics/tickets.ts) on a
 * database of this file's own, so the totals move only with what this file
 * does: every fact (ticket issued or voided, check-in by scan or batch, undo)
 * is counted exactly once, also when scans race on many connections (as
 * several API replicas do) while several processes scrape and fold at once;
 * repeated scans, conflicts and rolled-back scans count nothing; /metrics
 * reports what the database says (and, when a scrape cannot read it, the
 * last totals rather than zeros); on a database that already has tickets,
 * the migration starts the totals where the facts are.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/db/migrations.ts";
import { registerTicketMetrics, type TicketMetrics } from "../../src/metrics/tickets.ts";
import { registry } from "../../src/metrics/registry.ts";
import { createOwnDatabase } from "../helpers/own-database.ts";
import { racer } from "../helpers/race.ts";
import { createEventCall, newUser } from "../db/factories.ts";
import { becomeUser } from "../helpers/db.ts";
import { parseMetrics, value } from "../ops/prometheus-text.ts";

let databaseUrl = "";
let metrics: TicketMetrics | undefined;
// Its pool connects once beforeAll has made the database (read r.pool lazily).
const r = racer(24, () => databaseUrl);
const { call, must } = r;

beforeAll(async () => {
  databaseUrl = await createOwnDatabase("ticket_metrics");
  metrics = registerTicketMetrics(databaseUrl);
}, 120_000);
afterAll(async () => {
  await metrics?.close();
});

type Totals = Record<string, number>;
/** One scrape's fold, as any replica's /metrics would run it. */
async function fold(): Promise<Totals> {
  const rows = await must(null, "select kind, total from app_private.ticket_metrics()");
  return Object.fromEntries(rows.map((r) => [r.kind as string, Number(r.total)]));
}
const delta = (before: Totals, after: Totals) =>
  Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]).filter(([, n]) => n !== 0));

async function freeEvent(organizer: ReturnType<typeof newUser>): Promise<{ eventId: string; tierId: string }> {
  const [sql, params] = createEventCall({ capacity: 100, priceTiers: [{ name: "Free", price: 0, currency: "EUR" }] });
  const [event] = await must(organizer, sql, params);
  await must(organizer, "select app_public.publish_event($1)", [event!.id]);
  const [tier] = await must(null, "select id from app_public.event_price_tier where event_id = $1", [event!.id]);
  return { eventId: event!.id, tierId: tier!.id };
}
async function tickets(holder: ReturnType<typeof newUser>, eventId: string, tierId: string, quantity: number) {
  const [booking] = await must(holder, "select * from app_public.create_booking($1, $2, $3)", [eventId, tierId, quantity]);
  const rows = await must(null, "select id, code from app_public.ticket where booking_id = $1 order by seat_no", [booking!.id]);
  return { bookingId: booking!.id as string, codes: rows.map((r) => r.code as string) };
}

describe("ticket metrics", () => {
  it("count each kind of fact once; repeats, conflicts and rollbacks count nothing; /metrics says what the database says", async () => {
    const organizer = newUser("organizer");
    const { eventId, tierId } = await freeEvent(organizer);
    const before = await fold();

    const kept = await tickets(newUser(), eventId, tierId, 3);
    const canceled = await tickets(newUser(), eventId, tierId, 2);
    const [leaver] = await must(null, "select user_id from app_public.booking where id = $1", [canceled.bookingId]);
    await must({ sub: leaver!.user_id, roles: ["user"] }, "select app_public.cancel_booking($1, 'plans changed')", [canceled.bookingId]);

    const [a, b, c] = kept.codes as [string, string, string];
    await must(organizer, "select app_public.check_in_ticket($1)", [a]);
    await must(organizer, "select app_public.check_in_ticket($1)", [a]); // already checked in: no fact
    await must(organizer, "select app_public.undo_check_in($1)", [a]);
    await must(organizer, "select app_public.check_in_ticket($1)", [a]); // checked in again: a second check-in
    const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
    await must(organizer, "select * from app_public.check_in_batch(array[row($1, $2, 'gate-a'), row($1, $3, 'gate-b')]::app_public.ticket_scan_input[])", [
      b,
      at(5000),
      at(2000),
    ]); // one check-in, one conflict
    // A scan whose transaction rolls back leaves no fact.
    const client = await r.pool.connect();
    try {
      await client.query("begin");
      await becomeUser(client, organizer);
      await client.query("select app_public.check_in_ticket($1)", [c]);
      await client.query("rollback");
    } finally {
      client.release();
    }

    const after = await fold();
    expect(delta(before, after)).toEqual({
      issued: 5,
      "voided:booking_canceled": 2,
      "checked_in:scan": 2,
      "checked_in:batch": 1,
      undone: 1,
    });
    // Nothing new: a second fold answers the same totals.
    expect(await fold()).toEqual(after);

    const samples = parseMetrics(await registry.metrics());
    expect(value(samples, "aquastream_ticket_metrics_up")).toBe(1);
    expect(value(samples, "aquastream_tickets_issued_total")).toBe(after.issued);
    expect(value(samples, "aquastream_tickets_voided_total", { reason: "booking_canceled" })).toBe(after["voided:booking_canceled"]);
    expect(value(samples, "aquastream_tickets_voided_total", { reason: "reissued" })).toBe(after["voided:reissued"]);
    expect(value(samples, "aquastream_ticket_check_ins_total", { source: "scan" })).toBe(after["checked_in:scan"]);
    expect(value(samples, "aquastream_ticket_check_ins_total", { source: "batch" })).toBe(after["checked_in:batch"]);
    expect(value(samples, "aquastream_ticket_check_in_undos_total")).toBe(after.undone);
  });

  it("a scrape that cannot read the database repeats the last totals (up 0) instead of dropping the counters to 0", async () => {
    const good = parseMetrics(await registry.metrics());
    expect(value(good, "aquastream_ticket_metrics_up")).toBe(1);
    const issued = value(good, "aquastream_tickets_issued_total");
    expect(issued).toBeGreaterThan(0);
    // The query fails: its function is gone for a moment.
    await must(null, "alter function app_private.ticket_metrics() rename to ticket_metrics_away");
    try {
      const failed = parseMetrics(await registry.metrics());
      expect(value(failed, "aquastream_ticket_metrics_up")).toBe(0);
      expect(value(failed, "aquastream_tickets_issued_total")).toBe(issued);
      expect(value(failed, "aquastream_ticket_check_ins_total", { source: "scan" })).toBe(value(good, "aquastream_ticket_check_ins_total", { source: "scan" }));
    } finally {
      await must(null, "alter function app_private.ticket_metrics_away() rename to ticket_metrics");
    }
    expect(value(parseMetrics(await registry.metrics()), "aquastream_ticket_metrics_up")).toBe(1);
  });

  it("racing scans on many connections while several scrapes fold at once: every check-in counted exactly once", async () => {
    const organizer = newUser("organizer");
    const staff = [organizer, newUser("admin")];
    const { eventId, tierId } = await freeEvent(organizer);
    const bookings = await Promise.all(Array.from({ length: 8 }, () => tickets(newUser(), eventId, tierId, 4)));
    const codes = bookings.flatMap((b) => b.codes);
    expect(codes).toHaveLength(32);
    const before = await fold();

    // Each ticket scanned three times at once by different staff on different
    // connections, interleaved with scrapes folding on their own connections.
    const scans = codes.flatMap((code, i) => [0, 1, 2].map((k) => () => call(staff[(i + k) % 2]!, "select outcome from app_public.check_in_ticket($1)", [code])));
    const scrapes = Array.from({ length: 12 }, () => () => call(null, "select kind, total from app_private.ticket_metrics()"));
    const work = [...scans, ...scrapes].sort(() => Math.random() - 0.5);
    const outcomes = await Promise.all(work.map((run) => run()));
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const checkedIn = outcomes.flatMap((o) => (o.ok ? o.rows : [])).filter((r) => r.outcome === "checked_in");
    expect(checkedIn).toHaveLength(32);

    expect(delta(before, await fold())).toEqual({ "checked_in:scan": 32 });
    const [left] = await must(null, "select count(*)::int as n from app_private.ticket_metric_fact");
    expect(left!.n).toBe(0); // folded: the fact table holds only what is new since the last scrape
  });

  it("on a database with tickets already, the migration starts the totals exactly where the facts are", async () => {
    // Every kind of fact, on top of what the tests above did.
    const organizer = newUser("organizer");
    const { eventId, tierId } = await freeEvent(organizer);
    const holder = newUser();
    const reissued = await tickets(holder, eventId, tierId, 2);
    await must(holder, "select app_public.reissue_tickets($1)", [reissued.bookingId]);
    const [code] = (await tickets(newUser(), eventId, tierId, 1)).codes as [string];
    await must(organizer, "select app_public.check_in_ticket($1)", [code]);
    await must(organizer, "select app_public.undo_check_in($1)", [code]);
    await must(organizer, "select * from app_public.check_in_batch(array[row($1, $2, 'gate-c')]::app_public.ticket_scan_input[])", [
      code,
      new Date(Date.now() - 1000).toISOString(),
    ]);
    const counted = await fold();
    expect(counted["voided:reissued"]).toBeGreaterThanOrEqual(2);
    expect(counted["checked_in:batch"]).toBeGreaterThanOrEqual(2);

    // The database as it was before the migration (no metric tables), then that part of the migration itself.
    await must(
      null,
      `drop table app_private.ticket_metric_fact, app_private.ticket_metric_total;
       drop trigger _900_metric_fact_insert on app_public.ticket;
       drop trigger _900_metric_fact_update on app_public.ticket`,
    );
    const migration = migrationPart("220-tickets.sql");
    await must(null, migration);
    expect(await fold()).toEqual(counted);
    // Applied again (graphile-migrate re-runs current/ in development): nothing changes.
    await must(null, migration);
    expect(await fold()).toEqual(counted);
  });
});

/** The part of a committed migration that was written as `current/<name>` (graphile-migrate's `--! split:` marks). */
function migrationPart(name: string): string {
  const dir = join(projectRoot, "db/migrations/committed");
  const marker = `--! split: ${name}\n`;
  for (const file of readdirSync(dir)) {
    const text = readFileSync(join(dir, file), "utf8");
    const start = text.indexOf(marker);
    if (start < 0) continue;
    const end = text.indexOf("\n--! split: ", start + marker.length);
    return text.slice(start + marker.length, end < 0 ? undefined : end);
  }
  throw new Error(`no committed migration has the part ${name}`);
}
