/*
 * Denied attempts that reached SQL, for operators (issue #14): a caller
 * refused by PostgreSQL or by a rule in SQL — 42501 (not allowed), 28000
 * (sign in first; also PostgreSQL's own privilege refusal of an anonymous
 * caller) and P0002 (not found: what a caller gets for another's object it
 * may not see; a plain typo of an id looks the same, which is why the log
 * line, not the counter, is what to investigate).
 *
 * Counted in aquastream_denied_total and logged at warn with the subject and
 * the request id. Never stored as business audit rows: nothing changed.
 */
import client from "prom-client";
import { logger } from "../log/logger.ts";
import { registry } from "./registry.ts";

export const DENIED_CODES: ReadonlySet<string> = new Set(["42501", "28000", "P0002"]);

export const deniedAttempts = new client.Counter({
  name: "aquastream_denied_total",
  help: "Calls refused in SQL (42501 not allowed, 28000 sign in first, P0002 not found/not visible), by transport, operation and SQLSTATE.",
  labelNames: ["transport", "operation", "code"] as const,
  registers: [registry],
});

export interface DeniedAttempt {
  transport: "graphql" | "grpc";
  /** GraphQL operation (bounded name) or gRPC method. */
  operation: string;
  code: string;
  /** The caller's `sub`, or undefined for an anonymous caller. */
  subject: string | undefined;
  requestId: string | undefined;
  /** The refused field (GraphQL) or the SQL error's message, for the log only. */
  detail?: string | undefined;
}

/** Counts and logs `attempt` when its code is one of the denied codes; returns whether it was. */
export function recordDenied(attempt: DeniedAttempt): boolean {
  if (!DENIED_CODES.has(attempt.code)) return false;
  deniedAttempts.inc({ transport: attempt.transport, operation: attempt.operation, code: attempt.code });
  logger.warn(
    {
      transport: attempt.transport,
      operation: attempt.operation,
      sqlstate: attempt.code,
      subject: attempt.subject ?? null,
      requestId: attempt.requestId,
      ...(attempt.detail ? { detail: attempt.detail } : {}),
    },
    "access denied",
  );
  return true;
}
