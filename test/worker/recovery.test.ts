/*
 * Faults inflicted on real worker processes (`src/main.ts worker`), a real
 * Kafka broker (scripts/kafka.sh on a port of this file's own) and real
 * PostgreSQL (#16 items 1, 2, 5 — the worker side):
 *
 *   - kill -9 of the worker in the middle of relaying a backlog: the relay's
 *     lock dies with its session, a restarted worker drains the rest, every
 *     row reaches Kafka in order per key, duplicates only within the
 *     documented window (the batches acknowledged but not yet marked);
 *   - kill -9 of the worker in the middle of a crew call: the crew job and
 *     the `crew` queue it locked are released by the restarted worker and the
 *     event gets its crew;
 *   - PostgreSQL (a cluster of this file's own) stopped fast and immediately
 *     under load while the worker runs: the worker stays up, starts a new
 *     runner and relay session when the database is back, and everything
 *     committed is delivered;
 *   - `npm start` (all in one process): every backend of the process
 *     terminated; its worker part recovers in-process the same way (the
 *     same supervisor), without the API or the process restarting.
 *
 * Waits are bounded liveness limits, not timing assertions.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCrewStub, type CrewStub } from "../../src/crew/stub-server.ts";
import { startEmbeddedPostgres, type EmbeddedCluster } from "../../src/db/embedded.ts";
import { releaseMigrationPools, resetDatabase } from "../../src/db/migrations.ts";
import { RELAY_LOCK_KEY } from "../../src/outbox/relay.ts";
import { createPublishedEvent, newUser } from "../db/factories.ts";
import { eventually } from "../helpers/eventually.ts";
import { createOwnDatabase } from "../helpers/own-database.ts";
import { consumeUntil, createTopics, KAFKA_TEST_PORT, kafkaScript, type Received } from "../kafka/helpers.ts";
import { startApiProcess } from "../ops/service-process.ts";
import { startWorkerProcess, type WorkerProcess } from "./worker-process.ts";

// A broker of this file's own (the relay tests reset theirs), and a cluster
// of its own for the restart test.
const KAFKA_PORT = KAFKA_TEST_PORT + 4;
const BROKER = `127.0.0.1:${KAFKA_PORT}`;
const TOPIC = "aquastream.booking";
const BATCH = 500;
const PG_PORT = Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329) + 1;

let pool: pg.Pool;
let databaseUrl: string;
let stub: CrewStub;
const workers: WorkerProcess[] = [];

function worker(env: Record<string, string> = {}, url = databaseUrl): Promise<WorkerProcess> {
  return startWorkerProcess({
    DATABASE_URL: url,
    KAFKA_BROKERS: BROKER,
    KAFKA_CLIENT_ID: "aquastream-recovery-test",
    OUTBOX_BATCH_SIZE: String(BATCH),
    CREW_SERVICE_ADDRESS: `127.0.0.1:${stub.port}`,
    CREW_SERVICE_TOKEN: "crew-client-token",
    ...env,
  }).then((w) => {
    workers.push(w);
    return w;
  });
}

beforeAll(async () => {
  await kafkaScript("reset", KAFKA_PORT);
  [, databaseUrl] = await Promise.all([kafkaScript("start", KAFKA_PORT), createOwnDatabase("recovery")]);
  pool = new pg.Pool({ connectionString: databaseUrl, max: 6 });
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  stub = await startCrewStub({ crewCount: 3 });
  await createTopics([TOPIC, "aquastream.event", "aquastream.crew"], BROKER);
}, 240_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill9()));
  await stub?.close();
  await pool?.end();
  await kafkaScript("stop", KAFKA_PORT);
}, 60_000);

async function count(p: pg.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await p.query<{ n: number }>(sql, params);
  return rows[0]!.n;
}

/** Writes `n` outbox rows for `keys` aggregates in one statement, in position order; returns them. */
async function writeBacklog(p: pg.Pool, n: number, keys: string[]): Promise<{ id: string; aggregate_id: string }[]> {
  const { rows } = await p.query<{ id: string; aggregate_id: string }>(
    `insert into app_private.outbox (aggregate_type, aggregate_id, event_type, data)
     select 'booking', ($2::uuid[])[g % array_length($2::uuid[], 1) + 1], 'BookingCreated', jsonb_build_object('n', g)
     from generate_series(1, $1::int) g
     order by g
     returning id, aggregate_id`,
    [n, keys],
  );
  return rows;
}

const relayLockHolders = (p: pg.Pool) =>
  count(
    p,
    `select count(*)::int as n from pg_locks
     where locktype = 'advisory' and granted and objsubid = 1
       and ((classid::bigint << 32) | objid::bigint) = $1`,
    [RELAY_LOCK_KEY],
  );

/** Checks every row arrived, first copies in position order per key; returns how many came twice. */
function checkDelivery(received: Received[], rows: { id: string; aggregate_id: string }[]): number {
  const wanted = new Set(rows.map((r) => r.id));
  const ours = received.filter((m) => wanted.has(m.headers.id!));
  const firstSeen = new Set<string>();
  const byKey = new Map<string, string[]>();
  let duplicates = 0;
  for (const m of ours) {
    if (firstSeen.has(m.headers.id!)) {
      duplicates++;
      continue;
    }
    firstSeen.add(m.headers.id!);
    byKey.set(m.key, [...(byKey.get(m.key) ?? []), m.headers.id!]);
  }
  expect(firstSeen.size).toBe(rows.length); // every row delivered
  for (const [key, ids] of byKey) {
    expect(ids, `order of ${key}`).toEqual(rows.filter((r) => r.aggregate_id === key).map((r) => r.id));
  }
  return duplicates;
}

describe("kill -9 of a worker", () => {
  it("in the middle of relaying: the lock goes with it, a restarted worker drains the rest, every row delivered in order", async () => {
    const keys = Array.from({ length: 200 }, () => randomUUID());
    const rows = await writeBacklog(pool, 60_000, keys);
    const first = await worker();
    // Mid-relay: some batches marked, many still waiting.
    await eventually(async () => {
      const published = await count(pool, "select count(*)::int as n from app_private.outbox where published_at is not null");
      return published >= BATCH && published < rows.length - 10 * BATCH;
    }, "the relay to be half-way", { tries: 6_000, intervalMs: 10 });
    expect(await relayLockHolders(pool)).toBe(1);
    await first.kill9();

    // No lock outlives its owner: the session is gone, and with it the lock.
    await eventually(async () => (await relayLockHolders(pool)) === 0, "the relay lock to be released");
    const waiting = await count(pool, "select count(*)::int as n from app_private.outbox where published_at is null");
    expect(waiting).toBeGreaterThan(0);

    const second = await worker();
    await eventually(
      async () => (await count(pool, "select count(*)::int as n from app_private.outbox where published_at is null")) === 0,
      "the restarted worker to drain the outbox",
      { tries: 600, intervalMs: 100 }, // a minute
    );
    await second.stop();

    const received = await consumeUntil([TOPIC], rows.map((r) => r.id), 180_000, 1, BROKER);
    const duplicates = checkDelivery(received, rows);
    // At least once: only the batches acknowledged by Kafka and not yet marked
    // when the process died are sent again (at most two, docs/kafka.md).
    expect(duplicates).toBeLessThanOrEqual(2 * BATCH);
  }, 420_000);

  it("in the middle of a crew call: the job and the crew queue are released and the event gets its crew", async () => {
    // The crew service answers slowly, so the worker is killed inside the call.
    stub.behaviour.delayMs = 200_000;
    const first = await worker({ CREW_DEADLINE_MS: "120000" });
    const organizer = newUser("organizer");
    const client = await pool.connect();
    let eventId: string;
    try {
      await client.query("begin");
      eventId = (await createPublishedEvent(client, organizer, { crewRequired: true, title: "Killed mid-call" })).id as string;
      await client.query("commit");
    } finally {
      client.release();
    }
    await eventually(async () => stub.calls.some((c) => c.method === "AssignCrew" && c.eventId === eventId), "the crew call to start");
    const { rows: locked } = await pool.query(
      `select j.locked_by, q.locked_by as queue_locked_by
       from graphile_worker._private_jobs j
       join graphile_worker._private_tasks t on t.id = j.task_id
       join graphile_worker._private_job_queues q on q.id = j.job_queue_id
       where t.identifier = 'assign_crew' and j.payload->>'eventId' = $1`,
      [eventId!],
    );
    expect(locked).toHaveLength(1);
    const deadRunner = locked[0]!.locked_by as string;
    expect(deadRunner).toBeTruthy();
    expect(locked[0]!.queue_locked_by).toBe(deadRunner); // the whole crew queue waits on it
    await first.kill9();
    stub.behaviour.delayMs = 0;

    const second = await worker();
    // The restarted worker releases the dead runner's job and queue…
    const released = await second.logLine(
      (l) => Array.isArray(l.workers) && (l.workers as string[]).includes(deadRunner),
      "the dead runner's locks to be released",
    );
    expect(released.msg).toBe("released the jobs and queues of workers that are gone");
    // …and runs the job again: the event gets its crew.
    await eventually(async () => {
      const { rows } = await pool.query("select crew_status from app_public.event where id = $1", [eventId!]);
      return rows[0]?.crew_status === "assigned";
    }, "the event to get its crew", { tries: 900, intervalMs: 100 });
    expect(await count(pool, "select count(*)::int as n from graphile_worker._private_job_queues where locked_by = $1", [deadRunner])).toBe(0);
    expect(await second.stop()).toBe(0);
  }, 240_000);
});

describe("PostgreSQL stopped and started under a running worker", () => {
  let cluster: EmbeddedCluster | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    await cluster?.stop().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("fast and immediate: the worker stays up, resumes by itself, and every committed row is delivered", async () => {
    dataDir = mkdtempSync(join(tmpdir(), "aquastream-pg-restart-"));
    cluster = await startEmbeddedPostgres(dataDir, PG_PORT);
    const url = cluster.url("aq_restart");
    await resetDatabase({ databaseUrl: url, rootUrl: cluster.rootUrl, shadowUrl: cluster.url("aq_restart_shadow") });
    releaseMigrationPools();
    const own = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 2_000 });
    own.on("error", () => {});
    own.on("connect", (client) => client.on("error", () => {}));

    const w = await worker({}, url);
    const keys = Array.from({ length: 20 }, () => randomUUID());
    // Load: outbox rows and worker jobs, written all along, failing while the database is away.
    let loading = true;
    let failures = 0;
    const load = (async () => {
      for (let i = 0; loading; i++) {
        try {
          await writeBacklog(own, 5, keys);
          if (i % 20 === 0) await own.query("select graphile_worker.add_job('complete_ended_events')");
        } catch {
          failures++;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const published = () => count(own, "select count(*)::int as n from app_private.outbox where published_at is not null");

    try {
      for (const mode of ["fast", "immediate"] as const) {
        const before = await published();
        await eventually(async () => (await published()) > before, `rows to be relayed before the ${mode} stop`);
        const logsBefore = w.logLines().length;
        const failuresBefore = failures;
        await cluster.stop(mode);
        await eventually(async () => failures > failuresBefore + 5, "the load to notice the outage");
        await cluster.start();
        // The same process starts a new runner and a new relay session.
        await w.logLine((l) => l.msg === "worker runner started", `a new runner after the ${mode} restart`, logsBefore);
        await w.logLine((l) => l.msg === "this worker is the outbox relay now", `the relay back after the ${mode} restart`, logsBefore);
        const after = await published();
        await eventually(async () => (await published()) > after, `rows relayed after the ${mode} restart`, { tries: 1_200 });
        expect(w.child.exitCode).toBeNull();
        expect(w.child.signalCode).toBeNull();
      }
    } finally {
      loading = false;
      await load;
    }

    // Everything committed is sent and every job run, by the same process.
    await eventually(
      async () =>
        (await count(own, "select count(*)::int as n from app_private.outbox where published_at is null")) === 0 &&
        (await count(own, "select count(*)::int as n from graphile_worker.jobs where task_identifier = 'complete_ended_events'")) === 0,
      "the outbox and the job queue to empty",
      { tries: 1_200, intervalMs: 100 },
    );
    const { rows } = await own.query<{ id: string; aggregate_id: string }>(
      "select id, aggregate_id from app_private.outbox order by position",
    );
    const received = await consumeUntil([TOPIC], rows.map((r) => r.id), 180_000, 1, BROKER);
    checkDelivery(received, rows);
    expect(await w.stop()).toBe(0);
    await own.end();
  }, 420_000);
});

describe("npm start (all in one process)", () => {
  it("recovers its worker part in-process when its database sessions are terminated", async () => {
    const service = await startApiProcess(40_000 + (process.pid % 10_000), {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: BROKER,
      KAFKA_CLIENT_ID: "aquastream-recovery-test",
      CREW_SERVICE_ADDRESS: `127.0.0.1:${stub.port}`,
      CREW_SERVICE_TOKEN: "crew-client-token",
    }, "all");
    try {
      const logs = () => service.logLines();
      const seen = (msg: string, skip: number) => logs().slice(skip).some((l) => l.msg === msg);
      await eventually(async () => seen("this worker is the outbox relay now", 0), "the relay to start", { tries: 1_200, intervalMs: 100 });
      const before = logs().length;
      // Every session of the process: the API's pool, the runner's pool, its control and relay connections.
      const { rows: terminated } = await pool.query(
        `select pg_terminate_backend(pid) as ok from pg_stat_activity
         where datname = current_database() and application_name like 'aquastream-event%' and pid <> pg_backend_pid()`,
      );
      expect(terminated.length).toBeGreaterThan(2);
      await eventually(async () => seen("worker runner started", before), "a new runner", { tries: 1_200, intervalMs: 100 });
      await eventually(async () => seen("this worker is the outbox relay now", before), "the relay back", { tries: 1_200, intervalMs: 100 });

      // Both work again: a new row is relayed and a new job runs.
      const rows = await writeBacklog(pool, 10, [randomUUID()]);
      await pool.query("select graphile_worker.add_job('complete_ended_events')");
      await eventually(
        async () =>
          (await count(pool, "select count(*)::int as n from app_private.outbox where id = any($1::uuid[]) and published_at is null", [
            rows.map((r) => r.id),
          ])) === 0 &&
          (await count(pool, "select count(*)::int as n from graphile_worker.jobs where task_identifier = 'complete_ended_events'")) === 0,
        "the row relayed and the job run",
        { tries: 1_200, intervalMs: 100 },
      );
      // The same process all along, still serving.
      expect(seen("stopped", 0)).toBe(false);
      expect((await fetch(`${service.apiUrl}/healthz`)).status).toBe(200);
    } finally {
      await service.stop();
    }
  }, 240_000);
});
