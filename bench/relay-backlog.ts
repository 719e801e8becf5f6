/*
 * The outbox relay draining what the run wrote, against a real broker
 * (scripts/kafka.sh on BENCH_KAFKA_PORT, default 19892). Needs --kafka.
 * (The relay's own latency scenarios belong to its owners; this keeps the
 * drain figure the bench always had.)
 */
import { execFileSync } from "node:child_process";
import { projectRoot } from "../src/db/migrations.ts";
import { loadOutboxConfig } from "../src/outbox/config.ts";
import { relayOutbox, stopRelay } from "../src/outbox/relay.ts";
import type { OnceScenario } from "./scenario.ts";

const KAFKA_PORT = Number(process.env.BENCH_KAFKA_PORT ?? 19892);

const scenario: OnceScenario = {
  kind: "once",
  name: "outbox relay → Kafka, drain the run's backlog",
  enabled: (ctx) => ctx.kafka,
  async run(ctx) {
    const kafka = (command: string) =>
      execFileSync("bash", [`${projectRoot}/scripts/kafka.sh`, command, String(KAFKA_PORT)], { stdio: "inherit" });
    kafka("reset");
    kafka("start");
    try {
      const config = loadOutboxConfig({ KAFKA_BROKERS: `127.0.0.1:${KAFKA_PORT}`, KAFKA_CLIENT_ID: "aquastream-bench" });
      const { rows } = await ctx.pool.query("select count(*)::int as n from app_private.outbox where published_at is null");
      const client = await ctx.pool.connect();
      try {
        await relayOutbox(client, { ...config, batchSize: 10 }); // connect, create topics
        const started = performance.now();
        const relayed = await relayOutbox(client, config);
        const seconds = (performance.now() - started) / 1000;
        return [
          {
            scenario: scenario.name,
            figure: `${(relayed.published / seconds).toFixed(0)} rows/s`,
            note: `${relayed.published} of ${rows[0].n} waiting rows in ${seconds.toFixed(1)} s`,
          },
        ];
      } finally {
        client.release();
        await stopRelay();
      }
    } finally {
      kafka("stop");
    }
  },
};
export default scenario;
