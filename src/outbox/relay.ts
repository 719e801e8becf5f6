/*
 * The outbox → Kafka relay: sends app_private.outbox rows to Kafka, in
 * `position` order, keyed by aggregate id, and marks them published only
 * after the broker acknowledged them (acks = all). Delivery is at least once:
 * a crash between the acknowledgement and the mark sends the same rows
 * again, with the same envelope id, which consumers de-duplicate on.
 *
 * One relay at a time: the caller holds the session advisory lock
 * RELAY_LOCK_KEY on the connection it passes (src/outbox/relay-loop.ts keeps
 * it for as long as that connection lives; relayOutbox() below takes it for
 * one call). A lock on the session dies with the session, so a killed relay
 * never keeps the others waiting.
 *
 * drain() is pipelined: while batch N is on its way to Kafka, batch N+1 is
 * claimed; when N is acknowledged, its mark is queued on the connection and
 * N+1 is sent. Per-key order holds because batches are sent one after the
 * other (one kafkajs request in flight), and a claim never skips an
 * unpublished row it can see: it excludes only the rows of the batch in
 * flight, so a row that committed late below them is sent next (same-key
 * writes are serialized by their aggregate's row lock, so such a row never
 * has a later row of its own key already sent).
 *
 * The kafkajs producer is created on first use and kept; stopRelay()
 * disconnects it (call it on shutdown). It is dropped and made anew after any
 * failed send, so a broker restart never leaves a producer with stale
 * idempotence state behind.
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
import { kafkaClientSecurity, securityKey } from "./kafka-security.ts";
import { outboxRelayed } from "../metrics/registry.ts";
import { endSendSpans, startSendSpans } from "../tracing/outbox-spans.ts";

const log = rootLogger.child({ component: "outbox-relay" });

/** Key of the session advisory lock that makes the relay single. */
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
  const key = JSON.stringify([config.brokers, config.clientId, config.connectionTimeoutMs, config.requestTimeoutMs, config.sendRetries, securityKey(config.security)]);
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
      // TLS and SASL (KAFKA_SSL_*, KAFKA_SASL_*; docs/kafka.md "Security").
      ...kafkaClientSecurity(config.security),
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
  /** Use this producer instead of the shared one (tests, bench). */
  producer?: Producer;
  /** Test hook: runs after Kafka acknowledged a batch and before it is marked published. */
  afterSend?: (ids: string[]) => Promise<void> | void;
}

export interface RelayResult {
  published: number;
  parked: number;
  batches: number;
  /** Another relay holds the lock; nothing was done (relayOutbox only). */
  busy: boolean;
}

/** The claim of a batch (exported for test/db/app_public/member_paths_scaling.test.ts, which measures it). */
export const CLAIM_SQL = `
  select o.id, o.position::text as position, o.aggregate_type, o.aggregate_id, o.event_type, o.version,
         o.occurred_at, o.actor_id, o.data, o.request_id, o.trace_parent
  from app_private.outbox o
  where o.published_at is null and o.parked_at is null
    and (o.position < $1::bigint or o.position > $2::bigint or o.position = any($3::bigint[]))
  order by o.position
  limit $4`;

/** What a claim must leave out: the batch still on its way (positions lo..hi minus its gaps). */
interface InFlight {
  lo: string;
  hi: string;
  /** Positions between lo and hi that are not in the batch (uncommitted or rolled back at claim time). */
  gaps: string[];
}

const NOTHING_IN_FLIGHT: InFlight = { lo: "0", hi: "-1", gaps: [] };
// Above this many holes in one batch, the next claim waits for the mark
// instead of carrying the list (never seen in practice; keeps the query small).
const MAX_GAPS = 5_000;

function inFlight(rows: OutboxRow[]): InFlight | undefined {
  if (rows.length === 0) return NOTHING_IN_FLIGHT;
  const positions = rows.map((r) => BigInt(r.position));
  const gaps: string[] = [];
  for (let i = 1; i < positions.length; i++) {
    for (let p = positions[i - 1]! + 1n; p < positions[i]!; p++) {
      gaps.push(p.toString());
      if (gaps.length > MAX_GAPS) return undefined;
    }
  }
  return { lo: positions[0]!.toString(), hi: positions.at(-1)!.toString(), gaps };
}

async function claim(client: pg.ClientBase, exclude: InFlight, limit: number): Promise<OutboxRow[]> {
  // Named: prepared once per connection, not planned on every poll.
  const { rows } = await client.query<OutboxRow>({
    name: "outbox-relay-claim",
    text: CLAIM_SQL,
    values: [exclude.lo, exclude.hi, exclude.gaps, limit],
  });
  return rows;
}

async function park(client: pg.ClientBase, parked: Extract<Prepared, { ok: false }>[]): Promise<void> {
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
  outboxRelayed.inc({ outcome: "parked" }, parked.length);
}

async function mark(client: pg.ClientBase, ids: string[]): Promise<void> {
  await client.query({
    name: "outbox-relay-mark",
    text: `update app_private.outbox o
           set published_at = now(), attempts = o.attempts + 1, last_error = null
           where o.id = any($1::uuid[])`,
    values: [ids],
  });
  outboxRelayed.inc({ outcome: "published" }, ids.length);
}

async function send(sendable: Extract<Prepared, { ok: true }>[], config: OutboxConfig, options: RelayOptions): Promise<void> {
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
}

/**
 * Sends every unpublished, unparked row this connection can see, batch after
 * batch, until a claim comes back short. The caller must hold RELAY_LOCK_KEY
 * on `client` (session level) and must not be inside a transaction: each
 * claim and mark is a statement of its own.
 *
 * On a failed send, the batch's rows get attempts/last_error (best effort),
 * the shared producer is dropped, and the error is thrown; nothing of that
 * batch is marked, so it is sent again by the next drain.
 */
export async function drain(client: pg.ClientBase, config: OutboxConfig, options: RelayOptions = {}): Promise<RelayResult> {
  const result: RelayResult = { published: 0, parked: 0, batches: 0, busy: false };
  let marking: Promise<void> = Promise.resolve();
  let batch = await claim(client, NOTHING_IN_FLIGHT, config.batchSize);
  try {
    while (batch.length > 0) {
      const prepared = batch.map((row) => prepare(row, config));
      const parked = prepared.filter((p): p is Extract<Prepared, { ok: false }> => !p.ok);
      const sendable = prepared.filter((p): p is Extract<Prepared, { ok: true }> => p.ok);
      if (parked.length > 0) await park(client, parked);

      // Claim the next batch while this one is sent. A short batch means the
      // outbox was empty beyond it: the pass ends after this send.
      const full = batch.length === config.batchSize;
      const exclude = full ? inFlight(batch) : undefined;
      const next = exclude ? claim(client, exclude, config.batchSize) : undefined;
      next?.catch(() => {}); // awaited below; a send failure must not leave it unhandled
      try {
        if (sendable.length > 0) await send(sendable, config, options);
      } catch (error) {
        await recordFailure(client, batch, error);
        if (!options.producer) await discardProducer();
        throw error;
      }
      const ids = sendable.map((p) => p.row.id);
      await options.afterSend?.(ids);
      // The previous mark failing means the connection is gone: stop here.
      await marking;
      marking = ids.length > 0 ? mark(client, ids) : Promise.resolve();
      marking.catch(() => {}); // awaited on the next turn or below
      result.batches += 1;
      result.published += sendable.length;
      result.parked += parked.length;
      log.debug({ published: sendable.length, parked: parked.length }, "outbox batch relayed");
      if (next) batch = await next;
      else if (full) {
        // Too many holes to exclude: claim once this batch is marked.
        await marking;
        batch = await claim(client, NOTHING_IN_FLIGHT, config.batchSize);
      } else batch = [];
    }
  } finally {
    await marking.catch(() => {});
  }
  await marking;
  return result;
}

async function recordFailure(client: pg.ClientBase, rows: OutboxRow[], error: unknown): Promise<void> {
  // Leave a trace for operators (outbox_backlog.last_error); best effort.
  await client
    .query(
      `update app_private.outbox o set attempts = o.attempts + 1, last_error = $2
       where o.id = any($1::uuid[]) and o.published_at is null`,
      [rows.map((r) => r.id), String((error as Error).message ?? error).slice(0, 1000)],
    )
    .catch(() => {});
}

/**
 * One relay pass on this connection: takes the relay lock for the session
 * if nobody holds it (else returns busy), drains, and lets the lock go.
 * For tests and one-off use; the worker runs src/outbox/relay-loop.ts.
 */
export async function relayOutbox(client: pg.ClientBase, config: OutboxConfig, options: RelayOptions = {}): Promise<RelayResult> {
  const { rows } = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1) as ok", [RELAY_LOCK_KEY]);
  if (!rows[0]?.ok) return { published: 0, parked: 0, batches: 0, busy: true };
  try {
    return await drain(client, config, options);
  } finally {
    await client.query("select pg_advisory_unlock($1)", [RELAY_LOCK_KEY]).catch(() => {});
  }
}
