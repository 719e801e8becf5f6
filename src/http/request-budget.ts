/*
 * The request budget on /graphql (src/limits/request-limiter.ts): mounted
 * after the token check (a signed-in caller is counted by its `sub`) and
 * before grafserv reads the body, so a refused request costs neither a parse
 * nor the database anything. Over budget: 429, Retry-After, and the GraphQL
 * error shape the mutation budget uses (code LMRAT, status
 * RESOURCE_EXHAUSTED), with `limit: "requests"` telling which budget ran out.
 */
import type { RequestHandler } from "express";
import type { Claims } from "../auth/claims.ts";
import { isRequestLimited, requestCallerKey, type RequestLimiter } from "../limits/request-limiter.ts";

export function requestBudget(limiter: RequestLimiter): RequestHandler {
  return (req, res, next) => {
    // Preflights carry no token and cost nothing (CORS answers them earlier anyway).
    if (req.method === "OPTIONS") return next();
    const claims = (req as { claims?: Claims | null }).claims;
    if (!isRequestLimited(claims?.roles)) return next();
    limiter.consume(requestCallerKey(claims?.sub, req.ip)).then(
      (decision) => {
        if (decision.allowed) return next();
        const seconds = decision.retryAfterSeconds;
        res
          .status(429)
          .set("Retry-After", String(seconds))
          .json({
            errors: [
              {
                message: `too many requests: try again in ${seconds} s`,
                extensions: { code: "LMRAT", status: "RESOURCE_EXHAUSTED", limit: "requests", retryAfterSeconds: seconds },
              },
            ],
          });
      },
      next,
    );
  };
}
