/*
 * Graceful HTTP shutdown that really drains keep-alive clients.
 *
 * Node's server.close() stops accepting and closes the connections idle at
 * that instant, but a keep-alive connection that is busy goes on being
 * served request after request until the process gives up, and an idle one
 * is closed under a request its client is just sending. Here, once drain()
 * starts:
 *
 * - no new connections are accepted;
 * - every response not yet started, and every later one, carries
 *   `Connection: close`, so each client's next answer tells it to go and
 *   Node closes the socket once that answer is written: a request in
 *   progress always finishes and its caller gets its answer;
 * - a socket is closed for being idle only when nothing is in flight on it,
 *   no byte of a next request has arrived, and it has been idle for
 *   `idleGraceMs`; a client that was just sending at the signal is answered
 *   (with `Connection: close`) instead of having its socket cut. Closing an
 *   idle keep-alive socket is what every server does on its keep-alive
 *   timeout; clients expect it;
 * - drain() resolves when every connection is gone, or at `timeoutMs`, when
 *   what is left is cut (and counted, so the caller can say so).
 */
import type { Server, ServerResponse } from "node:http";
import net, { type Socket } from "node:net";

interface SocketState {
  /** Responses started on the socket and not finished. */
  inFlight: number;
  /** When the socket last became idle (connected, or its last response finished). */
  idleSince: number;
  /** socket.bytesRead then: more since means a next request is arriving. */
  bytesReadWhenIdle: number;
}

export interface Drainer {
  readonly draining: boolean;
  /** Stop accepting, let in-flight requests finish, send keep-alive clients away; resolves with the number of requests cut at timeoutMs (0 when clean). */
  drain(timeoutMs: number, idleGraceMs?: number): Promise<number>;
}

export function makeDrainer(server: Server): Drainer {
  let draining = false;
  const sockets = new Map<Socket, SocketState>();
  const responses = new Set<ServerResponse>();

  server.on("connection", (socket: Socket) => {
    sockets.set(socket, { inFlight: 0, idleSince: performance.now(), bytesReadWhenIdle: socket.bytesRead });
    socket.once("close", () => sockets.delete(socket));
  });
  // Before the application's own listener, so a response the application
  // writes at once (the probes) still learns of a drain in progress.
  server.prependListener("request", (req, res) => {
    const state = sockets.get(req.socket);
    if (state) state.inFlight++;
    if (draining) res.setHeader("connection", "close");
    responses.add(res);
    res.once("close", () => {
      responses.delete(res);
      if (!state) return;
      state.inFlight--;
      state.idleSince = performance.now();
      state.bytesReadWhenIdle = req.socket.bytesRead;
    });
  });

  function closeIdle(graceMs: number): void {
    const now = performance.now();
    for (const [socket, state] of sockets) {
      if (state.inFlight > 0) continue;
      if (socket.bytesRead !== state.bytesReadWhenIdle) continue; // a request is arriving
      if (now - state.idleSince < graceMs) continue;
      socket.destroy();
    }
  }

  return {
    get draining() {
      return draining;
    },
    drain(timeoutMs, idleGraceMs = Math.min(1_000, timeoutMs / 4)) {
      if (draining) return Promise.resolve(0);
      draining = true;
      return new Promise<number>((resolve) => {
        // Answers still being computed tell their client to go too. (One
        // already streaming cannot; its socket is closed when idle, below.)
        for (const res of responses) if (!res.headersSent) res.setHeader("connection", "close");
        let finished = false;
        const finish = (cut: number) => {
          if (finished) return;
          finished = true;
          clearInterval(sweep);
          clearTimeout(deadline);
          // http.Server's own close now (nothing is left to cut): it also
          // stops the server's timer for request and header timeouts.
          server.close(() => {});
          resolve(cut);
        };
        // net.Server's close, not http.Server's: the latter also closes every
        // idle socket at once, under requests just being sent.
        net.Server.prototype.close.call(server, () => finish(0));
        const sweep = setInterval(() => closeIdle(idleGraceMs), Math.max(10, Math.min(100, idleGraceMs / 4)));
        const deadline = setTimeout(() => {
          const cut = responses.size;
          server.closeAllConnections();
          finish(cut);
        }, timeoutMs);
      });
    },
  };
}
