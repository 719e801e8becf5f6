/*
 * Helpers for the Kafka relay tests: a real broker from scripts/kafka.sh on a
 * port of its own, a database of their own (the relay sends every waiting
 * outbox row, and these tests commit rows, so they must not share the suite's
 * test database), and a consumer that reads topics from the beginning.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Kafka, logLevel, type KafkaMessage } from "kafkajs";
import { projectRoot } from "../../src/db/migrations.ts";
import { createOwnDatabase } from "../helpers/own-database.ts";

const exec = promisify(execFile);

/** Port of the tests' broker (controller: port + 1); not the developer default 19092. */
export const KAFKA_TEST_PORT = Number(process.env.KAFKA_TEST_PORT ?? 19192);
export const BROKER = `127.0.0.1:${KAFKA_TEST_PORT}`;

export async function kafkaScript(command: "start" | "stop" | "reset" | "status", port = KAFKA_TEST_PORT): Promise<string> {
  const { stdout, stderr } = await exec("bash", [`${projectRoot}/scripts/kafka.sh`, command, String(port)], {
    cwd: projectRoot,
    timeout: 180_000,
  });
  return `${stdout}${stderr}`;
}

/** Creates (anew) the tests' own database from the migrations. */
export function createKafkaTestDatabase(): Promise<string> {
  return createOwnDatabase("kafka");
}

/** Creates the topics (3 partitions) and waits until they have leaders. */
export async function createTopics(topics: string[], broker = BROKER): Promise<void> {
  const kafka = new Kafka({ clientId: "aquastream-test", brokers: [broker], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

export interface Received {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  headers: Record<string, string>;
  value: Record<string, unknown>;
}

function decode(topic: string, partition: number, m: KafkaMessage): Received {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key?.toString() ?? "",
    headers,
    value: JSON.parse(m.value?.toString() ?? "null") as Record<string, unknown>,
  };
}

/**
 * Reads `topics` from the beginning with a fresh consumer group until every id
 * in `ids` has been seen `copies` times (or the timeout), and returns
 * everything read, in arrival order (per partition: the broker's order).
 */
export async function consumeUntil(
  topics: string[],
  ids: Iterable<string>,
  timeoutMs = 60_000,
  copies = 1,
  broker = BROKER,
): Promise<Received[]> {
  const wanted = new Map([...ids].map((id) => [id, copies]));
  const kafka = new Kafka({ clientId: "aquastream-test", brokers: [broker], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `test-${crypto.randomUUID()}`, maxWaitTimeInMs: 200 });
  const received: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    let done!: () => void;
    const allSeen = new Promise<void>((resolve) => (done = resolve));
    if (wanted.size === 0) done();
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const r = decode(topic, partition, message);
        received.push(r);
        const left = wanted.get(r.headers.id ?? "");
        if (left !== undefined) {
          if (left <= 1) wanted.delete(r.headers.id!);
          else wanted.set(r.headers.id!, left - 1);
        }
        if (wanted.size === 0) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      allSeen,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  return received;
}
