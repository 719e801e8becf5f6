/*
 * The process's Prometheus metrics (prom-client), defined once here so the
 * names, labels and buckets a dashboard relies on live in one file.
 *
 * Label sets are bounded: no ids, no free text. A GraphQL operation name is
 * the client's choice, so boundedOperationName() lets in only identifier-like
 * names and only the first MAX_OPERATION_NAMES of them per process; the rest
 * count as "(other)", unnamed operations as "(anonymous)". gRPC methods,
 * worker tasks and crew methods come from our own code (finite).
 */
import client from "prom-client";

export const registry = new client.Registry();
registry.setDefaultLabels({ service: "aquastream-event" });
client.collectDefaultMetrics({ register: registry, prefix: "aquastream_" });

// Request latencies: 5 ms … 10 s (the p95 alert is at 300 ms).
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10];
// Jobs run longer (relay batches, sweeps): 10 ms … 2 min.
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export const httpRequests = new client.Counter({
  name: "aquastream_http_requests_total",
  help: "HTTP requests by route (graphql, graphiql, healthz, readyz, metrics, other), method and status code.",
  labelNames: ["route", "method", "status"] as const,
  registers: [registry],
});
export const httpDuration = new client.Histogram({
  name: "aquastream_http_request_duration_seconds",
  help: "HTTP request duration by route and method, until the response is written.",
  labelNames: ["route", "method"] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const graphqlRequests = new client.Counter({
  name: "aquastream_graphql_requests_total",
  help: "GraphQL requests by operation type and name and outcome (ok, error).",
  labelNames: ["operation_type", "operation", "outcome"] as const,
  registers: [registry],
});
export const graphqlErrors = new client.Counter({
  name: "aquastream_graphql_errors_total",
  help: "GraphQL requests answered with errors, by operation and the first error's code (SQLSTATE, or GRAPHQL_* for parse/validation).",
  labelNames: ["operation_type", "operation", "code"] as const,
  registers: [registry],
});
export const graphqlDuration = new client.Histogram({
  name: "aquastream_graphql_request_duration_seconds",
  help: "GraphQL request duration by operation type and name.",
  labelNames: ["operation_type", "operation"] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const grpcRequests = new client.Counter({
  name: "aquastream_grpc_requests_total",
  help: "gRPC calls handled, by method (/package.Service/Method) and status code (OK, NOT_FOUND, …).",
  labelNames: ["method", "code"] as const,
  registers: [registry],
});
export const grpcDuration = new client.Histogram({
  name: "aquastream_grpc_request_duration_seconds",
  help: "gRPC call duration by method and status code.",
  labelNames: ["method", "code"] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const workerJobs = new client.Counter({
  name: "aquastream_worker_jobs_total",
  help: "graphile-worker job runs by task and outcome: success, retry (failed, will run again), failed (out of attempts).",
  labelNames: ["task", "outcome"] as const,
  registers: [registry],
});
export const workerJobDuration = new client.Histogram({
  name: "aquastream_worker_job_duration_seconds",
  help: "graphile-worker job run duration by task and outcome.",
  labelNames: ["task", "outcome"] as const,
  buckets: JOB_BUCKETS,
  registers: [registry],
});

export const crewCalls = new client.Counter({
  name: "aquastream_crew_calls_total",
  help: "Calls to the crew service by method and outcome (OK or the gRPC status, e.g. DEADLINE_EXCEEDED, UNAVAILABLE).",
  labelNames: ["method", "outcome"] as const,
  registers: [registry],
});
export const crewDuration = new client.Histogram({
  name: "aquastream_crew_call_duration_seconds",
  help: "Crew service call duration by method.",
  labelNames: ["method"] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const outboxRelayed = new client.Counter({
  name: "aquastream_outbox_relayed_total",
  help: "Outbox rows the relay handled in this process, by outcome: published (acknowledged by Kafka) or parked (unsendable).",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

// Transient database failures (src/db/transient.ts): what an operator
// watches while PostgreSQL restarts, fails over or terminates backends.
export const databaseUnavailable = new client.Counter({
  name: "aquastream_database_unavailable_total",
  help: "API answers \"retry\" for a transient database failure (GraphQL 503 with DBUNA, 40001 or 40P01; gRPC UNAVAILABLE) by transport.",
  labelNames: ["transport"] as const,
  registers: [registry],
});
export const databaseRetries = new client.Counter({
  name: "aquastream_database_retries_total",
  help: "Transactions rolled back by a conflict (40001 serialization failure, 40P01 deadlock) and run again server-side, by transport and code.",
  labelNames: ["transport", "code"] as const,
  registers: [registry],
});

export const MAX_OPERATION_NAMES = 200;
const seenOperations = new Set<string>();

/** The operation label for a client-chosen GraphQL operation name (bounded). */
export function boundedOperationName(name: string | null | undefined): string {
  if (!name) return "(anonymous)";
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return "(other)";
  if (seenOperations.has(name)) return name;
  if (seenOperations.size >= MAX_OPERATION_NAMES) return "(other)";
  seenOperations.add(name);
  return name;
}

/** Seconds since a performance.now() reading. */
export function secondsSince(startedMs: number): number {
  return (performance.now() - startedMs) / 1000;
}
