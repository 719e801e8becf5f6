/*
 * JWT verification for both transports, built once from the config.
 *
 * One options object (algorithms RS256/ES256 only, issuer, audience when
 * configured, 30 s clock tolerance), one key lookup (jwks-rsa fetches and
 * parses the JWKS; key-set.ts caches it as one set, refetched when older than
 * KEYCLOAK_JWKS_MAX_AGE or when a kid is unknown, at most once per
 * minRefetchMs), one payload → Claims step. The
 * HTTP side runs them through express-jwt, gRPC calls verify(); both use
 * jsonwebtoken underneath, so a token is accepted or refused for the same
 * reason whichever way it arrives.
 *
 * Development mode (no KEYCLOAK_ISSUER) swaps only the key source: the dev
 * issuer's public JWKS is handed to the same jwks-rsa client through its
 * fetcher, with no HTTP call.
 */
import type { ErrorRequestHandler, Request, RequestHandler } from "express";
import { expressjwt, UnauthorizedError } from "express-jwt";
import jwt, { type Algorithm, type JwtHeader, type JwtPayload, type VerifyOptions } from "jsonwebtoken";
import jwksRsa, { type JwksClient, type Options as JwksOptions } from "jwks-rsa";
import type { Config } from "../config/env.ts";
import { logger } from "../log/logger.ts";
import { payloadToClaims, type Claims } from "./claims.ts";
import { loadDevIssuer, type DevIssuer } from "./dev-issuer.ts";
import { AuthError, AuthUnavailableError } from "./errors.ts";
import { createKeySet, type KeySet } from "./key-set.ts";

export { AuthError, AuthUnavailableError } from "./errors.ts";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by express-jwt: the verified payload, absent for an anonymous request. */
      auth?: JwtPayload;
      /** Set by the auth middleware: null for an anonymous request. */
      claims?: Claims | null;
    }
  }
}

/** RS256 is what Keycloak signs with; ES256 for realms configured with EC keys. Never HS* or none. */
export const allowedAlgorithms: readonly Algorithm[] = ["RS256", "ES256"];
export const clockToleranceSeconds = 30;

export interface Verifier {
  /** The options every token is checked with (also passed to express-jwt). */
  verifyOptions: Readonly<VerifyOptions & { algorithms: Algorithm[] }>;
  /** Throws AuthError (refused) or AuthUnavailableError (keys could not be fetched). */
  verify(token: string): Promise<Claims>;
  /** [express-jwt, req.auth → req.claims, 401/503 error responder]; mount before GraphQL. */
  expressMiddleware(): Array<RequestHandler | ErrorRequestHandler>;
  jwksClient: JwksClient;
  keySet: KeySet;
}

/** Timing of JWKS refetches; the defaults suit production, tests shorten them. */
export interface JwksTiming {
  /** An unknown kid refetches the JWKS at most this often (default 6 s: 10 a minute). */
  minRefetchMs?: number;
  /** A set that cannot be refreshed stays usable this long past its max age (default 10 min). */
  staleGraceMs?: number;
}

/**
 * The token in an `Authorization` value (HTTP header or gRPC metadata).
 * Absent → undefined (anonymous); present but not `Bearer <token>` → AuthError,
 * because a caller who sent credentials must not silently become anonymous.
 */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  if (Array.isArray(authorization)) {
    if (authorization.length !== 1) throw new AuthError("expected one authorization header");
    authorization = authorization[0]!;
  }
  const match = /^Bearer +([^\s]+)$/i.exec(authorization.trim());
  if (!match) throw new AuthError("authorization is not 'Bearer <token>'");
  return match[1];
}

/** jsonwebtoken's messages → the short reasons we report (expected values stripped). */
function normalize(err: unknown): Error {
  if (err instanceof AuthError || err instanceof AuthUnavailableError) return err;
  if (err instanceof jwt.TokenExpiredError) return new AuthError("jwt expired", { cause: err });
  if (err instanceof jwt.NotBeforeError) return new AuthError("jwt not active", { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  const reason =
    message.startsWith("jwt issuer invalid") ? "jwt issuer invalid"
    : message.startsWith("jwt audience invalid") ? "jwt audience invalid"
    : message === "invalid signature" ? "invalid signature"
    : message === "invalid algorithm" ? "invalid algorithm"
    // key type and alg disagree (validateAsymmetricKey / asymmetric-vs-symmetric checks)
    : message.startsWith('"alg" parameter') || message.startsWith("secretOrPublicKey must be") ? "invalid algorithm"
    : ["jwt malformed", "invalid token", "jwt must be provided", "jwt must be a string"].includes(message) ? "malformed token"
    : message === "invalid exp value" ? "invalid exp"
    : message === "invalid nbf value" ? "invalid nbf"
    : err instanceof jwt.JsonWebTokenError ? message
    : undefined;
  if (reason === undefined) return err instanceof Error ? err : new Error(message);
  return new AuthError(reason, { cause: err });
}

function jwksOptions(config: Config, dev: DevIssuer | undefined): JwksOptions {
  // Caching and refetch limits live in key-set.ts; this client only fetches and parses.
  const common = { cache: false, rateLimit: false, timeout: 5_000 } satisfies Partial<JwksOptions>;
  if (!dev) {
    const jwksUri = config.keycloakJwksUri ?? `${config.keycloakIssuer}/protocol/openid-connect/certs`;
    return { ...common, jwksUri };
  }
  if (dev.created) logger.info({ keyFile: dev.keyFile }, "development token issuer: new signing key created");
  const keys = dev.jwks.keys as jwksRsa.JSONWebKey[];
  return {
    ...common,
    jwksUri: `${dev.issuer}/protocol/openid-connect/certs`, // a name only: the fetcher answers
    fetcher: async () => ({ keys }), // from memory, never the network
  };
}

export function createVerifier(config: Config, timing: JwksTiming = {}): Verifier {
  // Throws when the dev issuer is not allowed (NODE_ENV=production): fail at start-up, not per request.
  const dev = config.devIssuer ? loadDevIssuer(config) : undefined;
  const issuer = dev ? dev.issuer : config.keycloakIssuer!;
  const audience = dev ? dev.audience : config.keycloakAudience;
  const verifyOptions = Object.freeze({
    algorithms: [...allowedAlgorithms],
    issuer,
    ...(audience === undefined ? {} : { audience }),
    clockTolerance: clockToleranceSeconds,
  });
  const jwksClient = jwksRsa(jwksOptions(config, dev));
  const keySet = createKeySet({
    fetchKeys: () => jwksClient.getSigningKeys(),
    maxAgeMs: config.keycloakJwksMaxAgeSeconds * 1000,
    minRefetchMs: timing.minRefetchMs ?? 6_000,
    staleGraceMs: timing.staleGraceMs ?? 10 * 60_000,
  });

  /** The public key (PEM) for a token header, or AuthError / AuthUnavailableError. */
  async function signingKey(header: JwtHeader | undefined): Promise<string> {
    if (!header || typeof header.alg !== "string") throw new AuthError("malformed token");
    if (!(allowedAlgorithms as readonly string[]).includes(header.alg)) throw new AuthError("invalid algorithm");
    if (typeof header.kid !== "string" || header.kid === "") throw new AuthError("token has no kid");
    const key = await keySet.get(header.kid);
    // A JWK that names its alg may only verify that alg (an RSA key never checks an "ES256" token).
    if (key.alg && key.alg !== header.alg) throw new AuthError("invalid algorithm");
    return key.getPublicKey();
  }

  async function verify(token: string): Promise<Claims> {
    if (typeof token !== "string" || token === "") throw new AuthError("malformed token");
    let decoded: jwt.Jwt | null;
    try {
      decoded = jwt.decode(token, { complete: true });
    } catch (err) {
      throw new AuthError("malformed token", { cause: err });
    }
    if (!decoded) throw new AuthError("malformed token");
    const key = await signingKey(decoded.header);
    let payload: unknown;
    try {
      payload = jwt.verify(token, key, verifyOptions);
    } catch (err) {
      throw normalize(err);
    }
    return payloadToClaims(payload);
  }

  function expressMiddleware(): Array<RequestHandler | ErrorRequestHandler> {
    const checkJwt = expressjwt({
      ...verifyOptions,
      algorithms: [...verifyOptions.algorithms],
      credentialsRequired: false,
      // headersDistinct: Node keeps only the first of repeated Authorization
      // headers in req.headers; two of them must be refused, not half-read.
      getToken: (req: Request) => bearerToken(req.headersDistinct?.authorization ?? req.headers.authorization),
      // express-jwt hands over jwt.decode()'s result: undefined/null when the token is not a JWT.
      secret: (_req, token) => {
        if (!token) throw new AuthError("malformed token");
        return signingKey(token.header);
      },
    });

    const toClaims: RequestHandler = (req, _res, next) => {
      req.claims = req.auth === undefined ? null : payloadToClaims(req.auth);
      next();
    };

    const respond: ErrorRequestHandler = (err, req, res, next) => {
      // express-jwt wraps jsonwebtoken's errors; ours (from getToken / secret / toClaims) arrive as they are.
      const refused = err instanceof UnauthorizedError ? normalize(err.inner) : err;
      if (refused instanceof AuthError) {
        logger.info({ reason: refused.reason, path: req.path }, "token refused");
        res
          .status(401)
          .set("WWW-Authenticate", 'Bearer error="invalid_token"')
          .json({ errors: [{ message: refused.message, extensions: { code: "UNAUTHENTICATED" } }] });
        return;
      }
      if (refused instanceof AuthUnavailableError) {
        res
          .status(503)
          .set("Retry-After", "5")
          .json({ errors: [{ message: refused.message, extensions: { code: "SERVICE_UNAVAILABLE" } }] });
        return;
      }
      next(err);
    };

    return [checkJwt, toClaims, respond];
  }

  return { verifyOptions, verify, expressMiddleware, jwksClient, keySet };
}
