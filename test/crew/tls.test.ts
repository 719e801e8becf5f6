/*
 * The crew client over real TLS to the stub crew service: certificates made
 * by openssl in this run; the token only ever travels encrypted (or to
 * loopback), and production refuses a plaintext crew client.
 */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrewClient } from "../../src/crew/client.ts";
import { loadCrewConfig } from "../../src/crew/config.ts";
import { startCrewStub, type CrewStub } from "../../src/crew/stub-server.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import { certDir, makeCa, pem, type TestCa } from "../helpers/certs.ts";
import { configRefusal } from "../helpers/config.ts";

const dir = certDir();
let crewCa: TestCa;
let clientCa: TestCa;
let tlsStub: CrewStub;
let mtlsStub: CrewStub;

beforeAll(async () => {
  crewCa = makeCa(dir, "crew");
  clientCa = makeCa(dir, "event-service");
  const serverCert = crewCa.issue("crew-service");
  const tls = { cert: pem(serverCert.certFile), key: pem(serverCert.keyFile) };
  tlsStub = await startCrewStub({ crewCount: 2, tls });
  mtlsStub = await startCrewStub({ crewCount: 2, tls: { ...tls, clientCa: pem(clientCa.certFile) } });
});

afterAll(async () => {
  await tlsStub?.close();
  await mtlsStub?.close();
});

const request = () => {
  const start = new Date(Date.UTC(2031, 0, 1 + Math.floor(Math.random() * 300), 8));
  return {
    eventId: randomUUID(),
    startsAt: toTimestamp(start),
    endsAt: toTimestamp(new Date(start.getTime() + 3600_000)),
    location: "Katun",
    participants: 4,
  };
};

describe("crew client over TLS", () => {
  it("assigns through a TLS stub with the CA from CREW_TLS_CA_FILE, and the token arrives", async () => {
    const config = loadCrewConfig({
      CREW_SERVICE_ADDRESS: `localhost:${tlsStub.port}`,
      CREW_TLS_CA_FILE: crewCa.certFile,
      CREW_SERVICE_TOKEN: "crew-secret",
    });
    const client = createCrewClient({
      address: config.address!,
      deadlineMs: 5_000,
      tls: config.tls,
      token: async () => config.serviceToken,
    });
    try {
      expect(await client.assignCrew(request())).toMatch(/^[0-9a-f-]{36}$/);
      expect(tlsStub.calls.at(-1)?.authorization).toBe("Bearer crew-secret");
    } finally {
      client.close();
    }
  });

  it("fails against a stub whose certificate it does not trust, and a plaintext client gets nothing from a TLS stub", async () => {
    const otherCa = makeCa(dir, "other");
    const untrusting = createCrewClient({ address: `localhost:${tlsStub.port}`, deadlineMs: 5_000, tls: { ca: pem(otherCa.certFile), cert: undefined, key: undefined } });
    const plaintext = createCrewClient({ address: `127.0.0.1:${tlsStub.port}`, deadlineMs: 5_000 });
    const before = tlsStub.calls.length;
    try {
      await expect(untrusting.assignCrew(request())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      await expect(plaintext.assignCrew(request())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      expect(tlsStub.calls.length).toBe(before);
    } finally {
      untrusting.close();
      plaintext.close();
    }
  });

  it("mutual TLS: refused without a client certificate, served with one of the CA the stub trusts", async () => {
    const mine = clientCa.issue("aquastream-event", { client: true, sans: [] });
    const withoutCert = createCrewClient({ address: `localhost:${mtlsStub.port}`, deadlineMs: 5_000, tls: { ca: pem(crewCa.certFile), cert: undefined, key: undefined } });
    const config = loadCrewConfig({
      CREW_SERVICE_ADDRESS: `localhost:${mtlsStub.port}`,
      CREW_TLS_CA_FILE: crewCa.certFile,
      CREW_TLS_CERT_FILE: mine.certFile,
      CREW_TLS_KEY_FILE: mine.keyFile,
    });
    const withCert = createCrewClient({ address: config.address!, deadlineMs: 5_000, tls: config.tls });
    try {
      await expect(withoutCert.assignCrew(request())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      expect(await withCert.assignCrew(request())).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      withoutCert.close();
      withCert.close();
    }
  });
});

describe("the token never crosses a network in plaintext", () => {
  it("the client refuses to send a token in plaintext to a non-loopback address (nothing is sent)", async () => {
    const client = createCrewClient({ address: "10.255.255.1:50061", deadlineMs: 5_000, token: async () => "crew-secret" });
    try {
      await expect(client.assignCrew(request())).rejects.toThrow(/refusing to send the crew service token in plaintext/);
    } finally {
      client.close();
    }
  });

  it("config refuses a token with a plaintext non-loopback address in any mode, and plaintext at all in production", () => {
    for (const token of [{ CREW_SERVICE_TOKEN: "s" }, { KEYCLOAK_ISSUER: "https://sso/realms/a", CREW_TOKEN_CLIENT_ID: "x", CREW_TOKEN_CLIENT_SECRET: "y" }]) {
      const error = configRefusal(loadCrewConfig, { CREW_SERVICE_ADDRESS: "crew.crew.svc:50051", ...token });
      expect(error.variable).toBe("CREW_TLS_CA_FILE");
      expect(error.message).toContain("never sent in plaintext");
    }
    // Loopback (npm run crew-stub beside the service) may stay plaintext in development.
    expect(loadCrewConfig({ CREW_SERVICE_ADDRESS: "127.0.0.1:50061", CREW_SERVICE_TOKEN: "s" }).tls).toBeUndefined();
    const production = configRefusal(loadCrewConfig, { NODE_ENV: "production", CREW_SERVICE_ADDRESS: "crew:50051" });
    expect(production.variable).toBe("CREW_TLS_CA_FILE");
    expect(production.message).toContain("CREW_ALLOW_PLAINTEXT");
    expect(loadCrewConfig({ NODE_ENV: "production", CREW_SERVICE_ADDRESS: "crew:50051", CREW_ALLOW_PLAINTEXT: "true" }).tls).toBeUndefined();
    // The opt-out is for plaintext, never for sending the token in it.
    expect(configRefusal(loadCrewConfig, { NODE_ENV: "production", CREW_SERVICE_ADDRESS: "crew:50051", CREW_ALLOW_PLAINTEXT: "true", CREW_SERVICE_TOKEN: "s" }).variable).toBe("CREW_TLS_CA_FILE");
    expect(configRefusal(loadCrewConfig, { CREW_TLS_CA_FILE: "/nonexistent/ca.crt" }).variable).toBe("CREW_TLS_CA_FILE");
  });
});
