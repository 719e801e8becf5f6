/*
 * Attack: unbounded work hidden in a GraphQL request's arguments and text,
 * over real HTTP against the real app (createHttpApi, real PostgreSQL), with
 * the documented default limits. Each attack is what an anonymous caller can
 * send in a few kilobytes: connection-filter input nested hundreds of levels
 * (literal and in variables), huge lists, endless documents, thousands of
 * aliases or directives. Each must be refused before it runs (4xx, its own
 * code, no data), write nothing, and leave the process serving others.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestApi } from "../helpers/api.ts";
import { bookingTrace, committedBooking, expectRefused, expectResponsive, post } from "./helpers.ts";

const root = new pg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
afterAll(() => root.end());

/** `{ not: { not: … { category: { equalTo: "x" } } } }`, `levels` deep. */
function nestedNot(levels: number): Record<string, unknown> {
  let filter: Record<string, unknown> = { category: { equalTo: "x" } };
  for (let i = 0; i < levels; i++) filter = { not: filter };
  return filter;
}

/** The same as a GraphQL literal. */
const literal = (value: unknown): string =>
  JSON.stringify(value).replace(/"([A-Za-z_][A-Za-z0-9_]*)":/g, "$1:");

const EVENTS = `query Events($filter: EventFilter) { allEvents(first: 1, filter: $filter) { totalCount } }`;

describe("attack: work hidden in arguments", () => {
  const api = useTestApi();

  it("connection-filter `not` nested 300 levels as a literal → LMINP (400), nothing runs", async () => {
    const answer = await post(api.url, { query: `{ allEvents(first: 1, filter: ${literal(nestedNot(300))}) { totalCount } }` });
    expectRefused(answer, "LMINP", "filter");
    expect(answer.errors![0]!.message).toMatch(/nested deeper than 10 levels/);
    await expectResponsive(api.url);
  });

  it("the same nesting passed in a variable → LMINP", async () => {
    const answer = await post(api.url, { query: EVENTS, variables: { filter: nestedNot(300) } });
    expectRefused(answer, "LMINP", "filter");
    await expectResponsive(api.url);
  });

  it("`and` lists nested in a variable, and a deep unused variable → LMINP", async () => {
    let filter: unknown = { category: { equalTo: "x" } };
    for (let i = 0; i < 100; i++) filter = { and: [filter] };
    expectRefused(await post(api.url, { query: EVENTS, variables: { filter } }), "LMINP", "filter");
    const unused = await post(api.url, { query: EVENTS, variables: { filter: null, junk: nestedNot(500) } });
    expectRefused(unused, "LMINP", "$junk");
  });

  it("a 1000-item `in` list (variable) and a 101-item literal list → LMLST", async () => {
    const ids = Array.from({ length: 1000 }, () => randomUUID());
    expectRefused(await post(api.url, { query: EVENTS, variables: { filter: { rowId: { in: ids } } } }), "LMLST", "filter");
    const literalList = ids.slice(0, 101).map((id) => `"${id}"`).join(",");
    expectRefused(
      await post(api.url, { query: `{ allEvents(first: 1, filter: { rowId: { in: [${literalList}] } }) { totalCount } }` }),
      "LMLST",
      "filter",
    );
    await expectResponsive(api.url);
  });

  it("a flat filter of 60 conditions → LMFLT (the filter's cost counts, not only its depth)", async () => {
    const and = Array.from({ length: 30 }, (_, i) => ({ category: { notEqualTo: `t${i}` } }));
    const answer = await post(api.url, { query: EVENTS, variables: { filter: { and } } });
    expectRefused(answer, "LMFLT", "filter");
  });

  it("the worst allowed filter (depth 10, 50 conditions, 100-item lists) is served", async () => {
    const ids = Array.from({ length: 100 }, () => randomUUID());
    // 8 `not` objects, then { category: { equalTo } }: 10 levels, 10 conditions;
    const filter = nestedNot(8);
    // `and` (1) with 17 × 2 + 2 + 3 conditions: 50 in all.
    filter.and = [
      ...Array.from({ length: 17 }, (_, i) => ({ category: { notEqualTo: `t${i}` } })),
      { rowId: { in: ids } },
      { not: { rowId: { in: ids } } },
    ];
    const answer = await post(api.url, { query: EVENTS, variables: { filter } });
    expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    expect(answer.status).toBe(200);
    expect(answer.data).toEqual({ allEvents: { totalCount: 0 } });
    // One condition more is refused.
    (filter.and as unknown[]).push({ category: { isNull: false } });
    expectRefused(await post(api.url, { query: EVENTS, variables: { filter } }), "LMFLT", "filter");
  });

  it("a document of more than 2000 tokens → LMTOK, refused while parsing", async () => {
    const fields = Array.from({ length: 2500 }, () => "rowId").join(" ");
    const answer = await post(api.url, { query: `{ allEvents(first: 1) { nodes { ${fields} } } }` });
    expectRefused(answer, "LMTOK");
    expect(answer.errors![0]!.message).toMatch(/more than 2000 tokens/);
  });

  it("31 aliases → LMALS; 21 directives → LMDIR (validation, nothing runs)", async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: query { __typename }`).join(" ");
    expectRefused(await post(api.url, { query: `{ ${aliases} }` }), "LMALS");
    const directives = Array.from({ length: 21 }, () => "@include(if: true)").join(" ");
    expectRefused(await post(api.url, { query: `{ __typename ${directives} }` }), "LMDIR");
  });

  it("a mutation smuggling its work in aliases is refused whole: the booking is not canceled, no audit row", async () => {
    const { user, bookingId } = await committedBooking(root);
    const before = await bookingTrace(root, bookingId);
    const fields = Array.from(
      { length: 31 },
      (_, i) => `c${i}: cancelBooking(input: { id: "${bookingId}", reason: "r${i}" }) { clientMutationId }`,
    ).join("\n");
    const answer = await post(api.url, { query: `mutation { ${fields} }` }, { authorization: `Bearer ${await api.token(user)}` });
    expectRefused(answer, "LMALS");
    expect(await bookingTrace(root, bookingId)).toEqual(before);
    expect(before.status).toBe("pending_payment");
  });
});

describe("attack: caller mistakes in arguments are client errors, never INTERNAL", () => {
  const api = useTestApi();
  let eventId: string;
  beforeAll(async () => {
    ({ eventId } = await committedBooking(root));
  });

  it("an empty filter object, or a null inside a filter → 22023 (field filter)", async () => {
    expectRefused(await post(api.url, { query: `{ allEvents(first: 1, filter: {}) { totalCount } }` }), "22023", "filter");
    expectRefused(await post(api.url, { query: EVENTS, variables: { filter: {} } }), "22023", "filter");
    expectRefused(await post(api.url, { query: EVENTS, variables: { filter: { category: {} } } }), "22023", "filter");
    expectRefused(await post(api.url, { query: EVENTS, variables: { filter: { category: { equalTo: null } } } }), "22023", "filter");
  });

  it("a negative offset → 22023 (field offset), literal or variable", async () => {
    expectRefused(await post(api.url, { query: `{ allEvents(first: 1, offset: -1) { totalCount } }` }), "22023", "offset");
    const variable = await post(api.url, {
      query: `query($o: Int) { allEvents(first: 1, offset: $o) { totalCount } }`,
      variables: { o: -5 },
    });
    expectRefused(variable, "22023", "offset");
  });

  it("a malformed or foreign cursor → 22023, never INTERNAL", async () => {
    const malformed = await post(api.url, { query: `{ allEvents(first: 1, after: "not a cursor!") { totalCount } }` });
    expect(malformed.errors?.[0]?.extensions, JSON.stringify(malformed)).toMatchObject({ code: "22023", status: "INVALID_ARGUMENT" });
    // A real cursor of another connection (price tiers, another ordering) used on events.
    const tiers = await post(api.url, {
      query: `query($e: UUID!) { allEventPriceTiers(first: 1, condition: { eventId: $e }) { edges { cursor } } }`,
      variables: { e: eventId },
    });
    const foreign = (tiers.data as { allEventPriceTiers: { edges: { cursor: string }[] } }).allEventPriceTiers.edges[0]!.cursor;
    for (const argument of ["after", "before"]) {
      const answer = await post(api.url, {
        query: `query($c: Cursor) { allEvents(first: 1, ${argument}: $c) { totalCount } }`,
        variables: { c: foreign },
      });
      expect(answer.errors?.[0]?.extensions, JSON.stringify(answer)).toMatchObject({ code: "22023", status: "INVALID_ARGUMENT" });
    }
    const json = Buffer.from(JSON.stringify(["natural", "x", "y"])).toString("base64");
    const forged = await post(api.url, { query: `query($c: Cursor) { allEvents(first: 1, after: $c) { totalCount } }`, variables: { c: json } });
    expect(forged.errors?.[0]?.extensions, JSON.stringify(forged)).toMatchObject({ code: "22023" });
  });
});
