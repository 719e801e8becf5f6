/*
 * The single wrapper every RPC goes through, written once: identity from the
 * `authorization` metadata (the same verifier as HTTP), one transaction with
 * the caller's role and claims (the same claimsToPgSettings as GraphQL), a
 * statement_timeout from the call's deadline (a call that runs out of time
 * stops its query), cancellation (a call the client cancels, or whose
 * connection drops, cancels its running query and rolls back), one log line
 * and the metrics per call, the request id (the caller's `x-request-id` or a
 * new one, returned in the response metadata, and into SQL as app.request_id
 * like GraphQL's), and error mapping. Cross-cutting concerns attach here, once.
 */
import * as grpc from "@grpc/grpc-js";
import type { TicketSigner } from "../tickets/token.ts";
import type pg from "pg";
import { bearerToken, type Verifier } from "../auth/verifier.ts";
import { claimsToPgSettings } from "../auth/claims.ts";
import { logger } from "../log/logger.ts";
import { recordDenied } from "../metrics/denied.ts";
import { CallCancelled, InvalidArgument, toServiceError, Undecodable } from "./status.ts";
import { loadLimits, type LimitsConfig } from "../config/limits.ts";
import { callerKey, isRateLimited, RateLimitedError, type RateLimiter } from "../limits/rate-limiter.ts";
import { grpcDuration, grpcRequests, secondsSince } from "../metrics/registry.ts";
import { requestIdFrom } from "../http/request-log.ts";
import { currentTraceparent } from "../tracing/context.ts";
import { databaseUnavailableReason, withConflictRetry } from "../db/transient.ts";
import { openRequestTransaction, type RequestCharge } from "../db/request-transaction.ts";
import { isRequestLimited, requestCallerKey, type RequestLimiter } from "../limits/request-limiter.ts";

export type Tx = pg.PoolClient;

export interface CallContext {
  pool: pg.Pool;
  verifier: Verifier;
  /** Process limits; the documented defaults when not given. */
  limits?: LimitsConfig;
  /** Mutation rate limit (startGrpcServer makes one from limits when not given). */
  rateLimiter?: RateLimiter;
  /** Request budget, every call (startGrpcServer makes one from limits when not given; absent: off). */
  requestLimiter?: RequestLimiter | undefined;
  /** Signs the tokens ListTickets presents and verifies ScanTicket's token (absent: no tokens). */
  ticketSigner?: TicketSigner;
}

/** Reads by name (AIP-style Get/List/Search/Batch…, and QuoteBooking); every other method changes something and is rate-limited. */
export function isMutatingMethod(method: string): boolean {
  return !/^(Get|List|Search|Batch|Check|Watch|Quote)/.test(method);
}

function peerIp(call: grpc.ServerUnaryCall<unknown, unknown>): string {
  // "ipv4:1.2.3.4:5678" / "ipv6:[::1]:5678" / "1.2.3.4:5678"
  return call.getPeer().replace(/^ipv[46]:/, "").replace(/:\d+$/, "");
}

/**
 * The client's address for the request budget: the peer, or (GRPC_TRUST_FORWARDED_FOR,
 * only where every peer is the gateway) the last x-forwarded-for entry, the one
 * the gateway itself added; entries before it are whatever the client sent.
 */
function clientAddress(call: grpc.ServerUnaryCall<unknown, unknown>, trustForwardedFor: boolean): string {
  if (trustForwardedFor) {
    const entries = call.metadata.get("x-forwarded-for").map(String).join(",").split(",");
    const last = entries[entries.length - 1]?.trim();
    if (last) return last.replace(/^\[|\]$/g, "");
  }
  return peerIp(call).replace(/^\[|\]$/g, "");
}

function metadataString(metadata: grpc.Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return value === undefined ? undefined : value.toString();
}

/** Milliseconds left before the call's deadline, or undefined when it has none. */
function remainingMs(call: grpc.ServerUnaryCall<unknown, unknown>): number | undefined {
  const deadline = call.getDeadline();
  if (deadline === Infinity) return undefined;
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return Number.isFinite(at) ? Math.max(1, at - Date.now()) : undefined;
}

export function unary<Req, Res>(
  ctx: CallContext,
  method: string,
  handler: (tx: Tx, request: Req) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  const limits = ctx.limits ?? loadLimits({}, "development");
  const mutating = isMutatingMethod(method);
  return async (call, callback) => {
    const started = performance.now();
    const requestId = requestIdFrom(metadataString(call.metadata, "x-request-id"));
    const traceparent = currentTraceparent();
    const responseMetadata = new grpc.Metadata();
    responseMetadata.set("x-request-id", requestId);
    call.sendMetadata(responseMetadata);
    let client: pg.PoolClient | undefined;
    let sub: string | undefined;
    // The client gave up (cancel, or its deadline passed on its side): stop the
    // running statement now and never commit. Only while this call holds the
    // connection (grpc-js may report a cancel after the answer, when the
    // connection already serves someone else), and a connection that was sent
    // a cancel is closed, not pooled, so a late cancel can never hit another
    // call's statement.
    let held = false;
    let cancelled = false;
    let cancelling: Promise<unknown> | undefined;
    let lostConnection = false;
    call.on("cancelled", () => {
      cancelled = true;
      const pid = (client as (pg.PoolClient & { processID?: number }) | undefined)?.processID;
      if (held && pid) cancelling = ctx.pool.query("select pg_cancel_backend($1)", [pid]).catch(() => {});
    });
    // "/package.Service/Method": only registered methods reach here, so bounded.
    const path = call.getPath();
    const finish = (code: string) => {
      const seconds = secondsSince(started);
      grpcRequests.inc({ method: path, code });
      grpcDuration.observe({ method: path, code }, seconds);
      logger.info(
        { method, sub, requestId, ms: Math.round(seconds * 1000), code, ...(traceparent ? { traceparent } : {}) },
        "grpc call",
      );
    };
    try {
      // Bytes that are no message of this method: the caller's mistake, before anything else.
      if ((call.request as unknown) instanceof Undecodable) {
        throw new InvalidArgument(`the request is not a valid ${method} message: ${(call.request as Undecodable).reason}`);
      }
      // Every authorization entry: two of them are refused (UNAUTHENTICATED), never "the first wins".
      const authorization = call.metadata.get("authorization").map(String);
      const token = bearerToken(authorization.length === 0 ? undefined : authorization);
      const claims = token === undefined ? null : await ctx.verifier.verify(token);
      sub = claims?.sub;
      // Every call spends one point of the caller's request budget (process memory, no database).
      if (ctx.requestLimiter && isRequestLimited(claims?.roles)) {
        const decision = await ctx.requestLimiter.consume(requestCallerKey(sub, clientAddress(call, limits.grpcTrustForwardedFor)));
        if (!decision.allowed) throw new RateLimitedError(decision.retryAfterSeconds);
      }
      // A mutating call pays one point of its caller's budget: refused at once
      // when this process knows the budget is spent (memory store: the whole
      // decision), else counted in the message that opens the transaction.
      let charge: RequestCharge | undefined;
      if (mutating && ctx.rateLimiter && isRateLimited(claims?.roles)) {
        const owed = { caller: callerKey(sub, peerIp(call)), points: 1 };
        const decision = await ctx.rateLimiter.decideLocally(owed);
        if (decision && !decision.allowed) throw new RateLimitedError(decision.retryAfterSeconds);
        if (ctx.rateLimiter.store === "postgres") charge = { limiter: ctx.rateLimiter, charge: owed };
      }
      client = await ctx.pool.connect();
      held = true;
      const tx = client;
      // The transaction is the unit that is rerun on a conflict (40001/40P01,
      // src/db/transient.ts): the handler only runs SQL on `tx`, so a rolled
      // back attempt left nothing behind (the count, committed on its own, is
      // not paid again).
      const response = await withConflictRetry("grpc", async () => {
        // A call without a deadline gets GRPC_DEFAULT_DEADLINE_MS; no statement
        // runs longer than DATABASE_STATEMENT_TIMEOUT_MS either way.
        const timeout = Math.min(remainingMs(call) ?? limits.grpcDefaultDeadlineMs, limits.statementTimeoutMs);
        const settings: Record<string, string> = {
          ...claimsToPgSettings(claims),
          "app.request_id": requestId,
          ...(traceparent ? { "app.traceparent": traceparent } : {}),
          statement_timeout: String(timeout),
          idle_in_transaction_session_timeout: String(limits.idleInTransactionTimeoutMs),
        };
        const decision = await openRequestTransaction(tx, settings, charge);
        charge = undefined;
        try {
          if (decision && !decision.allowed) throw new RateLimitedError(decision.retryAfterSeconds);
          const result = await handler(tx, call.request);
          if (cancelled) throw new CallCancelled();
          await tx.query("commit");
          return result;
        } catch (error) {
          await tx.query("rollback").catch(() => {});
          throw error;
        }
      });
      finish("OK");
      callback(null, response);
    } catch (error) {
      // A connection that failed under us is closed, never handed to the next call.
      if (databaseUnavailableReason(error)) lostConnection = true;
      const serviceError = toServiceError(cancelled ? new CallCancelled() : error, method);
      finish(grpc.status[serviceError.code!] ?? String(serviceError.code));
      const sqlstate = serviceError.metadata?.get("aquastream-error-code")[0];
      if (typeof sqlstate === "string") recordDenied({ transport: "grpc", operation: method, code: sqlstate, subject: sub, requestId });
      callback(serviceError as grpc.ServiceError, null);
    } finally {
      held = false;
      if (cancelling) {
        await cancelling;
        client?.release(true); // close it: the cancel may still be on its way
      } else if (lostConnection) {
        client?.release(true);
      } else {
        client?.release();
      }
    }
  };
}
