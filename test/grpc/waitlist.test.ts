/*
 * The waiting list over a real gRPC connection: the RPCs run the SQL
 * functions GraphQL runs (join, list under RLS, an offer made when a booking
 * is canceled, accept into a booking, decline, leave), and refusals arrive as
 * real status codes with the SQLSTATE in the aquastream-error-code trailer.
 */
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { BookingStatus, WaitlistStatus } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { committingUser } from "../db/factories.ts";
import { publishedEventOverGrpc } from "../helpers/waitlist-events.ts";
import { errorCode, useGrpcApi } from "./helpers.ts";

const api = useGrpcApi();
const { call } = api;

describe("waiting list over gRPC", () => {
  it("join, list, offer on cancel, accept into a booking; leave; refusals as status codes", async () => {
    const organizer = committingUser("organizer");
    const [holder, first, second, rush] = [committingUser(), committingUser(), committingUser(), committingUser()];
    const event = await publishedEventOverGrpc(api, organizer, 2);
    const tierId = event.priceTiers[0]!.id;

    // Seats free: joining is refused.
    const early = await call(api.client.joinWaitlist, { eventId: event.id, seatsWanted: 1, acceptsFewer: false }, first);
    expect(early.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(errorCode(early.error)).toBe("WLFRE");

    const booked = await call(api.client.createBooking, { eventId: event.id, priceTierId: tierId, quantity: 2 }, holder);
    expect(booked.error).toBeUndefined();

    const joined = await call(api.client.joinWaitlist, { eventId: event.id, seatsWanted: 2, acceptsFewer: false }, first);
    expect(joined.error).toBeUndefined();
    expect(joined.response!.entry).toMatchObject({ status: WaitlistStatus.WAITLIST_STATUS_WAITING, seatsWanted: 2, userId: first.sub });
    const again = await call(api.client.joinWaitlist, { eventId: event.id, seatsWanted: 2, acceptsFewer: false }, first);
    expect(again.error?.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(errorCode(again.error)).toBe("WLDUP");
    const joined2 = await call(api.client.joinWaitlist, { eventId: event.id, seatsWanted: 0, acceptsFewer: true }, second);
    expect(joined2.response!.entry).toMatchObject({ seatsWanted: 1, acceptsFewer: true });

    // The organizer sees the line in order; a waiting user only their own entry.
    const list = await call(api.client.listWaitlistEntries, { eventId: event.id, pageSize: 10, pageToken: "" }, organizer);
    expect(list.response!.entries.map((e) => e.userId)).toEqual([first.sub, second.sub]);
    const own = await call(api.client.listWaitlistEntries, { eventId: event.id, pageSize: 10, pageToken: "" }, second);
    expect(own.response!.entries.map((e) => e.userId)).toEqual([second.sub]);
    const anonymous = await call(api.client.listWaitlistEntries, { pageSize: 10, pageToken: "" }, null);
    expect(anonymous.error?.code).toBe(grpc.status.UNAUTHENTICATED);

    // The holder cancels: the first in line is offered both seats; nobody else can book them.
    const canceled = await call(api.client.cancelBooking, { id: booked.response!.booking!.id, reason: "plans changed" }, holder);
    expect(canceled.error).toBeUndefined();
    const offered = await call(api.client.listWaitlistEntries, { eventId: event.id, pageSize: 10, pageToken: "" }, first);
    expect(offered.response!.entries[0]).toMatchObject({ status: WaitlistStatus.WAITLIST_STATUS_OFFERED, offeredSeats: 2 });
    expect(offered.response!.entries[0]!.offerExpiresAt).toBeDefined();
    const blocked = await call(api.client.createBooking, { eventId: event.id, priceTierId: tierId, quantity: 1 }, rush);
    expect(errorCode(blocked.error)).toBe("BKFUL");

    const declineWaiting = await call(api.client.declineWaitlistOffer, { id: joined2.response!.entry!.id }, second);
    expect(declineWaiting.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(errorCode(declineWaiting.error)).toBe("WLNOF");

    // An any-tier entry names the tier it books.
    const noTier = await call(api.client.acceptWaitlistOffer, { id: joined.response!.entry!.id }, first);
    expect(noTier.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCode(noTier.error)).toBe("22023");
    const accepted = await call(api.client.acceptWaitlistOffer, { id: joined.response!.entry!.id, priceTierId: tierId }, first);
    expect(accepted.error).toBeUndefined();
    expect(accepted.response!.booking).toMatchObject({
      status: BookingStatus.BOOKING_STATUS_PENDING_PAYMENT,
      quantity: 2,
      userId: first.sub,
      priceTierId: tierId,
    });

    const left = await call(api.client.leaveWaitlist, { id: joined2.response!.entry!.id }, second);
    expect(left.response!.entry).toMatchObject({ status: WaitlistStatus.WAITLIST_STATUS_LEFT });
    const badId = await call(api.client.leaveWaitlist, { id: "not-a-uuid" }, second);
    expect(badId.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const notYours = await call(api.client.acceptWaitlistOffer, { id: joined.response!.entry!.id }, second);
    expect(notYours.error?.code).toBe(grpc.status.NOT_FOUND);
  });
});
