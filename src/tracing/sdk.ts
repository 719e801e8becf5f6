/*
 * The OpenTelemetry SDK, started by src/tracing/register.ts only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set. Traces only (metrics are Prometheus,
 * logs are pino lines on stdout), exported over OTLP/HTTP to
 * $OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces; the standard OTEL_* variables
 * (OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_*) apply.
 *
 * Instrumented: incoming and outgoing HTTP (probes and /metrics left out),
 * express, gRPC server and client (the health service left out), pg queries
 * inside a traced request or job. Kafka: the relay makes its own producer
 * spans (src/tracing/outbox-spans.ts says why).
 */
import { NodeSDK } from "@opentelemetry/sdk-node";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { ExpressInstrumentation } from "@opentelemetry/instrumentation-express";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { onTracingShutdown } from "./shutdown.ts";

// The SDK would also export metrics and logs over OTLP by default.
process.env.OTEL_METRICS_EXPORTER ??= "none";
process.env.OTEL_LOGS_EXPORTER ??= "none";
process.env.OTEL_SERVICE_NAME ??= "aquastream-event";

const QUIET_PATHS = /^\/(healthz|readyz|metrics)(\?|$)/;

const sdk = new NodeSDK({
  traceExporter: new OTLPTraceExporter(),
  instrumentations: [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => QUIET_PATHS.test(req.url ?? "") }),
    new ExpressInstrumentation(),
    new GrpcInstrumentation({ ignoreGrpcMethods: ["Check", "Watch"] }),
    // Only queries that belong to a request, RPC or relay send: not the
    // worker's job polling, which would be a root span every few seconds.
    new PgInstrumentation({ requireParentSpan: true }),
  ],
});
sdk.start();
onTracingShutdown(() => sdk.shutdown());
