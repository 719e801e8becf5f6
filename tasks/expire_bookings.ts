/*
 * Expires pending bookings whose payment deadline has passed, giving their
 * seats (and promo-code uses) back. The rule, the seat release and the
 * BookingExpired outbox rows live in app_hidden.expire_overdue_bookings(),
 * set-based; this task calls it one batch per transaction (short locks)
 * until a batch comes back short: a backlog is worked off in one go, not
 * capped per minute.
 *
 * Started by the minute cron, and by itself: at the end of every run it
 * schedules the next run at the earliest pending payment deadline
 * (app_hidden.schedule_next_expiry), so bookings that fall due together are
 * expired right then. When the first batch is full (a backlog), it also
 * enqueues EXPIRE_HELPERS more runs, so other workers join in: SKIP LOCKED
 * in the SQL keeps them off each other's bookings, so no booking is expired
 * twice and a booking a payment confirmation holds is left to it.
 */
import type { Task } from "graphile-worker";

/** Bookings per transaction: a few hundred rows, so counter rows stay locked for milliseconds. */
export const EXPIRE_BATCH = 500;
/** Extra runs enqueued for a backlog, so up to this many more workers share it. */
export const EXPIRE_HELPERS = 3;

const task: Task = async (payload, helpers) => {
  const helper = (payload as { helper?: number } | null)?.helper !== undefined;
  let total = 0;
  for (let batch = 0; ; batch++) {
    const { rows } = await helpers.query<{ expired: number }>("select app_hidden.expire_overdue_bookings($1) as expired", [
      EXPIRE_BATCH,
    ]);
    const expired = rows[0]?.expired ?? 0;
    total += expired;
    if (batch === 0 && expired === EXPIRE_BATCH && !helper) {
      // A backlog: let other workers help (one job per key, so repeated runs add no more).
      await helpers.query(
        `select graphile_worker.add_job('expire_bookings', json_build_object('helper', k),
                job_key => 'expire_bookings_helper_' || k, job_key_mode => 'preserve_run_at', max_attempts => 1)
         from generate_series(1, $1) k`,
        [EXPIRE_HELPERS],
      );
    }
    if (expired < EXPIRE_BATCH) break;
  }
  if (!helper) await helpers.query("select app_hidden.schedule_next_expiry()");
  if (total > 0) helpers.logger.info(`expired ${total} overdue booking(s)`);
};

export default task;
