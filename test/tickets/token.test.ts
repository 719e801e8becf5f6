/*
 * Signed ticket tokens (src/tickets/token.ts): a scanner verifies a token
 * offline with nothing but the published JWK; any change to a token, or a
 * token of another key, is refused (TKSIG); the development key is made once
 * and kept (0600); after a key rotation tokens of the previous key (and of
 * the first, kid-less t1 format) still verify.
 */
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadPreviousTicketKeys, loadTicketSigningKey, ticketSigner, TicketTokenError } from "../../src/tickets/token.ts";

const dataDir = mkdtempSync(join(tmpdir(), "aq-ticket-key-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const claims = {
  ticketId: "0b9f4c1e-6a55-4f4e-9a55-2d6f0f7c1a11",
  eventId: "5d1c7f0a-3b2e-4c8d-8e1f-9a0b1c2d3e4f",
  code: "7K3M9QXA",
  version: 2,
};

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof TicketTokenError ? error.code : `unexpected ${String(error)}`;
  }
  return "accepted";
};

describe("ticket tokens", () => {
  const signer = ticketSigner(loadTicketSigningKey({ dataDir, production: false })!);

  it("round-trips, and a scanner verifies offline with the published JWK alone", () => {
    const token = signer.sign(claims);
    expect(signer.verify(token)).toEqual(claims);
    expect(signer.publicJwk).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(signer.publicJwk).not.toHaveProperty("d");
    // What a scanner app does: import the JWK, check the signature over "t1.<payload>".
    // What a scanner app does: pick the published key the token names (kid), check the signature over "t2.<kid>.<payload>".
    const [format, kid] = token.split(".");
    expect([format, kid]).toEqual(["t2", signer.publicJwk.kid]);
    const scannerKey = createPublicKey({ key: signer.publicJwks.find((k) => k.kid === kid)!, format: "jwk" });
    const dot = token.lastIndexOf(".");
    expect(verify(null, Buffer.from(token.slice(0, dot)), scannerKey, Buffer.from(token.slice(dot + 1), "base64url"))).toBe(true);
  });

  it("refuses a tampered payload or signature, another key's token and garbage", () => {
    const token = signer.sign(claims);
    const [format, kid, payload, signature] = token.split(".") as [string, string, string, string];
    const prefix = `${format}.${kid}`;
    const forged = Buffer.from(JSON.stringify({ t: claims.ticketId, e: claims.eventId, c: claims.code, v: 3 })).toString("base64url");
    expect(refusal(() => signer.verify(`${prefix}.${forged}.${signature}`))).toBe("TKSIG");
    const flipped = Buffer.from(signature, "base64url");
    flipped[0]! ^= 1;
    expect(refusal(() => signer.verify(`${prefix}.${payload}.${flipped.toString("base64url")}`))).toBe("TKSIG");
    const other = ticketSigner(generateKeyPairSync("ed25519").privateKey);
    expect(refusal(() => signer.verify(other.sign(claims)))).toBe("TKSIG");
    // A payload signed correctly but under a kid that is not the signer's is refused too.
    const otherKid = `t2.${other.publicJwk.kid}.${payload}`;
    expect(refusal(() => signer.verify(`${otherKid}.${signature}`))).toBe("TKSIG");
    for (const garbage of ["", "t1.", "t1..", "t2...", "t2.short.a.b", "7K3M9QXA", `${prefix}.${payload}`, `t3.${kid}.${payload}.${signature}`, "x".repeat(2000)]) {
      expect(refusal(() => signer.verify(garbage))).toBe("TKSIG");
    }
  });

  it("keeps the development key (mode 0600) across loads; production needs a key file", () => {
    const again = ticketSigner(loadTicketSigningKey({ dataDir, production: false })!);
    expect(again.publicJwk).toEqual(signer.publicJwk);
    expect(again.verify(signer.sign(claims))).toEqual(claims);
    expect(statSync(join(dataDir, "ticket-signing", "ed25519.pem")).mode & 0o777).toBe(0o600);
    // Production never falls back to a key on local disk: without a key file, no tokens.
    expect(loadTicketSigningKey({ dataDir, production: true })).toBeUndefined();
  });

  it("after a rotation: signs with the new key, verifies tokens of the previous one (t2 and t1), publishes both, current first", () => {
    const before = ticketSigner(generateKeyPairSync("ed25519").privateKey);
    const previousKey = generateKeyPairSync("ed25519").privateKey;
    // TICKET_PREVIOUS_KEY_FILES takes public (SPKI) or private (PKCS#8) PEM files.
    writeFileSync(join(dataDir, "previous-public.pem"), createPublicKey(previousKey).export({ format: "pem", type: "spki" }));
    writeFileSync(join(dataDir, "previous-private.pem"), previousKey.export({ format: "pem", type: "pkcs8" }));
    const [fromPublic, fromPrivate] = loadPreviousTicketKeys([join(dataDir, "previous-public.pem"), join(dataDir, "previous-private.pem")]);
    expect(fromPublic!.equals(fromPrivate!)).toBe(true);

    const rotated = ticketSigner(generateKeyPairSync("ed25519").privateKey, [fromPublic!, fromPrivate!]);
    const previous = ticketSigner(previousKey);
    // The same key listed twice is published once.
    expect(rotated.publicJwks.map((k) => k.kid)).toEqual([rotated.publicJwk.kid, previous.publicJwk.kid]);
    expect(rotated.sign(claims).split(".")[1]).toBe(rotated.publicJwk.kid);
    expect(rotated.verify(previous.sign(claims))).toEqual(claims);
    // A t1 token (first format, no kid) of the previous key.
    const payload = Buffer.from(JSON.stringify({ t: claims.ticketId, e: claims.eventId, c: claims.code, v: claims.version })).toString("base64url");
    const t1 = `t1.${payload}.${sign(null, Buffer.from(`t1.${payload}`), previousKey).toString("base64url")}`;
    expect(rotated.verify(t1)).toEqual(claims);
    // A key that was neither current nor listed as previous: refused in both formats.
    expect(refusal(() => rotated.verify(before.sign(claims)))).toBe("TKSIG");
    const t1Before = `t1.${payload}.${sign(null, Buffer.from(`t1.${payload}`), generateKeyPairSync("ed25519").privateKey).toString("base64url")}`;
    expect(refusal(() => rotated.verify(t1Before))).toBe("TKSIG");
    // The previous key never signs: a server that dropped it from the list refuses its tokens.
    expect(refusal(() => ticketSigner(generateKeyPairSync("ed25519").privateKey).verify(previous.sign(claims)))).toBe("TKSIG");
  });
});
