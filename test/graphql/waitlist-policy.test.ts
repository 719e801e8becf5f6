/*
 * The organizer's side of the waiting list through GraphQL (a real server,
 * development tokens, real PostgreSQL): setWaitlistPolicy (first come lets a
 * direct booking take a freed seat; list first offers it to the line),
 * pauseWaitlistOffers / resumeWaitlistOffers, cancelEvent ending the list
 * with the offers' seats released, and eraseUserData ending the person's
 * entry. These tests commit: fresh users with the race prefix.
 */
import { describe, expect, it } from "vitest";
import type { TestUser } from "../helpers/db.ts";
import { committingUser as newUser } from "../db/factories.ts";
import { useTestApi } from "../helpers/api.ts";
import { publishedEventOverGraphql } from "../helpers/waitlist-events.ts";

const api = useTestApi();
const { ok } = api;

const BOOK = `mutation($eventId: UUID!, $tierId: UUID!) { createBooking(input: { eventId: $eventId, priceTierId: $tierId, quantity: 1 }) { result { rowId } } }`;
const CANCEL = `mutation($id: UUID!) { cancelBooking(input: { id: $id, reason: "plans changed" }) { result { status } } }`;
const POLICY = `mutation($id: UUID!, $policy: WaitlistPolicy) { setWaitlistPolicy(input: { id: $id, policy: $policy }) { result { waitlistPolicy waitlistPausedAt } } }`;
const PAUSE = `mutation($id: UUID!) { pauseWaitlistOffers(input: { id: $id }) { result { waitlistPausedAt } } }`;
const RESUME = `mutation($id: UUID!) { resumeWaitlistOffers(input: { id: $id }) { result { waitlistPausedAt seatsAvailable } } }`;
const LINE = `query($eventId: UUID!) { allWaitlistEntries(condition: { eventId: $eventId }) { nodes { rowId userId status endReason offeredSeats joinedAt } } }`;

type Entry = { rowId: string; userId: string; status: string; endReason: string | null; offeredSeats: number | null; joinedAt: string };

/** A published event with every seat booked (1 per holder) and `waiting` 1-seat entries. */
async function soldOut(organizer: TestUser, capacity: number, waiting: number) {
  const { eventId, tierId } = await publishedEventOverGraphql(api, organizer, capacity);
  const holders = Array.from({ length: capacity }, () => newUser());
  const bookings: string[] = [];
  for (const h of holders) bookings.push((await ok<{ createBooking: { result: { rowId: string } } }>(BOOK, { eventId, tierId }, h)).createBooking.result.rowId);
  const line = Array.from({ length: waiting }, () => newUser());
  for (const w of line) {
    await ok(`mutation($eventId: UUID!) { joinWaitlist(input: { eventId: $eventId, seatsWanted: 1 }) { result { rowId } } }`, { eventId }, w);
  }
  const cancel = (i: number) => ok(CANCEL, { id: bookings[i] }, holders[i]!);
  const entries = async (): Promise<Entry[]> =>
    [...(await ok<{ allWaitlistEntries: { nodes: Entry[] } }>(LINE, { eventId }, organizer)).allWaitlistEntries.nodes].sort((a, b) =>
      a.joinedAt.localeCompare(b.joinedAt),
    );
  return { eventId, tierId, line, cancel, entries };
}

describe("waiting-list policy and pause over GraphQL", () => {
  it("setWaitlistPolicy: first come lets a direct booking take a freed seat, list first offers it to the line; refusals with their codes", async () => {
    const organizer = newUser("organizer");
    const { eventId, tierId, cancel, entries } = await soldOut(organizer, 2, 2);
    const set = await ok<{ setWaitlistPolicy: { result: { waitlistPolicy: string } } }>(POLICY, { id: eventId, policy: "first_come" }, organizer);
    expect(set.setWaitlistPolicy.result.waitlistPolicy).toBe("first_come");

    await cancel(0);
    expect((await entries()).map((e) => e.status)).toEqual(["waiting", "waiting"]);
    await ok(BOOK, { eventId, tierId }, newUser());

    await ok(POLICY, { id: eventId, policy: "list_first" }, organizer);
    await cancel(1);
    expect((await entries()).map((e) => e.status)).toEqual(["offered", "waiting"]);
    const refused = await api.graphql(BOOK, { eventId, tierId }, newUser());
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "BKFUL" });

    const stranger = await api.graphql(POLICY, { id: eventId, policy: "first_come" }, newUser("organizer"));
    expect(stranger.errors?.[0]?.extensions).toMatchObject({ code: "42501", status: "PERMISSION_DENIED" });
    const noPolicy = await api.graphql(POLICY, { id: eventId, policy: null }, organizer);
    expect(noPolicy.errors?.[0]?.extensions).toMatchObject({ code: "22023", status: "INVALID_ARGUMENT" });
    const anonymous = await api.graphql(PAUSE, { id: eventId }, null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("28000");
  });

  it("pauseWaitlistOffers / resumeWaitlistOffers: nothing offered while paused, the free seats offered in line order on resume", async () => {
    const organizer = newUser("organizer");
    const { eventId, cancel, entries } = await soldOut(organizer, 2, 3);
    const paused = await ok<{ pauseWaitlistOffers: { result: { waitlistPausedAt: string | null } } }>(PAUSE, { id: eventId }, organizer);
    expect(paused.pauseWaitlistOffers.result.waitlistPausedAt).not.toBeNull();
    await cancel(0);
    await cancel(1);
    expect((await entries()).map((e) => e.status)).toEqual(["waiting", "waiting", "waiting"]);
    const resumed = await ok<{ resumeWaitlistOffers: { result: { waitlistPausedAt: string | null; seatsAvailable: number } } }>(
      RESUME,
      { id: eventId },
      organizer,
    );
    expect(resumed.resumeWaitlistOffers.result).toEqual({ waitlistPausedAt: null, seatsAvailable: 0 });
    expect((await entries()).map((e) => e.status)).toEqual(["offered", "offered", "waiting"]);
  });

  it("cancelEvent ends the list: the offer is withdrawn and its seat released, waiting entries end", async () => {
    const organizer = newUser("organizer");
    const { eventId, cancel, entries } = await soldOut(organizer, 2, 2);
    await cancel(0);
    const canceled = await ok<{ cancelEvent: { result: { seatsTaken: number } } }>(
      `mutation($id: UUID!) { cancelEvent(input: { id: $id, reason: "storm warning" }) { result { seatsTaken } } }`,
      { id: eventId },
      organizer,
    );
    expect(canceled.cancelEvent.result.seatsTaken).toBe(0);
    expect((await entries()).map((e) => [e.status, e.endReason, e.offeredSeats])).toEqual([
      ["ended", "event_canceled", 1],
      ["ended", "event_canceled", null],
    ]);
  });

  it("eraseUserData ends the person's entry; its offer goes to the next in line", async () => {
    const organizer = newUser("organizer");
    const { cancel, entries, line } = await soldOut(organizer, 1, 2);
    await cancel(0);
    await ok(`mutation($id: UUID!) { eraseUserData(input: { userId: $id }) { result } }`, { id: line[0]!.sub }, line[0]!);
    const after = await entries();
    expect(after.map((e) => [e.status, e.endReason])).toEqual([
      ["ended", "user_erased"],
      ["offered", null],
    ]);
    expect(after[0]!.userId).not.toBe(line[0]!.sub);
  });
});
