/*
 * Test helpers for the auth suite: a real JWKS endpoint on 127.0.0.1 (shaped
 * like Keycloak's) whose key list can change mid-test and which counts its
 * requests, plus signing keys and a small token builder on top of jose.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

export const jwksPath = "/realms/test/protocol/openid-connect/certs";

export interface JwksServer {
  url: string;
  issuer: string;
  jwksUri: string;
  /** What the endpoint serves right now; push to it to "rotate" keys. */
  keys: JWK[];
  /** How many times the JWKS was requested. */
  requests: number;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[] = []): Promise<JwksServer> {
  const state = { keys, requests: 0 };
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && req.url === jwksPath) {
      state.requests += 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: state.keys }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    issuer: `${url}/realms/test`,
    jwksUri: `${url}${jwksPath}`,
    get keys() {
      return state.keys;
    },
    set keys(value) {
      state.keys = value;
    },
    get requests() {
      return state.requests;
    },
    set requests(value) {
      state.requests = value;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

export interface TestKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

export async function makeKey(kid: string, alg: "RS256" | "ES256", use: "sig" | "enc" = "sig"): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  // Keycloak publishes its encryption key too (use "enc", alg RSA-OAEP); mimic that shape.
  const publicJwk = { ...jwk, kid, use, alg: use === "sig" ? alg : "RSA-OAEP" };
  return { kid, alg, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

export const now = (): number => Math.floor(Date.now() / 1000);

export const aliceSub = "6f1c2b8e-3a4d-4e5f-9a0b-1c2d3e4f5a6b";

/** Keycloak-like claims for `issuer`; override or delete (`undefined`) any of them. */
export function claimsFor(issuer: string, overrides: Record<string, unknown> = {}): JWTPayload {
  const base: Record<string, unknown> = {
    iss: issuer,
    sub: aliceSub,
    aud: "aquastream-event",
    iat: now(),
    exp: now() + 300,
    realm_access: { roles: ["user"] },
    ...overrides,
  };
  for (const [k, v] of Object.entries(base)) if (v === undefined) delete base[k];
  return base as JWTPayload;
}

export async function sign(
  key: TestKey,
  payload: JWTPayload,
  header: { kid?: string | undefined; alg?: string } = {},
): Promise<string> {
  const protectedHeader: { alg: string; typ: string; kid?: string } = {
    alg: header.alg ?? key.alg,
    typ: "JWT",
    kid: "kid" in header ? header.kid : key.kid,
  };
  if (protectedHeader.kid === undefined) delete protectedHeader.kid;
  return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(key.privateKey);
}

export const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
