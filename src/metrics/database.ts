/*
 * Database-wide gauges and counters, read from SQL views when Prometheus
 * scrapes: the outbox backlog (app_private.outbox_backlog), the business
 * totals (app_private.business_counts) and the waiting lists
 * (app_private.waitlist_metrics, see waitlist.ts). Counted in the database, not in a
 * process, so they are true whichever replica answers; every process that
 * reports them reports the same numbers (aggregate with max, not sum).
 *
 * Only the worker process (and `all`) registers them: it has the owner's
 * connection that may read app_private. The queries run on a pool of their
 * own (one connection) with a short statement_timeout, so a slow database
 * makes a scrape miss these series (aquastream_database_metrics_up 0)
 * instead of hanging it or taking a worker's connection.
 */
import client from "prom-client";
import { logger } from "../log/logger.ts";
import { registry } from "./registry.ts";
import { scrapePool } from "./scrape-pool.ts";
import { WAITLIST_SQL, waitlistMetrics } from "./waitlist.ts";

interface Snapshot {
  backlog: { unpublished: number; oldest: number; parked: number };
  counts: Map<string, number>;
}

/** Metric series from business_counts: action → (metric, labels). */
const BUSINESS: Record<string, { metric: "bookings" | "payments" | "refunds"; labels: Record<string, string> }> = {
  "booking.create": { metric: "bookings", labels: { transition: "created" } },
  "booking.confirm": { metric: "bookings", labels: { transition: "confirmed" } },
  "booking.expire": { metric: "bookings", labels: { transition: "expired" } },
  "booking.cancel": { metric: "bookings", labels: { transition: "canceled" } },
  "payment.confirm": { metric: "payments", labels: {} },
  "payment.refund": { metric: "refunds", labels: {} },
};

export interface DatabaseMetrics {
  close(): Promise<void>;
}

let registered = false;

/** Starts reporting the database-wide series on this process's /metrics. */
export function registerDatabaseMetrics(connectionString: string): DatabaseMetrics {
  if (registered) throw new Error("database metrics are already registered in this process");
  registered = true;
  const pool = scrapePool(connectionString, "metrics");

  // One query per scrape, however many series read it: prom-client starts
  // every collect() of a scrape at once, so they share the query in flight.
  let pending: Promise<Snapshot | undefined> | undefined;
  // The last snapshot read: counters repeat it when a scrape fails, as a
  // counter that drops to 0 reads to Prometheus as a reset (and a rate()
  // spike when it comes back). Gauges do not: a stale level would mislead.
  let lastGood: Snapshot | undefined;
  const totals = async () => (await snapshot()) ?? lastGood;
  function snapshot(): Promise<Snapshot | undefined> {
    pending ??= read()
      .catch((error: Error) => {
        logger.warn({ err: error.message }, "database metrics unavailable for this scrape");
        return undefined;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }
  async function read(): Promise<Snapshot> {
    const { rows } = await pool.query<{ action: string | null; total: string; unpublished: string | null; oldest: number | null; parked: string | null }>(
      `select null as action, null::bigint as total, b.unpublished, b.oldest_unpublished_age_seconds as oldest, b.parked
         from app_private.outbox_backlog b
       union all
       select c.action, c.total, null, null, null from app_private.business_counts c
       union all
       ${WAITLIST_SQL}`,
    );
    const backlog = rows.find((r) => r.action === null)!;
    lastGood = {
      backlog: { unpublished: Number(backlog.unpublished), oldest: Number(backlog.oldest), parked: Number(backlog.parked) },
      counts: new Map(rows.filter((r) => r.action !== null).map((r) => [r.action!, Number(r.total)])),
    };
    return lastGood;
  }

  const metrics: client.Metric[] = [
    new client.Gauge({
      name: "aquastream_database_metrics_up",
      help: "1 when this scrape could read the database-wide series (outbox backlog, business totals), 0 when the query failed or timed out.",
      registers: [registry],
      async collect() {
        this.set((await snapshot()) ? 1 : 0);
      },
    }),
    new client.Gauge({
      name: "aquastream_outbox_backlog_rows",
      help: "Outbox rows waiting for the Kafka relay (app_private.outbox_backlog.unpublished; parked rows excluded).",
      registers: [registry],
      async collect() {
        const s = await snapshot();
        if (s) this.set(s.backlog.unpublished);
        else this.reset();
      },
    }),
    new client.Gauge({
      name: "aquastream_outbox_oldest_age_seconds",
      help: "Age of the oldest outbox row waiting for the relay; 0 when none waits.",
      registers: [registry],
      async collect() {
        const s = await snapshot();
        if (s) this.set(s.backlog.oldest);
        else this.reset();
      },
    }),
    new client.Gauge({
      name: "aquastream_outbox_parked_rows",
      help: "Outbox rows the relay set aside as unsendable; an operator must look (docs/kafka.md).",
      registers: [registry],
      async collect() {
        const s = await snapshot();
        if (s) this.set(s.backlog.parked);
        else this.reset();
      },
    }),
    businessCounter("aquastream_bookings_total", "Bookings by transition (created, confirmed, expired, canceled), counted from the audit log.", "bookings", ["transition"]),
    businessCounter("aquastream_payments_confirmed_total", "Payments confirmed by the gateway, counted from the audit log.", "payments", []),
    ...waitlistMetrics(async () => (await snapshot())?.counts, async () => (await totals())?.counts),
    businessCounter("aquastream_refunds_total", "Refunds issued (by cancellation, late payment or an admin), counted from the audit log.", "refunds", []),
  ];

  function businessCounter(name: string, help: string, metric: string, labelNames: string[]): client.Metric {
    return new client.Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await totals();
        this.reset();
        if (!s) return;
        for (const [action, target] of Object.entries(BUSINESS)) {
          if (target.metric === metric) this.inc(target.labels, s.counts.get(action) ?? 0);
        }
      },
    });
  }

  return {
    async close() {
      for (const metric of metrics) registry.removeSingleMetric((metric as unknown as { name: string }).name);
      registered = false;
      await pool.end();
    },
  };
}
