/*
 * Over gRPC (#17): an admin reviews without a booking (CreateAdminReview);
 * the organizer answers a review (ReplyToReview: one reply per review,
 * editable), an admin moderates it (ModerateReviewReply) and the author or an
 * admin deletes it (DeleteReviewReply); ListReviews shows the reply to whom
 * may see it. Each with bad input and the wrong role. The same SQL functions
 * over GraphQL: test/graphql/review-replies.test.ts.
 */
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ReviewStatus, type Event } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import { committingUser } from "../db/factories.ts";
import { testPool, type TestUser } from "../helpers/db.ts";
import { errorCode, errorField, useGrpcApi } from "./helpers.ts";

const api = useGrpcApi();
const { call } = api;
const gateway = committingUser("payment-gateway");

/** A published event of `organizer` that `participants` booked and paid, then ended (the owner moves it into the past). */
async function endedEvent(organizer: TestUser, participants: TestUser[]): Promise<Event> {
  const start = new Date(Date.now() + 40 * 86400_000);
  const created = await call(
    api.client.createEvent,
    {
      title: "Rafting the Shuya",
      description: "",
      category: "rafting",
      locationName: "Shuya river, Karelia",
      startsAt: toTimestamp(start),
      endsAt: toTimestamp(new Date(start.getTime() + 6 * 3600_000)),
      capacity: 10,
      bookingDeadlineHours: 0,
      crewRequired: false,
      priceTiers: [{ name: "Standard", price: "6000", currency: "RUB" }],
    },
    organizer,
  );
  const event = created.response!.event!;
  expect((await call(api.client.publishEvent, { id: event.id }, organizer)).error).toBeUndefined();
  for (const user of participants) {
    const booked = await call(api.client.createBooking, { eventId: event.id, priceTierId: event.priceTiers[0]!.id }, user);
    const paying = await call(api.client.initiatePayment, { bookingId: booked.response!.booking!.id, method: 0 }, user);
    const paid = await call(
      api.client.confirmPayment,
      { paymentId: paying.response!.payment!.id, gatewayReference: `rr-${paying.response!.payment!.id}` },
      gateway,
    );
    expect(paid.error).toBeUndefined();
  }
  // Ending an event is not an API operation: as the owner, in one statement (see test/graphql/reviews.test.ts).
  await testPool().query(
    `update app_public.event set starts_at = now() - interval '8 hours', ends_at = now() - interval '2 hours', status = 'completed'
     where id = $1`,
    [event.id],
  );
  return event;
}

const listOf = (eventId: string, as: TestUser | null) =>
  call(
    api.client.listReviews,
    { eventId, status: 0, allStatuses: false, sort: 0, onlyMine: false, pageSize: 10, pageToken: "" },
    as,
  );

describe("an admin's review without a booking (CreateAdminReview)", () => {
  it("an admin reviews an ended event it never booked; a participant-less user may not; bad input is refused", async () => {
    const organizer = committingUser("organizer");
    const event = await endedEvent(organizer, []);
    const admin = committingUser("admin");

    const byUser = await call(api.client.createAdminReview, { eventId: event.id, rating: 4, content: "Nice" }, committingUser("user"));
    expect(byUser.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const anonymous = await call(api.client.createAdminReview, { eventId: event.id, rating: 4, content: "Nice" }, null);
    expect(anonymous.error?.code).toBe(grpc.status.UNAUTHENTICATED);
    // The participants' RPC still needs a booking, also for an admin.
    const asParticipant = await call(api.client.createReview, { eventId: event.id, rating: 4, content: "Nice" }, admin);
    expect(errorCode(asParticipant.error)).toBe("RVNBK");

    const badRating = await call(api.client.createAdminReview, { eventId: event.id, rating: 6, content: "Nice" }, admin);
    expect(badRating.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCode(badRating.error)).toBe("RVRAT");
    const blank = await call(api.client.createAdminReview, { eventId: event.id, rating: 3, content: "  " }, admin);
    expect(errorCode(blank.error)).toBe("RVLEN");
    const badId = await call(api.client.createAdminReview, { eventId: "x", rating: 3, content: "ok" }, admin);
    expect(errorField(badId.error)).toBe("event_id");

    const created = await call(api.client.createAdminReview, { eventId: event.id, rating: 5, content: "Safety briefing was exemplary" }, admin);
    expect(created.error).toBeUndefined();
    expect(created.response!.review).toMatchObject({ eventId: event.id, userId: admin.sub, rating: 5, status: ReviewStatus.REVIEW_STATUS_ACTIVE });
    const again = await call(api.client.createAdminReview, { eventId: event.id, rating: 4, content: "Again" }, admin);
    expect(again.error?.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(errorCode(again.error)).toBe("RVDUP");

    const { rows } = await testPool().query(
      "select event_type from app_private.outbox where aggregate_id = $1 order by position",
      [created.response!.review!.id],
    );
    expect(rows.map((r) => r.event_type)).toEqual(["ReviewCreated"]);
  });

  it("an event that has not ended cannot be reviewed, even by an admin (RVEND)", async () => {
    const organizer = committingUser("organizer");
    const start = new Date(Date.now() + 5 * 86400_000);
    const created = await call(
      api.client.createEvent,
      {
        title: "Kayaks at Valaam",
        description: "",
        category: "kayaking",
        locationName: "Valaam",
        startsAt: toTimestamp(start),
        endsAt: toTimestamp(new Date(start.getTime() + 3600_000)),
        capacity: 3,
        bookingDeadlineHours: 0,
        crewRequired: false,
        priceTiers: [{ name: "Standard", price: "100", currency: "RUB" }],
      },
      organizer,
    );
    await call(api.client.publishEvent, { id: created.response!.event!.id }, organizer);
    const early = await call(api.client.createAdminReview, { eventId: created.response!.event!.id, rating: 3, content: "Early" }, committingUser("admin"));
    expect(early.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(errorCode(early.error)).toBe("RVEND");
  });
});

describe("the organizer's reply to a review", () => {
  it("the organizer replies and edits; everyone sees it in ListReviews; an admin rejects it, which hides it; deleted, it is gone", async () => {
    const organizer = committingUser("organizer");
    const ann = committingUser("user");
    const event = await endedEvent(organizer, [ann]);
    const review = (await call(api.client.createReview, { eventId: event.id, rating: 2, content: "Cold lunch" }, ann)).response!.review!;

    const replied = await call(api.client.replyToReview, { reviewId: review.id, content: "Sorry, we changed the caterer." }, organizer);
    expect(replied.error).toBeUndefined();
    expect(replied.response!.reply).toMatchObject({
      reviewId: review.id,
      organizerId: organizer.sub,
      content: "Sorry, we changed the caterer.",
      status: ReviewStatus.REVIEW_STATUS_ACTIVE,
    });
    expect(replied.response!.reply!.editedAt).toBeUndefined();

    const edited = await call(api.client.replyToReview, { reviewId: review.id, content: "Sorry! New caterer from June." }, organizer);
    expect(edited.response!.reply).toMatchObject({ id: replied.response!.reply!.id, content: "Sorry! New caterer from June." });
    expect(edited.response!.reply!.editedAt).toBeDefined();

    const publicList = await listOf(event.id, null);
    expect(publicList.response!.reviews[0]!.reply?.content).toBe("Sorry! New caterer from June.");

    const admin = committingUser("admin");
    const rejected = await call(
      api.client.moderateReviewReply,
      { reviewId: review.id, status: ReviewStatus.REVIEW_STATUS_REJECTED, note: "No promises, please" },
      admin,
    );
    expect(rejected.response!.reply).toMatchObject({ status: ReviewStatus.REVIEW_STATUS_REJECTED, moderatedBy: admin.sub, moderationNote: "No promises, please" });
    expect((await listOf(event.id, null)).response!.reviews[0]!.reply).toBeUndefined();
    expect((await listOf(event.id, ann)).response!.reviews[0]!.reply).toBeUndefined();
    // Its author still sees it, rejected.
    expect((await listOf(event.id, organizer)).response!.reviews[0]!.reply?.status).toBe(ReviewStatus.REVIEW_STATUS_REJECTED);

    const deleted = await call(api.client.deleteReviewReply, { reviewId: review.id }, organizer);
    expect(deleted.response!.reply!.id).toBe(replied.response!.reply!.id);
    expect((await listOf(event.id, organizer)).response!.reviews[0]!.reply).toBeUndefined();

    const { rows } = await testPool().query(
      "select event_type from app_private.outbox where aggregate_id = $1 and event_type like 'ReviewRepl%' order by position",
      [review.id],
    );
    expect(rows.map((r) => r.event_type)).toEqual(["ReviewReplied", "ReviewReplyUpdated", "ReviewReplyModerated", "ReviewReplyDeleted"]);
  });

  it("bad input and the wrong role are refused, and nothing is written", async () => {
    const organizer = committingUser("organizer");
    const ann = committingUser("user");
    const event = await endedEvent(organizer, [ann]);
    const review = (await call(api.client.createReview, { eventId: event.id, rating: 4, content: "Good" }, ann)).response!.review!;

    const byAuthor = await call(api.client.replyToReview, { reviewId: review.id, content: "Me again" }, ann);
    expect(byAuthor.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const byOtherOrganizer = await call(api.client.replyToReview, { reviewId: review.id, content: "Hi" }, committingUser("organizer"));
    expect(byOtherOrganizer.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const byAdmin = await call(api.client.replyToReview, { reviewId: review.id, content: "Hi" }, committingUser("admin"));
    expect(byAdmin.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const anonymous = await call(api.client.replyToReview, { reviewId: review.id, content: "Hi" }, null);
    expect(anonymous.error?.code).toBe(grpc.status.UNAUTHENTICATED);

    const tooLong = await call(api.client.replyToReview, { reviewId: review.id, content: "x".repeat(2001) }, organizer);
    expect(tooLong.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCode(tooLong.error)).toBe("RVLEN");
    const control = await call(api.client.replyToReview, { reviewId: review.id, content: "bell\u0007" }, organizer);
    expect(errorCode(control.error)).toBe("RVCTL");
    const bidi = await call(api.client.replyToReview, { reviewId: review.id, content: "see \u202Eevil" }, organizer);
    expect(errorCode(bidi.error)).toBe("TXCHR");
    const badId = await call(api.client.replyToReview, { reviewId: "nope", content: "Hi" }, organizer);
    expect(errorField(badId.error)).toBe("review_id");
    const unknown = await call(api.client.replyToReview, { reviewId: "6f1c2d3e-0000-4000-8000-00000000dead", content: "Hi" }, organizer);
    expect(unknown.error?.code).toBe(grpc.status.NOT_FOUND);

    // Moderation and deletion of a reply that does not exist, and by the wrong role.
    expect((await call(api.client.deleteReviewReply, { reviewId: review.id }, organizer)).error?.code).toBe(grpc.status.NOT_FOUND);
    expect((await call(api.client.replyToReview, { reviewId: review.id, content: "Thanks!" }, organizer)).error).toBeUndefined();
    const moderateByOrganizer = await call(
      api.client.moderateReviewReply,
      { reviewId: review.id, status: ReviewStatus.REVIEW_STATUS_REJECTED },
      organizer,
    );
    expect(moderateByOrganizer.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const unspecified = await call(api.client.moderateReviewReply, { reviewId: review.id, status: 0 }, committingUser("admin"));
    expect(unspecified.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(unspecified.error)).toBe("status");
    const deleteByStranger = await call(api.client.deleteReviewReply, { reviewId: review.id }, ann);
    expect(deleteByStranger.error?.code).toBe(grpc.status.PERMISSION_DENIED);

    const { rows } = await testPool().query("select content, status from app_public.review_reply where review_id = $1", [review.id]);
    expect(rows).toEqual([{ content: "Thanks!", status: "active" }]);
  });
});
