/*
 * Per-caller rate limit of mutations, shared by GraphQL and gRPC.
 *
 * rate-limiter-flexible (a well-kept library, atomic counters) rather than an
 * own limiter: with RATE_LIMIT_STORE=postgres (the default) the counters are
 * rows of app_private.rate_limit_counter, one atomic upsert per check, so
 * every API replica counts against the same budget; a process-local memory
 * limiter stands in while PostgreSQL cannot answer (insurance), so a busy
 * database does not turn into "no limit at all" nor into refusals.
 *
 * A caller is its JWT subject, or its IP address when anonymous. Each root
 * mutation field costs one point (50 aliased createBooking fields in one
 * document cost 50), RATE_LIMIT_MUTATIONS points per RATE_LIMIT_WINDOW_SECONDS.
 */
import type pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { LimitsConfig } from "../config/limits.ts";

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Spend `points` of the caller's budget; refuses (spending nothing more) when it is used up. */
  consume(caller: string, points: number): Promise<RateLimitDecision>;
}

/** Thrown by the transports' glue; GraphQL answers 429 + Retry-After, gRPC RESOURCE_EXHAUSTED. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`too many requests: try again in ${retryAfterSeconds} s`);
    this.name = "RateLimitedError";
  }
}

/**
 * The payment gateway's confirmations are money that has already moved: a
 * burst of them (a rush of buyers) must never be refused, so its role is not
 * rate-limited.
 */
export function isRateLimited(roles: readonly string[] | undefined): boolean {
  return !roles?.includes("payment-gateway");
}

/** The caller's key: `sub:<uuid>` when signed in, else `ip:<address>`. */
export function callerKey(sub: string | undefined, ip: string | undefined): string {
  return sub ? `sub:${sub}` : `ip:${ip ?? "unknown"}`;
}

export function createRateLimiter(limits: LimitsConfig, pool: pg.Pool): RateLimiter {
  const options = { points: limits.rateLimitPoints, duration: limits.rateLimitWindowSeconds, keyPrefix: "mutation" };
  const memory = new RateLimiterMemory(options);
  const limiter: RateLimiterAbstract =
    limits.rateLimitStore === "postgres"
      ? new RateLimiterPostgres({
          ...options,
          storeClient: pool,
          storeType: "pool",
          schemaName: "app_private",
          tableName: "rate_limit_counter",
          // The table is created by the migration (the API role may not create tables).
          tableCreated: true,
          // Expired rows are overwritten in place by the upsert; a sweep by
          // every replica is not needed.
          clearExpiredByTimeout: false,
          insuranceLimiter: memory,
        })
      : memory;
  return {
    async consume(caller, points) {
      try {
        await limiter.consume(caller, points);
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
