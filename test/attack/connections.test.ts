/*
 * Attack: connections, not requests. Real sockets against the real API
 * process (`npm run start:api`'s command): a slowloris client trickling its
 * headers or its body a byte at a time, a flood of idle TCP connections on
 * the public port and on the gRPC port, idle HTTP/2 connections, and one
 * client holding more connections than its share; on the gRPC port also a
 * request message trickled a byte at a time and, with TLS, connections that
 * never handshake or never send their HTTP/2 preface. Before these bounds, Node's
 * defaults held a trickled request for 60–90 s (headers) or 300 s (body),
 * an idle gRPC connection forever, and any number of connections until the
 * process ran out of file descriptors (EMFILE: then /healthz, /readyz, the
 * admin port and the database pool all failed; docs/limits.md "Connections").
 *
 * Each wait below is a liveness wait (the server closes the socket; the test
 * times out if it never does), never a timed assertion. Meanwhile an honest
 * client gets its answers, and afterwards the process is fine: running,
 * answering, its descriptors given back.
 */
import { readdirSync, readFileSync } from "node:fs";
import tls from "node:tls";
import http2 from "node:http2";
import net from "node:net";
import { networkInterfaces } from "node:os";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventServiceClient } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { startApiProcess, type ServiceProcess } from "../ops/service-process.ts";
import { freePort } from "../helpers/ports.ts";
import { certDir, makeCa, type TestCa } from "../helpers/certs.ts";
import { expectResponsive } from "./helpers.ts";

/** What the server did to one of our sockets. */
interface Held {
  socket: net.Socket;
  /** Bytes the server sent (e.g. its 408). */
  received: () => string;
  /** Resolves once the server closed the socket (or reset it). */
  closed: Promise<void>;
  isClosed: () => boolean;
}

/** A TCP connection to host:port from `localAddress` (default: the kernel's choice), held open until the server closes it. */
function hold(port: number, host = "127.0.0.1", localAddress?: string): Promise<Held> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    let data = "";
    let done = false;
    socket.on("data", (chunk: Buffer) => (data += chunk.toString()));
    socket.on("error", () => {}); // a reset is a close too
    const closed = new Promise<void>((r) => socket.once("close", () => ((done = true), r())));
    socket.once("connect", () => resolve({ socket, received: () => data, closed, isClosed: () => done }));
    socket.once("close", () => reject(new Error("closed before connecting")));
  });
}

/** Writes `bytes` one byte at a time, `intervalMs` apart, until the socket closes. */
function trickle(held: Held, bytes: string, intervalMs = 100): void {
  let i = 0;
  const timer = setInterval(() => {
    if (held.isClosed()) return clearInterval(timer);
    held.socket.write(bytes[i % bytes.length]!);
    i++;
  }, intervalMs);
  void held.closed.then(() => clearInterval(timer));
}

/** The process's open file descriptors. */
const descriptors = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** A non-loopback address of this machine: loopback peers are exempt from the per-client cap (sidecars, local proxies). */
function outsideAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (entry.family === "IPv4" && !entry.internal) return entry.address;
  }
  throw new Error("this test needs a non-loopback IPv4 interface: the per-client cap exempts loopback peers");
}

async function honestGrpcCall(address: string): Promise<void> {
  const client = new EventServiceClient(address, grpc.credentials.createInsecure());
  try {
    await new Promise<void>((resolve, reject) =>
      client.listCategories({}, (error) => (error ? reject(error) : resolve())),
    );
  } finally {
    client.close();
  }
}

/** The value of a counter line of the admin port's /metrics (0 when absent). */
async function metric(service: ServiceProcess, line: string): Promise<number> {
  const text = await (await fetch(`${service.adminUrl}/metrics`)).text();
  const found = text.split("\n").find((l) => l.startsWith(line));
  return found ? Number(found.split(" ").at(-1)) : 0;
}

describe("attack: slow and idle connections are cut by the configured timeouts", () => {
  let service: ServiceProcess;
  let baseline: number;

  beforeAll(async () => {
    service = await startApiProcess({ http: await freePort(), grpc: await freePort() }, {
      HTTP_HEADERS_TIMEOUT_MS: "1500",
      HTTP_REQUEST_TIMEOUT_MS: "3000",
      GRPC_HANDSHAKE_TIMEOUT_MS: "1500",
      GRPC_MAX_CONNECTION_IDLE_MS: "2000",
      GRPC_REQUEST_TIMEOUT_MS: "1500",
    });
    baseline = descriptors(service.pid);
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("headers trickled a byte at a time: 408 and closed after HTTP_HEADERS_TIMEOUT_MS; others are served meanwhile", async () => {
    const slow = await Promise.all(Array.from({ length: 20 }, () => hold(Number(new URL(service.apiUrl).port))));
    for (const held of slow) {
      held.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
      trickle(held, "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    await expectResponsive(service.apiUrl);
    await Promise.all(slow.map((held) => held.closed));
    for (const held of slow) expect(held.received()).toMatch(/^HTTP\/1\.1 408 /);
    await expectResponsive(service.apiUrl);
  }, 20_000);

  it("a body trickled a byte at a time: 408 and closed after HTTP_REQUEST_TIMEOUT_MS", async () => {
    const slow = await Promise.all(Array.from({ length: 20 }, () => hold(Number(new URL(service.apiUrl).port))));
    for (const held of slow) {
      held.socket.write("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000\r\n\r\n");
      trickle(held, " ");
    }
    await expectResponsive(service.apiUrl);
    await Promise.all(slow.map((held) => held.closed));
    for (const held of slow) expect(held.received()).toMatch(/^HTTP\/1\.1 408 /);
    await expectResponsive(service.apiUrl);
  }, 20_000);

  it("idle TCP connections on the public port (never a byte) are closed after HTTP_HEADERS_TIMEOUT_MS", async () => {
    const idle = await Promise.all(Array.from({ length: 200 }, () => hold(Number(new URL(service.apiUrl).port))));
    await expectResponsive(service.apiUrl);
    await Promise.all(idle.map((held) => held.closed));
  }, 20_000);

  it("idle TCP connections on the gRPC port (no HTTP/2 preface) are closed after GRPC_HANDSHAKE_TIMEOUT_MS; gRPC calls are served meanwhile", async () => {
    const port = Number(service.grpcAddress.split(":")[1]);
    const idle = await Promise.all(Array.from({ length: 200 }, () => hold(port)));
    await honestGrpcCall(service.grpcAddress);
    await Promise.all(idle.map((held) => held.closed));
    await honestGrpcCall(service.grpcAddress);
  }, 20_000);

  it("HTTP/2 connections that make no call are sent away (GOAWAY) after GRPC_MAX_CONNECTION_IDLE_MS", async () => {
    const sessions = Array.from({ length: 20 }, () => http2.connect(`http://${service.grpcAddress}`));
    const gone = sessions.map(
      (session) =>
        new Promise<string>((resolve) => {
          session.on("error", () => {});
          session.once("goaway", () => resolve("goaway"));
          session.once("close", () => resolve("close"));
        }),
    );
    // They really speak HTTP/2 (the server's SETTINGS came back), so only the idle bound can close them.
    await Promise.all(sessions.map((session) => new Promise((r) => (session.remoteSettings ? r(null) : session.once("remoteSettings", r)))));
    await honestGrpcCall(service.grpcAddress);
    expect(await Promise.all(gone)).toEqual(Array(sessions.length).fill("goaway"));
    for (const session of sessions) session.destroy();
  }, 20_000);

  it("a gRPC request message trickled a byte at a time: the call is reset after GRPC_REQUEST_TIMEOUT_MS", async () => {
    const session = http2.connect(`http://${service.grpcAddress}`);
    session.on("error", () => {});
    const streams = Array.from({ length: 10 }, () => {
      const stream = session.request({
        ":method": "POST",
        ":path": "/aquastream.event.v1.EventService/ListCategories",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.on("error", () => {});
      stream.resume();
      // A message announced as 100 bytes long, then a byte at a time.
      stream.write(Buffer.from([0, 0, 0, 0, 100]));
      const timer = setInterval(() => stream.write(Buffer.from([0])), 100);
      return new Promise<number>((resolve) => stream.once("close", () => (clearInterval(timer), resolve(stream.rstCode ?? -1))));
    });
    await honestGrpcCall(service.grpcAddress);
    expect(await Promise.all(streams)).toEqual(Array(streams.length).fill(http2.constants.NGHTTP2_CANCEL));
    session.destroy();
  }, 20_000);

  it("afterwards the process is fine: running, answering, its descriptors given back", async () => {
    expect(service.exitCode()).toBeNull();
    await expectResponsive(service.apiUrl);
    await honestGrpcCall(service.grpcAddress);
    // Liveness wait: the sockets of the tests above are gone (a few of the process's own may come and go).
    while (descriptors(service.pid) > baseline + 10) await new Promise((r) => setTimeout(r, 100));
  }, 20_000);
});

describe("attack: silent connections on the gRPC port with TLS", () => {
  let service: ServiceProcess;
  let ca: TestCa;

  beforeAll(async () => {
    const dir = certDir();
    ca = makeCa(dir, "server");
    const cert = ca.issue("aquastream-event");
    service = await startApiProcess({ http: await freePort(), grpc: await freePort() }, {
      GRPC_TLS_CERT_FILE: cert.certFile,
      GRPC_TLS_KEY_FILE: cert.keyFile,
      GRPC_HANDSHAKE_TIMEOUT_MS: "1500",
    });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("no TLS handshake, or a handshake and then no HTTP/2 preface: closed after GRPC_HANDSHAKE_TIMEOUT_MS; TLS calls are served meanwhile", async () => {
    const port = Number(service.grpcAddress.split(":")[1]);
    const silent = await Promise.all(Array.from({ length: 20 }, () => hold(port)));
    const handshaken = await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<{ closed: Promise<void> }>((resolve, reject) => {
            const socket = tls.connect({ port, host: "127.0.0.1", ca: readFileSync(ca.certFile), servername: "localhost", ALPNProtocols: ["h2"] });
            socket.on("error", () => {});
            socket.resume(); // read, so the server's close is seen
            const closed = new Promise<void>((r) => socket.once("close", () => r()));
            socket.once("secureConnect", () => resolve({ closed }));
            socket.once("close", () => reject(new Error("closed before the handshake")));
          }),
      ),
    );
    const client = new EventServiceClient(service.grpcAddress, grpc.credentials.createSsl(readFileSync(ca.certFile)));
    await new Promise<void>((resolve, reject) => client.listCategories({}, (error) => (error ? reject(error) : resolve())));
    client.close();
    await Promise.all([...silent, ...handshaken].map((held) => held.closed));
    expect(service.exitCode()).toBeNull();
  }, 20_000);
});

describe("attack: more connections than the caps allow", () => {
  const MAX = 40;
  const PER_CLIENT = 8;
  let service: ServiceProcess;
  let httpPort: number;
  let grpcPort: number;
  const outside = outsideAddress();

  beforeAll(async () => {
    httpPort = await freePort();
    grpcPort = await freePort();
    service = await startApiProcess({ http: httpPort, grpc: grpcPort }, {
      // Reachable from a non-loopback address too (the per-client cap exempts loopback).
      HTTP_HOST: "0.0.0.0",
      GRPC_HOST: "0.0.0.0",
      ADMIN_HOST: "127.0.0.1",
      // Long timeouts: only the caps close connections here.
      HTTP_HEADERS_TIMEOUT_MS: "120000",
      HTTP_REQUEST_TIMEOUT_MS: "120000",
      GRPC_HANDSHAKE_TIMEOUT_MS: "120000",
      HTTP_KEEP_ALIVE_TIMEOUT_MS: "120000",
      HTTP_MAX_CONNECTIONS: String(MAX),
      HTTP_MAX_CONNECTIONS_PER_CLIENT: String(PER_CLIENT),
      GRPC_MAX_CONNECTIONS: String(MAX),
      GRPC_MAX_CONNECTIONS_PER_CLIENT: String(PER_CLIENT),
    });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("one client beyond HTTP_MAX_CONNECTIONS_PER_CLIENT: its further connections are closed at once; others are served", async () => {
    const mine = await Promise.all(Array.from({ length: PER_CLIENT }, () => hold(httpPort, outside)));
    const extra = await Promise.all(Array.from({ length: 5 }, () => hold(httpPort, outside)));
    await Promise.all(extra.map((held) => held.closed));
    expect(extra.map((held) => held.received())).toEqual(Array(5).fill(""));
    // Its first connections are untouched and still serve it.
    expect(mine.filter((held) => held.isClosed())).toEqual([]);
    mine[0]!.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    while (!mine[0]!.received().includes("\r\n\r\n")) await new Promise((r) => setTimeout(r, 20));
    expect(mine[0]!.received()).toMatch(/^HTTP\/1\.1 200 /);
    // Another client (loopback here) is served meanwhile.
    await expectResponsive(service.apiUrl);
    expect(await metric(service, 'aquastream_connections_refused_total{server="http",reason="per_client"')).toBeGreaterThanOrEqual(5);
    // Once it lets go, it may connect again.
    for (const held of mine) held.socket.destroy();
    await Promise.all(mine.map((held) => held.closed));
    let again = await hold(httpPort, outside);
    // Its closes reach the server a moment later: a liveness wait for a connection that stays.
    for (;;) {
      again.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      while (!again.isClosed() && !again.received().includes("\r\n\r\n")) await new Promise((r) => setTimeout(r, 20));
      if (!again.isClosed()) break;
      again = await hold(httpPort, outside);
    }
    expect(again.received()).toMatch(/^HTTP\/1\.1 200 /);
    again.socket.destroy();
  });

  it("beyond HTTP_MAX_CONNECTIONS: further connections are closed at once; the admin port's /healthz answers meanwhile", async () => {
    // Loopback peers are not capped per client: these fill the server's cap.
    // Each proves it was accepted by getting an answer (and stays, keep-alive);
    // the first one closed instead is the cap (the test's own keep-alive
    // fetches may hold a few of the slots).
    const flood: Held[] = [];
    for (;;) {
      const held = await hold(httpPort);
      held.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      while (!held.isClosed() && !held.received().includes("\r\n\r\n")) await new Promise((r) => setTimeout(r, 10));
      if (held.isClosed()) break;
      flood.push(held);
    }
    expect(flood.length).toBeLessThanOrEqual(MAX);
    expect(flood.length).toBeGreaterThan(MAX / 2);
    const refused = await hold(httpPort);
    await refused.closed;
    expect(refused.received()).toBe("");
    expect((await fetch(`${service.adminUrl}/healthz`)).status).toBe(200);
    expect(await metric(service, 'aquastream_connections_refused_total{server="http",reason="max"')).toBeGreaterThanOrEqual(1);
    for (const held of flood) held.socket.destroy();
    await Promise.all(flood.map((held) => held.closed));
    // Liveness wait: the server has counted the closes, an honest client gets in again.
    for (;;) {
      try {
        await expectResponsive(service.apiUrl);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  it("gRPC: one peer beyond GRPC_MAX_CONNECTIONS_PER_CLIENT is closed at once; another peer's calls are served", async () => {
    const mine = await Promise.all(Array.from({ length: PER_CLIENT }, () => hold(grpcPort, outside)));
    const extra = await Promise.all(Array.from({ length: 5 }, () => hold(grpcPort, outside)));
    await Promise.all(extra.map((held) => held.closed));
    expect(mine.filter((held) => held.isClosed())).toEqual([]);
    await honestGrpcCall(`127.0.0.1:${grpcPort}`);
    expect(await metric(service, 'aquastream_connections_refused_total{server="grpc",reason="per_client"')).toBeGreaterThanOrEqual(5);
    for (const held of mine) held.socket.destroy();
    await Promise.all(mine.map((held) => held.closed));
  });

  it("gRPC: beyond GRPC_MAX_CONNECTIONS further connections are closed at once; the public port answers meanwhile", async () => {
    // HTTP/2 connections: accepted ones answer with the server's SETTINGS and stay; the first one closed is the cap.
    const flood: http2.ClientHttp2Session[] = [];
    for (;;) {
      const session = http2.connect(`http://127.0.0.1:${grpcPort}`);
      session.on("error", () => {});
      const accepted = await new Promise<boolean>((resolve) => {
        session.once("remoteSettings", () => resolve(true));
        session.once("close", () => resolve(false));
      });
      if (!accepted) break;
      flood.push(session);
    }
    expect(flood.length).toBeLessThanOrEqual(MAX);
    expect(flood.length).toBeGreaterThan(MAX / 2);
    await expectResponsive(service.apiUrl);
    expect(await metric(service, 'aquastream_connections_refused_total{server="grpc",reason="max"')).toBeGreaterThanOrEqual(1);
    await Promise.all(flood.map((session) => new Promise((r) => session.close(() => r(null)))));
    // Liveness wait: the server has counted the closes, a gRPC client gets in again.
    for (;;) {
      try {
        await honestGrpcCall(`127.0.0.1:${grpcPort}`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(service.exitCode()).toBeNull();
    await expectResponsive(service.apiUrl);
  });
});
