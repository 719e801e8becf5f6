/*
 * The outbox relay as the worker runs it (src/outbox/relay-loop.ts) against a
 * real broker (scripts/kafka.sh on BENCH_KAFKA_PORT, default 19892), issue #21
 * item 5. Needs --kafka. Three figures:
 *
 *   1. latency at a steady 500 events/s for LATENCY_SECONDS: each event is its
 *      own committed transaction (an INSERT into the outbox); latency is the
 *      broker's append time (topics created with LogAppendTime) minus the
 *      moment the writer saw its COMMIT acknowledged (so it slightly
 *      understates, by one reply's travel);
 *   2. drain rate of a 100,000-row backlog written while no relay ran;
 *   3. after a broker outage (stop, rows written meanwhile, start): delay from
 *      the broker's port accepting connections again to the first row's
 *      append time, and the drain rate of that backlog.
 *
 * The relay, the writers and the consumer share this process and the
 * machine with PostgreSQL and the broker: figures are for this machine kind.
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { projectRoot } from "../src/db/migrations.ts";
import { loadOutboxConfig } from "../src/outbox/config.ts";
import { startRelayLoop, type RelayLoop } from "../src/outbox/relay-loop.ts";
import { stopRelay } from "../src/outbox/relay.ts";
import type { OnceScenario } from "./scenario.ts";

const KAFKA_PORT = Number(process.env.BENCH_KAFKA_PORT ?? 19892);
const BROKER = `127.0.0.1:${KAFKA_PORT}`;
const TOPIC = "aquastream.booking";
const RATE = 500;
const LATENCY_SECONDS = Number(process.env.BENCH_RELAY_SECONDS ?? 20);
const BACKLOG = 100_000;
const OUTAGE_ROWS = 20_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function unpublished(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>("select count(*)::int as n from app_private.outbox where published_at is null");
  return rows[0]!.n;
}

async function waitEmpty(pool: pg.Pool, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  while ((await unpublished(pool)) > 0) {
    if (Date.now() > until) throw new Error("the relay did not empty the outbox");
    await sleep(20);
  }
}

/** Broker append times by envelope id, read from the beginning until `ids` are all seen. */
async function appendTimes(ids: Set<string>, limitMs: number): Promise<Map<string, number>> {
  const kafka = new Kafka({ clientId: "aquastream-bench", brokers: [BROKER], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const seen = new Map<string, number>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const id = m.headers?.id?.toString();
          if (id && ids.has(id) && !seen.has(id)) seen.set(id, Number(m.timestamp));
        }
        if (seen.size >= ids.size) done();
      },
    });
    await Promise.race([all, sleep(limitMs)]);
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  return seen;
}

const insertOne = `insert into app_private.outbox (aggregate_type, aggregate_id, event_type, data)
  values ('booking', $1, 'BookingCreated', jsonb_build_object('bench', true)) returning id`;

const scenario: OnceScenario = {
  kind: "once",
  name: "outbox relay loop → Kafka: latency at 500 events/s, 100k drain, broker return",
  enabled: (ctx) => ctx.kafka,
  async run(ctx) {
    const kafkaSh = (command: string) =>
      execFileSync("bash", [`${projectRoot}/scripts/kafka.sh`, command, String(KAFKA_PORT)], { stdio: "inherit" });
    kafkaSh("reset");
    kafkaSh("start");
    const config = loadOutboxConfig({ KAFKA_BROKERS: BROKER, KAFKA_CLIENT_ID: "aquastream-bench" });
    const writers = new pg.Pool({ connectionString: ctx.databaseUrl, max: 8 });
    let relay: RelayLoop | undefined;
    const results = [];
    try {
      const admin = new Kafka({ clientId: "aquastream-bench", brokers: [BROKER], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.createTopics({
        topics: Object.values(config.topics).map((topic) => ({
          topic,
          numPartitions: 3,
          replicationFactor: 1,
          configEntries: [{ name: "message.timestamp.type", value: "LogAppendTime" }],
        })),
        waitForLeaders: true,
      });
      await admin.disconnect();

      // Whatever earlier scenarios left waiting goes first.
      relay = startRelayLoop(ctx.databaseUrl, config);
      await waitEmpty(ctx.pool, 300_000);

      // 1. Latency at a steady rate: a new event every 1/RATE s, each its own transaction.
      ctx.log(`relay: ${RATE} events/s for ${LATENCY_SECONDS} s…`);
      const committedAt = new Map<string, number>();
      const keys = Array.from({ length: 500 }, () => randomUUID());
      const total = RATE * LATENCY_SECONDS;
      const start = performance.now();
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const due = start + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        inFlight.push(
          writers.query<{ id: string }>(insertOne, [keys[i % keys.length]]).then(({ rows }) => {
            committedAt.set(rows[0]!.id, Date.now());
          }),
        );
      }
      await Promise.all(inFlight);
      const achieved = total / ((performance.now() - start) / 1000);
      const appended = await appendTimes(new Set(committedAt.keys()), 120_000);
      const latencies = [...committedAt].filter(([id]) => appended.has(id)).map(([id, t]) => appended.get(id)! - t).sort((a, b) => a - b);
      const p50 = percentile(latencies, 50);
      const p99 = percentile(latencies, 99);
      results.push(
        {
          scenario: `relay latency p50, commit → broker append (${achieved.toFixed(0)} events/s sustained, ${latencies.length} events)`,
          figure: `${p50} ms`,
          target: "< 50 ms",
          met: p50 < 50,
        },
        {
          scenario: "relay latency p99, commit → broker append",
          figure: `${p99} ms`,
          target: "< 1000 ms",
          met: p99 < 1000,
          note: `max ${latencies.at(-1)} ms`,
        },
      );

      // 2. A 100k backlog written while no relay runs, then one relay drains it.
      await relay.stop();
      relay = undefined;
      ctx.log(`relay: draining a ${BACKLOG}-row backlog…`);
      await ctx.pool.query(
        `insert into app_private.outbox (aggregate_type, aggregate_id, event_type, data)
         select 'booking', ($2::uuid[])[g % 500 + 1], 'BookingCreated', jsonb_build_object('n', g)
         from generate_series(1, $1::int) g order by g`,
        [BACKLOG, keys],
      );
      await ctx.pool.query("vacuum analyze app_private.outbox");
      const drainStart = performance.now();
      relay = startRelayLoop(ctx.databaseUrl, config);
      await waitEmpty(ctx.pool, 600_000);
      const drainSeconds = (performance.now() - drainStart) / 1000;
      results.push({
        scenario: `relay drain of a ${BACKLOG / 1000}k backlog (batches of ${config.batchSize})`,
        figure: `${(BACKLOG / drainSeconds).toFixed(0)} rows/s`,
        target: "≥ 5000 rows/s",
        met: BACKLOG / drainSeconds >= 5000,
        note: `${drainSeconds.toFixed(1)} s`,
      });

      // 3. Broker outage: rows written while it is down; first row after its return.
      ctx.log("relay: broker outage…");
      kafkaSh("stop");
      const { rows: outageRows } = await ctx.pool.query<{ id: string }>(
        `insert into app_private.outbox (aggregate_type, aggregate_id, event_type, data)
         select 'booking', ($2::uuid[])[g % 500 + 1], 'BookingCreated', jsonb_build_object('n', g)
         from generate_series(1, $1::int) g order by g returning id`,
        [OUTAGE_ROWS, keys],
      );
      await sleep(3_000); // the relay fails and retries meanwhile
      // The broker's return: the moment its port accepts connections again
      // (before it is ready to serve, so the figure errs on the long side).
      const starting = spawn("bash", [`${projectRoot}/scripts/kafka.sh`, "start", String(KAFKA_PORT)], { stdio: "inherit" });
      let back = 0;
      while (!back) {
        const open = await new Promise<boolean>((resolve) => {
          const s = net.connect({ host: "127.0.0.1", port: KAFKA_PORT });
          s.once("connect", () => (s.destroy(), resolve(true)));
          s.once("error", () => resolve(false));
        });
        if (open) back = Date.now();
        else await sleep(10);
      }
      await new Promise((resolve) => starting.once("exit", resolve));
      // The broker's own moment of readiness: its log line (local time, ms).
      const started = [...readFileSync(`${projectRoot}/.cache/kafka/kafka-${KAFKA_PORT}.log`, "utf8").matchAll(
        /^\[(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3})\] INFO \[BrokerServer id=1\] Transition from STARTING to STARTED/gm,
      )].at(-1);
      const readyAt = started ? new Date(`${started[1]}T${started[2]}.${started[3]}`).getTime() : NaN;
      await waitEmpty(ctx.pool, 600_000);
      const emptyAt = Date.now();
      const outageAppends = await appendTimes(new Set(outageRows.map((r) => r.id)), 120_000);
      const firstAppend = Math.min(...outageAppends.values());
      results.push(
        {
          scenario: "relay first row after the broker's return (broker logs STARTED → first append)",
          figure: `${firstAppend - readyAt} ms`,
          target: "< 1000 ms",
          met: firstAppend - readyAt < 1000,
          note: `port open → first append ${firstAppend - back} ms (the port opens before the broker can serve); ${outageAppends.size} of ${OUTAGE_ROWS} rows read back`,
        },
        {
          scenario: `relay drain of the ${OUTAGE_ROWS / 1000}k outage backlog after the return`,
          figure: `${(OUTAGE_ROWS / ((emptyAt - firstAppend) / 1000)).toFixed(0)} rows/s`,
          note: "first append → all marked",
        },
      );
      return results;
    } finally {
      await relay?.stop();
      await stopRelay();
      await writers.end();
      kafkaSh("stop");
    }
  },
};
export default scenario;
