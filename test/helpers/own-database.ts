/*
 * A database of a suite's own, built anew from the migrations, for suites
 * whose tests commit rows that other suites must not see: the Kafka relay
 * sends every waiting outbox row, and the Keycloak suite's demo users have
 * fixed ids that the db tests' row counts would otherwise include.
 */
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
  await resetDatabase({ databaseUrl, rootUrl: root, shadowUrl: withDb(`${name}_shadow`) });
  releaseMigrationPools();
  return databaseUrl;
}
