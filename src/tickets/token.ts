/*
 * Signed ticket tokens (issue #18): what a ticket's QR code carries, so a
 * scanner verifies a ticket offline with the published public key and the
 * gate never trusts a hand-made code-looking string.
 *
 *   token = "t1." + base64url(JSON {t: ticket id, e: event id, c: code, v: version})
 *                 + "." + base64url(Ed25519 signature over "t1.<payload>")
 *
 * Ed25519 through Node's built-in crypto (no dependency): small signatures
 * (64 bytes, a short QR code), deterministic, no parameters to get wrong.
 * The key: a PKCS#8 PEM file (production: TICKET_SIGNING_KEY_FILE, from a
 * secret); in development generated once into <DATA_DIR>/ticket-signing/
 * (mode 0600), like the development token issuer's key.
 *
 * Used by gRPC (Ticket.token, ScanTicket by token) and GET /tickets/public-key.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export interface TicketClaims {
  ticketId: string;
  eventId: string;
  code: string;
  version: number;
}

/** A token that is malformed, signed by another key, or altered (SQLSTATE-like code TKSIG). */
export class TicketTokenError extends Error {
  readonly code = "TKSIG";
}

export interface TicketSigner {
  sign(claims: TicketClaims): string;
  /** The claims of a genuine token; TicketTokenError otherwise. */
  verify(token: string): TicketClaims;
  /** The public key as a JWK (kty OKP, crv Ed25519, kid = RFC 7638 thumbprint). */
  publicJwk: JsonWebKey & { kid: string; alg: "EdDSA"; use: "sig" };
}

const PREFIX = "t1.";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CODE = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$/;

export function ticketSigner(privateKey: KeyObject): TicketSigner {
  if (privateKey.asymmetricKeyType !== "ed25519") throw new Error("the ticket signing key must be an Ed25519 private key");
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: "jwk" });
  // RFC 7638 thumbprint of an OKP key: its required members in lexical order.
  const kid = createHash("sha256").update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest("base64url");

  return {
    publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: "EdDSA", use: "sig" },

    sign(claims) {
      const payload = Buffer.from(
        JSON.stringify({ t: claims.ticketId, e: claims.eventId, c: claims.code, v: claims.version }),
      ).toString("base64url");
      const signed = `${PREFIX}${payload}`;
      return `${signed}.${sign(null, Buffer.from(signed), privateKey).toString("base64url")}`;
    },

    verify(token) {
      const refuse = (why: string): never => {
        throw new TicketTokenError(`ticket token refused: ${why}`);
      };
      if (typeof token !== "string" || !token.startsWith(PREFIX) || token.length > 1000) refuse("not a ticket token");
      const dot = token.lastIndexOf(".");
      const signed = token.slice(0, dot);
      const signature = Buffer.from(token.slice(dot + 1), "base64url");
      if (dot <= PREFIX.length || signature.length !== 64) refuse("malformed");
      if (!verify(null, Buffer.from(signed), publicKey, signature)) refuse("the signature does not match");
      let body: { t?: unknown; e?: unknown; c?: unknown; v?: unknown };
      try {
        body = JSON.parse(Buffer.from(signed.slice(PREFIX.length), "base64url").toString("utf8"));
      } catch {
        return refuse("malformed payload");
      }
      const { t, e, c, v } = body;
      if (typeof t !== "string" || !UUID.test(t) || typeof e !== "string" || !UUID.test(e)) refuse("malformed ids");
      if (typeof c !== "string" || !CODE.test(c) || !Number.isInteger(v) || (v as number) < 1) refuse("malformed code or version");
      return { ticketId: t as string, eventId: e as string, code: c as string, version: v as number };
    },
  };
}

/**
 * The signing key: from `keyFile` (PKCS#8 PEM) when given; none in production
 * without it (tokens off); otherwise the development key in <dataDir>/ticket-signing/ed25519.pem,
 * created atomically on first use so processes starting together share one.
 */
export function loadTicketSigningKey(options: {
  keyFile?: string | undefined;
  dataDir: string;
  production: boolean;
}): KeyObject | undefined {
  if (options.keyFile) return createPrivateKey(readFileSync(options.keyFile, "utf8"));
  // Production never signs with a key that lives on one pod's disk: without
  // TICKET_SIGNING_KEY_FILE, tokens are off (codes still work).
  if (options.production) return undefined;
  const file = resolve(join(options.dataDir, "ticket-signing", "ed25519.pem"));
  try {
    return createPrivateKey(readFileSync(file, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(resolve(file, ".."), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("ed25519");
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(tmp, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  try {
    linkSync(tmp, file); // EEXIST: another process made it first; use theirs
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    unlinkSync(tmp);
  }
  return createPrivateKey(readFileSync(file, "utf8"));
}
