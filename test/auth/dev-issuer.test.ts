/*
 * The development issuer: its tokens pass the normal verifier in dev mode
 * (same jwks-rsa path), its key file is private and reused, it refuses to
 * exist under NODE_ENV=production; and what claims become for PostgreSQL.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { claimsToPgSettings, payloadToClaims, type Claims } from "../../src/auth/claims.ts";
import { DEV_ISSUER, devSubjects, loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { AuthError, createVerifier } from "../../src/auth/verifier.ts";
import { loadConfig, type Config } from "../../src/config/env.ts";
import { roles as dbRoles } from "../../src/db/roles.ts";

let dataDir: string;
let config: Config;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "aquastream-dev-issuer-"));
  config = loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir });
});

afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("development issuer", () => {
  it("is what an unconfigured service uses", () => {
    expect(config.devIssuer).toBe(true);
    expect(createVerifier(config).verifyOptions).toEqual({
      algorithms: ["RS256", "ES256"],
      issuer: DEV_ISSUER,
      audience: "aquastream-event",
      clockTolerance: 30,
    });
  });

  it("signs tokens that the dev-mode verifier accepts, without any HTTP call", async () => {
    const dev = loadDevIssuer(config);
    const verifier = createVerifier(config);
    const claims = await verifier.verify(await dev.signDevToken({ role: "organizer" }));
    expect(claims.sub).toBe(devSubjects.organizer);
    expect(claims.roles).toEqual(["organizer"]);
    expect(claims.raw.iss).toBe("http://aquastream.localhost/dev-issuer");
    expect(claims.raw.aud).toBe("aquastream-event");
  });

  it("writes a Keycloak-shaped token: kid header, realm roles exactly as given, 12 h by default", async () => {
    const dev = loadDevIssuer(config);
    const token = await dev.signDevToken({ role: ["admin", "user"] });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "RS256", typ: "JWT", kid: dev.kid });
    const payload = decodeJwt(token);
    expect(payload.realm_access).toEqual({ roles: ["admin", "user"] });
    expect(payload.sub).toBe(devSubjects.admin);
    expect(payload.exp! - payload.iat!).toBe(12 * 60 * 60);
    expect(typeof payload.jti).toBe("string");
  });

  it("gives each role a stable person, and honours sub and ttl", async () => {
    const dev = loadDevIssuer(config);
    const a = decodeJwt(await dev.signDevToken({ role: "user" }));
    const b = decodeJwt(await dev.signDevToken({ role: "user" }));
    expect(a.sub).toBe(b.sub);
    expect(new Set(Object.values(devSubjects)).size).toBe(4);
    const custom = decodeJwt(
      await dev.signDevToken({ role: "user", sub: "0a1b2c3d-0000-4000-8000-000000000001", ttlSeconds: 60 }),
    );
    expect(custom.sub).toBe("0a1b2c3d-0000-4000-8000-000000000001");
    expect(custom.exp! - custom.iat!).toBe(60);
  });

  it("uses KEYCLOAK_AUDIENCE as aud when set, and the verifier checks it", async () => {
    const withAudience = loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir, KEYCLOAK_AUDIENCE: "event-api" });
    const token = await loadDevIssuer(withAudience).signDevToken({ role: "user" });
    expect(decodeJwt(token).aud).toBe("event-api");
    expect((await createVerifier(withAudience).verify(token)).roles).toEqual(["user"]);
    await expect(createVerifier(config).verify(token)).rejects.toMatchObject({ reason: "jwt audience invalid" });
  });

  it("refuses bad input to signDevToken", async () => {
    const dev = loadDevIssuer(config);
    await expect(dev.signDevToken({ role: "root" as never })).rejects.toThrow('unknown role "root"');
    await expect(dev.signDevToken({ role: [] })).rejects.toThrow("at least one role");
    await expect(dev.signDevToken({ role: "user", sub: "bob" })).rejects.toThrow("sub must be a uuid");
    await expect(dev.signDevToken({ role: "user", ttlSeconds: 0 })).rejects.toThrow("ttlSeconds");
  });

  it("keeps its key in <dataDir>/dev-issuer/jwk.json, mode 0600, and reuses it", async () => {
    const first = loadDevIssuer(config);
    expect(first.keyFile).toBe(join(dataDir, "dev-issuer", "jwk.json"));
    expect(first.created).toBe(true);
    expect(statSync(first.keyFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(first.keyFile, "utf8"))).toMatchObject({ kty: "RSA", kid: first.kid, alg: "RS256" });
    expect(first.jwks.keys[0]).not.toHaveProperty("d"); // the JWKS is public only

    const token = await first.signDevToken({ role: "user" });
    const second = loadDevIssuer(config);
    expect(second.created).toBe(false);
    expect(second.kid).toBe(first.kid);
    // a restarted service (new verifier, same data dir) still accepts earlier tokens
    expect((await createVerifier(config).verify(token)).sub).toBe(devSubjects.user);
  });

  it("tokens from another data dir's key are refused (unknown signing key)", async () => {
    const otherDir = mkdtempSync(join(tmpdir(), "aquastream-dev-issuer-"));
    try {
      const other = loadDevIssuer(loadConfig({ NODE_ENV: "test", DATA_DIR: otherDir }));
      const err = await createVerifier(config)
        .verify(await other.signDevToken({ role: "admin" }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect((err as AuthError).reason).toBe("unknown signing key");
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it("refuses to load when config.nodeEnv is production", () => {
    expect(() => loadDevIssuer({ ...config, nodeEnv: "production" })).toThrow(/NODE_ENV=production/);
    expect(() => createVerifier({ ...config, nodeEnv: "production" })).toThrow(/NODE_ENV=production/);
  });

  it("refuses to load when process.env.NODE_ENV is production", () => {
    vi.stubEnv("NODE_ENV", "production");
    expect(() => loadDevIssuer(config)).toThrow(/NODE_ENV=production/);
    expect(() => createVerifier(config)).toThrow(/NODE_ENV=production/);
  });

  it("refuses to load when KEYCLOAK_ISSUER is set", () => {
    const keycloak = loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir, KEYCLOAK_ISSUER: "http://127.0.0.1:1/realms/x" });
    expect(() => loadDevIssuer(keycloak)).toThrow(/KEYCLOAK_ISSUER is set/);
  });
});

describe("claims → PostgreSQL settings", () => {
  it("anonymous: only the anonymous role", () => {
    expect(claimsToPgSettings(null)).toEqual({ role: dbRoles.anonymous });
    expect(dbRoles.anonymous).toBe("aquastream_anonymous");
  });

  it("manager (organizer, admin, payment gateway): role, sub and comma-joined roles", () => {
    const claims: Claims = {
      sub: "6f1c2b8e-3a4d-4e5f-9a0b-1c2d3e4f5a6b",
      roles: ["organizer", "payment-gateway"],
      raw: {},
    };
    expect(claimsToPgSettings(claims)).toEqual({
      role: "aquastream_manager",
      "jwt.claims.sub": "6f1c2b8e-3a4d-4e5f-9a0b-1c2d3e4f5a6b",
      "jwt.claims.roles": "organizer,payment-gateway",
    });
  });

  it("a plain user is a member; so is a caller without known roles (empty roles setting)", () => {
    expect(claimsToPgSettings({ sub: devSubjects.user, roles: ["user"], raw: {} }).role).toBe("aquastream_member");
    for (const role of ["organizer", "admin", "payment-gateway"] as const) {
      expect(claimsToPgSettings({ sub: devSubjects.user, roles: ["user", role], raw: {} }).role, role).toBe("aquastream_manager");
    }
    const claims = payloadToClaims({ sub: devSubjects.user, exp: 1, realm_access: { roles: ["offline_access"] } });
    expect(claimsToPgSettings(claims)).toEqual({
      role: "aquastream_member",
      "jwt.claims.sub": devSubjects.user,
      "jwt.claims.roles": "",
    });
  });
});
