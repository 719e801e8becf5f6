/*
 * Tickets and check-in over a real gRPC connection: the RPCs run the SQL
 * functions GraphQL runs (185-tickets of migration 000009), refusals arrive as real status
 * codes with the documented SQLSTATE.
 */
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { CheckInOutcome, TicketStatus } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import { committingUser } from "../db/factories.ts";
import { errorCode, useGrpcApi } from "./helpers.ts";

const api = useGrpcApi();
const { call } = api;

describe("tickets and check-in over gRPC", () => {
  it("free booking → tickets with signed tokens; tampered token refused; scan by token then code (one check-in); counts; undo; batch conflict; refusals", async () => {
    const organizer = committingUser("organizer");
    const holder = committingUser("user");
    const start = new Date(Date.now() + 20 * 86400_000);
    const created = await call(
      api.client.createEvent,
      {
        title: "SUP at dawn",
        description: "",
        category: "sup",
        locationName: "Lake Teletskoye",
        startsAt: toTimestamp(start),
        endsAt: toTimestamp(new Date(start.getTime() + 3 * 3600_000)),
        capacity: 10,
        bookingDeadlineHours: 24,
        crewRequired: false,
        priceTiers: [{ name: "Free", price: "0", currency: "RUB" }],
      },
      organizer,
    );
    expect(created.error).toBeUndefined();
    const event = (await call(api.client.publishEvent, { id: created.response!.event!.id }, organizer)).response!.event!;
    const booking = await call(
      api.client.createBooking,
      { eventId: event.id, priceTierId: event.priceTiers[0]!.id, quantity: 2 },
      holder,
    );
    expect(booking.error).toBeUndefined();
    const bookingId = booking.response!.booking!.id;

    const mine = await call(api.client.listTickets, { bookingId, includeVoid: false, pageSize: 0, pageToken: "" }, holder);
    expect(mine.error).toBeUndefined();
    const tickets = mine.response!.tickets;
    expect(tickets.map((t) => [t.seatNo, t.status])).toEqual([
      [1, TicketStatus.TICKET_STATUS_VALID],
      [2, TicketStatus.TICKET_STATUS_VALID],
    ]);
    // Another user sees none of them.
    const stranger = await call(api.client.listTickets, { bookingId, includeVoid: true, pageSize: 0, pageToken: "" }, committingUser());
    expect(stranger.response!.tickets).toEqual([]);

    // Each valid ticket carries a signed token; a tampered one is refused before SQL runs.
    const token = tickets[0]!.token!;
    expect(token).toMatch(/^t2\./);
    const [format, kid, payload, signature] = token.split(".") as [string, string, string, string];
    const prefix = `${format}.${kid}`;
    const forged = JSON.parse(Buffer.from(payload, "base64url").toString());
    forged.c = tickets[1]!.code; // the other seat's code under this ticket's signature
    const tampered = await call(
      api.client.scanTicket,
      { code: "", token: `${prefix}.${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${signature}` },
      organizer,
    );
    expect([tampered.error?.code, errorCode(tampered.error)]).toEqual([grpc.status.INVALID_ARGUMENT, "TKSIG"]);

    const first = await call(api.client.scanTicket, { code: "", token }, organizer);
    expect(first.response!.result).toMatchObject({ outcome: CheckInOutcome.CHECK_IN_OUTCOME_CHECKED_IN, checkedInBy: organizer.sub });
    const second = await call(api.client.scanTicket, { code: tickets[0]!.code }, organizer);
    expect(second.response!.result).toMatchObject({
      outcome: CheckInOutcome.CHECK_IN_OUTCOME_ALREADY_CHECKED_IN,
      checkedInAt: first.response!.result!.checkedInAt,
    });
    const counts = await call(api.client.getCheckInCounts, { eventId: event.id }, organizer);
    expect(counts.error).toBeUndefined();
    expect(counts.response).toEqual({ ticketsValid: 2, checkedIn: 1 });
    const notTheirs = await call(api.client.getCheckInCounts, { eventId: event.id }, committingUser("organizer"));
    expect(notTheirs.error?.code).toBe(grpc.status.PERMISSION_DENIED);

    const undone = await call(api.client.undoCheckIn, { code: tickets[0]!.code }, organizer);
    expect(undone.response!.ticket!.checkedInAt).toBeUndefined();

    // Two offline devices scanned the second ticket; the earlier scan counts.
    const at = (ms: number) => toTimestamp(new Date(Date.now() - ms));
    const upload = await call(
      api.client.uploadScans,
      {
        scans: [
          { code: tickets[1]!.code, scannedAt: at(1000), device: "gate-b" },
          { code: tickets[1]!.code, scannedAt: at(5000), device: "gate-a" },
          { code: "22222222", scannedAt: at(3000), device: "gate-a" },
        ],
      },
      organizer,
    );
    expect(upload.error).toBeUndefined();
    expect(upload.response!.results.map((r) => [r.device, r.outcome, r.errorCode])).toEqual([
      ["gate-a", CheckInOutcome.CHECK_IN_OUTCOME_CHECKED_IN, undefined],
      ["gate-a", CheckInOutcome.CHECK_IN_OUTCOME_REFUSED, "TKNOT"],
      ["gate-b", CheckInOutcome.CHECK_IN_OUTCOME_CONFLICT, undefined],
    ]);

    // Refusals: another organizer, a malformed code, the holder, no token.
    const other = await call(api.client.scanTicket, { code: tickets[1]!.code }, committingUser("organizer"));
    expect([other.error?.code, errorCode(other.error)]).toEqual([grpc.status.PERMISSION_DENIED, "TKORG"]);
    const malformed = await call(api.client.scanTicket, { code: "nope" }, organizer);
    expect([malformed.error?.code, errorCode(malformed.error)]).toEqual([grpc.status.INVALID_ARGUMENT, "TKFMT"]);
    const byHolder = await call(api.client.scanTicket, { code: tickets[1]!.code }, holder);
    expect(byHolder.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const anonymous = await call(api.client.scanTicket, { code: tickets[1]!.code }, null);
    expect(anonymous.error?.code).toBe(grpc.status.UNAUTHENTICATED);

    // Reissue: new codes, the old ones refused with TKVOD.
    const reissued = await call(api.client.reissueTickets, { bookingId }, holder);
    expect(reissued.error?.code).toBe(grpc.status.FAILED_PRECONDITION); // ticket 2 is checked in (TKCHK)
    expect(errorCode(reissued.error)).toBe("TKCHK");
  });
});
