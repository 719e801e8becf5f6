/*
 * Database set-up for every entry point (start-up, `npm run db:*`, tests):
 *
 *   bootstrap  db/afterReset.sql — roles, extensions, grants. Idempotent, so it
 *              runs on every migrate when a superuser connection is known
 *              (embedded default, ROOT_DATABASE_URL); otherwise the DBA runs
 *              `npm run db:bootstrap` once.
 *   worker     graphile-worker's own schema (our SQL functions call add_job).
 *   migrate    graphile-migrate: committed migrations, in order, hash-checked.
 *
 * Settings are .gmrc plus the connection strings of this run.
 */
import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";
import { resolve } from "node:path";
import JSON5 from "json5";
import { migrate, reset, run, watch, commit, type Settings } from "graphile-migrate";
import { runMigrations as runWorkerMigrations } from "graphile-worker";
import { gmrcPath } from "./roles.ts";
// graphile-migrate keeps its pools alive for 200 ms after use; closing them
// before we stop an embedded server avoids its "terminating connection" exit.
import { clearAllPools } from "graphile-migrate/dist/pgReal.js";

export function releaseMigrationPools(): void {
  clearAllPools();
}

export interface DatabaseUrls {
  /** The owner's connection to the application database. */
  databaseUrl: string;
  /** A superuser connection to another database on the same server (template1, postgres). */
  rootUrl?: string | undefined;
  /** Scratch database used by `db:commit` to prove a migration applies from nothing. */
  shadowUrl?: string | undefined;
}

export const projectRoot = resolve(gmrcPath, "..");

export function migrateSettings(urls: DatabaseUrls): Settings {
  const gmrc = JSON5.parse(readFileSync(gmrcPath, "utf8")) as Settings;
  return {
    ...gmrc,
    migrationsFolder: resolve(projectRoot, gmrc.migrationsFolder ?? "./db/migrations"),
    connectionString: urls.databaseUrl,
    rootConnectionString: urls.rootUrl,
    shadowConnectionString: urls.shadowUrl,
  };
}

/**
 * One bootstrap at a time per server: afterReset.sql's GRANTs and ALTER ROLE
 * settings touch cluster-wide catalog rows, and two runs at once (replicas
 * starting together, parallel test files, a reset beside a migrate) fail
 * with "tuple concurrently updated". The advisory lock is taken in the root
 * database when there is one (shared by every bootstrap of the server), else
 * in the application database, and goes with its session.
 */
async function oneBootstrapAtATime<T>(urls: DatabaseUrls, fn: () => Promise<T>): Promise<T> {
  const lock = new pg.Client({ connectionString: urls.rootUrl ?? urls.databaseUrl, application_name: "aquastream-event:bootstrap" });
  await lock.connect();
  try {
    await lock.query("select pg_advisory_lock(hashtext('aquastream-event bootstrap'))");
    return await fn();
  } finally {
    await lock.end().catch(() => {});
  }
}

/** Runs db/afterReset.sql (idempotent) as the superuser against the application database. */
export async function bootstrap(urls: DatabaseUrls): Promise<void> {
  const sql = readFileSync(resolve(projectRoot, "db/afterReset.sql"), "utf8");
  await oneBootstrapAtATime(urls, () => run(migrateSettings(urls), sql, "afterReset.sql", { root: Boolean(urls.rootUrl) }));
}

export async function installWorkerSchema(databaseUrl: string): Promise<void> {
  await runWorkerMigrations({ connectionString: databaseUrl, logger: quietWorkerLogger });
}

/** Brings the database to the latest committed migration. */
export async function migrateDatabase(urls: DatabaseUrls): Promise<void> {
  if (urls.rootUrl) await bootstrap(urls);
  await installWorkerSchema(urls.databaseUrl);
  await migrate(migrateSettings(urls));
}

/** Drops and recreates the database, then applies committed and (optionally) current migrations. */
export async function resetDatabase(urls: DatabaseUrls, { withCurrent = true } = {}): Promise<void> {
  // graphile-migrate's reset runs afterReset.sql itself.
  await oneBootstrapAtATime(urls, () => reset(migrateSettings(urls)));
  if (withCurrent) await watch(migrateSettings(urls), true);
}

export async function applyCurrent(urls: DatabaseUrls): Promise<void> {
  await watch(migrateSettings(urls), true);
}

export async function commitCurrent(urls: DatabaseUrls, message?: string): Promise<void> {
  await commit(migrateSettings(urls), message);
}

/**
 * Committed migrations not yet applied (readiness: the schema must be current).
 * Read directly: graphile-migrate's `status` insists on a shadow database.
 */
export async function pendingMigrations(db: Queryable, { asApi = false } = {}): Promise<string[]> {
  const committed = readdirSync(resolve(projectRoot, "db/migrations/committed"))
    .filter((name) => name.endsWith(".sql"))
    .sort();
  // The API's login (the authenticator) may not read graphile-migrate's
  // table; it calls app_private.applied_migrations() (owner's rights, file
  // names only) instead, so the API process needs no owner connection.
  const table = "select filename from graphile_migrate.migrations";
  const { rows } = await db
    .query<{ filename: string }>(asApi ? "select filename from app_private.applied_migrations() as filename" : table)
    // 42883/3F000: a schema older than the function (or none at all): read
    // the table, which only an owner may (the authenticator then gets 42501:
    // not ready until the migrations have run).
    .catch((error: { code?: string }) => {
      if (asApi && (error.code === "42883" || error.code === "3F000")) return db.query<{ filename: string }>(table);
      throw error;
    })
    .catch((error: { code?: string }) => {
      // 42P01/3F000: never migrated at all, so everything is pending.
      if (error.code === "42P01" || error.code === "3F000") return { rows: [] as { filename: string }[] };
      throw error;
    });
  // graphile-migrate records "000001.sql" for "000001-some-message.sql".
  const applied = new Set(rows.map((row) => row.filename));
  return committed.filter((name) => !applied.has(name.replace(/^(\d+).*\.sql$/, "$1.sql")));
}

interface Queryable {
  query<R extends pg.QueryResultRow>(sql: string): Promise<{ rows: R[] }>;
}

import { Logger as WorkerLogger } from "graphile-worker";
const quietWorkerLogger = new WorkerLogger(() => () => {});
