/*
 * Traces end to end: the API process started as in production with
 * OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver in this test
 * (a plain HTTP server decoding what the real OTLP exporter sends: JSON, the
 * encoding of @opentelemetry/exporter-trace-otlp-http). No collector binary
 * can be installed here; the exporter, the SDK and the instrumentations are
 * the production ones, and the receiver checks what arrives on the wire.
 *
 * A request that arrives with a W3C traceparent continues that trace through
 * express, the SQL queries and into the outbox row (trace_parent), and a gRPC
 * call likewise.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { loadDevIssuer, type DevIssuer } from "../../src/auth/dev-issuer.ts";
import { EventServiceClient } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { committingUser } from "../db/factories.ts";
import { startApiProcess, type ServiceProcess } from "./service-process.ts";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

const pool = new pg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
const received: { path: string; resource: Record<string, unknown>; spans: OtlpSpan[] }[] = [];
let receiver: Server;
let service: ServiceProcess;
let issuer: DevIssuer;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const payload = JSON.parse(body) as {
        resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const rs of payload.resourceSpans) {
        const resource = Object.fromEntries(rs.resource.attributes.map((a) => [a.key, a.value.stringValue]));
        received.push({ path: req.url ?? "", resource, spans: rs.scopeSpans.flatMap((s) => s.spans) });
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const port = (receiver.address() as AddressInfo).port;
  service = await startApiProcess(31000 + (process.pid % 14000) + 2, {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_BSP_SCHEDULE_DELAY: "100",
    OTEL_SERVICE_NAME: "aquastream-event-test",
  });
  issuer = loadDevIssuer(loadConfig({ DATA_DIR: service.dataDir }));
});

afterAll(async () => {
  await service?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  await pool.end();
});

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** The spans of a trace received so far, once `ready` holds for them. */
async function spansOf(traceId: string, ready: (spans: OtlpSpan[]) => boolean): Promise<OtlpSpan[]> {
  for (let i = 0; i < 200; i++) {
    const spans = received.flatMap((r) => r.spans).filter((s) => s.traceId === traceId);
    if (ready(spans)) return spans;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`trace ${traceId} incomplete: ${JSON.stringify(received.flatMap((r) => r.spans).filter((s) => s.traceId === traceId).map((s) => s.name))}`);
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

const SERVER = 2;

describe("tracing on (OTEL_EXPORTER_OTLP_ENDPOINT set)", () => {
  it("continues the caller's trace through HTTP, express and SQL into the outbox row", async () => {
    const organizer = committingUser("organizer");
    const token = await issuer.signDevToken({ role: organizer.roles, sub: organizer.sub });
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const startsAt = new Date(Date.now() + 11 * 86400_000);
    const response = await fetch(`${service.apiUrl}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
      body: JSON.stringify({
        query: "mutation OpsTraced($input: CreateEventInput!) { createEvent(input: $input) { result { rowId } } }",
        variables: {
          input: {
            title: "Traced SUP",
            description: "Flat water",
            category: "sup",
            locationName: "Teletskoye",
            latitude: 51.6,
            longitude: 87.7,
            startsAt: startsAt.toISOString(),
            endsAt: new Date(startsAt.getTime() + 3600_000).toISOString(),
            capacity: 5,
            bookingDeadlineHours: 24,
            crewRequired: false,
            priceTiers: [{ name: "Standard", price: "1000", currency: "RUB" }],
          },
        },
      }),
    });
    const body = (await response.json()) as { data: { createEvent: { result: { rowId: string } } } };
    const eventId = body.data.createEvent.result.rowId;

    const { rows } = await pool.query<{ trace_parent: string }>(
      "select trace_parent from app_private.outbox where aggregate_id = $1",
      [eventId],
    );
    const [, rowTraceId, rowSpanId, flags] = rows[0]!.trace_parent.split("-");
    expect(rowTraceId).toBe(traceId);
    expect(flags).toBe("01");

    const spans = await spansOf(
      traceId,
      (s) => s.some((x) => x.kind === SERVER) && s.some((x) => attribute(x, "db.system") === "postgresql" || attribute(x, "db.system.name") === "postgresql"),
    );
    const server = spans.find((s) => s.kind === SERVER)!;
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(server.name).toMatch(/POST/);
    // The outbox row names a span of this trace (the request's, as the glue saw it).
    expect(spans.map((s) => s.spanId)).toContain(rowSpanId);
    expect(received.find((r) => r.spans.includes(server))!.resource["service.name"]).toBe("aquastream-event-test");
    expect(received.every((r) => r.path === "/v1/traces")).toBe(true);
  });

  it("continues the caller's trace through a gRPC call", async () => {
    const user = committingUser("user");
    const token = await issuer.signDevToken({ role: user.roles, sub: user.sub });
    const traceId = hex(16);
    const client = new EventServiceClient(service.grpcAddress, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${token}`);
    md.set("traceparent", `00-${traceId}-${hex(8)}-01`);
    try {
      await new Promise<void>((resolve) =>
        client.getEvent({ id: randomUUID() }, md, { deadline: Date.now() + 10_000 }, () => resolve()),
      );
    } finally {
      client.close();
    }
    const spans = await spansOf(traceId, (s) => s.some((x) => x.kind === SERVER));
    const server = spans.find((s) => s.kind === SERVER)!;
    expect(server.name).toBe("grpc.aquastream.event.v1.EventService/GetEvent");
    expect(attribute(server, "rpc.method")).toBe("GetEvent");
  });

  it("leaves probes and /metrics out of the traces", async () => {
    const before = received.flatMap((r) => r.spans).length;
    const traceId = hex(16);
    await fetch(`${service.apiUrl}/healthz`, { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
    // A traced request after it: once its spans are here, the probe's would be too.
    await fetch(`${service.apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${traceId}-${hex(8)}-01` },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    const spans = await spansOf(traceId, (s) => s.some((x) => x.kind === SERVER));
    expect(spans.filter((s) => s.kind === SERVER).map((s) => attribute(s, "url.path") ?? attribute(s, "http.target"))).toEqual(["/graphql"]);
    expect(received.flatMap((r) => r.spans).length).toBeGreaterThan(before);
  });
});
