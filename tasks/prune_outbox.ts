/*
 * Daily cron task: deletes outbox rows that Kafka acknowledged longer ago
 * than OUTBOX_RETENTION_DAYS (app_hidden.prune_outbox). Unpublished and
 * parked rows are never pruned. Idempotent.
 */
import type { Task } from "graphile-worker";
import { relayConfig } from "../src/outbox/config.ts";

const task: Task = async (_payload, helpers) => {
  const days = relayConfig().retentionDays;
  const { rows } = await helpers.query<{ pruned: number }>(
    "select app_hidden.prune_outbox(make_interval(days => $1)) as pruned",
    [days],
  );
  const pruned = rows[0]?.pruned ?? 0;
  if (pruned > 0) helpers.logger.info(`pruned ${pruned} published outbox row(s) older than ${days} day(s)`);
};

export default task;
