/*
 * The gRPC answer to a transient database failure (src/db/transient.ts):
 * UNAVAILABLE, which gateways and grpc-js retry policies retry, with
 * `retry-after` metadata (seconds) and `aquastream-error-code` DBUNA (the
 * database is away) or 40001/40P01 (a conflict that outlived its
 * server-side reruns). Never INTERNAL.
 */
import * as grpc from "@grpc/grpc-js";
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

export function retryableDatabaseStatus(
  error: unknown,
  method: string,
  metadata: grpc.Metadata,
): Partial<grpc.ServiceError> | undefined {
  const conflict = conflictCode(error);
  const reason = conflict ? undefined : databaseUnavailableReason(error);
  if (!conflict && !reason) return undefined;
  const retryAfter = conflict ? CONFLICT_RETRY_AFTER_SECONDS : UNAVAILABLE_RETRY_AFTER_SECONDS;
  metadata.set("aquastream-error-code", conflict ?? DATABASE_UNAVAILABLE);
  metadata.set("retry-after", String(retryAfter));
  logUnavailable("grpc", reason ?? `conflict ${conflict}: rolled back ${CONFLICT_ATTEMPTS} times`, { method });
  return {
    code: grpc.status.UNAVAILABLE,
    details: conflict ? conflictMessage(conflict) : UNAVAILABLE_MESSAGE,
    metadata,
  };
}
