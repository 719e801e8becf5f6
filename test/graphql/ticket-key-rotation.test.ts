/*
 * Ticket key rotation through the real API: the server signs with the new
 * key (TICKET_SIGNING_KEY_FILE) and still accepts tokens of the previous one
 * (TICKET_PREVIOUS_KEY_FILES); GET /tickets/public-key publishes both, the
 * current first, and each token names its key (kid) so a scanner picks the
 * right one. Tokens of the first format (t1, no kid) stay valid; a token of a
 * key the server never had, or one that claims a known kid it was not signed
 * with, is refused (TKSIG). These tests commit: fresh users with the race prefix.
 */
import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { committingUser as newUser } from "../db/factories.ts";
import { useTestApi } from "../helpers/api.ts";
import { createAndPublishOverGraphql } from "../helpers/graphql-events.ts";
import { ticketPublicJwk, ticketSigner, type TicketClaims } from "../../src/tickets/token.ts";

const keyDir = mkdtempSync(join(tmpdir(), "aq-ticket-rotation-"));
const previousKey = generateKeyPairSync("ed25519").privateKey;
const currentKey = generateKeyPairSync("ed25519").privateKey;
// The current key as a secret (PKCS#8), the previous one as its public key only (SPKI): all a verifier needs.
writeFileSync(join(keyDir, "current.pem"), currentKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
writeFileSync(join(keyDir, "previous.pem"), createPublicKey(previousKey).export({ format: "pem", type: "spki" }));

// Many round trips each; on a loaded 2-core machine they outlast the default 30 s.
const LONG_FLOW_MS = 120_000;

const api = useTestApi({
  env: {
    TICKET_SIGNING_KEY_FILE: join(keyDir, "current.pem"),
    TICKET_PREVIOUS_KEY_FILES: join(keyDir, "previous.pem"),
  },
});
const { ok } = api;

/** A token of the first format (t1: no kid), as servers before the rotation signed them. */
function t1Token(key: KeyObject, claims: TicketClaims): string {
  const payload = Buffer.from(JSON.stringify({ t: claims.ticketId, e: claims.eventId, c: claims.code, v: claims.version })).toString("base64url");
  return `t1.${payload}.${sign(null, Buffer.from(`t1.${payload}`), key).toString("base64url")}`;
}

const BY_TOKEN = `mutation($token: String!) { checkInTicketByToken(input: { token: $token }) { result { ticketId outcome } } }`;

describe("ticket key rotation", () => {
  it("publishes the current and the previous key; signs with the current; checks in tokens of either (t2 and t1); refuses unknown keys", { timeout: LONG_FLOW_MS }, async () => {
    const response = await fetch(`${api.url}/tickets/public-key`);
    const { keys } = (await response.json()) as { keys: { kid: string; x: string }[] };
    expect(keys.map((k) => k.kid)).toEqual([ticketPublicJwk(currentKey).kid, ticketPublicJwk(previousKey).kid]);
    for (const key of keys) expect(key).not.toHaveProperty("d");

    const organizer = newUser("organizer");
    const holder = newUser();
    const startsAt = new Date(Date.now() + 15 * 86400_000);
    const { eventId, tiers } = await createAndPublishOverGraphql(api, organizer, {
      title: "Canoe weekend",
      category: "kayaking",
      locationName: "Vuoksa",
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 4 * 3600_000).toISOString(),
      capacity: 8,
      bookingDeadlineHours: 24,
      priceTiers: [{ name: "Free", price: "0", currency: "RUB" }],
    });
    const booked = await ok<{ createBooking: { result: { rowId: string } } }>(
      `mutation($e: UUID!, $t: UUID!) { createBooking(input: { eventId: $e, priceTierId: $t, quantity: 4 }) { result { rowId } } }`,
      { e: eventId, t: tiers[0]!.rowId },
      holder,
    );
    const listed = await ok<{ allTickets: { nodes: { rowId: string; seatNo: number; code: string; version: number; token: string }[] } }>(
      `query($b: UUID!) { allTickets(condition: { bookingId: $b }) { nodes { rowId seatNo code version token } } }`,
      { b: booked.createBooking.result.rowId },
      holder,
    );
    const tickets = listed.allTickets.nodes.sort((a, b) => a.seatNo - b.seatNo);
    const claims = tickets.map((t) => ({ ticketId: t.rowId, eventId, code: t.code, version: t.version }));

    // New tokens name the current key and verify with it, as a scanner would check them.
    const [format, kid, payload, signature] = tickets[0]!.token.split(".") as [string, string, string, string];
    expect([format, kid]).toEqual(["t2", keys[0]!.kid]);
    const scannerKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: keys[0]!.x }, format: "jwk" });
    expect(verify(null, Buffer.from(`t2.${kid}.${payload}`), scannerKey, Buffer.from(signature, "base64url"))).toBe(true);

    // Tokens holders got before the rotation: t2 of the previous key, t1 of the previous key; and a t1 of the current key.
    const beforeRotation = ticketSigner(previousKey);
    const accepted = [
      tickets[0]!.token,
      beforeRotation.sign(claims[1]!),
      t1Token(previousKey, claims[2]!),
      t1Token(currentKey, claims[3]!),
    ];
    for (const [i, token] of accepted.entries()) {
      const result = await ok<{ checkInTicketByToken: { result: { ticketId: string; outcome: string } } }>(BY_TOKEN, { token }, organizer);
      expect(result.checkInTicketByToken.result).toEqual({ ticketId: tickets[i]!.rowId, outcome: "checked_in" });
    }

    // A key the server never had, in either format; a known kid over another key's signature.
    const stranger = generateKeyPairSync("ed25519").privateKey;
    const forgedKid = ticketSigner(stranger).sign(claims[0]!).split(".");
    forgedKid[1] = keys[1]!.kid;
    const payloadUnderKnownKid = `t2.${keys[1]!.kid}.${forgedKid[2]}`;
    for (const token of [
      ticketSigner(stranger).sign(claims[0]!),
      t1Token(stranger, claims[0]!),
      `${payloadUnderKnownKid}.${sign(null, Buffer.from(payloadUnderKnownKid), stranger).toString("base64url")}`,
    ]) {
      const refused = await api.graphql(BY_TOKEN, { token }, organizer);
      expect(refused.errors?.[0]?.extensions?.code).toBe("TKSIG");
    }
  });
});
