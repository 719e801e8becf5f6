/*
 * EventService over a real gRPC connection: the same server as production on
 * a random port, the test database, tokens from the development issuer.
 * Checks that each RPC runs the SQL rule and that refusals arrive as real
 * status codes with the SQLSTATE in metadata.
 */
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { EventStatus } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
// Users whose committed rows the db tests' "nothing written" counts leave out.
import { committingUser } from "../db/factories.ts";
import { grpcEventRequest } from "../helpers/event-inputs.ts";
import { errorCode, useGrpcApi } from "./helpers.ts";

const api = useGrpcApi();
const call = api.call;

/** A word no other event contains, for full-text search. */
const uniqueWord = () => Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");

describe("EventService over gRPC", () => {
  it("create → publish → anyone gets and lists it", async () => {
    const organizer = committingUser("organizer");
    const word = uniqueWord();
    const created = await call(api.client.createEvent, grpcEventRequest({ title: `Sunrise ${word}` }), organizer);
    expect(created.error).toBeUndefined();
    const event = created.response!.event!;
    expect(event.status).toBe(EventStatus.EVENT_STATUS_DRAFT);
    expect(event.priceTiers).toEqual([
      expect.objectContaining({ name: "Standard", price: "3500.50", currency: "RUB", seatsTaken: 0 }),
    ]);

    const published = await call(api.client.publishEvent, { id: event.id }, organizer);
    expect(published.response!.event!.status).toBe(EventStatus.EVENT_STATUS_PUBLISHED);

    const got = await call(api.client.getEvent, { id: event.id }, null);
    expect(got.response!.event!.title).toBe(`Sunrise ${word}`);

    const listed = await call(
      api.client.listEvents,
      { query: word, onlyAvailable: true, pageSize: 10, pageToken: "", statuses: [], sort: 0 },
      null,
    );
    expect(listed.response!.events.map((e) => e.id)).toEqual([event.id]);
  });

  it("refusals are real status codes with the SQLSTATE in metadata", async () => {
    const start = new Date(Date.now() + 86400_000);
    const badDates = await call(
      api.client.createEvent,
      grpcEventRequest({ startsAt: toTimestamp(start), endsAt: toTimestamp(new Date(start.getTime() - 1000)) }),
      committingUser("organizer"),
    );
    expect(badDates.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCode(badDates.error)).toBe("EVDAT");
    expect(badDates.error?.metadata.get("aquastream-error-field")[0]).toBe("ends_at");

    const asUser = await call(api.client.createEvent, grpcEventRequest(), committingUser("user"));
    expect(asUser.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(errorCode(asUser.error)).toBe("42501");

    const anonymous = await call(api.client.createEvent, grpcEventRequest(), null);
    expect(anonymous.error?.code).toBe(grpc.status.UNAUTHENTICATED);

    const badToken = await call(api.client.createEvent, grpcEventRequest(), "Bearer nonsense");
    expect(badToken.error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(badToken.error?.details).toMatch(/invalid token/);

    const badId = await call(api.client.getEvent, { id: "not-a-uuid" }, null);
    expect(badId.error?.code).toBe(grpc.status.INVALID_ARGUMENT);

    const badPrice = await call(
      api.client.createEvent,
      grpcEventRequest({ priceTiers: [{ name: "X", price: "-1", currency: "RUB" }] }),
      committingUser("organizer"),
    );
    expect(badPrice.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it("another organizer's draft is NOT_FOUND, and cannot be published", async () => {
    const owner = committingUser("organizer");
    const { response } = await call(api.client.createEvent, grpcEventRequest(), owner);
    const id = response!.event!.id;
    const other = committingUser("organizer");
    const get = await call(api.client.getEvent, { id }, other);
    expect(get.error?.code).toBe(grpc.status.NOT_FOUND);
    const publish = await call(api.client.publishEvent, { id }, other);
    expect(publish.error?.code).toBe(grpc.status.NOT_FOUND);
    expect(errorCode(publish.error)).toBe("P0002");
  });

  it("publishing a canceled event is FAILED_PRECONDITION", async () => {
    const owner = committingUser("organizer");
    const { response } = await call(api.client.createEvent, grpcEventRequest(), owner);
    const id = response!.event!.id;
    expect((await call(api.client.cancelEvent, { id, reason: "river too high" }, owner)).response!.event!.status).toBe(
      EventStatus.EVENT_STATUS_CANCELED,
    );
    const publish = await call(api.client.publishEvent, { id }, owner);
    expect(publish.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
  });

  it("partial update changes only the given fields", async () => {
    const owner = committingUser("organizer");
    const { response } = await call(api.client.createEvent, grpcEventRequest(), owner);
    const updated = await call(api.client.updateEvent, { id: response!.event!.id, capacity: 20 }, owner);
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
        api.client.createEvent,
        grpcEventRequest({ startsAt: toTimestamp(start), endsAt: toTimestamp(new Date(start.getTime() + 3600_000)) }),
        owner,
      );
      ids.push(response!.event!.id);
      await call(api.client.publishEvent, { id: response!.event!.id }, owner);
      expect((await call(api.client.addFavorite, { eventId: response!.event!.id }, fan)).error).toBeUndefined();
    }
    const first = await call(api.client.listFavorites, { pageSize: 2, pageToken: "" }, fan);
    // Most recently added first.
    expect(first.response!.events.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    const second = await call(api.client.listFavorites, { pageSize: 2, pageToken: first.response!.nextPageToken }, fan);
    expect(second.response!.events.map((e) => e.id)).toEqual([ids[0]]);
    expect(second.response!.nextPageToken).toBe("");
    const bogus = await call(api.client.listFavorites, { pageSize: 2, pageToken: "garbage" }, fan);
    expect(bogus.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await call(api.client.removeFavorite, { eventId: ids[0]! }, fan)).response!.removed).toBe(true);
    expect((await call(api.client.removeFavorite, { eventId: ids[0]! }, fan)).response!.removed).toBe(false);
  });
});
