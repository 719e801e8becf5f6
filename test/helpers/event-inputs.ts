/*
 * Well-formed create-event inputs with every field set (coordinates, crew
 * flag, one price tier), for tests that need a valid event request and vary
 * one field of it (text hygiene, validation, request logging). Several tests
 * spelled the same input out in full; here it is once per API.
 */
import { toTimestamp } from "../../src/grpc/convert.ts";
import type { CreateEventRequest } from "../../src/gen/aquastream/event/v1/event_service.ts";

/** GraphQL's CreateEventInput: a kayak school in nine days; `overrides` replace fields. */
export function graphqlEventInput(overrides: Record<string, unknown> = {}) {
  const startsAt = new Date(Date.now() + 9 * 86400_000);
  return {
    title: "Kayak school",
    description: "Eskimo roll in warm water",
    category: "kayaking",
    locationName: "Katun",
    latitude: 51.9,
    longitude: 85.9,
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 3600_000).toISOString(),
    capacity: 8,
    bookingDeadlineHours: 24,
    crewRequired: false,
    priceTiers: [{ name: "Standard", price: "5000", currency: "RUB" }],
    ...overrides,
  };
}

/** gRPC's CreateEventRequest: SUP at sunrise in ten days; `overrides` replace fields. */
export function grpcEventRequest(overrides: Partial<CreateEventRequest> = {}): CreateEventRequest {
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
