/*
 * The waiting list end to end through GraphQL: a real server, development
 * tokens, real PostgreSQL. Join a sold-out event, see the line (organizer:
 * all, user: their own), get an offer when a booking is canceled, accept it
 * into a booking; refusals carry the SQLSTATE in extensions.code. These
 * tests commit: fresh users with the race prefix (left out of row counts).
 */
import { describe, expect, it } from "vitest";
import { committingUser as newUser } from "../db/factories.ts";
import { useTestApi } from "../helpers/api.ts";
import { publishedEventOverGraphql } from "../helpers/waitlist-events.ts";

const api = useTestApi();
const { ok } = api;

const JOIN = /* GraphQL */ `
  mutation($eventId: UUID!, $seats: Int, $fewer: Boolean) {
    joinWaitlist(input: { eventId: $eventId, seatsWanted: $seats, acceptsFewer: $fewer }) {
      result { rowId status seatsWanted acceptsFewer }
    }
  }
`;
const LINE = /* GraphQL */ `
  query($eventId: UUID!) {
    allWaitlistEntries(condition: { eventId: $eventId }) {
      nodes { rowId userId status seatsWanted offeredSeats offerExpiresAt joinedAt }
    }
  }
`;
type Entry = { rowId: string; userId: string; status: string; offeredSeats: number | null; offerExpiresAt: string | null; joinedAt: string };
type Line = { allWaitlistEntries: { nodes: Entry[] } };
/** The line in joined order (GraphQL orders by indexed columns only; gRPC ListWaitlistEntries answers in this order). */
const inLine = (line: Line): Entry[] => [...line.allWaitlistEntries.nodes].sort((a, b) => a.joinedAt.localeCompare(b.joinedAt));

describe("waiting list over GraphQL", () => {
  it("join a sold-out event, an offer on cancel, accept it into a booking; refusals with their codes", async () => {
    const organizer = newUser("organizer");
    const [holder, first, second] = [newUser(), newUser(), newUser()];
    const { eventId, tierId } = await publishedEventOverGraphql(api, organizer, 3);

    const early = await api.graphql(JOIN, { eventId, seats: 1 }, first);
    expect(early.errors?.[0]?.extensions).toMatchObject({ code: "WLFRE", status: "FAILED_PRECONDITION" });

    const booked = await ok<{ createBooking: { result: { rowId: string } } }>(
      `mutation($eventId: UUID!, $tierId: UUID!) { createBooking(input: { eventId: $eventId, priceTierId: $tierId, quantity: 3 }) { result { rowId } } }`,
      { eventId, tierId },
      holder,
    );
    const joined = await ok<{ joinWaitlist: { result: { rowId: string; status: string } } }>(JOIN, { eventId, seats: 3 }, first);
    expect(joined.joinWaitlist.result).toMatchObject({ status: "waiting", seatsWanted: 3, acceptsFewer: false });
    await ok(JOIN, { eventId, seats: 1, fewer: true }, second);
    const dup = await api.graphql(JOIN, { eventId, seats: 1 }, first);
    expect(dup.errors?.[0]?.extensions).toMatchObject({ code: "WLDUP", status: "ALREADY_EXISTS" });

    const organizerView = await ok<Line>(LINE, { eventId }, organizer);
    expect(inLine(organizerView).map((n) => n.userId)).toEqual([first.sub, second.sub]);
    const ownView = await ok<Line>(LINE, { eventId }, second);
    expect(inLine(ownView).map((n) => n.userId)).toEqual([second.sub]);

    await ok(`mutation($id: UUID!) { cancelBooking(input: { id: $id, reason: "plans changed" }) { result { status } } }`, { id: booked.createBooking.result.rowId }, holder);
    const afterCancel = await ok<Line>(LINE, { eventId }, organizer);
    expect(inLine(afterCancel).map((n) => [n.status, n.offeredSeats])).toEqual([
      ["offered", 3],
      ["waiting", null],
    ]);

    const accepted = await ok<{ acceptOffer: { result: { status: string; quantity: number } } }>(
      `mutation($id: UUID!, $tierId: UUID) { acceptOffer(input: { id: $id, priceTierId: $tierId }) { result { status quantity } } }`,
      { id: joined.joinWaitlist.result.rowId, tierId },
      first,
    );
    expect(accepted.acceptOffer.result).toEqual({ status: "pending_payment", quantity: 3 });
    const declined = await api.graphql(
      `mutation($id: UUID!) { declineOffer(input: { id: $id }) { result { status } } }`,
      { id: joined.joinWaitlist.result.rowId },
      first,
    );
    expect(declined.errors?.[0]?.extensions).toMatchObject({ code: "WLNOF", status: "FAILED_PRECONDITION" });
  });
});
