/*
 * Database failures that are nobody's mistake and pass by themselves: the
 * server is restarting, shutting down, failing over or unreachable, our
 * backend was terminated, or our transaction lost a race with another one.
 * Both transports answer them as "retry" (GraphQL 503 + Retry-After, gRPC
 * UNAVAILABLE + retry-after metadata) instead of INTERNAL, because gateways
 * and clients retry UNAVAILABLE and give up on INTERNAL.
 *
 * Conflicts (40001 serialization failure, 40P01 deadlock) are also rerun
 * here, server-side, a bounded number of times. The rule: only a whole
 * transaction that PostgreSQL rolled back is rerun, and only when the code
 * that ran it did nothing outside the transaction, so nothing of the failed
 * attempt remains and rerunning is exactly what the caller would do. Both
 * transports wrap the one transaction of a call (a gRPC call; one GraphQL
 * root field, which PostGraphile runs as its own transaction), so a rerun
 * never repeats an earlier, committed mutation of a multi-field document.
 * Lost connections and shutdowns are NOT rerun: a connection lost around
 * COMMIT leaves the outcome unknown, so the caller decides (idempotency keys,
 * a read).
 */
import { logger } from "../log/logger.ts";
import { databaseRetries, databaseUnavailable } from "../metrics/registry.ts";

/** The code both transports answer a database that is away with (docs/error-codes.md). */
export const DATABASE_UNAVAILABLE = "DBUNA";

/** Seconds a client should wait before retrying: a restart or failover takes seconds. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;
/** A conflict clears as soon as the other transaction ends. */
export const CONFLICT_RETRY_AFTER_SECONDS = 1;

/** Attempts of one transaction that keeps hitting conflicts (the first run and up to two reruns). */
export const CONFLICT_ATTEMPTS = 3;

// Node's socket errors on the way to the server or while talking to it.
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

// SQLSTATEs of a server that is going away or not there yet:
// 57P01 admin_shutdown (pg_terminate_backend, fast/smart shutdown),
// 57P02 crash_shutdown (another backend crashed, immediate shutdown),
// 57P03 cannot_connect_now (starting up, shutting down, in recovery),
// 53300 too_many_connections, and class 08 (connection exceptions).
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);

// node-postgres reports a lost socket by message only (no code).
const LOST_CONNECTION_MESSAGES = [
  /^Connection terminated/, // "… unexpectedly", "… due to connection timeout"
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
];

const CONFLICT_SQLSTATES = new Set(["40001", "40P01"]);

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The error and what it wraps (cause, AggregateError's errors: Node's connect to several addresses). */
function* chain(error: unknown, depth = 0): Generator<ErrorLike> {
  if (typeof error !== "object" || error === null || depth > 4) return;
  const e = error as ErrorLike;
  yield e;
  yield* chain(e.cause, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
}

/** Why the database is unavailable (for logs), or undefined when the error is something else. */
export function databaseUnavailableReason(error: unknown): string | undefined {
  for (const e of chain(error)) {
    const code = typeof e.code === "string" ? e.code : undefined;
    const message = typeof e.message === "string" ? e.message : "";
    if (code && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) {
      return `${code}: ${message}`;
    }
    if (LOST_CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return message;
  }
  return undefined;
}

/** 40001 or 40P01: the transaction was rolled back because it conflicted with another one. */
export function conflictCode(error: unknown): "40001" | "40P01" | undefined {
  const code = (error as ErrorLike | null)?.code;
  return typeof code === "string" && CONFLICT_SQLSTATES.has(code) ? (code as "40001" | "40P01") : undefined;
}

/** The caller-facing message of a conflict that outlived its reruns. */
export function conflictMessage(code: "40001" | "40P01"): string {
  const what = code === "40P01" ? "a deadlock with another transaction" : "a serialization failure (a concurrent transaction)";
  return `the transaction was rolled back after ${what}, ${CONFLICT_ATTEMPTS} times: nothing was written, retry shortly`;
}

export const UNAVAILABLE_MESSAGE = "the database is unavailable (restarting, failing over or unreachable): nothing was written unless the call had reached its commit; retry shortly";

/** Counts and logs one unavailable answer (warn: an operator condition, not a bug; no stack). */
export function logUnavailable(transport: "graphql" | "grpc", reason: string, details: Record<string, unknown> = {}): void {
  databaseUnavailable.inc({ transport });
  logger.warn({ transport, reason, ...details }, "database unavailable: answered retry");
}

/** What either transport answers for a transient database failure. */
export interface RetryAnswer {
  /** DBUNA, or the conflict's SQLSTATE (40001/40P01). */
  code: string;
  message: string;
  retryAfterSeconds: number;
}

/**
 * The retry answer for `error` when it is a transient database failure (the
 * database away, or a conflict that outlived its reruns), logged and counted
 * once; undefined for any other error.
 */
export function retryAnswer(
  error: unknown,
  transport: "graphql" | "grpc",
  details: Record<string, unknown> = {},
): RetryAnswer | undefined {
  const conflict = conflictCode(error);
  const reason = conflict ? undefined : databaseUnavailableReason(error);
  if (!conflict && !reason) return undefined;
  logUnavailable(transport, reason ?? `conflict ${conflict}: rolled back ${CONFLICT_ATTEMPTS} times`, details);
  return conflict
    ? { code: conflict, message: conflictMessage(conflict), retryAfterSeconds: CONFLICT_RETRY_AFTER_SECONDS }
    : { code: DATABASE_UNAVAILABLE, message: UNAVAILABLE_MESSAGE, retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS };
}

/**
 * Runs `transaction` (begin … commit of its own, rolled back in full when it
 * throws) and reruns it while it fails with 40001/40P01, at most
 * CONFLICT_ATTEMPTS times in all, after a short random pause so the two
 * conflicting callers do not collide again in step.
 */
export async function withConflictRetry<T>(transport: "graphql" | "grpc", transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      const code = conflictCode(error);
      if (!code || attempt >= CONFLICT_ATTEMPTS) throw error;
      databaseRetries.inc({ transport, code });
      logger.info({ transport, code, attempt }, "transaction rolled back by a conflict: running it again");
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}
