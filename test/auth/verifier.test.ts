/*
 * The verifier against a real JWKS endpoint (node:http on 127.0.0.1) and real
 * signed tokens: what is accepted, what is refused and with which reason, that
 * an unknown kid refetches the JWKS (key rotation) at most once per interval,
 * that a key dropped from the JWKS is refused once the set is refetched, and
 * that HTTP (express-jwt) and verify() (gRPC) refuse for the same reasons.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../../src/config/env.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { AuthError, AuthUnavailableError, bearerToken, createVerifier, type Verifier } from "../../src/auth/verifier.ts";
import { aliceSub, b64url, claimsFor, makeKey, now, sign, startJwksServer, type JwksServer, type TestKey } from "./helpers.ts";

let jwks: JwksServer;
let rsa: TestKey; // published from the start
let ec: TestKey; // published from the start
let enc: TestKey; // published, but as an encryption key
let rotated: TestKey; // published only by the rotation test
let stranger: TestKey; // never published
let config: Config;

beforeAll(async () => {
  [rsa, ec, enc, rotated, stranger] = await Promise.all([
    makeKey("rsa-1", "RS256"),
    makeKey("ec-1", "ES256"),
    makeKey("enc-1", "RS256", "enc"),
    makeKey("rsa-2", "RS256"),
    makeKey("rsa-x", "RS256"),
  ]);
  jwks = await startJwksServer();
  config = loadConfig({ NODE_ENV: "test", KEYCLOAK_ISSUER: jwks.issuer, KEYCLOAK_AUDIENCE: "aquastream-event" });
});

afterAll(async () => {
  await jwks.close();
});

/** Refetch interval for unknown kids in these tests (production: 6 s). */
const minRefetchMs = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let verifier: Verifier;
beforeEach(() => {
  // A fresh JWKS and a fresh verifier (empty key cache) per test.
  jwks.keys = [rsa.publicJwk, ec.publicJwk, enc.publicJwk];
  jwks.requests = 0;
  verifier = createVerifier(config, { minRefetchMs });
});

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  return (err as AuthError).reason;
}

describe("verifier options", () => {
  it("uses the configured issuer and audience, RS256/ES256 only, 30 s tolerance", () => {
    expect(verifier.verifyOptions).toEqual({
      algorithms: ["RS256", "ES256"],
      issuer: jwks.issuer,
      audience: "aquastream-event",
      clockTolerance: 30,
    });
    expect(Object.isFrozen(verifier.verifyOptions)).toBe(true);
  });
});

describe("verify(): accepted tokens", () => {
  it("returns sub and only the known realm roles (client roles ignored)", async () => {
    const token = await sign(
      rsa,
      claimsFor(jwks.issuer, {
        sub: aliceSub.toUpperCase(),
        realm_access: {
          roles: ["offline_access", "organizer", "default-roles-test", "user", "Admin", "user,admin", "organizer"],
        },
        resource_access: { "aquastream-event": { roles: ["admin"] } },
      }),
    );
    const claims = await verifier.verify(token);
    expect(claims.sub).toBe(aliceSub);
    expect(claims.roles).toEqual(["organizer", "user"]);
    expect(claims.raw.iss).toBe(jwks.issuer);
    expect(jwks.requests).toBe(1);
  });

  it("accepts ES256 tokens from an EC key in the JWKS", async () => {
    const claims = await verifier.verify(await sign(ec, claimsFor(jwks.issuer, { realm_access: { roles: ["admin"] } })));
    expect(claims).toMatchObject({ sub: aliceSub, roles: ["admin"] });
  });

  it("gives no roles when realm_access is missing", async () => {
    const claims = await verifier.verify(await sign(rsa, claimsFor(jwks.issuer, { realm_access: undefined })));
    expect(claims.roles).toEqual([]);
  });

  it("accepts a token expired 10 s ago (within the 30 s clock tolerance)", async () => {
    const claims = await verifier.verify(await sign(rsa, claimsFor(jwks.issuer, { exp: now() - 10 })));
    expect(claims.sub).toBe(aliceSub);
  });

  it("accepts any audience when KEYCLOAK_AUDIENCE is not configured", async () => {
    const noAudience = createVerifier(loadConfig({ NODE_ENV: "test", KEYCLOAK_ISSUER: jwks.issuer }));
    expect(noAudience.verifyOptions).not.toHaveProperty("audience");
    const claims = await noAudience.verify(await sign(rsa, claimsFor(jwks.issuer, { aud: "account" })));
    expect(claims.sub).toBe(aliceSub);
  });
});

describe("verify(): refused tokens", () => {
  it("expired beyond the tolerance → jwt expired", async () => {
    const token = await sign(rsa, claimsFor(jwks.issuer, { iat: now() - 600, exp: now() - 60 }));
    expect(await reasonOf(verifier.verify(token))).toBe("jwt expired");
  });

  it("no exp → exp is required", async () => {
    expect(await reasonOf(verifier.verify(await sign(rsa, claimsFor(jwks.issuer, { exp: undefined }))))).toBe(
      "exp is required",
    );
  });

  it("exp that is not a number → invalid exp", async () => {
    expect(await reasonOf(verifier.verify(await sign(rsa, claimsFor(jwks.issuer, { exp: "tomorrow" }))))).toBe(
      "invalid exp",
    );
  });

  it("not yet valid (nbf 5 min ahead) → jwt not active", async () => {
    const token = await sign(rsa, claimsFor(jwks.issuer, { nbf: now() + 300, exp: now() + 600 }));
    expect(await reasonOf(verifier.verify(token))).toBe("jwt not active");
  });

  it("another issuer → jwt issuer invalid", async () => {
    const token = await sign(rsa, claimsFor(jwks.issuer, { iss: `${jwks.url}/realms/other` }));
    expect(await reasonOf(verifier.verify(token))).toBe("jwt issuer invalid");
  });

  it("another audience (audience configured) → jwt audience invalid", async () => {
    const token = await sign(rsa, claimsFor(jwks.issuer, { aud: "account" }));
    expect(await reasonOf(verifier.verify(token))).toBe("jwt audience invalid");
  });

  it('alg "none" (unsigned) → invalid algorithm', async () => {
    const token = `${b64url({ alg: "none", typ: "JWT", kid: rsa.kid })}.${b64url(claimsFor(jwks.issuer))}.`;
    expect(await reasonOf(verifier.verify(token))).toBe("invalid algorithm");
  });

  it("HS256 signed with the RSA public key PEM as the HMAC secret → invalid algorithm", async () => {
    const token = await new SignJWT(claimsFor(jwks.issuer))
      .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: rsa.kid })
      .sign(new TextEncoder().encode(rsa.publicPem));
    expect(await reasonOf(verifier.verify(token))).toBe("invalid algorithm");
  });

  it("ES256 header naming the RSA key's kid → invalid algorithm", async () => {
    const token = await sign(ec, claimsFor(jwks.issuer), { kid: rsa.kid });
    expect(await reasonOf(verifier.verify(token))).toBe("invalid algorithm");
  });

  it("kid not in the JWKS → unknown signing key (after refetching the JWKS)", async () => {
    expect(await reasonOf(verifier.verify(await sign(stranger, claimsFor(jwks.issuer))))).toBe("unknown signing key");
    expect(jwks.requests).toBe(1);
  });

  it("kid of the published encryption key (use enc) → unknown signing key", async () => {
    expect(await reasonOf(verifier.verify(await sign(enc, claimsFor(jwks.issuer))))).toBe("unknown signing key");
  });

  it("no kid in the header → token has no kid", async () => {
    const token = await sign(rsa, claimsFor(jwks.issuer), { kid: undefined });
    expect(await reasonOf(verifier.verify(token))).toBe("token has no kid");
  });

  it("payload changed after signing (signature kept) → invalid signature", async () => {
    const [header, , signature] = (await sign(rsa, claimsFor(jwks.issuer))).split(".");
    const forged = b64url(claimsFor(jwks.issuer, { realm_access: { roles: ["admin"] } }));
    expect(await reasonOf(verifier.verify(`${header}.${forged}.${signature}`))).toBe("invalid signature");
  });

  it("signed by another key under a published kid → invalid signature", async () => {
    const token = await sign(stranger, claimsFor(jwks.issuer), { kid: rsa.kid });
    expect(await reasonOf(verifier.verify(token))).toBe("invalid signature");
  });

  it("sub that is not a uuid (or missing) → sub is not a uuid", async () => {
    expect(await reasonOf(verifier.verify(await sign(rsa, claimsFor(jwks.issuer, { sub: "service-account-x" }))))).toBe(
      "sub is not a uuid",
    );
    expect(await reasonOf(verifier.verify(await sign(rsa, claimsFor(jwks.issuer, { sub: undefined }))))).toBe(
      "sub is not a uuid",
    );
  });

  it("not a JWT → malformed token", async () => {
    for (const token of ["", "abc", "a.b.c", "a.b", `${b64url({ alg: "RS256" })}.!!!.x`]) {
      expect(await reasonOf(verifier.verify(token))).toBe("malformed token");
    }
  });

  it("a development-issuer token is refused when Keycloak is configured", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aquastream-auth-"));
    try {
      const dev = loadDevIssuer(loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir }));
      const token = await dev.signDevToken({ role: "admin" });
      expect(await reasonOf(verifier.verify(token))).toBe("unknown signing key");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("JWKS fetching", () => {
  it("caches keys: a second token with a known kid does not refetch", async () => {
    await verifier.verify(await sign(rsa, claimsFor(jwks.issuer)));
    await verifier.verify(await sign(rsa, claimsFor(jwks.issuer)));
    expect(jwks.requests).toBe(1);
  });

  it("key rotation: a key added to the JWKS after the first fetch is accepted (unknown kid refetches)", async () => {
    await verifier.verify(await sign(rsa, claimsFor(jwks.issuer)));
    expect(jwks.requests).toBe(1);

    const newToken = await sign(rotated, claimsFor(jwks.issuer));
    expect(await reasonOf(verifier.verify(newToken))).toBe("unknown signing key"); // not published yet
    expect(jwks.requests).toBe(2);

    jwks.keys = [...jwks.keys, rotated.publicJwk];
    // Just looked for and missing: refused at once, without a fetch, for one interval…
    expect(await reasonOf(verifier.verify(newToken))).toBe("unknown signing key");
    expect(jwks.requests).toBe(2);
    // …then looked for again.
    await sleep(minRefetchMs);
    expect((await verifier.verify(newToken)).sub).toBe(aliceSub);
    expect(jwks.requests).toBe(3);

    // both kids now cached: no more requests
    await verifier.verify(await sign(rsa, claimsFor(jwks.issuer)));
    await verifier.verify(newToken);
    expect(jwks.requests).toBe(3);
  });

  it("unknown kids refetch at most once per interval, and a burst of them shares one fetch", async () => {
    await verifier.verify(await sign(rsa, claimsFor(jwks.issuer)));
    expect(jwks.requests).toBe(1);
    const madeUp = await Promise.all(
      Array.from({ length: 20 }, (_, i) => sign(stranger, claimsFor(jwks.issuer), { kid: `made-up-${i}` })),
    );
    const reasons = await Promise.all(madeUp.map((token) => reasonOf(verifier.verify(token))));
    expect(new Set(reasons)).toEqual(new Set(["unknown signing key"]));
    expect(jwks.requests).toBe(2);
    expect(verifier.keySet.fetches).toBe(2);
  });

  it("a kid just found missing is refused at once, without a fetch, until the interval is over", async () => {
    const madeUp = await sign(stranger, claimsFor(jwks.issuer), { kid: "made-up" });
    expect(await reasonOf(verifier.verify(madeUp))).toBe("unknown signing key");
    expect(jwks.requests).toBe(1);
    for (let i = 0; i < 5; i++) expect(await reasonOf(verifier.verify(madeUp))).toBe("unknown signing key");
    expect(jwks.requests).toBe(1);
    await sleep(minRefetchMs);
    expect(await reasonOf(verifier.verify(madeUp))).toBe("unknown signing key");
    expect(jwks.requests).toBe(2);
  });

  it("a new kid arriving right after a fetch waits for the interval instead of being refused", async () => {
    // The first made-up kid refetches; the real new key is published just after.
    await reasonOf(verifier.verify(await sign(stranger, claimsFor(jwks.issuer), { kid: "made-up" })));
    expect(jwks.requests).toBe(1);
    jwks.keys = [...jwks.keys, rotated.publicJwk];
    expect((await verifier.verify(await sign(rotated, claimsFor(jwks.issuer)))).sub).toBe(aliceSub);
    expect(jwks.requests).toBe(2);
  });

  it("a key removed from the JWKS is refused once the set is older than KEYCLOAK_JWKS_MAX_AGE", async () => {
    const shortLived = createVerifier(
      loadConfig({ NODE_ENV: "test", KEYCLOAK_ISSUER: jwks.issuer, KEYCLOAK_AUDIENCE: "aquastream-event", KEYCLOAK_JWKS_MAX_AGE: "1" }),
      { minRefetchMs },
    );
    jwks.keys = [rsa.publicJwk, rotated.publicJwk];
    const oldToken = await sign(rsa, claimsFor(jwks.issuer));
    expect((await shortLived.verify(oldToken)).sub).toBe(aliceSub);
    expect(jwks.requests).toBe(1);

    jwks.keys = [rotated.publicJwk]; // the old key is retired
    await sleep(1100);
    expect(await reasonOf(shortLived.verify(oldToken))).toBe("unknown signing key");
    expect(jwks.requests).toBe(2);
    expect((await shortLived.verify(await sign(rotated, claimsFor(jwks.issuer)))).sub).toBe(aliceSub);
    expect(jwks.requests).toBe(2); // the refetched set already had it
  });

  it("a key dropped from the JWKS is refused after a refetch for an unknown kid, even before the max age", async () => {
    const oldToken = await sign(rsa, claimsFor(jwks.issuer));
    await verifier.verify(oldToken);
    jwks.keys = [rotated.publicJwk];
    await verifier.verify(await sign(rotated, claimsFor(jwks.issuer))); // refetches the whole set
    expect(await reasonOf(verifier.verify(oldToken))).toBe("unknown signing key");
    // Its kid is unknown now, so it asked once more (after the interval) before refusing.
    expect(jwks.requests).toBe(3);
  });

  it("JWKS down after the max age: known keys keep working for the grace period, unknown kids get 503", async () => {
    const graceful = createVerifier(
      loadConfig({ NODE_ENV: "test", KEYCLOAK_ISSUER: jwks.issuer, KEYCLOAK_AUDIENCE: "aquastream-event", KEYCLOAK_JWKS_MAX_AGE: "1" }),
      { minRefetchMs, staleGraceMs: 60_000 },
    );
    await graceful.verify(await sign(rsa, claimsFor(jwks.issuer)));
    const server = jwks;
    const saved = server.keys;
    // Not a 200 with keys: the endpoint answers with no keys at all, which jwks-rsa treats as a failed fetch.
    server.keys = [];
    await sleep(1100);
    expect((await graceful.verify(await sign(rsa, claimsFor(jwks.issuer)))).sub).toBe(aliceSub);
    await expect(graceful.verify(await sign(rotated, claimsFor(jwks.issuer)))).rejects.toBeInstanceOf(AuthUnavailableError);
    server.keys = saved;
  });

  it("JWKS endpoint unreachable → AuthUnavailableError, not a refusal", async () => {
    const down = createVerifier(
      loadConfig({
        NODE_ENV: "test",
        KEYCLOAK_ISSUER: jwks.issuer,
        KEYCLOAK_JWKS_URI: "http://127.0.0.1:9/realms/test/protocol/openid-connect/certs",
      }),
    );
    const err = await down.verify(await sign(rsa, claimsFor(jwks.issuer))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthUnavailableError);
    expect(err).not.toBeInstanceOf(AuthError);
  });
});

describe("bearerToken()", () => {
  it("reads 'Bearer <token>' and treats a missing header as anonymous", () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(bearerToken("bearer  abc")).toBe("abc");
  });

  it("refuses any other present value instead of going anonymous", () => {
    for (const value of ["", "Bearer", "Bearer ", "Basic dXNlcjpwdw==", "Bearer a b", "abc"]) {
      expect(() => bearerToken(value), value).toThrow(AuthError);
    }
    expect(() => bearerToken(["Bearer a", "Bearer b"])).toThrow("expected one authorization header");
  });
});

describe("express middleware (real app on 127.0.0.1)", () => {
  /** An app mounted the way the service mounts it: the middleware array, then a route. */
  async function startApp(v: Verifier): Promise<{ base: string; close: () => Promise<unknown> }> {
    const app = express();
    app.use(v.expressMiddleware());
    app.get("/whoami", (req, res) => {
      res.json({ claims: req.claims === undefined ? "unset" : req.claims });
    });
    const server: Server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    return {
      base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(resolve)),
    };
  }

  let app: Awaited<ReturnType<typeof startApp>>;
  beforeEach(async () => {
    app = await startApp(verifier);
  });
  afterEach(async () => {
    await app.close();
  });

  const whoami = (authorization?: string) =>
    fetch(`${app.base}/whoami`, { headers: authorization === undefined ? {} : { authorization } });

  it("no Authorization header → anonymous (claims null)", async () => {
    const res = await whoami();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ claims: null });
    expect(jwks.requests).toBe(0);
  });

  it("a good token → claims", async () => {
    const token = await sign(rsa, claimsFor(jwks.issuer, { realm_access: { roles: ["organizer", "offline_access"] } }));
    const res = await whoami(`Bearer ${token}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { claims: { sub: string; roles: string[]; raw: { iss: string } } };
    expect(body.claims.sub).toBe(aliceSub);
    expect(body.claims.roles).toEqual(["organizer"]);
    expect(body.claims.raw.iss).toBe(jwks.issuer);
  });

  it("a bad token → 401 with the GraphQL-shaped body", async () => {
    const res = await whoami("Bearer not-a-jwt");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect(await res.json()).toEqual({
      errors: [{ message: "invalid token: malformed token", extensions: { code: "UNAUTHENTICATED" } }],
    });
  });

  it("a non-Bearer Authorization header → 401, never anonymous", async () => {
    const res = await whoami("Basic dXNlcjpwdw==");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      errors: [
        { message: "invalid token: authorization is not 'Bearer <token>'", extensions: { code: "UNAUTHENTICATED" } },
      ],
    });
  });

  // The same tokens through both transports must be refused for the same reason.
  const refusals: Array<[string, () => Promise<string>, string]> = [
    ["expired", () => sign(rsa, claimsFor(jwks.issuer, { exp: now() - 60 })), "jwt expired"],
    ["no exp", () => sign(rsa, claimsFor(jwks.issuer, { exp: undefined })), "exp is required"],
    ["wrong issuer", () => sign(rsa, claimsFor(jwks.issuer, { iss: "http://evil.example/realms/test" })), "jwt issuer invalid"],
    ["wrong audience", () => sign(rsa, claimsFor(jwks.issuer, { aud: "account" })), "jwt audience invalid"],
    [
      "alg none",
      async () => `${b64url({ alg: "none", kid: rsa.kid })}.${b64url(claimsFor(jwks.issuer))}.`,
      "invalid algorithm",
    ],
    [
      "HS256 with the public key",
      () =>
        new SignJWT(claimsFor(jwks.issuer))
          .setProtectedHeader({ alg: "HS256", kid: rsa.kid })
          .sign(new TextEncoder().encode(rsa.publicPem)),
      "invalid algorithm",
    ],
    ["unknown kid", () => sign(stranger, claimsFor(jwks.issuer)), "unknown signing key"],
    [
      "tampered payload",
      async () => {
        const [h, , s] = (await sign(rsa, claimsFor(jwks.issuer))).split(".");
        return `${h}.${b64url(claimsFor(jwks.issuer, { sub: "00000000-0000-4000-8000-000000000000" }))}.${s}`;
      },
      "invalid signature",
    ],
    ["sub not a uuid", () => sign(rsa, claimsFor(jwks.issuer, { sub: "alice" })), "sub is not a uuid"],
  ];

  it.each(refusals)("%s → same reason over HTTP (401) and verify()", async (_name, makeToken, reason) => {
    const token = await makeToken();
    expect(await reasonOf(verifier.verify(token))).toBe(reason);
    const res = await whoami(`Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      errors: [{ message: `invalid token: ${reason}`, extensions: { code: "UNAUTHENTICATED" } }],
    });
  });

  it("JWKS endpoint unreachable → 503 SERVICE_UNAVAILABLE, not 401", async () => {
    const down = await startApp(
      createVerifier(
        loadConfig({
          NODE_ENV: "test",
          KEYCLOAK_ISSUER: jwks.issuer,
          KEYCLOAK_JWKS_URI: "http://127.0.0.1:9/realms/test/protocol/openid-connect/certs",
        }),
      ),
    );
    try {
      const res = await fetch(`${down.base}/whoami`, {
        headers: { authorization: `Bearer ${await sign(rsa, claimsFor(jwks.issuer))}` },
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        errors: [
          { message: "cannot verify token now: signing keys unavailable", extensions: { code: "SERVICE_UNAVAILABLE" } },
        ],
      });
    } finally {
      await down.close();
    }
  });
});
