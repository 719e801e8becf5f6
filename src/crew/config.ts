/*
 * Configuration of crew assignment (the worker's calls to the crew service),
 * from environment variables, validated like src/config/env.ts: a wrong value
 * stops with a ConfigError naming the variable.
 *
 * No CREW_SERVICE_ADDRESS means assignment is off (the embedded default):
 * events that need a crew stay `pending` and their jobs wait, re-checking
 * every CREW_RETRY_MAX_MS, so setting the address later (and restarting the
 * worker, which then runs the waiting jobs at once: src/crew/wake.ts)
 * assigns them; nothing is marked failed for a service that was never
 * configured.
 */
import { bool, ConfigError, int, isHostPort, str, type Env } from "../config/env.ts";
import { loadTlsFiles } from "../config/tls-files.ts";

/** TLS to the crew service: the CA that signed its certificate, and our client certificate for mutual TLS. */
export interface CrewTls {
  /** PEM CA bundle; undefined: the system's roots. */
  ca: Buffer | undefined;
  /** Our client certificate and key (mutual TLS); undefined: none presented. */
  cert: Buffer | undefined;
  key: Buffer | undefined;
}

export interface CrewConfig {
  /** host:port of the crew service (gRPC); undefined = off. */
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
  /** TLS settings; undefined: plaintext (development, loopback, or CREW_ALLOW_PLAINTEXT in production). */
  tls?: CrewTls | undefined;
}

/** 127.0.0.0/8, ::1 or localhost: traffic that never leaves the machine. */
export function isLoopbackAddress(hostPort: string): boolean {
  const host = hostPort.replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}


/**
 * CREW_TLS_CA_FILE (or CREW_TLS=true for the system's roots) turns TLS on;
 * CREW_TLS_CERT_FILE/CREW_TLS_KEY_FILE add a client certificate.
 */
function loadCrewTls(env: Env): CrewTls | undefined {
  return loadTlsFiles(env, "CREW_TLS", "CREW_TLS");
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
  const serviceAddress = address(env, "CREW_SERVICE_ADDRESS");
  const tls = loadCrewTls(env);
  if (serviceAddress && !tls) {
    // The bearer token never crosses a network in plaintext, whatever the mode.
    if ((serviceToken || clientId) && !isLoopbackAddress(serviceAddress)) {
      throw new ConfigError(
        "CREW_TLS_CA_FILE",
        `is required to send the crew service token to ${serviceAddress}: it is never sent in plaintext beyond this machine (set CREW_TLS_CA_FILE, or CREW_TLS=true for the system's CAs)`,
      );
    }
    if (str(env, "NODE_ENV") === "production" && !bool(env, "CREW_ALLOW_PLAINTEXT", false)) {
      throw new ConfigError(
        "CREW_TLS_CA_FILE",
        "is required when NODE_ENV=production (or CREW_TLS=true): the crew client refuses plaintext; set CREW_ALLOW_PLAINTEXT=true only where something else encrypts the traffic",
      );
    }
  }
  return {
    address: serviceAddress,
    deadlineMs: int(env, "CREW_DEADLINE_MS", 5_000, 50, 120_000),
    assignAttempts: int(env, "CREW_ASSIGN_ATTEMPTS", 8, 1, 100),
    retryBaseMs,
    retryMaxMs,
    serviceToken,
    tokenClient:
      clientId && clientSecret && issuer
        ? { tokenUrl: `${issuer}/protocol/openid-connect/token`, clientId, clientSecret }
        : undefined,
    tls,
  };
}

/** Wait before attempt `next` (2, 3, …): base × 2^(next−2), capped. */
export function retryDelayMs(config: CrewConfig, next: number): number {
  return Math.min(config.retryMaxMs, config.retryBaseMs * 2 ** Math.max(0, next - 2));
}
