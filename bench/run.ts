/*
 * npm run bench: the booking hot path and its neighbours against a real
 * PostgreSQL (BENCH_DATABASE_URL's server, else 127.0.0.1:5432, else an
 * embedded one), on a database of its own (aquastream_bench, rebuilt from
 * the migrations on every run). With --kafka it also measures the outbox
 * relay against a real broker (scripts/kafka.sh on port 19892).
 *
 * Every caller acts as the API does: begin, one statement for role + claims,
 * one call to the use case's SQL function, commit. The baseline is the raw
 * single-row update rate at the same concurrency, so figures from different
 * machines compare as ratios. Figures and how to read them: docs/benchmarks.md.
 *
 *   npm run bench [-- --concurrency 8 --ops 4000 --kafka]
 */
import { randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import pg from "pg";
import { findLocalServer, withDatabase } from "../src/db/local-server.ts";
import { projectRoot, releaseMigrationPools, resetDatabase } from "../src/db/migrations.ts";
import { loadOutboxConfig } from "../src/outbox/config.ts";
import { relayOutbox, stopRelay } from "../src/outbox/relay.ts";
import { inTransactionAs } from "./as-user.ts";
import { printTable, run, type Result } from "./measure.ts";

const { values: args } = parseArgs({
  options: {
    concurrency: { type: "string", default: "8" },
    ops: { type: "string", default: "4000" },
    kafka: { type: "boolean", default: false },
  },
});
const C = Number(args.concurrency);
const OPS = Number(args.ops);
const DB = process.env.BENCH_DATABASE_NAME ?? "aquastream_bench";
const KAFKA_PORT = Number(process.env.BENCH_KAFKA_PORT ?? 19892);

const ORGANIZER = randomUUID();
const GATEWAY = randomUUID();
const DAY = 86_400_000;

const server = await findLocalServer(process.env.BENCH_DATABASE_URL, ".data/bench", 54349);
const databaseUrl = withDatabase(server.rootUrl, DB);
console.error(`bench: rebuilding ${DB} from the migrations…`);
await resetDatabase({ databaseUrl, rootUrl: server.rootUrl, shadowUrl: withDatabase(server.rootUrl, `${DB}_shadow`) });
releaseMigrationPools();
const pool = new pg.Pool({ connectionString: databaseUrl, max: Math.max(C, 50) });

interface Target {
  eventId: string;
  tierId: string;
}

/** Creates and publishes `count` events as the organizer, each with one tier. */
async function seedEvents(count: number, capacity: number): Promise<Target[]> {
  const client = await pool.connect();
  try {
    const targets: Target[] = [];
    for (let i = 0; i < count; i++) {
      const startsAt = new Date(Date.now() + 30 * DAY);
      const event = await inTransactionAs<{ id: string }>(
        client,
        ORGANIZER,
        ["organizer"],
        `select id from app_public.create_event(
           title => $1, description => 'Benchmark event', category => 'rafting', location_name => 'Chusovaya',
           latitude => 57.5, longitude => 59.0, starts_at => $2, ends_at => $3, capacity => $4,
           price_tiers => array[row('Adult', 100, 'EUR', null)::app_public.price_tier_input])`,
        [`Bench event ${i}`, startsAt, new Date(startsAt.getTime() + DAY), capacity],
      );
      await inTransactionAs(client, ORGANIZER, ["organizer"], "select app_public.publish_event($1)", [event.id]);
      const { rows } = await client.query("select id from app_public.event_price_tier where event_id = $1", [event.id]);
      targets.push({ eventId: event.id, tierId: rows[0].id });
    }
    return targets;
  } finally {
    client.release();
  }
}

const BOOK =
  "select id from app_public.create_booking(event_id => $1, price_tier_id => $2, quantity => 1, promo_code => null)";
const results: Result[] = [];

function assertNoFailures(result: Result & { errors: unknown[] }): Result {
  if (result.errors.length > 0) {
    throw new Error(`${result.scenario}: ${result.errors.length} failed, first: ${(result.errors[0] as Error).message}`);
  }
  return result;
}

// --- baseline: the raw single-row update rate ----------------------------------
await pool.query("create schema if not exists bench");
await pool.query("grant usage on schema bench to aquastream_member");
await pool.query("create table if not exists bench.bench_counter (id int primary key, n bigint not null default 0)");
await pool.query("insert into bench.bench_counter (id) select g from generate_series(0, 199) g on conflict do nothing");
await pool.query("grant select, update on bench.bench_counter to aquastream_member");
const baseline = assertNoFailures(
  await run("baseline: raw single-row update (200 rows)", pool, OPS, C, async (client, i) => {
    await client.query("update bench.bench_counter set n = n + 1 where id = $1", [i % 200]);
  }),
);
results.push(baseline);
// The same row update in the API's transaction shape: begin, role + claims, call, commit.
const shaped = assertNoFailures(
  await run("baseline: same update in the API's transaction shape", pool, OPS, C, async (client, i) => {
    await inTransactionAs(client, ORGANIZER, ["user"], "update bench.bench_counter set n = n + 1 where id = $1", [i % 200]);
  }),
);
results.push({ ...shaped, note: `${(shaped.opsPerSecond / baseline.opsPerSecond).toFixed(2)}× baseline` });
const ratio = (r: Result) =>
  `${(r.opsPerSecond / baseline.opsPerSecond).toFixed(2)}× baseline, ${(r.opsPerSecond / shaped.opsPerSecond).toFixed(2)}× shaped`;

// --- create_booking over many events ---------------------------------------------
const spread = await seedEvents(200, Math.ceil(OPS / 200) + 10);
const users = Array.from({ length: OPS }, () => randomUUID());
const bookingIds: string[] = [];
const many = assertNoFailures(
  await run("create_booking, 200 events", pool, OPS, C, async (client, i) => {
    const t = spread[i % spread.length]!;
    const row = await inTransactionAs<{ id: string }>(client, users[i]!, ["user"], BOOK, [t.eventId, t.tierId]);
    bookingIds[i] = row.id;
  }),
);
results.push({ ...many, note: ratio(many) });

// --- create_booking on one hot event -------------------------------------------------
const [hot] = await seedEvents(1, OPS + 10);
const hotUsers = Array.from({ length: OPS }, () => randomUUID());
const hotResult = assertNoFailures(
  await run("create_booking, one hot event", pool, OPS, C, async (client, i) => {
    await inTransactionAs(client, hotUsers[i]!, ["user"], BOOK, [hot!.eventId, hot!.tierId]);
  }),
);
results.push({ ...hotResult, note: ratio(hotResult) });

// --- the rush for the last seats: 200 buyers, 10 seats, 50 connections --------------
const [rush] = await seedEvents(1, 10);
const rushUsers = Array.from({ length: 200 }, () => randomUUID());
const rushResult = await run("rush: 200 buyers for 10 seats (50 at once)", pool, 200, 50, async (client, i) => {
  await inTransactionAs(client, rushUsers[i]!, ["user"], BOOK, [rush!.eventId, rush!.tierId]);
});
const soldOut = rushResult.errors.filter((e) => (e as pg.DatabaseError).code === "BKFUL").length;
const { rows: taken } = await pool.query("select app_public.event_seats_taken(e) as seats_taken from app_public.event e where id = $1", [rush!.eventId]);
if (rushResult.ops - rushResult.failed !== 10 || soldOut !== 190 || taken[0].seats_taken !== 10) {
  throw new Error(`rush: ${rushResult.ops - rushResult.failed} booked, ${soldOut} sold out, seats_taken ${taken[0].seats_taken}`);
}
results.push({ ...rushResult, note: "10 booked, 190 BKFUL, seats_taken 10" });

// --- quote_booking (reads only) -------------------------------------------------------
const quoteUsers = Array.from({ length: OPS }, () => randomUUID());
const quote = assertNoFailures(
  await run("quote_booking", pool, OPS, C, async (client, i) => {
    const t = spread[i % spread.length]!;
    await inTransactionAs(client, quoteUsers[i]!, ["user"], "select * from app_public.quote_booking($1, $2, 2, null)", [
      t.eventId,
      t.tierId,
    ]);
  }),
);
results.push({ ...quote, note: ratio(quote) });

// --- payments: initiate as the user, confirm as the gateway ----------------------------
const paymentIds: string[] = [];
const initiate = assertNoFailures(
  await run("initiate_payment", pool, OPS, C, async (client, i) => {
    const row = await inTransactionAs<{ id: string }>(client, users[i]!, ["user"], "select id from app_public.initiate_payment($1, 'card')", [
      bookingIds[i],
    ]);
    paymentIds[i] = row.id;
  }),
);
results.push({ ...initiate, note: ratio(initiate) });
const confirm = assertNoFailures(
  await run("confirm_payment (gateway)", pool, OPS, C, async (client, i) => {
    await inTransactionAs(client, GATEWAY, ["payment-gateway"], "select id from app_public.confirm_payment($1, $2)", [
      `bench-${paymentIds[i]}`,
      paymentIds[i],
    ]);
  }),
);
results.push({ ...confirm, note: ratio(confirm) });

// --- search (anonymous) -----------------------------------------------------------------
const search = assertNoFailures(
  await run("search_events: rafting near a point, free seats, first 20", pool, Math.min(OPS, 1000), C, async (client) => {
    await client.query("begin");
    await client.query("select set_config('role', 'aquastream_anonymous', true)");
    await client.query(
      "select id from app_public.search_events(category => 'rafting', near_latitude => 57.5, near_longitude => 59.0, radius_km => 100, only_available => true) limit 20",
    );
    await client.query("commit");
  }),
);
results.push(search);

// --- the outbox relay against a real broker ----------------------------------------------
if (args.kafka) {
  execFileSync("bash", [`${projectRoot}/scripts/kafka.sh`, "reset", String(KAFKA_PORT)], { stdio: "inherit" });
  execFileSync("bash", [`${projectRoot}/scripts/kafka.sh`, "start", String(KAFKA_PORT)], { stdio: "inherit" });
  try {
    const config = loadOutboxConfig({ KAFKA_BROKERS: `127.0.0.1:${KAFKA_PORT}`, KAFKA_CLIENT_ID: "aquastream-bench" });
    const { rows } = await pool.query("select count(*)::int as n from app_private.outbox where published_at is null");
    const client = await pool.connect();
    try {
      await relayOutbox(client, { ...config, batchSize: 10 }); // connect, create topics
      const started = performance.now();
      const relayed = await relayOutbox(client, config);
      const seconds = (performance.now() - started) / 1000;
      results.push({
        scenario: `outbox relay → Kafka (batches of ${config.batchSize}, acks=all)`,
        ops: relayed.published,
        failed: 0,
        seconds,
        opsPerSecond: relayed.published / seconds,
        p50: 0,
        p95: 0,
        p99: 0,
        note: `${rows[0].n} rows waiting before`,
      });
    } finally {
      client.release();
      await stopRelay();
    }
  } finally {
    execFileSync("bash", [`${projectRoot}/scripts/kafka.sh`, "stop", String(KAFKA_PORT)], { stdio: "inherit" });
  }
}

await pool.end();
await server.embedded?.stop();
console.log(`\naquastream-event bench: concurrency ${C}, ${OPS} operations per scenario, PostgreSQL ${databaseUrl.replace(/\/\/[^@]*@/, "//")}`);
printTable(results);
