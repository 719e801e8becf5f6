/*
 * Expires waiting-list offers whose hold time has passed. The rule, the seat
 * release and the OfferExpired outbox rows live in
 * app_hidden.expire_overdue_offers(); the released seats go to the next in
 * line at that transaction's commit (the deferred trigger of 195-waitlist of migration 000009).
 *
 * Started by the minute cron (so an offer expires at most about a minute
 * late), and by itself: each run schedules the next at the earliest open
 * offer's expiry (app_hidden.schedule_next_offer_expiry).
 */
import type { Task } from "graphile-worker";

const task: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ expired: number }>("select app_hidden.expire_overdue_offers() as expired");
  await helpers.query("select app_hidden.schedule_next_offer_expiry()");
  const expired = rows[0]?.expired ?? 0;
  if (expired > 0) helpers.logger.info(`expired ${expired} waiting-list offer(s)`);
};

export default task;
