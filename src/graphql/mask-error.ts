/*
 * PostGraphile V5 masks every database error as "An error occurred". Errors
 * the SQL functions raise on purpose (the codes in src/errors/codes.ts) are
 * the API's answers, so they pass through with their message and code;
 * everything else stays masked and is logged with an id the client can quote.
 */
import { randomUUID } from "node:crypto";
import { GraphQLError } from "postgraphile/graphql";
import { logger } from "../log/logger.ts";
import { toCallerError } from "../errors/pg-error.ts";
import { isPoolTimeout } from "../db/pool.ts";
import { setResponseStatus } from "./limits-plugin.ts";

export function maskError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  if (!original) return error; // validation errors and the like: already safe
  if (original instanceof GraphQLError) return error;
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
