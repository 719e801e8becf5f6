/*
 * Payments: initiate_payment, confirm_payment (the gateway's webhook,
 * idempotent; a late confirmation is recorded and refunded, not raised),
 * fail_payment, refund_payment (never above what was paid).
 */
import { describe, expect, it } from "vitest";
import { becomeRoot, becomeUser, expectPgError, newUser, withRootTx } from "../../helpers/db.ts";
import { auditFor, bookedEvent, gateway, outboxFor, payBooking, rootQuery, rowCounts } from "../factories.ts";

const INITIATE = "select * from app_public.initiate_payment($1, $2)";
const CONFIRM = "select * from app_public.confirm_payment(gateway_reference => $1, payment_id => $2, amount => $3)";
const REFUND = "select * from app_public.refund_payment(payment_id => $1, reason => $2, amount => $3)";

describe("initiate_payment", () => {
  it("creates a pending payment of the booking's total with a checkout URL; again returns the same", async () => {
    await withRootTx(async (tx) => {
      const { user, booking } = await bookedEvent(tx, { quantity: 2 });
      const payment = (await tx.query(INITIATE, [booking.id, "card"])).rows[0];
      expect(payment).toMatchObject({
        booking_id: booking.id,
        amount: "240.00",
        currency: "EUR",
        method: "card",
        status: "pending",
        gateway_reference: null,
        initiated_by: user.sub,
      });
      expect(payment.payment_url).toBe(`https://pay.aquastream.invalid/checkout/${payment.id}`);
      expect((await tx.query(INITIATE, [booking.id, "card"])).rows[0]).toEqual(payment);
      expect((await outboxFor(tx, booking.id)).map((r) => r.event_type)).toEqual(["BookingCreated", "PaymentInitiated"]);
      // Another method while one is in progress: refused.
      expect(await expectPgError(tx, INITIATE, [booking.id, "sbp"])).toMatchObject({
        code: "55000",
        message: "a card payment of this booking is already in progress",
      });
    });
  });

  it("refuses other people's bookings (P0002), paid ones (55000) and overdue ones (BKEXP)", async () => {
    await withRootTx(async (tx) => {
      const { user, booking, organizer } = await bookedEvent(tx);
      for (const other of [newUser("user"), organizer]) {
        await becomeUser(tx, other);
        expect(await expectPgError(tx, INITIATE, [booking.id, "card"])).toMatchObject({ code: "P0002", message: "booking not found" });
      }
      await payBooking(tx, user, booking.id);
      await becomeUser(tx, user);
      expect(await expectPgError(tx, INITIATE, [booking.id, "card"])).toMatchObject({
        code: "55000",
        message: "the booking is confirmed; there is nothing to pay",
      });

      const second = await bookedEvent(tx);
      await rootQuery(tx, "update app_public.booking set payment_deadline = now() - interval '1 second' where id = $1", [
        second.booking.id,
      ]);
      await becomeUser(tx, second.user);
      const before = await rowCounts(tx);
      expect(await expectPgError(tx, INITIATE, [second.booking.id, "card"])).toMatchObject({ code: "BKEXP" });
      expect(await rowCounts(tx)).toEqual(before);
    });
  });
});

describe("confirm_payment", () => {
  it("confirms the payment and the booking: PaymentConfirmed, BookingConfirmed; a replay changes nothing", async () => {
    await withRootTx(async (tx) => {
      const { user, booking } = await bookedEvent(tx);
      await becomeUser(tx, user);
      const payment = (await tx.query(INITIATE, [booking.id, "card"])).rows[0];
      await becomeUser(tx, gateway);
      const confirmed = (await tx.query(CONFIRM, ["gw-123", payment.id, "120.00"])).rows[0];
      expect(confirmed).toMatchObject({ status: "completed", gateway_reference: "gw-123", error_code: null });
      const [b] = await rootQuery(tx, "select status, confirmed_at from app_public.booking where id = $1", [booking.id]);
      expect(b!.status).toBe("confirmed");
      expect((await outboxFor(tx, booking.id)).map((r) => r.event_type)).toEqual([
        "BookingCreated",
        "PaymentInitiated",
        "PaymentConfirmed",
        "BookingConfirmed",
      ]);
      expect((await auditFor(tx, payment.id)).map((r) => [r.action, r.actor_id])).toEqual([
        ["payment.initiate", user.sub],
        ["payment.confirm", gateway.sub],
      ]);

      const before = await rowCounts(tx);
      expect((await tx.query(CONFIRM, ["gw-123", payment.id, null])).rows[0]).toEqual(confirmed);
      expect(await rowCounts(tx)).toEqual(before);
    });
  });

  it("a confirmation after the booking expired is recorded and refunded in full, not raised (GWLAT)", async () => {
    await withRootTx(async (tx) => {
      const { user, booking, event } = await bookedEvent(tx, { quantity: 2 });
      await becomeUser(tx, user);
      const payment = (await tx.query(INITIATE, [booking.id, "card"])).rows[0];
      await rootQuery(tx, "update app_public.booking set payment_deadline = now() - interval '1 second' where id = $1", [booking.id]);
      await becomeRoot(tx);
      await tx.query("select app_hidden.expire_overdue_bookings(1000)");
      await becomeUser(tx, gateway);
      const late = (await tx.query(CONFIRM, ["gw-late", payment.id, null])).rows[0];
      expect(late).toMatchObject({
        status: "refunded",
        gateway_reference: "gw-late",
        refunded_amount: "240.00",
        error_code: "GWLAT",
        error_message: "the booking was expired before the payment was confirmed; the payment is refunded in full",
      });
      const refunds = await rootQuery(tx, "select amount, created_by from app_public.refund where payment_id = $1", [payment.id]);
      expect(refunds).toEqual([{ amount: "240.00", created_by: gateway.sub }]);
      const types = (await outboxFor(tx, booking.id)).map((r) => r.event_type);
      expect(types.slice(-3)).toEqual(["BookingExpired", "PaymentConfirmed", "PaymentRefunded"]);
      // The seats stay free; the booking stays expired.
      const [state] = await rootQuery(
        tx,
        "select b.status, app_public.event_seats_taken(e) as seats_taken from app_public.booking b join app_public.event e on e.id = b.event_id where b.id = $1",
        [booking.id],
      );
      expect(state).toEqual({ status: "expired", seats_taken: 0 });
      expect(event.id).toBeDefined();
      // The replay returns the same answer.
      expect((await tx.query(CONFIRM, ["gw-late", payment.id, null])).rows[0]).toEqual(late);
    });
  });

  it("refuses: not the gateway (42501), bad reference (22023), unknown (P0002), other reference (GWREF), wrong amount (GWAMT), reused reference (23505)", async () => {
    await withRootTx(async (tx) => {
      const a = await bookedEvent(tx);
      await becomeUser(tx, a.user);
      const pa = (await tx.query(INITIATE, [a.booking.id, "card"])).rows[0];
      const b = await bookedEvent(tx);
      await becomeUser(tx, b.user);
      const pb = (await tx.query(INITIATE, [b.booking.id, "card"])).rows[0];

      for (const who of [a.user, a.organizer]) {
        await becomeUser(tx, who);
        expect(await expectPgError(tx, CONFIRM, ["gw-1", pa.id, null])).toMatchObject({
          code: "42501",
          message: "only the payment gateway or an admin may confirm payments",
        });
      }
      await becomeUser(tx, gateway);
      const before = await rowCounts(tx);
      expect(await expectPgError(tx, CONFIRM, ["  ", pa.id, null])).toMatchObject({ code: "22023" });
      expect(await expectPgError(tx, CONFIRM, ["gw-1", "00000000-0000-4000-8000-000000000000", null])).toMatchObject({
        code: "P0002",
        message: "payment not found",
      });
      expect(await expectPgError(tx, CONFIRM, ["gw-1", pa.id, "100"])).toMatchObject({
        code: "GWAMT",
        message: "amount 100 does not match the payment amount 120.00",
      });
      expect(await rowCounts(tx)).toEqual(before);

      await tx.query(CONFIRM, ["gw-1", pa.id, null]);
      expect(await expectPgError(tx, CONFIRM, ["gw-2", pa.id, null])).toMatchObject({ code: "GWREF" });
      expect(await expectPgError(tx, CONFIRM, ["gw-1", pb.id, null])).toMatchObject({
        code: "23505",
        constraint: "payment_gateway_reference_key",
      });
      // Admins may confirm too.
      await becomeUser(tx, newUser("admin"));
      expect((await tx.query(CONFIRM, ["gw-3", pb.id, null])).rows[0].status).toBe("completed");
    });
  });

  it("fail_payment marks a pending payment failed; the user may try again", async () => {
    await withRootTx(async (tx) => {
      const { user, booking } = await bookedEvent(tx);
      await becomeUser(tx, user);
      const first = (await tx.query(INITIATE, [booking.id, "card"])).rows[0];
      expect((await expectPgError(tx, "select app_public.fail_payment($1, 'declined')", [first.id])).code).toBe("42501");
      await becomeUser(tx, gateway);
      const failed = (await tx.query("select * from app_public.fail_payment($1, 'card declined')", [first.id])).rows[0];
      expect(failed).toMatchObject({ status: "failed", error_code: "GWFAI", error_message: "card declined" });
      expect((await tx.query("select * from app_public.fail_payment($1, 'card declined')", [first.id])).rows[0]).toEqual(failed);
      expect((await expectPgError(tx, CONFIRM, ["gw-x", first.id, null])).code).toBe("55000");
      await becomeUser(tx, user);
      const second = (await tx.query(INITIATE, [booking.id, "sbp"])).rows[0];
      expect(second.id).not.toBe(first.id);
      expect(second.status).toBe("pending");
    });
  });
});

describe("refund_payment", () => {
  it("partial then full refunds by the organizer; status follows; PaymentRefunded each", async () => {
    await withRootTx(async (tx) => {
      const { user, organizer, booking } = await bookedEvent(tx, { quantity: 2 });
      const payment = await payBooking(tx, user, booking.id);
      await becomeUser(tx, organizer);
      const r1 = (await tx.query(REFUND, [payment.id, "rain delay", "40.50"])).rows[0];
      expect(r1).toMatchObject({ payment_id: payment.id, amount: "40.50", currency: "EUR", reason: "rain delay", created_by: organizer.sub });
      let [p] = await rootQuery(tx, "select status, refunded_amount from app_public.payment where id = $1", [payment.id]);
      expect(p).toEqual({ status: "partially_refunded", refunded_amount: "40.50" });

      const r2 = (await tx.query(REFUND, [payment.id, "goodwill", null])).rows[0];
      expect(r2.amount).toBe("199.50");
      [p] = await rootQuery(tx, "select status, refunded_amount from app_public.payment where id = $1", [payment.id]);
      expect(p).toEqual({ status: "refunded", refunded_amount: "240.00" });
      const refunded = (await outboxFor(tx, booking.id)).filter((r) => r.event_type === "PaymentRefunded");
      expect(refunded.map((r) => r.data.refund.amount)).toEqual([40.5, 199.5]);
      // The booking itself stays confirmed.
      const [b] = await rootQuery(tx, "select status from app_public.booking where id = $1", [booking.id]);
      expect(b!.status).toBe("confirmed");
    });
  });

  it("refuses more than was paid (RFAMT), unpaid payments (55000), other people (42501/P0002), writing nothing", async () => {
    await withRootTx(async (tx) => {
      const { user, organizer, booking } = await bookedEvent(tx);
      const payment = await payBooking(tx, user, booking.id);
      await becomeUser(tx, organizer);
      await tx.query(REFUND, [payment.id, "partial", "100"]);
      const before = await rowCounts(tx);
      expect(await expectPgError(tx, REFUND, [payment.id, "too much", "20.01"])).toMatchObject({
        code: "RFAMT",
        message: "refund 20.01 exceeds the 20.00 EUR still refundable",
      });
      expect(await expectPgError(tx, REFUND, [payment.id, "too much", "-5"])).toMatchObject({ code: "22023" });
      expect(await expectPgError(tx, REFUND, [payment.id, "", null])).toMatchObject({ code: "22023" });
      await becomeUser(tx, user);
      expect((await expectPgError(tx, REFUND, [payment.id, "my money", null])).code).toBe("42501");
      await becomeUser(tx, newUser("organizer"));
      expect(await expectPgError(tx, REFUND, [payment.id, "not mine", null])).toMatchObject({ code: "P0002" });
      expect(await rowCounts(tx)).toEqual(before);

      const other = await bookedEvent(tx, { organizer });
      await becomeUser(tx, other.user);
      const pending = (await tx.query(INITIATE, [other.booking.id, "card"])).rows[0];
      await becomeUser(tx, organizer);
      expect(await expectPgError(tx, REFUND, [pending.id, "not paid yet", null])).toMatchObject({
        code: "55000",
        message: "a pending payment cannot be refunded",
      });

      // The constraint backs it for direct writes.
      await tx.query("reset role");
      expect(
        await expectPgError(tx, "update app_public.payment set refunded_amount = amount + 1, status = 'refunded' where id = $1", [
          payment.id,
        ]),
      ).toMatchObject({ code: "23514", constraint: "payment_refunded_amount_check" });
    });
  });

  it("refund rows written behind the functions' back must add up (deferred check at commit)", async () => {
    await withRootTx(async (tx) => {
      const { user, booking } = await bookedEvent(tx);
      const payment = await payBooking(tx, user, booking.id);
      await tx.query("reset role");
      await tx.query("savepoint direct");
      await tx.query("insert into app_public.refund (payment_id, amount, currency, reason) values ($1, 50, 'EUR', 'by hand')", [payment.id]);
      expect(await expectPgError(tx, "set constraints all immediate")).toMatchObject({
        code: "23514",
        message: "refunds 50.00 do not add up to the payment's refunded_amount 0.00",
      });
      await tx.query("rollback to savepoint direct");
      await tx.query("insert into app_public.refund (payment_id, amount, currency, reason) values ($1, 500, 'EUR', 'by hand')", [payment.id]);
      await tx.query("update app_public.payment set refunded_amount = 120, status = 'refunded' where id = $1", [payment.id]);
      expect(await expectPgError(tx, "set constraints all immediate")).toMatchObject({ code: "RFAMT" });
    });
  });

  it("admins may refund any payment", async () => {
    await withRootTx(async (tx) => {
      const { user, booking } = await bookedEvent(tx);
      const payment = await payBooking(tx, user, booking.id);
      await becomeUser(tx, newUser("admin"));
      expect((await tx.query(REFUND, [payment.id, "admin decision", null])).rows[0].amount).toBe("120.00");
    });
  });
});
