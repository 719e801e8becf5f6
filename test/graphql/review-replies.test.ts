/*
 * Over GraphQL (#17): createAdminReview (an admin's review without a
 * booking), replyToReview / moderateReviewReply / deleteReviewReply (the
 * organizer's one public reply per review, moderated like reviews), and the
 * reply as Review.reviewReplyByReviewId under RLS. Bad input and the wrong
 * role get the documented codes. The gRPC twin: test/grpc/review-replies.test.ts.
 */
import { describe, expect, it } from "vitest";
import { testPool, type TestUser } from "../helpers/db.ts";
import { committingUser as newUser } from "../db/factories.ts";
import { useTestApi } from "../helpers/api.ts";
import { createAndPublishOverGraphql } from "../helpers/graphql-events.ts";

const api = useTestApi();
const { ok } = api;

async function refusal(query: string, variables: Record<string, unknown>, as: TestUser | null) {
  const response = await api.graphql(query, variables, as);
  expect(response.errors, JSON.stringify(response.data)).toHaveLength(1);
  return { message: response.errors![0]!.message, ...response.errors![0]!.extensions };
}

/** An ended event of `organizer` with one confirmed booking by `participant` (created through GraphQL; ended as the owner). */
async function endedEvent(organizer: TestUser, participant?: TestUser): Promise<string> {
  const startsAt = new Date(Date.now() + 12 * 86400_000);
  const { eventId, tiers } = await createAndPublishOverGraphql(api, organizer, {
    title: "SUP on the Neva",
    category: "sup",
    locationName: "Petrovsky island",
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 2 * 3600_000).toISOString(),
    capacity: 8,
    priceTiers: [{ name: "Standard", price: "2500", currency: "RUB" }],
  });
  if (participant) {
    const booked = await ok<{ createBooking: { result: { rowId: string } } }>(
      `mutation($e: UUID!, $t: UUID!) { createBooking(input: { eventId: $e, priceTierId: $t }) { result { rowId } } }`,
      { e: eventId, t: tiers[0]!.rowId },
      participant,
    );
    const paying = await ok<{ initiatePayment: { result: { rowId: string } } }>(
      `mutation($b: UUID!) { initiatePayment(input: { bookingId: $b }) { result { rowId } } }`,
      { b: booked.createBooking.result.rowId },
      participant,
    );
    await ok(
      `mutation($p: UUID!, $r: String!) { confirmPayment(input: { gatewayReference: $r, paymentId: $p }) { result { status } } }`,
      { p: paying.initiatePayment.result.rowId, r: `gql-rr-${paying.initiatePayment.result.rowId}` },
      newUser("payment-gateway"),
    );
  }
  // Ending an event is not an API operation: as the owner, in one statement (see reviews.test.ts).
  await testPool().query(
    `update app_public.event set starts_at = now() - interval '8 hours', ends_at = now() - interval '2 hours', status = 'completed'
     where id = $1`,
    [eventId],
  );
  return eventId;
}

const ADMIN_REVIEW = /* GraphQL */ `
  mutation($e: UUID!, $rating: Int, $content: String) {
    createAdminReview(input: { eventId: $e, rating: $rating, content: $content }) { result { rowId userId rating status } }
  }
`;
const REPLY = /* GraphQL */ `
  mutation($r: UUID!, $content: String) {
    replyToReview(input: { reviewId: $r, content: $content }) { result { rowId organizerId content status editedAt } }
  }
`;
const MODERATE = /* GraphQL */ `
  mutation($r: UUID!, $status: ReviewStatus, $note: String) {
    moderateReviewReply(input: { reviewId: $r, status: $status, note: $note }) { result { status moderationNote } }
  }
`;
const DELETE = /* GraphQL */ `
  mutation($r: UUID!) { deleteReviewReply(input: { reviewId: $r }) { result { rowId } } }
`;
const SHOWN = /* GraphQL */ `
  query($id: UUID!) { reviewByRowId(rowId: $id) { rowId reviewReplyByReviewId { content status } } }
`;
type Shown = { reviewByRowId: { reviewReplyByReviewId: { content: string; status: string } | null } | null };

describe("admin reviews and organizer replies over GraphQL", () => {
  it("an admin reviews without a booking; others may not; bad input is refused", async () => {
    const eventId = await endedEvent(newUser("organizer"));
    const admin = newUser("admin");
    expect(await refusal(ADMIN_REVIEW, { e: eventId, rating: 5, content: "Fine" }, newUser("user"))).toMatchObject({
      code: "42501",
      status: "PERMISSION_DENIED",
    });
    expect(await refusal(ADMIN_REVIEW, { e: eventId, rating: 0, content: "Fine" }, admin)).toMatchObject({ code: "RVRAT" });
    expect(await refusal(ADMIN_REVIEW, { e: eventId, rating: 5, content: "" }, admin)).toMatchObject({ code: "RVLEN" });
    const created = await ok<{ createAdminReview: { result: { userId: string; rating: number; status: string } } }>(
      ADMIN_REVIEW,
      { e: eventId, rating: 5, content: "Well run" },
      admin,
    );
    expect(created.createAdminReview.result).toMatchObject({ userId: admin.sub, rating: 5, status: "active" });
    expect(await refusal(ADMIN_REVIEW, { e: eventId, rating: 4, content: "Again" }, admin)).toMatchObject({
      code: "RVDUP",
      status: "ALREADY_EXISTS",
    });
  });

  it("the organizer replies and edits; admins reject it (hidden from the public); its author deletes it; wrong roles and bad input refused", async () => {
    const organizer = newUser("organizer");
    const ann = newUser("user");
    const eventId = await endedEvent(organizer, ann);
    const review = await ok<{ createReview: { result: { rowId: string } } }>(
      `mutation($e: UUID!) { createReview(input: { eventId: $e, rating: 3, content: "Windy" }) { result { rowId } } }`,
      { e: eventId },
      ann,
    );
    const reviewId = review.createReview.result.rowId;

    expect(await refusal(REPLY, { r: reviewId, content: "Me" }, ann)).toMatchObject({ code: "42501" });
    expect(await refusal(REPLY, { r: reviewId, content: "Hi" }, newUser("organizer"))).toMatchObject({ code: "42501" });
    expect(await refusal(REPLY, { r: reviewId, content: "Hi" }, null)).toMatchObject({ code: "28000" });
    expect(await refusal(REPLY, { r: reviewId, content: " " }, organizer)).toMatchObject({ code: "RVLEN", status: "INVALID_ARGUMENT" });
    expect(await refusal(REPLY, { r: reviewId, content: "a\u0000b".replace("\u0000", "\u0001") }, organizer)).toMatchObject({ code: "RVCTL" });

    const first = await ok<{ replyToReview: { result: { content: string; status: string; editedAt: string | null } } }>(
      REPLY,
      { r: reviewId, content: "The wind was forecast; we will add wetsuits." },
      organizer,
    );
    expect(first.replyToReview.result).toMatchObject({ status: "active", editedAt: null });
    const edited = await ok<{ replyToReview: { result: { content: string; editedAt: string | null } } }>(
      REPLY,
      { r: reviewId, content: "Wetsuits are now included." },
      organizer,
    );
    expect(edited.replyToReview.result.editedAt).not.toBeNull();
    expect((await ok<Shown>(SHOWN, { id: reviewId }, null)).reviewByRowId!.reviewReplyByReviewId).toEqual({
      content: "Wetsuits are now included.",
      status: "active",
    });

    expect(await refusal(MODERATE, { r: reviewId, status: "rejected" }, organizer)).toMatchObject({ code: "42501" });
    const admin = newUser("admin");
    expect(await refusal(MODERATE, { r: reviewId, status: "pending" }, admin)).toMatchObject({ code: "22023", field: "status" });
    await ok(MODERATE, { r: reviewId, status: "rejected", note: "Keep it about the event" }, admin);
    expect((await ok<Shown>(SHOWN, { id: reviewId }, null)).reviewByRowId!.reviewReplyByReviewId).toBeNull();
    expect((await ok<Shown>(SHOWN, { id: reviewId }, organizer)).reviewByRowId!.reviewReplyByReviewId!.status).toBe("rejected");

    expect(await refusal(DELETE, { r: reviewId }, ann)).toMatchObject({ code: "42501" });
    await ok(DELETE, { r: reviewId }, organizer);
    expect(await refusal(DELETE, { r: reviewId }, organizer)).toMatchObject({ code: "P0002", status: "NOT_FOUND" });
  });
});
