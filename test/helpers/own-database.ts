/*
 * A database of a suite's own, built anew from the migrations, for suites
 * whose tests commit rows that other suites must not see: the Kafka relay
 * sends every waiting outbox row, and the Keycloak suite's demo users have
 * fixed ids that the db tests' row counts would otherwise include.
 */
import pg from "pg";
import { inject } from "vitest";
import { releaseMigrationPools, resetDatabase } from "../../src/db/migrations.ts";

/** Creates (anew) `<test database>_<suffix>` on the test server and returns its URL. */
export async function createOwnDatabase(suffix: string): Promise<string> {
  const base = new URL(inject("databaseUrl"));
  const root = inject("rootUrl");
  const name = `${base.pathname.slice(1)}_${suffix}`;
  const withDb = (db: string) => {
    const u = new URL(root);
    u.pathname = `/${db}`;
    return u.toString();
  };
  const databaseUrl = withDb(name);
  await withBootstrapLock(async () => {
    await resetDatabase({ databaseUrl, rootUrl: root, shadowUrl: withDb(`${name}_shadow`) });
    releaseMigrationPools();
  });
  return databaseUrl;
}

/**
 * Runs `fn` while no other test worker bootstraps a database: two runs of
 * afterReset.sql's GRANTs on the same (cluster-wide) roles at once fail with
 * "tuple concurrently updated". Anything that bootstraps (a reset, a
 * migrate or restore with a root URL) takes it. The lock lives in the root
 * database, shared by all, and goes with its session.
 */
export async function withBootstrapLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = new pg.Client({ connectionString: inject("rootUrl"), application_name: "own-database-lock" });
  await lock.connect();
  try {
    await lock.query("select pg_advisory_lock(hashtext('aquastream own test database reset'))");
    return await fn();
  } finally {
    await lock.end();
  }
}

/** Runs one statement as the superuser on the test server's root database (create/drop database). */
export async function execAsRoot(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject("rootUrl") });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
