/*
 * The RPCs that close the gaps between GraphQL and gRPC (#17), over a real
 * gRPC connection against the real server: price tiers, an event's seat
 * limit per booking, categories, ListBookings' filters, the rating summary of
 * ListReviews and the payment gateway's lookup by its reference. Each runs
 * the SQL function GraphQL runs, so each is checked for its answer, for bad
 * input (a specific INVALID_ARGUMENT / FAILED_PRECONDITION / ALREADY_EXISTS
 * with the SQLSTATE in metadata) and for the wrong role.
 */
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { BookingStatus, type Event, type PriceTierInput } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import { committingUser } from "../db/factories.ts";
import type { TestUser } from "../helpers/db.ts";
import { testPool } from "../helpers/db.ts";
import { createAndPublishOverGrpc, createOverGrpc, errorCode, errorField, useGrpcApi } from "./helpers.ts";

const api = useGrpcApi();
const { call } = api;
const gateway = committingUser("payment-gateway");
const admin = committingUser("admin");

async function createEvent(organizer: TestUser, publish: boolean, tiers?: PriceTierInput[]): Promise<Event> {
  const start = new Date(Date.now() + 30 * 86400_000);
  const request = {
    title: "SUP at dawn on Lake Teletskoye",
    description: "",
    category: "sup",
    locationName: "Artybash pier",
    startsAt: toTimestamp(start),
    endsAt: toTimestamp(new Date(start.getTime() + 3 * 3600_000)),
    capacity: 10,
    bookingDeadlineHours: 0,
    crewRequired: false,
    priceTiers: tiers ?? [{ name: "Standard", price: "3000", currency: "RUB" }],
  };
  return publish ? createAndPublishOverGrpc(api, organizer, request) : createOverGrpc(api, organizer, request);
}

/** A user's confirmed booking of the event's first tier: booked, paid, confirmed by the gateway with `reference`. */
async function paidBooking(user: TestUser, event: Event, reference: string) {
  const booked = await call(api.client.createBooking, { eventId: event.id, priceTierId: event.priceTiers[0]!.id }, user);
  expect(booked.error).toBeUndefined();
  const paying = await call(api.client.initiatePayment, { bookingId: booked.response!.booking!.id, method: 0 }, user);
  expect(paying.error).toBeUndefined();
  const confirmed = await call(
    api.client.confirmPayment,
    { paymentId: paying.response!.payment!.id, gatewayReference: reference },
    gateway,
  );
  expect(confirmed.error).toBeUndefined();
  return { booking: booked.response!.booking!, payment: confirmed.response!.payment! };
}

describe("categories", () => {
  it("anyone lists them, without a token, in display order", async () => {
    const { response, error } = await call(api.client.listCategories, {}, null);
    expect(error).toBeUndefined();
    const ids = response!.categories.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(["rafting", "kayaking", "sup", "sailing", "diving"]));
    const orders = response!.categories.map((c) => c.sortOrder);
    expect(orders).toEqual([...orders].sort((a, b) => a - b));
    const rafting = response!.categories.find((c) => c.id === "rafting")!;
    expect(rafting.name.length).toBeGreaterThan(0);
  });
});

describe("price tiers over gRPC", () => {
  it("the organizer adds, changes and removes tiers; each answer carries the event as it now is", async () => {
    const organizer = committingUser("organizer");
    const event = await createEvent(organizer, true);

    const added = await call(
      api.client.addPriceTier,
      { eventId: event.id, name: "Student", price: "1500.5", currency: "RUB", quota: 4 },
      organizer,
    );
    expect(added.error).toBeUndefined();
    expect(added.response!.priceTier).toMatchObject({
      name: "Student",
      price: "1500.50",
      currency: "RUB",
      quota: 4,
      seatsTaken: 0,
      seatsAvailable: 4,
    });
    expect(added.response!.event!.priceTiers.map((t) => t.name).sort()).toEqual(["Standard", "Student"]);
    const tierId = added.response!.priceTier!.id;

    const changed = await call(api.client.updatePriceTier, { id: tierId, price: "1200", removeQuota: true }, organizer);
    expect(changed.error).toBeUndefined();
    expect(changed.response!.priceTier).toMatchObject({ id: tierId, name: "Student", price: "1200.00" });
    expect(changed.response!.priceTier!.quota).toBeUndefined();

    const renamed = await call(api.client.updatePriceTier, { id: tierId, name: "Students", quota: 3, removeQuota: false }, organizer);
    expect(renamed.response!.priceTier).toMatchObject({ name: "Students", price: "1200.00", quota: 3 });

    const removed = await call(api.client.removePriceTier, { id: tierId }, organizer);
    expect(removed.error).toBeUndefined();
    expect(removed.response!.event!.priceTiers.map((t) => t.name)).toEqual(["Standard"]);

    // The same event read back agrees (nothing half-written).
    const read = await call(api.client.getEvent, { id: event.id }, null);
    expect(read.response!.event!.priceTiers.map((t) => t.name)).toEqual(["Standard"]);
  });

  it("bad input is refused with the documented code, and nothing changes", async () => {
    const organizer = committingUser("organizer");
    const event = await createEvent(organizer, true);
    const tierId = event.priceTiers[0]!.id;

    const notANumber = await call(api.client.addPriceTier, { eventId: event.id, name: "X", price: "cheap", currency: "RUB" }, organizer);
    expect(notANumber.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCode(notANumber.error)).toBe("22P02");

    const negative = await call(api.client.addPriceTier, { eventId: event.id, name: "X", price: "-1", currency: "RUB" }, organizer);
    expect(negative.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCode(negative.error)).toBe("22023");
    expect(errorField(negative.error)).toBe("price");

    const overCapacity = await call(
      api.client.addPriceTier,
      { eventId: event.id, name: "X", price: "1", currency: "RUB", quota: 11 },
      organizer,
    );
    expect(overCapacity.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCode(overCapacity.error)).toBe("TRQTA");

    const otherCurrency = await call(api.client.addPriceTier, { eventId: event.id, name: "X", price: "1", currency: "EUR" }, organizer);
    expect(errorCode(otherCurrency.error)).toBe("TRCUR");

    const taken = await call(api.client.addPriceTier, { eventId: event.id, name: "Standard", price: "1", currency: "RUB" }, organizer);
    expect(taken.error?.code).toBe(grpc.status.ALREADY_EXISTS);

    const badId = await call(api.client.updatePriceTier, { id: "tier-1", removeQuota: false }, organizer);
    expect(badId.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(badId.error)).toBe("id");

    const lastTier = await call(api.client.removePriceTier, { id: tierId }, organizer);
    expect(lastTier.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(errorCode(lastTier.error)).toBe("EVTIR");

    const read = await call(api.client.getEvent, { id: event.id }, null);
    expect(read.response!.event!.priceTiers.map((t) => [t.name, t.price])).toEqual([["Standard", "3000.00"]]);
  });

  it("the wrong role or another organizer is refused; anonymous must sign in", async () => {
    const organizer = committingUser("organizer");
    const event = await createEvent(organizer, true);
    const tierId = event.priceTiers[0]!.id;
    const add = { eventId: event.id, name: "VIP", price: "9000", currency: "RUB" };

    const user = await call(api.client.addPriceTier, add, committingUser("user"));
    expect(user.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const other = await call(api.client.updatePriceTier, { id: tierId, price: "1", removeQuota: false }, committingUser("organizer"));
    expect(other.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const anonymous = await call(api.client.removePriceTier, { id: tierId }, null);
    expect(anonymous.error?.code).toBe(grpc.status.UNAUTHENTICATED);

    // An admin may.
    const byAdmin = await call(api.client.addPriceTier, add, admin);
    expect(byAdmin.error).toBeUndefined();
  });
});

describe("seats per booking over gRPC", () => {
  it("the organizer sets and clears the event's limit; bookings above it are refused (BKMAX)", async () => {
    const organizer = committingUser("organizer");
    const event = await createEvent(organizer, true);
    expect(event.maxSeatsPerBooking).toBeUndefined();

    const set = await call(api.client.setEventMaxSeatsPerBooking, { id: event.id, maxSeatsPerBooking: 2 }, organizer);
    expect(set.error).toBeUndefined();
    expect(set.response!.event!.maxSeatsPerBooking).toBe(2);

    const tooMany = await call(
      api.client.createBooking,
      { eventId: event.id, priceTierId: event.priceTiers[0]!.id, quantity: 3 },
      committingUser("user"),
    );
    expect(errorCode(tooMany.error)).toBe("BKMAX");

    const cleared = await call(api.client.setEventMaxSeatsPerBooking, { id: event.id }, organizer);
    expect(cleared.error).toBeUndefined();
    expect(cleared.response!.event!.maxSeatsPerBooking).toBeUndefined();
  });

  it("out of range is INVALID_ARGUMENT naming the field; a user or another organizer is refused", async () => {
    const organizer = committingUser("organizer");
    const event = await createEvent(organizer, true);
    const outOfRange = await call(api.client.setEventMaxSeatsPerBooking, { id: event.id, maxSeatsPerBooking: 21 }, organizer);
    expect(outOfRange.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(outOfRange.error)).toBe("max_seats_per_booking");

    const user = await call(api.client.setEventMaxSeatsPerBooking, { id: event.id, maxSeatsPerBooking: 2 }, committingUser("user"));
    expect(user.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const other = await call(
      api.client.setEventMaxSeatsPerBooking,
      { id: event.id, maxSeatsPerBooking: 2 },
      committingUser("organizer"),
    );
    expect(other.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const read = await call(api.client.getEvent, { id: event.id }, null);
    expect(read.response!.event!.maxSeatsPerBooking).toBeUndefined();
  });
});

describe("ListBookings filters, the payment gateway's lookup, ListReviews' summary", () => {
  it("an admin lists one user's bookings, by status and event; a user filtering on someone else finds nothing", async () => {
    const organizer = committingUser("organizer");
    const [ann, bob] = [committingUser("user"), committingUser("user")];
    const first = await createEvent(organizer, true);
    const second = await createEvent(organizer, true);
    const paid = await paidBooking(ann, first, `ref-${ann.sub}`);
    const pending = await call(api.client.createBooking, { eventId: second.id, priceTierId: second.priceTiers[0]!.id }, ann);
    expect(pending.error).toBeUndefined();
    await paidBooking(bob, first, `ref-${bob.sub}`);

    const list = (request: object, as: TestUser) =>
      call(api.client.listBookings, { pageSize: 10, pageToken: "", statuses: [], ...request }, as);

    const annsAll = await list({ userId: ann.sub }, admin);
    expect(annsAll.response!.bookings.map((b) => b.id).sort()).toEqual([paid.booking.id, pending.response!.booking!.id].sort());
    const annsConfirmed = await list({ userId: ann.sub, statuses: [BookingStatus.BOOKING_STATUS_CONFIRMED] }, admin);
    expect(annsConfirmed.response!.bookings.map((b) => b.id)).toEqual([paid.booking.id]);
    const annsPendingOfSecond = await list(
      { userId: ann.sub, eventId: second.id, statuses: [BookingStatus.BOOKING_STATUS_PENDING_PAYMENT, BookingStatus.BOOKING_STATUS_EXPIRED] },
      admin,
    );
    expect(annsPendingOfSecond.response!.bookings.map((b) => b.id)).toEqual([pending.response!.booking!.id]);

    // The organizer: one participant's bookings of its events.
    const byOrganizer = await list({ userId: bob.sub }, organizer);
    expect(byOrganizer.response!.bookings.map((b) => b.userId)).toEqual([bob.sub]);
    // A user filtering on another user: RLS leaves nothing to find.
    const nosy = await list({ userId: ann.sub }, bob);
    expect(nosy.error).toBeUndefined();
    expect(nosy.response!.bookings).toEqual([]);

    const unspecified = await list({ statuses: [BookingStatus.BOOKING_STATUS_UNSPECIFIED] }, ann);
    expect(unspecified.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(unspecified.error)).toBe("statuses");
    const badUser = await list({ userId: "ann" }, admin);
    expect(errorField(badUser.error)).toBe("user_id");
    const anonymous = await call(api.client.listBookings, { pageSize: 10, pageToken: "", statuses: [], userId: ann.sub }, null);
    expect(anonymous.error?.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("the payment gateway reads a payment by its reference, with refunds; others do not see it", async () => {
    const organizer = committingUser("organizer");
    const ann = committingUser("user");
    const event = await createEvent(organizer, true);
    const reference = `gw-${ann.sub}`;
    const { payment } = await paidBooking(ann, event, reference);
    const refunded = await call(api.client.refundPayment, { paymentId: payment.id, reason: "rain", amount: "500" }, organizer);
    expect(refunded.error).toBeUndefined();

    const byGateway = await call(api.client.getPaymentByGatewayReference, { gatewayReference: reference }, gateway);
    expect(byGateway.error).toBeUndefined();
    expect(byGateway.response!.payment).toMatchObject({ id: payment.id, gatewayReference: reference, refundedAmount: "500.00" });
    expect(byGateway.response!.refunds.map((r) => r.amount)).toEqual(["500.00"]);

    // Its payer sees it too (through the booking); a stranger and anonymous callers do not.
    expect((await call(api.client.getPaymentByGatewayReference, { gatewayReference: reference }, ann)).error).toBeUndefined();
    const stranger = await call(api.client.getPaymentByGatewayReference, { gatewayReference: reference }, committingUser("user"));
    expect(stranger.error?.code).toBe(grpc.status.NOT_FOUND);
    const anonymous = await call(api.client.getPaymentByGatewayReference, { gatewayReference: reference }, null);
    // Anonymous callers hold no grant on payments at all (#14): told to sign in.
    expect(anonymous.error?.code).toBe(grpc.status.UNAUTHENTICATED);
    const empty = await call(api.client.getPaymentByGatewayReference, { gatewayReference: "" }, gateway);
    expect(empty.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(empty.error)).toBe("gateway_reference");
    // The gateway still sees no booking.
    const booking = await call(api.client.getBooking, { id: payment.bookingId }, gateway);
    expect(booking.error?.code).toBe(grpc.status.NOT_FOUND);
  });

  it("ListReviews of an event carries its rating summary; without an event none", async () => {
    const organizer = committingUser("organizer");
    const [ann, bob] = [committingUser("user"), committingUser("user")];
    const event = await createEvent(organizer, true);
    await paidBooking(ann, event, `rv-${ann.sub}`);
    await paidBooking(bob, event, `rv-${bob.sub}`);
    // The event ends: not an API operation; as the owner, in one statement (see test/graphql/reviews.test.ts).
    await testPool().query(
      `update app_public.event set starts_at = now() - interval '8 hours', ends_at = now() - interval '2 hours', status = 'completed'
       where id = $1`,
      [event.id],
    );
    expect((await call(api.client.createReview, { eventId: event.id, rating: 5, content: "Calm water, great guide" }, ann)).error).toBeUndefined();
    expect((await call(api.client.createReview, { eventId: event.id, rating: 2, content: "Too early for me" }, bob)).error).toBeUndefined();

    const listed = await call(
      api.client.listReviews,
      { eventId: event.id, status: 0, allStatuses: false, sort: 0, onlyMine: false, pageSize: 1, pageToken: "" },
      null,
    );
    expect(listed.error).toBeUndefined();
    expect(listed.response!.reviews).toHaveLength(1);
    expect(listed.response!.ratingSummary).toEqual({
      average: 3.5,
      count: 2,
      oneStar: 0,
      twoStars: 1,
      threeStars: 0,
      fourStars: 0,
      fiveStars: 1,
    });
    const all = await call(
      api.client.listReviews,
      { status: 0, allStatuses: false, sort: 0, onlyMine: false, pageSize: 1, pageToken: "" },
      null,
    );
    expect(all.response!.ratingSummary).toBeUndefined();
  });
});
