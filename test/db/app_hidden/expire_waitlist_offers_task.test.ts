/*
 * The expire_waitlist_offers worker task: scheduled every minute (so an offer
 * expires at most about a minute late) and by itself at the earliest open
 * offer's expiry; it calls app_hidden.expire_overdue_offers, whose released
 * seats go to the next in line. Run with the task helpers' query bound to a
 * rolled-back test transaction; `set constraints all immediate` fires the
 * deferred offer trigger where a real transaction would fire it at commit.
 */
import { describe, expect, it } from "vitest";
import { taskList } from "../../../tasks/index.ts";
import { becomeRoot, becomeUser, newUser, withRootTx } from "../../helpers/db.ts";
import { createBooking, createPublishedEvent, firstTier, rootQuery } from "../factories.ts";
import { expectScheduledEveryMinute, helpersFor } from "../task-harness.ts";
import { seatFreedWithTwoWaiting } from "../waitlist-task-fixtures.ts";

describe("expire_waitlist_offers task", () => {
  it("is scheduled every minute and is in the task list", () => {
    expectScheduledEveryMinute("expire_waitlist_offers");
  });

  it("expires an overdue offer, passes its seats to the next in line, and schedules the next run", async () => {
    await withRootTx(async (tx) => {
      const { event, firstId, secondId } = await seatFreedWithTwoWaiting(tx);

      const status = async () =>
        (await rootQuery(tx, "select id, status from app_public.waitlist_entry where id = any($1) order by joined_at", [[firstId, secondId]])).map(
          (r) => r.status,
        );
      expect(await status()).toEqual(["offered", "waiting"]);

      await rootQuery(tx, "update app_public.waitlist_entry set offer_expires_at = now() - interval '1 second' where id = $1", [firstId]);
      await becomeRoot(tx);
      const log: string[] = [];
      await taskList.expire_waitlist_offers!({}, helpersFor(tx, log));
      await tx.query("set constraints all immediate");
      expect(await status()).toEqual(["expired", "offered"]);
      // (Other files' committed events past their deadline may add an "ended …" line.)
      const expiredLines = () => log.filter((line) => line.startsWith("expired "));
      expect(expiredLines()).toHaveLength(1);
      expect(expiredLines()[0]).toMatch(/^expired \d+ waiting-list offer\(s\)$/);
      const [seats] = await rootQuery(tx, "select seats_taken from app_public.event_seat_counter where event_id = $1", [event.id]);
      expect(seats!.seats_taken).toBe(1);

      // Run again: nothing overdue; the next run is scheduled no later than the open offer's expiry.
      await taskList.expire_waitlist_offers!({}, helpersFor(tx, log));
      expect(expiredLines()).toHaveLength(1);
      const [open] = await rootQuery(tx, "select offer_expires_at from app_public.waitlist_entry where id = $1", [secondId]);
      const [job] = await rootQuery(tx, "select run_at from graphile_worker.jobs where key = 'expire_waitlist_offers_next'");
      expect(new Date(job!.run_at).getTime()).toBeLessThanOrEqual(new Date(open!.offer_expires_at).getTime());
    });
  });
  it("ends the entries still waiting on an event whose booking deadline has passed", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer, { capacity: 1 });
      const tier = await firstTier(tx, event.id);
      await createBooking(tx, newUser("user"), event.id, tier.id, 1);
      const waiting = newUser("user");
      await becomeUser(tx, waiting);
      const entryId = (await tx.query("select id from app_public.join_waitlist(event_id => $1)", [event.id])).rows[0].id as string;
      // The deadline passes: bookings close 24 h before a start an hour away.
      await rootQuery(tx, "update app_public.event set starts_at = now() + interval '1 hour', ends_at = now() + interval '3 hours' where id = $1", [
        event.id,
      ]);
      await becomeRoot(tx);
      const log: string[] = [];
      await taskList.expire_waitlist_offers!({}, helpersFor(tx, log));
      const [entry] = await rootQuery(tx, "select status, end_reason from app_public.waitlist_entry where id = $1", [entryId]);
      expect(entry).toEqual({ status: "ended", end_reason: "bookings_closed" });
      expect(log.some((line) => /^ended \d+ waiting-list entr(y|ies) of events past their booking deadline$/.test(line))).toBe(true);
    });
  });
});
