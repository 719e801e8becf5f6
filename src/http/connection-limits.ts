/*
 * Connection caps of a listening server (the public HTTP port, the gRPC
 * port's HTTP/2 servers): request limits bound what one request may cost, but
 * not how many connections a client may open and hold (idle, or trickling a
 * request). Every open connection holds a file descriptor and some memory
 * until its client or a timeout closes it; once the process runs out of
 * descriptors (EMFILE) it accepts nobody, probes included, and opens no
 * database connection either.
 *
 * - `max`: connections open at once on this server (net.Server
 *   maxConnections: Node closes each further connection as it is accepted).
 * - `perClient`: connections one client address may hold at once, IPv6 by
 *   its /64 as the request budget counts (src/limits/request-limiter.ts);
 *   a further one is closed at once. 0: no per-client cap (behind a proxy or
 *   gateway every connection has the proxy's address).
 *
 * Refused connections are counted (aquastream_connections_refused_total) and
 * logged at most once per 10 s per server and reason.
 */
import { readFileSync } from "node:fs";
import type { Server as NetServer, Socket } from "node:net";
import client from "prom-client";
import { logger } from "../log/logger.ts";
import { addressKey } from "../limits/request-limiter.ts";
import { registry } from "../metrics/registry.ts";

export interface ConnectionCaps {
  /** Connections open at once. */
  max: number;
  /** Connections of one client address (IPv6: /64) at once; 0: no cap. */
  perClient: number;
}

const refused = new client.Counter({
  name: "aquastream_connections_refused_total",
  help: "Connections closed as they arrived: the server's cap (reason max) or the client's (reason per_client) was reached.",
  labelNames: ["server", "reason"] as const,
  registers: [registry],
});

export interface ConnectionLimiter {
  /** Open connections per client key now (for tests and diagnostics). */
  openPerClient(): ReadonlyMap<string, number>;
}

/**
 * Loopback peers are on-host proxies (a service mesh's sidecar, a local
 * ingress): like a proxy, they carry every client's connections, so they are
 * not capped per client (the server's cap still holds).
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return /^(::ffff:)?127\./i.test(address) || address === "::1";
}

/** Caps the connections of these servers (one listening address each; `max` holds per server, the per-client count is shared). */
export function limitConnections(servers: NetServer | NetServer[], name: string, caps: ConnectionCaps): ConnectionLimiter {
  const lastLogged = new Map<string, number>();
  const note = (reason: "max" | "per_client", remote: string | undefined) => {
    refused.inc({ server: name, reason });
    const now = performance.now();
    if (now - (lastLogged.get(reason) ?? -Infinity) < 10_000) return;
    lastLogged.set(reason, now);
    logger.warn(
      { server: name, reason, remote, max: caps.max, perClient: caps.perClient },
      reason === "max" ? "connection refused: the server's connection cap is reached" : "connection refused: this client's connection cap is reached",
    );
  };
  const open = new Map<string, number>();
  for (const server of Array.isArray(servers) ? servers : [servers]) {
    server.maxConnections = caps.max;
    // Node emits "drop" for each connection it closes for maxConnections.
    server.on("drop", (data?: { remoteAddress?: string }) => note("max", data?.remoteAddress));
    if (caps.perClient === 0) continue;
    // Before the server's own listener (HTTP parser, TLS, HTTP/2 session), so
    // a refused socket costs nothing more than its accept.
    server.prependListener("connection", (socket: Socket) => {
      if (isLoopback(socket.remoteAddress)) return;
      const key = addressKey(socket.remoteAddress);
      const count = open.get(key) ?? 0;
      if (count >= caps.perClient) {
        note("per_client", socket.remoteAddress);
        socket.destroy();
        return;
      }
      open.set(key, count + 1);
      socket.once("close", () => {
        const left = (open.get(key) ?? 1) - 1;
        if (left > 0) open.set(key, left);
        else open.delete(key);
      });
    });
  }
  return { openPerClient: () => open };
}

/** The process's soft limit of open files (Linux: /proc/self/limits); undefined where unknown or unlimited. */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The connection caps only protect the process while they fit in its file
 * descriptors: past `ulimit -n` the process accepts nobody (EMFILE), probes
 * and database connections included. Says so at start-up when they do not.
 */
export function checkDescriptorBudget(caps: { httpMax: number; grpcMax: number; databasePool: number }): void {
  const limit = openFileLimit();
  // Files, the admin server, the database pool, the process's own pipes.
  const needed = caps.httpMax + caps.grpcMax + caps.databasePool + 100;
  if (limit !== undefined && needed > limit) {
    logger.warn(
      { openFileLimit: limit, needed, httpMaxConnections: caps.httpMax, grpcMaxConnections: caps.grpcMax },
      "HTTP_MAX_CONNECTIONS + GRPC_MAX_CONNECTIONS do not fit in the open-file limit (ulimit -n): a connection flood can still exhaust it; lower them or raise the limit",
    );
  }
}
