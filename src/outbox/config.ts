/*
 * Configuration of the outbox → Kafka relay, from environment variables,
 * validated like src/config/env.ts: a wrong value stops with a ConfigError
 * that names the variable. No KAFKA_BROKERS means the relay is off (the
 * embedded default): outbox rows are kept and simply wait.
 */
import { ConfigError, int, isHostPort, str, type Env } from "../config/env.ts";
import { loadKafkaSecurity, type KafkaSecurity } from "./kafka-security.ts";

/** Aggregate types with their own variable; others use KAFKA_TOPIC_MAP or the prefix. */
export const TOPIC_VARIABLES = {
  event: "KAFKA_TOPIC_EVENT",
  booking: "KAFKA_TOPIC_BOOKING",
  promo_code: "KAFKA_TOPIC_PROMO_CODE",
  review: "KAFKA_TOPIC_REVIEW",
  crew: "KAFKA_TOPIC_CREW",
} as const;

export interface OutboxConfig {
  /** host:port of each bootstrap broker; empty = relay off. */
  brokers: string[];
  clientId: string;
  /** aggregate_type → topic, for the known types and KAFKA_TOPIC_MAP. */
  topics: Record<string, string>;
  /** Topic of an aggregate type not in `topics`: prefix + aggregate_type. */
  topicPrefix: string;
  /** Rows claimed (and sent) per batch. */
  batchSize: number;
  /** How often the relay looks for new rows when the outbox is empty. */
  pollIntervalMs: number;
  /** How often a standby relay (another process holds the lock) tries to take over. */
  standbyIntervalMs: number;
  /** Pause between attempts while Kafka is unreachable. */
  retryIntervalMs: number;
  /** A row whose message (envelope + key + headers) is larger is parked. */
  maxMessageBytes: number;
  /** Published rows older than this many days are pruned. */
  retentionDays: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** kafkajs retries of one send before it gives up (the job then retries with backoff). */
  sendRetries: number;
  /** TLS and SASL to the brokers (src/outbox/kafka-security.ts); absent: plaintext. */
  security?: KafkaSecurity | undefined;
}

// Kafka's own rule for topic names.
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

function topic(env: Env, name: string, fallback: string): string {
  const value = str(env, name) ?? fallback;
  if (!TOPIC.test(value) || value === "." || value === "..") {
    throw new ConfigError(name, `must be a Kafka topic name (letters, digits, ".", "_", "-"; at most 249), got "${value}"`);
  }
  return value;
}

function brokers(env: Env, name: string): string[] {
  const raw = str(env, name);
  if (raw === undefined) return [];
  const list = raw.split(",").map((b) => b.trim()).filter(Boolean);
  for (const broker of list) {
    if (!isHostPort(broker)) throw new ConfigError(name, `must be a comma-separated list of host:port, got "${broker}"`);
  }
  if (list.length === 0) throw new ConfigError(name, "must name at least one host:port");
  return list;
}

function topicMap(env: Env, name: string): Record<string, string> {
  const raw = str(env, name);
  const map: Record<string, string> = {};
  if (raw === undefined) return map;
  for (const entry of raw.split(",").map((e) => e.trim()).filter(Boolean)) {
    const [aggregate, topicName, ...rest] = entry.split("=").map((p) => p.trim());
    if (!aggregate || !topicName || rest.length > 0 || !/^[a-z_]+$/.test(aggregate)) {
      throw new ConfigError(name, `must be a comma-separated list of aggregate_type=topic, got "${entry}"`);
    }
    if (!TOPIC.test(topicName)) {
      throw new ConfigError(name, `"${topicName}" (for ${aggregate}) is not a Kafka topic name`);
    }
    map[aggregate] = topicName;
  }
  return map;
}

export function loadOutboxConfig(env: Env = process.env): OutboxConfig {
  const prefix = str(env, "KAFKA_TOPIC_PREFIX") ?? "aquastream.";
  if (!/^[A-Za-z0-9._-]{0,200}$/.test(prefix)) {
    throw new ConfigError("KAFKA_TOPIC_PREFIX", `may contain only letters, digits, ".", "_", "-", got "${prefix}"`);
  }
  const topics: Record<string, string> = topicMap(env, "KAFKA_TOPIC_MAP");
  for (const [aggregate, variable] of Object.entries(TOPIC_VARIABLES)) {
    // The type's own variable wins over KAFKA_TOPIC_MAP, which wins over the prefix.
    topics[aggregate] = topic(env, variable, topics[aggregate] ?? `${prefix}${aggregate}`);
  }
  const brokerList = brokers(env, "KAFKA_BROKERS");
  return {
    brokers: brokerList,
    clientId: str(env, "KAFKA_CLIENT_ID") ?? "aquastream-event",
    topics,
    topicPrefix: prefix,
    batchSize: int(env, "OUTBOX_BATCH_SIZE", 2_000, 1, 10_000),
    pollIntervalMs: int(env, "OUTBOX_POLL_INTERVAL_MS", 20, 1, 60_000),
    standbyIntervalMs: int(env, "OUTBOX_STANDBY_INTERVAL_MS", 1_000, 10, 60_000),
    retryIntervalMs: int(env, "OUTBOX_RETRY_INTERVAL_MS", 250, 10, 60_000),
    maxMessageBytes: int(env, "OUTBOX_MAX_MESSAGE_BYTES", 1_048_576, 1_024, 100 * 1_048_576),
    retentionDays: int(env, "OUTBOX_RETENTION_DAYS", 7, 0, 3_650),
    connectionTimeoutMs: int(env, "KAFKA_CONNECTION_TIMEOUT_MS", 3_000, 100, 120_000),
    requestTimeoutMs: int(env, "KAFKA_REQUEST_TIMEOUT_MS", 30_000, 100, 600_000),
    sendRetries: int(env, "KAFKA_SEND_RETRIES", 3, 0, 20),
    security: loadKafkaSecurity(env, brokerList.length > 0),
  };
}

/** The topic of an aggregate type. */
export function topicFor(config: OutboxConfig, aggregateType: string): string {
  return config.topics[aggregateType] ?? `${config.topicPrefix}${aggregateType}`;
}

let current: OutboxConfig | undefined;

/** The relay's settings, read once per process (tests may set them first). */
export function relayConfig(): OutboxConfig {
  current ??= loadOutboxConfig();
  return current;
}

/** For tests: use these settings instead of the environment's. */
export function setRelayConfig(next: OutboxConfig | undefined): void {
  current = next;
}
