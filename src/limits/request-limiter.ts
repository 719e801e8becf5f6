/*
 * Per-caller budget of REQUESTS (reads and writes alike), beside the
 * mutation budget of rate-limiter.ts (which counts writes in PostgreSQL so
 * that replicas share it). Reads are many and cheap, so this one must be
 * cheaper still: counters live in this process's memory
 * (rate-limiter-flexible's RateLimiterMemory, no database round trip), one
 * point per GraphQL request or gRPC call, RATE_LIMIT_REQUESTS per
 * RATE_LIMIT_REQUEST_WINDOW_SECONDS. N replicas therefore allow N × the
 * budget per caller (docs/limits.md): it bounds what one client can make one
 * process do, which is what protects the others it serves.
 *
 * The caller: its JWT `sub` when signed in; else its address (HTTP: express's
 * req.ip, which follows X-Forwarded-For only through the HTTP_TRUST_PROXY
 * hops the operator declared; gRPC: the peer, or with GRPC_TRUST_FORWARDED_FOR
 * the last x-forwarded-for entry the gateway added). An IPv6 address counts
 * by its /64 prefix: one subscriber usually holds a whole /64, and counting
 * each of its 2^64 addresses apart would give one client endless budgets
 * (and this process endless counters).
 */
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { isIPv6 } from "node:net";
import type { RateLimitDecision } from "./rate-limiter.ts";

export interface RequestLimiterConfig {
  /** Requests per window and caller; 0: no budget (off). */
  points: number;
  windowSeconds: number;
}

export interface RequestLimiter {
  /** Spends one point of the caller's budget, or refuses with the seconds until one is free. */
  consume(caller: string): Promise<RateLimitDecision>;
}

/** The key of an address: IPv4 as is, IPv6 by its /64 (IPv4-mapped IPv6 as the IPv4 address). */
export function addressKey(address: string | undefined): string {
  if (!address) return "ip:unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return `ip:${mapped[1]}`;
  if (!isIPv6(address)) return `ip:${address}`;
  // Expand "::" so the first four groups are the /64.
  const [head = "", tail = ""] = address.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = address.includes("::") ? (tail ? tail.split(":") : []) : [];
  const groups = address.includes("::")
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups]
    : headGroups;
  return `ip6:${groups.slice(0, 4).map((group) => parseInt(group, 16).toString(16)).join(":")}::/64`;
}

/** `sub:<id>` for a signed-in caller, else the address's key. */
export function requestCallerKey(sub: string | undefined, address: string | undefined): string {
  return sub ? `sub:${sub}` : addressKey(address);
}

/** Service accounts whose calls are not people browsing: the payment gateway reports money already moved. */
export function isRequestLimited(roles: readonly string[] | undefined): boolean {
  return !roles?.includes("payment-gateway");
}

export function createRequestLimiter(config: RequestLimiterConfig): RequestLimiter | undefined {
  if (config.points === 0) return undefined;
  const limiter = new RateLimiterMemory({ points: config.points, duration: config.windowSeconds, keyPrefix: "request" });
  return {
    async consume(caller) {
      try {
        await limiter.consume(caller, 1);
        return { allowed: true };
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
        }
        throw error;
      }
    },
  };
}
