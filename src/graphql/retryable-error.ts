/*
 * The GraphQL answer to a transient database failure (src/db/transient.ts):
 * HTTP 503 with Retry-After, `extensions.code` DBUNA (the database is away)
 * or 40001/40P01 (a conflict that outlived its server-side reruns), status
 * UNAVAILABLE. Never INTERNAL: gateways retry 503s and give up on errors.
 */
import { GraphQLError } from "postgraphile/graphql";
import {
  CONFLICT_ATTEMPTS,
  CONFLICT_RETRY_AFTER_SECONDS,
  DATABASE_UNAVAILABLE,
  UNAVAILABLE_MESSAGE,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
  conflictCode,
  conflictMessage,
  databaseUnavailableReason,
  logUnavailable,
} from "../db/transient.ts";
import { setResponseStatus } from "./limits-plugin.ts";

export function retryableDatabaseError(error: GraphQLError, original: Error): GraphQLError | undefined {
  const conflict = conflictCode(original);
  const reason = conflict ? undefined : databaseUnavailableReason(original);
  if (!conflict && !reason) return undefined;
  const retryAfter = conflict ? CONFLICT_RETRY_AFTER_SECONDS : UNAVAILABLE_RETRY_AFTER_SECONDS;
  setResponseStatus(503, { "retry-after": String(retryAfter) });
  logUnavailable("graphql", reason ?? `conflict ${conflict}: rolled back ${CONFLICT_ATTEMPTS} times`, { path: error.path });
  return new GraphQLError(conflict ? conflictMessage(conflict) : UNAVAILABLE_MESSAGE, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { code: conflict ?? DATABASE_UNAVAILABLE, status: "UNAVAILABLE", retryAfterSeconds: retryAfter },
  });
}
