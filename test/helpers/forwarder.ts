/*
 * A TCP forwarder to a real PostgreSQL, opened on a port where nothing
 * listened before: a database that "comes up" late, for the start-up wait
 * tests (test/worker/startup-wait.test.ts, test/ops/api-startup-wait.test.ts).
 */
import { createServer, connect, type Socket } from "node:net";

export interface Forwarder {
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:`port` to the server of `target` (a postgres:// URL). */
export function forward(port: number, target: URL): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  return new Promise((resolve) =>
    server.listen(port, "127.0.0.1", () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}
