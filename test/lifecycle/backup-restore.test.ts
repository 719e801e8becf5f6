/*
 * The restore drill, as an operator would run it on a bad day: a backup
 * (`npm run db:backup`'s code, the real pg_dump) taken while people are
 * booking and paying, restored into a new database (`npm run db:restore`'s
 * code, the real pg_restore), and the service started on it.
 *
 * What must hold: everything committed before the backup started is there;
 * nothing appears that was never committed; every transaction is whole or
 * absent (a booking with its counters, its payment, its audit and outbox
 * rows — never half); the integrity checks pass; the service starts on the
 * restored database and serves it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { backupDatabase, checkIntegrity, restoreDatabase } from "../../src/db/backup.ts";
import { releaseMigrationPools } from "../../src/db/migrations.ts";
import { withDatabase } from "../../src/db/local-server.ts";
import { createPublishedEvent, CREATE_BOOKING, firstTier, gateway, type Row } from "../db/factories.ts";
import { becomeUser, newUser, withCommittedTx, type TestUser } from "../helpers/db.ts";
import { createOwnDatabase, execAsRoot, withBootstrapLock } from "../helpers/own-database.ts";
import { startApiProcess, type ServiceProcess } from "../ops/service-process.ts";

const rootUrl = inject("rootUrl");
const dir = mkdtempSync(join(tmpdir(), "aquastream-backup-"));
const file = join(dir, "aquastream.dump");
let sourceUrl: string;
let targetUrl: string;
let source: pg.Pool;
let target: pg.Pool;
let service: ServiceProcess | undefined;

/** One committed transaction as `user` on the source database. */
function committed<T>(user: TestUser, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withCommittedTx(source, async (tx) => {
    await becomeUser(tx, user);
    return fn(tx);
  });
}

beforeAll(async () => {
  sourceUrl = await createOwnDatabase("backup_src");
  targetUrl = withDatabase(sourceUrl, `${new URL(sourceUrl).pathname.slice(1)}_restored`);
  await execAsRoot(`drop database if exists ${new URL(targetUrl).pathname.slice(1)} with (force)`);
  await execAsRoot(`create database ${new URL(targetUrl).pathname.slice(1)}`);
  source = new pg.Pool({ connectionString: sourceUrl, max: 10 });
  target = new pg.Pool({ connectionString: targetUrl, max: 2 });
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await source?.end();
  await target?.end();
  releaseMigrationPools();
  rmSync(dir, { recursive: true, force: true });
  await execAsRoot(`drop database if exists ${new URL(targetUrl).pathname.slice(1)} with (force)`);
});

describe("backup while booking, restore, start", () => {
  it("restores every transaction committed before the backup, whole, and the service serves it", async () => {
    const organizer = newUser("organizer");
    const events: { event: Row; tier: Row }[] = [];
    for (let i = 0; i < 4; i++) {
      events.push(
        await committed(organizer, async (tx) => {
          const event = await createPublishedEvent(tx, organizer, { title: `Restore drill ${i}`, capacity: 500 });
          return { event, tier: await firstTier(tx, event.id) };
        }),
      );
    }

    // Committed bookings, in the order their COMMIT returned, with that instant.
    const commits: { id: string; paid: boolean; at: number }[] = [];
    let stop = false;
    let n = 0;
    const loop = async () => {
      while (!stop) {
        const user = newUser("user");
        const { event, tier } = events[n++ % events.length]!;
        const pay = n % 2 === 0;
        const booking = await committed(user, async (tx) => (await tx.query(CREATE_BOOKING, [event.id, tier.id, 1, null])).rows[0]!);
        commits.push({ id: booking.id, paid: false, at: performance.now() });
        if (pay) {
          const payment = await committed(user, async (tx) => (await tx.query("select * from app_public.initiate_payment($1, 'card')", [booking.id])).rows[0]!);
          await committed(gateway, (tx) => tx.query("select * from app_public.confirm_payment($1, $2)", [`gw-${payment.id}`, payment.id]));
          commits.find((c) => c.id === booking.id)!.paid = true;
        }
      }
    };
    const loops = Array.from({ length: 6 }, loop);
    while (commits.length < 40) await new Promise((r) => setTimeout(r, 20));

    // A job a (now dead) worker held when the dump was taken.
    await source.query(`
      with job as (select id from graphile_worker.add_job('expire_bookings', '{}', queue_name => 'restore-drill'))
      update graphile_worker._private_jobs set locked_by = 'worker-of-the-old-database', locked_at = now()
       where id = (select id from job)`);
    await source.query(
      "update graphile_worker._private_job_queues set locked_by = 'worker-of-the-old-database', locked_at = now() where queue_name = 'restore-drill'",
    );

    // Everything whose commit returned before the dump began must be in it.
    const before = new Set(commits.map((c) => c.id));
    const paidBefore = new Set(commits.filter((c) => c.paid).map((c) => c.id));
    const dumpStarted = performance.now();
    const result = await backupDatabase(sourceUrl, file);
    const dumpEnded = performance.now();
    while (commits.filter((c) => c.at > dumpEnded).length < 20) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(loops);

    expect(result.bytes).toBeGreaterThan(10_000);
    // The load ran on across the backup (six writers never paused: pg_dump's snapshot was taken
    // with transactions in flight), and went on after it.
    expect(commits.filter((c) => c.at > dumpStarted).length).toBeGreaterThanOrEqual(20);
    const everCommitted = new Set(commits.map((c) => c.id));

    await withBootstrapLock(() => restoreDatabase({ databaseUrl: targetUrl, rootUrl }, file));
    releaseMigrationPools();

    const restored = (await target.query("select id, status from app_public.booking")).rows as { id: string; status: string }[];
    const restoredIds = new Set(restored.map((b) => b.id));
    // Nothing committed before the backup is missing; nothing appears that was never committed.
    expect([...before].filter((id) => !restoredIds.has(id))).toEqual([]);
    expect([...restoredIds].filter((id) => !everCommitted.has(id))).toEqual([]);
    // Payments confirmed before the backup are confirmed in it.
    const confirmed = new Set(restored.filter((b) => b.status === "confirmed").map((b) => b.id));
    expect([...paidBefore].filter((id) => !confirmed.has(id))).toEqual([]);

    // Whole or absent: every booking's announcement and audit row came with it, and no
    // outbox or audit row speaks of a booking or payment the backup does not hold.
    const { rows: halves } = await target.query(`
      select 'booking without BookingCreated' as what, b.id::text from app_public.booking b
       where not exists (select from app_private.outbox o where o.aggregate_id = b.id and o.event_type = 'BookingCreated')
      union all
      select 'confirmed booking without BookingConfirmed', b.id::text from app_public.booking b
       where b.status = 'confirmed'
         and not exists (select from app_private.outbox o where o.aggregate_id = b.id and o.event_type = 'BookingConfirmed')
      union all
      select 'outbox row without its booking', o.aggregate_id::text from app_private.outbox o
       where o.aggregate_type = 'booking' and not exists (select from app_public.booking b where b.id = o.aggregate_id)
      union all
      select 'booking without audit row', b.id::text from app_public.booking b
       where not exists (select from app_private.audit_log a where a.row_id = b.id::text)`);
    expect(halves).toEqual([]);
    expect(await checkIntegrity(targetUrl)).toEqual([]);
    // No job or queue is left locked by a worker of the old database.
    const { rows: locks } = await target.query(`
      select 'job ' || id as what from graphile_worker._private_jobs where locked_by is not null
      union all
      select 'queue ' || queue_name from graphile_worker._private_job_queues where locked_by is not null`);
    expect(locks).toEqual([]);
    const { rows: drillJobs } = await target.query(`
      select j.locked_by from graphile_worker._private_jobs j
      join graphile_worker._private_job_queues q on q.id = j.job_queue_id where q.queue_name = 'restore-drill'`);
    expect(drillJobs).toEqual([{ locked_by: null }]);

    // The restored database is ready for the service: migrations current, the catalog served.
    service = await startApiProcess(33000 + (process.pid % 12000) + 6, { DATABASE_URL: targetUrl, MIGRATE_ON_START: "true" });
    const ready = await fetch(`${service.apiUrl}/readyz`);
    expect(ready.status).toBe(200);
    const answer = await fetch(`${service.apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ searchEvents(query: "Restore drill", first: 10) { totalCount } }' }),
    });
    expect(((await answer.json()) as { data: { searchEvents: { totalCount: number } } }).data.searchEvents.totalCount).toBe(4);
  }, 180_000);

  it("refuses to restore over a database that holds data", async () => {
    await expect(restoreDatabase({ databaseUrl: sourceUrl, rootUrl }, file)).rejects.toThrow(/not empty/);
  });

  it("refuses a backup file that does not exist", async () => {
    await expect(withBootstrapLock(() => restoreDatabase({ databaseUrl: targetUrl, rootUrl }, join(dir, "missing.dump")))).rejects.toThrow(/not found/);
  });
});
