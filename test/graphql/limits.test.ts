/*
 * The process limits on the real HTTP server (createHttpApi, real
 * PostgreSQL, real tokens): the mutation rate limit (429 + Retry-After, per
 * subject, counters in PostgreSQL), page-size cap and default, depth and cost
 * refusals before anything runs, body size (413), introspection off, the
 * statement timeout, the busy pool (503), and trusted documents.
 *
 * Slow and blocked statements are made real: a test connection holds a row
 * lock that a GraphQL mutation then waits for.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { TestUser } from "../helpers/db.ts";
import { committingUser } from "../db/factories.ts";
import { committedPublishedEvent, lockEvent } from "../helpers/locks.ts";
import { useTestApi, type TestApi } from "../helpers/api.ts";

const root = new pg.Pool({ connectionString: inject("databaseUrl"), max: 4 });
afterAll(() => root.end());



async function post(api: TestApi, body: string | object, token?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${api.url}/graphql`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } = {};
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON (e.g. a 413 page) */
  }
  return { status: response.status, retryAfter: response.headers.get("retry-after"), ...json };
}

const CANCEL = /* GraphQL */ `
  mutation Cancel($id: UUID!) { cancelBooking(input: { id: $id, reason: "not mine" }) { clientMutationId } }
`;
const UPDATE_TITLE = /* GraphQL */ `
  mutation Rename($id: UUID!, $title: String!) { updateEvent(input: { id: $id, title: $title }) { result { title } } }
`;
const EVENTS_OF = /* GraphQL */ `
  query Of($organizer: UUID!, $first: Int) {
    allEvents(condition: { organizerId: $organizer }, first: $first) { totalCount pageInfo { hasNextPage } nodes { rowId } }
  }
`;

describe("GraphQL limits", () => {
  const api = useTestApi({
    env: {
      RATE_LIMIT_MUTATIONS: "20",
      RATE_LIMIT_WINDOW_SECONDS: "600",
      GRAPHQL_MAX_PAGE_SIZE: "3",
      GRAPHQL_MAX_DEPTH: "6",
      GRAPHQL_MAX_COST: "400",
      GRAPHQL_INTROSPECTION: "false",
      HTTP_MAX_BODY_BYTES: "4000",
      DATABASE_STATEMENT_TIMEOUT_MS: "1000",
    },
  });

  describe("mutation rate limit", () => {
    it("300 rapid mutations from one subject: exactly the 20 of the budget pass, then 429 + Retry-After; another subject is unaffected", async () => {
      const hammer = await api.token(committingUser("user"));
      const statuses: { status: number; retryAfter: string | null; code?: unknown }[] = [];
      for (let batch = 0; batch < 15; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 20 }, () => post(api, { query: CANCEL, variables: { id: randomUUID() } }, hammer)),
        );
        statuses.push(...answers.map((a) => ({ status: a.status, retryAfter: a.retryAfter, code: a.errors?.[0]?.extensions?.code })));
      }
      const passed = statuses.filter((s) => s.status !== 429);
      const limited = statuses.filter((s) => s.status === 429);
      expect(passed).toHaveLength(20);
      // The 20 that passed reached SQL (and were refused there: no such booking).
      expect(new Set(passed.map((s) => s.code))).toEqual(new Set(["P0002"]));
      expect(limited).toHaveLength(280);
      for (const s of limited) {
        expect(s.code).toBe("LMRAT");
        expect(Number(s.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(Number(s.retryAfter)).toBeLessThanOrEqual(600);
      }

      const other = await post(api, { query: CANCEL, variables: { id: randomUUID() } }, await api.token(committingUser("user")));
      expect(other.status).toBe(200);
      expect(other.errors?.[0]?.extensions?.code).toBe("P0002");

      // Queries are not limited, even when the text mentions a mutation (the document is parsed).
      const query = await post(
        api,
        {
          query: `query Q { searchEvents(query: "mutation { cancelBooking }", first: 1) { totalCount } }
                  mutation M { cancelBooking(input: { id: "${randomUUID()}", reason: "nope" }) { clientMutationId } }`,
          operationName: "Q",
        },
        hammer,
      );
      expect(query.status).toBe(200);
      expect(query.errors).toBeUndefined();
      const mutation = await post(api, { query: `mutation { a: cancelBooking(input: { id: "${randomUUID()}", reason: "nope" }) { clientMutationId } }` }, hammer);
      expect(mutation.status).toBe(429);
    });

    it("counts every root mutation field: 21 aliased mutations in one document exceed a budget of 20", async () => {
      const token = await api.token(committingUser("user"));
      const fields = Array.from(
        { length: 21 },
        (_, i) => `m${i}: cancelBooking(input: { id: "${randomUUID()}", reason: "nope" }) { clientMutationId }`,
      );
      const answer = await post(api, { query: `mutation { ${fields.join("\n")} }` }, token);
      expect(answer.status).toBe(429);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: "LMRAT", status: "RESOURCE_EXHAUSTED" });
    });

    it("keeps the counters in PostgreSQL (shared by every replica)", async () => {
      const user = committingUser("user");
      await post(api, { query: CANCEL, variables: { id: randomUUID() } }, await api.token(user));
      const { rows } = await root.query("select points from app_private.rate_limit_counter where key = $1", [
        `mutation:sub:${user.sub}`,
      ]);
      expect(rows).toEqual([{ points: 1 }]);
    });
  });

  describe("page size", () => {
    let organizer: TestUser;
    beforeAll(async () => {
      organizer = committingUser("organizer");
      for (let i = 0; i < 5; i++) await committedPublishedEvent(root, organizer);
    });

    it("a connection without first/last returns at most GRAPHQL_MAX_PAGE_SIZE rows", async () => {
      const answer = await api.graphql<{ allEvents: { totalCount: number; pageInfo: { hasNextPage: boolean }; nodes: unknown[] } }>(
        EVENTS_OF,
        { organizer: organizer.sub },
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.allEvents.totalCount).toBe(5);
      expect(answer.data!.allEvents.nodes).toHaveLength(3);
      expect(answer.data!.allEvents.pageInfo.hasNextPage).toBe(true);
    });

    it("first up to the cap is served; over the cap is refused, as a literal (at validation) or as a variable", async () => {
      const ok = await api.graphql<{ allEvents: { nodes: unknown[] } }>(EVENTS_OF, { organizer: organizer.sub, first: 2 });
      expect(ok.data!.allEvents.nodes).toHaveLength(2);

      const variable = await api.graphql(EVENTS_OF, { organizer: organizer.sub, first: 4 });
      expect(variable.errors?.[0]?.message).toBe("first must be between 0 and 3 (got 4)");
      expect(variable.errors?.[0]?.extensions).toMatchObject({ code: "22023", status: "INVALID_ARGUMENT", field: "first" });

      const literal = await api.graphql(`{ allEvents(last: 50) { nodes { rowId } } }`);
      expect(literal.data).toBeUndefined(); // a validation error: nothing ran
      expect(literal.errors?.[0]?.extensions).toMatchObject({ code: "22023", field: "last" });

      const nested = await api.graphql(`{ allEvents(first: 1) { nodes { eventPriceTiersByEventId(first: 10) { nodes { name } } } } }`);
      expect(nested.data).toBeUndefined();
      expect(nested.errors?.[0]?.extensions).toMatchObject({ code: "22023", field: "first" });
    });
  });

  describe("document limits (refused at validation, before any database work)", () => {
    it("a query deeper than GRAPHQL_MAX_DEPTH → LMDEP", async () => {
      const deep = `{ allEvents(first: 1) { nodes { eventPriceTiersByEventId(first: 1) { nodes {
        eventByEventId { eventPriceTiersByEventId(first: 1) { nodes { eventByEventId { title } } } } } } } } }`;
      const answer = await api.graphql(deep);
      expect(answer.data).toBeUndefined();
      expect(answer.errors?.[0]?.message).toMatch(/^Query depth limit of 6 exceeded, found \d+\.$/);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: "LMDEP", status: "INVALID_ARGUMENT" });
    });

    it("a query costing more than GRAPHQL_MAX_COST → LMCST, while an ordinary one passes", async () => {
      const ordinary = await api.graphql(`{ allEvents(first: 3) { nodes { rowId title startsAt } } }`);
      expect(ordinary.errors).toBeUndefined();
      const aliases = Array.from({ length: 40 }, (_, i) => `e${i}: allEvents(first: 3) { nodes { rowId title startsAt } }`);
      const answer = await api.graphql(`{ ${aliases.join("\n")} }`);
      expect(answer.data).toBeUndefined();
      expect(answer.errors?.[0]?.message).toMatch(/^Query Cost limit of 400 exceeded, found \d+\.$/);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: "LMCST", status: "INVALID_ARGUMENT" });
    });

    it("introspection is refused when GRAPHQL_INTROSPECTION=false", async () => {
      const answer = await api.graphql(`{ __schema { queryType { name } } }`);
      expect(answer.data).toBeUndefined();
      expect(answer.errors?.[0]?.message).toMatch(/introspection/i);
    });

    it("a body over HTTP_MAX_BODY_BYTES → 413", async () => {
      const big = JSON.stringify({ query: `{ searchEvents(query: "${"x".repeat(5000)}") { totalCount } }` });
      const answer = await post(api, big);
      expect(answer.status).toBe(413);
      const small = await post(api, { query: `{ searchEvents(query: "rafting", first: 1) { totalCount } }` });
      expect(small.status).toBe(200);
    });
  });

  it("a statement running past DATABASE_STATEMENT_TIMEOUT_MS is canceled with a clear error and writes nothing", async () => {
    const organizer = committingUser("organizer");
    const eventId = await committedPublishedEvent(root, organizer);
    const lock = await lockEvent(root, eventId);
    let answer;
    try {
      // updateEvent waits for the row lock: a statement that does not finish.
      answer = await api.graphql(UPDATE_TITLE, { id: eventId, title: "Renamed while locked" }, organizer);
    } finally {
      await lock.release();
    }
    expect(answer.errors?.[0]?.message).toBe("canceling statement due to statement timeout");
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: "57014", status: "DEADLINE_EXCEEDED" });
    const { rows } = await root.query("select title from app_public.event where id = $1", [eventId]);
    expect(rows[0]!.title).not.toBe("Renamed while locked");
  });
});

describe("anonymous callers behind a trusted proxy", () => {
  const api = useTestApi({ env: { HTTP_TRUST_PROXY: "1", RATE_LIMIT_MUTATIONS: "2", RATE_LIMIT_WINDOW_SECONDS: "600" } });

  async function anonymousMutation(forwardedFor: string): Promise<number> {
    const response = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
      body: JSON.stringify({ query: CANCEL, variables: { id: randomUUID() } }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  it("are counted by their own address from X-Forwarded-For", async () => {
    // Documentation ranges (RFC 5737); the test database is rebuilt for every run.
    const a = "198.51.100.7";
    const b = "203.0.113.9";
    expect([await anonymousMutation(a), await anonymousMutation(a), await anonymousMutation(a)]).toEqual([200, 200, 429]);
    expect(await anonymousMutation(b)).toBe(200);
  });
});

describe("a busy database pool", () => {
  const api = useTestApi({ poolSize: 1, env: { DATABASE_POOL_TIMEOUT_MS: "300", DATABASE_STATEMENT_TIMEOUT_MS: "20000" } });

  it("answers 503 + Retry-After with code LMBSY instead of hanging, and serves again once a connection is free", async () => {
    const organizer = committingUser("organizer");
    const eventId = await committedPublishedEvent(root, organizer);
    const lock = await lockEvent(root, eventId);
    // The one pooled connection waits on the lock inside this mutation.
    const blocked = api.graphql(UPDATE_TITLE, { id: eventId, title: "Renamed after the wait" }, organizer);
    let busy;
    try {
      // The one pooled connection is now held by the waiting call.
      await lock.untilSomeoneWaits();
      busy = await post(api, { query: `{ searchEvents(query: "rafting", first: 1) { totalCount } }` });
    } finally {
      await lock.release();
    }
    expect(busy.status).toBe(503);
    expect(busy.retryAfter).toBe("1");
    expect(busy.errors?.[0]?.extensions).toMatchObject({ code: "LMBSY", status: "UNAVAILABLE" });

    const done = await blocked;
    expect(done.errors).toBeUndefined();
    const again = await post(api, { query: `{ searchEvents(query: "rafting", first: 1) { totalCount } }` });
    expect(again.status).toBe(200);
  });
});

describe("trusted documents", () => {
  const trusted = `query Trusted { searchEvents(query: "rafting", first: 1) { totalCount } }`;
  const hash = createHash("sha256").update(trusted).digest("hex");
  const dir = mkdtempSync(join(tmpdir(), "aquastream-trusted-"));
  writeFileSync(join(dir, `${hash}.graphql`), trusted);
  const api = useTestApi({ env: { TRUSTED_DOCUMENTS_DIR: dir } });

  it("runs a document by its id and refuses any other document", async () => {
    const byId = await post(api, { documentId: hash });
    expect(byId.status).toBe(200);
    expect(byId.errors).toBeUndefined();
    expect(byId.data).toMatchObject({ searchEvents: { totalCount: expect.any(Number) } });

    const adHoc = await post(api, { query: trusted });
    expect(adHoc.status).toBe(400);
    expect(adHoc.errors?.[0]?.message).toMatch(/persisted operations are enabled/i);

    const unknown = await post(api, { documentId: "0".repeat(64) });
    expect(unknown.status).toBe(400);
  });
});
