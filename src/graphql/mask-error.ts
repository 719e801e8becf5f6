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

export function maskError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  if (!original) return error; // validation errors and the like: already safe
  if (original instanceof GraphQLError) return error;
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
