/*
 * Cron task (every minute): planner statistics for the service's tables when
 * the server's autovacuum does not keep them (app_hidden.analyze_stale_tables;
 * docs/database.md). Does nothing where autovacuum runs. Idempotent.
 */
import type { Task } from "graphile-worker";

const task: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ analyzed: string }>("select t::text as analyzed from app_hidden.analyze_stale_tables() t");
  if (rows.length > 0) {
    helpers.logger.info(`analyzed ${rows.map((r) => r.analyzed).join(", ")} (autovacuum does not look after them on this server)`);
  }
};

export default task;
