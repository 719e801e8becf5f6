/*
 * Transport security settings of the API process, validated like the rest of
 * src/config/env.ts: which browser origins may call GraphQL (CORS), where the
 * admin port (/metrics) listens, and the gRPC server's TLS files.
 *
 * Production refuses a plaintext gRPC server unless GRPC_ALLOW_PLAINTEXT says
 * so explicitly (a mesh that encrypts pod-to-pod traffic itself): that check
 * is `checkGrpcTransport`, called by main.ts for the roles that serve gRPC.
 */
import { bool, ConfigError, int, str, type Env } from "./env.ts";
import { loadTlsFiles } from "../grpc/tls.ts";

export interface GrpcTlsFiles {
  /** PEM certificate chain of the server. */
  certFile: string;
  /** PEM private key of the server. */
  keyFile: string;
  /** PEM CA bundle that client certificates must chain to; set: mutual TLS. */
  clientCaFile: string | undefined;
}

export interface TransportConfig {
  /** Origins allowed to call /graphql from a browser; ["*"] any origin; [] none (no CORS headers). */
  corsOrigins: string[];
  /** How long a browser may cache a preflight answer, seconds. */
  corsMaxAgeSeconds: number;
  /** Host and port of the admin server (/metrics, /healthz) of the api and all roles. */
  adminHost: string;
  adminPort: number;
  /** The gRPC server's certificate files; undefined: plaintext. */
  grpcTls: GrpcTlsFiles | undefined;
  /** How often the TLS files are re-read (rotation without restart); 0: never. */
  grpcTlsReloadIntervalMs: number;
  /** Production may run a plaintext gRPC server (an explicit opt-out). */
  grpcAllowPlaintext: boolean;
}

/** `https://app.example.com` or `http://localhost:3000`: scheme, host, optional port, nothing else. */
function parseOrigin(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("CORS_ORIGINS", `"${raw}" is not an origin (expected e.g. https://app.example.com)`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.origin !== raw.replace(/\/$/, "")) {
    throw new ConfigError("CORS_ORIGINS", `"${raw}" is not an origin: scheme://host[:port] only, no path (expected e.g. https://app.example.com)`);
  }
  return url.origin;
}

export function loadTransport(env: Env): TransportConfig {
  const rawOrigins = (str(env, "CORS_ORIGINS") ?? "").split(",").map((o) => o.trim()).filter((o) => o !== "");
  if (rawOrigins.includes("*") && rawOrigins.length > 1) {
    throw new ConfigError("CORS_ORIGINS", 'is either "*" or a list of origins, not both');
  }
  const corsOrigins = rawOrigins.includes("*") ? ["*"] : rawOrigins.map(parseOrigin);

  // The files themselves are read (and checked to be a matching pair) by the
  // roles that serve gRPC, at start-up: src/grpc/tls.ts.
  const certFile = str(env, "GRPC_TLS_CERT_FILE");
  const keyFile = str(env, "GRPC_TLS_KEY_FILE");
  const clientCaFile = str(env, "GRPC_TLS_CLIENT_CA_FILE");
  if (!!certFile !== !!keyFile) {
    throw new ConfigError(certFile ? "GRPC_TLS_KEY_FILE" : "GRPC_TLS_CERT_FILE", "GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE go together");
  }
  if (clientCaFile && !certFile) {
    throw new ConfigError("GRPC_TLS_CLIENT_CA_FILE", "needs GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE (mutual TLS is TLS first)");
  }
  return {
    corsOrigins,
    corsMaxAgeSeconds: int(env, "CORS_MAX_AGE", 600, 0, 86_400),
    adminHost: str(env, "ADMIN_HOST") ?? str(env, "HTTP_HOST") ?? "127.0.0.1",
    adminPort: int(env, "ADMIN_PORT", 9465, 0, 65535),
    grpcTls: certFile && keyFile ? { certFile, keyFile, clientCaFile } : undefined,
    grpcTlsReloadIntervalMs: int(env, "GRPC_TLS_RELOAD_INTERVAL_MS", 30_000, 0, 86_400_000),
    grpcAllowPlaintext: bool(env, "GRPC_ALLOW_PLAINTEXT", false),
  };
}

/**
 * For the roles that serve gRPC, at start-up: production serves TLS unless the
 * operator opted out explicitly, and the TLS files load as a matching pair.
 */
export function checkGrpcTransport(transport: TransportConfig, nodeEnv: string): void {
  if (nodeEnv === "production" && !transport.grpcTls && !transport.grpcAllowPlaintext) {
    throw new ConfigError(
      "GRPC_TLS_CERT_FILE",
      "is required when NODE_ENV=production (with GRPC_TLS_KEY_FILE): the gRPC server refuses to serve plaintext; " +
        "set GRPC_ALLOW_PLAINTEXT=true only where something else encrypts the traffic (a service mesh)",
    );
  }
  if (transport.grpcTls) loadTlsFiles(transport.grpcTls);
}
