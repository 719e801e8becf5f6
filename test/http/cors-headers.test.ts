/*
 * CORS and security headers over real HTTP: the same createHttpApi() as
 * production on random ports, asked by node:http exactly as a browser would
 * (an Origin header, real preflights), because fetch() hides what browsers do.
 */
import { request } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import type pg from "pg";
import { loadConfig } from "../../src/config/env.ts";
import { createPool } from "../../src/db/pool.ts";
import { createVerifier } from "../../src/auth/verifier.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { createHttpApi, type HttpApi } from "../../src/http/app.ts";
import { makeReadinessCheck } from "../../src/http/readiness.ts";
import { configRefusal } from "../helpers/config.ts";
import { loadTransport } from "../../src/config/transport.ts";

vi.hoisted(() => {
  process.env.LOG_LEVEL = "silent";
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const APP = "https://app.aquastream.example";
const ADMIN_APP = "http://localhost:3000";
const EVIL = "https://evil.example";

let pool: pg.Pool;
const servers: HttpApi[] = [];

/** An API with `env` (CORS_ORIGINS …) on a random port; Ruru on. */
async function startApi(env: Record<string, string>): Promise<{ url: string; token: string }> {
  const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "aquastream-cors-")), LOG_LEVEL: "silent", ...env });
  const http = await createHttpApi({
    pool,
    verifier: createVerifier(config),
    graphiql: true,
    limits: config.limits,
    transport: config.transport,
    readiness: makeReadinessCheck(pool),
  });
  servers.push(http);
  await new Promise<void>((resolve) => http.server.listen(0, "127.0.0.1", resolve));
  const token = await loadDevIssuer(config).signDevToken({ role: ["user"] });
  return { url: `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`, token };
}

let listed: { url: string; token: string };
let anyOrigin: { url: string; token: string };
let noCors: { url: string; token: string };

beforeAll(async () => {
  pool = createPool(inject("databaseUrl"), 3, "test-cors");
  listed = await startApi({ CORS_ORIGINS: `${APP}, ${ADMIN_APP}`, CORS_MAX_AGE: "900" });
  anyOrigin = await startApi({ CORS_ORIGINS: "*" });
  noCors = await startApi({});
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await pool?.end();
});

const preflight = (url: string, origin: string) =>
  call(`${url}/graphql`, "OPTIONS", {
    origin,
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization,content-type",
  });

const query = (url: string, origin: string, token: string) =>
  call(
    `${url}/graphql`,
    "POST",
    { origin, "content-type": "application/json", authorization: `Bearer ${token}` },
    JSON.stringify({ query: "{ currentUserRoles }" }),
  );

describe("CORS with an allowlist", () => {
  it("answers a preflight from a listed origin: that origin, POST, the Authorization header, max age, never credentials", async () => {
    for (const origin of [APP, ADMIN_APP]) {
      const answer = await preflight(listed.url, origin);
      expect(answer.status).toBe(204);
      expect(answer.headers["access-control-allow-origin"]).toBe(origin);
      expect(String(answer.headers["access-control-allow-methods"]).split(",")).toContain("POST");
      expect(String(answer.headers["access-control-allow-headers"]).split(",")).toEqual(
        expect.arrayContaining(["authorization", "content-type"]),
      );
      expect(answer.headers["access-control-max-age"]).toBe("900");
      expect(String(answer.headers.vary)).toMatch(/origin/i);
      expect(answer.headers["access-control-allow-credentials"]).toBeUndefined();
    }
  });

  it("lets the listed origin read the answer of the real request, with the request id and Retry-After exposed", async () => {
    const answer = await query(listed.url, APP, listed.token);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { currentUserRoles: ["user"] } });
    expect(answer.headers["access-control-allow-origin"]).toBe(APP);
    expect(String(answer.headers["access-control-expose-headers"]).split(",")).toEqual(
      expect.arrayContaining(["retry-after", "x-request-id"]),
    );
    expect(answer.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("gives an origin that is not listed no Access-Control-Allow-Origin, so the browser blocks it", async () => {
    const pre = await preflight(listed.url, EVIL);
    expect(pre.headers["access-control-allow-origin"]).toBeUndefined();
    // Same scheme and host but another port is another origin.
    const port = await preflight(listed.url, "http://localhost:3001");
    expect(port.headers["access-control-allow-origin"]).toBeUndefined();
    const real = await query(listed.url, EVIL, listed.token);
    expect(real.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("sends no CORS headers on the probes", async () => {
    const answer = await call(`${listed.url}/healthz`, "GET", { origin: APP });
    expect(answer.status).toBe(200);
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("CORS for any origin and without configuration", () => {
  it('"*" allows every origin, still without credentials', async () => {
    const pre = await preflight(anyOrigin.url, EVIL);
    expect(pre.status).toBe(204);
    expect(pre.headers["access-control-allow-origin"]).toBe("*");
    expect(pre.headers["access-control-allow-credentials"]).toBeUndefined();
    const real = await query(anyOrigin.url, EVIL, anyOrigin.token);
    expect(real.status).toBe(200);
    expect(real.headers["access-control-allow-origin"]).toBe("*");
  });

  it("with no CORS_ORIGINS no origin is allowed: same-origin callers only", async () => {
    const pre = await preflight(noCors.url, APP);
    expect(pre.headers["access-control-allow-origin"]).toBeUndefined();
    const real = await query(noCors.url, APP, noCors.token);
    expect(real.status).toBe(200);
    expect(real.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("refuses origins that are not scheme://host[:port], and * mixed with a list", () => {
    for (const [value, fragment] of [
      ["https://app.example.com/path", "no path"],
      ["app.example.com", "is not an origin"],
      ["ftp://app.example.com", "no path"],
      ["*,https://app.example.com", "not both"],
    ] as const) {
      const error = configRefusal(loadTransport, { CORS_ORIGINS: value });
      expect(error.variable).toBe("CORS_ORIGINS");
      expect(error.message).toContain(fragment);
    }
  });
});

describe("security headers", () => {
  const common = (headers: Answer["headers"]) => {
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["strict-transport-security"]).toMatch(/max-age=\d+/);
    expect(headers["referrer-policy"]).toBe("no-referrer");
    expect(headers["cross-origin-opener-policy"]).toBe("same-origin");
    expect(headers["x-powered-by"]).toBeUndefined();
  };

  it("GraphQL and probe answers forbid loading anything (default-src 'none') and framing", async () => {
    for (const answer of [await query(listed.url, APP, listed.token), await call(`${listed.url}/readyz`, "GET", {})]) {
      common(answer.headers);
      const csp = String(answer.headers["content-security-policy"]);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
    }
  });

  it("Ruru's page gets a policy that allows what the page loads: its own origin, inline scripts, blob: workers", async () => {
    const page = await call(`${listed.url}/graphiql`, "GET", { accept: "text/html" });
    expect(page.status).toBe(200);
    common(page.headers);
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // Every script, module and stylesheet the page refers to is on this origin (the policy's 'self')…
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref, ref).toMatch(/^\/(?!\/)/);
    const imports = [...page.body.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of imports) expect(ref, ref).toMatch(/^\/(?!\/)/);
    // …and is served there.
    for (const ref of [...refs, ...imports]) {
      const asset = await call(`${listed.url}${ref}`, "GET", {});
      expect(asset.status, ref).toBe(200);
    }
  });
});
