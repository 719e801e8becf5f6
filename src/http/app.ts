/*
 * The HTTP side of the API process: request id and request log, security
 * headers, probes, CORS, then JWT verification, then PostGraphile (GraphQL
 * at /graphql, Ruru at /graphiql). This is the public port: /metrics
 * (business totals) is served on the admin port only (ADMIN_PORT,
 * src/metrics/server.ts), which the NetworkPolicy keeps to Prometheus.
 */
import { createServer, type Server } from "node:http";
import express from "express";
import { postgraphile, type PostGraphileInstance } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/express/v4";
import type pg from "pg";
import type { Verifier } from "../auth/verifier.ts";
import { makePreset } from "../graphql/preset.ts";
import { logger } from "../log/logger.ts";
import type { Readiness } from "./readiness.ts";
import type { LimitsConfig } from "../config/limits.ts";
import { createRateLimiter } from "../limits/rate-limiter.ts";
import { requestLog } from "./request-log.ts";
import type { TransportConfig } from "../config/transport.ts";
import { corsMiddleware, securityHeaders } from "./security.ts";
import { makeDrainer } from "./drain.ts";
import type { TicketSigner } from "../tickets/token.ts";
import { createRequestLimiter } from "../limits/request-limiter.ts";
import { requestBudget } from "./request-budget.ts";
import { limitConnections } from "./connection-limits.ts";

export interface HttpOptions {
  pool: pg.Pool;
  verifier: Verifier;
  graphiql: boolean;
  readiness: () => Promise<Readiness>;
  exportSchemaPath?: string | undefined;
  /** Rate, size, depth, cost and page limits (config.limits). */
  limits: LimitsConfig;
  /** CORS origins (config.transport); absent: same-origin callers only. */
  transport?: Pick<TransportConfig, "corsOrigins" | "corsMaxAgeSeconds"> | undefined;
  /**
   * Signs Ticket.token and verifies checkInTicketByToken; its public keys are
   * served at /tickets/public-key for scanner apps. Absent: tokens are off.
   */
  ticketSigner?: TicketSigner | undefined;
}

export interface HttpApi {
  server: Server;
  pgl: PostGraphileInstance;
  /** Flip /readyz to 503 while draining. */
  setDraining(): void;
  /**
   * Stop accepting, finish in-flight requests, send keep-alive clients away
   * (src/http/drain.ts); resolves with the number of requests cut when
   * `timeoutMs` ran out (0: a clean drain).
   */
  close(timeoutMs?: number): Promise<number>;
}

export async function createHttpApi(options: HttpOptions): Promise<HttpApi> {
  const app = express();
  app.disable("x-powered-by");
  // req.ip (the rate limit's key for anonymous callers) is the client's, not the ingress's.
  app.set("trust proxy", options.limits.httpTrustProxy);
  let draining = false;

  // Request id, one log line and the request metrics per request.
  app.use(requestLog());
  // Security headers on every answer, probes and errors included.
  app.use(securityHeaders);

  // Scanner apps verify ticket tokens offline with these keys (docs/tickets.md):
  // public, unauthenticated; the current key first, then those of before a
  // rotation, each with the kid a token names.
  app.get("/tickets/public-key", (_req, res) => {
    if (!options.ticketSigner) {
      res.status(404).json({ error: "ticket tokens are not configured" });
      return;
    }
    res.set("Cache-Control", "public, max-age=300").json({ keys: options.ticketSigner.publicJwks });
  });

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/readyz", async (_req, res) => {
    if (draining) {
      res.status(503).json({ ready: false, checks: { process: "draining" } });
      return;
    }
    const result = await options.readiness();
    res.status(result.ready ? 200 : 503).json(result);
  });

  // CORS before the token check: a preflight carries no token and is answered here.
  const cors = options.transport ? corsMiddleware(options.transport) : undefined;
  if (cors) app.use("/graphql", cors);

  app.use("/graphql", ...options.verifier.expressMiddleware());
  // Every request (query or mutation) spends one point of the caller's request budget, before it is parsed.
  const requestLimiter = createRequestLimiter({
    points: options.limits.rateLimitRequests,
    windowSeconds: options.limits.rateLimitRequestWindowSeconds,
  });
  if (requestLimiter) app.use("/graphql", requestBudget(requestLimiter));

  const pgl = postgraphile(
    makePreset({
      pool: options.pool,
      graphiql: options.graphiql,
      exportSchemaPath: options.exportSchemaPath,
      limits: options.limits,
      rateLimiter: createRateLimiter(options.limits, options.pool),
      ticketSigner: options.ticketSigner,
    }),
  );
  const serv = pgl.createServ(grafserv);
  // Connection-level bounds (docs/limits.md "Connections"): a request's
  // headers and then its whole body must arrive in time (slowloris: a byte at
  // a time), idle keep-alive connections go, and the server and each client
  // hold at most so many connections. The check runs every second (Node's
  // default, 30 s, would let a timed-out connection linger that much longer).
  const server = createServer(
    {
      headersTimeout: options.limits.httpHeadersTimeoutMs,
      requestTimeout: options.limits.httpRequestTimeoutMs,
      keepAliveTimeout: options.limits.httpKeepAliveTimeoutMs,
      connectionsCheckingInterval: 1_000,
    },
    app,
  );
  limitConnections(server, "http", {
    max: options.limits.httpMaxConnections,
    perClient: options.limits.httpMaxConnectionsPerClient,
  });
  const drainer = makeDrainer(server);
  server.on("error", (error) => logger.error({ err: error }, "HTTP server error"));
  await serv.addTo(app, server);

  return {
    server,
    pgl,
    setDraining() {
      draining = true;
    },
    async close(timeoutMs = 10_000) {
      draining = true;
      const cut = await drainer.drain(timeoutMs);
      if (cut > 0) logger.error({ cut }, "shutdown timed out: HTTP requests still in flight were cut");
      await pgl.release();
      return cut;
    },
  };
}
