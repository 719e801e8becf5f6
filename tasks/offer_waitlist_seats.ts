/*
 * Offers the free seats of first_come events to their waiting lists
 * (docs/waitlist.md "Who gets freed seats"). Such an event's freed seats are
 * open to anyone at once; what is still free when this runs (every minute)
 * goes to the list in its order. list_first events need no task: their
 * freed seats are offered at the commit that freed them.
 *
 * One short transaction per event (app_hidden.offer_freed_seats locks that
 * event's seat counter only while it walks the list), so a busy event never
 * holds up the others and a booking waits at most one walk. Safe on several
 * workers: the counter lock serializes two walks of one event, and the second
 * finds the seats already offered. The rules, the pause and the outbox rows
 * live in SQL.
 */
import type { Task } from "graphile-worker";

const task: Task = async (_payload, helpers) => {
  const { rows: events } = await helpers.query<{ id: string }>("select id from app_hidden.waitlist_events_to_offer() id");
  let offers = 0;
  for (const { id } of events) {
    const { rows } = await helpers.query<{ offers: number }>("select app_hidden.offer_freed_seats($1) as offers", [id]);
    offers += rows[0]?.offers ?? 0;
  }
  if (offers > 0) {
    // New offers expire: the expiry job runs at the earliest one (outside any counter lock).
    await helpers.query("select app_hidden.schedule_next_offer_expiry()");
    helpers.logger.info(`offered seats to ${offers} waiting-list entr${offers === 1 ? "y" : "ies"} of first-come events`);
  }
};

export default task;
