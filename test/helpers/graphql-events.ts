/*
 * The first step of every GraphQL flow test (bookings, tickets, reviews,
 * payments, the waiting list): create an event and publish it, through the
 * API. Each file wrote out the same two mutations; only the event differs.
 */
import type { TestApi } from "./api.ts";
import type { TestUser } from "./db.ts";

/** The event's id and its price tiers, as createEvent answered them. */
export interface CreatedOverGraphql {
  eventId: string;
  tiers: { rowId: string; name: string }[];
}

/** createEvent with `input` (a CreateEventInput), then publishEvent, both as `organizer`; both must succeed. */
export async function createAndPublishOverGraphql(
  api: TestApi,
  organizer: TestUser,
  input: Record<string, unknown>,
): Promise<CreatedOverGraphql> {
  const created = await api.ok<{
    createEvent: { result: { rowId: string; eventPriceTiersByEventId: { nodes: { rowId: string; name: string }[] } } };
  }>(
    `mutation($input: CreateEventInput!) {
      createEvent(input: $input) { result { rowId eventPriceTiersByEventId { nodes { rowId name } } } }
    }`,
    { input },
    organizer,
  );
  const eventId = created.createEvent.result.rowId;
  await api.ok(`mutation($id: UUID!) { publishEvent(input: { id: $id }) { result { status } } }`, { id: eventId }, organizer);
  return { eventId, tiers: created.createEvent.result.eventPriceTiersByEventId.nodes };
}
