/*
 * Expires waiting-list offers whose hold time has passed. The rule, the seat
 * release and the OfferExpired outbox rows live in
 * app_hidden.expire_overdue_offers(); the released seats go to the next in
 * line at that transaction's commit (the deferred trigger of 195-waitlist of migration 000009).
 *
 * It also ends the entries still waiting on events whose booking deadline
 * has passed (app_hidden.end_closed_waitlists): nothing can be offered to
 * them any more.
 *
 * Started by the minute cron (so an offer expires at most about a minute
 * late), and by itself: each run schedules the next at the earliest open
 * offer's expiry (app_hidden.schedule_next_offer_expiry).
 */
import type { Task } from "graphile-worker";

const task: Task = async (_payload, helpers) => {
  const { rows } = await helpers.query<{ expired: number }>("select app_hidden.expire_overdue_offers() as expired");
  await helpers.query("select app_hidden.schedule_next_offer_expiry()");
  // Events past their booking deadline: nothing can be offered, the entries still waiting end.
  const { rows: closed } = await helpers.query<{ ended: number }>("select app_hidden.end_closed_waitlists() as ended");
  const expired = rows[0]?.expired ?? 0;
  if (expired > 0) helpers.logger.info(`expired ${expired} waiting-list offer(s)`);
  const ended = closed[0]?.ended ?? 0;
  if (ended > 0) helpers.logger.info(`ended ${ended} waiting-list entr${ended === 1 ? "y" : "ies"} of events past their booking deadline`);
};

export default task;
