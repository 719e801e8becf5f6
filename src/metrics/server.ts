/*
 * The admin server: /metrics and /healthz on a port of their own, apart from
 * the public API (ADMIN_PORT for the api and all roles, WORKER_METRICS_PORT
 * for a worker alone). /metrics carries business totals (bookings,
 * payments, refunds), so it is never on the public port; in Kubernetes a
 * NetworkPolicy lets only Prometheus reach this one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { logger } from "../log/logger.ts";
import { registry } from "./registry.ts";

export async function writeMetrics(res: ServerResponse): Promise<void> {
  try {
    const body = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType });
    res.end(body);
  } catch (error) {
    logger.error({ err: error }, "metrics collection failed");
    res.writeHead(500, { "content-type": "text/plain" });
    res.end("metrics collection failed\n");
  }
}

export interface MetricsServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(host: string, port: number, name = "worker"): Promise<MetricsServer> {
  // Short bounds for a request's headers and the whole request (Node's
  // defaults: 60 s, 300 s): it serves small GETs to Prometheus and probes.
  const bounds = { headersTimeout: 10_000, requestTimeout: 10_000, connectionsCheckingInterval: 1_000 };
  const server = createServer(bounds, (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/metrics") {
      void writeMetrics(res);
    } else if (req.method === "GET" && path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"status":"ok"}');
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  logger.info({ url: `http://${host}:${bound}/metrics` }, `${name} metrics listening`);
  return {
    server,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
