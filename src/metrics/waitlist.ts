/*
 * The waiting lists on /metrics (docs/waitlist.md "Metrics"), read from
 * app_private.waitlist_metrics in the same scrape query as the other
 * database-wide series (database.ts): gauges of the live list (entries and
 * seats by status, read from the partial index of live entries) and offer counters
 * counted from the audit log. Counted in the database, so every replica
 * reports the same numbers (aggregate with max, not sum).
 */
import client from "prom-client";
import { registry } from "./registry.ts";

/** Rows of the scrape query: `waitlist:<series>:<label>` → value (see database.ts). */
export const WAITLIST_SQL = `select 'waitlist:' || w.series || ':' || w.label, w.value, null, null, null from app_private.waitlist_metrics w`;

const STATUSES = ["waiting", "offered"] as const;
const OUTCOMES = ["made", "accepted", "declined", "expired", "withdrawn"] as const;

/**
 * The waiting-list series: gauges over `counts` (undefined: the scrape's
 * query failed, they are left out), counters over `totals` (the last totals
 * read when this scrape's query failed, so they never fall back to 0).
 */
export function waitlistMetrics(
  counts: () => Promise<Map<string, number> | undefined>,
  totals: () => Promise<Map<string, number> | undefined>,
): client.Metric[] {
  const series = (name: string, labels: readonly string[], read = counts) => async (metric: client.Gauge<string> | client.Counter<string>, label: string) => {
    const c = await read();
    metric.reset();
    if (!c) return;
    for (const value of labels) metric.inc({ [label]: value }, c.get(`waitlist:${name}:${value}`) ?? 0);
  };
  const entries = series("entries", STATUSES);
  const seats = series("seats", STATUSES);
  const offers = series("offers", OUTCOMES, totals);
  return [
    new client.Gauge({
      name: "aquastream_waitlist_entries",
      help: "Waiting-list entries in line, by status: waiting, offered (holding an open offer).",
      labelNames: ["status"],
      registers: [registry],
      async collect() {
        await entries(this, "status");
      },
    }),
    new client.Gauge({
      name: "aquastream_waitlist_seats",
      help: "Seats on the waiting lists, by status: waiting (seats wanted by entries in line), offered (seats held by open offers).",
      labelNames: ["status"],
      registers: [registry],
      async collect() {
        await seats(this, "status");
      },
    }),
    new client.Counter({
      name: "aquastream_waitlist_offers_total",
      help: "Waiting-list offers by outcome: made, accepted, declined, expired, withdrawn (the list ended: event canceled or completed, person erased); counted from the audit log.",
      labelNames: ["outcome"],
      registers: [registry],
      async collect() {
        await offers(this, "outcome");
      },
    }),
  ];
}
