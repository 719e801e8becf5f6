/*
 * Daily cron task: the retention pass of app_hidden.apply_retention (audit
 * months moved to app_archive, finished-for-good jobs and stale rate-limit
 * counters deleted, ended bookings' personal fields reduced), with its
 * settings in app_private.setting (docs/data-retention.md). Idempotent.
 */
import type { Task } from "graphile-worker";

const task: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ result: Record<string, unknown> }>("select app_hidden.apply_retention() as result");
  helpers.logger.info(`retention: ${JSON.stringify(rows[0]?.result ?? {})}`);
};

export default task;
