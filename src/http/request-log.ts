/*
 * The first middleware of the API's express app: gives every request its id
 * (the caller's `x-request-id` when it is a sane token, else a new uuid),
 * returns it in the response header, and when the response is finished
 * writes one log line and the HTTP (and, for /graphql, GraphQL) metrics.
 *
 * The log line has no headers, no query string, no variables: nothing a
 * token, a password or personal data could hide in. The caller appears as
 * their `sub` only.
 */
import { randomUUID } from "node:crypto";
import type { Request, RequestHandler } from "express";
import type { Claims } from "../auth/claims.ts";
import type { GraphqlObservation } from "../graphql/observe-plugin.ts";
import { logger } from "../log/logger.ts";
import {
  graphqlDuration,
  graphqlErrors,
  graphqlRequests,
  httpDuration,
  httpRequests,
  secondsSince,
} from "../metrics/registry.ts";
import { currentTraceparent } from "../tracing/context.ts";

/** What the request-scoped middlewares put on the express request. */
export interface ObservedRequest extends Request {
  id?: string;
  claims?: Claims | null;
  graphql?: GraphqlObservation;
  traceparent?: string | undefined;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const ROUTES = new Set(["graphql", "graphiql", "healthz", "readyz", "metrics"]);
const PROBES = new Set(["healthz", "readyz", "metrics"]);

/** The request id to use for an incoming `x-request-id` value. */
export function requestIdFrom(incoming: string | undefined): string {
  return incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

function routeOf(path: string): string {
  const first = path.split("/")[1] ?? "";
  return ROUTES.has(first) ? first : "other";
}

export function requestLog(): RequestHandler {
  return (request, res, next) => {
    const req = request as ObservedRequest;
    const started = performance.now();
    const requestId = requestIdFrom(req.header("x-request-id"));
    req.id = requestId;
    req.traceparent = currentTraceparent();
    res.setHeader("x-request-id", requestId);

    res.on("finish", () => {
      const seconds = secondsSince(started);
      // originalUrl: a mounted middleware that answered (a 401) leaves req.path relative.
      const path = req.originalUrl.split("?")[0] ?? "/";
      const route = routeOf(path);
      const status = res.statusCode;
      httpRequests.inc({ route, method: req.method, status: String(status) });
      httpDuration.observe({ route, method: req.method }, seconds);

      let graphql: Record<string, string> = {};
      let outcome = status >= 500 ? "error" : status >= 400 ? "refused" : "ok";
      if (route === "graphql" && req.method !== "OPTIONS") {
        // Not executed: an unparsable or invalid document or body (400), or
        // refused before GraphQL (401 bad token, 413 too large…).
        const observed = req.graphql ?? {
          operationType: "unknown",
          operation: "(invalid)",
          errorCode: status === 400 || status < 400 ? "GRAPHQL_INVALID" : `HTTP_${status}`,
        };
        const labels = { operation_type: observed.operationType, operation: observed.operation };
        outcome = observed.errorCode ? "error" : "ok";
        graphqlRequests.inc({ ...labels, outcome });
        graphqlDuration.observe(labels, seconds);
        if (observed.errorCode) graphqlErrors.inc({ ...labels, code: observed.errorCode });
        graphql = {
          operationType: observed.operationType,
          operation: observed.operation,
          ...(observed.errorCode ? { errorCode: observed.errorCode } : {}),
        };
      }

      const line = {
        requestId,
        method: req.method,
        route,
        path,
        status,
        outcome,
        ms: Math.round(seconds * 1000),
        ...(req.claims?.sub ? { sub: req.claims.sub } : {}),
        ...graphql,
        ...(req.traceparent ? { traceparent: req.traceparent } : {}),
      };
      if (PROBES.has(route)) logger.debug(line, "http request");
      else logger.info(line, "http request");
    });
    next();
  };
}
