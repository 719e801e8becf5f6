/*
 * npm run bench -- --scale: the catalog at the seed plan's size (issue 20).
 *
 * 1. Builds its own database (aquastream_scale, BENCH_SCALE_DATABASE_NAME;
 *    never the test database) from the migrations, on BENCH_DATABASE_URL's
 *    server, else 127.0.0.1:5432, else an embedded one.
 * 2. Loads 100k events, ~170k tiers, 1M bookings, their payments and 150k
 *    reviews set-based (bench/scale-data.ts), timing each step.
 * 3. Serves the real API (GraphQL and gRPC, in this process, logging in as
 *    the authenticator) and measures every typical catalog query the same way
 *    three times: as the raw SQL the API sends, over GraphQL, over gRPC. One
 *    request at a time (latency, not throughput), after a warm-up.
 * 4. Prints p50/p95/p99 per query and transport, each raw query's plan (scan
 *    types per table; a sequential scan of a big table is flagged), the load
 *    average, as markdown for docs/benchmarks.md.
 * 5. Drops the database (--keep keeps it for EXPLAIN by hand; drop it with
 *    `dropdb aquastream_scale`).
 *
 *   npm run bench -- --scale [--events 100000 --bookings 1000000 --reviews 150000 --samples 100 --keep]
 *   npm run bench -- --scale --reuse   # measure a kept database again (current/ re-applied, no reload)
 *   npm run bench -- --scale --reuse --only "page of 50"   # only the queries whose name matches (a regular expression)
 */
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { loadConfig } from "../src/config/env.ts";
import { findLocalServer, withDatabase } from "../src/db/local-server.ts";
import { applyCurrent, releaseMigrationPools, resetDatabase } from "../src/db/migrations.ts";
import { authenticatorLogin, withLogin } from "../src/db/authenticator.ts";
import { createPool } from "../src/db/pool.ts";
import { createVerifier } from "../src/auth/verifier.ts";
import { loadDevIssuer } from "../src/auth/dev-issuer.ts";
import { createHttpApi } from "../src/http/app.ts";
import { makeReadinessCheck } from "../src/http/readiness.ts";
import { startGrpcServer } from "../src/grpc/server.ts";
import { EventServiceClient, EventSort, EventStatus } from "../src/gen/aquastream/event/v1/event_service.ts";
import { claimsToPgSettings, type Role } from "../src/auth/claims.ts";
import { scaleDataSql } from "./scale-data.ts";

const { values: args } = parseArgs({
  strict: false,
  options: {
    events: { type: "string", default: "100000" },
    bookings: { type: "string", default: "1000000" },
    reviews: { type: "string", default: "150000" },
    samples: { type: "string", default: "100" },
    keep: { type: "boolean", default: false },
    reuse: { type: "boolean", default: false },
    only: { type: "string" },
  },
});
const EVENTS = Number(args.events);
const BOOKINGS = Number(args.bookings);
const REVIEWS = Number(args.reviews);
const SAMPLES = Number(args.samples);
const DB = process.env.BENCH_SCALE_DATABASE_NAME ?? "aquastream_scale";
const BIG_TABLES = new Set(["event", "event_price_tier", "booking", "payment", "review", "event_stats", "event_seat_counter", "price_tier_seat_counter"]);
const log = (message: string) => console.error(`bench --scale: ${message}`);

/** A caller: role claims as the API sets them (anonymous: null). */
interface Caller {
  sub: string;
  roles: Role[];
}

/** One typical query, the same through the three doors. */
interface Query {
  name: string;
  as: Caller | null;
  sql: string;
  params: unknown[];
  graphql?: { query: string; variables: Record<string, unknown> };
  grpc?: (client: EventServiceClient, metadata: grpc.Metadata) => Promise<unknown>;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

async function measure(samples: number, op: () => Promise<unknown>): Promise<{ p50: number; p95: number; p99: number }> {
  for (let i = 0; i < 5; i++) await op(); // warm-up: plans, caches, connections
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await op();
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) };
}

/** Runs `sql` as the API does: one transaction, role and claims set first. */
async function asCaller<T extends pg.QueryResultRow>(client: pg.PoolClient, as: Caller | null, sql: string, params: unknown[]): Promise<T[]> {
  const settings = claimsToPgSettings(as ? { sub: as.sub, roles: as.roles, raw: {} } : null);
  const keys = Object.keys(settings);
  await client.query("begin");
  try {
    await client.query(
      `select ${keys.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(", ")}`,
      keys.flatMap((k) => [k, settings[k]]),
    );
    const { rows } = await client.query<T>(sql, params);
    return rows;
  } finally {
    await client.query("rollback");
  }
}

/** "Index Scan event (event_published_starts_at_idx), …": every scan node of a JSON plan. */
function scans(plan: Record<string, unknown>, out: string[] = [], seqOnBig: string[] = []): { scans: string[]; seqOnBig: string[] } {
  const type = plan["Node Type"] as string;
  const relation = plan["Relation Name"] as string | undefined;
  if (type.includes("Scan") && (relation || plan["Index Name"])) {
    out.push(`${type} ${relation ?? ""}${plan["Index Name"] ? ` (${plan["Index Name"]})` : ""}`.trim());
    if (type === "Seq Scan" && relation && BIG_TABLES.has(relation)) seqOnBig.push(relation);
  }
  for (const child of (plan.Plans as Record<string, unknown>[] | undefined) ?? []) scans(child, out, seqOnBig);
  return { scans: out, seqOnBig };
}

// --- 1. the database -------------------------------------------------------------
const server = await findLocalServer(process.env.BENCH_DATABASE_URL, ".data/bench", 54349);
const databaseUrl = withDatabase(server.rootUrl, DB);
const loadSteps: [string, number][] = [];
if (args.reuse) {
  log(`reusing ${DB}: applying db/migrations/current/ again, no reload`);
  await applyCurrent({ databaseUrl, rootUrl: server.rootUrl });
  releaseMigrationPools();
} else {
  log(`rebuilding ${DB} from the migrations…`);
  await resetDatabase({ databaseUrl, rootUrl: server.rootUrl, shadowUrl: withDatabase(server.rootUrl, `${DB}_shadow`) });
  releaseMigrationPools();

  // --- 2. the data -----------------------------------------------------------------
  const owner = new pg.Client({ connectionString: databaseUrl });
  await owner.connect();
  const started = performance.now();
  for (const [step, sql] of scaleDataSql(EVENTS, BOOKINGS, REVIEWS)) {
    const t = performance.now();
    await owner.query(sql);
    loadSteps.push([step, (performance.now() - t) / 1000]);
    log(`${step}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  loadSteps.push(["total", (performance.now() - started) / 1000]);
  await owner.end();
}

// --- 3. the API ------------------------------------------------------------------
// The request budget off: one client measures capacity on purpose.
const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "aquastream-scale-")), LOG_LEVEL: "silent", RATE_LIMIT_REQUESTS: "0" });
const issuer = loadDevIssuer(config);
const apiUrl = server.embedded
  ? await authenticatorLogin(server.rootUrl, databaseUrl, ".data/bench")
  : withLogin(databaseUrl, "aquastream_authenticator");
const apiPool = createPool(apiUrl, 10, "bench-scale", config.limits.poolQueueTimeoutMs);
const http = await createHttpApi({
  pool: apiPool,
  verifier: createVerifier(config),
  graphiql: false,
  limits: config.limits,
  readiness: makeReadinessCheck(apiPool),
});
await new Promise<void>((resolve) => http.server.listen(0, "127.0.0.1", resolve));
const graphqlUrl = `http://127.0.0.1:${(http.server.address() as import("node:net").AddressInfo).port}/graphql`;
const grpcServer = await startGrpcServer("127.0.0.1", 0, { pool: apiPool, verifier: createVerifier(config) });
const client = new EventServiceClient(`127.0.0.1:${grpcServer.port}`, grpc.credentials.createInsecure());
const sqlPool = new pg.Pool({ connectionString: apiUrl, max: 2 });

const tokenFor = async (as: Caller | null) => (as ? issuer.signDevToken({ role: as.roles, sub: as.sub }) : undefined);

async function graphql(query: string, variables: Record<string, unknown>, token: string | undefined): Promise<void> {
  const response = await fetch(graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { errors?: { message: string }[] };
  if (body.errors) throw new Error(`GraphQL: ${body.errors[0]!.message}`);
}

function unary<Req, Res>(method: (req: Req, md: grpc.Metadata, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown, req: Req, md: grpc.Metadata): Promise<Res> {
  return new Promise((resolve, reject) => method.call(client, req, md, (e: grpc.ServiceError | null, r: Res) => (e ? reject(e) : resolve(r))));
}

// --- the typical queries -----------------------------------------------------------
const owner = new pg.Pool({ connectionString: databaseUrl, max: 2 });
const pick = async (sql: string) => (await owner.query(sql)).rows[0];
const busyUser = (await pick("select user_id from app_public.booking group by user_id order by count(*) desc limit 1")).user_id as string;
const busyOrganizer = (await pick("select organizer_id from app_public.event group by organizer_id order by count(*) desc limit 1")).organizer_id as string;
const popularEvent = (await pick(
  "select e.id from app_public.event e join app_hidden.event_stats s on s.event_id = e.id where e.status = 'published' order by s.rating_count desc, e.starts_at limit 1",
)).id as string;
const upcoming = Number((await pick("select count(*) from app_public.event where status = 'published' and starts_at >= now()")).count);
const DEPTH = Math.min(5000, Math.floor(upcoming / 2));
const deepCursor = (
  await owner.query(
    "select id from app_public.event where status = 'published' and starts_at >= now() order by starts_at, id offset $1 limit 1",
    [DEPTH],
  )
).rows[0].id as string;
const weekFrom = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
const weekTo = new Date(Date.now() + 36 * 86_400_000).toISOString().slice(0, 10);
const member: Caller = { sub: busyUser, roles: ["user"] };
const organizer: Caller = { sub: busyOrganizer, roles: ["organizer"] };

const EVENT_FIELDS = "rowId title startsAt startsAtLocal timeZone seatsAvailable minPrice";
const PAGE_FIELDS = `${EVENT_FIELDS} ratingSummary { average count } eventPriceTiersByEventId(orderBy: SORT_ORDER_ASC) { nodes { name price seatsAvailable } }`;
const search = (args: string, fields = EVENT_FIELDS, first = 20) =>
  `query${args.includes("$a") ? "($a: UUID)" : ""} { searchEvents(${args}${args ? ", " : ""}first: ${first}) { nodes { ${fields} } } }`;
const list = (extra: Record<string, unknown>) => ({ pageSize: 20, pageToken: "", onlyAvailable: false, statuses: [], sort: 0, ...extra });
const SEARCH_SQL = (args: string, limit = 20) => `select * from app_public.search_events(${args}) limit ${limit}`;

const queries: Query[] = [
  {
    name: "upcoming, soonest first (defaults), 20",
    as: null,
    sql: SEARCH_SQL(""),
    params: [],
    graphql: { query: search(""), variables: {} },
    grpc: (c, md) => unary(c.listEvents, list({}), md),
  },
  {
    name: 'text "сплавы чусовая" (relevance), 20',
    as: null,
    sql: SEARCH_SQL("query => $1"),
    params: ["сплавы чусовая"],
    graphql: { query: search('query: "сплавы чусовая"'), variables: {} },
    grpc: (c, md) => unary(c.listEvents, list({ query: "сплавы чусовая" }), md),
  },
  {
    name: 'as-you-type prefix "катама", 20',
    as: null,
    sql: SEARCH_SQL("query => $1"),
    params: ["катама"],
    graphql: { query: search('query: "катама"'), variables: {} },
    grpc: (c, md) => unary(c.listEvents, list({ query: "катама" }), md),
  },
  {
    name: 'typo "катамраны", 20',
    as: null,
    sql: SEARCH_SQL("query => $1"),
    params: ["катамраны"],
    graphql: { query: search('query: "катамраны"'), variables: {} },
    grpc: (c, md) => unary(c.listEvents, list({ query: "катамраны" }), md),
  },
  {
    name: "rafting, bookable now (free seats, deadline), 20",
    as: null,
    sql: SEARCH_SQL("category => 'rafting', only_available => true"),
    params: [],
    graphql: { query: search('category: "rafting", onlyAvailable: true'), variables: {} },
    grpc: (c, md) => unary(c.listEvents, list({ category: "rafting", onlyAvailable: true }), md),
  },
  {
    name: "within 150 km, nearest first, 20",
    as: null,
    sql: SEARCH_SQL("near_latitude => 57.5, near_longitude => 59.0, radius_km => 150, sort => 'distance'"),
    params: [],
    graphql: { query: search("nearLatitude: 57.5, nearLongitude: 59.0, radiusKm: 150, sort: distance"), variables: {} },
    grpc: (c, md) => unary(c.listEvents, list({ nearLatitude: 57.5, nearLongitude: 59.0, radiusKm: 150, sort: EventSort.EVENT_SORT_DISTANCE }), md),
  },
  {
    name: "price 2000–8000, cheapest first, 20",
    as: null,
    sql: SEARCH_SQL("min_price => 2000, max_price => 8000, sort => 'price'"),
    params: [],
    graphql: { query: search('minPrice: "2000", maxPrice: "8000", sort: price'), variables: {} },
    grpc: (c, md) => unary(c.listEvents, list({ minPrice: "2000", maxPrice: "8000", sort: EventSort.EVENT_SORT_PRICE }), md),
  },
  {
    name: "kayaking, one week of local days, 20",
    as: null,
    sql: SEARCH_SQL(`category => 'kayaking', date_from => '${weekFrom}', date_to => '${weekTo}'`),
    params: [],
    graphql: { query: search(`category: "kayaking", dateFrom: "${weekFrom}", dateTo: "${weekTo}"`), variables: {} },
    grpc: (c, md) => unary(c.listEvents, list({ category: "kayaking", dateFrom: weekFrom, dateTo: weekTo }), md),
  },
  {
    name: "best rated first, 20",
    as: null,
    sql: SEARCH_SQL("sort => 'rating'"),
    params: [],
    graphql: { query: search("sort: rating"), variables: {} },
    grpc: (c, md) => unary(c.listEvents, list({ sort: EventSort.EVENT_SORT_RATING }), md),
  },
  {
    name: `keyset page ${DEPTH} events deep, 20`,
    as: null,
    sql: SEARCH_SQL("after_event_id => $1"),
    params: [deepCursor],
    graphql: { query: search("afterEventId: $a"), variables: { a: deepCursor } },
    grpc: (c, md) => unary(c.listEvents, list({ pageToken: Buffer.from(`k:${deepCursor}`).toString("base64url") }), md),
  },
  {
    name: "page of 50 upcoming with tiers and rating summary",
    as: null,
    // The fields the GraphQL document and ListEvents ask for (PAGE_FIELDS): free
    // seats of the event and of each tier included, they are most of the work.
    sql: `with page as (select * from app_public.search_events() limit 50)
          select p.id, p.title, p.starts_at, p.starts_at_local, p.time_zone,
                 app_public.event_seats_available(p) as seats_available, app_public.event_min_price(p) as min_price,
                 to_jsonb(app_public.event_rating_summary(p)) as rating,
                 (select jsonb_agg(jsonb_build_object('name', t.name, 'price', t.price,
                                   'seats_available', app_public.event_price_tier_seats_available(t)) order by t.sort_order)
                  from app_public.event_price_tier t where t.event_id = p.id) as tiers
          from page p`,
    params: [],
    graphql: { query: search("", PAGE_FIELDS, 50), variables: {} },
    grpc: (c, md) => unary(c.listEvents, list({ pageSize: 50 }), md),
  },
  {
    name: "event page: event, tiers, rating summary",
    as: null,
    sql: `select e.*, app_public.event_seats_available(e) as seats_available, app_public.event_min_price(e) as min_price,
                 to_jsonb(app_public.event_rating_summary(e)) as rating,
                 (select jsonb_agg(jsonb_build_object('name', t.name, 'price', t.price,
                                   'seats_available', app_public.event_price_tier_seats_available(t)) order by t.sort_order)
                  from app_public.event_price_tier t where t.event_id = e.id) as tiers
          from app_public.event e where e.id = $1`,
    params: [popularEvent],
    graphql: {
      query: `query($a: UUID!) { eventByRowId(rowId: $a) { ${PAGE_FIELDS} description locationName } }`,
      variables: { a: popularEvent },
    },
    grpc: (c, md) => unary(c.getEvent, { id: popularEvent }, md),
  },
  {
    name: "my bookings, newest first, 20",
    as: member,
    sql: `select b.* from app_public.booking b where b.user_id = app_public.current_user_id()
          order by b.created_at desc, b.id desc limit 20`,
    params: [],
    graphql: {
      query: `query($a: UUID) { allBookings(condition: { userId: $a }, orderBy: CREATED_AT_DESC, first: 20) { nodes { rowId status totalAmount } } }`,
      variables: { a: busyUser },
    },
    grpc: (c, md) => unary(c.listBookings, { pageSize: 20, pageToken: "", statuses: [] } as never, md),
  },
  {
    // Seats taken per event from the seat counters (one row read per event),
    // not the bookings counted per request. In SQL the organizer is the caller
    // (current_user_id(), an expression the planner cannot fold); the API
    // passes the id.
    name: "organizer dashboard: seats taken per upcoming event, 20",
    as: organizer,
    sql: `select e.id, e.title, e.starts_at, app_public.event_seats_taken(e) as seats_taken,
                 app_public.event_seats_available(e) as seats_available
          from app_public.search_events(organizer_id => app_public.current_user_id(), statuses => '{draft,published}') e
          limit 20`,
    params: [],
    graphql: {
      query: `query($o: UUID) { searchEvents(organizerId: $o, statuses: [draft, published], first: 20) { nodes { rowId title startsAt seatsTaken seatsAvailable } } }`,
      variables: { o: busyOrganizer },
    },
    grpc: (c, md) =>
      unary(c.listEvents, list({ organizerId: busyOrganizer, statuses: [EventStatus.EVENT_STATUS_DRAFT, EventStatus.EVENT_STATUS_PUBLISHED] }), md),
  },
];

// --- 4. measure ------------------------------------------------------------------
interface Row {
  name: string;
  sql: { p50: number; p95: number; p99: number };
  graphql?: { p50: number; p95: number; p99: number };
  grpc?: { p50: number; p95: number; p99: number };
  plan: string[];
  seqOnBig: string[];
  load: number;
  notes: string[];
}
const rows: Row[] = [];
const sqlClient = await sqlPool.connect();
const only = typeof args.only === "string" ? new RegExp(args.only, "i") : undefined;
for (const q of queries.filter((query) => !only || only.test(query.name))) {
  log(`${q.name}…`);
  const explained = await asCaller<{ "QUERY PLAN": [{ Plan: Record<string, unknown> }] }>(
    sqlClient, q.as, `explain (format json) ${q.sql}`, q.params,
  );
  const plan = scans(explained[0]!["QUERY PLAN"][0].Plan);
  const sqlTimes = await measure(SAMPLES, () => asCaller(sqlClient, q.as, q.sql, q.params));
  const token = await tokenFor(q.as);
  const notes: string[] = [];
  // A transport that fails is reported as such, not allowed to stop the run.
  const attempt = async (label: string, op: (() => Promise<unknown>) | undefined) => {
    if (!op) return undefined;
    try {
      return await measure(SAMPLES, op);
    } catch (error) {
      notes.push(`${label} failed: ${(error as Error).message.slice(0, 120)}`);
      return undefined;
    }
  };
  const graphqlTimes = await attempt("GraphQL", q.graphql && (() => graphql(q.graphql!.query, q.graphql!.variables, token)));
  const md = new grpc.Metadata();
  if (token) md.set("authorization", `Bearer ${token}`);
  const grpcTimes = await attempt("gRPC", q.grpc && (() => q.grpc!(client, md)));
  if (notes.length) log(notes.join("; "));
  rows.push({ name: q.name, sql: sqlTimes, graphql: graphqlTimes, grpc: grpcTimes, plan: [...new Set(plan.scans)], seqOnBig: plan.seqOnBig, load: loadavg()[0]!, notes });
}
sqlClient.release();

// --- 5. report and clean up -------------------------------------------------------
const { rows: version } = await owner.query("select split_part(version(), ',', 1) as v");
const { rows: counts } = await owner.query(
  `select (select count(*) from app_public.event) as events, (select count(*) from app_public.event_price_tier) as tiers,
          (select count(*) from app_public.booking) as bookings, (select count(*) from app_public.payment) as payments,
          (select count(*) from app_public.review) as reviews`,
);
client.close();
await grpcServer.close(1000);
await http.close();
await Promise.all([apiPool.end(), sqlPool.end(), owner.end()]);
if (!args.keep) {
  const root = new pg.Client({ connectionString: server.rootUrl });
  await root.connect();
  await root.query(`drop database if exists ${pg.escapeIdentifier(DB)} with (force)`);
  await root.query(`drop database if exists ${pg.escapeIdentifier(`${DB}_shadow`)} with (force)`);
  await root.end();
  log(`dropped ${DB}`);
} else {
  log(`kept ${DB} (drop it with: dropdb ${DB})`);
}
await server.embedded?.stop();

const f = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? "–" : n.toFixed(1));
const ratio = (r: Row) => (r.graphql ? `${(r.graphql.p95 / r.sql.p95).toFixed(1)}×` : "–");
const c = counts[0];
console.log(`\n### Catalog at scale (npm run bench -- --scale), ${new Date().toISOString().slice(0, 16)}Z\n`);
console.log(`${version[0].v}; ${c.events} events, ${c.tiers} tiers, ${c.bookings} bookings, ${c.payments} payments, ${c.reviews} reviews; ${SAMPLES} sequential samples per query and transport after 5 warm-ups.\n`);
if (loadSteps.length) console.log(`Load: ${loadSteps.map(([s, t]) => `${s} ${t.toFixed(1)} s`).join("; ")}.\n`);
console.log("| query | SQL p50 / p95 / p99 ms | GraphQL p50 / p95 / p99 ms | GraphQL p95 ÷ SQL p95 | gRPC p50 / p95 / p99 ms | load avg | scans (raw SQL plan) |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  const t = (m?: { p50: number; p95: number; p99: number }) => (m ? `${f(m.p50)} / ${f(m.p95)} / ${f(m.p99)}` : "–");
  const plan = r.plan.join(", ") + (r.seqOnBig.length ? ` **SEQ SCAN on ${r.seqOnBig.join(", ")}**` : "") + (r.notes.length ? ` (${r.notes.join("; ")})` : "");
  console.log(`| ${r.name} | ${t(r.sql)} | ${t(r.graphql)} | ${ratio(r)} | ${t(r.grpc)} | ${r.load.toFixed(2)} | ${plan} |`);
}
const failedSql = rows.filter((r) => r.sql.p95 > 50).map((r) => r.name);
const failedRatio = rows.filter((r) => r.graphql && r.graphql.p95 > 3 * r.sql.p95).map((r) => r.name);
const seq = rows.filter((r) => r.seqOnBig.length).map((r) => r.name);
console.log(`\nTargets: raw SQL p95 ≤ 50 ms — ${failedSql.length ? `missed by: ${failedSql.join("; ")}` : "met by every query"}; GraphQL p95 ≤ 3× raw — ${failedRatio.length ? `missed by: ${failedRatio.join("; ")}` : "met"}; no sequential scan of a big table — ${seq.length ? `seen in: ${seq.join("; ")}` : "none seen"}${loadSteps.length ? `; data load < 5 min — ${loadSteps.at(-1)![1] < 300 ? "met" : "missed"} (${loadSteps.at(-1)![1].toFixed(0)} s)` : ""}.`);
