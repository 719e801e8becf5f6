/*
 * Request ids and log lines as an operator sees them: the real API process
 * (`npm run start:api`'s command over the test database) with its stdout captured.
 * A request id goes from the `x-request-id` header to the response, the log
 * line, the audit row and the outbox row; log lines carry the caller's sub,
 * outcome and duration and never the token.
 */
import { Writable } from "node:stream";
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { loadDevIssuer, type DevIssuer } from "../../src/auth/dev-issuer.ts";
import { createLogger } from "../../src/log/logger.ts";
import { EventServiceClient } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { committingUser } from "../db/factories.ts";
import { graphqlEventInput } from "../helpers/event-inputs.ts";
import { startApiProcess, type ServiceProcess } from "./service-process.ts";

const pool = new pg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
let service: ServiceProcess;
let issuer: DevIssuer;
let apiUrl = "";
const stdout = () => service.stdout();
const logLine = (match: (line: Record<string, unknown>) => boolean) => service.logLine(match);

beforeAll(async () => {
  service = await startApiProcess(30000 + (process.pid % 15000));
  apiUrl = service.apiUrl;
  // The service's development issuer key, from its DATA_DIR.
  issuer = loadDevIssuer(loadConfig({ DATA_DIR: service.dataDir }));
});

afterAll(async () => {
  await service?.stop();
  await pool.end();
});

const CREATE = `mutation OpsCreate($input: CreateEventInput!) { createEvent(input: $input) { result { rowId } } }`;

describe("request id", () => {
  it("passes from x-request-id to the response, the log line, the audit row and the outbox row", async () => {
    const organizer = committingUser("organizer");
    const token = await issuer.signDevToken({ role: organizer.roles, sub: organizer.sub });
    const requestId = `ops-${randomUUID()}`;
    const response = await fetch(`${apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "x-request-id": requestId },
      body: JSON.stringify({ query: CREATE, variables: { input: graphqlEventInput() } }),
    });
    expect(response.headers.get("x-request-id")).toBe(requestId);
    const body = (await response.json()) as { data: { createEvent: { result: { rowId: string } } } };
    const eventId = body.data.createEvent.result.rowId;

    const { rows: audit } = await pool.query("select action, request_id from app_private.audit_log where row_id = $1", [eventId]);
    expect(audit).toEqual([{ action: "event.create", request_id: requestId }]);
    const { rows: outbox } = await pool.query("select event_type, request_id from app_private.outbox where aggregate_id = $1", [eventId]);
    expect(outbox).toEqual([{ event_type: "EventCreated", request_id: requestId }]);

    const line = await logLine((l) => l.requestId === requestId);
    expect(line).toMatchObject({
      msg: "http request",
      level: 30,
      service: "aquastream-event",
      method: "POST",
      route: "graphql",
      path: "/graphql",
      status: 200,
      outcome: "ok",
      sub: organizer.sub,
      operationType: "mutation",
      operation: "OpsCreate",
    });
    expect(typeof line.ms).toBe("number");
    // No headers, variables or token anywhere in the output.
    expect(stdout()).not.toContain(token);
    expect(stdout()).not.toContain("Kayak school");
  });

  it("is generated when missing or malformed, and returned", async () => {
    const plain = await fetch(`${apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    const generated = plain.headers.get("x-request-id");
    expect(generated).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const line = await logLine((l) => l.requestId === generated);
    expect(line).toMatchObject({ outcome: "ok", operation: "(anonymous)" });
    expect(line).not.toHaveProperty("sub");

    const bad = await fetch(`${apiUrl}/healthz`, { headers: { "x-request-id": "has spaces; and <html>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("is logged with the error code when the request fails, and a refused token is neither logged nor let through", async () => {
    const requestId = `ops-${randomUUID()}`;
    const bogus = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    const response = await fetch(`${apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${bogus}`, "x-request-id": requestId },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(response.status).toBe(401);
    const line = await logLine((l) => l.requestId === requestId);
    expect(line).toMatchObject({ status: 401, outcome: "error", errorCode: "HTTP_401", operation: "(invalid)" });
    expect(stdout()).not.toContain(bogus);
  });

  it("round-trips over gRPC metadata and is logged with the method and status", async () => {
    const user = committingUser("user");
    const token = await issuer.signDevToken({ role: user.roles, sub: user.sub });
    const client = new EventServiceClient(service.grpcAddress, grpc.credentials.createInsecure());
    const requestId = `ops-${randomUUID()}`;
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${token}`);
    md.set("x-request-id", requestId);
    try {
      const returned = await new Promise<string | undefined>((resolve) => {
        let seen: string | undefined;
        const call = client.getEvent({ id: randomUUID() }, md, { deadline: Date.now() + 10_000 }, () => resolve(seen));
        call.on("metadata", (metadata: grpc.Metadata) => {
          seen = metadata.get("x-request-id")[0]?.toString();
        });
      });
      expect(returned).toBe(requestId);
    } finally {
      client.close();
    }
    const line = await logLine((l) => l.requestId === requestId);
    expect(line).toMatchObject({ msg: "grpc call", method: "GetEvent", code: "NOT_FOUND", sub: user.sub });
    expect(stdout()).not.toContain(token);
  });
});

describe("redaction", () => {
  it("censors authorization headers, tokens, passwords and personal data wherever they are logged", () => {
    let out = "";
    const log = createLogger(
      new Writable({
        write(chunk, _encoding, callback) {
          out += chunk.toString();
          callback();
        },
      }),
    );
    log.level = "info"; // whatever LOG_LEVEL the suite runs with (silent included)
    log.info(
      {
        req: { headers: { authorization: "Bearer secret-1", cookie: "sid=secret-2", host: "api" } },
        headers: { authorization: "Bearer secret-3" },
        metadata: { authorization: "Bearer secret-4" },
        token: "secret-5",
        user: { password: "secret-6", email: "a@example.com", phone: "+7 900 000 00 00", name: "kept" },
      },
      "something",
    );
    const line = JSON.parse(out) as Record<string, any>;
    expect(out).not.toMatch(/secret-\d|a@example\.com|\+7 900/);
    expect(line.req.headers).toEqual({ authorization: "[redacted]", cookie: "[redacted]", host: "api" });
    expect(line.user).toEqual({ password: "[redacted]", email: "[redacted]", phone: "[redacted]", name: "kept" });
  });
});
