/*
 * Browser-facing protections of the HTTP API: CORS for /graphql and the
 * standard security headers (helmet) on every response.
 *
 * CORS: only the origins of CORS_ORIGINS get `Access-Control-Allow-Origin`
 * (echoed, with `Vary: Origin`), or any origin with "*". The API never sends
 * `Access-Control-Allow-Credentials`: callers authenticate with a bearer token
 * that the front end puts in the Authorization header itself, not with
 * cookies, so there is no ambient credential a foreign page could ride on,
 * and "*" stays safe to use with a public API.
 *
 * Headers: the API answers JSON, so its Content-Security-Policy forbids
 * everything (`default-src 'none'`). Ruru (/graphiql, development) is an HTML
 * page with inline scripts and Monaco's blob: workers, served with its static
 * files from this origin (/ruru-static/): it gets a policy that allows exactly
 * that and nothing from other origins.
 */
import cors from "cors";
import type { RequestHandler } from "express";
import helmet from "helmet";
import type { TransportConfig } from "../config/transport.ts";

/** Request headers a browser client may send to /graphql. */
const ALLOWED_HEADERS = ["authorization", "content-type", "accept", "x-request-id", "traceparent", "tracestate"];
/** Response headers a browser client may read. */
const EXPOSED_HEADERS = ["retry-after", "x-request-id"];

export const RURU_PATHS = ["/graphiql", "/ruru-static"];

/** CORS for /graphql; undefined when no origin is allowed (same-origin callers only). */
export function corsMiddleware(transport: Pick<TransportConfig, "corsOrigins" | "corsMaxAgeSeconds">): RequestHandler | undefined {
  if (transport.corsOrigins.length === 0) return undefined;
  const any = transport.corsOrigins[0] === "*";
  return cors({
    origin: any ? "*" : transport.corsOrigins,
    methods: ["GET", "POST"],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    maxAge: transport.corsMaxAgeSeconds,
    optionsSuccessStatus: 204,
  });
}

/** The API's headers: nothing may be loaded, framed or sniffed from its answers. */
export const apiHeaders: RequestHandler = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
    },
  },
  frameguard: { action: "deny" },
});

/** Ruru's headers: its own inline scripts, styles and blob: workers from this origin only. */
export const ruruHeaders: RequestHandler = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      // RURU_CONFIG and the bootstrap module are inline <script>s of the page.
      scriptSrc: ["'self'", "'unsafe-inline'"],
      // Monaco's language workers.
      workerSrc: ["'self'", "blob:"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:"],
      fontSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      objectSrc: ["'none'"],
    },
  },
  frameguard: { action: "deny" },
});

/** Ruru's policy on its paths, the API's on everything else. */
export const securityHeaders: RequestHandler = (req, res, next) => {
  const ruru = RURU_PATHS.some((p) => req.path === p || req.path.startsWith(`${p}/`));
  (ruru ? ruruHeaders : apiHeaders)(req, res, next);
};
