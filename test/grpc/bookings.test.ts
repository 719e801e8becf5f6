/*
 * Bookings, payments and promo codes over a real gRPC connection: each RPC
 * runs the SQL function GraphQL runs, refusals arrive as real status codes,
 * and a call whose deadline passes or that the client cancels stops its
 * query in PostgreSQL (checked in pg_stat_activity) and writes nothing.
 */
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { describe, expect, inject, it, vi } from "vitest";
import {
  BookingStatus,
  DiscountKind,
  PaymentMethod,
  PaymentStatus,
  type PriceTierInput,
} from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import { committingUser } from "../db/factories.ts";
import type { TestUser } from "../helpers/db.ts";
import { eventually } from "../helpers/eventually.ts";
import { createAndPublishOverGrpc, errorCode, errorField, useGrpcApi } from "./helpers.ts";

const api = useGrpcApi();
const { call } = api;
const gateway = committingUser("payment-gateway");

/** A published event of `organizer` (through gRPC), with its tiers. */
async function publishedEvent(organizer: TestUser, capacity = 10, tiers?: PriceTierInput[]) {
  const start = new Date(Date.now() + 20 * 86400_000);
  return createAndPublishOverGrpc(api, organizer, {
    title: "Kayaks on the Katun",
    description: "",
    category: "kayaking",
    locationName: "Katun river",
    startsAt: toTimestamp(start),
    endsAt: toTimestamp(new Date(start.getTime() + 6 * 3600_000)),
    capacity,
    bookingDeadlineHours: 24,
    crewRequired: false,
    priceTiers: tiers ?? [{ name: "Standard", price: "5000", currency: "RUB" }],
  });
}

describe("bookings, payments and promo codes over gRPC", () => {
  it("quote = booking; pay; the gateway confirms twice, once counted; partial refund; cancel refunds the rest", async () => {
    const organizer = committingUser("organizer");
    const user = committingUser("user");
    const event = await publishedEvent(organizer);
    const tierId = event.priceTiers[0]!.id;

    const promo = await call(
      api.client.createPromoCode,
      { code: "KATUN10", eventId: event.id, percentOff: 10, maxUses: 5 },
      organizer,
    );
    expect(promo.error).toBeUndefined();
    expect(promo.response!.promoCode).toMatchObject({
      code: "KATUN10",
      eventId: event.id,
      discountKind: DiscountKind.DISCOUNT_KIND_PERCENT,
      percentOff: 10,
      maxUses: 5,
      uses: 0,
      usesLeft: 5,
      isActive: true,
    });

    const quote = await call(api.client.quoteBooking, { eventId: event.id, priceTierId: tierId, quantity: 2, promoCode: "katun10" }, user);
    expect(quote.response!.quote).toMatchObject({ subtotal: "10000.00", discountAmount: "1000.00", totalAmount: "9000.00", currency: "RUB" });

    const booked = await call(api.client.createBooking, { eventId: event.id, priceTierId: tierId, quantity: 2, promoCode: "katun10" }, user);
    expect(booked.error).toBeUndefined();
    const booking = booked.response!.booking!;
    expect(booking).toMatchObject({
      status: BookingStatus.BOOKING_STATUS_PENDING_PAYMENT,
      userId: user.sub,
      quantity: 2,
      totalAmount: quote.response!.quote!.totalAmount,
      promoCodeId: promo.response!.promoCode!.id,
    });

    const initiated = await call(api.client.initiatePayment, { bookingId: booking.id, method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED }, user);
    expect(initiated.error).toBeUndefined();
    const payment = initiated.response!.payment!;
    // Unspecified method: the SQL default.
    expect(payment).toMatchObject({ method: PaymentMethod.PAYMENT_METHOD_CARD, status: PaymentStatus.PAYMENT_STATUS_PENDING, amount: "9000.00" });
    expect(payment.paymentUrl).toContain(payment.id);

    const confirm = () => call(api.client.confirmPayment, { paymentId: payment.id, gatewayReference: `gw-${payment.id}`, amount: "9000" }, gateway);
    const first = await confirm();
    const second = await confirm();
    expect(first.response!.payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_COMPLETED, gatewayReference: `gw-${payment.id}` });
    expect(second.response!.payment).toEqual(first.response!.payment);
    const { rows: confirmed } = await api.pool.query(
      "select count(*)::int as n from app_private.outbox where aggregate_id = $1 and event_type = 'PaymentConfirmed'",
      [booking.id],
    );
    expect(confirmed[0].n).toBe(1);

    const refund = await call(api.client.refundPayment, { paymentId: payment.id, reason: "late start", amount: "2000" }, organizer);
    expect(refund.error).toBeUndefined();
    expect(refund.response!.refund).toMatchObject({ amount: "2000.00", reason: "late start", createdBy: organizer.sub });
    expect(refund.response!.payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_PARTIALLY_REFUNDED, refundedAmount: "2000.00" });

    const got = await call(api.client.getBooking, { id: booking.id }, user);
    expect(got.response!.booking!.status).toBe(BookingStatus.BOOKING_STATUS_CONFIRMED);
    expect(got.response!.payments.map((p) => p.status)).toEqual([PaymentStatus.PAYMENT_STATUS_PARTIALLY_REFUNDED]);

    const canceled = await call(api.client.cancelBooking, { id: booking.id, reason: "boat damaged" }, organizer);
    expect(canceled.response!.booking).toMatchObject({ status: BookingStatus.BOOKING_STATUS_CANCELED, cancelReason: "boat damaged", canceledBy: organizer.sub });
    const after = await call(api.client.getBooking, { id: booking.id }, user);
    expect(after.response!.payments[0]).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_REFUNDED, refundedAmount: "9000.00" });
    // The seats and the promo use came back.
    expect((await call(api.client.getEvent, { id: event.id }, user)).response!.event!.seatsTaken).toBe(0);
    const codes = await call(api.client.listPromoCodes, { eventId: event.id, pageSize: 10, pageToken: "" }, organizer);
    expect(codes.response!.promoCodes.map((c) => [c.code, c.uses])).toEqual([["KATUN10", 0]]);
  });

  it("lists the caller's own bookings newest first, paged; the organizer lists the event's", async () => {
    const organizer = committingUser("organizer");
    const user = committingUser("user");
    const other = committingUser("user");
    const events = [await publishedEvent(organizer), await publishedEvent(organizer), await publishedEvent(organizer)];
    const ids: string[] = [];
    for (const event of events) {
      const { response } = await call(api.client.createBooking, { eventId: event.id, priceTierId: event.priceTiers[0]!.id }, user);
      ids.push(response!.booking!.id);
      // A free default: quantity unset → 1 (the SQL default).
      expect(response!.booking!.quantity).toBe(1);
    }
    await call(api.client.createBooking, { eventId: events[0]!.id, priceTierId: events[0]!.priceTiers[0]!.id }, other);

    const page1 = await call(api.client.listBookings, { pageSize: 2, pageToken: "", statuses: [] }, user);
    expect(page1.response!.bookings.map((b) => b.id)).toEqual([ids[2], ids[1]]);
    const page2 = await call(api.client.listBookings, { pageSize: 2, pageToken: page1.response!.nextPageToken, statuses: [] }, user);
    expect(page2.response!.bookings.map((b) => b.id)).toEqual([ids[0]]);
    expect(page2.response!.nextPageToken).toBe("");

    const ofEvent = await call(api.client.listBookings, { eventId: events[0]!.id, pageSize: 10, pageToken: "", statuses: [] }, organizer);
    expect(ofEvent.response!.bookings.map((b) => b.userId).sort()).toEqual([user.sub, other.sub].sort());
    // A participant filtering by event sees only what RLS shows: their own.
    const mine = await call(api.client.listBookings, { eventId: events[0]!.id, pageSize: 10, pageToken: "", statuses: [] }, other);
    expect(mine.response!.bookings.map((b) => b.userId)).toEqual([other.sub]);

    const anonymous = await call(api.client.listBookings, { pageSize: 10, pageToken: "", statuses: [] }, null);
    expect(anonymous.error?.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("refusals are real status codes with the SQLSTATE and the field", async () => {
    const organizer = committingUser("organizer");
    const user = committingUser("user");
    const late = committingUser("user");
    const event = await publishedEvent(organizer, 2, [
      { name: "Standard", price: "5000", currency: "RUB" },
      { name: "VIP", price: "9000", currency: "RUB", quota: 1 },
    ]);
    const [standard, vip] = event.priceTiers;

    const own = await call(api.client.createBooking, { eventId: event.id, priceTierId: standard!.id }, organizer);
    expect([own.error?.code, errorCode(own.error)]).toEqual([grpc.status.PERMISSION_DENIED, "BKOWN"]);

    const tooMany = await call(api.client.createBooking, { eventId: event.id, priceTierId: standard!.id, quantity: 3 }, user);
    expect([tooMany.error?.code, errorCode(tooMany.error)]).toEqual([grpc.status.RESOURCE_EXHAUSTED, "BKFUL"]);

    const badQuantity = await call(api.client.createBooking, { eventId: event.id, priceTierId: standard!.id, quantity: 0 }, user);
    expect([badQuantity.error?.code, errorCode(badQuantity.error)]).toEqual([grpc.status.INVALID_ARGUMENT, "BKQTY"]);

    const badId = await call(api.client.createBooking, { eventId: "nope", priceTierId: standard!.id }, user);
    expect(badId.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(badId.error)).toBe("event_id");
    expect(badId.error?.details).toMatch(/event_id must be a uuid/);

    const unknownCode = await call(api.client.createBooking, { eventId: event.id, priceTierId: vip!.id, promoCode: "NOSUCHCODE" }, user);
    expect([unknownCode.error?.code, errorCode(unknownCode.error)]).toEqual([grpc.status.NOT_FOUND, "CPUNK"]);

    const first = await call(api.client.createBooking, { eventId: event.id, priceTierId: vip!.id }, user);
    expect(first.error).toBeUndefined();
    const again = await call(api.client.createBooking, { eventId: event.id, priceTierId: standard!.id }, user);
    expect([again.error?.code, errorCode(again.error)]).toEqual([grpc.status.ALREADY_EXISTS, "BKDUP"]);
    const vipGone = await call(api.client.createBooking, { eventId: event.id, priceTierId: vip!.id }, late);
    expect([vipGone.error?.code, errorCode(vipGone.error)]).toEqual([grpc.status.RESOURCE_EXHAUSTED, "BKTQF"]);

    const notYours = await call(api.client.getBooking, { id: first.response!.booking!.id }, late);
    expect(notYours.error?.code).toBe(grpc.status.NOT_FOUND);
    const cancelNotYours = await call(api.client.cancelBooking, { id: first.response!.booking!.id, reason: "mischief" }, late);
    expect([cancelNotYours.error?.code, errorCode(cancelNotYours.error)]).toEqual([grpc.status.NOT_FOUND, "P0002"]);

    const shortReason = await call(api.client.cancelBooking, { id: first.response!.booking!.id, reason: "x" }, user);
    expect(shortReason.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(shortReason.error)).toBe("reason");

    const { response } = await call(api.client.initiatePayment, { bookingId: first.response!.booking!.id, method: PaymentMethod.PAYMENT_METHOD_SBP }, user);
    const selfConfirm = await call(api.client.confirmPayment, { paymentId: response!.payment!.id, gatewayReference: "self" }, user);
    expect([selfConfirm.error?.code, errorCode(selfConfirm.error)]).toEqual([grpc.status.PERMISSION_DENIED, "42501"]);
    const wrongAmount = await call(api.client.confirmPayment, { paymentId: response!.payment!.id, gatewayReference: `gw-${response!.payment!.id}`, amount: "1" }, gateway);
    expect([wrongAmount.error?.code, errorCode(wrongAmount.error)]).toEqual([grpc.status.INVALID_ARGUMENT, "GWAMT"]);
    const failed = await call(api.client.failPayment, { paymentId: response!.payment!.id, reason: "card declined" }, gateway);
    expect(failed.response!.payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_FAILED, errorCode: "GWFAI" });
    const refundFailed = await call(api.client.refundPayment, { paymentId: response!.payment!.id, reason: "why not" }, organizer);
    expect(refundFailed.error?.code).toBe(grpc.status.FAILED_PRECONDITION);

    const promo = await call(api.client.createPromoCode, { code: "GONE", eventId: event.id, amountOff: "100" }, organizer);
    expect(promo.response!.promoCode).toMatchObject({ discountKind: DiscountKind.DISCOUNT_KIND_FIXED, amountOff: "100.00", currency: "RUB" });
    expect((await call(api.client.deactivatePromoCode, { id: promo.response!.promoCode!.id }, organizer)).response!.promoCode!.isActive).toBe(false);
    const inactive = await call(api.client.quoteBooking, { eventId: event.id, priceTierId: standard!.id, promoCode: "gone" }, late);
    expect([inactive.error?.code, errorCode(inactive.error)]).toEqual([grpc.status.FAILED_PRECONDITION, "CPINA"]);
    const userPromo = await call(api.client.createPromoCode, { code: "MINE", eventId: event.id, percentOff: 5 }, user);
    expect(userPromo.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    // Users cannot enumerate codes: the list is empty for them.
    expect((await call(api.client.listPromoCodes, { eventId: event.id, pageSize: 10, pageToken: "" }, user)).response!.promoCodes).toEqual([]);
  });
});

describe("deadlines and cancellation reach PostgreSQL", () => {
  /** Holds the event row locked from another connection, so create_booking waits on it. */
  async function lockEvent(eventId: string) {
    const locker = new pg.Client({ connectionString: inject("databaseUrl") });
    await locker.connect();
    await locker.query("begin");
    await locker.query("select 1 from app_public.event where id = $1 for update", [eventId]);
    return {
      release: async () => {
        await locker.query("rollback");
        await locker.end();
      },
    };
  }

  /** Backends of the gRPC server's pool waiting for a lock in create_booking. */
  async function waitingBookings(): Promise<number> {
    const { rows } = await api.pool.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
        where application_name = 'aquastream-event:test-grpc' and wait_event_type = 'Lock' and query like '%create_booking%'`,
    );
    return rows[0]!.n;
  }

  it("a call that answered never sends a cancel (grpc-js reports 'cancelled' when every stream closes)", async () => {
    const query = vi.spyOn(api.pool, "query");
    try {
      for (let i = 0; i < 5; i++) {
        expect((await call(api.client.listEvents, { pageSize: 1, pageToken: "", onlyAvailable: false, statuses: [], sort: 0 }, null)).error).toBeUndefined();
      }
      // Let the streams close and their late events run.
      await new Promise((r) => setTimeout(r, 200));
      const cancels = query.mock.calls.filter(([sql]) => String(sql).includes("pg_cancel_backend"));
      expect(cancels).toEqual([]);
    } finally {
      query.mockRestore();
    }
  });

  it("a call whose deadline passes stops its query and books nothing", async () => {
    const organizer = committingUser("organizer");
    const event = await publishedEvent(organizer);
    const lock = await lockEvent(event.id);
    try {
      const result = await call(
        api.client.createBooking,
        { eventId: event.id, priceTierId: event.priceTiers[0]!.id },
        committingUser("user"),
        { deadline: Date.now() + 700 },
      );
      expect(result.error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      await eventually(async () => (await waitingBookings()) === 0, "the booking query stopped waiting");
    } finally {
      await lock.release();
    }
    expect((await call(api.client.getEvent, { id: event.id }, null)).response!.event!.seatsTaken).toBe(0);
  });

  it("a call the client cancels cancels its query and books nothing", async () => {
    const organizer = committingUser("organizer");
    const event = await publishedEvent(organizer);
    const lock = await lockEvent(event.id);
    try {
      // A long deadline: only the cancel can end this query while the lock is held.
      const { call: pending, result } = await api.start(
        api.client.createBooking,
        { eventId: event.id, priceTierId: event.priceTiers[0]!.id },
        committingUser("user"),
        { deadline: Date.now() + 120_000 },
      );
      await eventually(async () => (await waitingBookings()) === 1, "the booking query waits on the lock");
      pending.cancel();
      expect((await result).error?.code).toBe(grpc.status.CANCELLED);
      await eventually(async () => (await waitingBookings()) === 0, "the cancelled booking query stopped");
    } finally {
      await lock.release();
    }
    expect((await call(api.client.getEvent, { id: event.id }, null)).response!.event!.seatsTaken).toBe(0);
  });
});
