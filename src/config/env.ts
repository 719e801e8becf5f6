/*
 * Configuration from environment variables, validated once at start-up.
 *
 * Every variable is declared here with its default and its check, so a missing
 * or wrong value stops the process with a message that names the variable, and
 * the configuration table in docs/configuration.md can be checked against this one list.
 */

import { loadLimits, type LimitsConfig } from "./limits.ts";
import { loadTransport, type TransportConfig } from "./transport.ts";

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

export type Env = Record<string, string | undefined>;

export function str(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** `host:port` with a name, an IPv4 address or a bracketed IPv6 address, port 1–65535. */
export function isHostPort(value: string): boolean {
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  return match !== null && Number(match[2]) >= 1 && Number(match[2]) <= 65535;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = str(env, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (["1", "true", "yes", "on"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no", "off"].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function postgresUrl(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, "is not a URL (expected postgres://user:password@host:port/database)");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(name, `must start with postgres:// or postgresql://, got "${url.protocol}//"`);
  }
  if (url.pathname.length <= 1) throw new ConfigError(name, "must name a database (…/database)");
  return raw;
}

function httpUrl(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a URL, got "${raw}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, "");
}

export type Role = "all" | "api" | "worker";

export interface Config {
  nodeEnv: "development" | "production" | "test";
  /** Owner connection (migrations, worker). Undefined: run an embedded PostgreSQL. */
  databaseUrl: string | undefined;
  /** Connection for the API (the authenticator role); defaults to databaseUrl. */
  databaseApiUrl: string | undefined;
  /** Superuser connection (another database on the same server) for bootstrap and resets. */
  rootDatabaseUrl: string | undefined;
  /** Scratch database for `npm run db:commit`. */
  shadowDatabaseUrl: string | undefined;
  databasePoolSize: number;
  /** How long start-up waits for a database that is not reachable yet (transient failures only) before exiting 1. */
  databaseStartupWaitMs: number;
  embeddedPostgresPort: number;
  dataDir: string;
  /** PKCS#8 PEM Ed25519 key that signs ticket tokens (TICKET_SIGNING_KEY_FILE); unset: a development key in DATA_DIR (refused in production). */
  ticketSigningKeyFile: string | undefined;
  /** Ed25519 keys (PEM, public or private) that signed tokens before a rotation (TICKET_PREVIOUS_KEY_FILES, comma-separated): they still verify and are published, never sign. */
  ticketPreviousKeyFiles: string[];
  migrateOnStart: boolean;
  httpHost: string;
  httpPort: number;
  grpcHost: string;
  grpcPort: number;
  /** Keycloak realm URL, e.g. https://sso.example.com/realms/aquastream. */
  keycloakIssuer: string | undefined;
  /** JWKS URL; defaults to <issuer>/protocol/openid-connect/certs. */
  keycloakJwksUri: string | undefined;
  keycloakAudience: string | undefined;
  /** How long a fetched JWKS is trusted before it is fetched again (a removed key is refused after at most this). */
  keycloakJwksMaxAgeSeconds: number;
  /** True when no issuer is configured: the development token issuer signs and verifies. */
  devIssuer: boolean;
  workerConcurrency: number;
  /** Port of the worker process's own /metrics server (HTTP_HOST); `api` and `all` serve /metrics on ADMIN_PORT instead. */
  workerMetricsPort: number;
  shutdownTimeoutMs: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  graphiql: boolean;
  /** Resource limits: rate limits, GraphQL/gRPC/database bounds (src/config/limits.ts). */
  limits: LimitsConfig;
  /** CORS, the admin port, gRPC TLS (src/config/transport.ts). */
  transport: TransportConfig;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf(env, "NODE_ENV", ["development", "production", "test"] as const, "development");
  const databaseUrl = postgresUrl(env, "DATABASE_URL");
  const databaseApiUrl = postgresUrl(env, "DATABASE_API_URL");
  if (databaseApiUrl && !databaseUrl) {
    throw new ConfigError("DATABASE_API_URL", "needs DATABASE_URL as well (the embedded default sets both itself)");
  }
  const keycloakIssuer = httpUrl(env, "KEYCLOAK_ISSUER");
  const keycloakJwksUri = httpUrl(env, "KEYCLOAK_JWKS_URI");
  if (keycloakJwksUri && !keycloakIssuer) {
    throw new ConfigError("KEYCLOAK_JWKS_URI", "needs KEYCLOAK_ISSUER as well");
  }
  if (nodeEnv === "production") {
    if (!databaseUrl) throw new ConfigError("DATABASE_URL", "is required when NODE_ENV=production");
    if (!keycloakIssuer) {
      throw new ConfigError("KEYCLOAK_ISSUER", "is required when NODE_ENV=production (the development issuer is refused there)");
    }
  }
  return {
    nodeEnv,
    databaseUrl,
    databaseApiUrl,
    rootDatabaseUrl: postgresUrl(env, "ROOT_DATABASE_URL"),
    shadowDatabaseUrl: postgresUrl(env, "SHADOW_DATABASE_URL"),
    databasePoolSize: int(env, "DATABASE_POOL_SIZE", 10, 1, 500),
    databaseStartupWaitMs: int(env, "DATABASE_STARTUP_WAIT_MS", 60_000, 0, 3_600_000),
    embeddedPostgresPort: int(env, "EMBEDDED_POSTGRES_PORT", 54329, 1, 65535),
    dataDir: str(env, "DATA_DIR") ?? ".data",
    ticketSigningKeyFile: str(env, "TICKET_SIGNING_KEY_FILE"),
    ticketPreviousKeyFiles: (str(env, "TICKET_PREVIOUS_KEY_FILES") ?? "").split(",").map((f) => f.trim()).filter((f) => f !== ""),
    migrateOnStart: bool(env, "MIGRATE_ON_START", true),
    httpHost: str(env, "HTTP_HOST") ?? "127.0.0.1",
    httpPort: int(env, "HTTP_PORT", 8080, 0, 65535),
    grpcHost: str(env, "GRPC_HOST") ?? "127.0.0.1",
    grpcPort: int(env, "GRPC_PORT", 50051, 0, 65535),
    keycloakIssuer,
    keycloakJwksUri,
    keycloakAudience: str(env, "KEYCLOAK_AUDIENCE"),
    keycloakJwksMaxAgeSeconds: int(env, "KEYCLOAK_JWKS_MAX_AGE", 300, 1, 86_400),
    devIssuer: !keycloakIssuer,
    workerConcurrency: int(env, "WORKER_CONCURRENCY", 5, 1, 100),
    workerMetricsPort: int(env, "WORKER_METRICS_PORT", 9464, 0, 65535),
    shutdownTimeoutMs: int(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000),
    logLevel: oneOf(env, "LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const, "info"),
    graphiql: bool(env, "GRAPHIQL", nodeEnv !== "production"),
    limits: loadLimits(env, nodeEnv),
    transport: loadTransport(env),
  };
}

/**
 * loadConfig for command-line tools: a configuration error is printed
 * ("configuration error: …", naming the variable) and the process exits 2,
 * as the service itself does.
 */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}
