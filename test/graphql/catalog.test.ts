/*
 * The event catalog end to end through GraphQL: a real server, real tokens
 * from the development issuer, real PostgreSQL. These tests commit (the
 * server has its own connections), so each uses fresh users and events.
 */
import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { testPool, type TestUser } from "../helpers/db.ts";
// Users whose committed rows the db tests' "nothing written" counts leave out.
import { committingUser } from "../db/factories.ts";
import { useTestApi } from "../helpers/api.ts";

const api = useTestApi();

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateEventInput!) {
    createEvent(input: $input) {
      result { rowId status title organizerId seatsAvailable eventPriceTiersByEventId { nodes { name price currency } } }
    }
  }
`;

function eventInput(overrides: Record<string, unknown> = {}) {
  const startsAt = new Date(Date.now() + 7 * 24 * 3600 * 1000);
  return {
    title: "Rafting on the Chuya",
    description: "Two days of class III rapids",
    category: "rafting",
    locationName: "Chuya river, Altai",
    latitude: 50.1,
    longitude: 87.6,
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 2 * 24 * 3600 * 1000).toISOString(),
    capacity: 12,
    bookingDeadlineHours: 24,
    crewRequired: false,
    priceTiers: [
      { name: "Standard", price: "15000", currency: "RUB" },
      { name: "Early bird", price: "12000", currency: "RUB", quota: 4 },
    ],
    ...overrides,
  };
}

type Created = { createEvent: { result: { rowId: string; status: string } } };

async function createEvent(organizer: TestUser, overrides: Record<string, unknown> = {}) {
  const response = await api.graphql<Created>(CREATE, { input: eventInput(overrides) }, organizer);
  expect(response.errors).toBeUndefined();
  return response.data!.createEvent.result;
}

const BY_ID = /* GraphQL */ `
  query ById($id: UUID!) { eventByRowId(rowId: $id) { rowId status title } }
`;

describe("event catalog over GraphQL", () => {
  it("an organizer creates and publishes an event; anonymous callers then find it", async () => {
    const organizer = committingUser("organizer");
    const word = Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
    const created = await createEvent(organizer, { title: `Kayak sprint ${word}` });
    expect(created.status).toBe("draft");

    const published = await api.graphql<{ publishEvent: { result: { status: string } } }>(
      `mutation($id: UUID!) { publishEvent(input: { id: $id }) { result { status publishedAt } } }`,
      { id: created.rowId },
      organizer,
    );
    expect(published.errors).toBeUndefined();
    expect(published.data!.publishEvent.result.status).toBe("published");

    const found = await api.graphql<{ searchEvents: { nodes: { rowId: string; seatsAvailable: number }[] } }>(
      `query($q: String) { searchEvents(query: $q, category: "rafting", first: 10) { nodes { rowId seatsAvailable } } }`,
      { q: word },
    );
    expect(found.errors).toBeUndefined();
    expect(found.data!.searchEvents.nodes).toEqual([{ rowId: created.rowId, seatsAvailable: 12 }]);
  });

  it("a draft is invisible to anonymous callers and other organizers, even by id", async () => {
    const owner = committingUser("organizer");
    const created = await createEvent(owner);
    for (const caller of [null, committingUser("organizer"), committingUser("user")]) {
      const response = await api.graphql<{ eventByRowId: unknown }>(BY_ID, { id: created.rowId }, caller);
      expect(response.errors).toBeUndefined();
      expect(response.data!.eventByRowId).toBeNull();
    }
    const own = await api.graphql<{ eventByRowId: { rowId: string } }>(BY_ID, { id: created.rowId }, owner);
    expect(own.data!.eventByRowId.rowId).toBe(created.rowId);
    const admin = await api.graphql<{ eventByRowId: { rowId: string } }>(BY_ID, { id: created.rowId }, committingUser("admin"));
    expect(admin.data!.eventByRowId.rowId).toBe(created.rowId);
  });

  it("refusals carry the SQL function's code and message, not a masked error", async () => {
    const organizer = committingUser("organizer");
    const startsAt = new Date(Date.now() + 86400_000);
    const badDates = await api.graphql(
      CREATE,
      { input: eventInput({ startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() - 3600_000).toISOString() }) },
      organizer,
    );
    expect(badDates.errors?.[0]?.extensions?.code).toBe("EVDAT");
    expect(badDates.errors?.[0]?.extensions?.status).toBe("INVALID_ARGUMENT");
    expect(badDates.errors?.[0]?.message).toMatch(/end/i);
    expect(badDates.errors?.[0]?.extensions?.field).toBe("ends_at");

    const asUser = await api.graphql(CREATE, { input: eventInput() }, committingUser("user"));
    expect(asUser.errors?.[0]?.extensions?.code).toBe("42501");
    expect(asUser.errors?.[0]?.extensions?.status).toBe("PERMISSION_DENIED");

    const anonymous = await api.graphql(CREATE, { input: eventInput() }, null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("28000");
    expect(anonymous.errors?.[0]?.extensions?.status).toBe("UNAUTHENTICATED");
  });

  it("another user cannot update or cancel someone else's event", async () => {
    const owner = committingUser("organizer");
    const created = await createEvent(owner);
    await api.graphql(`mutation($id: UUID!) { publishEvent(input: { id: $id }) { result { status } } }`, { id: created.rowId }, owner);

    const intruder = committingUser("organizer");
    const cancel = await api.graphql(
      `mutation($id: UUID!) { cancelEvent(input: { id: $id, reason: "not mine to cancel" }) { result { status } } }`,
      { id: created.rowId },
      intruder,
    );
    expect(cancel.errors?.[0]?.extensions?.code).toBe("42501");
    const update = await api.graphql(
      `mutation($id: UUID!) { updateEvent(input: { id: $id, title: "Hijacked title" }) { result { title } } }`,
      { id: created.rowId },
      intruder,
    );
    expect(update.errors?.[0]?.extensions?.code).toBe("42501");

    const after = await api.graphql<{ eventByRowId: { status: string; title: string } }>(BY_ID, { id: created.rowId }, null);
    expect(after.data!.eventByRowId).toMatchObject({ status: "published", title: "Rafting on the Chuya" });
  });

  it("favorites: add twice is one favorite, list mine, remove", async () => {
    const organizer = committingUser("organizer");
    const created = await createEvent(organizer);
    await api.graphql(`mutation($id: UUID!) { publishEvent(input: { id: $id }) { result { status } } }`, { id: created.rowId }, organizer);
    const fan = committingUser("user");
    const add = `mutation($id: UUID!) { addFavorite(input: { eventId: $id }) { result { eventId userId } } }`;
    expect((await api.graphql(add, { id: created.rowId }, fan)).errors).toBeUndefined();
    expect((await api.graphql(add, { id: created.rowId }, fan)).errors).toBeUndefined();
    const mine = await api.graphql<{ myFavoriteEvents: { nodes: { rowId: string; isFavorite: boolean }[] } }>(
      `{ myFavoriteEvents { nodes { rowId isFavorite } } }`,
      {},
      fan,
    );
    expect(mine.data!.myFavoriteEvents.nodes).toEqual([{ rowId: created.rowId, isFavorite: true }]);
    const removed = await api.graphql<{ removeFavorite: { result: boolean } }>(
      `mutation($id: UUID!) { removeFavorite(input: { eventId: $id }) { result } }`,
      { id: created.rowId },
      fan,
    );
    expect(removed.data!.removeFavorite.result).toBe(true);
    const after = await api.graphql<{ myFavoriteEvents: { nodes: unknown[] } }>(`{ myFavoriteEvents { nodes { rowId } } }`, {}, fan);
    expect(after.data!.myFavoriteEvents.nodes).toEqual([]);
  });

  it("the audit row and the response carry the caller's x-request-id", async () => {
    const organizer = committingUser("organizer");
    const requestId = `req-${randomUUID()}`;
    const response = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await api.token(organizer)}`,
        "x-request-id": requestId,
      },
      body: JSON.stringify({ query: CREATE, variables: { input: eventInput() } }),
    });
    expect(response.headers.get("x-request-id")).toBe(requestId);
    const body = (await response.json()) as { data: Created };
    const { rows } = await testPool().query(
      "select action, actor_id, request_id from app_private.audit_log where row_id = $1",
      [body.data.createEvent.result.rowId],
    );
    expect(rows).toEqual([{ action: "event.create", actor_id: organizer.sub, request_id: requestId }]);
  });

  it("a bad token is a 401 with the reason, never silently anonymous", async () => {
    const response = await api.graphql(`{ currentUserId }`, {}, "not.a.token");
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(response.errors?.[0]?.message).toMatch(/invalid token/);
  });

  it("unexpected database errors stay masked", async () => {
    // No API call reaches an unexpected database error by design, so the
    // server's maskError is given one directly: its text must not leak.
    const { maskError } = await import("../../src/graphql/mask-error.ts");
    const { GraphQLError } = await import("postgraphile/graphql");
    const internal = Object.assign(new Error("relation \"secret_table\" does not exist"), { code: "42P01", severity: "ERROR" });
    const masked = maskError(new GraphQLError("x", { originalError: internal }));
    expect(masked.message).toMatch(/^An unexpected error occurred \(error id [0-9a-f-]{36}\)$/);
    expect(masked.extensions.code).toBe("INTERNAL");
    expect(masked.message).not.toContain("secret_table");
  });
});
