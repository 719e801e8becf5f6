/*
 * The expire_bookings worker task: scheduled every minute next to
 * complete_ended_events and by itself at the earliest pending payment
 * deadline, it calls app_hidden.expire_overdue_bookings in batches until a
 * batch comes back short. Run here with the task helpers'
 * query bound to a rolled-back test transaction.
 */
import { readFileSync } from "node:fs";
import { parseCrontab } from "graphile-worker";
import { describe, expect, it } from "vitest";
import { EXPIRE_BATCH, EXPIRE_HELPERS } from "../../../tasks/expire_bookings.ts";
import { taskList } from "../../../tasks/index.ts";
import { becomeRoot, withRootTx } from "../../helpers/db.ts";
import { bookedEvent, rootQuery } from "../factories.ts";
import { helpersFor } from "../task-harness.ts";

describe("expire_bookings task", () => {
  it("is scheduled every minute, as is complete_ended_events, and both are in the task list", () => {
    const items = parseCrontab(readFileSync("tasks/crontab", "utf8"));
    const byTask = Object.fromEntries(items.map((item) => [item.task, item]));
    for (const name of ["expire_bookings", "complete_ended_events"]) {
      expect(byTask[name], name).toBeDefined();
      expect(byTask[name]!.match).toBeTypeOf("function");
      expect(taskList[name], name).toBeTypeOf("function");
    }
    // Every minute: the matcher accepts any minute of any hour.
    const everyMinute = (name: string) =>
      [0, 1, 17, 59].every((min) => byTask[name]!.match({ min, hour: 3, date: 5, month: 6, dow: 2 }));
    expect(everyMinute("expire_bookings")).toBe(true);
    expect(everyMinute("complete_ended_events")).toBe(true);
  });

  it("expires overdue bookings through the SQL function and logs how many", async () => {
    await withRootTx(async (tx) => {
      const a = await bookedEvent(tx, { quantity: 2 });
      const b = await bookedEvent(tx);
      await rootQuery(tx, "update app_public.booking set payment_deadline = now() - interval '1 minute' where id = any($1)", [
        [a.booking.id, b.booking.id],
      ]);
      await becomeRoot(tx);
      const log: string[] = [];
      await taskList.expire_bookings!({}, helpersFor(tx, log));
      const statuses = await rootQuery(tx, "select status from app_public.booking where id = any($1)", [[a.booking.id, b.booking.id]]);
      expect(statuses).toEqual([{ status: "expired" }, { status: "expired" }]);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatch(/^expired \d+ overdue booking\(s\)$/);
      const [seats] = await rootQuery(tx, "select app_public.event_seats_taken(e) as seats_taken from app_public.event e where id = $1", [a.event.id]);
      expect(seats!.seats_taken).toBe(0);

      // The next run is scheduled at the earliest pending payment deadline (this
      // booking's, or an earlier one another test committed), not in the past.
      const c = await bookedEvent(tx);
      await rootQuery(tx, "update app_public.booking set payment_deadline = now() + interval '10 minutes' where id = $1", [c.booking.id]);
      await becomeRoot(tx);
      await taskList.expire_bookings!({}, helpersFor(tx, []));
      const [next] = await rootQuery(
        tx,
        `select j.task_identifier, j.run_at <= b.payment_deadline and j.run_at > now() as at_deadline
         from graphile_worker.jobs j, app_public.booking b where j.key = 'expire_bookings_next' and b.id = $1`,
        [c.booking.id],
      );
      expect(next).toEqual({ task_identifier: "expire_bookings", at_deadline: true });
      await becomeRoot(tx);

      // Nothing overdue any more: a quiet run.
      const quiet: string[] = [];
      await taskList.expire_bookings!({}, helpersFor(tx, quiet));
      expect(quiet).toEqual([]);
    });
  });

  it("works off a backlog larger than a batch in one run and enqueues helper runs for other workers", async () => {
    await withRootTx(async (tx) => {
      const { event, tier } = await bookedEvent(tx, { event: { capacity: 2000 } });
      // A backlog of more than one batch, written straight into the table (seat counters to match).
      const extra = EXPIRE_BATCH + 50;
      await rootQuery(
        tx,
        `insert into app_public.booking (event_id, user_id, price_tier_id, quantity, unit_price, subtotal, discount_amount,
                                         total_amount, currency, status, payment_deadline)
         select $1, gen_random_uuid(), $2, 1, t.price, t.price, 0, t.price, t.currency, 'pending_payment', now() - interval '1 minute'
         from app_public.event_price_tier t, generate_series(1, $3) where t.id = $2`,
        [event.id, tier.id, extra],
      );
      await rootQuery(tx, "update app_public.event_seat_counter set seats_taken = seats_taken + $2 where event_id = $1", [event.id, extra]);
      await rootQuery(tx, "update app_public.price_tier_seat_counter set seats_taken = seats_taken + $2 where price_tier_id = $1", [
        tier.id,
        extra,
      ]);
      await becomeRoot(tx);
      const log: string[] = [];
      await taskList.expire_bookings!({}, helpersFor(tx, log));

      const [left] = await rootQuery(
        tx,
        "select count(*)::int as n from app_public.booking where event_id = $1 and status = 'pending_payment' and payment_deadline <= now()",
        [event.id],
      );
      expect(left).toEqual({ n: 0 });
      expect(log[0]).toMatch(/^expired \d+ overdue booking\(s\)$/);
      expect(Number(/\d+/.exec(log[0]!)![0])).toBeGreaterThanOrEqual(extra);
      const helpers = await rootQuery(
        tx,
        "select key from graphile_worker.jobs where task_identifier = 'expire_bookings' and key like 'expire_bookings_helper_%' order by key",
      );
      expect(helpers.map((h) => h.key)).toEqual(
        Array.from({ length: EXPIRE_HELPERS }, (_, i) => `expire_bookings_helper_${i + 1}`),
      );
      const [drift] = await rootQuery(
        tx,
        "select count(*)::int as n from app_private.seat_drift where counted <> actual and id in ($1, $2)",
        [event.id, tier.id],
      );
      expect(drift).toEqual({ n: 0 });
    });
  });
});
