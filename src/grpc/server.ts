/*
 * The gRPC server of the API process: EventService
 * (proto/aquastream/event/v1), the standard health service and server
 * reflection. Reflection is fed the same .proto files the services are built
 * from, so `grpcurl list` shows exactly what is served.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, protoPath as healthProtoPath } from "grpc-health-check";
import { fileURLToPath } from "node:url";
import { logger } from "../log/logger.ts";
import { EventServiceService } from "../gen/aquastream/event/v1/event_service.ts";
import { eventServiceHandlers } from "./event-service.ts";
import type { CallContext } from "./call.ts";
import { loadLimits, type LimitsConfig } from "../config/limits.ts";
import { constants as http2Constants, type Http2SecureServer, type Http2Server, type ServerHttp2Session, type ServerHttp2Stream } from "node:http2";
import type { Socket } from "node:net";
import { Server as TlsServer } from "node:tls";
import { limitConnections } from "../http/connection-limits.ts";
import { createRateLimiter } from "../limits/rate-limiter.ts";
import { createRequestLimiter } from "../limits/request-limiter.ts";
import type { GrpcTlsFiles } from "../config/transport.ts";
import { ReloadingServerCredentials } from "./tls.ts";
import { Undecodable } from "./status.ts";
import { followReadiness, HEALTH_SERVICES, type HealthFollower } from "./health-follower.ts";
import type { Readiness } from "../http/readiness.ts";

const protoDir = fileURLToPath(new URL("../../proto", import.meta.url));

export interface GrpcServer {
  server: grpc.Server;
  port: number;
  health: HealthImplementation;
  /** The TLS credentials when serving TLS (reload() re-reads the files now). */
  tls: ReloadingServerCredentials | undefined;
  /** Health follows this readiness check (database outage: NOT_SERVING) until close(). */
  followReadiness(check: () => Promise<Readiness>, intervalMs?: number): HealthFollower;
  /** Health NOT_SERVING, then wait for in-flight calls (bounded), then force. */
  close(timeoutMs: number): Promise<void>;
}

export interface GrpcTlsOptions {
  files: GrpcTlsFiles;
  /** Re-read the files this often (certificate rotation); 0: never. */
  reloadIntervalMs: number;
}

/** The service with deserializers that turn undecodable bytes into an Undecodable marker instead of throwing. */
function decodingSafely(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  return Object.fromEntries(
    Object.entries(service).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: (bytes: Buffer) => {
          try {
            return method.requestDeserialize(bytes);
          } catch (error) {
            return new Undecodable(error instanceof Error ? error.message : String(error));
          }
        },
      },
    ]),
  );
}

const kPrefaceTimer = Symbol("aquastream.prefaceTimer");

/**
 * Connection caps and the preface bound on grpc-js's HTTP/2 servers (it has
 * no option for either): at most GRPC_MAX_CONNECTIONS connections per
 * listening address and GRPC_MAX_CONNECTIONS_PER_CLIENT per peer address,
 * and a connection that has not sent its HTTP/2 preface (after its TLS
 * handshake) within GRPC_HANDSHAKE_TIMEOUT_MS is closed: grpc-js's idle
 * timeout would hold a silent connection for GRPC_MAX_CONNECTION_IDLE_MS.
 * And a call's request must arrive within GRPC_REQUEST_TIMEOUT_MS.
 */
function boundConnections(server: grpc.Server, limits: LimitsConfig): void {
  const servers = (server as unknown as { http2Servers?: Map<Http2Server | Http2SecureServer, unknown> }).http2Servers;
  if (!servers || servers.size === 0) throw new Error("grpc-js changed: cannot reach its HTTP/2 servers to cap connections (see server.ts)");
  const listening = [...servers.keys()];
  limitConnections(listening, "grpc", { max: limits.grpcMaxConnections, perClient: limits.grpcMaxConnectionsPerClient });
  for (const http2Server of listening) {
    const arm = (socket: Socket) => {
      const timer = setTimeout(() => socket.destroy(), limits.grpcHandshakeTimeoutMs);
      timer.unref();
      (socket as Socket & { [kPrefaceTimer]?: NodeJS.Timeout })[kPrefaceTimer] = timer;
      socket.once("close", () => clearTimeout(timer));
    };
    // The socket an HTTP/2 session reads: the TLS socket once its handshake is over, else the TCP one.
    if (http2Server instanceof TlsServer) http2Server.on("secureConnection", arm);
    else http2Server.on("connection", arm);
    // Every method takes one request message (no client streams but
    // reflection's): a call whose request has not arrived in full (END_STREAM)
    // within GRPC_REQUEST_TIMEOUT_MS is reset, so a message trickled a byte
    // at a time holds neither the stream nor, through it, the connection
    // (an active stream keeps the idle bound from applying).
    http2Server.on("stream", (stream: ServerHttp2Stream) => {
      const timer = setTimeout(() => {
        if (!stream.destroyed && !stream.readableEnded) stream.close(http2Constants.NGHTTP2_CANCEL);
      }, limits.grpcRequestTimeoutMs);
      timer.unref();
      stream.once("end", () => clearTimeout(timer));
      stream.once("close", () => clearTimeout(timer));
    });
    http2Server.on("session", (session: ServerHttp2Session) => {
      // The client's SETTINGS follow its preface: the connection speaks HTTP/2.
      session.once("remoteSettings", () => {
        const socket = session.socket as (Socket & { [kPrefaceTimer]?: NodeJS.Timeout }) | undefined;
        clearTimeout(socket?.[kPrefaceTimer]);
      });
    });
  }
}

export async function startGrpcServer(
  host: string,
  port: number,
  givenCtx: CallContext,
  tlsOptions?: GrpcTlsOptions,
): Promise<GrpcServer> {
  const limits = givenCtx.limits ?? loadLimits({}, "development");
  const ctx: CallContext = {
    ...givenCtx,
    limits,
    rateLimiter: givenCtx.rateLimiter ?? createRateLimiter(limits, givenCtx.pool),
    requestLimiter:
      "requestLimiter" in givenCtx
        ? givenCtx.requestLimiter
        : createRequestLimiter({ points: limits.rateLimitRequests, windowSeconds: limits.rateLimitRequestWindowSeconds }),
  };
  const server = new grpc.Server({
    // A larger message is refused (RESOURCE_EXHAUSTED) before it is decoded.
    "grpc.max_receive_message_length": limits.grpcMaxMessageBytes,
    "grpc.max_send_message_length": limits.grpcMaxMessageBytes,
    // Calls one connection may have in flight at once.
    "grpc.max_concurrent_streams": limits.grpcMaxConcurrentStreams,
    // A connection without a call for this long is closed (GOAWAY), one
    // older than this is asked to go, its calls get the grace to finish
    // (docs/limits.md "Connections"). 0: never (grpc-js's default).
    ...(limits.grpcMaxConnectionIdleMs > 0 ? { "grpc.max_connection_idle_ms": limits.grpcMaxConnectionIdleMs } : {}),
    ...(limits.grpcMaxConnectionAgeMs > 0
      ? { "grpc.max_connection_age_ms": limits.grpcMaxConnectionAgeMs, "grpc.max_connection_age_grace_ms": limits.grpcMaxConnectionAgeGraceMs }
      : {}),
  });
  // Node's HTTP/2 drops a header whose value ends in white space (RFC 9113
  // strictness) without a word, so `authorization: Bearer ` (an empty token)
  // arrived as no header at all and the call ran anonymously. Keep such
  // values, so the call wrapper sees the header and refuses it
  // (UNAUTHENTICATED). grpc-js has no option for this; its http2 server
  // options object is set here before bind (test/attack/grpc.test.ts
  // proves it still takes effect).
  const http2Options = (server as unknown as { commonServerOptions?: Record<string, unknown> }).commonServerOptions;
  if (!http2Options) throw new Error("grpc-js changed: cannot keep white space in header values (see server.ts)");
  http2Options.strictFieldWhitespaceValidation = false;
  // A TLS handshake must be over within this long (Node's default: 120 s).
  http2Options.handshakeTimeout = limits.grpcHandshakeTimeoutMs;
  // "" is the overall status that load balancers and `grpc_health_probe` ask for.
  // The service's own name too, for clients that ask per service; both
  // follow readiness once main.ts calls followReadiness (health-follower.ts).
  const health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((name) => [name, "SERVING"])));
  let follower: HealthFollower | undefined;
  health.addToServer(server);

  server.addService(decodingSafely(EventServiceService), eventServiceHandlers(ctx));

  const packageDefinition = protoLoader.loadSync([healthProtoPath, "aquastream/event/v1/event_service.proto"], {
    includeDirs: [protoDir],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  new ReflectionService(packageDefinition).addToServer(server);

  // TLS (mutual with a client CA) from files re-read while serving; plaintext
  // only where config allows it (development, or an explicit opt-out).
  const tls = tlsOptions ? new ReloadingServerCredentials(tlsOptions.files, tlsOptions.reloadIntervalMs) : undefined;
  const boundPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, tls ?? grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  }).catch((error: unknown) => {
    tls?.stop();
    throw error;
  });
  boundConnections(server, limits);
  logger.info({ port: boundPort, tls: tls ? (tlsOptions!.files.clientCaFile ? "mutual" : "server") : "off" }, "gRPC server listening");

  return {
    server,
    port: boundPort,
    health,
    tls,
    followReadiness(check, intervalMs) {
      follower?.stop();
      follower = followReadiness(health, check, intervalMs);
      return follower;
    },
    async close(timeoutMs) {
      tls?.stop();
      follower?.stop();
      for (const name of HEALTH_SERVICES) health.setStatus(name, "NOT_SERVING");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
