/*
 * Ticket metrics (issue #18; docs/tickets.md#metrics): tickets issued and
 * voided, check-ins and undos. Each fact is appended in the database by the
 * transaction that made it (220-tickets migration) and folded into totals by
 * app_private.ticket_metrics() when Prometheus scrapes: the totals are the
 * database's, so every process that reports them reports the same numbers
 * whichever replica scanned the ticket (aggregate with max, not sum), and a
 * scrape reads a handful of rows however many tickets exist.
 *
 * Registered by the worker process (and `all`), which has the owner's
 * connection; one connection of its own with a short statement_timeout, so a
 * slow database costs a scrape fresh totals (aquastream_ticket_metrics_up 0)
 * instead of hanging it. The series of one scrape share one call.
 */
import client from "prom-client";
import { logger } from "../log/logger.ts";
import { registry } from "./registry.ts";
import { scrapePool } from "./scrape-pool.ts";

/** Fact kinds (ticket_metric_total.kind) → metric and labels. */
const SERIES: Record<string, { metric: "issued" | "voided" | "checkIns" | "undos"; labels: Record<string, string> }> = {
  issued: { metric: "issued", labels: {} },
  "voided:booking_canceled": { metric: "voided", labels: { reason: "booking_canceled" } },
  "voided:reissued": { metric: "voided", labels: { reason: "reissued" } },
  "checked_in:scan": { metric: "checkIns", labels: { source: "scan" } },
  "checked_in:batch": { metric: "checkIns", labels: { source: "batch" } },
  undone: { metric: "undos", labels: {} },
};

export interface TicketMetrics {
  close(): Promise<void>;
}

let registered = false;

/** Starts reporting the ticket series on this process's /metrics. */
export function registerTicketMetrics(connectionString: string): TicketMetrics {
  if (registered) throw new Error("ticket metrics are already registered in this process");
  registered = true;
  const pool = scrapePool(connectionString, "ticket-metrics");

  // The last totals read: a scrape that cannot reach the database reports
  // them again (with aquastream_ticket_metrics_up 0) rather than dropping the
  // counters to 0, which Prometheus would read as a reset and then count the
  // whole total again as an increase. Totals never go down, so they are late,
  // never wrong.
  let last: Map<string, number> | undefined;
  let pending: Promise<{ totals: Map<string, number> | undefined; fresh: boolean }> | undefined;
  function read(): Promise<{ totals: Map<string, number> | undefined; fresh: boolean }> {
    pending ??= pool
      .query<{ kind: string; total: string }>("select kind, total from app_private.ticket_metrics()")
      .then(({ rows }) => {
        last = new Map(rows.map((r) => [r.kind, Number(r.total)]));
        return { totals: last, fresh: true };
      })
      .catch((error: Error) => {
        logger.warn({ err: error.message }, "ticket metrics unavailable for this scrape");
        return { totals: last, fresh: false };
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  function counter(name: string, help: string, metric: string, labelNames: string[]): client.Metric {
    return new client.Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const t = (await read()).totals;
        this.reset();
        if (!t) return;
        for (const [kind, target] of Object.entries(SERIES)) {
          if (target.metric === metric) this.inc(target.labels, t.get(kind) ?? 0);
        }
      },
    });
  }

  const metrics: client.Metric[] = [
    new client.Gauge({
      name: "aquastream_ticket_metrics_up",
      help: "1 when this scrape read the ticket totals from the database; 0 when the query failed or timed out (the ticket counters then repeat the last totals read).",
      registers: [registry],
      async collect() {
        this.set((await read()).fresh ? 1 : 0);
      },
    }),
    counter("aquastream_tickets_issued_total", "Tickets issued (one per seat of a confirmed booking, and again at each reissue), counted in the database.", "issued", []),
    counter("aquastream_tickets_voided_total", "Tickets voided, by reason: booking_canceled, reissued.", "voided", ["reason"]),
    counter(
      "aquastream_ticket_check_ins_total",
      "Tickets checked in, by source: scan (online, by code or token), batch (an offline batch). Repeated scans and conflicts are not check-ins; a check-in undone and done again counts twice.",
      "checkIns",
      ["source"],
    ),
    counter("aquastream_ticket_check_in_undos_total", "Check-ins undone by organizer staff within the undo window.", "undos", []),
  ];

  return {
    async close() {
      for (const metric of metrics) registry.removeSingleMetric((metric as unknown as { name: string }).name);
      registered = false;
      await pool.end();
    },
  };
}
