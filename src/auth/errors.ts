/*
 * The two ways a token check can fail, shared by the HTTP and gRPC transports.
 *
 * AuthError: the caller's token is refused (HTTP 401 / gRPC UNAUTHENTICATED).
 * `reason` is a short, fixed phrase ("jwt expired", "unknown signing key", …)
 * that never contains the token or a secret, so it is safe to send back and log.
 *
 * AuthUnavailableError: we could not check the token because the signing keys
 * could not be fetched (JWKS endpoint down, or the refetch rate limit reached).
 * That is not the caller's fault: HTTP 503 / gRPC UNAVAILABLE, retry later.
 */

export class AuthError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid token: ${reason}`, options);
    this.name = "AuthError";
  }
}

export class AuthUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AuthUnavailableError";
  }
}
