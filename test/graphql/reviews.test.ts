/*
 * Reviews end to end through GraphQL: a real server, real tokens from the
 * development issuer (user, organizer, admin, payment gateway), real
 * PostgreSQL. Participants book and pay through the API; the one step the API
 * cannot do, letting the event end, is an update as the owner (the event's
 * times moved into the past), said so where it happens. These tests commit,
 * so every user is fresh and carries the race prefix (left out of the db
 * tests' row counts). docs/reviews.md shows the same flow with curl.
 */
import { describe, expect, it } from "vitest";
import { testPool, type TestUser } from "../helpers/db.ts";
import { committingUser as newUser } from "../db/factories.ts";
import { useTestApi } from "../helpers/api.ts";
import { createAndPublishOverGraphql } from "../helpers/graphql-events.ts";

const api = useTestApi();
const { ok } = api;

async function refusal(query: string, variables: Record<string, unknown>, as: TestUser | null): Promise<Record<string, unknown>> {
  const response = await api.graphql(query, variables, as);
  expect(response.errors, JSON.stringify(response.data)).toHaveLength(1);
  return { message: response.errors![0]!.message, ...response.errors![0]!.extensions };
}

/** A published event, booked and paid through GraphQL by each participant. */
async function bookedEvent(organizer: TestUser, participants: TestUser[]): Promise<string> {
  const gateway = newUser("payment-gateway");
  const startsAt = new Date(Date.now() + 7 * 24 * 3600 * 1000);
  const { eventId, tiers } = await createAndPublishOverGraphql(api, organizer, {
    title: "Kayaking the Vuoksi rapids",
    category: "kayaking",
    locationName: "Losevo",
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 6 * 3600 * 1000).toISOString(),
    capacity: 10,
    priceTiers: [{ name: "Standard", price: "4000", currency: "RUB" }],
  });
  const tierId = tiers[0]!.rowId;
  for (const participant of participants) {
    const booked = await ok<{ createBooking: { result: { rowId: string } } }>(
      `mutation($e: UUID!, $t: UUID!) { createBooking(input: { eventId: $e, priceTierId: $t }) { result { rowId } } }`,
      { e: eventId, t: tierId },
      participant,
    );
    const paying = await ok<{ initiatePayment: { result: { rowId: string } } }>(
      `mutation($b: UUID!) { initiatePayment(input: { bookingId: $b, method: card }) { result { rowId } } }`,
      { b: booked.createBooking.result.rowId },
      participant,
    );
    const paymentId = paying.initiatePayment.result.rowId;
    await ok(
      `mutation($p: UUID!, $r: String!) { confirmPayment(input: { gatewayReference: $r, paymentId: $p }) { result { status } } }`,
      { p: paymentId, r: `gw-${paymentId}` },
      gateway,
    );
  }
  return eventId;
}

/**
 * The event ends: not something the API does, so the owner moves its times
 * into the past and completes it, as the worker's cron would. In one
 * statement: an ended but still published event committed here would be
 * completed by complete_ended_events.test.ts running beside this file.
 */
async function endEvent(eventId: string): Promise<void> {
  await testPool().query(
    `update app_public.event set starts_at = now() - interval '8 hours', ends_at = now() - interval '2 hours', status = 'completed'
     where id = $1`,
    [eventId],
  );
}

const CREATE = /* GraphQL */ `
  mutation($eventId: UUID!, $rating: Int, $content: String) {
    createReview(input: { eventId: $eventId, rating: $rating, content: $content }) {
      result { rowId rating content status helpfulCount userId }
    }
  }
`;
const MARK = /* GraphQL */ `
  mutation($id: UUID!) { markReviewHelpful(input: { reviewId: $id }) { result { helpfulCount isMarkedHelpful } } }
`;
const MODERATE = /* GraphQL */ `
  mutation($id: UUID!, $status: ReviewStatus!, $note: String) {
    moderateReview(input: { id: $id, status: $status, note: $note }) { result { status moderatedBy moderatedAt moderationNote } }
  }
`;
const EVENT = /* GraphQL */ `
  query($id: UUID!) {
    eventByRowId(rowId: $id) {
      ratingSummary { average count oneStar twoStars threeStars fourStars fiveStars }
      myReview { rowId status }
    }
  }
`;
const LIST = /* GraphQL */ `
  query($eventId: UUID, $status: ReviewStatus, $sort: ReviewSort, $first: Int, $after: Cursor) {
    searchReviews(eventId: $eventId, status: $status, sort: $sort, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { rowId rating status helpfulCount }
    }
  }
`;

type Review = { rowId: string; rating: number; content: string; status: string; helpfulCount: number; userId: string };
type List = {
  searchReviews: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string };
    nodes: { rowId: string; rating: number; status: string; helpfulCount: number }[];
  };
};

describe("reviews over GraphQL", () => {
  it("participants review after the event; others vote helpful; an admin moderates; the event shows its rating summary", async () => {
    const organizer = newUser("organizer");
    const [ann, bob, cat] = [newUser("user"), newUser("user"), newUser("user")];
    const eventId = await bookedEvent(organizer, [ann, bob, cat]);

    // Before the event has ended: refused with the project's code.
    expect(await refusal(CREATE, { eventId, rating: 5, content: "Can't wait" }, ann)).toMatchObject({
      code: "RVEND",
      status: "FAILED_PRECONDITION",
    });
    await endEvent(eventId);

    const text = "Great guides.\nThe <b>second</b> rapid was the best — 10/10 & would go again 👍";
    const annReview = (await ok<{ createReview: { result: Review } }>(CREATE, { eventId, rating: 5, content: text }, ann)).createReview.result;
    expect(annReview).toMatchObject({ rating: 5, content: text, status: "active", helpfulCount: 0, userId: ann.sub });
    const bobReview = (await ok<{ createReview: { result: Review } }>(CREATE, { eventId, rating: 2, content: "Too cold." }, bob)).createReview
      .result;
    const catReview = (await ok<{ createReview: { result: Review } }>(CREATE, { eventId, rating: 4, content: "Good." }, cat)).createReview
      .result;

    // Others find Ann's review helpful; the second click of the same user changes nothing; the author cannot vote.
    const voters = [bob, cat, newUser("user")];
    let count = 0;
    for (const voter of voters) {
      const marked = await ok<{ markReviewHelpful: { result: { helpfulCount: number; isMarkedHelpful: boolean } } }>(MARK, { id: annReview.rowId }, voter);
      expect(marked.markReviewHelpful.result).toEqual({ helpfulCount: ++count, isMarkedHelpful: true });
    }
    const twice = await ok<{ markReviewHelpful: { result: { helpfulCount: number } } }>(MARK, { id: annReview.rowId }, bob);
    expect(twice.markReviewHelpful.result.helpfulCount).toBe(3);
    expect(await refusal(MARK, { id: annReview.rowId }, ann)).toMatchObject({
      code: "RVOWN",
      status: "PERMISSION_DENIED",
      message: "you cannot mark your own review helpful",
    });
    await ok(MARK, { id: catReview.rowId }, newUser("user"));

    // Anyone, without a token: the summary on the event, the list most helpful first, paged.
    const summary = await ok<{ eventByRowId: { ratingSummary: Record<string, number>; myReview: null } }>(EVENT, { id: eventId }, null);
    expect(summary.eventByRowId).toEqual({
      ratingSummary: { average: 3.67, count: 3, oneStar: 0, twoStars: 1, threeStars: 0, fourStars: 1, fiveStars: 1 },
      myReview: null,
    });
    const page1 = await ok<List>(LIST, { eventId, sort: "most_helpful", first: 2 }, null);
    expect(page1.searchReviews.totalCount).toBe(3);
    expect(page1.searchReviews.nodes.map((n) => [n.rowId, n.helpfulCount])).toEqual([
      [annReview.rowId, 3],
      [catReview.rowId, 1],
    ]);
    expect(page1.searchReviews.pageInfo.hasNextPage).toBe(true);
    const page2 = await ok<List>(LIST, { eventId, sort: "most_helpful", first: 2, after: page1.searchReviews.pageInfo.endCursor }, null);
    expect(page2.searchReviews.nodes.map((n) => n.rowId)).toEqual([bobReview.rowId]);
    expect(page2.searchReviews.pageInfo.hasNextPage).toBe(false);
    // Without arguments: active reviews, newest first.
    const all = await ok<{ searchReviews: { nodes: { rowId: string }[] } }>(`query($e: UUID!) { searchReviews(eventId: $e) { nodes { rowId } } }`, { e: eventId }, null);
    expect(all.searchReviews.nodes.map((n) => n.rowId).sort()).toEqual([annReview.rowId, bobReview.rowId, catReview.rowId].sort());

    // Moderation is for admins only.
    expect(await refusal(MODERATE, { id: bobReview.rowId, status: "rejected" }, organizer)).toMatchObject({
      code: "42501",
      status: "PERMISSION_DENIED",
      message: "only admins may moderate reviews",
    });
    expect(await refusal(MODERATE, { id: bobReview.rowId, status: "rejected" }, null)).toMatchObject({ code: "28000", status: "UNAUTHENTICATED" });
    const admin = newUser("admin");
    const rejected = await ok<{ moderateReview: { result: Record<string, unknown> } }>(
      MODERATE,
      { id: bobReview.rowId, status: "rejected", note: "Please describe the trip, not the weather forecast." },
      admin,
    );
    expect(rejected.moderateReview.result).toMatchObject({
      status: "rejected",
      moderatedBy: admin.sub,
      moderationNote: "Please describe the trip, not the weather forecast.",
    });
    expect(rejected.moderateReview.result.moderatedAt).toEqual(expect.any(String));

    // Gone from public view at once, and from the summary; its author still sees it, with the note.
    const after = await ok<List>(LIST, { eventId, first: 10 }, null);
    expect(after.searchReviews.nodes.map((n) => n.rowId)).not.toContain(bobReview.rowId);
    const byId = `query($id: UUID!) { reviewByRowId(rowId: $id) { status moderationNote } }`;
    expect((await ok<{ reviewByRowId: unknown }>(byId, { id: bobReview.rowId }, null)).reviewByRowId).toBeNull();
    expect((await ok<{ reviewByRowId: unknown }>(byId, { id: bobReview.rowId }, cat)).reviewByRowId).toBeNull();
    expect((await ok<{ reviewByRowId: unknown }>(byId, { id: bobReview.rowId }, bob)).reviewByRowId).toEqual({
      status: "rejected",
      moderationNote: "Please describe the trip, not the weather forecast.",
    });
    const bobsView = await ok<{ eventByRowId: { ratingSummary: { average: number; count: number }; myReview: { status: string } } }>(
      EVENT,
      { id: eventId },
      bob,
    );
    expect(bobsView.eventByRowId.ratingSummary).toMatchObject({ average: 4.5, count: 2 });
    expect(bobsView.eventByRowId.myReview).toEqual({ rowId: bobReview.rowId, status: "rejected" });

    // The moderation queue: admins filter by status across events.
    const queue = await ok<List>(LIST, { status: "rejected", sort: "oldest", first: 100 }, admin);
    expect(queue.searchReviews.nodes.map((n) => n.rowId)).toContain(bobReview.rowId);
    expect((await ok<List>(LIST, { eventId, status: "rejected" }, cat)).searchReviews.nodes).toEqual([]);

    // Bob edits: back to pending (a rejected review never becomes public by an edit); an admin approves it.
    const edited = await ok<{ updateReview: { result: { status: string; rating: number; editedAt: string } } }>(
      `mutation($id: UUID!) { updateReview(input: { id: $id, rating: 3, content: "Rapids were fun, the water was cold." }) { result { status rating editedAt } } }`,
      { id: bobReview.rowId },
      bob,
    );
    expect(edited.updateReview.result).toMatchObject({ status: "pending", rating: 3 });
    await ok(MODERATE, { id: bobReview.rowId, status: "active" }, admin);
    const final = await ok<{ eventByRowId: { ratingSummary: { average: number; count: number; threeStars: number } } }>(EVENT, { id: eventId }, null);
    expect(final.eventByRowId.ratingSummary).toMatchObject({ average: 4, count: 3, threeStars: 1 });

    // Cat deletes her review; an admin could too, nobody else.
    expect(
      await refusal(`mutation($id: UUID!) { deleteReview(input: { id: $id }) { result { rowId } } }`, { id: catReview.rowId }, ann),
    ).toMatchObject({ code: "42501", status: "PERMISSION_DENIED" });
    const deleted = await ok<{ deleteReview: { result: { rowId: string } } }>(
      `mutation($id: UUID!) { deleteReview(input: { id: $id }) { result { rowId } } }`,
      { id: catReview.rowId },
      cat,
    );
    expect(deleted.deleteReview.result.rowId).toBe(catReview.rowId);

    // Every change is on the outbox (aggregate review), in order.
    const { rows } = await testPool().query(
      "select event_type from app_private.outbox where aggregate_id = any($1) and aggregate_type = 'review' order by position",
      [[bobReview.rowId, catReview.rowId]],
    );
    expect(rows.map((r) => r.event_type)).toEqual([
      "ReviewCreated",
      "ReviewCreated",
      "ReviewMarkedHelpful",
      "ReviewModerated",
      "ReviewUpdated",
      "ReviewModerated",
      "ReviewDeleted",
    ]);
  });

  it("each invalid review is refused with its own code and field; nothing is written", async () => {
    const organizer = newUser("organizer");
    const [participant, stranger] = [newUser("user"), newUser("user")];
    const eventId = await bookedEvent(organizer, [participant]);
    await endEvent(eventId);

    const cases: [Record<string, unknown>, TestUser, Record<string, unknown>][] = [
      [{ rating: 0, content: "x" }, participant, { code: "RVRAT", status: "INVALID_ARGUMENT", field: "rating" }],
      [{ rating: 6, content: "x" }, participant, { code: "RVRAT", status: "INVALID_ARGUMENT", field: "rating" }],
      [{ rating: 5, content: "x".repeat(4001) }, participant, { code: "RVLEN", status: "INVALID_ARGUMENT", field: "content" }],
      [{ rating: 5, content: "   " }, participant, { code: "RVLEN", status: "INVALID_ARGUMENT", field: "content" }],
      [{ rating: 5, content: "ring the bell\u0007" }, participant, { code: "RVCTL", status: "INVALID_ARGUMENT", field: "content" }],
      // PostgreSQL text cannot hold NUL: refused as a caller's mistake, not an internal error.
      [{ rating: 5, content: "nul\u0000byte" }, participant, { code: "22021", status: "INVALID_ARGUMENT" }],
      [{ rating: 5, content: "I was not there" }, stranger, { code: "RVNBK", status: "PERMISSION_DENIED" }],
      [{ rating: 5, content: "My own event" }, organizer, { code: "RVNBK", status: "PERMISSION_DENIED" }],
      [{ rating: 5, content: "Anonymous" }, null as unknown as TestUser, { code: "28000", status: "UNAUTHENTICATED" }],
    ];
    for (const [input, who, expected] of cases) {
      expect(await refusal(CREATE, { eventId, ...input }, who), JSON.stringify(input).slice(0, 80)).toMatchObject(expected);
    }
    const { rows } = await testPool().query("select count(*)::int as n from app_public.review where event_id = $1", [eventId]);
    expect(rows[0].n).toBe(0);

    await ok(CREATE, { eventId, rating: 4, content: "Fine." }, participant);
    expect(await refusal(CREATE, { eventId, rating: 5, content: "Again" }, participant)).toMatchObject({
      code: "RVDUP",
      status: "ALREADY_EXISTS",
      message: "you have already reviewed this event",
    });
    expect(await refusal(CREATE, { eventId: "00000000-0000-4000-8000-000000000000", rating: 5, content: "?" }, participant)).toMatchObject({
      code: "P0002",
      status: "NOT_FOUND",
    });
  });
});
