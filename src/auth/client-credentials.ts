/*
 * This service's own access token for calling other services (the crew
 * service), by the OAuth 2.0 client credentials grant at Keycloak's token
 * endpoint. The token is cached and fetched again shortly before it expires
 * (or once it is rejected as expired), so a worker asks Keycloak about once
 * per token lifetime, not once per call; concurrent callers share one fetch.
 */
export interface ClientCredentials {
  /** <issuer>/protocol/openid-connect/token */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Per request to the token endpoint. */
  timeoutMs?: number;
}

export class TokenEndpointError extends Error {}

/** Refetch this long before `expires_in` runs out (clock skew, time in flight). */
const EARLY_MS = 30_000;

export function clientCredentialsTokenProvider(credentials: ClientCredentials): () => Promise<string> {
  let cached: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const response = await fetch(credentials.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
      }),
      signal: AbortSignal.timeout(credentials.timeoutMs ?? 5_000),
    });
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!response.ok || !body.access_token) {
      throw new TokenEndpointError(
        `token endpoint refused client ${credentials.clientId}: ${response.status} ${body.error ?? ""} ${body.error_description ?? ""}`.trim(),
      );
    }
    const lifetimeMs = (body.expires_in ?? 60) * 1000;
    cached = { token: body.access_token, renewAt: Date.now() + Math.max(lifetimeMs - EARLY_MS, lifetimeMs / 2) };
    return body.access_token;
  }

  return async () => {
    if (cached && Date.now() < cached.renewAt) return cached.token;
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
