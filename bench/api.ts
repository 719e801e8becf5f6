/*
 * The API process itself under load: `src/main.ts api` started as in
 * production (tracing preloaded, pool DATABASE_POOL_SIZE, the authenticator
 * login), and 32 (or 8) HTTP clients booking one hot event through GraphQL
 * createBooking, each booking a different user. Reports requests/s and the
 * process's resident memory (RSS, max over the run; issue #21 asks < 300 MB
 * at 32 clients) and CPU, sampled from /proc every 100 ms.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadConfig } from "../src/config/env.ts";
import { loadDevIssuer } from "../src/auth/dev-issuer.ts";
import { benchApiEnv, startBenchApi } from "./api-process.ts";
import { seedEvents } from "./seed.ts";
import type { BenchContext, RoundScenario } from "./scenario.ts";

const PORT = Number(process.env.BENCH_API_PORT ?? 18480);
const TOKENS = 4000;
const BOOK = `mutation($e: UUID!, $t: UUID!) { createBooking(input: { eventId: $e, priceTierId: $t, quantity: 1 }) { result { rowId status } } }`;

let child: ChildProcess | undefined;
let tokens: string[] = [];
let next = 0;

function procStats(pid: number): { rssMb: number; cpuSeconds: number } {
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat (11 and 12 after the name), in clock ticks.
  return { rssMb: Number(rss?.[1] ?? 0) / 1024, cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100 };
}

const scenario: RoundScenario = {
  kind: "rounds",
  name: "API: GraphQL createBooking over HTTP, one hot event",
  baseline: "hot",
  async setup(ctx: BenchContext) {
    const env = benchApiEnv(ctx.databaseUrl, PORT, { RATE_LIMIT_MUTATIONS: "100000" });
    const issuer = loadDevIssuer(loadConfig(env));
    tokens = await Promise.all(Array.from({ length: TOKENS }, () => issuer.signDevToken({ role: "user", sub: randomUUID() })));
    child = await startBenchApi(env);
  },
  async measure(ctx, clients) {
    // A new organizer each run: a user's unpaid bookings per organizer are limited (BKPOR).
    const [hot] = await seedEvents(ctx.pool, 1, 100_000, randomUUID());
    const pid = child!.pid!;
    const before = procStats(pid);
    let rssMax = before.rssMb;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, procStats(pid).rssMb)), 100);
    const latencies: number[] = [];
    let errors = 0;
    const until = performance.now() + ctx.seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < until) {
          const t = performance.now();
          const response = await fetch(`http://127.0.0.1:${PORT}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${tokens[next++ % tokens.length]}` },
            body: JSON.stringify({ query: BOOK, variables: { e: hot!.eventId, t: hot!.tierId } }),
          });
          const body = (await response.json()) as { errors?: unknown[] };
          if (!response.ok || body.errors) errors++;
          latencies.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const after = procStats(pid);
    latencies.sort((a, b) => a - b);
    if (errors > latencies.length / 100) ctx.log(`API scenario: ${errors} of ${latencies.length} requests failed`);
    return {
      opsPerSecond: (latencies.length - errors) / seconds,
      p50: latencies[Math.floor(latencies.length / 2)],
      p99: latencies[Math.floor(latencies.length * 0.99)],
      extra: {
        "API RSS MB": Math.max(rssMax, after.rssMb),
        "API CPU %": ((after.cpuSeconds - before.cpuSeconds) / seconds) * 100,
        failed: errors,
      },
    };
  },
  async teardown() {
    if (!child) return;
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  },
};
export default scenario;
