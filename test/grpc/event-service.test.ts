/*
 * EventService over a real gRPC connection: the same server as production on
 * a random port, the test database, tokens from the development issuer.
 * Checks that each RPC runs the SQL rule and that refusals arrive as real
 * status codes with the SQLSTATE in metadata.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { createPool } from "../../src/db/pool.ts";
import { createVerifier } from "../../src/auth/verifier.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { startGrpcServer, type GrpcServer } from "../../src/grpc/server.ts";
import {
  EventServiceClient,
  EventStatus,
  type CreateEventRequest,
} from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import type { TestUser } from "../helpers/db.ts";
// Users whose committed rows the db tests' "nothing written" counts leave out.
import { committingUser } from "../db/factories.ts";

const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "aquastream-grpc-")), LOG_LEVEL: "silent" });
const issuer = loadDevIssuer(config);
const pool = createPool(inject("databaseUrl"), 10, "test-grpc");
let server: GrpcServer;
let client: EventServiceClient;

beforeAll(async () => {
  server = await startGrpcServer("127.0.0.1", 0, { pool, verifier: createVerifier(config) });
  client = new EventServiceClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await server.close(1000);
  await pool.end();
});

async function metadataFor(user: TestUser | null | string): Promise<grpc.Metadata> {
  const metadata = new grpc.Metadata();
  if (typeof user === "string") metadata.set("authorization", user);
  else if (user) metadata.set("authorization", `Bearer ${await issuer.signDevToken({ role: user.roles, sub: user.sub })}`);
  return metadata;
}

/** Calls a unary RPC; resolves with the response or the ServiceError. */
async function call<Req, Res>(
  // The four-argument overload of the generated client's methods (the one TS infers from).
  method: (
    req: Req,
    md: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    cb: (err: grpc.ServiceError | null, res: Res) => void,
  ) => unknown,
  request: Req,
  as: TestUser | null | string = null,
): Promise<{ response?: Res; error?: grpc.ServiceError }> {
  const md = await metadataFor(as);
  return new Promise((resolve) =>
    method.call(client, request, md, { deadline: Date.now() + 10_000 }, (error: grpc.ServiceError | null, response: Res) =>
      resolve(error ? { error } : { response }),
    ),
  );
}

function createRequest(overrides: Partial<CreateEventRequest> = {}): CreateEventRequest {
  const start = new Date(Date.now() + 10 * 86400_000);
  return {
    title: "SUP at sunrise",
    description: "Calm water, all levels",
    category: "sup",
    locationName: "Lake Teletskoye",
    latitude: 51.6,
    longitude: 87.7,
    startsAt: toTimestamp(start),
    endsAt: toTimestamp(new Date(start.getTime() + 3 * 3600_000)),
    capacity: 8,
    bookingDeadlineHours: 2,
    crewRequired: false,
    priceTiers: [{ name: "Standard", price: "3500.50", currency: "RUB" }],
    ...overrides,
  };
}

/** A word no other event contains, for full-text search. */
const uniqueWord = () => Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");

const errorCode = (error: grpc.ServiceError | undefined) => error?.metadata.get("aquastream-error-code")[0];

describe("EventService over gRPC", () => {
  it("create → publish → anyone gets and lists it", async () => {
    const organizer = committingUser("organizer");
    const word = uniqueWord();
    const created = await call(client.createEvent, createRequest({ title: `Sunrise ${word}` }), organizer);
    expect(created.error).toBeUndefined();
    const event = created.response!.event!;
    expect(event.status).toBe(EventStatus.EVENT_STATUS_DRAFT);
    expect(event.priceTiers).toEqual([
      expect.objectContaining({ name: "Standard", price: "3500.50", currency: "RUB", seatsTaken: 0 }),
    ]);

    const published = await call(client.publishEvent, { id: event.id }, organizer);
    expect(published.response!.event!.status).toBe(EventStatus.EVENT_STATUS_PUBLISHED);

    const got = await call(client.getEvent, { id: event.id }, null);
    expect(got.response!.event!.title).toBe(`Sunrise ${word}`);

    const listed = await call(
      client.listEvents,
      { query: word, onlyAvailable: true, pageSize: 10, pageToken: "" },
      null,
    );
    expect(listed.response!.events.map((e) => e.id)).toEqual([event.id]);
  });

  it("refusals are real status codes with the SQLSTATE in metadata", async () => {
    const start = new Date(Date.now() + 86400_000);
    const badDates = await call(
      client.createEvent,
      createRequest({ startsAt: toTimestamp(start), endsAt: toTimestamp(new Date(start.getTime() - 1000)) }),
      committingUser("organizer"),
    );
    expect(badDates.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCode(badDates.error)).toBe("EVDAT");
    expect(badDates.error?.metadata.get("aquastream-error-field")[0]).toBe("ends_at");

    const asUser = await call(client.createEvent, createRequest(), committingUser("user"));
    expect(asUser.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(errorCode(asUser.error)).toBe("42501");

    const anonymous = await call(client.createEvent, createRequest(), null);
    expect(anonymous.error?.code).toBe(grpc.status.UNAUTHENTICATED);

    const badToken = await call(client.createEvent, createRequest(), "Bearer nonsense");
    expect(badToken.error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(badToken.error?.details).toMatch(/invalid token/);

    const badId = await call(client.getEvent, { id: "not-a-uuid" }, null);
    expect(badId.error?.code).toBe(grpc.status.INVALID_ARGUMENT);

    const badPrice = await call(
      client.createEvent,
      createRequest({ priceTiers: [{ name: "X", price: "-1", currency: "RUB" }] }),
      committingUser("organizer"),
    );
    expect(badPrice.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it("another organizer's draft is NOT_FOUND, and cannot be published", async () => {
    const owner = committingUser("organizer");
    const { response } = await call(client.createEvent, createRequest(), owner);
    const id = response!.event!.id;
    const other = committingUser("organizer");
    const get = await call(client.getEvent, { id }, other);
    expect(get.error?.code).toBe(grpc.status.NOT_FOUND);
    const publish = await call(client.publishEvent, { id }, other);
    expect(publish.error?.code).toBe(grpc.status.NOT_FOUND);
    expect(errorCode(publish.error)).toBe("P0002");
  });

  it("publishing a canceled event is FAILED_PRECONDITION", async () => {
    const owner = committingUser("organizer");
    const { response } = await call(client.createEvent, createRequest(), owner);
    const id = response!.event!.id;
    expect((await call(client.cancelEvent, { id, reason: "river too high" }, owner)).response!.event!.status).toBe(
      EventStatus.EVENT_STATUS_CANCELED,
    );
    const publish = await call(client.publishEvent, { id }, owner);
    expect(publish.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
  });

  it("partial update changes only the given fields", async () => {
    const owner = committingUser("organizer");
    const { response } = await call(client.createEvent, createRequest(), owner);
    const updated = await call(client.updateEvent, { id: response!.event!.id, capacity: 20 }, owner);
    expect(updated.error).toBeUndefined();
    expect(updated.response!.event!).toMatchObject({ capacity: 20, title: "SUP at sunrise", locationName: "Lake Teletskoye" });
  });

  it("favorites page through with tokens", async () => {
    const owner = committingUser("organizer");
    const fan = committingUser("user");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const start = new Date(Date.now() + (5 + i) * 86400_000);
      const { response } = await call(
        client.createEvent,
        createRequest({ startsAt: toTimestamp(start), endsAt: toTimestamp(new Date(start.getTime() + 3600_000)) }),
        owner,
      );
      ids.push(response!.event!.id);
      await call(client.publishEvent, { id: response!.event!.id }, owner);
      expect((await call(client.addFavorite, { eventId: response!.event!.id }, fan)).error).toBeUndefined();
    }
    const first = await call(client.listFavorites, { pageSize: 2, pageToken: "" }, fan);
    // Most recently added first.
    expect(first.response!.events.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    const second = await call(client.listFavorites, { pageSize: 2, pageToken: first.response!.nextPageToken }, fan);
    expect(second.response!.events.map((e) => e.id)).toEqual([ids[0]]);
    expect(second.response!.nextPageToken).toBe("");
    const bogus = await call(client.listFavorites, { pageSize: 2, pageToken: "garbage" }, fan);
    expect(bogus.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await call(client.removeFavorite, { eventId: ids[0]! }, fan)).response!.removed).toBe(true);
    expect((await call(client.removeFavorite, { eventId: ids[0]! }, fan)).response!.removed).toBe(false);
  });
});
