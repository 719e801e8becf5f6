/*
 * Ports for the processes a test starts. Several suites share one machine,
 * so a fixed or pid-derived port collides now and then: ask the kernel.
 */
import { createServer, type AddressInfo } from "node:net";

/** A port nobody listens on now (the kernel's choice; free until someone takes it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether nothing listens on `port` of 127.0.0.1 now. */
export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive ports below the kernel's ephemeral range (32768+),
 * free now: no outgoing connection's local port and no server on port 0
 * takes one of them meanwhile, so a test may stop and start servers on them
 * (or open one late) for minutes. Which block is tried first depends on
 * `seed` and the pid; others follow when it is taken, then any free ports.
 */
export async function lowPorts(count: number, seed: number): Promise<number[]> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const base = 21_000 + ((process.pid * 13 + seed * 997 + attempt * 101) % (11_000 - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    let free = true;
    for (const port of ports) free &&= await isFree(port);
    if (free) return ports;
  }
  return Promise.all(Array.from({ length: count }, () => freePort()));
}
