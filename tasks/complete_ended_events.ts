/*
 * Cron task: marks published events whose end time has passed as completed.
 * The rule (and its outbox/audit rows) lives in app_hidden.complete_ended_events();
 * this task only calls it. Idempotent: a second run finds nothing to do.
 */
import type { Task } from "graphile-worker";

const task: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ completed: number }>(
    "select app_hidden.complete_ended_events() as completed",
  );
  const completed = rows[0]?.completed ?? 0;
  if (completed > 0) helpers.logger.info(`completed ${completed} ended event(s)`);
};

export default task;
