/*
 * npm run bench: the hot paths against a real PostgreSQL, each beside its
 * baseline from the same round (issue #21). PostgreSQL: BENCH_DATABASE_URL's
 * server, else 127.0.0.1:5432, else an embedded one; database aquastream_bench
 * (BENCH_DATABASE_NAME), rebuilt from the migrations on every run.
 *
 *   npm run bench [-- --rounds 3 --clients 32,8 --seconds 5 --only booking --kafka]
 *
 * Structure: every round, at every client count, measures the two baselines
 * (the single hot row and the update spread over 200 rows, bench/baselines.ts)
 * and then every round scenario, so a scenario and its baseline always share
 * the machine's state; the report gives the median over the rounds and the
 * spread (min–max), and the ratio to the baseline computed per round. Then
 * the once scenarios run (correctness under load, backlogs). Load average
 * and the bench's own CPU are reported beside the figures: other work on the
 * machine lowers them.
 *
 * A scenario is a file under bench/ exporting a Scenario (bench/scenario.ts),
 * registered with ONE line in SCENARIOS below.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { findLocalServer, withDatabase } from "../src/db/local-server.ts";
import { releaseMigrationPools, resetDatabase } from "../src/db/migrations.ts";
import { hotRow, setupBaselines, spreadUpdate } from "./baselines.ts";
import { findPgBench } from "./pgbench.ts";
import { printReport, type RoundRow } from "./report.ts";
import type { BenchContext, Measurement, OnceResult, Scenario } from "./scenario.ts";

if (process.argv.includes("--scale")) await import("./scale.ts").then(() => process.exit(0)); // the catalog at 100k events (issue 20)

// --- the scenarios: one line each ------------------------------------------------
const SCENARIOS: Scenario[] = [
  (await import("./booking-hot.ts")).default,
  (await import("./booking-hot-one-trip.ts")).default,
  (await import("./booking-spread.ts")).default,
  (await import("./quote.ts")).default,
  (await import("./payment.ts")).default,
  (await import("./search.ts")).default,
  (await import("./api.ts")).default,
  (await import("./booking-rush.ts")).default,
  (await import("./expiry.ts")).default,
  (await import("./relay-backlog.ts")).default,
  (await import("./relay-latency.ts")).default,
  (await import("./graphql-worst-allowed.ts")).default,
];

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    clients: { type: "string", default: "32,8" },
    seconds: { type: "string", default: "5" },
    only: { type: "string" },
    kafka: { type: "boolean", default: false },
  },
});
const rounds = Number(args.rounds);
const clientCounts = args.clients.split(",").map(Number);
const selected = SCENARIOS.filter((s) => !args.only || s.name.includes(args.only));
const DB = process.env.BENCH_DATABASE_NAME ?? "aquastream_bench";
const log = (message: string) => console.error(`bench: ${message}`);

const server = await findLocalServer(process.env.BENCH_DATABASE_URL, ".data/bench", 54349);
const databaseUrl = withDatabase(server.rootUrl, DB);
log(`rebuilding ${DB} from the migrations…`);
await resetDatabase({ databaseUrl, rootUrl: server.rootUrl, shadowUrl: withDatabase(server.rootUrl, `${DB}_shadow`) });
releaseMigrationPools();
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
const ctx: BenchContext = {
  databaseUrl,
  rootUrl: server.rootUrl,
  pool,
  pgbench: findPgBench(databaseUrl),
  seconds: Number(args.seconds),
  kafka: args.kafka,
  log,
};
const { rows: settings } = await pool.query(
  "select version() as version, current_setting('synchronous_commit') as sync, current_setting('shared_buffers') as buffers",
);

await setupBaselines(ctx);
const roundScenarios = selected.filter((s) => s.kind === "rounds");
for (const s of roundScenarios) await s.setup?.(ctx);

const rows: RoundRow[] = [];
function record(name: string, clients: number, round: number, m: Measurement, baseline?: Measurement, target?: number): void {
  rows.push({ name, clients, round, m, ratio: baseline ? m.opsPerSecond / baseline.opsPerSecond : undefined, target, load: loadavg()[0]! });
}
const cpuBefore = process.cpuUsage();
for (let round = 1; round <= rounds; round++) {
  for (const clients of clientCounts) {
    log(`round ${round}/${rounds}, ${clients} clients (load ${loadavg()[0]!.toFixed(2)})`);
    const hot = await hotRow(ctx, clients);
    const spread = await spreadUpdate(ctx, clients);
    record("baseline: single hot row (pgbench UPDATE … WHERE id = 1)", clients, round, hot);
    record("baseline: update spread over 200 rows", clients, round, spread);
    for (const s of roundScenarios) {
      const m = await s.measure(ctx, clients);
      record(s.name, clients, round, m, s.baseline === "hot" ? hot : s.baseline === "spread" ? spread : undefined, s.target);
    }
  }
}
for (const s of roundScenarios) await s.teardown?.(ctx);

const once: OnceResult[] = [];
for (const s of selected) {
  if (s.kind !== "once") continue;
  if (s.enabled && !s.enabled(ctx)) {
    once.push({ scenario: s.name, figure: "skipped", note: "needs an option (e.g. --kafka)" });
    continue;
  }
  log(`${s.name}…`);
  once.push(...(await s.run(ctx)));
}
const cpu = process.cpuUsage(cpuBefore);

await pool.end();
await server.embedded?.stop();
printReport({
  header: [
    `PostgreSQL: ${settings[0].version.split(",")[0]} (synchronous_commit ${settings[0].sync}, shared_buffers ${settings[0].buffers})`,
    `${ctx.pgbench.version}; ${rounds} rounds × clients ${clientCounts.join(", ")} × ${ctx.seconds} s per run`,
    `bench process CPU: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
  ],
  rows,
  once,
});
