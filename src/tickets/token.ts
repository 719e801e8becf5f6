/*
 * Signed ticket tokens (issue #18): what a ticket's QR code carries, so a
 * scanner verifies a ticket offline with the published public key and the
 * gate never trusts a hand-made code-looking string.
 *
 *   token = "t2." + kid + "." + base64url(JSON {t: ticket id, e: event id, c: code, v: version})
 *                 + "." + base64url(Ed25519 signature over "t2.<kid>.<payload>")
 *
 * `kid` is the signing key's RFC 7638 thumbprint, as published at
 * GET /tickets/public-key, so a scanner holding several keys (during a key
 * rotation) picks the right one without trying each. Tokens of the first
 * format, "t1.<payload>.<signature over "t1.<payload>">" (no kid), are still
 * accepted: they are verified against every known key, current first.
 *
 * Ed25519 through Node's built-in crypto (no dependency): small signatures
 * (64 bytes, a short QR code), deterministic, no parameters to get wrong.
 * The key: a PKCS#8 PEM file (production: TICKET_SIGNING_KEY_FILE, from a
 * secret); in development generated once into <DATA_DIR>/ticket-signing/
 * (mode 0600), like the development token issuer's key. Key rotation:
 * TICKET_PREVIOUS_KEY_FILES names the keys signed with before (public or
 * private PEM); they verify tokens and are published, never sign.
 *
 * Used by gRPC and GraphQL (Ticket.token, check-in by token through
 * src/tickets/check-in-by-token.ts) and GET /tickets/public-key.
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
  /** As GraphQL answers it (graphql-js copies an original error's extensions). */
  readonly extensions = { code: "TKSIG", status: "INVALID_ARGUMENT", field: "token" } as const;
}

/** A published verification key: kty OKP, crv Ed25519, kid = RFC 7638 thumbprint. */
export type TicketPublicJwk = JsonWebKey & { kid: string; alg: "EdDSA"; use: "sig" };

export interface TicketSigner {
  /** A token signed with the current key (format t2, naming its kid). */
  sign(claims: TicketClaims): string;
  /** The claims of a genuine token (t2 or t1, by the current or a previous key); TicketTokenError otherwise. */
  verify(token: string): TicketClaims;
  /** The current key's public JWK. */
  publicJwk: TicketPublicJwk;
  /** Every key a token may be signed with, current first: what GET /tickets/public-key publishes. */
  publicJwks: TicketPublicJwk[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CODE = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$/;
const KID = /^[A-Za-z0-9_-]{43}$/;
const MAX_TOKEN_LENGTH = 1000;

/** The public JWK of an Ed25519 key (private or public), with its RFC 7638 thumbprint as kid. */
export function ticketPublicJwk(key: KeyObject): TicketPublicJwk {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== "ed25519") throw new Error("ticket keys must be Ed25519 keys");
  const jwk = publicKey.export({ format: "jwk" });
  // RFC 7638 thumbprint of an OKP key: its required members in lexical order.
  const kid = createHash("sha256").update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest("base64url");
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: "EdDSA", use: "sig" };
}

/**
 * The signer of this process: signs with `privateKey`, verifies with it and
 * with `previousKeys` (the keys of before a rotation; private or public).
 */
export function ticketSigner(privateKey: KeyObject, previousKeys: KeyObject[] = []): TicketSigner {
  if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") {
    throw new Error("the ticket signing key must be an Ed25519 private key");
  }
  const current = { jwk: ticketPublicJwk(privateKey), key: createPublicKey(privateKey) };
  const known = [current];
  for (const previous of previousKeys) {
    const jwk = ticketPublicJwk(previous);
    // The same key listed twice (or the current one again) is published once.
    if (known.some((k) => k.jwk.kid === jwk.kid)) continue;
    known.push({ jwk, key: previous.type === "private" ? createPublicKey(previous) : previous });
  }
  const byKid = new Map(known.map((k) => [k.jwk.kid, k.key]));

  const refuse = (why: string): never => {
    throw new TicketTokenError(`ticket token refused: ${why}`);
  };

  return {
    publicJwk: current.jwk,
    publicJwks: known.map((k) => k.jwk),

    sign(claims) {
      const payload = Buffer.from(
        JSON.stringify({ t: claims.ticketId, e: claims.eventId, c: claims.code, v: claims.version }),
      ).toString("base64url");
      const signed = `t2.${current.jwk.kid}.${payload}`;
      return `${signed}.${sign(null, Buffer.from(signed), privateKey).toString("base64url")}`;
    },

    verify(token) {
      if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) refuse("not a ticket token");
      const parts = token.split(".");
      let candidates: KeyObject[];
      if (parts[0] === "t2" && parts.length === 4) {
        if (!KID.test(parts[1]!)) refuse("malformed key id");
        // A kid we do not know: signed by a key this service never had, or one retired.
        candidates = [byKid.get(parts[1]!) ?? refuse("signed by a key this service does not know")];
      } else if (parts[0] === "t1" && parts.length === 3) {
        // The first format names no key: any known key, current first.
        candidates = known.map((k) => k.key);
      } else {
        return refuse("not a ticket token");
      }
      const payload = parts[parts.length - 2]!;
      const signature = Buffer.from(parts[parts.length - 1]!, "base64url");
      if (payload === "" || signature.length !== 64) refuse("malformed");
      const signed = Buffer.from(token.slice(0, token.lastIndexOf(".")));
      if (!candidates.some((key) => verify(null, signed, key, signature))) refuse("the signature does not match");
      let body: { t?: unknown; e?: unknown; c?: unknown; v?: unknown };
      try {
        body = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      } catch {
        return refuse("malformed payload");
      }
      const { t, e, c, v } = body ?? {};
      if (typeof t !== "string" || !UUID.test(t) || typeof e !== "string" || !UUID.test(e)) refuse("malformed ids");
      if (typeof c !== "string" || !CODE.test(c) || !Number.isInteger(v) || (v as number) < 1) refuse("malformed code or version");
      return { ticketId: t as string, eventId: e as string, code: c as string, version: v as number };
    },
  };
}

/**
 * The keys signed with before a rotation (TICKET_PREVIOUS_KEY_FILES): PEM
 * files, each an Ed25519 public key (SPKI) or private key (PKCS#8; only its
 * public half is used).
 */
export function loadPreviousTicketKeys(files: readonly string[]): KeyObject[] {
  return files.map((file) => {
    const pem = readFileSync(file, "utf8");
    const key = pem.includes("PRIVATE KEY") ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
    if (key.asymmetricKeyType !== "ed25519") throw new Error(`${file}: not an Ed25519 key`);
    return key;
  });
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

/**
 * The process's signer from the configuration: the signing key (above) and
 * the previous keys of a rotation; undefined when tokens are off.
 */
export function loadTicketSigner(options: {
  keyFile?: string | undefined;
  previousKeyFiles?: readonly string[] | undefined;
  dataDir: string;
  production: boolean;
}): TicketSigner | undefined {
  const key = loadTicketSigningKey(options);
  return key ? ticketSigner(key, loadPreviousTicketKeys(options.previousKeyFiles ?? [])) : undefined;
}
