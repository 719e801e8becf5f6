/*
 * Per-caller rate limit of mutations, shared by GraphQL and gRPC.
 *
 * With RATE_LIMIT_STORE=postgres (the default) the counters are rows of
 * app_private.rate_limit_counter, spent by app_private.take_mutation_points
 * (the `250-rate-limit` part of db/migrations/committed/000010-*.sql), so every API replica counts
 * against the same budget and a restart forgets nothing. The count costs no
 * round trip of its own: it travels in the message that opens the request's
 * transaction (src/db/request-transaction.ts), committed on its own before
 * the mutation runs, so a refused or failing mutation has counted too.
 *
 * In front of it, each process remembers callers whose window it saw spent
 * (the database said so, and counts only grow within a window): their
 * further mutations are refused without asking the database until the
 * window ends. That only repeats what the database would answer, so it never
 * refuses a caller the shared count would let through, and a flood of
 * over-budget mutations costs the database nothing.
 *
 * RATE_LIMIT_STORE=memory counts in this process only (rate-limiter-flexible's
 * memory limiter; N replicas allow N × the budget).
 *
 * A caller is its JWT subject, or its IP address when anonymous. Each root
 * mutation field costs one point (50 aliased createBooking fields in one
 * document cost 50), RATE_LIMIT_MUTATIONS points per RATE_LIMIT_WINDOW_SECONDS.
 */
import type pg from "pg";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { LimitsConfig } from "../config/limits.ts";

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** What one request must spend: `points` of `caller`'s budget. */
export interface RateLimitCharge {
  caller: string;
  points: number;
}

/** The row app_private.take_mutation_points returns. */
export interface TakenPoints {
  allowed: boolean;
  points: number;
  ms_before_next: string | number;
}

export interface RateLimiter {
  /** "postgres": spent in the request's first round trip (takeStatement/decide); "memory": by consume alone. */
  readonly store: "postgres" | "memory";
  /**
   * Decides without the database when it can: the memory store always
   * (spending the points); the postgres store only when this process knows
   * the caller's window is spent (a refusal), else undefined.
   */
  decideLocally(charge: RateLimitCharge): Promise<RateLimitDecision | undefined>;
  /** The SQL statement (literals escaped by `escape`) that spends the charge; one row of TakenPoints. */
  takeStatement(charge: RateLimitCharge, escape: (value: string) => string): string;
  /** Reads the statement's row (and remembers a spent window). */
  decide(charge: RateLimitCharge, row: TakenPoints | undefined): RateLimitDecision;
  /** Spends the charge with a statement of its own: for requests that never opened a transaction. */
  consume(charge: RateLimitCharge): Promise<RateLimitDecision>;
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

// The counters' key prefix, as rate-limiter-flexible wrote it (rows stay compatible).
const KEY_PREFIX = "mutation:";
// Callers remembered as spent; past this, the oldest are forgotten (they are only asked again).
const SPENT_REMEMBERED = 10_000;

function retryAfter(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export function createRateLimiter(limits: LimitsConfig, pool: pg.Pool): RateLimiter {
  const limit = limits.rateLimitPoints;
  const windowMs = limits.rateLimitWindowSeconds * 1000;

  if (limits.rateLimitStore === "memory") {
    const memory = new RateLimiterMemory({ points: limit, duration: limits.rateLimitWindowSeconds, keyPrefix: "mutation" });
    const consume = async ({ caller, points }: RateLimitCharge): Promise<RateLimitDecision> => {
      try {
        await memory.consume(caller, points);
        return { allowed: true };
      } catch (error) {
        if (error instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: retryAfter(error.msBeforeNext) };
        throw error;
      }
    };
    return {
      store: "memory",
      decideLocally: consume,
      takeStatement: () => {
        throw new Error("the memory store counts in the process");
      },
      decide: () => ({ allowed: true }),
      consume,
    };
  }

  /** caller → performance.now() when its spent window ends. */
  const spentUntil = new Map<string, number>();
  const decide = ({ caller }: RateLimitCharge, row: TakenPoints | undefined): RateLimitDecision => {
    if (!row) throw new Error("app_private.take_mutation_points returned no row");
    const msLeft = Number(row.ms_before_next);
    // Every request costs at least one point: once the window holds the whole
    // budget, nothing more passes in it.
    if (row.points >= limit) {
      spentUntil.delete(caller); // re-inserted last: the map's order is the order of forgetting
      if (spentUntil.size >= SPENT_REMEMBERED) spentUntil.delete(spentUntil.keys().next().value!);
      spentUntil.set(caller, performance.now() + msLeft);
    }
    return row.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: retryAfter(msLeft) };
  };
  const takeStatement = ({ caller, points }: RateLimitCharge, escape: (value: string) => string): string =>
    `select allowed, points, ms_before_next from app_private.take_mutation_points(${escape(KEY_PREFIX + caller)}, ${points | 0}, ${limit | 0}, ${windowMs | 0})`;
  return {
    store: "postgres",
    async decideLocally({ caller }) {
      const until = spentUntil.get(caller);
      if (until === undefined) return undefined;
      const msLeft = until - performance.now();
      if (msLeft > 0) return { allowed: false, retryAfterSeconds: retryAfter(msLeft) };
      spentUntil.delete(caller);
      return undefined;
    },
    takeStatement,
    decide,
    async consume(charge) {
      const { rows } = await pool.query<TakenPoints>(
        "select allowed, points, ms_before_next from app_private.take_mutation_points($1, $2, $3, $4)",
        [KEY_PREFIX + charge.caller, charge.points, limit, windowMs],
      );
      return decide(charge, rows[0]);
    },
  };
}
