/*
 * Trace context across the outbox. The row keeps the traceparent of the
 * request that wrote it (outbox.trace_parent); the relay sends it on as the
 * Kafka header `traceparent`. With tracing on, each message also gets a
 * PRODUCER span whose parent is that request's span, and the header carries
 * this span instead, so the trace reads request → outbox send → consumer.
 *
 * Why not @opentelemetry/instrumentation-kafkajs: it injects the *sending*
 * context (the relay job's) into every message's headers, which would cut
 * each message off from the request that caused it.
 *
 * Only @opentelemetry/api is used: with tracing off its tracer and
 * propagator are no-ops and the header is the row's traceparent verbatim.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import type { Message } from "kafkajs";

const tracer = trace.getTracer("aquastream-event/outbox-relay");

export interface TracedMessage {
  topic: string;
  message: Message;
  traceParent: string | null;
  eventType: string;
}

/** Starts one producer span per message and points its traceparent header at it. */
export function startSendSpans(messages: TracedMessage[]): Span[] {
  return messages.map(({ topic, message, traceParent, eventType }) => {
    const parent = traceParent ? propagation.extract(context.active(), { traceparent: traceParent }) : context.active();
    const span = tracer.startSpan(
      `send ${topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          "messaging.system": "kafka",
          "messaging.operation.type": "send",
          "messaging.destination.name": topic,
          "messaging.kafka.message.key": String(message.key ?? ""),
          "aquastream.event_type": eventType,
        },
      },
      parent,
    );
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), carrier);
    if (carrier.traceparent) message.headers = { ...message.headers, traceparent: carrier.traceparent };
    return span;
  });
}

export function endSendSpans(spans: Span[], error?: unknown): void {
  for (const span of spans) {
    if (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    }
    span.end();
  }
}
