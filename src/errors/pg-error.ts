/*
 * Turns an error thrown by PostgreSQL into the caller-facing shape both
 * transports use (GraphQL extensions, gRPC status). Only SQLSTATEs in the
 * error table are "expected"; anything else is the server's fault and stays
 * masked.
 */
import { lookupErrorCode, type ErrorStatus } from "./codes.ts";

export interface CallerError {
  /** The SQLSTATE, e.g. "22023" or one of the project's own codes. */
  code: string;
  status: ErrorStatus;
  message: string;
  detail?: string | undefined;
  hint?: string | undefined;
  constraint?: string | undefined;
  /** The argument/field at fault, when the SQL function names it (RAISE … USING COLUMN). */
  column?: string | undefined;
}

interface PgLikeError {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  hint?: unknown;
  constraint?: unknown;
  column?: unknown;
  severity?: unknown;
}

function isPgError(error: unknown): error is PgLikeError & { code: string; message: string } {
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as PgLikeError).code === "string" &&
    /^[0-9A-Z]{5}$/.test((error as PgLikeError).code as string) &&
    typeof (error as PgLikeError).severity === "string"
  );
}

const optional = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

/**
 * PostgreSQL's own privilege refusal. Members hold EXECUTE on every app_public
 * function and SELECT on every app_public table (test/security/catalog.test.ts
 * keeps it so), so only an anonymous caller meets it: the answer is "sign in"
 * (28000, UNAUTHENTICATED), as the functions themselves answer anonymous calls.
 */
const PRIVILEGE_REFUSAL = /^permission denied for (function|table|view|sequence) /;

/** The caller-facing error, or undefined when the error is not one we raise on purpose. */
export function toCallerError(error: unknown): CallerError | undefined {
  if (!isPgError(error)) return undefined;
  if (error.code === "42501" && PRIVILEGE_REFUSAL.test(error.message)) {
    return { code: "28000", status: "UNAUTHENTICATED", message: "sign in first" };
  }
  const entry = lookupErrorCode(error.code);
  if (!entry) return undefined;
  return {
    code: error.code,
    status: entry.status,
    message: error.message,
    detail: optional(error.detail),
    hint: optional(error.hint),
    constraint: optional(error.constraint),
    column: optional(error.column),
  };
}
