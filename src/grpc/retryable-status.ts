/*
 * The gRPC answer to a transient database failure (src/db/transient.ts):
 * UNAVAILABLE, which gateways and grpc-js retry policies retry, with
 * `retry-after` metadata (seconds) and `aquastream-error-code` DBUNA (the
 * database is away) or 40001/40P01 (a conflict that outlived its
 * server-side reruns). Never INTERNAL.
 */
import * as grpc from "@grpc/grpc-js";
import { retryAnswer } from "../db/transient.ts";

export function retryableDatabaseStatus(
  error: unknown,
  method: string,
  metadata: grpc.Metadata,
): Partial<grpc.ServiceError> | undefined {
  const answer = retryAnswer(error, "grpc", { method });
  if (!answer) return undefined;
  metadata.set("aquastream-error-code", answer.code);
  metadata.set("retry-after", String(answer.retryAfterSeconds));
  return { code: grpc.status.UNAVAILABLE, details: answer.message, metadata };
}
