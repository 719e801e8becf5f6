/*
 * `all` mode (npm start): one process, one /metrics on the admin port with
 * the API's series and the worker's (jobs, outbox backlog, business totals),
 * and none on the public port. On a database of its
 * own, because the worker here runs the crontab and takes any job.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { newUser } from "../db/factories.ts";
import { createOwnDatabase } from "../helpers/own-database.ts";
import { startApiProcess, type ServiceProcess } from "./service-process.ts";
import { scrape, select, value } from "./prometheus-text.ts";

let service: ServiceProcess;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await createOwnDatabase("ops_all");
  service = await startApiProcess(32000 + (process.pid % 13000) + 4, { DATABASE_URL: databaseUrl }, "all");
}, 180_000);

afterAll(async () => {
  await service?.stop();
});

describe("npm start (all) /metrics", () => {
  it("serves the API's and the worker's series on one endpoint", async () => {
    const organizer = newUser("organizer");
    const issuer = loadDevIssuer(loadConfig({ DATA_DIR: service.dataDir }));
    const token = await issuer.signDevToken({ role: organizer.roles, sub: organizer.sub });
    const startsAt = new Date(Date.now() + 12 * 86400_000);
    const response = await fetch(`${service.apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: "mutation OpsAll($input: CreateEventInput!) { createEvent(input: $input) { result { rowId } } }",
        variables: {
          input: {
            title: "All in one",
            description: "One process",
            category: "sup",
            locationName: "Katun",
            latitude: 51.9,
            longitude: 85.9,
            startsAt: startsAt.toISOString(),
            endsAt: new Date(startsAt.getTime() + 3600_000).toISOString(),
            capacity: 4,
            bookingDeadlineHours: 24,
            crewRequired: false,
            priceTiers: [{ name: "Standard", price: "100", currency: "RUB" }],
          },
        },
      }),
    });
    expect(response.status).toBe(200);
    // A job for the worker in the same process (the cron's would come within a minute).
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query("select graphile_worker.add_job('complete_ended_events')").finally(() => client.end());
    const job = await service.logLine((l) => l.msg === "job" && l.task === "complete_ended_events");
    expect(job).toMatchObject({ outcome: "success" });

    const samples = await scrape(`${service.adminUrl}/metrics`);
    expect(value(samples, "aquastream_graphql_requests_total", { operation_type: "mutation", operation: "OpsAll", outcome: "ok" })).toBe(1);
    expect(value(samples, "aquastream_worker_jobs_total", { task: "complete_ended_events", outcome: "success" })).toBeGreaterThanOrEqual(1);
    expect(value(samples, "aquastream_database_metrics_up")).toBe(1);
    expect(value(samples, "aquastream_outbox_backlog_rows")).toBe(1); // no KAFKA_BROKERS: the row waits
    expect(value(samples, "aquastream_bookings_total", { transition: "created" })).toBe(0);
    expect(select(samples, "aquastream_db_pool_connections", { pool: "worker" }).length).toBeGreaterThan(0);
    expect(select(samples, "aquastream_db_pool_connections", { pool: "api" }).length).toBeGreaterThan(0);
  });

  it("serves no /metrics on the public port, and the admin port no GraphQL", async () => {
    expect(new URL(service.adminUrl).port).not.toBe(new URL(service.apiUrl).port);
    const publicMetrics = await fetch(`${service.apiUrl}/metrics`);
    expect(publicMetrics.status).toBe(404);
    expect(await publicMetrics.text()).not.toContain("aquastream_");
    const adminGraphql = await fetch(`${service.adminUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(adminGraphql.status).toBe(404);
    expect((await fetch(`${service.adminUrl}/healthz`)).status).toBe(200);
  });
});
