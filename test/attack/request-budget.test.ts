/*
 * Attack: flooding reads. Every GraphQL request and every gRPC call spends
 * one point of its caller's request budget (RATE_LIMIT_REQUESTS per
 * RATE_LIMIT_REQUEST_WINDOW_SECONDS, per process); over it the answer is
 * 429 + Retry-After (code LMRAT) or RESOURCE_EXHAUSTED + retry-after,
 * before the document is even parsed. Dodges tried: a forged
 * X-Forwarded-For (ignored without HTTP_TRUST_PROXY; behind one trusted
 * proxy only its own, rightmost, entry counts), forged x-forwarded-for gRPC
 * metadata, and fresh IPv6 addresses of one /64. Signed-in callers count by
 * their subject, apart from each other and from anonymous ones. Real HTTP
 * and gRPC against the real servers, real PostgreSQL.
 */
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { useTestApi } from "../helpers/api.ts";
import { useLimitedGrpcServer } from "../helpers/limited-grpc.ts";
import { committingUser } from "../db/factories.ts";
import { expectRefused, post } from "./helpers.ts";
import { addressKey } from "../../src/limits/request-limiter.ts";
import type { TestUser } from "../helpers/db.ts";

const BUDGET = 5;
const limits = { RATE_LIMIT_REQUESTS: String(BUDGET), RATE_LIMIT_REQUEST_WINDOW_SECONDS: "600" };
const query = { query: "{ allEventCategories(first: 1) { nodes { rowId } } }" };

/** `n` requests with these headers; the HTTP statuses. */
async function statuses(url: string, n: number, headers: Record<string, string> = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await post(url, query, headers)).status);
  return out;
}

describe("attack: the request budget over HTTP (no trusted proxy)", () => {
  const api = useTestApi({ env: limits });

  it("anonymous reads beyond the budget → 429 LMRAT with Retry-After; a forged X-Forwarded-For buys nothing", async () => {
    expect(await statuses(api.url, BUDGET)).toEqual(Array(BUDGET).fill(200));
    const refused = await post(api.url, query);
    expectRefused(refused, "LMRAT");
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ status: "RESOURCE_EXHAUSTED", limit: "requests" });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    // A new "client address" per request: without HTTP_TRUST_PROXY the header is not read at all.
    for (let i = 0; i < 5; i++) {
      expect((await post(api.url, query, { "x-forwarded-for": `203.0.113.${i}` })).status).toBe(429);
    }
    // Refused before the document is parsed: a syntax error is not even seen.
    expect((await post(api.url, { query: "{ not a document" })).status).toBe(429);
  });

  it("signed-in callers count by their subject: apart from anonymous callers and from each other; mutations spend the budget too", async () => {
    const alice = committingUser("user");
    const bob = committingUser("user");
    const asAlice = { authorization: `Bearer ${await api.token(alice)}` };
    // Anonymous callers from this address are over budget by now (the test above); Alice is not.
    expect(await statuses(api.url, BUDGET - 1, asAlice)).toEqual(Array(BUDGET - 1).fill(200));
    const mutation = await post(api.url, { query: 'mutation { removeFavorite(input: { eventId: "00000000-0000-4000-8000-000000000000" }) { clientMutationId } }' }, asAlice);
    expect(mutation.status).not.toBe(429);
    expect((await post(api.url, query, asAlice)).status).toBe(429);
    expect((await post(api.url, query, { authorization: `Bearer ${await api.token(bob)}` })).status).toBe(200);
  });

  it("the payment gateway is not limited (its confirmations are money already moved)", async () => {
    const gateway = { authorization: `Bearer ${await api.token(committingUser("payment-gateway"))}` };
    expect(await statuses(api.url, BUDGET + 3, gateway)).toEqual(Array(BUDGET + 3).fill(200));
  });
});

describe("attack: the request budget behind one trusted proxy (HTTP_TRUST_PROXY=1)", () => {
  const api = useTestApi({ env: { ...limits, HTTP_TRUST_PROXY: "1" } });

  it("only the entry the proxy appended counts: forged entries before it share one budget, another client has its own", async () => {
    const forged = (i: number) => ({ "x-forwarded-for": `198.51.100.${i}, 192.0.2.10` });
    const seen: number[] = [];
    for (let i = 0; i < BUDGET + 3; i++) seen.push((await post(api.url, query, forged(i))).status);
    expect(seen).toEqual([...Array(BUDGET).fill(200), 429, 429, 429]);
    expect((await post(api.url, query, { "x-forwarded-for": "192.0.2.11" })).status).toBe(200);
  });

  it("fresh IPv6 addresses of one /64 share one budget; another /64 has its own", async () => {
    const seen: number[] = [];
    for (let i = 0; i < BUDGET + 2; i++) seen.push((await post(api.url, query, { "x-forwarded-for": `2001:db8:1:2::${(i + 1).toString(16)}` })).status);
    expect(seen).toEqual([...Array(BUDGET).fill(200), 429, 429]);
    expect((await post(api.url, query, { "x-forwarded-for": "2001:db8:1:3::1" })).status).toBe(200);
  });
});

describe("addressKey", () => {
  it("keys IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64 however it is written", () => {
    expect(addressKey("192.0.2.1")).toBe("ip:192.0.2.1");
    expect(addressKey("::ffff:192.0.2.1")).toBe("ip:192.0.2.1");
    expect(addressKey("2001:db8:0:1::5")).toBe("ip6:2001:db8:0:1::/64");
    expect(addressKey("2001:0db8:0000:0001:ffff:ffff:ffff:ffff")).toBe("ip6:2001:db8:0:1::/64");
    expect(addressKey("::1")).toBe("ip6:0:0:0:0::/64");
    expect(addressKey(undefined)).toBe("ip:unknown");
  });
});

/** A gRPC server with these limits and a way to call ListCategories as someone, with metadata. */
function useGrpc(env: Record<string, string>) {
  const server = useLimitedGrpcServer({ env, poolSize: 3, poolName: "test-grpc-budget" });
  return async (as: TestUser | null, extra: Record<string, string> = {}): Promise<grpc.ServiceError | undefined> => {
    const md = await server.metadataFor(as, extra);
    return new Promise((resolve) => server.client.listCategories({}, md, (error) => resolve(error ?? undefined)));
  };
}

describe("attack: the request budget over gRPC", () => {
  const list = useGrpc(limits);

  it("anonymous calls beyond the budget → RESOURCE_EXHAUSTED with retry-after; forged x-forwarded-for metadata is ignored", async () => {
    for (let i = 0; i < BUDGET; i++) expect(await list(null)).toBeUndefined();
    const refused = await list(null);
    expect(refused?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused?.metadata.get("aquastream-error-code")).toEqual(["LMRAT"]);
    expect(Number(refused?.metadata.get("retry-after")[0])).toBeGreaterThanOrEqual(1);
    expect((await list(null, { "x-forwarded-for": "203.0.113.7" }))?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // A signed-in caller has a budget of its own.
    expect(await list(committingUser("user"))).toBeUndefined();
  });
});

describe("attack: the request budget over gRPC behind the gateway (GRPC_TRUST_FORWARDED_FOR=true)", () => {
  const list = useGrpc({ ...limits, GRPC_TRUST_FORWARDED_FOR: "true" });

  it("anonymous callers count by the gateway's (last) x-forwarded-for entry; forged entries before it share that budget", async () => {
    for (let i = 0; i < BUDGET; i++) expect(await list(null, { "x-forwarded-for": `198.51.100.${i}, 192.0.2.20` })).toBeUndefined();
    expect((await list(null, { "x-forwarded-for": "198.51.100.99, 192.0.2.20" }))?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(await list(null, { "x-forwarded-for": "192.0.2.21" })).toBeUndefined();
  });
});
