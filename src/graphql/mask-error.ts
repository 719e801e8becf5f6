/*
 * PostGraphile V5 masks every database error as "An error occurred". Errors
 * the SQL functions raise on purpose (the codes in src/errors/codes.ts) are
 * the API's answers, so they pass through with their message and code;
 * everything else stays masked and is logged with an id the client can quote.
 */
import { randomUUID } from "node:crypto";
import { GraphQLError } from "postgraphile/graphql";
import { isSafeError } from "postgraphile/grafast";
import { logger } from "../log/logger.ts";
import { toCallerError } from "../errors/pg-error.ts";
import { isPoolTimeout } from "../db/pool.ts";
import { setResponseStatus } from "./limits-plugin.ts";
import { retryableDatabaseError } from "./retryable-error.ts";
import { TicketTokenError } from "../tickets/token.ts";

export function maskError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  if (!original) return error; // validation errors and the like: already safe
  if (original instanceof GraphQLError) return error;
  if (original instanceof TicketTokenError) {
    // Checked in TypeScript before any SQL: the same code gRPC answers.
    return new GraphQLError(original.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: { ...original.extensions },
    });
  }
  if (isPoolTimeout(original)) {
    // Every connection stayed busy for DATABASE_POOL_TIMEOUT_MS: say so (503)
    // rather than hang or look like a bug.
    setResponseStatus(503, { "retry-after": "1" });
    return new GraphQLError("the service is busy (every database connection is in use): retry shortly", {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: { code: "LMBSY", status: "UNAVAILABLE" },
    });
  }
  const refusal = safeRefusal(original);
  if (refusal) {
    return new GraphQLError(refusal.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: refusal.extensions,
    });
  }
  const retryable = retryableDatabaseError(error, original);
  if (retryable) return retryable;
  const callerError = toCallerError(original);
  if (callerError) {
    return new GraphQLError(callerError.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      originalError: original,
      extensions: {
        code: callerError.code,
        status: callerError.status,
        ...(callerError.detail ? { detail: callerError.detail } : {}),
        ...(callerError.hint ? { hint: callerError.hint } : {}),
        ...(callerError.constraint ? { constraint: callerError.constraint } : {}),
        ...(callerError.column ? { field: callerError.column } : {}),
      },
    });
  }
  const errorId = randomUUID();
  logger.error({ errorId, err: original, path: error.path }, "unexpected error in GraphQL request");
  return new GraphQLError(`An unexpected error occurred (error id ${errorId})`, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { code: "INTERNAL", errorId },
  });
}

/**
 * Grafast's SafeError is what the engine and its plugins throw for a request
 * they cannot serve as asked: a malformed cursor, a cursor of another
 * ordering or connection, `offset` with `last`. Its message is meant for the
 * caller, so it is a client error (22023, the argument named when the
 * message names it), not an INTERNAL with a hidden message. A SafeError
 * that brings its own code (e.g. LMRAT) keeps it.
 */
function safeRefusal(original: Error): { message: string; extensions: Record<string, unknown> } | undefined {
  if (!isSafeError(original)) return undefined;
  const own = (original as { extensions?: Record<string, unknown> }).extensions ?? {};
  if (typeof own.code === "string") return { message: original.message, extensions: own };
  const field = /\b(after|before|offset|first|last)\b/i.exec(original.message)?.[1]?.toLowerCase()
    ?? (/cursor/i.test(original.message) ? "cursor" : undefined);
  return {
    message: original.message,
    extensions: { code: "22023", status: "INVALID_ARGUMENT", ...(field ? { field } : {}) },
  };
}
