/*
 * The whole journey a gateway drives over gRPC, with a real gRPC client, a
 * real server, development tokens, the real worker and the stub crew
 * service: the organizer creates and publishes an event (a crew is
 * assigned), a user books, pays, the payment gateway confirms, the organizer
 * refunds part, the user cancels (the rest is refunded, the seats come
 * back), another user books, and each lists their bookings; every status
 * code a caller's mistake can earn, from a real bad call; the other user
 * pays, the event ends, they review it, votes and moderation follow; the
 * health service answers SERVING. (Release on cancel: test/crew/.)
 */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { describe, expect, it } from "vitest";
import {
  BookingStatus,
  CrewStatus,
  EventStatus,
  PaymentMethod,
  PaymentStatus,
  ReviewSort,
  ReviewStatus,
  type Event,
} from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import { committingUser } from "../db/factories.ts";
import { eventually } from "../helpers/eventually.ts";
import { useCrewWorker } from "../crew/helpers.ts";
import { errorCode, errorField, useGrpcApi } from "./helpers.ts";

const api = useGrpcApi();
const { call } = api;
useCrewWorker(api.pool);

const organizer = committingUser("organizer");
const alice = committingUser("user");
const bob = committingUser("user");
const gateway = committingUser("payment-gateway");

describe("a gateway's journey over gRPC", () => {
  let event: Event;
  let bookingId: string;
  let paymentId: string;

  it("the organizer creates and publishes an event; the crew service assigns a crew", async () => {
    const start = new Date(Date.UTC(2032, 5, 1, 7));
    const created = await call(
      api.client.createEvent,
      {
        title: "Rafting on the Chuya",
        description: "Two days of class III rapids with an instructor in every raft.",
        category: "rafting",
        locationName: "Chuya river, Altai",
        latitude: 50.1,
        longitude: 87.6,
        startsAt: toTimestamp(start),
        endsAt: toTimestamp(new Date(start.getTime() + 34 * 3600_000)),
        capacity: 2,
        bookingDeadlineHours: 24,
        crewRequired: true,
        priceTiers: [{ name: "Standard", price: "15000", currency: "RUB" }],
      },
      organizer,
    );
    expect(created.error).toBeUndefined();
    const published = await call(api.client.publishEvent, { id: created.response!.event!.id }, organizer);
    expect(published.response!.event).toMatchObject({
      status: EventStatus.EVENT_STATUS_PUBLISHED,
      crewStatus: CrewStatus.CREW_STATUS_PENDING,
    });
    event = await eventually(async () => {
      const got = await call(api.client.getEvent, { id: created.response!.event!.id }, alice);
      return got.response!.event!.crewStatus === CrewStatus.CREW_STATUS_ASSIGNED ? got.response!.event! : undefined;
    }, "the crew assigned");
    expect(event.crewId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a user books, pays, and the payment gateway confirms", async () => {
    const tierId = event.priceTiers[0]!.id;
    const quote = await call(api.client.quoteBooking, { eventId: event.id, priceTierId: tierId, quantity: 2 }, alice);
    expect(quote.response!.quote).toMatchObject({ totalAmount: "30000.00", currency: "RUB" });

    const booked = await call(api.client.createBooking, { eventId: event.id, priceTierId: tierId, quantity: 2 }, alice);
    expect(booked.response!.booking).toMatchObject({ status: BookingStatus.BOOKING_STATUS_PENDING_PAYMENT, totalAmount: "30000.00" });
    bookingId = booked.response!.booking!.id;

    const initiated = await call(api.client.initiatePayment, { bookingId, method: PaymentMethod.PAYMENT_METHOD_CARD }, alice);
    paymentId = initiated.response!.payment!.id;
    const confirmed = await call(
      api.client.confirmPayment,
      { paymentId, gatewayReference: `gw-${paymentId}`, amount: "30000.00" },
      gateway,
    );
    expect(confirmed.response!.payment!.status).toBe(PaymentStatus.PAYMENT_STATUS_COMPLETED);
    const got = await call(api.client.getBooking, { id: bookingId }, alice);
    expect(got.response!.booking!.status).toBe(BookingStatus.BOOKING_STATUS_CONFIRMED);
  });

  it("the event is sold out for anyone else", async () => {
    const full = await call(api.client.createBooking, { eventId: event.id, priceTierId: event.priceTiers[0]!.id }, bob);
    expect([full.error?.code, errorCode(full.error)]).toEqual([grpc.status.RESOURCE_EXHAUSTED, "BKFUL"]);
  });

  it("the organizer refunds part; the user cancels and gets the rest back; another user books the freed seat", async () => {
    const refund = await call(api.client.refundPayment, { paymentId, amount: "5000", reason: "late start" }, organizer);
    expect(refund.response!.payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_PARTIALLY_REFUNDED, refundedAmount: "5000.00" });

    const canceled = await call(api.client.cancelBooking, { id: bookingId, reason: "plans changed" }, alice);
    expect(canceled.response!.booking!.status).toBe(BookingStatus.BOOKING_STATUS_CANCELED);
    const got = await call(api.client.getBooking, { id: bookingId }, alice);
    expect(got.response!.payments[0]).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_REFUNDED, refundedAmount: "30000.00" });

    const bobs = await call(api.client.createBooking, { eventId: event.id, priceTierId: event.priceTiers[0]!.id }, bob);
    expect(bobs.response!.booking!.status).toBe(BookingStatus.BOOKING_STATUS_PENDING_PAYMENT);
  });

  it("each lists their own bookings; the organizer lists the event's", async () => {
    const alices = await call(api.client.listBookings, { pageSize: 10, pageToken: "", statuses: [] }, alice);
    expect(alices.response!.bookings.map((b) => [b.id, b.status])).toEqual([[bookingId, BookingStatus.BOOKING_STATUS_CANCELED]]);
    const bobs = await call(api.client.listBookings, { pageSize: 10, pageToken: "", statuses: [] }, bob);
    expect(bobs.response!.bookings.map((b) => b.userId)).toEqual([bob.sub]);
    const all = await call(api.client.listBookings, { eventId: event.id, pageSize: 10, pageToken: "", statuses: [] }, organizer);
    expect(all.response!.bookings.map((b) => b.userId)).toEqual([bob.sub, alice.sub]);
  });

  it("every caller mistake gets its status code, with the SQLSTATE and the field", async () => {
    const tierId = event.priceTiers[0]!.id;

    const anonymous = await call(api.client.createBooking, { eventId: event.id, priceTierId: tierId }, null);
    expect([anonymous.error?.code, errorCode(anonymous.error)]).toEqual([grpc.status.UNAUTHENTICATED, "28000"]);
    const expired = await call(api.client.getBooking, { id: bookingId }, `Bearer ${await api.expiredToken(alice)}`);
    expect(expired.error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(expired.error?.details).toMatch(/expired/);

    const notTheGateway = await call(api.client.confirmPayment, { paymentId, gatewayReference: "mine" }, alice);
    expect([notTheGateway.error?.code, errorCode(notTheGateway.error)]).toEqual([grpc.status.PERMISSION_DENIED, "42501"]);
    const userRefund = await call(api.client.refundPayment, { paymentId, reason: "I want it" }, bob);
    expect([userRefund.error?.code, errorCode(userRefund.error)]).toEqual([grpc.status.PERMISSION_DENIED, "42501"]);

    const shortReason = await call(api.client.cancelEvent, { id: event.id, reason: "x" }, organizer);
    expect(shortReason.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(shortReason.error)).toBe("reason");
    const badUuid = await call(api.client.getBooking, { id: "booking-1" }, alice);
    expect([badUuid.error?.code, errorField(badUuid.error)]).toEqual([grpc.status.INVALID_ARGUMENT, "id"]);

    const unknown = await call(api.client.getBooking, { id: randomUUID() }, alice);
    expect(unknown.error?.code).toBe(grpc.status.NOT_FOUND);
    const othersBooking = await call(api.client.cancelBooking, { id: bookingId, reason: "not mine" }, bob);
    expect([othersBooking.error?.code, errorCode(othersBooking.error)]).toEqual([grpc.status.NOT_FOUND, "P0002"]);

    const payCanceled = await call(api.client.initiatePayment, { bookingId, method: PaymentMethod.PAYMENT_METHOD_CARD }, alice);
    expect([payCanceled.error?.code, errorCode(payCanceled.error)]).toEqual([grpc.status.FAILED_PRECONDITION, "55000"]);
    const again = await call(api.client.createBooking, { eventId: event.id, priceTierId: tierId }, bob);
    expect([again.error?.code, errorCode(again.error)]).toEqual([grpc.status.ALREADY_EXISTS, "BKDUP"]);
  });

  it("the other user pays; the event ends; they review it, others find it helpful, an admin moderates", async () => {
    const { response: bobs } = await call(api.client.listBookings, { pageSize: 1, pageToken: "", statuses: [] }, bob);
    const { response: pay } = await call(api.client.initiatePayment, { bookingId: bobs!.bookings[0]!.id, method: PaymentMethod.PAYMENT_METHOD_SBP }, bob);
    const paid = await call(api.client.confirmPayment, { paymentId: pay!.payment!.id, gatewayReference: `gw-${pay!.payment!.id}` }, gateway);
    expect(paid.response!.payment!.status).toBe(PaymentStatus.PAYMENT_STATUS_COMPLETED);

    const early = await call(api.client.createReview, { eventId: event.id, rating: 5, content: "Can't wait" }, bob);
    expect([early.error?.code, errorCode(early.error)]).toEqual([grpc.status.FAILED_PRECONDITION, "RVEND"]);
    // The event ends: not something the API does, so the owner moves its
    // times into the past and completes it, as the worker's cron would.
    await api.pool.query(
      `update app_public.event set starts_at = now() - interval '30 hours', ends_at = now() - interval '2 hours', status = 'completed'
        where id = $1`,
      [event.id],
    );

    const created = await call(api.client.createReview, { eventId: event.id, rating: 5, content: "Great rapids,\nsafe guides." }, bob);
    expect(created.error).toBeUndefined();
    const review = created.response!.review!;
    expect(review).toMatchObject({ rating: 5, content: "Great rapids,\nsafe guides.", status: ReviewStatus.REVIEW_STATUS_ACTIVE, userId: bob.sub });

    const canceledOne = await call(api.client.createReview, { eventId: event.id, rating: 1, content: "never went" }, alice);
    expect([canceledOne.error?.code, errorCode(canceledOne.error)]).toEqual([grpc.status.PERMISSION_DENIED, "RVNBK"]);
    const twice = await call(api.client.createReview, { eventId: event.id, rating: 4, content: "again" }, bob);
    expect([twice.error?.code, errorCode(twice.error)]).toEqual([grpc.status.ALREADY_EXISTS, "RVDUP"]);
    const badRating = await call(api.client.updateReview, { id: review.id, rating: 7 }, bob);
    expect([badRating.error?.code, errorCode(badRating.error)]).toEqual([grpc.status.INVALID_ARGUMENT, "RVRAT"]);
    const ownVote = await call(api.client.markReviewHelpful, { reviewId: review.id }, bob);
    expect([ownVote.error?.code, errorCode(ownVote.error)]).toEqual([grpc.status.PERMISSION_DENIED, "RVOWN"]);

    const voted = await call(api.client.markReviewHelpful, { reviewId: review.id }, alice);
    expect(voted.response!.review).toMatchObject({ helpfulCount: 1, markedHelpful: true });
    const listed = await call(api.client.listReviews, { eventId: event.id, sort: ReviewSort.REVIEW_SORT_MOST_HELPFUL, pageSize: 10, pageToken: "", status: ReviewStatus.REVIEW_STATUS_UNSPECIFIED, allStatuses: false, onlyMine: false }, null);
    expect(listed.response!.reviews.map((r) => [r.id, r.helpfulCount, r.markedHelpful])).toEqual([[review.id, 1, false]]);
    const summary = (await call(api.client.getEvent, { id: event.id }, null)).response!.event!.ratingSummary;
    expect(summary).toMatchObject({ average: 5, count: 1, fiveStars: 1, oneStar: 0 });

    const notAdmin = await call(api.client.moderateReview, { id: review.id, status: ReviewStatus.REVIEW_STATUS_REJECTED }, organizer);
    expect(notAdmin.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const admin = committingUser("admin");
    const rejected = await call(api.client.moderateReview, { id: review.id, status: ReviewStatus.REVIEW_STATUS_REJECTED, note: "Please do not name guides." }, admin);
    expect(rejected.response!.review).toMatchObject({ status: ReviewStatus.REVIEW_STATUS_REJECTED, moderationNote: "Please do not name guides.", moderatedBy: admin.sub });
    const publicList = await call(api.client.listReviews, { eventId: event.id, pageSize: 10, pageToken: "", status: 0, sort: 0, allStatuses: false, onlyMine: false }, null);
    expect(publicList.response!.reviews).toEqual([]);
    const mine = await call(api.client.listReviews, { pageSize: 10, pageToken: "", status: 0, sort: 0, allStatuses: true, onlyMine: true }, bob);
    expect(mine.response!.reviews.map((r) => [r.id, r.status])).toEqual([[review.id, ReviewStatus.REVIEW_STATUS_REJECTED]]);

    // An edit never publishes a rejected review: it goes back to the queue.
    const edited = await call(api.client.updateReview, { id: review.id, content: "Great rapids, safe guides." }, bob);
    expect(edited.response!.review).toMatchObject({ status: ReviewStatus.REVIEW_STATUS_PENDING, rating: 5 });
    const approved = await call(api.client.moderateReview, { id: review.id, status: ReviewStatus.REVIEW_STATUS_ACTIVE }, admin);
    expect(approved.response!.review!.status).toBe(ReviewStatus.REVIEW_STATUS_ACTIVE);
    const unvoted = await call(api.client.unmarkReviewHelpful, { reviewId: review.id }, alice);
    expect(unvoted.response!.review).toMatchObject({ helpfulCount: 0, markedHelpful: false });

    const notAuthor = await call(api.client.deleteReview, { id: review.id }, alice);
    expect(notAuthor.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const deleted = await call(api.client.deleteReview, { id: review.id }, bob);
    expect(deleted.response!.review!.id).toBe(review.id);
    expect((await call(api.client.getEvent, { id: event.id }, null)).response!.event!.ratingSummary).toMatchObject({ count: 0 });
    const gone = await call(api.client.markReviewHelpful, { reviewId: review.id }, alice);
    expect(gone.error?.code).toBe(grpc.status.NOT_FOUND);
  });

  it("the health service answers SERVING", async () => {
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client & {
        check(req: { service: string }, cb: (e: grpc.ServiceError | null, r: { status: string }) => void): void;
      } } } };
    };
    const health = new pkg.grpc.health.v1.Health(`127.0.0.1:${api.port}`, grpc.credentials.createInsecure());
    try {
      const status = await new Promise<string>((resolve, reject) =>
        health.check({ service: "" }, (error, response) => (error ? reject(error) : resolve(response.status))),
      );
      expect(status).toBe("SERVING");
    } finally {
      health.close();
    }
  });
});
