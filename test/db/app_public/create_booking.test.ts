/*
 * app_public.create_booking and quote_booking: the rules of a booking, the
 * price computed in SQL, seats taken, one refusal code per bad input with
 * nothing written.
 */
import { describe, expect, it } from "vitest";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx, type Tx } from "../../helpers/db.ts";
import {
  auditFor,
  CREATE_BOOKING,
  createBooking,
  createEvent,
  createPublishedEvent,
  firstTier,
  inDays,
  outboxFor,
  rootQuery,
  rowCounts,
  type Row,
} from "../factories.ts";

const QUOTE = "select * from app_public.quote_booking(event_id => $1, price_tier_id => $2, quantity => $3, promo_code => $4)";

async function promo(tx: Tx, organizer: ReturnType<typeof newUser>, eventId: string | null, args: string): Promise<Row> {
  await becomeUser(tx, organizer);
  const { rows } = await tx.query(`select * from app_public.create_promo_code(event_id => $1, ${args})`, [eventId]);
  return rows[0]!;
}

describe("create_booking", () => {
  it("books seats: amounts, deadline, seats taken, BookingCreated", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer, {
        priceTiers: [{ name: "Adult", price: "120.50", currency: "EUR", quota: 5 }],
      });
      const tier = await firstTier(tx, event.id);
      const user = newUser("user");
      const booking = await createBooking(tx, user, event.id, tier.id, 3);
      expect(booking).toMatchObject({
        event_id: event.id,
        user_id: user.sub,
        price_tier_id: tier.id,
        quantity: 3,
        unit_price: "120.50",
        subtotal: "361.50",
        discount_amount: "0.00",
        total_amount: "361.50",
        currency: "EUR",
        status: "pending_payment",
        promo_code_id: null,
      });
      const deadlineMinutes = (booking.payment_deadline.getTime() - booking.created_at.getTime()) / 60_000;
      expect(deadlineMinutes).toBeCloseTo(30, 3);

      const [seats] = await rootQuery(
        tx,
        "select app_public.event_seats_taken(e) as event, app_public.event_price_tier_seats_taken(t) as tier from app_public.event e join app_public.event_price_tier t on t.event_id = e.id where e.id = $1",
        [event.id],
      );
      expect(seats).toEqual({ event: 3, tier: 3 });

      const outbox = await outboxFor(tx, booking.id);
      expect(outbox).toHaveLength(1);
      expect(outbox[0]).toMatchObject({
        event_type: "BookingCreated",
        aggregate_type: "booking",
        actor_id: user.sub,
        data: { id: booking.id, eventId: event.id, userId: user.sub, quantity: 3, totalAmount: 361.5, status: "pending_payment" },
      });
      expect(await auditFor(tx, booking.id)).toMatchObject([{ action: "booking.create", actor_id: user.sub }]);

      // The user sees it; the event shows it as theirs.
      const mine = await tx.query("select id from app_public.booking");
      expect(mine.rows).toEqual([{ id: booking.id }]);
      const my = await tx.query("select (app_public.event_my_booking(e)).id from app_public.event e where e.id = $1", [event.id]);
      expect(my.rows[0].id).toBe(booking.id);
    });
  });

  it("quote_booking computes the same amounts and writes nothing", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer, { priceTiers: [{ name: "A", price: 99.99, currency: "EUR" }] });
      const tier = await firstTier(tx, event.id);
      await promo(tx, organizer, event.id, "code => 'spring', percent_off => 15");
      const user = newUser("user");
      await becomeUser(tx, user);
      const before = await rowCounts(tx);
      const quote = (await tx.query(QUOTE, [event.id, tier.id, 3, "SPRING"])).rows[0];
      expect(await rowCounts(tx)).toEqual(before);
      expect(quote).toMatchObject({ subtotal: "299.97", discount_amount: "45.00", total_amount: "254.97", currency: "EUR" });
      const booking = await createBooking(tx, user, event.id, tier.id, 3, "Spring");
      expect(booking).toMatchObject({
        unit_price: quote.unit_price,
        subtotal: quote.subtotal,
        discount_amount: quote.discount_amount,
        total_amount: quote.total_amount,
        promo_code_id: quote.promo_code_id,
      });
    });
  });

  it("fixed discounts never take the total below zero; a booking with nothing to pay is confirmed at once", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer, { priceTiers: [{ name: "A", price: 30, currency: "EUR" }] });
      const tier = await firstTier(tx, event.id);
      await promo(tx, organizer, event.id, "code => 'free50', amount_off => 50");
      const user = newUser("user");
      const booking = await createBooking(tx, user, event.id, tier.id, 1, "FREE50");
      expect(booking).toMatchObject({ subtotal: "30.00", discount_amount: "30.00", total_amount: "0.00", status: "confirmed" });
      expect(booking.confirmed_at).toBeInstanceOf(Date);
      expect((await outboxFor(tx, booking.id)).map((r) => r.event_type)).toEqual(["BookingCreated", "BookingConfirmed"]);
    });
  });

  it("the payment deadline follows the setting and never passes the booking deadline", async () => {
    await withRootTx(async (tx) => {
      await rootQuery(tx, "update app_private.setting set value = '45' where key = 'booking_hold_minutes'");
      const organizer = newUser("organizer");
      const far = await createPublishedEvent(tx, organizer);
      const b1 = await createBooking(tx, newUser("user"), far.id, (await firstTier(tx, far.id)).id);
      expect((b1.payment_deadline.getTime() - b1.created_at.getTime()) / 60_000).toBeCloseTo(45, 3);

      // Bookings close 24 h before a start 24 h 10 min away: 10 minutes left.
      const soon = await createPublishedEvent(tx, organizer, { startsAt: inDays(1, 1 / 6), bookingDeadlineHours: 24 });
      const b2 = await createBooking(tx, newUser("user"), soon.id, (await firstTier(tx, soon.id)).id);
      expect(b2.payment_deadline.getTime()).toBe(soon.starts_at.getTime() - 24 * 3_600_000);
    });
  });

  it("a global promo code (admin) applies to any event; the event's own code wins over it", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer, { priceTiers: [{ name: "A", price: 100, currency: "EUR" }] });
      const tier = await firstTier(tx, event.id);
      const global = await promo(tx, newUser("admin"), null, "code => 'summer', percent_off => 10");
      const own = await promo(tx, organizer, event.id, "code => 'SUMMER', percent_off => 20");
      const b = await createBooking(tx, newUser("user"), event.id, tier.id, 1, "summer");
      expect(b).toMatchObject({ promo_code_id: own.id, discount_amount: "20.00" });
      const other = await createPublishedEvent(tx, organizer, { priceTiers: [{ name: "A", price: 100, currency: "EUR" }] });
      const b2 = await createBooking(tx, newUser("user"), other.id, (await firstTier(tx, other.id)).id, 1, "Summer");
      expect(b2).toMatchObject({ promo_code_id: global.id, discount_amount: "10.00" });
      const [uses] = await rootQuery(tx, "select uses from app_public.promo_code where id = $1", [global.id]);
      expect(uses!.uses).toBe(1);
    });
  });

  it("a user may book again after canceling", async () => {
    await withRootTx(async (tx) => {
      const event = await createPublishedEvent(tx, newUser("organizer"));
      const tier = await firstTier(tx, event.id);
      const user = newUser("user");
      const first = await createBooking(tx, user, event.id, tier.id);
      await tx.query("select app_public.cancel_booking($1, 'changed plans')", [first.id]);
      const second = await createBooking(tx, user, event.id, tier.id, 2);
      expect(second.status).toBe("pending_payment");
    });
  });

  describe("refuses, writing nothing", () => {
    async function refused(
      tx: Tx,
      params: unknown[],
      expected: { code: string; message: string | RegExp },
      sql = CREATE_BOOKING,
    ): Promise<void> {
      const before = await rowCounts(tx);
      const error = await expectPgError(tx, sql, params);
      expect(error.code).toBe(expected.code);
      if (typeof expected.message === "string") expect(error.message).toBe(expected.message);
      else expect(error.message).toMatch(expected.message);
      expect(await rowCounts(tx)).toEqual(before);
      // quote_booking refuses the same way.
      if (sql === CREATE_BOOKING) expect((await expectPgError(tx, QUOTE, params)).code).toBe(expected.code);
    }

    it.each([
      [0, "BKQTY"],
      [-1, "BKQTY"],
      [21, "BKQTY"],
      [null, "BKQTY"],
    ])("quantity %s (%s)", async (quantity, code) => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"));
        const tier = await firstTier(tx, event.id);
        await becomeUser(tx, newUser("user"));
        await refused(tx, [event.id, tier.id, quantity, null], { code, message: "quantity must be between 1 and 20" });
      });
    });

    it("anonymous callers: no EXECUTE (42501; the transports answer 28000)", async () => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"));
        const tier = await firstTier(tx, event.id);
        await becomeAnonymous(tx);
        await refused(tx, [event.id, tier.id, 1, null], { code: "42501", message: "permission denied for function create_booking" });
      });
    });

    it("an unknown event, or a draft of someone else (P0002)", async () => {
      await withRootTx(async (tx) => {
        const draft = await createEvent(tx, newUser("organizer"));
        const tier = await firstTier(tx, draft.id);
        await becomeUser(tx, newUser("user"));
        await refused(tx, [draft.id, tier.id, 1, null], { code: "P0002", message: "event not found" });
        await refused(tx, ["00000000-0000-4000-8000-000000000000", tier.id, 1, null], { code: "P0002", message: "event not found" });
      });
    });

    it("an unknown tier (P0002) and a tier of another event (BKTEV)", async () => {
      await withRootTx(async (tx) => {
        const organizer = newUser("organizer");
        const event = await createPublishedEvent(tx, organizer);
        const other = await createPublishedEvent(tx, organizer, { priceTiers: [{ name: "Other", price: 1, currency: "EUR" }] });
        const otherTier = await firstTier(tx, other.id);
        await becomeUser(tx, newUser("user"));
        await refused(tx, [event.id, "00000000-0000-4000-8000-000000000000", 1, null], {
          code: "P0002",
          message: "price tier not found",
        });
        await refused(tx, [event.id, otherTier.id, 1, null], {
          code: "BKTEV",
          message: 'price tier "Other" belongs to another event',
        });
      });
    });

    it("the organizer's own event (BKOWN)", async () => {
      await withRootTx(async (tx) => {
        const organizer = newUser("organizer");
        const event = await createPublishedEvent(tx, organizer);
        const tier = await firstTier(tx, event.id);
        await becomeUser(tx, organizer);
        await refused(tx, [event.id, tier.id, 1, null], { code: "BKOWN", message: "organizers cannot book their own event" });
      });
    });

    it("a canceled event (55000)", async () => {
      await withRootTx(async (tx) => {
        const organizer = newUser("organizer");
        const event = await createPublishedEvent(tx, organizer);
        const tier = await firstTier(tx, event.id);
        await tx.query("select app_public.cancel_event($1, 'storm warning')", [event.id]);
        await becomeUser(tx, newUser("user"));
        await refused(tx, [event.id, tier.id, 1, null], { code: "55000", message: "bookings are closed: the event is canceled" });
      });
    });

    it("past the booking deadline (BKCLO)", async () => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"), { startsAt: inDays(1), bookingDeadlineHours: 48 });
        const tier = await firstTier(tx, event.id);
        await becomeUser(tx, newUser("user"));
        await refused(tx, [event.id, tier.id, 1, null], { code: "BKCLO", message: /^bookings for this event closed at / });
      });
    });

    it("a second live booking of the same user (BKDUP)", async () => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"));
        const tier = await firstTier(tx, event.id);
        const user = newUser("user");
        await createBooking(tx, user, event.id, tier.id);
        await refused(tx, [event.id, tier.id, 1, null], { code: "BKDUP", message: "you already have a booking for this event" });
      });
    });

    it("not enough seats (BKFUL) or not enough in the tier (BKTQF)", async () => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"), {
          capacity: 5,
          priceTiers: [
            { name: "Std", price: 10, currency: "EUR" },
            { name: "Early", price: 5, currency: "EUR", quota: 2 },
          ],
        });
        const [std, early] = await rootQuery(tx, "select * from app_public.event_price_tier where event_id = $1 order by sort_order", [
          event.id,
        ]);
        await createBooking(tx, newUser("user"), event.id, std!.id, 4);
        await becomeUser(tx, newUser("user"));
        await refused(tx, [event.id, std!.id, 2, null], { code: "BKFUL", message: "sold out: 2 seat(s) requested, 1 left" });
        await createBooking(tx, newUser("user"), event.id, early!.id, 1);
        await becomeUser(tx, newUser("user"));
        await refused(tx, [event.id, early!.id, 1, null], { code: "BKFUL", message: "sold out: 1 seat(s) requested, 0 left" });
      });
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"), {
          capacity: 10,
          priceTiers: [{ name: "Early", price: 5, currency: "EUR", quota: 2 }],
        });
        const tier = await firstTier(tx, event.id);
        await createBooking(tx, newUser("user"), event.id, tier.id, 2);
        await becomeUser(tx, newUser("user"));
        await refused(tx, [event.id, tier.id, 1, null], {
          code: "BKTQF",
          message: 'price tier "Early" is sold out: 1 seat(s) requested, 0 left',
        });
      });
    });

    it("promo codes: unknown (CPUNK), expired or not yet valid (CPEXP), deactivated (CPINA), used up (CPUSE), other currency (CPCUR)", async () => {
      await withRootTx(async (tx) => {
        const organizer = newUser("organizer");
        const event = await createPublishedEvent(tx, organizer, { priceTiers: [{ name: "A", price: 50, currency: "EUR" }] });
        const tier = await firstTier(tx, event.id);
        await promo(tx, organizer, event.id, "code => 'later', percent_off => 10, valid_from => now() + interval '1 day'");
        const past = await promo(tx, organizer, event.id, "code => 'past', percent_off => 10");
        await rootQuery(
          tx,
          "update app_public.promo_code set valid_from = now() - interval '2 days', valid_until = now() - interval '1 day' where id = $1",
          [past.id],
        );
        const off = await promo(tx, organizer, event.id, "code => 'off', percent_off => 10");
        await tx.query("select app_public.deactivate_promo_code($1)", [off.id]);
        await promo(tx, organizer, event.id, "code => 'once', percent_off => 10, max_uses => 1");
        await promo(tx, newUser("admin"), null, "code => 'dollars', amount_off => 5, currency => 'USD'");
        await createBooking(tx, newUser("user"), event.id, tier.id, 1, "once");

        await becomeUser(tx, newUser("user"));
        const params = (code: string) => [event.id, tier.id, 1, code];
        await refused(tx, params("nope"), { code: "CPUNK", message: 'unknown promo code "nope"' });
        await refused(tx, params("later"), { code: "CPEXP", message: 'promo code "later" is not valid now' });
        await refused(tx, params("PAST"), { code: "CPEXP", message: 'promo code "PAST" is not valid now' });
        await refused(tx, params("off"), { code: "CPINA", message: 'promo code "off" has been deactivated' });
        await refused(tx, params("once"), { code: "CPUSE", message: 'promo code "once" has reached its usage limit' });
        await refused(tx, params("dollars"), { code: "CPCUR", message: 'promo code "dollars" is in USD, the price in EUR' });
      });
    });
  });

  it("constraints back the rules for direct writes too", async () => {
    await withRootTx(async (tx) => {
      const event = await createPublishedEvent(tx, newUser("organizer"), { capacity: 2 });
      const tier = await firstTier(tx, event.id);
      const b = await createBooking(tx, newUser("user"), event.id, tier.id, 2);
      await tx.query("reset role");
      expect(await expectPgError(tx, "update app_public.event_seat_counter set seats_taken = seats_taken + 1 where event_id = $1", [event.id])).toMatchObject({
        code: "23514",
        constraint: "event_seat_counter_seats_taken_check",
      });
      expect(
        await expectPgError(tx, "update app_public.booking set total_amount = 1 where id = $1", [b.id]),
      ).toMatchObject({ code: "23514", constraint: "booking_total_amount_check" });
      expect(
        await expectPgError(
          tx,
          `insert into app_public.booking (event_id, user_id, price_tier_id, quantity, unit_price, subtotal, total_amount, currency, payment_deadline)
           select event_id, user_id, price_tier_id, 1, 0, 0, 0, 'EUR', now() + interval '1 hour' from app_public.booking where id = $1`,
          [b.id],
        ),
      ).toMatchObject({ code: "23505", constraint: "booking_event_id_user_id_key" });
      expect(
        await expectPgError(tx, "update app_public.booking set status = 'expired' where id = $1", [b.id]),
      ).toMatchObject({ code: "23514", constraint: "booking_expired_at_check" });
      await tx.query("update app_public.booking set status = 'expired', expired_at = now() where id = $1", [b.id]);
      expect(
        await expectPgError(tx, "update app_public.booking set status = 'confirmed', expired_at = null, confirmed_at = now() where id = $1", [b.id]),
      ).toMatchObject({ code: "55000", message: "booking status cannot change from expired to confirmed" });
    });
  });
});
