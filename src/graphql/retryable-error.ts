/*
 * The GraphQL answer to a transient database failure (src/db/transient.ts):
 * HTTP 503 with Retry-After, `extensions.code` DBUNA (the database is away)
 * or 40001/40P01 (a conflict that outlived its server-side reruns), status
 * UNAVAILABLE. Never INTERNAL: gateways retry 503s and give up on errors.
 */
import { GraphQLError } from "postgraphile/graphql";
import { retryAnswer } from "../db/transient.ts";
import { setResponseStatus } from "./limits-plugin.ts";

export function retryableDatabaseError(error: GraphQLError, original: Error): GraphQLError | undefined {
  const answer = retryAnswer(original, "graphql", { path: error.path });
  if (!answer) return undefined;
  setResponseStatus(503, { "retry-after": String(answer.retryAfterSeconds) });
  return new GraphQLError(answer.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { code: answer.code, status: "UNAVAILABLE", retryAfterSeconds: answer.retryAfterSeconds },
  });
}
