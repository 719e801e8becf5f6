/*
 * The offer_waitlist_seats worker task: every minute it offers the seats
 * still free on first_come events to their waiting lists, in line order, and
 * schedules the expiry of the new offers. Run with the task helpers' query
 * bound to a rolled-back test transaction.
 */
import { describe, expect, it } from "vitest";
import { taskList } from "../../../tasks/index.ts";
import { becomeRoot, withRootTx } from "../../helpers/db.ts";
import { rootQuery } from "../factories.ts";
import { expectScheduledEveryMinute, helpersFor } from "../task-harness.ts";
import { seatFreedWithTwoWaiting } from "../waitlist-task-fixtures.ts";

describe("offer_waitlist_seats task", () => {
  it("is scheduled every minute and is in the task list", () => {
    expectScheduledEveryMinute("offer_waitlist_seats");
  });

  it("offers a first_come event's free seats to the head of its line and schedules their expiry", async () => {
    await withRootTx(async (tx) => {
      // The cancel has been through what its commit would do: for a first_come event, nothing.
      const { event, firstId } = await seatFreedWithTwoWaiting(tx, { firstCome: true });
      const status = async () =>
        (await rootQuery(tx, "select status from app_public.waitlist_entry where event_id = $1 order by joined_at", [event.id])).map((r) => r.status);
      expect(await status()).toEqual(["waiting", "waiting"]);

      await becomeRoot(tx);
      const log: string[] = [];
      await taskList.offer_waitlist_seats!({}, helpersFor(tx, log));
      expect(await status()).toEqual(["offered", "waiting"]);
      expect(log).toEqual([expect.stringMatching(/^offered seats to \d+ waiting-list entr(y|ies) of first-come events$/)]);
      const [offer] = await rootQuery(tx, "select offer_expires_at from app_public.waitlist_entry where id = $1", [firstId]);
      const [job] = await rootQuery(tx, "select run_at from graphile_worker.jobs where key = 'expire_waitlist_offers_next'");
      expect(new Date(job!.run_at).getTime()).toBeLessThanOrEqual(new Date(offer!.offer_expires_at).getTime());

      // Nothing free any more: a second run offers nothing and logs nothing.
      await taskList.offer_waitlist_seats!({}, helpersFor(tx, log));
      expect(log).toHaveLength(1);
    });
  });
});
