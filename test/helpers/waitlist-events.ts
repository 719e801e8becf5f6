/*
 * The event every waiting-list API test starts from: published, one price
 * tier, `capacity` seats, made through the API under test. The GraphQL
 * (test/graphql/waitlist*.test.ts) and gRPC (test/grpc/waitlist*.test.ts)
 * tests each built it word for word in two files; one place keeps the two
 * APIs' tests on the same kind of event.
 */
import { toTimestamp } from "../../src/grpc/convert.ts";
import type { Event } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { createAndPublishOverGrpc, type GrpcTestApi } from "../grpc/helpers.ts";
import type { TestApi } from "./api.ts";
import { createAndPublishOverGraphql } from "./graphql-events.ts";
import type { TestUser } from "./db.ts";

/** Created and published through GraphQL (both calls must succeed); the event's and its tier's ids. */
export async function publishedEventOverGraphql(
  api: TestApi,
  organizer: TestUser,
  capacity: number,
): Promise<{ eventId: string; tierId: string }> {
  const startsAt = new Date(Date.now() + 14 * 24 * 3600 * 1000);
  const { eventId, tiers } = await createAndPublishOverGraphql(api, organizer, {
    title: "Rafting the Chuya",
    category: "rafting",
    locationName: "Chuya river",
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 8 * 3600 * 1000).toISOString(),
    capacity,
    bookingDeadlineHours: 24,
    priceTiers: [{ name: "Adult", price: "7000", currency: "RUB" }],
  });
  return { eventId, tierId: tiers[0]!.rowId };
}

/** Created and published over gRPC (both calls must succeed); the published event as PublishEvent answers it. */
export async function publishedEventOverGrpc(api: GrpcTestApi, organizer: TestUser, capacity: number): Promise<Event> {
  const start = new Date(Date.now() + 20 * 86400_000);
  return createAndPublishOverGrpc(api, organizer, {
    title: "SUP at sunrise",
    description: "",
    category: "sup",
    locationName: "Lake Baikal",
    startsAt: toTimestamp(start),
    endsAt: toTimestamp(new Date(start.getTime() + 3 * 3600_000)),
    capacity,
    bookingDeadlineHours: 24,
    crewRequired: false,
    priceTiers: [{ name: "Standard", price: "3000", currency: "RUB" }],
  });
}
