/*
 * A page of the catalog with each event's rating summary and tiers is ONE
 * statement through GraphQL (src/graphql/row-computed-inline-plugin.ts):
 * @dataplan/pg used to fetch `ratingSummary` under `searchEvents` in a second
 * query that sent the page's whole event rows back to PostgreSQL as JSON
 * (docs/benchmarks.md, "Catalog at scale"). The answers must stay what
 * app_public.event_rating_summary itself says, in search_events' order.
 *
 * Real server, real PostgreSQL; the events (one fresh organizer, committed)
 * get real active reviews, so event_stats is kept by its own triggers, and
 * one member's review and booking (myReview, myBooking: the other
 * single-row computed columns of an event, read the same way).
 */
import { randomUUID } from "node:crypto";
import rootPg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { becomeAnonymous, becomeUser } from "../helpers/db.ts";
import { useTestApi } from "../helpers/api.ts";
import { recordStatements } from "../helpers/statement-recorder.ts";
import { committingUser, CREATE_BOOKING, createEventCall, inDays, RACE_PREFIX } from "../db/factories.ts";

/** Every statement the API's pool sends (one entry per round trip). */
const recorder = recordStatements();
/** The statements of a read besides the opening message (begin; set_config) and commit. */
const work = (sent: string[]) => sent.filter((s) => !/^begin;\s*select set_config\(/.test(s) && s !== "commit");

const api = useTestApi({ poolSize: 2, observePool: (pool) => recorder.observe(pool) });
const root = new rootPg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
afterAll(() => root.end());

const organizer = committingUser("organizer");
/** Has a review of the first event and a booking of the second. */
const member = committingUser("user");
/** Ratings of the active reviews per event, in start order; the last event has none. */
const RATINGS = [[5, 4, 4], [1], [3, 3, 5, 2], [5, 5], []];
const ids: string[] = [];

beforeAll(async () => {
  const client = await root.connect();
  try {
    await client.query("begin");
    await becomeUser(client, organizer);
    for (let i = 0; i < RATINGS.length; i++) {
      const [sql, params] = createEventCall({
        startsAt: inDays(30 + i),
        priceTiers: [
          { name: "Adult", price: 100 + i, currency: "EUR", quota: null },
          { name: "Child", price: 50 + i, currency: "EUR", quota: null },
        ],
      });
      const { rows } = await client.query(sql, params);
      await client.query("select app_public.publish_event($1)", [rows[0]!.id]);
      ids.push(rows[0]!.id as string);
    }
    // Reviews as the owner (their use case needs ended events); the review
    // triggers keep app_hidden.event_stats as they do for create_review.
    await client.query("reset role");
    for (let i = 0; i < RATINGS.length; i++) {
      for (const rating of RATINGS[i]!) {
        await client.query(
          "insert into app_public.review (event_id, user_id, rating, content, status) values ($1, $2, $3, 'fine', 'active')",
          [ids[i], `${RACE_PREFIX}${randomUUID().slice(-12)}`, rating],
        );
      }
    }
    await client.query(
      "insert into app_public.review (event_id, user_id, rating, content, status) values ($1, $2, 4, 'mine', 'active')",
      [ids[0], member.sub],
    );
    await becomeUser(client, member);
    const { rows: tiers } = await client.query("select id from app_public.event_price_tier where event_id = $1 order by sort_order limit 1", [ids[1]]);
    await client.query(CREATE_BOOKING, [ids[1], tiers[0]!.id, 2, null]);
    await client.query("commit");
  } finally {
    client.release();
  }
});

/** What the function answers per event, in search_events' order, as an anonymous caller. */
async function fromSql(): Promise<{ rowId: string; ratingSummary: Record<string, number | null> }[]> {
  const client = await root.connect();
  try {
    await client.query("begin");
    await becomeAnonymous(client);
    const { rows } = await client.query(
      `select e.id, r.average, r.count, r.one_star, r.two_stars, r.three_stars, r.four_stars, r.five_stars
       from app_public.search_events(organizer_id => $1) e, app_public.event_rating_summary(e) r`,
      [organizer.sub],
    );
    return rows.map((r) => ({
      rowId: r.id,
      ratingSummary: {
        average: r.average, count: r.count, oneStar: r.one_star, twoStars: r.two_stars,
        threeStars: r.three_stars, fourStars: r.four_stars, fiveStars: r.five_stars,
      },
    }));
  } finally {
    await client.query("rollback");
    client.release();
  }
}

/** The page's FROM is search_events alone, straight to the LIMIT (no join beside it). */
const ALONE = /\nfrom "app_public"\."search_events"\([^)]*\) as __search_events__\s+limit \d+;?\s*$/;

const SUMMARY = "ratingSummary { average count oneStar twoStars threeStars fourStars fiveStars }";

describe("a catalog page with ratingSummary through GraphQL", () => {
  it("is one statement (no second query shipping the page's rows), with the function's answers in search_events' order", async () => {
    let answer: Awaited<ReturnType<typeof api.graphql>> | undefined;
    const statements = await recorder.during(async () => {
      answer = await api.graphql(
        `query($o: UUID) { searchEvents(organizerId: $o, first: 50) { nodes {
           rowId minPrice ${SUMMARY}
           eventPriceTiersByEventId(orderBy: SORT_ORDER_ASC) { nodes { name price } } } } }`,
        { o: organizer.sub },
      );
    });
    expect(answer!.errors).toBeUndefined();
    const nodes = (answer!.data as { searchEvents: { nodes: { rowId: string; minPrice: string; ratingSummary: unknown; eventPriceTiersByEventId: { nodes: unknown[] } }[] } })
      .searchEvents.nodes;

    const reads = work(statements);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatch(/search_events/);
    expect(reads[0]).toMatch(/event_rating_summary/);
    // The summary is read in the page's own query, from the row itself, not by
    // a follow-up query that gets the rows back as a JSON array;
    expect(reads[0]).toMatch(/from "app_public"\."event_rating_summary"\(__search_events__\)/);
    expect(reads[0]).not.toMatch(/json_array_elements/);
    // and as a subquery of the select list, not a join: a join beside
    // search_events makes PostgreSQL plan the whole listing (no LIMIT reaches it).
    expect(reads[0]).toMatch(ALONE);

    expect(nodes.map(({ rowId, ratingSummary }) => ({ rowId, ratingSummary }))).toEqual(await fromSql());
    expect(nodes.map((n) => n.rowId)).toEqual(ids);
    // The figures themselves, from the reviews (5, 4, 4 and the member's 4): 4.25, and nothing for the last event.
    expect(nodes[0]!.ratingSummary).toEqual({ average: 4.25, count: 4, oneStar: 0, twoStars: 0, threeStars: 0, fourStars: 3, fiveStars: 1 });
    expect(nodes[4]!.ratingSummary).toEqual({ average: null, count: 0, oneStar: 0, twoStars: 0, threeStars: 0, fourStars: 0, fiveStars: 0 });
    expect(nodes.map((n) => n.eventPriceTiersByEventId.nodes)).toEqual(
      ids.map((_, i) => [{ name: "Adult", price: `${100 + i}.00` }, { name: "Child", price: `${50 + i}.00` }]),
    );
  });

  it("keeps the order of other sorts and of keyset pages (rating: best first)", async () => {
    const page = async (after?: string) => {
      const answer = await api.graphql<{ searchEvents: { nodes: { rowId: string; ratingSummary: { average: number | null } }[] } }>(
        `query($o: UUID, $a: UUID) { searchEvents(organizerId: $o, sort: rating, first: 3, afterEventId: $a) { nodes { rowId ratingSummary { average } } } }`,
        { o: organizer.sub, a: after ?? null },
      );
      expect(answer.errors).toBeUndefined();
      return answer.data!.searchEvents.nodes;
    };
    const first = await page();
    const second = await page(first.at(-1)!.rowId);
    // 5.0, 4.25, 3.25, 1.0, none.
    expect([...first, ...second].map((n) => n.rowId)).toEqual([ids[3], ids[0], ids[2], ids[1], ids[4]]);
    expect([...first, ...second].map((n) => n.ratingSummary.average)).toEqual([5, 4.25, 3.25, 1, null]);
  });

  it("the caller's own review and booking of each event (myReview, myBooking) too: one statement, null where there is none", async () => {
    let answer: Awaited<ReturnType<typeof api.graphql>> | undefined;
    const statements = await recorder.during(async () => {
      answer = await api.graphql(
        `query($o: UUID) { searchEvents(organizerId: $o, first: 50) { nodes {
           rowId myReview { rating content } myBooking { quantity status eventByEventId { rowId } } } } }`,
        { o: organizer.sub },
        member,
      );
    });
    expect(answer!.errors).toBeUndefined();
    const reads = work(statements);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatch(/from "app_public"\."event_my_booking"\(__search_events__\)/);
    expect(reads[0]).toMatch(ALONE);
    const nodes = (answer!.data as { searchEvents: { nodes: Record<string, unknown>[] } }).searchEvents.nodes;
    expect(nodes).toEqual(
      ids.map((rowId, i) => ({
        rowId,
        myReview: i === 0 ? { rating: 4, content: "mine" } : null,
        myBooking: i === 1 ? { quantity: 2, status: "pending_payment", eventByEventId: { rowId } } : null,
      })),
    );
    // A review whose asked fields are all null is still a review (not null).
    const nullFields = await api.graphql<{ searchEvents: { nodes: { myReview: unknown }[] } }>(
      `query($o: UUID) { searchEvents(organizerId: $o, first: 50) { nodes { myReview { moderationNote editedAt } } } }`,
      { o: organizer.sub },
      member,
    );
    expect(nullFields.errors).toBeUndefined();
    expect(nullFields.data!.searchEvents.nodes).toEqual(ids.map((_, i) => ({ myReview: i === 0 ? { moderationNote: null, editedAt: null } : null })));
    // Anonymous: no review, no booking.
    const anonymous = await api.graphql<{ searchEvents: { nodes: { myReview: unknown; myBooking: unknown }[] } }>(
      `query($o: UUID) { searchEvents(organizerId: $o, first: 50) { nodes { myReview { rating } myBooking { quantity } } } }`,
      { o: organizer.sub },
    );
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data!.searchEvents.nodes).toEqual(ids.map(() => ({ myReview: null, myBooking: null })));
  });

  it("one event (eventByRowId) and a mutation's payload still answer ratingSummary", async () => {
    const statements = await recorder.during(async () => {
      const one = await api.graphql<{ eventByRowId: { ratingSummary: unknown } }>(
        `query($id: UUID!) { eventByRowId(rowId: $id) { ${SUMMARY} } }`,
        { id: ids[2] },
      );
      expect(one.errors).toBeUndefined();
      expect(one.data!.eventByRowId.ratingSummary).toEqual({ average: 3.25, count: 4, oneStar: 0, twoStars: 1, threeStars: 2, fourStars: 0, fiveStars: 1 });
    });
    expect(work(statements)).toHaveLength(1);

    // A mutation's result row keeps PostGraphile's own plan (a select after the insert).
    const created = await api.graphql<{ createEvent: { result: { ratingSummary: unknown } } }>(
      `mutation($input: CreateEventInput!) { createEvent(input: $input) { result { rowId ${SUMMARY} } } }`,
      {
        input: {
          title: "Rating summary of a new event", description: "None yet.", category: "rafting", locationName: "Ust-Utka",
          latitude: 57.55, longitude: 59.05, startsAt: inDays(40).toISOString(), endsAt: inDays(41).toISOString(),
          capacity: 5, bookingDeadlineHours: 0, crewRequired: false, priceTiers: [{ name: "Adult", price: "10", currency: "EUR" }],
        },
      },
      organizer,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createEvent.result.ratingSummary).toEqual({ average: null, count: 0, oneStar: 0, twoStars: 0, threeStars: 0, fourStars: 0, fiveStars: 0 });
  });
});
