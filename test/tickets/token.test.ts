/*
 * Signed ticket tokens (src/tickets/token.ts): a scanner verifies a token
 * offline with nothing but the published JWK; any change to a token, or a
 * token of another key, is refused (TKSIG); the development key is made once
 * and kept (0600).
 */
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadTicketSigningKey, ticketSigner, TicketTokenError } from "../../src/tickets/token.ts";

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
    const scannerKey = createPublicKey({ key: signer.publicJwk, format: "jwk" });
    const dot = token.lastIndexOf(".");
    expect(verify(null, Buffer.from(token.slice(0, dot)), scannerKey, Buffer.from(token.slice(dot + 1), "base64url"))).toBe(true);
  });

  it("refuses a tampered payload or signature, another key's token and garbage", () => {
    const token = signer.sign(claims);
    const [prefix, payload, signature] = token.split(".") as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ t: claims.ticketId, e: claims.eventId, c: claims.code, v: 3 })).toString("base64url");
    expect(refusal(() => signer.verify(`${prefix}.${forged}.${signature}`))).toBe("TKSIG");
    const flipped = Buffer.from(signature, "base64url");
    flipped[0]! ^= 1;
    expect(refusal(() => signer.verify(`${prefix}.${payload}.${flipped.toString("base64url")}`))).toBe("TKSIG");
    const other = ticketSigner(generateKeyPairSync("ed25519").privateKey);
    expect(refusal(() => signer.verify(other.sign(claims)))).toBe("TKSIG");
    for (const garbage of ["", "t1.", "t1..", "7K3M9QXA", `${prefix}.${payload}`, "x".repeat(2000)]) {
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
});
