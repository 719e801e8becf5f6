/*
 * Logical backup and restore of the whole application database with
 * PostgreSQL's own pg_dump / pg_restore (`npm run db:backup`, `db:restore`,
 * docs/backups.md).
 *
 * Why these choices:
 * - pg_dump takes one snapshot (REPEATABLE READ), so a backup taken while
 *   people book holds every transaction committed before it started, whole,
 *   and nothing of any later one: a booking, its seat counters, its audit row
 *   and its outbox rows come back together or not at all.
 * - The custom format (-Fc) is compressed and lets pg_restore run the
 *   restore in one transaction: a failed restore leaves an empty database,
 *   never half of one.
 * - --no-owner: objects belong to whoever restores (the owner role of the
 *   target deployment, whatever its name); the caller roles (anonymous,
 *   member, authenticator) are fixed names created by db/afterReset.sql, so
 *   their grants and RLS policies are restored as they were.
 * - After the restore the committed migrations run, so a backup of an older
 *   release restores into a newer one.
 */
import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { promisify } from "node:util";
import pg from "pg";
import { bootstrap, migrateDatabase, type DatabaseUrls } from "./migrations.ts";

const exec = promisify(execFile);

/** A refusal the CLI prints as it is (exit code 2): the operator's input or environment is wrong. */
export class BackupError extends Error {}

/** PG_BIN_DIR, when set, is where pg_dump/pg_restore are taken from (else PATH). */
function tool(name: "pg_dump" | "pg_restore"): string {
  const dir = process.env.PG_BIN_DIR;
  return dir ? `${dir.replace(/\/$/, "")}/${name}` : name;
}

async function toolMajor(name: "pg_dump" | "pg_restore"): Promise<number> {
  try {
    const { stdout } = await exec(tool(name), ["--version"]);
    const match = /(\d+)(?:\.\d+)?/.exec(stdout.replace(/^[^0-9]*/, ""));
    return Number(match?.[1] ?? 0);
  } catch {
    throw new BackupError(
      `${name} not found: install the PostgreSQL client tools of the server's major version or newer ` +
        `(Debian: apt-get install postgresql-client), or set PG_BIN_DIR`,
    );
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function serverMajor(url: string): Promise<number> {
  return withClient(url, async (c) => Number((await c.query("show server_version_num")).rows[0].server_version_num) / 10000)
    .then(Math.floor);
}

/** pg_dump refuses servers newer than itself; say so before it does, with what to do. */
async function checkToolVersion(name: "pg_dump" | "pg_restore", url: string): Promise<void> {
  const [toolVersion, server] = await Promise.all([toolMajor(name), serverMajor(url)]);
  if (toolVersion < server) {
    throw new BackupError(
      `${name} ${toolVersion} cannot work with PostgreSQL ${server}: use ${name} ${server} or newer (set PG_BIN_DIR)`,
    );
  }
}

export interface BackupResult {
  file: string;
  bytes: number;
  /** When the dump's snapshot was taken (server clock, ISO): everything committed before it is in the file. */
  startedAt: string;
}

/** Dumps the database at `databaseUrl` (the owner's connection) into `file` (custom format). */
export async function backupDatabase(databaseUrl: string, file: string): Promise<BackupResult> {
  await checkToolVersion("pg_dump", databaseUrl);
  const startedAt = await withClient(databaseUrl, async (c) => (await c.query("select now() as t")).rows[0].t as Date);
  await exec(tool("pg_dump"), ["--format=custom", "--no-owner", `--file=${file}`, `--dbname=${databaseUrl}`], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return { file, bytes: statSync(file).size, startedAt: startedAt.toISOString() };
}

/** True when the database has none of the application's schemas (a restore target must be empty). */
async function isEmpty(databaseUrl: string): Promise<boolean> {
  return withClient(databaseUrl, async (c) => {
    const { rows } = await c.query(
      "select count(*)::int as n from pg_namespace where nspname in ('app_public', 'app_private', 'app_hidden', 'graphile_worker')",
    );
    return rows[0].n === 0;
  });
}

/**
 * Restores `file` into the (existing, empty) database of `urls.databaseUrl`,
 * in one transaction, then applies newer committed migrations. With
 * `urls.rootUrl` the roles and extensions are bootstrapped first (as start-up does).
 */
export async function restoreDatabase(urls: DatabaseUrls, file: string): Promise<void> {
  try {
    statSync(file);
  } catch {
    throw new BackupError(`backup file not found: ${file}`);
  }
  if (!(await isEmpty(urls.databaseUrl))) {
    throw new BackupError(
      "the target database is not empty: restore into a new database (create it, point DATABASE_URL at it) and switch over after the checks",
    );
  }
  await checkToolVersion("pg_restore", urls.databaseUrl);
  // Roles and extensions (cluster-wide, superuser): the dump brings everything else.
  if (urls.rootUrl) await bootstrap(urls);
  await exec(
    tool("pg_restore"),
    ["--no-owner", "--exit-on-error", "--single-transaction", `--dbname=${urls.databaseUrl}`, file],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  // graphile-worker's and our own newer migrations, if the backup is older than this release.
  await migrateDatabase({ databaseUrl: urls.databaseUrl, rootUrl: urls.rootUrl });
  await releaseDumpedLocks(urls.databaseUrl);
}

/**
 * Jobs and queues that workers held when the dump was taken come back locked
 * by workers that will never run against this database. Nothing runs against
 * a database being restored, so every lock in it is such a lock: release
 * them all now instead of waiting for graphile-worker's lock timeout.
 */
async function releaseDumpedLocks(databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, (c) =>
    c.query(`
      select graphile_worker.force_unlock_workers(array(
        select locked_by from graphile_worker._private_jobs where locked_by is not null
        union
        select locked_by from graphile_worker._private_job_queues where locked_by is not null))`),
  );
}

export interface IntegrityFinding {
  check: string;
  detail: string;
}

/**
 * What must hold in any database the service wrote, restored or not; each
 * query returns the rows that break its rule. Run after every restore (the
 * CLI does) and by the restore drill test.
 */
export const integrityChecks: Record<string, string> = {
  "seat and promo counters equal the live bookings": `
    select counter || ' ' || id || ': counted ' || counted || ', bookings say ' || actual as detail
    from app_private.seat_drift where counted <> actual`,
  "every confirmed booking has a completed payment": `
    select 'booking ' || b.id as detail from app_public.booking b
    where b.status = 'confirmed'
      and not exists (select from app_public.payment p
                      where p.booking_id = b.id and p.status in ('completed', 'refunded', 'partially_refunded'))`,
};

export async function checkIntegrity(databaseUrl: string): Promise<IntegrityFinding[]> {
  return withClient(databaseUrl, async (c) => {
    const findings: IntegrityFinding[] = [];
    for (const [check, sql] of Object.entries(integrityChecks)) {
      const { rows } = await c.query(sql);
      for (const row of rows.slice(0, 20)) findings.push({ check, detail: row.detail as string });
    }
    return findings;
  });
}
