/*
 * Bookings, payments and promo codes end to end through GraphQL: a real
 * server, real tokens from the development issuer (user, organizer, admin,
 * payment gateway), real PostgreSQL. These tests commit, so each uses fresh
 * users and events; the users' ids carry the race prefix, so the db tests'
 * row counts running beside them leave these rows out. docs/bookings.md
 * shows the same flow.
 */
import { describe, expect, it } from "vitest";
import { testPool, type TestUser } from "../helpers/db.ts";
import { committingUser as newUser } from "../db/factories.ts";
import { useTestApi } from "../helpers/api.ts";
import { createAndPublishOverGraphql } from "../helpers/graphql-events.ts";

const api = useTestApi();
const { ok } = api;

async function publishedEvent(organizer: TestUser, capacity = 10): Promise<{ eventId: string; tierIds: string[] }> {
  const startsAt = new Date(Date.now() + 14 * 24 * 3600 * 1000);
  const { eventId, tiers } = await createAndPublishOverGraphql(api, organizer, {
    title: "Sailing the Gulf of Finland",
    category: "sailing",
    locationName: "Kronstadt marina",
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 8 * 3600 * 1000).toISOString(),
    capacity,
    bookingDeadlineHours: 24,
    priceTiers: [
      { name: "Crew", price: "5000", currency: "RUB" },
      { name: "Skipper", price: "2500.50", currency: "RUB", quota: 2 },
    ],
  });
  // tierIds[0]: "Crew", tierIds[1]: "Skipper" (quota 2).
  const byName = [...tiers].sort((a, b) => a.name.localeCompare(b.name));
  return { eventId, tierIds: byName.map((n) => n.rowId) };
}

const BOOK = /* GraphQL */ `
  mutation($eventId: UUID!, $tierId: UUID!, $quantity: Int, $promo: String) {
    createBooking(input: { eventId: $eventId, priceTierId: $tierId, quantity: $quantity, promoCode: $promo }) {
      result { rowId status quantity unitPrice subtotal discountAmount totalAmount currency paymentDeadline }
    }
  }
`;
const INITIATE = /* GraphQL */ `
  mutation($bookingId: UUID!) {
    initiatePayment(input: { bookingId: $bookingId, method: card }) { result { rowId status amount currency paymentUrl } }
  }
`;
const CONFIRM = /* GraphQL */ `
  mutation($ref: String!, $paymentId: UUID!, $amount: BigFloat) {
    confirmPayment(input: { gatewayReference: $ref, paymentId: $paymentId, amount: $amount }) {
      result { rowId status gatewayReference refundedAmount errorCode errorMessage bookingByBookingId { status } }
    }
  }
`;
const BOOKING = /* GraphQL */ `
  query($id: UUID!) {
    bookingByRowId(rowId: $id) {
      status cancelReason totalAmount
      paymentsByBookingId { nodes { status refundedAmount refundsByPaymentId { nodes { amount reason } } } }
    }
  }
`;

type Booking = { rowId: string; status: string; totalAmount: string; discountAmount: string; paymentDeadline: string };
type Payment = { rowId: string; status: string; amount: string; paymentUrl: string };

describe("bookings over GraphQL", () => {
  it("a user books with a promo code and pays; the gateway confirms (twice); the organizer refunds part and cancels", async () => {
    const organizer = newUser("organizer");
    const user = newUser("user");
    const gateway = newUser("payment-gateway");
    const { eventId, tierIds } = await publishedEvent(organizer);

    const promo = await ok<{ createPromoCode: { result: { code: string; discountKind: string; usesLeft: number } } }>(
      `mutation($eventId: UUID!) {
        createPromoCode(input: { eventId: $eventId, code: "SPRING10", percentOff: 10, maxUses: 100 }) { result { code discountKind usesLeft } }
      }`,
      { eventId },
      organizer,
    );
    expect(promo.createPromoCode.result).toEqual({ code: "SPRING10", discountKind: "percent", usesLeft: 100 });

    const quote = await ok<{ quoteBooking: { subtotal: string; discountAmount: string; totalAmount: string; currency: string } }>(
      `query($eventId: UUID!, $tierId: UUID!) {
        quoteBooking(eventId: $eventId, priceTierId: $tierId, quantity: 2, promoCode: "spring10") { subtotal discountAmount totalAmount currency }
      }`,
      { eventId, tierId: tierIds[0] },
      user,
    );
    expect(quote.quoteBooking).toEqual({ subtotal: "10000.00", discountAmount: "1000.00", totalAmount: "9000.00", currency: "RUB" });

    const booked = await ok<{ createBooking: { result: Booking } }>(BOOK, { eventId, tierId: tierIds[0], quantity: 2, promo: "spring10" }, user);
    const booking = booked.createBooking.result;
    expect(booking).toMatchObject({ status: "pending_payment", totalAmount: "9000.00", discountAmount: "1000.00" });

    const initiated = await ok<{ initiatePayment: { result: Payment } }>(INITIATE, { bookingId: booking.rowId }, user);
    const payment = initiated.initiatePayment.result;
    expect(payment).toMatchObject({ status: "pending", amount: "9000.00", currency: "RUB" });
    expect(payment.paymentUrl).toContain(payment.rowId);

    // The user cannot confirm their own payment.
    const self = await api.graphql(CONFIRM, { ref: "fake", paymentId: payment.rowId }, user);
    expect(self.errors?.[0]?.extensions).toMatchObject({ code: "42501", status: "PERMISSION_DENIED" });

    const confirmed = await ok<{ confirmPayment: { result: Record<string, unknown> } }>(
      CONFIRM,
      { ref: `gw-${payment.rowId}`, paymentId: payment.rowId, amount: "9000" },
      gateway,
    );
    expect(confirmed.confirmPayment.result).toMatchObject({
      status: "completed",
      errorCode: null,
      bookingByBookingId: null, // the gateway may not read bookings; it got the payment back
    });
    const replay = await ok<{ confirmPayment: { result: Record<string, unknown> } }>(
      CONFIRM,
      { ref: `gw-${payment.rowId}`, paymentId: payment.rowId },
      gateway,
    );
    expect(replay.confirmPayment.result).toEqual(confirmed.confirmPayment.result);

    const mine = await ok<{ bookingByRowId: { status: string } }>(BOOKING, { id: booking.rowId }, user);
    expect(mine.bookingByRowId.status).toBe("confirmed");
    // Other users see nothing, not even by id.
    const stranger = await ok<{ bookingByRowId: unknown }>(BOOKING, { id: booking.rowId }, newUser("user"));
    expect(stranger.bookingByRowId).toBeNull();

    // The organizer sees the event's bookings and refunds part.
    const list = await ok<{ allBookings: { nodes: { rowId: string; userId: string }[] } }>(
      `query($eventId: UUID!) { allBookings(condition: { eventId: $eventId }) { nodes { rowId userId } } }`,
      { eventId },
      organizer,
    );
    expect(list.allBookings.nodes).toEqual([{ rowId: booking.rowId, userId: user.sub }]);
    const refund = await ok<{ refundPayment: { result: { amount: string; paymentByPaymentId: { status: string } } } }>(
      `mutation($id: UUID!) {
        refundPayment(input: { paymentId: $id, amount: "1500", reason: "late start" }) { result { amount paymentByPaymentId { status } } }
      }`,
      { id: payment.rowId },
      organizer,
    );
    expect(refund.refundPayment.result).toEqual({ amount: "1500.00", paymentByPaymentId: { status: "partially_refunded" } });
    const tooMuch = await api.graphql(
      `mutation($id: UUID!) { refundPayment(input: { paymentId: $id, amount: "8000", reason: "oops" }) { result { amount } } }`,
      { id: payment.rowId },
      organizer,
    );
    expect(tooMuch.errors?.[0]?.extensions).toMatchObject({ code: "RFAMT", status: "FAILED_PRECONDITION" });

    // Canceling refunds the rest.
    await ok(
      `mutation($id: UUID!) { cancelBooking(input: { id: $id, reason: "boat damaged" }) { result { status } } }`,
      { id: booking.rowId },
      organizer,
    );
    const after = await ok<{ bookingByRowId: Record<string, unknown> }>(BOOKING, { id: booking.rowId }, user);
    expect(after.bookingByRowId).toEqual({
      status: "canceled",
      cancelReason: "boat damaged",
      totalAmount: "9000.00",
      paymentsByBookingId: {
        nodes: [
          {
            status: "refunded",
            refundedAmount: "9000.00",
            refundsByPaymentId: {
              nodes: expect.arrayContaining([
                { amount: "1500.00", reason: "late start" },
                { amount: "7500.00", reason: "boat damaged" },
              ]),
            },
          },
        ],
      },
    });
    const seats = await ok<{ eventByRowId: { seatsTaken: number; seatsAvailable: number } }>(
      `query($id: UUID!) { eventByRowId(rowId: $id) { seatsTaken seatsAvailable } }`,
      { id: eventId },
      null,
    );
    expect(seats.eventByRowId).toEqual({ seatsTaken: 0, seatsAvailable: 10 });
  });

  it("refusals carry the SQL code and status: sold-out tier, second booking, own event, unknown promo", async () => {
    const organizer = newUser("organizer");
    const { eventId, tierIds } = await publishedEvent(organizer);
    const first = newUser("user");
    await ok(BOOK, { eventId, tierId: tierIds[1], quantity: 2 }, first);

    const soldOut = await api.graphql(BOOK, { eventId, tierId: tierIds[1], quantity: 1 }, newUser("user"));
    expect(soldOut.errors?.[0]?.extensions).toMatchObject({ code: "BKTQF", status: "RESOURCE_EXHAUSTED" });
    expect(soldOut.errors?.[0]?.message).toBe('price tier "Skipper" is sold out: 1 seat(s) requested, 0 left');

    const again = await api.graphql(BOOK, { eventId, tierId: tierIds[0], quantity: 1 }, first);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "BKDUP", status: "ALREADY_EXISTS" });

    const own = await api.graphql(BOOK, { eventId, tierId: tierIds[0], quantity: 1 }, organizer);
    expect(own.errors?.[0]?.extensions).toMatchObject({ code: "BKOWN", status: "PERMISSION_DENIED" });

    const promo = await api.graphql(BOOK, { eventId, tierId: tierIds[0], quantity: 1, promo: "NOPE" }, newUser("user"));
    expect(promo.errors?.[0]?.extensions).toMatchObject({ code: "CPUNK", status: "NOT_FOUND", field: "promo_code" });

    const quantity = await api.graphql(BOOK, { eventId, tierId: tierIds[0], quantity: 0 }, newUser("user"));
    expect(quantity.errors?.[0]?.extensions).toMatchObject({ code: "BKQTY", status: "INVALID_ARGUMENT", field: "quantity" });

    const anonymous = await api.graphql(BOOK, { eventId, tierId: tierIds[0], quantity: 1 }, null);
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: "28000", status: "UNAUTHENTICATED" });
  });

  it("a confirmation after expiry answers with the payment refunded (GWLAT), and the admin's event cancel cascades", async () => {
    const organizer = newUser("organizer");
    const { eventId, tierIds } = await publishedEvent(organizer);
    const late = newUser("user");
    const lateBooking = (await ok<{ createBooking: { result: Booking } }>(BOOK, { eventId, tierId: tierIds[0], quantity: 1 }, late))
      .createBooking.result;
    const latePayment = (await ok<{ initiatePayment: { result: Payment } }>(INITIATE, { bookingId: lateBooking.rowId }, late))
      .initiatePayment.result;
    // Time passes (as the owner): the deadline is gone and the expiry job runs.
    await testPool().query("update app_public.booking set payment_deadline = now() - interval '1 second' where id = $1", [
      lateBooking.rowId,
    ]);
    await testPool().query("select app_hidden.expire_overdue_bookings(100)");
    const lateConfirm = await ok<{ confirmPayment: { result: Record<string, unknown> } }>(
      CONFIRM,
      { ref: `gw-${latePayment.rowId}`, paymentId: latePayment.rowId },
      newUser("payment-gateway"),
    );
    expect(lateConfirm.confirmPayment.result).toMatchObject({ status: "refunded", refundedAmount: "5000.00", errorCode: "GWLAT" });

    const paid = newUser("user");
    const paidBooking = (await ok<{ createBooking: { result: Booking } }>(BOOK, { eventId, tierId: tierIds[0], quantity: 3 }, paid))
      .createBooking.result;
    const paidPayment = (await ok<{ initiatePayment: { result: Payment } }>(INITIATE, { bookingId: paidBooking.rowId }, paid))
      .initiatePayment.result;
    await ok(CONFIRM, { ref: `gw-${paidPayment.rowId}`, paymentId: paidPayment.rowId }, newUser("admin"));

    const canceled = await ok<{ cancelEvent: { result: { status: string; seatsTaken: number } } }>(
      `mutation($id: UUID!) { cancelEvent(input: { id: $id, reason: "storm warning" }) { result { status seatsTaken } } }`,
      { id: eventId },
      newUser("admin"),
    );
    expect(canceled.cancelEvent.result).toEqual({ status: "canceled", seatsTaken: 0 });
    const after = await ok<{ bookingByRowId: Record<string, unknown> }>(BOOKING, { id: paidBooking.rowId }, paid);
    expect(after.bookingByRowId).toMatchObject({
      status: "canceled",
      cancelReason: "event canceled: storm warning",
      paymentsByBookingId: { nodes: [{ status: "refunded", refundedAmount: "15000.00" }] },
    });
  });
});
