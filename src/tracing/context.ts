/*
 * The current trace context as a W3C traceparent string, for SQL
 * (app.traceparent → outbox.trace_parent) and for logs. Only the small
 * @opentelemetry/api is loaded here: without the SDK (tracing off) its
 * propagator is a no-op and this returns undefined.
 */
import { context, propagation } from "@opentelemetry/api";

export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}
