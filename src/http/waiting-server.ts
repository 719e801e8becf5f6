/*
 * The API's HTTP port while start-up waits for a database that is not
 * reachable yet (src/db/startup-wait.ts): /healthz answers 200 (the process
 * is alive and doing what it should), /readyz 503 with the reason, anything
 * else 503 + Retry-After. Closed just before the real server listens on the
 * same port; a start-up whose database answers at once never opens it.
 */
import { createServer, type Server } from "node:http";

export interface WaitingServer {
  /** The reason /readyz gives (the last transient failure). */
  setReason(reason: string): void;
  close(): Promise<void>;
}

export async function listenWhileWaiting(host: string, port: number, reason: string): Promise<WaitingServer> {
  let current = reason;
  const server: Server = createServer((req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      res.end(JSON.stringify({ status: "ok" }));
      return;
    }
    res.statusCode = 503;
    if (path === "/readyz") {
      res.end(JSON.stringify({ ready: false, checks: { database: `waiting: ${current}`, migrations: "unknown" } }));
      return;
    }
    res.setHeader("Retry-After", "2");
    res.end(JSON.stringify({ error: "starting: waiting for the database" }));
  });
  // Probes should not hold the port once the real server wants it, nor a
  // slow client for long (the real server's bounds: src/http/connection-limits.ts).
  server.keepAliveTimeout = 1_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.maxConnections = 100;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject); // e.g. EADDRINUSE: start-up fails as the real server's would
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    setReason(reason) {
      current = reason;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
