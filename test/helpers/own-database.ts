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
  // One reset at a time across the test workers: two resets running
  // afterReset.sql's GRANTs on the same roles at once fail with "tuple
  // concurrently updated".
  const lock = new pg.Client({ connectionString: root, application_name: "own-database-lock" });
  await lock.connect();
  try {
    await lock.query("select pg_advisory_lock(hashtext('aquastream own test database reset'))");
    await resetDatabase({ databaseUrl, rootUrl: root, shadowUrl: withDb(`${name}_shadow`) });
    releaseMigrationPools();
  } finally {
    await lock.end(); // the session's lock goes with it
  }
  return databaseUrl;
}
