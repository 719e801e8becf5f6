/*
 * Attack: small anonymous GraphQL requests whose work grows with the size of
 * the catalog. Each class is bounded or gone (docs/limits.md):
 *
 * - `totalCount` counts at most GRAPHQL_MAX_TOTAL_COUNT rows, says so with
 *   `totalCountIsCapped`, and still honours the connection's filter (and
 *   not its page: first/offset/after leave the count alone);
 * - `offset` above GRAPHQL_MAX_OFFSET is refused (every skipped row is read);
 * - nested lists whose page sizes multiply past GRAPHQL_MAX_ROWS are refused
 *   before anything runs (variables counted with their values, per request);
 * - filters through relations (and their aggregates) and orderings by
 *   aggregates of related tables do not exist: a request using them is a
 *   validation error (400), never run.
 *
 * Real HTTP against the real app over real PostgreSQL; the events are
 * committed under organizers of this file, so counts filtered by organizer
 * are exact whatever other files do.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestApi } from "../helpers/api.ts";
import { committingUser } from "../db/factories.ts";
import { committedPublishedEvent } from "../helpers/locks.ts";
import { recordStatements } from "../helpers/statement-recorder.ts";
import { expectRefused, expectResponsive, post } from "./helpers.ts";

const root = new pg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
afterAll(() => root.end());

const CAP = 5;
const many = committingUser("organizer"); // CAP + 3 events
const exact = committingUser("organizer"); // exactly CAP events
const few = committingUser("organizer"); // 2 events

beforeAll(async () => {
  for (let i = 0; i < CAP + 3; i++) await committedPublishedEvent(root, many);
  for (let i = 0; i < CAP; i++) await committedPublishedEvent(root, exact);
  for (let i = 0; i < 2; i++) await committedPublishedEvent(root, few);
}, 120_000);

const byOrganizer = (sub: string, page = "first: 2") =>
  `{ allEvents(${page}, filter: { organizerId: { equalTo: "${sub}" } }) { totalCount totalCountIsCapped nodes { rowId } } }`;

type Counted = { allEvents: { totalCount: number; totalCountIsCapped: boolean; nodes: unknown[] } };

/** Every statement the API's pool sends. */
const statements = recordStatements();
const { sent } = statements;

describe("attack: work that grows with the catalog", () => {
  const api = useTestApi({
    env: { GRAPHQL_MAX_TOTAL_COUNT: String(CAP), GRAPHQL_MAX_OFFSET: "50", GRAPHQL_MAX_ROWS: "20000" },
    observePool: statements.observe,
  });

  it("the count PostgreSQL runs is LIMITed to the cap + 1 rows, never a count(*) over every match", async () => {
    sent.length = 0;
    const answer = await api.graphql<Counted>(`{ allEvents(first: 1) { totalCount totalCountIsCapped } }`);
    expect(answer.errors).toBeUndefined();
    const selects = sent.filter((sql) => /from "app_public"\."event"/i.test(sql));
    expect(selects.length, sent.join("\n---\n")).toBeGreaterThan(0);
    expect(selects.some((sql) => /count\(\*\)/i.test(sql)), selects.join("\n---\n")).toBe(false);
    expect(selects.some((sql) => new RegExp(`limit ${CAP + 1}\\b`, "i").test(sql)), selects.join("\n---\n")).toBe(true);
  });

  const nested = (levels: number, first: string) => {
    let inner = "rowId";
    for (let i = 0; i < levels - 1; i++) inner = `eventByEventId { reviewsByEventId(first: ${first}) { nodes { ${inner} } } }`;
    return `allReviews(first: ${first}) { nodes { ${inner} } }`;
  };

  it("nested lists of 100 × 100 × 100 rows are refused before anything runs (LMCST); through a fragment too", async () => {
    expectRefused(await post(api.url, { query: `{ ${nested(3, "100")} }` }), "LMCST");
    // No `first` at all: each list gets the page cap, so the same.
    expectRefused(await post(api.url, { query: `{ ${nested(3, "100").replace(/\(first: 100\)/g, "")} }` }), "LMCST");
    const viaFragment = `{ allReviews(first: 100) { nodes { ...E } } }
      fragment E on Review { eventByEventId { reviewsByEventId(first: 100) { nodes { eventByEventId { reviewsByEventId(first: 100) { nodes { rowId } } } } } } }`;
    expectRefused(await post(api.url, { query: viaFragment }), "LMCST");
    await expectResponsive(api.url);
  });

  it("the same document runs with small pages in its variables and is refused with large ones (per request, not cached)", async () => {
    const query = `query($n: Int) { ${nested(3, "$n")} }`;
    const small = await post(api.url, { query, variables: { n: 5 } });
    expect(small.status, JSON.stringify(small)).toBe(200);
    expect(small.errors).toBeUndefined();
    expectRefused(await post(api.url, { query, variables: { n: 100 } }), "LMCST");
    const againSmall = await post(api.url, { query, variables: { n: 5 } });
    expect(againSmall.status).toBe(200);
  });

  it("totalCount stops at GRAPHQL_MAX_TOTAL_COUNT and says it is capped; at or under the cap it is exact", async () => {
    const over = await api.graphql<Counted>(byOrganizer(many.sub));
    expect(over.errors).toBeUndefined();
    expect(over.data!.allEvents).toMatchObject({ totalCount: CAP, totalCountIsCapped: true });
    expect(over.data!.allEvents.nodes).toHaveLength(2);

    const atCap = await api.graphql<Counted>(byOrganizer(exact.sub));
    expect(atCap.data!.allEvents).toMatchObject({ totalCount: CAP, totalCountIsCapped: false });
    const under = await api.graphql<Counted>(byOrganizer(few.sub));
    expect(under.data!.allEvents).toMatchObject({ totalCount: 2, totalCountIsCapped: false });
  });

  it("the page does not change the count: first, offset and after leave it as it is", async () => {
    for (const page of ["first: 1", "first: 1, offset: 1", "last: 1", "first: 0"]) {
      const answer = await api.graphql<Counted>(byOrganizer(few.sub, page));
      expect(answer.errors, page).toBeUndefined();
      expect(answer.data!.allEvents, page).toMatchObject({ totalCount: 2, totalCountIsCapped: false });
    }
    const first = await api.graphql<{ allEvents: { pageInfo: { endCursor: string } } }>(
      `{ allEvents(first: 1, filter: { organizerId: { equalTo: "${few.sub}" } }) { pageInfo { endCursor } } }`,
    );
    const after = await api.graphql<Counted>(byOrganizer(few.sub, `first: 1, after: "${first.data!.allEvents.pageInfo.endCursor}"`));
    expect(after.data!.allEvents).toMatchObject({ totalCount: 2, totalCountIsCapped: false });
  });

  it("the whole catalog, anonymously: capped, not counted to the end", async () => {
    const answer = await post(api.url, { query: "{ allEvents(first: 1) { totalCount totalCountIsCapped } }" });
    expect(answer.status).toBe(200);
    // This file alone committed more than CAP published events.
    expect(answer.data).toEqual({ allEvents: { totalCount: CAP, totalCountIsCapped: true } });
  });

  it("an offset above GRAPHQL_MAX_OFFSET is refused before anything runs (literal and variable); at the bound it runs", async () => {
    expectRefused(await post(api.url, { query: "{ allEvents(first: 1, offset: 51) { nodes { rowId } } }" }), "22023", "offset");
    expectRefused(
      await post(api.url, {
        query: "query($o: Int) { allEvents(first: 1, offset: $o) { nodes { rowId } } }",
        variables: { o: 1_000_000 },
      }),
      "22023",
      "offset",
    );
    const atBound = await post(api.url, { query: "{ allEvents(first: 1, offset: 50) { nodes { rowId } } }" });
    expect(atBound.status).toBe(200);
    expect(atBound.errors).toBeUndefined();
  });

  it.each([
    ["a filter through a relation, nested", `{ allEvents(filter: { eventCategoryByCategory: { eventsByCategory: { some: { status: { equalTo: PUBLISHED } } } } }) { nodes { rowId } } }`],
    ["an aggregate filter over a related table", `{ allEventCategories(filter: { eventsByCategory: { aggregates: { sum: { seatsAvailable: { greaterThan: 0 } } } } }) { nodes { rowId } } }`],
    ["an existence filter on a related table", `{ allEvents(filter: { reviewsByEventIdExist: true }) { nodes { rowId } } }`],
    ["ordering by an aggregate of a related table", `{ allEvents(first: 1, orderBy: REVIEWS_BY_EVENT_ID_COUNT_DESC) { nodes { rowId } } }`],
  ])("%s does not exist: 400, nothing runs", async (_what, query) => {
    const answer = await post(api.url, { query });
    expect(answer.status).toBe(400);
    expect(answer.data ?? undefined).toBeUndefined();
    expect(answer.errors?.[0]?.message).toMatch(/is not defined|does not exist|Did you mean|not exist/i);
    await expectResponsive(api.url);
  });
});
