/*
 * Configuration of crew assignment (the worker's calls to the crew service),
 * from environment variables, validated like src/config/env.ts: a wrong value
 * stops with a ConfigError naming the variable.
 *
 * No CREW_SERVICE_ADDRESS means assignment is off (the embedded default):
 * events that need a crew stay `pending` and their jobs wait, re-checking
 * every CREW_RETRY_MAX_MS, so setting the address later (and restarting the
 * worker) assigns them; nothing is marked failed for a service that was
 * never configured.
 */
import { ConfigError, int, isHostPort, str, type Env } from "../config/env.ts";

export interface CrewConfig {
  /** host:port of the crew service (gRPC, plaintext inside the cluster); undefined = off. */
  address: string | undefined;
  /** Deadline of one AssignCrew/ReleaseCrew call. */
  deadlineMs: number;
  /** AssignCrew attempts before the event's crew_status becomes failed. */
  assignAttempts: number;
  /** Wait before the 2nd attempt; doubles each attempt, capped at retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** This service's own bearer token for the crew service (a secret); undefined = none sent. */
  serviceToken: string | undefined;
  /**
   * Or: fetch that token from Keycloak by the client credentials grant
   * (CREW_TOKEN_CLIENT_ID / CREW_TOKEN_CLIENT_SECRET, at KEYCLOAK_ISSUER's
   * token endpoint), renewed before it expires.
   */
  tokenClient: { tokenUrl: string; clientId: string; clientSecret: string } | undefined;
}

function address(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  if (!isHostPort(raw)) {
    throw new ConfigError(name, `must be host:port of the crew service's gRPC endpoint, got "${raw}"`);
  }
  return raw;
}

export function loadCrewConfig(env: Env = process.env): CrewConfig {
  const retryBaseMs = int(env, "CREW_RETRY_BASE_MS", 10_000, 10, 3_600_000);
  const retryMaxMs = int(env, "CREW_RETRY_MAX_MS", 900_000, 10, 86_400_000);
  if (retryMaxMs < retryBaseMs) {
    throw new ConfigError("CREW_RETRY_MAX_MS", `must be at least CREW_RETRY_BASE_MS (${retryBaseMs}), got ${retryMaxMs}`);
  }
  const clientId = str(env, "CREW_TOKEN_CLIENT_ID");
  const clientSecret = str(env, "CREW_TOKEN_CLIENT_SECRET");
  const issuer = str(env, "KEYCLOAK_ISSUER")?.replace(/\/+$/, "");
  const serviceToken = str(env, "CREW_SERVICE_TOKEN");
  if (clientId && serviceToken) {
    throw new ConfigError("CREW_TOKEN_CLIENT_ID", "set either CREW_SERVICE_TOKEN or CREW_TOKEN_CLIENT_ID/SECRET, not both");
  }
  if (clientId && !clientSecret) throw new ConfigError("CREW_TOKEN_CLIENT_SECRET", "is required with CREW_TOKEN_CLIENT_ID");
  if (clientSecret && !clientId) throw new ConfigError("CREW_TOKEN_CLIENT_ID", "is required with CREW_TOKEN_CLIENT_SECRET");
  if (clientId && !issuer) {
    throw new ConfigError("CREW_TOKEN_CLIENT_ID", "needs KEYCLOAK_ISSUER (the token endpoint is <issuer>/protocol/openid-connect/token)");
  }
  return {
    address: address(env, "CREW_SERVICE_ADDRESS"),
    deadlineMs: int(env, "CREW_DEADLINE_MS", 5_000, 50, 120_000),
    assignAttempts: int(env, "CREW_ASSIGN_ATTEMPTS", 8, 1, 100),
    retryBaseMs,
    retryMaxMs,
    serviceToken,
    tokenClient:
      clientId && clientSecret && issuer
        ? { tokenUrl: `${issuer}/protocol/openid-connect/token`, clientId, clientSecret }
        : undefined,
  };
}

/** Wait before attempt `next` (2, 3, …): base × 2^(next−2), capped. */
export function retryDelayMs(config: CrewConfig, next: number): number {
  return Math.min(config.retryMaxMs, config.retryBaseMs * 2 ** Math.max(0, next - 2));
}
