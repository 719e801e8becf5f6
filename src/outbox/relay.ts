/*
 * The outbox → Kafka relay: sends app_private.outbox rows to Kafka, in
 * `position` order, keyed by aggregate id, and marks them published only
 * after the broker acknowledged them (acks = all). Delivery is at least once:
 * a crash between the acknowledgement and the commit sends the same rows
 * again, with the same envelope id, which consumers de-duplicate on.
 *
 * One batch = one database transaction:
 *   1. pg_try_advisory_xact_lock: one relay at a time, so per-key order holds
 *      across workers (a second relay exits quietly, "busy");
 *   2. claim up to batchSize unpublished, unparked rows by position, FOR UPDATE;
 *   3. park the rows that can never be sent (oversized, malformed);
 *   4. send the rest with as few producer.sendBatch calls as the size limit
 *      allows (kafkajs is slow one message at a time), in order;
 *   5. mark them published and commit.
 * Kafka down → the send throws → rollback → the caller (the graphile-worker
 * task) throws → the job retries with backoff. Rows just wait.
 *
 * The kafkajs producer is created on first use and kept for the next jobs;
 * stopRelay() disconnects it (call it on shutdown). It is dropped and made
 * anew after any failed send, so a broker restart never leaves a producer
 * with stale idempotence state behind.
 */
import type pg from "pg";
import {
  Kafka,
  Partitioners,
  logLevel,
  type LogEntry,
  type logCreator,
  type Message,
  type Producer,
  type TopicMessages,
} from "kafkajs";
import { logger as rootLogger } from "../log/logger.ts";
import { topicFor, type OutboxConfig } from "./config.ts";
import { outboxRelayed } from "../metrics/registry.ts";
import { endSendSpans, startSendSpans } from "../tracing/outbox-spans.ts";

const log = rootLogger.child({ component: "outbox-relay" });

/** Key of the transaction-level advisory lock that makes the relay single. */
export const RELAY_LOCK_KEY = 7_313_370_001; // arbitrary, project-wide unique

/** The JSON value of every Kafka message (docs/events.md). */
export interface Envelope {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  aggregateType: string;
  aggregateId: string;
  actor: string | null;
  data: Record<string, unknown>;
}

export interface OutboxRow {
  id: string;
  position: string;
  aggregate_type: string;
  aggregate_id: string;
  event_type: string;
  version: number;
  occurred_at: Date;
  actor_id: string | null;
  data: unknown;
  request_id?: string | null;
  trace_parent?: string | null;
}

export type Prepared =
  | { ok: true; row: OutboxRow; topic: string; message: Message; bytes: number }
  | { ok: false; row: OutboxRow; reason: string };

// What a record costs beyond key, value and headers (record header, lengths,
// varints, timestamp delta…), rounded up.
const RECORD_OVERHEAD_BYTES = 128;

export function toEnvelope(row: OutboxRow): Envelope {
  return {
    id: row.id,
    type: row.event_type,
    version: row.version,
    occurredAt: row.occurred_at.toISOString(),
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    actor: row.actor_id,
    data: row.data as Record<string, unknown>,
  };
}

/** Turns a row into its Kafka message, or says why it can never be sent. */
export function prepare(row: OutboxRow, config: OutboxConfig): Prepared {
  const data = row.data;
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return { ok: false, row, reason: `data must be a JSON object, got ${Array.isArray(data) ? "an array" : data === null ? "null" : typeof data}` };
  }
  let value: string;
  try {
    value = JSON.stringify(toEnvelope(row));
  } catch (error) {
    return { ok: false, row, reason: `envelope cannot be serialized: ${(error as Error).message}` };
  }
  // request-id joins the message with the request's logs and audit row;
  // traceparent continues its trace (src/tracing/outbox-spans.ts).
  const headers: Record<string, string> = {
    id: row.id,
    type: row.event_type,
    ...(row.request_id ? { "request-id": row.request_id } : {}),
    ...(row.trace_parent ? { traceparent: row.trace_parent } : {}),
  };
  const bytes =
    Buffer.byteLength(value) +
    Buffer.byteLength(row.aggregate_id) +
    Object.entries(headers).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0) +
    RECORD_OVERHEAD_BYTES;
  if (bytes > config.maxMessageBytes) {
    return {
      ok: false,
      row,
      reason: `message is ${bytes} bytes, above the ${config.maxMessageBytes}-byte limit (OUTBOX_MAX_MESSAGE_BYTES)`,
    };
  }
  return {
    ok: true,
    row,
    topic: topicFor(config, row.aggregate_type),
    message: { key: row.aggregate_id, value, headers },
    bytes,
  };
}

/**
 * Groups prepared messages into sendBatch calls of at most maxMessageBytes
 * each (the broker refuses a record batch above its message.max.bytes), each
 * call holding per topic the messages in position order.
 */
export function chunk(messages: Extract<Prepared, { ok: true }>[], maxBytes: number): TopicMessages[][] {
  const chunks: TopicMessages[][] = [];
  let current = new Map<string, Message[]>();
  let size = 0;
  const flush = () => {
    if (current.size > 0) chunks.push([...current].map(([topic, msgs]) => ({ topic, messages: msgs })));
    current = new Map();
    size = 0;
  };
  for (const m of messages) {
    if (size > 0 && size + m.bytes > maxBytes) flush();
    const list = current.get(m.topic) ?? [];
    list.push(m.message);
    current.set(m.topic, list);
    size += m.bytes;
  }
  flush();
  return chunks;
}

// --- the producer -------------------------------------------------------------

let current: { key: string; producer: Producer; connected: Promise<void> } | undefined;

function kafkaLogCreator(): logCreator {
  const kafkaLog = rootLogger.child({ component: "kafkajs" });
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _timestamp, ...rest } = entry;
      const meta = { namespace, ...rest };
      // Connection errors while the broker is down are expected and the job
      // reports its own failure: kafkajs's errors are logged as warnings.
      if (level === logLevel.ERROR || level === logLevel.WARN) kafkaLog.warn(meta, message);
      else if (level === logLevel.INFO) kafkaLog.info(meta, message);
      else kafkaLog.debug(meta, message);
    };
}

async function getProducer(config: OutboxConfig): Promise<Producer> {
  const key = JSON.stringify([config.brokers, config.clientId, config.connectionTimeoutMs, config.requestTimeoutMs, config.sendRetries]);
  if (current && current.key !== key) await discardProducer();
  if (!current) {
    const kafka = new Kafka({
      clientId: config.clientId,
      brokers: config.brokers,
      connectionTimeout: config.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(),
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: config.sendRetries },
    });
    const producer = kafka.producer({
      // kafkajs keeps order with idempotence only with one request in flight
      // and acks from all in-sync replicas (DESIGN.md, kafkajs caveats).
      idempotent: true,
      maxInFlightRequests: 1,
      // The Java client's partitioner: a key lands on the same partition
      // whichever client produced it.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: true,
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: config.sendRetries },
    });
    current = { key, producer, connected: producer.connect() };
  }
  const entry = current;
  try {
    await entry.connected;
  } catch (error) {
    if (current === entry) await discardProducer();
    throw error;
  }
  return entry.producer;
}

async function discardProducer(): Promise<void> {
  const entry = current;
  current = undefined;
  if (entry) await entry.producer.disconnect().catch(() => {});
}

/** Disconnects the shared producer (worker shutdown). Safe to call any time. */
export async function stopRelay(): Promise<void> {
  await discardProducer();
}

// --- the relay ----------------------------------------------------------------

export interface RelayOptions {
  /** Stop after this many batches even if rows remain (then `more` is true). Default 20. */
  maxBatches?: number;
  /** Use this producer instead of the shared one (tests). */
  producer?: Producer;
  /** Test hook: runs after Kafka acknowledged a batch and before it is marked published. */
  afterSend?: (ids: string[]) => Promise<void> | void;
}

export interface RelayResult {
  published: number;
  parked: number;
  batches: number;
  /** Another relay holds the lock; nothing was done. */
  busy: boolean;
  /** Stopped at maxBatches with rows still waiting. */
  more: boolean;
}

/**
 * Relays waiting outbox rows on this connection (which must not be inside a
 * transaction) until none are left or maxBatches is reached.
 */
export async function relayOutbox(
  client: pg.ClientBase,
  config: OutboxConfig,
  options: RelayOptions = {},
): Promise<RelayResult> {
  const result: RelayResult = { published: 0, parked: 0, batches: 0, busy: false, more: false };
  const maxBatches = options.maxBatches ?? 20;
  for (;;) {
    if (result.batches >= maxBatches) {
      result.more = true;
      return result;
    }
    const batch = await relayBatch(client, config, options);
    if (batch === "busy") {
      result.busy = true;
      return result;
    }
    result.batches += 1;
    result.published += batch.published;
    result.parked += batch.parked;
    if (batch.claimed < config.batchSize) return result;
  }
}

async function relayBatch(
  client: pg.ClientBase,
  config: OutboxConfig,
  options: RelayOptions,
): Promise<"busy" | { claimed: number; published: number; parked: number }> {
  let claimed: OutboxRow[] = [];
  await client.query("begin");
  try {
    const { rows: lock } = await client.query<{ ok: boolean }>("select pg_try_advisory_xact_lock($1) as ok", [
      RELAY_LOCK_KEY,
    ]);
    if (!lock[0]?.ok) {
      await client.query("rollback");
      return "busy";
    }
    // Plain FOR UPDATE, not SKIP LOCKED: the advisory lock already keeps
    // relays apart, and skipping a row someone else holds (an operator
    // editing it in psql) would send a later row of the same key first.
    // Wait a little for such a row, then fail and retry later.
    await client.query("set local lock_timeout = '10s'");
    ({ rows: claimed } = await client.query<OutboxRow>(
      `select o.id, o.position, o.aggregate_type, o.aggregate_id, o.event_type, o.version,
              o.occurred_at, o.actor_id, o.data, o.request_id, o.trace_parent
       from app_private.outbox o
       where o.published_at is null and o.parked_at is null
       order by o.position
       limit $1
       for update`,
      [config.batchSize],
    ));
    if (claimed.length === 0) {
      await client.query("commit");
      return { claimed: 0, published: 0, parked: 0 };
    }

    const prepared = claimed.map((row) => prepare(row, config));
    const parked = prepared.filter((p): p is Extract<Prepared, { ok: false }> => !p.ok);
    const sendable = prepared.filter((p): p is Extract<Prepared, { ok: true }> => p.ok);
    if (parked.length > 0) {
      await client.query(
        `update app_private.outbox o
         set parked_at = now(), parked_reason = p.reason, attempts = o.attempts + 1, last_error = p.reason
         from unnest($1::uuid[], $2::text[]) as p(id, reason)
         where o.id = p.id`,
        [parked.map((p) => p.row.id), parked.map((p) => p.reason)],
      );
      for (const p of parked) {
        log.error({ outboxId: p.row.id, position: p.row.position, eventType: p.row.event_type, reason: p.reason }, "outbox row parked");
      }
    }

    if (sendable.length > 0) {
      const producer = options.producer ?? (await getProducer(config));
      const spans = startSendSpans(
        sendable.map((p) => ({ topic: p.topic, message: p.message, traceParent: p.row.trace_parent ?? null, eventType: p.row.event_type })),
      );
      try {
        for (const topicMessages of chunk(sendable, config.maxMessageBytes)) {
          await producer.sendBatch({ topicMessages, acks: -1, timeout: config.requestTimeoutMs });
        }
      } catch (error) {
        endSendSpans(spans, error);
        throw error;
      }
      endSendSpans(spans);
      const ids = sendable.map((p) => p.row.id);
      await options.afterSend?.(ids);
      await client.query(
        `update app_private.outbox o
         set published_at = now(), attempts = o.attempts + 1, last_error = null
         where o.id = any($1::uuid[])`,
        [ids],
      );
    }
    await client.query("commit");
    outboxRelayed.inc({ outcome: "published" }, sendable.length);
    outboxRelayed.inc({ outcome: "parked" }, parked.length);
    log.debug({ published: sendable.length, parked: parked.length }, "outbox batch relayed");
    return { claimed: claimed.length, published: sendable.length, parked: parked.length };
  } catch (error) {
    await client.query("rollback").catch(() => {});
    if (!options.producer) await discardProducer();
    // Leave a trace for operators (outbox_backlog.last_error), outside the
    // rolled-back transaction; best effort.
    if (claimed.length > 0) {
      await client
        .query(
          `update app_private.outbox o set attempts = o.attempts + 1, last_error = $2
           where o.id = any($1::uuid[]) and o.published_at is null`,
          [claimed.map((r) => r.id), String((error as Error).message ?? error).slice(0, 1000)],
        )
        .catch(() => {});
    }
    throw error;
  }
}
