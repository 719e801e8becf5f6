/*
 * The error table's statuses as gRPC status codes, and the one place an
 * error thrown inside a handler becomes what the caller sees.
 */
import * as grpc from "@grpc/grpc-js";
import { TicketTokenError } from "../tickets/token.ts";
import type { ErrorStatus } from "../errors/codes.ts";
import { toCallerError } from "../errors/pg-error.ts";
import { AuthError, AuthUnavailableError } from "../auth/errors.ts";
import { logger } from "../log/logger.ts";
import { randomUUID } from "node:crypto";
import { RateLimitedError } from "../limits/rate-limiter.ts";
import { isPoolTimeout } from "../db/pool.ts";
import { retryableDatabaseStatus } from "./retryable-status.ts";

const grpcCodes: Record<ErrorStatus, grpc.status> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  DEADLINE_EXCEEDED: grpc.status.DEADLINE_EXCEEDED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
};

/** A caller mistake found in the glue itself (e.g. a malformed page token). */
export class InvalidArgument extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Request bytes that are not a message of the method's type. grpc-js would
 * answer a throwing deserializer with INTERNAL (as if the server were at
 * fault), so the deserializer hands this marker to the handler instead
 * (server.ts), and the call wrapper answers INVALID_ARGUMENT (call.ts).
 */
export class Undecodable {
  constructor(readonly reason: string) {}
}

/** The client cancelled the call: the transaction is rolled back, nobody hears the answer. */
export class CallCancelled extends Error {
  constructor() {
    super("the call was cancelled by the client");
  }
}

/** Nothing visible to the caller has this id (from a read in the glue). */
export class NotFound extends Error {}

export function toServiceError(error: unknown, method: string): Partial<grpc.ServiceError> {
  const metadata = new grpc.Metadata();
  if (error instanceof AuthError) {
    return { code: grpc.status.UNAUTHENTICATED, details: error.message, metadata };
  }
  if (error instanceof AuthUnavailableError) {
    return { code: grpc.status.UNAVAILABLE, details: error.message, metadata };
  }
  if (error instanceof NotFound) {
    metadata.set("aquastream-error-code", "P0002");
    return { code: grpc.status.NOT_FOUND, details: error.message, metadata };
  }
  if (error instanceof TicketTokenError) {
    metadata.set("aquastream-error-code", error.code);
    metadata.set("aquastream-error-field", "token");
    return { code: grpc.status.INVALID_ARGUMENT, details: error.message, metadata };
  }
  if (error instanceof InvalidArgument) {
    metadata.set("aquastream-error-code", "22023");
    if (error.field) metadata.set("aquastream-error-field", error.field);
    return { code: grpc.status.INVALID_ARGUMENT, details: error.message, metadata };
  }
  if (error instanceof CallCancelled) {
    return { code: grpc.status.CANCELLED, details: error.message, metadata };
  }
  if (error instanceof RateLimitedError) {
    metadata.set("aquastream-error-code", "LMRAT");
    metadata.set("retry-after", String(error.retryAfterSeconds));
    return { code: grpc.status.RESOURCE_EXHAUSTED, details: error.message, metadata };
  }
  if (isPoolTimeout(error)) {
    metadata.set("aquastream-error-code", "LMBSY");
    metadata.set("retry-after", "1"); // as GraphQL's Retry-After
    return {
      code: grpc.status.UNAVAILABLE,
      details: "the service is busy (every database connection is in use): retry shortly",
      metadata,
    };
  }
  const retryable = retryableDatabaseStatus(error, method, metadata);
  if (retryable) return retryable;
  // 57014: our own statement_timeout (the call's deadline, or DATABASE_STATEMENT_TIMEOUT_MS),
  // or the cancel of a cancelled call.
  if ((error as { code?: string }).code === "57014") {
    metadata.set("aquastream-error-code", "57014");
    return {
      code: grpc.status.DEADLINE_EXCEEDED,
      details: "deadline exceeded while the database was working (the call's deadline or the statement timeout)",
      metadata,
    };
  }
  const callerError = toCallerError(error);
  if (callerError) {
    metadata.set("aquastream-error-code", callerError.code);
    if (callerError.column) metadata.set("aquastream-error-field", callerError.column);
    return { code: grpcCodes[callerError.status], details: callerError.message, metadata };
  }
  const errorId = randomUUID();
  logger.error({ err: error, method, errorId }, "unexpected error in gRPC call");
  return { code: grpc.status.INTERNAL, details: `internal error (error id ${errorId})`, metadata };
}
