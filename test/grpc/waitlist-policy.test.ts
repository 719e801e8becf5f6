/*
 * The organizer's side of the waiting list over a real gRPC connection: the
 * policy (first come lets a direct booking take a freed seat; list first
 * offers it to the line), pause/resume, the list ending with a canceled event
 * (offers withdrawn, seats released) and with an erased person. The RPCs run
 * the SQL functions GraphQL runs (210-waitlist-policy).
 */
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { WaitlistEndReason, WaitlistPolicy, WaitlistStatus } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { committingUser } from "../db/factories.ts";
import type { TestUser } from "../helpers/db.ts";
import { publishedEventOverGrpc } from "../helpers/waitlist-events.ts";
import { errorCode, useGrpcApi } from "./helpers.ts";

const api = useGrpcApi();
const { call } = api;

/** A published event with `capacity` seats, all booked (one 1-seat booking each), and `waiting` entries in line. */
async function soldOut(organizer: TestUser, capacity: number, waiting: number) {
  const event = await publishedEventOverGrpc(api, organizer, capacity);
  const tierId = event.priceTiers[0]!.id;
  const holders = Array.from({ length: capacity }, () => committingUser());
  const bookings: string[] = [];
  for (const h of holders) {
    const booked = await call(api.client.createBooking, { eventId: event.id, priceTierId: tierId, quantity: 1 }, h);
    expect(booked.error).toBeUndefined();
    bookings.push(booked.response!.booking!.id);
  }
  const line = Array.from({ length: waiting }, () => committingUser());
  const entries: string[] = [];
  for (const w of line) {
    const joined = await call(api.client.joinWaitlist, { eventId: event.id, seatsWanted: 1, acceptsFewer: false }, w);
    expect(joined.error).toBeUndefined();
    entries.push(joined.response!.entry!.id);
  }
  const cancel = async (i: number) => {
    const canceled = await call(api.client.cancelBooking, { id: bookings[i]!, reason: "plans changed" }, holders[i]!);
    expect(canceled.error).toBeUndefined();
  };
  return { event, tierId, line, entries, cancel };
}

async function statuses(organizer: TestUser, eventId: string) {
  const list = await call(api.client.listWaitlistEntries, { eventId, pageSize: 50, pageToken: "" }, organizer);
  expect(list.error).toBeUndefined();
  return list.response!.entries;
}

describe("waiting-list policy and pause over gRPC", () => {
  it("SetWaitlistPolicy: first come lets a direct booking take a freed seat, list first offers it to the line; refusals as status codes", async () => {
    const organizer = committingUser("organizer");
    const { event, tierId, cancel } = await soldOut(organizer, 2, 2);
    expect(event).toMatchObject({ waitlistPolicy: WaitlistPolicy.WAITLIST_POLICY_LIST_FIRST, waitlistPausedAt: undefined });

    const set = await call(api.client.setWaitlistPolicy, { id: event.id, policy: WaitlistPolicy.WAITLIST_POLICY_FIRST_COME }, organizer);
    expect(set.error).toBeUndefined();
    expect(set.response!.event).toMatchObject({ id: event.id, waitlistPolicy: WaitlistPolicy.WAITLIST_POLICY_FIRST_COME });

    // first come: the freed seat is anyone's.
    await cancel(0);
    expect((await statuses(organizer, event.id)).map((e) => e.status)).toEqual([
      WaitlistStatus.WAITLIST_STATUS_WAITING,
      WaitlistStatus.WAITLIST_STATUS_WAITING,
    ]);
    const direct = await call(api.client.createBooking, { eventId: event.id, priceTierId: tierId, quantity: 1 }, committingUser());
    expect(direct.error).toBeUndefined();

    // list first: the next freed seat goes to the head of the line; a direct booking is refused.
    await call(api.client.setWaitlistPolicy, { id: event.id, policy: WaitlistPolicy.WAITLIST_POLICY_LIST_FIRST }, organizer);
    await cancel(1);
    expect((await statuses(organizer, event.id)).map((e) => e.status)).toEqual([
      WaitlistStatus.WAITLIST_STATUS_OFFERED,
      WaitlistStatus.WAITLIST_STATUS_WAITING,
    ]);
    const refused = await call(api.client.createBooking, { eventId: event.id, priceTierId: tierId, quantity: 1 }, committingUser());
    expect(errorCode(refused.error)).toBe("BKFUL");

    const unspecified = await call(api.client.setWaitlistPolicy, { id: event.id, policy: WaitlistPolicy.WAITLIST_POLICY_UNSPECIFIED }, organizer);
    expect(unspecified.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const unknown = await call(api.client.setWaitlistPolicy, { id: event.id, policy: 9 as WaitlistPolicy }, organizer);
    expect(unknown.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const stranger = await call(api.client.setWaitlistPolicy, { id: event.id, policy: WaitlistPolicy.WAITLIST_POLICY_FIRST_COME }, committingUser("organizer"));
    expect(stranger.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const anonymous = await call(api.client.pauseWaitlistOffers, { id: event.id }, null);
    expect(anonymous.error?.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("PauseWaitlistOffers / ResumeWaitlistOffers: nothing offered while paused, the free seats offered in line order on resume", async () => {
    const organizer = committingUser("organizer");
    const { event, cancel, entries } = await soldOut(organizer, 2, 3);
    const paused = await call(api.client.pauseWaitlistOffers, { id: event.id }, organizer);
    expect(paused.error).toBeUndefined();
    expect(paused.response!.event!.waitlistPausedAt).toBeDefined();
    await cancel(0);
    await cancel(1);
    expect((await statuses(organizer, event.id)).every((e) => e.status === WaitlistStatus.WAITLIST_STATUS_WAITING)).toBe(true);

    const resumed = await call(api.client.resumeWaitlistOffers, { id: event.id }, organizer);
    expect(resumed.error).toBeUndefined();
    expect(resumed.response!.event).toMatchObject({ waitlistPausedAt: undefined, seatsAvailable: 0 });
    const line = await statuses(organizer, event.id);
    expect(line.map((e) => [e.id, e.status])).toEqual([
      [entries[0], WaitlistStatus.WAITLIST_STATUS_OFFERED],
      [entries[1], WaitlistStatus.WAITLIST_STATUS_OFFERED],
      [entries[2], WaitlistStatus.WAITLIST_STATUS_WAITING],
    ]);
  });

  it("CancelEvent ends the list: offers withdrawn, their seats released, waiting entries ended", async () => {
    const organizer = committingUser("organizer");
    const { event, cancel } = await soldOut(organizer, 2, 2);
    await cancel(0);
    const canceled = await call(api.client.cancelEvent, { id: event.id, reason: "storm warning" }, organizer);
    expect(canceled.error).toBeUndefined();
    expect(canceled.response!.event).toMatchObject({ seatsTaken: 0, seatsAvailable: 2 });
    const line = await statuses(organizer, event.id);
    expect(line.map((e) => [e.status, e.endReason, e.offeredSeats])).toEqual([
      [WaitlistStatus.WAITLIST_STATUS_ENDED, WaitlistEndReason.WAITLIST_END_REASON_EVENT_CANCELED, 1],
      [WaitlistStatus.WAITLIST_STATUS_ENDED, WaitlistEndReason.WAITLIST_END_REASON_EVENT_CANCELED, undefined],
    ]);
    expect(line.every((e) => e.endedAt !== undefined)).toBe(true);
    const pause = await call(api.client.pauseWaitlistOffers, { id: event.id }, organizer);
    expect(pause.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
  });

  it("EraseUserData ends the person's entry and passes its offer to the next in line", async () => {
    const organizer = committingUser("organizer");
    const { event, cancel, line } = await soldOut(organizer, 1, 2);
    await cancel(0);
    const erased = await call(api.client.eraseUserData, { userId: line[0]!.sub }, line[0]!);
    expect(erased.error).toBeUndefined();
    const entries = await statuses(organizer, event.id);
    expect(entries.map((e) => [e.status, e.endReason])).toEqual([
      [WaitlistStatus.WAITLIST_STATUS_ENDED, WaitlistEndReason.WAITLIST_END_REASON_USER_ERASED],
      [WaitlistStatus.WAITLIST_STATUS_OFFERED, WaitlistEndReason.WAITLIST_END_REASON_UNSPECIFIED],
    ]);
    expect(entries[0]!.userId).not.toBe(line[0]!.sub);
    const { rows } = await api.pool.query("select count(*)::int as n from app_public.waitlist_entry where user_id = $1", [line[0]!.sub]);
    expect(rows[0].n).toBe(0);
  });
});
