/*
 * Cron task: expires pending bookings whose payment deadline has passed,
 * giving their seats (and promo-code uses) back. The rule, the seat release
 * and the BookingExpired outbox rows live in app_hidden.expire_overdue_bookings();
 * this task only calls it, one batch per transaction (short locks), until a
 * batch comes back short.
 *
 * Safe on many workers at once: the SQL function takes bookings with
 * `for update skip locked`, so two runs never expire the same booking, and
 * a booking a payment confirmation holds right now is left to it.
 */
import type { Task } from "graphile-worker";

/** Bookings per transaction: small enough to keep event rows locked only briefly. */
export const EXPIRE_BATCH = 100;
/** Upper bound of batches per run, so one run cannot hog a worker; the next minute continues. */
const MAX_BATCHES = 50;

const task: Task = async (_payload, helpers) => {
  let total = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const { rows } = await helpers.query<{ expired: number }>(
      "select app_hidden.expire_overdue_bookings($1) as expired",
      [EXPIRE_BATCH],
    );
    const expired = rows[0]?.expired ?? 0;
    total += expired;
    if (expired < EXPIRE_BATCH) break;
  }
  if (total > 0) helpers.logger.info(`expired ${total} overdue booking(s)`);
};

export default task;
