/*
 * Development token issuer: lets `npm start` with no configuration accept
 * tokens without a Keycloak. Used only when KEYCLOAK_ISSUER is unset
 * (config.devIssuer) and refused outright when NODE_ENV=production.
 *
 * It keeps one RS256 key pair in <dataDir>/dev-issuer/jwk.json (mode 0600,
 * created on first use; .data/ is git-ignored) and signs Keycloak-shaped
 * tokens. The verifier does not trust these tokens by a side door: it feeds
 * the public JWKS to the same jwks-rsa client (getKeysInterceptor) and checks
 * them with the same options as Keycloak tokens.
 *
 * The issuer URL below is only a name written into `iss`; nothing listens there.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomUUID, type JsonWebKey, type KeyObject } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { SignJWT } from "jose";
import type { Config } from "../config/env.ts";
import { isRole, isUuid, type Role } from "./claims.ts";

export const DEV_ISSUER = "http://aquastream.localhost/dev-issuer";
export const DEV_DEFAULT_AUDIENCE = "aquastream-event";
export const DEV_DEFAULT_TTL_SECONDS = 12 * 60 * 60;
const MAX_TTL_SECONDS = 30 * 24 * 60 * 60;

/** Fixed people, so repeated tokens for a role act as the same user. */
export const devSubjects: Readonly<Record<Role, string>> = {
  user: "11111111-1111-4111-8111-111111111111",
  organizer: "22222222-2222-4222-8222-222222222222",
  admin: "33333333-3333-4333-8333-333333333333",
  "payment-gateway": "44444444-4444-4444-8444-444444444444",
};

export interface DevTokenOptions {
  /** One role or several; kept exactly as given (admin does not imply organizer). */
  role: Role | readonly Role[];
  /** Default: devSubjects[first role]. */
  sub?: string;
  /** Default: 12 hours. */
  ttlSeconds?: number;
}

export interface DevIssuer {
  issuer: string;
  audience: string;
  kid: string;
  /** Public keys only, in JWKS form. */
  jwks: { keys: JsonWebKey[] };
  /** Path of the key file; `created` tells whether this call wrote it. */
  keyFile: string;
  created: boolean;
  signDevToken(options: DevTokenOptions): Promise<string>;
}

export function assertDevIssuerAllowed(config: Pick<Config, "nodeEnv" | "devIssuer">): void {
  if (process.env.NODE_ENV === "production" || config.nodeEnv === "production") {
    throw new Error("The development token issuer is refused when NODE_ENV=production: set KEYCLOAK_ISSUER");
  }
  if (!config.devIssuer) {
    throw new Error("The development token issuer is off because KEYCLOAK_ISSUER is set: its tokens would not be accepted");
  }
}

/** RFC 7638 thumbprint, so the kid follows the key and not the file name. */
function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return createHash("sha256").update(canonical).digest("base64url");
}

/** Creates the key file if absent; atomic, so two processes starting together agree on one key. */
function ensureKeyFile(file: string): boolean {
  const dir = resolve(file, "..");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = privateKey.export({ format: "jwk" });
  const content = `${JSON.stringify({ ...jwk, kid: thumbprint(jwk), alg: "RS256", use: "sig" }, null, 2)}\n`;
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600); // the umask may have removed bits, never added; be explicit anyway
  try {
    linkSync(tmp, file); // fails with EEXIST instead of overwriting a key already in use
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

function readKeyFile(file: string): { privateKey: KeyObject; publicJwk: JsonWebKey; kid: string } {
  let jwk: JsonWebKey & { kid?: unknown };
  try {
    jwk = JSON.parse(readFileSync(file, "utf8")) as JsonWebKey & { kid?: unknown };
  } catch (err) {
    throw new Error(`Development issuer key ${file} is unreadable; delete it to make a new one`, { cause: err });
  }
  if (jwk.kty !== "RSA" || typeof jwk.d !== "string" || typeof jwk.kid !== "string") {
    throw new Error(`Development issuer key ${file} is not an RSA private JWK with a kid; delete it to make a new one`);
  }
  const privateKey = createPrivateKey({ key: jwk, format: "jwk" });
  return {
    privateKey,
    kid: jwk.kid,
    publicJwk: { kty: "RSA", n: jwk.n, e: jwk.e, kid: jwk.kid, alg: "RS256", use: "sig" } as JsonWebKey,
  };
}

export function loadDevIssuer(config: Pick<Config, "nodeEnv" | "devIssuer" | "dataDir" | "keycloakAudience">): DevIssuer {
  assertDevIssuerAllowed(config);
  const keyFile = resolve(join(config.dataDir, "dev-issuer", "jwk.json"));
  let created = false;
  try {
    readFileSync(keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    created = ensureKeyFile(keyFile);
  }
  const { privateKey, publicJwk, kid } = readKeyFile(keyFile);
  const audience = config.keycloakAudience ?? DEV_DEFAULT_AUDIENCE;

  async function signDevToken({ role, sub, ttlSeconds = DEV_DEFAULT_TTL_SECONDS }: DevTokenOptions): Promise<string> {
    const roles = [...new Set(typeof role === "string" ? [role] : role)];
    if (roles.length === 0) throw new Error("signDevToken: at least one role is needed");
    for (const r of roles) {
      if (!isRole(r)) throw new Error(`signDevToken: unknown role "${String(r)}"`);
    }
    const subject = sub ?? devSubjects[roles[0]!];
    if (!isUuid(subject)) throw new Error(`signDevToken: sub must be a uuid, got "${subject}"`);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
      throw new Error(`signDevToken: ttlSeconds must be a whole number between 1 and ${MAX_TTL_SECONDS}`);
    }
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ realm_access: { roles } })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
      .setIssuer(DEV_ISSUER)
      .setSubject(subject)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(randomUUID())
      .sign(privateKey);
  }

  return { issuer: DEV_ISSUER, audience, kid, jwks: { keys: [publicJwk] }, keyFile, created, signDevToken };
}
