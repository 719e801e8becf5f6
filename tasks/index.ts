/*
 * Every graphile-worker task, by the name SQL and the crontab use.
 * Listed explicitly (not scanned from the folder) so a missing task is a
 * type error at start-up, not a job that fails at 3 a.m.
 */
import type { TaskList } from "graphile-worker";
import analyze_stale_tables from "./analyze_stale_tables.ts";
import apply_retention from "./apply_retention.ts";
import assign_crew from "./assign_crew.ts";
import complete_ended_events from "./complete_ended_events.ts";
import expire_bookings from "./expire_bookings.ts";
import expire_waitlist_offers from "./expire_waitlist_offers.ts";
import offer_waitlist_seats from "./offer_waitlist_seats.ts";
import prune_outbox from "./prune_outbox.ts";
import release_crew from "./release_crew.ts";

export const taskList: TaskList = {
  analyze_stale_tables,
  apply_retention,
  assign_crew,
  complete_ended_events,
  expire_bookings,
  expire_waitlist_offers,
  offer_waitlist_seats,
  prune_outbox,
  release_crew,
};
