/*
 * The gRPC server over real TLS: certificates made by openssl in this run,
 * the production startGrpcServer() with TLS and with mutual TLS, real
 * grpc-js clients, and certificate rotation by replacing the files under a
 * running server (the way cert-manager does it).
 */
import { mkdirSync, mkdtempSync, renameSync, copyFileSync } from "node:fs";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import type pg from "pg";
import { loadConfig } from "../../src/config/env.ts";
import { checkGrpcTransport, loadTransport } from "../../src/config/transport.ts";
import { createPool } from "../../src/db/pool.ts";
import { createVerifier } from "../../src/auth/verifier.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { startGrpcServer, type GrpcServer } from "../../src/grpc/server.ts";
import { EventServiceClient, ListEventsRequest, type ListEventsResponse } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { apiDatabaseUrl } from "../helpers/db.ts";
import { certDir, makeCa, pem, serialOf, type Issued, type TestCa } from "../helpers/certs.ts";
import { configRefusal, serviceExit } from "../helpers/config.ts";
import { eventually } from "../helpers/eventually.ts";

vi.hoisted(() => {
  process.env.LOG_LEVEL = "silent";
});

const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "aquastream-grpc-tls-")), LOG_LEVEL: "silent" });
const issuer = loadDevIssuer(config);
const dir = certDir();
let serverCa: TestCa;
let clientCa: TestCa;
let otherCa: TestCa;
let first: Issued;
let pool: pg.Pool;
let tlsServer: GrpcServer;
let mtlsServer: GrpcServer;
/** The files the TLS server reads: replaced in place to rotate. */
const live = join(dir, "live");
const liveFiles = { certFile: join(live, "tls.crt"), keyFile: join(live, "tls.key"), clientCaFile: undefined };

/** Replaces a live file atomically (write beside it, rename over it), as a Secret volume update does. */
function put(source: string, target: string) {
  copyFileSync(source, `${target}.new`);
  renameSync(`${target}.new`, target);
}

beforeAll(async () => {
  serverCa = makeCa(dir, "server");
  clientCa = makeCa(dir, "client");
  otherCa = makeCa(dir, "other");
  first = serverCa.issue("aquastream-event");
  mkdirSync(live);
  put(first.certFile, liveFiles.certFile);
  put(first.keyFile, liveFiles.keyFile);
  pool = createPool(apiDatabaseUrl(), 4, "test-grpc-tls");
  const ctx = { pool, verifier: createVerifier(config) };
  // The rotation test calls reload() itself; the poll is off so nothing races it.
  tlsServer = await startGrpcServer("127.0.0.1", 0, ctx, { files: liveFiles, reloadIntervalMs: 0 });
  const mtlsCert = serverCa.issue("aquastream-event-mtls");
  mtlsServer = await startGrpcServer("127.0.0.1", 0, ctx, {
    files: { certFile: mtlsCert.certFile, keyFile: mtlsCert.keyFile, clientCaFile: clientCa.certFile },
    reloadIntervalMs: 0,
  });
});

afterAll(async () => {
  await tlsServer?.close(1000);
  await mtlsServer?.close(1000);
  await pool?.end();
});

/** Channel credentials trusting `ca`, recording the serial of every server certificate a handshake shows. */
function tlsCredentials(ca: TestCa, clientCert?: Issued): { credentials: grpc.ChannelCredentials; serials: string[] } {
  const serials: string[] = [];
  const credentials = grpc.credentials.createSsl(
    pem(ca.certFile),
    clientCert ? pem(clientCert.keyFile) : null,
    clientCert ? pem(clientCert.certFile) : null,
    {
      checkServerIdentity: (host: string, cert: PeerCertificate) => {
        serials.push(serialOf(cert.serialNumber));
        return checkServerIdentity(host, cert); // still the normal host name check
      },
    },
  );
  return { credentials, serials };
}

// Every client its own connection: no subchannel shared across the test's channels.
const channelOptions = { "grpc.use_local_subchannel_pool": 1 };

function eventClient(port: number, credentials: grpc.ChannelCredentials) {
  return new EventServiceClient(`127.0.0.1:${port}`, credentials, channelOptions);
}

async function listEvents(client: EventServiceClient): Promise<{ response?: ListEventsResponse; error?: grpc.ServiceError }> {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${await issuer.signDevToken({ role: ["user"] })}`);
  return new Promise((resolve) =>
    client.listEvents(ListEventsRequest.fromPartial({ pageSize: 1 }), metadata, { deadline: Date.now() + 10_000 }, (error, response) =>
      resolve(error ? { error } : { response }),
    ),
  );
}

// grpc.health.v1.Health by hand: HealthCheckRequest { string service = 1 }, HealthCheckResponse { ServingStatus status = 1 }.
const healthRequest = (service: string) => Buffer.concat([Buffer.from([0x0a, service.length]), Buffer.from(service)]);
const healthStatus = (bytes: Buffer) => (bytes.length >= 2 ? bytes[1]! : 0); // 1 SERVING, 2 NOT_SERVING
const SERVING = 1;
const NOT_SERVING = 2;

function healthCheck(client: grpc.Client, service = ""): Promise<number> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      (b: Buffer) => b,
      (b: Buffer) => b,
      healthRequest(service),
      new grpc.Metadata(),
      { deadline: Date.now() + 10_000 },
      (error, response) => (error ? reject(error) : resolve(healthStatus(response!))),
    ),
  );
}

describe("gRPC over TLS", () => {
  it("serves EventService to a client that trusts the server's CA, and checks the host name", async () => {
    const { credentials, serials } = tlsCredentials(serverCa);
    const client = eventClient(tlsServer.port, credentials);
    try {
      const { response, error } = await listEvents(client);
      expect(error).toBeUndefined();
      expect(response?.events).toBeDefined();
      expect(serials).toEqual([first.serial]);
    } finally {
      client.close();
    }
  });

  it("refuses a plaintext client and a client that trusts another CA", async () => {
    const plain = eventClient(tlsServer.port, grpc.credentials.createInsecure());
    const stranger = eventClient(tlsServer.port, tlsCredentials(otherCa).credentials);
    try {
      expect((await listEvents(plain)).error?.code).toBe(grpc.status.UNAVAILABLE);
      expect((await listEvents(stranger)).error?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      plain.close();
      stranger.close();
    }
  });
});

describe("gRPC over mutual TLS", () => {
  it("refuses a client without a certificate and one whose certificate another CA signed", async () => {
    const anonymous = eventClient(mtlsServer.port, tlsCredentials(serverCa).credentials);
    const foreign = eventClient(mtlsServer.port, tlsCredentials(serverCa, otherCa.issue("intruder", { client: true, sans: [] })).credentials);
    try {
      const refused = await listEvents(anonymous);
      expect(refused.error?.code).toBe(grpc.status.UNAVAILABLE);
      expect((await listEvents(foreign)).error?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      anonymous.close();
      foreign.close();
    }
  });

  it("serves a client with a certificate of the client CA (the gateway)", async () => {
    const gateway = clientCa.issue("aquastream-gateway", { client: true, sans: [] });
    const client = eventClient(mtlsServer.port, tlsCredentials(serverCa, gateway).credentials);
    try {
      const { response, error } = await listEvents(client);
      expect(error).toBeUndefined();
      expect(response?.events).toBeDefined();
    } finally {
      client.close();
    }
  });
});

describe("certificate rotation", () => {
  it("new connections get the new certificate; a call in flight and the open connection carry on", async () => {
    const { credentials: oldCreds, serials: oldSerials } = tlsCredentials(serverCa);
    const old = new grpc.Client(`127.0.0.1:${tlsServer.port}`, oldCreds, channelOptions);
    tlsServer.health.setStatus("rotation", "SERVING");
    // A call in flight across the rotation: a health Watch stream, open until we end it.
    const watch = old.makeServerStreamRequest(
      "/grpc.health.v1.Health/Watch",
      (b: Buffer) => b,
      (b: Buffer) => b,
      healthRequest("rotation"),
      new grpc.Metadata(),
    );
    const statuses: number[] = [];
    let streamError: grpc.ServiceError | undefined;
    watch.on("data", (b: Buffer) => statuses.push(healthStatus(b)));
    watch.on("error", (e: grpc.ServiceError) => (streamError = e));
    await eventually(async () => statuses.includes(SERVING), "the watch stream says SERVING");
    expect(oldSerials).toEqual([first.serial]);

    // Half-way through a rotation (new certificate, old key) nothing changes.
    const second = serverCa.issue("aquastream-event");
    put(second.certFile, liveFiles.certFile);
    expect(tlsServer.tls!.reload()).toBe(false);
    const midway = tlsCredentials(serverCa);
    const midwayClient = new grpc.Client(`127.0.0.1:${tlsServer.port}`, midway.credentials, channelOptions);
    expect(await healthCheck(midwayClient)).toBe(SERVING);
    expect(midway.serials).toEqual([first.serial]);
    midwayClient.close();

    // The key arrives: the new pair serves from the next handshake on.
    put(second.keyFile, liveFiles.keyFile);
    expect(tlsServer.tls!.reload()).toBe(true);
    expect(serialOf(tlsServer.tls!.certificate.serial)).toBe(second.serial);
    const fresh = tlsCredentials(serverCa);
    const freshClient = new grpc.Client(`127.0.0.1:${tlsServer.port}`, fresh.credentials, channelOptions);
    expect(await healthCheck(freshClient)).toBe(SERVING);
    expect(fresh.serials).toEqual([second.serial]);
    freshClient.close();

    // The call in flight still delivers, and the old connection still serves without a new handshake.
    tlsServer.health.setStatus("rotation", "NOT_SERVING");
    await eventually(async () => statuses.includes(NOT_SERVING), "the watch stream sees NOT_SERVING after the rotation");
    expect(await healthCheck(old)).toBe(SERVING);
    expect(oldSerials).toEqual([first.serial]);
    expect(streamError).toBeUndefined();
    watch.cancel();
    old.close();
  });

  it("picks up replaced files by itself when polling", async () => {
    const pollDir = join(dir, "poll");
    mkdirSync(pollDir);
    const files = { certFile: join(pollDir, "tls.crt"), keyFile: join(pollDir, "tls.key"), clientCaFile: undefined };
    const a = serverCa.issue("aquastream-event");
    put(a.certFile, files.certFile);
    put(a.keyFile, files.keyFile);
    const server = await startGrpcServer("127.0.0.1", 0, { pool, verifier: createVerifier(config) }, { files, reloadIntervalMs: 50 });
    try {
      const b = serverCa.issue("aquastream-event");
      put(b.keyFile, files.keyFile);
      put(b.certFile, files.certFile);
      const serial = await eventually(async () => {
        const probe = tlsCredentials(serverCa);
        const client = new grpc.Client(`127.0.0.1:${server.port}`, probe.credentials, channelOptions);
        try {
          await healthCheck(client);
        } finally {
          client.close();
        }
        return probe.serials[0] === b.serial && probe.serials[0];
      }, "a new connection gets the replaced certificate", { tries: 100, intervalMs: 100 });
      expect(serial).toBe(b.serial);
    } finally {
      await server.close(1000);
    }
  });
});

describe("configuration", () => {
  it("refuses a key that is not the certificate's, naming GRPC_TLS_KEY_FILE", () => {
    const a = serverCa.issue("a");
    const b = serverCa.issue("b");
    const error = configRefusal(
      (env) => checkGrpcTransport(loadTransport(env), "development"),
      { GRPC_TLS_CERT_FILE: a.certFile, GRPC_TLS_KEY_FILE: b.keyFile },
    );
    expect(error.variable).toBe("GRPC_TLS_KEY_FILE");
    expect(configRefusal(loadTransport, { GRPC_TLS_CERT_FILE: a.certFile }).variable).toBe("GRPC_TLS_KEY_FILE");
    expect(configRefusal(loadTransport, { GRPC_TLS_CLIENT_CA_FILE: clientCa.certFile }).variable).toBe("GRPC_TLS_CLIENT_CA_FILE");
  });

  it("production refuses plaintext gRPC unless GRPC_ALLOW_PLAINTEXT=true", () => {
    const error = configRefusal((env) => checkGrpcTransport(loadTransport(env), "production"), {});
    expect(error.variable).toBe("GRPC_TLS_CERT_FILE");
    expect(error.message).toContain("GRPC_ALLOW_PLAINTEXT");
    expect(() => checkGrpcTransport(loadTransport({ GRPC_ALLOW_PLAINTEXT: "true" }), "production")).not.toThrow();
    expect(() => checkGrpcTransport(loadTransport({}), "development")).not.toThrow();
  });

  it("the api process in production without gRPC TLS exits with code 2 and says why", async () => {
    const result = await serviceExit("api", {
      NODE_ENV: "production",
      DATABASE_URL: inject("databaseUrl"),
      KEYCLOAK_ISSUER: "https://sso.example.com/realms/aquastream",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("GRPC_TLS_CERT_FILE");
    expect(result.stderr).toContain("refuses to serve plaintext");
  });
});
