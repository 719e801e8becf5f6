/*
 * Denied attempts that reach SQL are visible to operators (issue #14): the
 * service as a process, refused over GraphQL and gRPC with 28000 (anonymous),
 * 42501 (not allowed) and P0002 (another organizer's draft), counts each in
 * aquastream_denied_total and logs it at warn with the subject and the
 * request id.
 */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { EventServiceClient } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { committingUser } from "../db/factories.ts";
import type { TestUser } from "../helpers/db.ts";
import { startApiProcess, type ServiceProcess } from "./service-process.ts";
import { scrape, select } from "./prometheus-text.ts";

let service: ServiceProcess;
let token: (user: TestUser) => Promise<string>;

beforeAll(async () => {
  service = await startApiProcess(34000 + (process.pid % 11000) + 8);
  const issuer = loadDevIssuer(loadConfig({ DATA_DIR: service.dataDir }));
  token = (user) => issuer.signDevToken({ role: user.roles, sub: user.sub });
}, 180_000);

afterAll(async () => {
  await service?.stop();
});

async function graphql(query: string, variables: Record<string, unknown>, as: TestUser | null, requestId: string) {
  const headers: Record<string, string> = { "content-type": "application/json", "x-request-id": requestId };
  if (as) headers.authorization = `Bearer ${await token(as)}`;
  const response = await fetch(`${service.apiUrl}/graphql`, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
}

const PUBLISH = "mutation Publish($id: UUID!) { publishEvent(input: { id: $id }) { result { status } } }";

async function draftOf(organizer: TestUser): Promise<string> {
  const startsAt = new Date(Date.now() + 20 * 86400_000);
  const created = await graphql(
    "mutation Draft($input: CreateEventInput!) { createEvent(input: $input) { result { rowId } } }",
    {
      input: {
        title: "Denied attempts",
        category: "sup",
        locationName: "Lake",
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 3600_000).toISOString(),
        capacity: 5,
        priceTiers: [{ name: "Board", price: "10", currency: "EUR" }],
      },
    },
    organizer,
    `denied-setup-${randomUUID()}`,
  );
  return created.data.createEvent.result.rowId;
}

/** The counter's value, 0 while the series does not exist yet. */
const denied = (samples: Awaited<ReturnType<typeof scrape>>, transport: string, operation: string, code: string) =>
  select(samples, "aquastream_denied_total", { transport, operation, code }).reduce((sum, sample) => sum + sample.value, 0);

describe("denied attempts", () => {
  it("over GraphQL: counted by operation and SQLSTATE, logged with subject and request id", async () => {
    const organizer = committingUser("organizer");
    const stranger = committingUser("organizer");
    const user = committingUser("user");
    const draft = await draftOf(organizer);
    const before = await scrape(`${service.adminUrl}/metrics`);

    const cases: [TestUser | null, string][] = [
      [null, "28000"], // anonymous: no EXECUTE, answered "sign in"
      [stranger, "P0002"], // another organizer's draft is not visible
      [user, "42501"], // a user may not publish
    ];
    for (const [caller, code] of cases) {
      const requestId = `denied-${randomUUID()}`;
      const result = await graphql(PUBLISH, { id: draft }, caller, requestId);
      expect(result.errors?.[0]?.extensions?.code).toBe(code);
      const line = await service.logLine((l) => l.msg === "access denied" && l.requestId === requestId);
      expect(line).toMatchObject({ level: 40, transport: "graphql", operation: "Publish", sqlstate: code, subject: caller?.sub ?? null });
    }

    const after = await scrape(`${service.adminUrl}/metrics`);
    for (const [, code] of cases) {
      expect(denied(after, "graphql", "Publish", code) - denied(before, "graphql", "Publish", code)).toBe(1);
    }
  });

  it("over gRPC: counted by method and SQLSTATE, logged with subject and request id", async () => {
    const organizer = committingUser("organizer");
    const user = committingUser("user");
    const draft = await draftOf(organizer);
    const before = await scrape(`${service.adminUrl}/metrics`);
    const client = new EventServiceClient(service.grpcAddress, grpc.credentials.createInsecure());
    try {
      for (const [caller, code] of [[null, "28000"], [user, "42501"]] as [TestUser | null, string][]) {
        const requestId = `denied-${randomUUID()}`;
        const md = new grpc.Metadata();
        md.set("x-request-id", requestId);
        if (caller) md.set("authorization", `Bearer ${await token(caller)}`);
        const error = await new Promise<grpc.ServiceError | null>((resolve) =>
          client.publishEvent({ id: draft }, md, { deadline: Date.now() + 10_000 }, (err) => resolve(err)),
        );
        expect(error?.metadata.get("aquastream-error-code")[0]).toBe(code);
        const line = await service.logLine((l) => l.msg === "access denied" && l.requestId === requestId);
        expect(line).toMatchObject({ transport: "grpc", operation: "PublishEvent", sqlstate: code, subject: caller?.sub ?? null });
      }
    } finally {
      client.close();
    }
    const after = await scrape(`${service.adminUrl}/metrics`);
    expect(denied(after, "grpc", "PublishEvent", "28000") - denied(before, "grpc", "PublishEvent", "28000")).toBe(1);
    expect(denied(after, "grpc", "PublishEvent", "42501") - denied(before, "grpc", "PublishEvent", "42501")).toBe(1);
  });
});
