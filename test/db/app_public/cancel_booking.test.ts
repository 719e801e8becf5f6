/*
 * cancel_booking (its user before the start, the organizer, an admin),
 * cancel_event's cascade, and the expiry job: seats and promo uses come back,
 * paid bookings are refunded, each with its outbox message.
 */
import { describe, expect, it } from "vitest";
import { becomeRoot, becomeUser, expectPgError, newUser, withRootTx, type Tx } from "../../helpers/db.ts";
import {
  auditFor,
  bookedEvent,
  createBooking,
  createPublishedEvent,
  firstTier,
  outboxFor,
  payBooking,
  rootQuery,
  rowCounts,
} from "../factories.ts";

const CANCEL = "select * from app_public.cancel_booking($1, $2)";

async function seats(tx: Tx, eventId: string): Promise<{ event: number; tier: number }> {
  const [row] = await rootQuery(
    tx,
    `select app_public.event_seats_taken(e) as event, (select sum(app_public.event_price_tier_seats_taken(t)) from app_public.event_price_tier t where t.event_id = e.id)::int as tier
     from app_public.event e where e.id = $1`,
    [eventId],
  );
  return row as { event: number; tier: number };
}

describe("cancel_booking", () => {
  it("its user cancels a pending booking: reason kept, seats and promo use back, BookingCanceled", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      const tier = await firstTier(tx, event.id);
      await becomeUser(tx, organizer);
      const promo = (await tx.query("select * from app_public.create_promo_code(event_id => $1, code => 'ten', percent_off => 10, max_uses => 1)", [event.id]))
        .rows[0];
      const user = newUser("user");
      const booking = await createBooking(tx, user, event.id, tier.id, 3, "TEN");
      expect(await seats(tx, event.id)).toEqual({ event: 3, tier: 3 });

      const canceled = (await tx.query(CANCEL, [booking.id, "  plans changed "])).rows[0];
      expect(canceled).toMatchObject({ status: "canceled", cancel_reason: "plans changed", canceled_by: user.sub });
      expect(await seats(tx, event.id)).toEqual({ event: 0, tier: 0 });
      const [p] = await rootQuery(tx, "select uses from app_public.promo_code where id = $1", [promo.id]);
      expect(p!.uses).toBe(0);
      expect((await outboxFor(tx, booking.id)).map((r) => r.event_type)).toEqual(["BookingCreated", "BookingCanceled"]);
      expect((await auditFor(tx, booking.id)).at(-1)).toMatchObject({ action: "booking.cancel", actor_id: user.sub });

      // Idempotent.
      const before = await rowCounts(tx);
      expect((await tx.query(CANCEL, [booking.id, "again"])).rows[0]).toEqual(canceled);
      expect(await rowCounts(tx)).toEqual(before);
      // The use came back: someone else may use the one-use code now.
      await createBooking(tx, newUser("user"), event.id, tier.id, 1, "ten");
    });
  });

  it("a paid booking canceled by the organizer is refunded in full (what is left)", async () => {
    await withRootTx(async (tx) => {
      const { organizer, user, booking, event } = await bookedEvent(tx, { quantity: 2 });
      const payment = await payBooking(tx, user, booking.id);
      await becomeUser(tx, organizer);
      await tx.query("select app_public.refund_payment($1, 'early goodwill', 40)", [payment.id]);
      const canceled = (await tx.query(CANCEL, [booking.id, "guide is ill"])).rows[0];
      expect(canceled).toMatchObject({ status: "canceled", canceled_by: organizer.sub });
      const [p] = await rootQuery(tx, "select status, refunded_amount from app_public.payment where id = $1", [payment.id]);
      expect(p).toEqual({ status: "refunded", refunded_amount: "240.00" });
      const refunds = await rootQuery(tx, "select amount, reason from app_public.refund where payment_id = $1 order by created_at, amount", [
        payment.id,
      ]);
      expect(refunds).toEqual([
        { amount: "40.00", reason: "early goodwill" },
        { amount: "200.00", reason: "guide is ill" },
      ]);
      expect((await outboxFor(tx, booking.id)).map((r) => r.event_type).slice(-2)).toEqual(["BookingCanceled", "PaymentRefunded"]);
      expect(await seats(tx, event.id)).toEqual({ event: 0, tier: 0 });
    });
  });

  it("admins cancel any booking; its user cannot after the start (BKSTR) but the organizer can", async () => {
    await withRootTx(async (tx) => {
      const a = await bookedEvent(tx);
      await becomeUser(tx, newUser("admin"));
      expect((await tx.query(CANCEL, [a.booking.id, "admin says so"])).rows[0].status).toBe("canceled");

      const b = await bookedEvent(tx);
      await rootQuery(tx, "update app_public.event set starts_at = now() - interval '1 hour' where id = $1", [b.event.id]);
      await becomeUser(tx, b.user);
      const before = await rowCounts(tx);
      expect(await expectPgError(tx, CANCEL, [b.booking.id, "too late"])).toMatchObject({
        code: "BKSTR",
        message: "the event has started; the booking can no longer be canceled",
      });
      expect(await rowCounts(tx)).toEqual(before);
      await becomeUser(tx, b.organizer);
      expect((await tx.query(CANCEL, [b.booking.id, "no-show refund"])).rows[0].status).toBe("canceled");
    });
  });

  it("refuses other people (P0002), a missing reason (22023) and expired bookings (55000)", async () => {
    await withRootTx(async (tx) => {
      const { user, booking } = await bookedEvent(tx);
      for (const other of [newUser("user"), newUser("organizer"), newUser("payment-gateway")]) {
        await becomeUser(tx, other);
        expect(await expectPgError(tx, CANCEL, [booking.id, "not mine"])).toMatchObject({ code: "P0002", message: "booking not found" });
      }
      await becomeUser(tx, user);
      expect(await expectPgError(tx, CANCEL, [booking.id, " "])).toMatchObject({ code: "22023" });
      await rootQuery(tx, "update app_public.booking set payment_deadline = now() - interval '1 second' where id = $1", [booking.id]);
      await rootQuery(tx, "select app_hidden.expire_overdue_bookings(1000)");
      expect(await expectPgError(tx, CANCEL, [booking.id, "whatever"])).toMatchObject({
        code: "55000",
        message: "an expired booking cannot be canceled",
      });
    });
  });
});

describe("cancel_event cascade", () => {
  it("cancels every live booking, refunds the paid ones, frees all seats; again changes nothing", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer, { capacity: 10 });
      const tier = await firstTier(tx, event.id);
      const paidUser = newUser("user");
      const paid = await createBooking(tx, paidUser, event.id, tier.id, 2);
      const payment = await payBooking(tx, paidUser, paid.id);
      const pending = await createBooking(tx, newUser("user"), event.id, tier.id, 3);
      const early = await createBooking(tx, newUser("user"), event.id, tier.id, 1);
      await tx.query(CANCEL, [early.id, "changed my mind"]);

      await becomeUser(tx, organizer);
      const canceled = (await tx.query("select * from app_public.cancel_event($1, 'river flooded')", [event.id])).rows[0];
      expect(canceled).toMatchObject({ status: "canceled" });
      expect(await seats(tx, event.id)).toEqual({ event: 0, tier: 0 });
      const bookings = await rootQuery(tx, "select id, status, cancel_reason from app_public.booking where event_id = $1", [event.id]);
      expect(Object.fromEntries(bookings.map((b) => [b.id, [b.status, b.cancel_reason]]))).toEqual({
        [paid.id]: ["canceled", "event canceled: river flooded"],
        [pending.id]: ["canceled", "event canceled: river flooded"],
        [early.id]: ["canceled", "changed my mind"],
      });
      const [p] = await rootQuery(tx, "select status, refunded_amount from app_public.payment where id = $1", [payment.id]);
      expect(p).toEqual({ status: "refunded", refunded_amount: "240.00" });
      expect((await outboxFor(tx, paid.id)).map((r) => r.event_type).slice(-2)).toEqual(["BookingCanceled", "PaymentRefunded"]);
      expect((await outboxFor(tx, pending.id)).map((r) => r.event_type).slice(-1)).toEqual(["BookingCanceled"]);
      const eventOutbox = await outboxFor(tx, event.id);
      expect(eventOutbox.at(-1)).toMatchObject({ event_type: "EventCanceled", data: { bookingsCanceled: 2 } });
      expect(await seats(tx, event.id)).toEqual({ event: 0, tier: 0 });

      const before = await rowCounts(tx);
      expect((await tx.query("select * from app_public.cancel_event($1, 'again')", [event.id])).rows[0]).toEqual(canceled);
      expect(await rowCounts(tx)).toEqual(before);
    });
  });
});

describe("expire_overdue_bookings", () => {
  it("expires overdue pending bookings only, frees seats and promo uses, BookingExpired by the system", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      const tier = await firstTier(tx, event.id);
      await becomeUser(tx, organizer);
      const promo = (await tx.query("select * from app_public.create_promo_code(event_id => $1, code => 'x10', percent_off => 10)", [event.id]))
        .rows[0];
      const overdue = await createBooking(tx, newUser("user"), event.id, tier.id, 2, "x10");
      const fresh = await createBooking(tx, newUser("user"), event.id, tier.id, 1);
      const paidUser = newUser("user");
      const paid = await createBooking(tx, paidUser, event.id, tier.id, 1);
      await payBooking(tx, paidUser, paid.id);
      await rootQuery(tx, "update app_public.booking set payment_deadline = now() - interval '1 minute' where id = any($1)", [
        [overdue.id, paid.id],
      ]);

      await becomeRoot(tx);
      await tx.query("select set_config('jwt.claims.sub', '', true), set_config('jwt.claims.roles', '', true)");
      // Other (committed) race tests may leave overdue bookings around: count ours.
      const { rows } = await tx.query("select app_hidden.expire_overdue_bookings(2) as n");
      expect(rows[0].n).toBeGreaterThanOrEqual(1);
      while ((await tx.query("select app_hidden.expire_overdue_bookings(100) as n")).rows[0].n > 0);

      const statuses = await rootQuery(tx, "select id, status from app_public.booking where event_id = $1", [event.id]);
      expect(Object.fromEntries(statuses.map((r) => [r.id, r.status]))).toEqual({
        [overdue.id]: "expired",
        [fresh.id]: "pending_payment",
        [paid.id]: "confirmed",
      });
      expect(await seats(tx, event.id)).toEqual({ event: 2, tier: 2 });
      const [p] = await rootQuery(tx, "select uses from app_public.promo_code where id = $1", [promo.id]);
      expect(p!.uses).toBe(0);
      expect((await outboxFor(tx, overdue.id)).at(-1)).toMatchObject({ event_type: "BookingExpired", actor_id: null });
      expect((await auditFor(tx, overdue.id)).at(-1)).toMatchObject({ action: "booking.expire", actor_id: null });
    });
  });

  it("clients cannot run it (42501)", async () => {
    await withRootTx(async (tx) => {
      await becomeUser(tx, newUser("admin"));
      const error = await expectPgError(tx, "select app_hidden.expire_overdue_bookings(10)");
      expect(error.code).toBe("42501");
    });
  });
});

describe("price tiers with bookings", () => {
  it("a tier that bookings refer to cannot be removed, even once they are canceled (TRSEA)", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer, {
        priceTiers: [
          { name: "A", price: 10, currency: "EUR" },
          { name: "B", price: 20, currency: "EUR" },
        ],
      });
      const tier = await firstTier(tx, event.id);
      const booking = await createBooking(tx, newUser("user"), event.id, tier.id, 1);
      await becomeUser(tx, organizer);
      expect(await expectPgError(tx, "select app_public.remove_price_tier($1)", [tier.id])).toMatchObject({
        code: "TRSEA",
        message: 'price tier "A" has 1 seats taken and cannot be removed',
      });
      await tx.query(CANCEL, [booking.id, "organizer cancels"]);
      expect(await expectPgError(tx, "select app_public.remove_price_tier($1)", [tier.id])).toMatchObject({
        code: "TRSEA",
        message: 'price tier "A" has bookings and cannot be removed',
      });
    });
  });
});
