/*
 * /metrics with real components: the API's HTTP server and gRPC server over
 * the test database, a real graphile-worker, the admin server that serves
 * /metrics apart from the public port, and the database-wide series read
 * from the SQL views.
 *
 * All of it on a database of this file's own: the database-wide series are
 * compared exactly with the SQL views, which other files' commits would move,
 * and the worker (without the crontab) takes only the jobs this file adds.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import type { Runner } from "graphile-worker";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { createPool } from "../../src/db/pool.ts";
import { apiDatabaseUrl } from "../helpers/db.ts";
import { createVerifier } from "../../src/auth/verifier.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { createHttpApi, type HttpApi } from "../../src/http/app.ts";
import { makeReadinessCheck } from "../../src/http/readiness.ts";
import { startGrpcServer, type GrpcServer } from "../../src/grpc/server.ts";
import { EventServiceClient, ListEventsRequest } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { startWorker } from "../../src/worker/runner.ts";
import { startMetricsServer, type MetricsServer } from "../../src/metrics/server.ts";
import { registerDatabaseMetrics, type DatabaseMetrics } from "../../src/metrics/database.ts";
import { boundedOperationName, MAX_OPERATION_NAMES } from "../../src/metrics/registry.ts";
import { bookedEvent, createEventCall, newUser, payBooking } from "../db/factories.ts";
import { becomeUser } from "../helpers/db.ts";
import { createOwnDatabase } from "../helpers/own-database.ts";
import { scrape, select, UUID, value, type Sample } from "./prometheus-text.ts";

// The always-failing job would print its stack: keep this file's output quiet.
vi.hoisted(() => {
  process.env.LOG_LEVEL = "silent";
});

const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "aquastream-ops-")), LOG_LEVEL: "silent" });
const issuer = loadDevIssuer(config);
let apiPool: pg.Pool;
let workerPool: pg.Pool;

let http: HttpApi;
let apiUrl = "";
let grpcServer: GrpcServer;
let grpcClient: EventServiceClient;
let worker: Runner;
let metricsServer: MetricsServer;
let databaseMetrics: DatabaseMetrics;

beforeAll(async () => {
  const databaseUrl = await createOwnDatabase("ops_metrics");
  apiPool = createPool(apiDatabaseUrl(databaseUrl), 5, "ops-test-api");
  workerPool = createPool(databaseUrl, 4, "ops-test-worker");
  const verifier = createVerifier(config);
  http = await createHttpApi({
    pool: apiPool,
    verifier,
    graphiql: false,
    readiness: makeReadinessCheck(apiPool),
    limits: config.limits,
  });
  await new Promise<void>((resolve) => http.server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
  grpcServer = await startGrpcServer("127.0.0.1", 0, { pool: apiPool, verifier });
  grpcClient = new EventServiceClient(`127.0.0.1:${grpcServer.port}`, grpc.credentials.createInsecure());
  worker = await startWorker(workerPool, 2, {
    crontab: false,
    extraTasks: {
      ops_test_fail: async () => {
        throw new Error("this task always fails");
      },
    },
  });
  metricsServer = await startMetricsServer("127.0.0.1", 0);
  databaseMetrics = registerDatabaseMetrics(databaseUrl);
}, 120_000);

afterAll(async () => {
  grpcClient?.close();
  await grpcServer?.close(1000);
  await http?.close();
  await worker?.stop();
  await metricsServer?.close();
  await databaseMetrics?.close();
  await Promise.all([apiPool?.end(), workerPool?.end()]);
});

async function graphql(query: string, token?: string) {
  const response = await fetch(`${apiUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
}

function grpcCall<Res>(method: "getEvent" | "listEvents", request: object, token: string): Promise<{ response?: Res; error?: grpc.ServiceError }> {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${token}`);
  return new Promise((resolve) =>
    (grpcClient[method] as (r: object, m: grpc.Metadata, o: object, cb: (e: grpc.ServiceError | null, r: Res) => void) => void)(
      request,
      md,
      { deadline: Date.now() + 10_000 },
      (error, response) => resolve(error ? { error } : { response }),
    ),
  );
}

/** Every label value of every sample: none may be an id. */
function expectNoIdsInLabels(samples: Sample[]) {
  const offending = samples.filter((s) => Object.values(s.labels).some((v) => UUID.test(v)));
  expect(offending).toEqual([]);
}

/** The admin server: the API's series (and here the worker's, same process) live there. */
const adminUrl = () => `http://127.0.0.1:${metricsServer.port}`;

describe("API /metrics", () => {
  it("is not served on the public port", async () => {
    const response = await fetch(`${apiUrl}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("aquastream_");
  });

  it("counts GraphQL requests per operation name and type, errors by code, with latency; anonymous and invalid bucketed", async () => {
    const user = newUser("user");
    const token = await issuer.signDevToken({ role: user.roles, sub: user.sub });
    const before = await scrape(`${adminUrl()}/metrics`);
    const count = (samples: Sample[], labels: Record<string, string>) =>
      select(samples, "aquastream_graphql_requests_total", labels).reduce((n, s) => n + s.value, 0);

    const ok = await graphql("query OpsSearch { searchEvents(first: 1) { totalCount } }");
    expect(ok.errors).toBeUndefined();
    await graphql("{ __typename }");
    const refused = await graphql(
      `mutation OpsCancel { cancelEvent(input: { id: "${randomUUID()}", reason: "metrics test" }) { clientMutationId } }`,
      token,
    );
    const code = refused.errors?.[0]?.extensions?.code;
    expect(code).toMatch(/^[0-9A-Z]{5}$/);
    await graphql("query Broken { nope }");

    const after = await scrape(`${adminUrl()}/metrics`);
    const search = { operation_type: "query", operation: "OpsSearch" };
    expect(count(after, { ...search, outcome: "ok" }) - count(before, { ...search, outcome: "ok" })).toBe(1);
    expect(count(after, { operation: "(anonymous)", operation_type: "query", outcome: "ok" })).toBeGreaterThanOrEqual(1);
    const cancel = { operation_type: "mutation", operation: "OpsCancel" };
    expect(value(after, "aquastream_graphql_requests_total", { ...cancel, outcome: "error" })).toBe(1);
    expect(value(after, "aquastream_graphql_errors_total", { ...cancel, code: code! })).toBe(1);
    // A document that does not validate never executes: counted as (invalid).
    expect(count(after, { operation: "(invalid)", outcome: "error" })).toBeGreaterThanOrEqual(1);
    expect(select(after, "aquastream_graphql_errors_total", { operation: "(invalid)", code: "GRAPHQL_INVALID" })).toHaveLength(1);
    // Latency histogram per operation: one observation of OpsSearch in its +Inf bucket.
    expect(value(after, "aquastream_graphql_request_duration_seconds_count", search)).toBe(1);
    expect(value(after, "aquastream_graphql_request_duration_seconds_bucket", { ...search, le: "+Inf" })).toBe(1);
    // The HTTP view of the same requests.
    expect(value(after, "aquastream_http_requests_total", { route: "graphql", method: "POST", status: "200" })).toBeGreaterThanOrEqual(3);
    expect(value(after, "aquastream_http_requests_total", { route: "graphql", method: "POST", status: "400" })).toBeGreaterThanOrEqual(1);
    expectNoIdsInLabels(after);
  });

  it("counts gRPC calls per method and status code, with latency", async () => {
    const user = newUser("user");
    const token = await issuer.signDevToken({ role: user.roles, sub: user.sub });
    const missing = await grpcCall("getEvent", { id: randomUUID() }, token);
    expect(missing.error?.code).toBe(grpc.status.NOT_FOUND);
    const listed = await grpcCall("listEvents", ListEventsRequest.fromPartial({ pageSize: 1 }), token);
    expect(listed.error).toBeUndefined();

    const after = await scrape(`${adminUrl()}/metrics`);
    const get = { method: "/aquastream.event.v1.EventService/GetEvent", code: "NOT_FOUND" };
    const list = { method: "/aquastream.event.v1.EventService/ListEvents", code: "OK" };
    expect(value(after, "aquastream_grpc_requests_total", get)).toBe(1);
    expect(value(after, "aquastream_grpc_requests_total", list)).toBe(1);
    expect(value(after, "aquastream_grpc_request_duration_seconds_count", get)).toBe(1);
    expectNoIdsInLabels(after);
  });

  it("reports the pools, and the default process metrics", async () => {
    const samples = await scrape(`${adminUrl()}/metrics`);
    expect(value(samples, "aquastream_db_pool_max", { pool: "ops-test-api" })).toBe(5);
    expect(value(samples, "aquastream_db_pool_waiting", { pool: "ops-test-api" })).toBe(0);
    expect(select(samples, "aquastream_db_pool_connections", { pool: "ops-test-api", state: "in_use" })).toHaveLength(1);
    expect(value(samples, "aquastream_process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(select(samples, "aquastream_nodejs_eventloop_lag_p99_seconds")).toHaveLength(1);
  });
});

describe("worker /metrics", () => {
  /** Resolves with the error (or null) of the first finished job of `task`; listen before adding it. */
  function completion(task: string): Promise<unknown> {
    return new Promise((resolve) => {
      const listener = ({ job, error }: { job: { task_identifier: string }; error: unknown }) => {
        if (job.task_identifier !== task) return;
        worker.events.off("job:complete", listener);
        resolve(error ?? null);
      };
      worker.events.on("job:complete", listener);
    });
  }

  it("counts jobs by task and outcome after they run", async () => {
    const finished = Promise.all([completion("complete_ended_events"), completion("ops_test_fail")]);
    await worker.addJob("complete_ended_events", { requestId: "ops-test-job-1" });
    await worker.addJob("ops_test_fail", {}, { maxAttempts: 1 });
    const [doneError, failError] = await finished;
    expect(doneError).toBeNull();
    expect((failError as Error).message).toBe("this task always fails");

    const samples = await scrape(`http://127.0.0.1:${metricsServer.port}/metrics`);
    expect(value(samples, "aquastream_worker_jobs_total", { task: "complete_ended_events", outcome: "success" })).toBe(1);
    expect(value(samples, "aquastream_worker_jobs_total", { task: "ops_test_fail", outcome: "failed" })).toBe(1);
    expect(value(samples, "aquastream_worker_job_duration_seconds_count", { task: "complete_ended_events", outcome: "success" })).toBe(1);
    expect(select(samples, "aquastream_db_pool_connections", { pool: "ops-test-worker" })).toHaveLength(2);
    expectNoIdsInLabels(samples);
  });

  it("reports the outbox backlog exactly as app_private.outbox_backlog says", async () => {
    // A few waiting rows of our own (no relay runs here: no KAFKA_BROKERS).
    const organizer = newUser("organizer");
    const client = await workerPool.connect();
    try {
      for (let i = 0; i < 3; i++) {
        await client.query("begin");
        await becomeUser(client, organizer);
        const [sql, params] = createEventCall();
        await client.query(sql, params);
        await client.query("commit");
      }
      await client.query("update app_private.outbox set parked_at = now(), parked_reason = 'test' where position = (select min(position) from app_private.outbox)");
    } finally {
      client.release();
    }
    const { rows } = await workerPool.query<{ unpublished: string; parked: string; oldest_at: Date; before: number }>(
      `select b.unpublished, b.parked,
              (select min(occurred_at) from app_private.outbox where published_at is null and parked_at is null) as oldest_at,
              extract(epoch from clock_timestamp() - (select min(occurred_at) from app_private.outbox
                                                      where published_at is null and parked_at is null))::float8 as before
       from app_private.outbox_backlog b`,
    );
    const view = rows[0]!;
    const samples = await scrape(`http://127.0.0.1:${metricsServer.port}/metrics`);
    const { rows: after } = await workerPool.query<{ upper: number }>(
      "select extract(epoch from clock_timestamp() - $1::timestamptz)::float8 as upper",
      [view.oldest_at],
    );

    expect(value(samples, "aquastream_database_metrics_up")).toBe(1);
    expect(Number(view.unpublished)).toBe(2);
    expect(Number(view.parked)).toBe(1);
    expect(value(samples, "aquastream_outbox_backlog_rows")).toBe(2);
    expect(value(samples, "aquastream_outbox_parked_rows")).toBe(1);
    // The view's age of the oldest waiting row, read between our two readings of it.
    const age = value(samples, "aquastream_outbox_oldest_age_seconds");
    expect(age).toBeGreaterThanOrEqual(view.before - 0.001); // oldest_at travels at ms precision
    expect(age).toBeLessThanOrEqual(after[0]!.upper + 0.001);
  });

  it("reports the business totals of app_private.business_counts", async () => {
    // One booking, paid: through the same SQL functions as the API, committed.
    const client = await workerPool.connect();
    try {
      await client.query("begin");
      const { user, booking } = await bookedEvent(client);
      await payBooking(client, user, booking.id);
      await client.query("commit");
    } finally {
      client.release();
    }
    const { rows } = await workerPool.query<{ action: string; total: string }>("select action, total from app_private.business_counts");
    const totals = Object.fromEntries(rows.map((r) => [r.action, Number(r.total)]));
    expect(totals).toEqual({
      "booking.create": 1,
      "booking.confirm": 1,
      "booking.expire": 0,
      "booking.cancel": 0,
      "payment.confirm": 1,
      "payment.refund": 0,
    });
    const samples = await scrape(`http://127.0.0.1:${metricsServer.port}/metrics`);
    for (const [transition, action] of [
      ["created", "booking.create"],
      ["confirmed", "booking.confirm"],
      ["expired", "booking.expire"],
      ["canceled", "booking.cancel"],
    ] as const) {
      expect(value(samples, "aquastream_bookings_total", { transition })).toBe(totals[action]);
    }
    expect(value(samples, "aquastream_payments_confirmed_total")).toBe(totals["payment.confirm"]);
    expect(value(samples, "aquastream_refunds_total")).toBe(totals["payment.refund"]);
  });

  it("repeats the last totals when a scrape cannot read the database (a counter at 0 would read as a reset)", async () => {
    const before = await scrape(`http://127.0.0.1:${metricsServer.port}/metrics`);
    expect(value(before, "aquastream_payments_confirmed_total")).toBe(1);
    // The scrape query fails: the view it reads is gone for a moment.
    await workerPool.query("alter view app_private.business_counts rename to business_counts_away");
    try {
      const during = await scrape(`http://127.0.0.1:${metricsServer.port}/metrics`);
      expect(value(during, "aquastream_database_metrics_up")).toBe(0);
      expect(value(during, "aquastream_payments_confirmed_total")).toBe(1);
      expect(value(during, "aquastream_refunds_total")).toBe(0);
      expect(value(during, "aquastream_bookings_total", { transition: "created" })).toBe(1);
    } finally {
      await workerPool.query("alter view app_private.business_counts_away rename to business_counts");
    }
    const after = await scrape(`http://127.0.0.1:${metricsServer.port}/metrics`);
    expect(value(after, "aquastream_database_metrics_up")).toBe(1);
  });
});

describe("operation names as labels", () => {
  it("lets in identifier names up to a limit, buckets the rest", () => {
    expect(boundedOperationName(undefined)).toBe("(anonymous)");
    expect(boundedOperationName("Has Space")).toBe("(other)");
    expect(boundedOperationName("x".repeat(65))).toBe("(other)");
    for (let i = 0; i < MAX_OPERATION_NAMES + 5; i++) boundedOperationName(`Op${i}`);
    expect(boundedOperationName("OneTooMany")).toBe("(other)");
    expect(boundedOperationName("Op0")).toBe("Op0"); // already seen: still itself
  });
});
