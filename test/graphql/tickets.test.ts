/*
 * Tickets and check-in end to end through GraphQL (docs/tickets.md): a real
 * server, development tokens, real PostgreSQL. Tickets appear when a booking
 * is confirmed; the holder and the organizer see them, nobody else; each
 * carries a token a scanner verifies with nothing but the key published at
 * GET /tickets/public-key (node:crypto from the JWK), and an altered token
 * is refused (TKSIG) before anything is checked in. Check-in by code and by
 * token is idempotent (also when scans race), undo works within the window,
 * canceled bookings and other organizers' events are refused, an offline
 * batch with the same ticket scanned on two devices counts it once, and a
 * reissue voids the old codes and tokens. These tests commit: fresh users
 * with the race prefix.
 */
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TestUser } from "../helpers/db.ts";
import { committingUser as newUser } from "../db/factories.ts";
import { useTestApi } from "../helpers/api.ts";
import { createAndPublishOverGraphql } from "../helpers/graphql-events.ts";
import { ticketSigner } from "../../src/tickets/token.ts";

// Many round trips each; on a loaded 2-core machine they outlast the default 30 s.
const LONG_FLOW_MS = 120_000;

const api = useTestApi();
const { ok } = api;

/** The error code (extensions.code) of a call expected to fail. */
async function refusal(query: string, variables: Record<string, unknown>, as: TestUser | null): Promise<unknown> {
  const response = await api.graphql(query, variables, as);
  expect(response.errors, JSON.stringify(response.data)).toBeDefined();
  return response.errors![0]!.extensions?.code;
}

async function publishedEvent(organizer: TestUser, price: string, capacity = 10): Promise<{ eventId: string; tierId: string }> {
  const startsAt = new Date(Date.now() + 12 * 86400_000);
  const { eventId, tiers } = await createAndPublishOverGraphql(api, organizer, {
    title: "Kayaking the Katun",
    category: "kayaking",
    locationName: "Katun river",
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 6 * 3600_000).toISOString(),
    capacity,
    bookingDeadlineHours: 24,
    priceTiers: [{ name: "Seat", price, currency: "RUB" }],
  });
  return { eventId, tierId: tiers[0]!.rowId };
}

async function book(user: TestUser, eventId: string, tierId: string, quantity: number): Promise<{ rowId: string; status: string }> {
  const booked = await ok<{ createBooking: { result: { rowId: string; status: string } } }>(
    `mutation($e: UUID!, $t: UUID!, $q: Int) { createBooking(input: { eventId: $e, priceTierId: $t, quantity: $q }) { result { rowId status } } }`,
    { e: eventId, t: tierId, q: quantity },
    user,
  );
  return booked.createBooking.result;
}

interface Ticket {
  rowId: string;
  eventId: string;
  seatNo: number;
  code: string;
  version: number;
  status: string;
  token: string | null;
  checkedInAt: string | null;
}
const TICKETS = /* GraphQL */ `
  query($bookingId: UUID!) {
    allTickets(condition: { bookingId: $bookingId }, orderBy: [PRIMARY_KEY_ASC]) {
      nodes { rowId eventId seatNo code version status token checkedInAt }
    }
  }
`;
async function tickets(bookingId: string, as: TestUser): Promise<Ticket[]> {
  const data = await ok<{ allTickets: { nodes: Ticket[] } }>(TICKETS, { bookingId }, as);
  return data.allTickets.nodes.sort((a, b) => a.version - b.version || a.seatNo - b.seatNo);
}

const RESULT = "ticketId code seatNo outcome checkedInAt checkedInBy checkedInDevice errorCode scannedAt device";
const BY_TOKEN = `mutation($token: String!) { checkInTicketByToken(input: { token: $token }) { result { ${RESULT} } } }`;
const BY_CODE = `mutation($code: String!) { checkInTicket(input: { code: $code }) { result { ${RESULT} } } }`;
interface CheckIn {
  ticketId: string | null;
  code: string;
  outcome: string;
  checkedInAt: string | null;
  checkedInBy: string | null;
  checkedInDevice: string | null;
  errorCode: string | null;
  device: string | null;
}
const byToken = async (token: string, as: TestUser) =>
  (await ok<{ checkInTicketByToken: { result: CheckIn } }>(BY_TOKEN, { token }, as)).checkInTicketByToken.result;
const byCode = async (code: string, as: TestUser) =>
  (await ok<{ checkInTicket: { result: CheckIn } }>(BY_CODE, { code }, as)).checkInTicket.result;

async function counts(eventId: string, as: TestUser): Promise<{ ticketsValid: number | null; checkedInCount: number | null }> {
  const data = await ok<{ eventByRowId: { ticketsValid: number | null; checkedInCount: number | null } }>(
    `query($id: UUID!) { eventByRowId(rowId: $id) { ticketsValid checkedInCount } }`,
    { id: eventId },
    as,
  );
  return data.eventByRowId;
}

/** What a scanner app does: fetch the JWK set once, pick the key the token names, check the signature. */
async function scannerVerifies(token: string): Promise<{ t: string; e: string; c: string; v: number }> {
  const response = await fetch(`${api.url}/tickets/public-key`);
  expect(response.status).toBe(200);
  const { keys } = (await response.json()) as { keys: (Record<string, string> & { kid: string })[] };
  const [format, kid, payload, signature] = token.split(".") as [string, string, string, string];
  expect(format).toBe("t2");
  const jwk = keys.find((k) => k.kid === kid);
  expect(jwk, "the token names a published key").toBeDefined();
  const key = createPublicKey({ key: jwk!, format: "jwk" });
  const genuine = verify(null, Buffer.from(`${format}.${kid}.${payload}`), key, Buffer.from(signature, "base64url"));
  expect(genuine).toBe(true);
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
}

describe("tickets over GraphQL", () => {
  it("issued at payment confirmation; holder and organizer see them with tokens a scanner verifies offline; others see none; altered tokens refused", { timeout: LONG_FLOW_MS }, async () => {
    const organizer = newUser("organizer");
    const holder = newUser();
    const gateway = newUser("payment-gateway");
    const { eventId, tierId } = await publishedEvent(organizer, "4500");
    const booking = await book(holder, eventId, tierId, 2);
    expect(booking.status).toBe("pending_payment");
    expect(await tickets(booking.rowId, holder)).toEqual([]); // not confirmed yet: no tickets

    const paying = await ok<{ initiatePayment: { result: { rowId: string } } }>(
      `mutation($b: UUID!) { initiatePayment(input: { bookingId: $b }) { result { rowId } } }`,
      { b: booking.rowId },
      holder,
    );
    await ok(
      `mutation($p: UUID!, $r: String!) { confirmPayment(input: { gatewayReference: $r, paymentId: $p }) { result { status } } }`,
      { p: paying.initiatePayment.result.rowId, r: `tk-${paying.initiatePayment.result.rowId}` },
      gateway,
    );

    const mine = await tickets(booking.rowId, holder);
    expect(mine.map((t) => [t.seatNo, t.status, t.version])).toEqual([
      [1, "valid", 1],
      [2, "valid", 1],
    ]);
    expect(new Set(mine.map((t) => t.code)).size).toBe(2);
    // The organizer lists the same tickets (tokens signed alike: Ed25519 is deterministic).
    expect(await tickets(booking.rowId, organizer)).toEqual(mine);
    // A stranger and another organizer see nothing, not even through the event.
    expect(await tickets(booking.rowId, newUser())).toEqual([]);
    expect(await tickets(booking.rowId, newUser("organizer"))).toEqual([]);
    const byCodeLookup = await api.graphql<{ ticketByCode: unknown }>(
      `query($c: String!) { ticketByCode(code: $c) { rowId } }`,
      { c: mine[0]!.code },
      newUser(),
    );
    expect(byCodeLookup.data?.ticketByCode ?? null).toBeNull();

    // Offline verification with the published key alone; the claims name the ticket.
    for (const ticket of mine) {
      expect(await scannerVerifies(ticket.token!)).toEqual({ t: ticket.rowId, e: eventId, c: ticket.code, v: 1 });
    }

    // Altered or foreign tokens: TKSIG, and nothing checked in.
    const [format, kid, payload, signature] = mine[0]!.token!.split(".") as [string, string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const otherSeat = Buffer.from(JSON.stringify({ ...claims, c: mine[1]!.code })).toString("base64url");
    const flipped = Buffer.from(signature, "base64url");
    flipped[10]! ^= 0x40;
    const foreign = ticketSigner(generateKeyPairSync("ed25519").privateKey).sign({
      ticketId: mine[0]!.rowId,
      eventId,
      code: mine[0]!.code,
      version: 1,
    });
    for (const bad of [
      `${format}.${kid}.${otherSeat}.${signature}`,
      `${format}.${kid}.${payload}.${flipped.toString("base64url")}`,
      foreign,
      `t1.${payload}.${signature}`, // the same signature under the old format: it signed other bytes
      mine[0]!.code,
      "",
    ]) {
      expect(await refusal(BY_TOKEN, { token: bad }, organizer)).toBe("TKSIG");
    }
    const tampered = await api.graphql(BY_TOKEN, { token: `${format}.${kid}.${otherSeat}.${signature}` }, organizer);
    expect(tampered.errors![0]!.extensions).toMatchObject({ code: "TKSIG", status: "INVALID_ARGUMENT", field: "token" });
    expect((await tickets(booking.rowId, organizer)).map((t) => t.checkedInAt)).toEqual([null, null]);
    expect(await counts(eventId, organizer)).toEqual({ ticketsValid: 2, checkedInCount: 0 });
    expect(await counts(eventId, holder)).toEqual({ ticketsValid: null, checkedInCount: null });
  });

  it("check-in by token and by code is idempotent (racing scans too), undo within the window, an offline batch with a conflict counts once, refusals", { timeout: LONG_FLOW_MS }, async () => {
    const organizer = newUser("organizer");
    const holder = newUser();
    const { eventId, tierId } = await publishedEvent(organizer, "0");
    const booking = await book(holder, eventId, tierId, 3);
    expect(booking.status).toBe("confirmed"); // free: confirmed at once, tickets with it
    const [first, second, third] = (await tickets(booking.rowId, holder)) as [Ticket, Ticket, Ticket];

    // Five scanners read the same QR code at once: one checks in, the rest hear "already".
    const racing = await Promise.all(Array.from({ length: 5 }, () => byToken(first.token!, organizer)));
    expect(racing.filter((r) => r.outcome === "checked_in")).toHaveLength(1);
    expect(racing.filter((r) => r.outcome === "already_checked_in")).toHaveLength(4);
    const admitted = racing.find((r) => r.outcome === "checked_in")!;
    expect(admitted).toMatchObject({ ticketId: first.rowId, code: first.code, checkedInBy: organizer.sub, checkedInDevice: null });
    for (const r of racing) expect([r.checkedInAt, r.checkedInBy]).toEqual([admitted.checkedInAt, organizer.sub]);

    // The same ticket typed by its code (any case, with a dash): already checked in, at that time, by that person.
    const typed = await byCode(`${first.code.slice(0, 4).toLowerCase()}-${first.code.slice(4)}`, organizer);
    expect(typed).toMatchObject({ outcome: "already_checked_in", checkedInAt: admitted.checkedInAt, checkedInBy: organizer.sub });
    expect(await byToken(first.token!, organizer)).toMatchObject({ outcome: "already_checked_in", checkedInAt: admitted.checkedInAt });
    // And by code first, token second.
    expect(await byCode(third.code, organizer)).toMatchObject({ outcome: "checked_in", ticketId: third.rowId });
    expect(await byToken(third.token!, organizer)).toMatchObject({ outcome: "already_checked_in", ticketId: third.rowId });
    expect(await counts(eventId, organizer)).toEqual({ ticketsValid: 3, checkedInCount: 2 });

    // Undo within the window (default 5 minutes): the ticket admits again.
    const undone = await ok<{ undoCheckIn: { result: { checkedInAt: string | null; status: string } } }>(
      `mutation($c: String!) { undoCheckIn(input: { code: $c }) { result { checkedInAt status } } }`,
      { c: third.code },
      organizer,
    );
    expect(undone.undoCheckIn.result).toEqual({ checkedInAt: null, status: "valid" });
    expect(await refusal(`mutation($c: String!) { undoCheckIn(input: { code: $c }) { result { rowId } } }`, { c: third.code }, organizer)).toBe("TKNCI");
    expect(await counts(eventId, organizer)).toEqual({ ticketsValid: 3, checkedInCount: 1 });

    // Offline batch: two devices scanned the second ticket; the earlier scan checks in, the other is a conflict.
    const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
    const batch = await ok<{ checkInBatch: { result: CheckIn[] } }>(
      `mutation($scans: [TicketScanInputRecordInput]!) { checkInBatch(input: { scans: $scans }) { result { ${RESULT} } } }`,
      {
        scans: [
          { code: second.code, scannedAt: at(2_000), device: "gate-b" },
          { code: second.code, scannedAt: at(9_000), device: "gate-a" },
          { code: "22222222", scannedAt: at(5_000), device: "gate-a" },
          { code: second.code, scannedAt: at(1_000), device: "gate-a" },
        ],
      },
      organizer,
    );
    expect(batch.checkInBatch.result.map((r) => [r.device, r.outcome, r.errorCode])).toEqual([
      ["gate-a", "checked_in", null],
      ["gate-a", "refused", "TKNOT"],
      ["gate-b", "conflict", null],
      ["gate-a", "already_checked_in", null],
    ]);
    expect(batch.checkInBatch.result[2]).toMatchObject({ checkedInDevice: "gate-a", checkedInAt: batch.checkInBatch.result[0]!.checkedInAt });
    expect(await counts(eventId, organizer)).toEqual({ ticketsValid: 3, checkedInCount: 2 }); // first + second, once each
    // Scanned online afterwards: already checked in by the offline device.
    expect(await byToken(second.token!, organizer)).toMatchObject({ outcome: "already_checked_in", checkedInDevice: "gate-a" });

    // Refusals: the holder (not staff), another organizer (TKORG), anonymous, a malformed code.
    expect(await refusal(BY_TOKEN, { token: third.token }, holder)).toBe("42501");
    expect(await refusal(BY_TOKEN, { token: third.token }, newUser("organizer"))).toBe("TKORG");
    expect(await refusal(BY_CODE, { code: third.code }, newUser("organizer"))).toBe("TKORG");
    expect(await refusal(BY_TOKEN, { token: third.token }, null)).toBe("28000");
    expect(await refusal(BY_CODE, { code: "nope" }, organizer)).toBe("TKFMT");
    // None of those checked the third ticket in.
    expect(await counts(eventId, organizer)).toEqual({ ticketsValid: 3, checkedInCount: 2 });
  });

  it("canceled bookings are refused; a reissue voids the old codes and tokens and issues new ones", { timeout: LONG_FLOW_MS }, async () => {
    const organizer = newUser("organizer");
    const holder = newUser();
    const leaver = newUser();
    const { eventId, tierId } = await publishedEvent(organizer, "0");
    const kept = await book(holder, eventId, tierId, 2);
    const canceled = await book(leaver, eventId, tierId, 1);
    const [gone] = (await tickets(canceled.rowId, leaver)) as [Ticket];
    await ok(`mutation($id: UUID!) { cancelBooking(input: { id: $id, reason: "plans changed" }) { result { status } } }`, { id: canceled.rowId }, leaver);
    expect(await tickets(canceled.rowId, leaver)).toEqual([{ ...gone, status: "void", token: null }]);
    expect(await refusal(BY_CODE, { code: gone.code }, organizer)).toBe("TKCAN");
    expect(await refusal(BY_TOKEN, { token: gone.token }, organizer)).toBe("TKCAN");

    const old = await tickets(kept.rowId, holder);
    expect(await byToken(old[0]!.token!, organizer)).toMatchObject({ outcome: "checked_in" });
    // Reissue refused while a ticket is checked in; after an undo it goes through.
    const REISSUE = `mutation($b: UUID!) { reissueTickets(input: { bookingId: $b }) { result { rowId seatNo code version status token } } }`;
    expect(await refusal(REISSUE, { b: kept.rowId }, holder)).toBe("TKCHK");
    await ok(`mutation($c: String!) { undoCheckIn(input: { code: $c }) { result { rowId } } }`, { c: old[0]!.code }, organizer);
    const reissued = await ok<{ reissueTickets: { result: Ticket[] } }>(REISSUE, { b: kept.rowId }, holder);
    const fresh = reissued.reissueTickets.result.sort((a, b) => a.seatNo - b.seatNo);
    expect(fresh.map((t) => [t.seatNo, t.version, t.status])).toEqual([
      [1, 2, "valid"],
      [2, 2, "valid"],
    ]);
    expect(fresh.some((t) => old.some((o) => o.code === t.code))).toBe(false);
    expect((await scannerVerifies(fresh[0]!.token!)).v).toBe(2);

    // The old ones are void, without tokens; their codes and (still genuine) tokens admit nobody.
    const all = await tickets(kept.rowId, holder);
    expect(all.map((t) => [t.version, t.status, t.token === null])).toEqual([
      [1, "void", true],
      [1, "void", true],
      [2, "valid", false],
      [2, "valid", false],
    ]);
    expect(await refusal(BY_CODE, { code: old[1]!.code }, organizer)).toBe("TKVOD");
    expect(await refusal(BY_TOKEN, { token: old[0]!.token }, organizer)).toBe("TKVOD");
    expect(await byToken(fresh[0]!.token!, organizer)).toMatchObject({ outcome: "checked_in", ticketId: fresh[0]!.rowId });
    expect(await counts(eventId, organizer)).toEqual({ ticketsValid: 2, checkedInCount: 1 });
  });
});
