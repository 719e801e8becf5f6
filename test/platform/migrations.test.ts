/*
 * The committed migrations alone (without current/) apply to an empty
 * database, the way a production migration Job would run them, and a second
 * run is a no-op.
 */
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { bootstrap, migrateDatabase, pendingMigrations, releaseMigrationPools } from "../../src/db/migrations.ts";
import { execAsRoot, withBootstrapLock } from "../helpers/own-database.ts";

const rootUrl = inject("rootUrl");
const dbName = `aquastream_migrate_check_${process.pid}`;
const databaseUrl = (() => {
  const u = new URL(rootUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

afterAll(async () => {
  releaseMigrationPools();
  await new Promise((r) => setTimeout(r, 300));
  await execAsRoot(`drop database if exists ${dbName} with (force)`);
});

describe("bootstrap (afterReset.sql)", () => {
  it("runs once at a time when several processes start together (no 'tuple concurrently updated')", async () => {
    // Replicas starting at once with ROOT_DATABASE_URL set all bootstrap the same roles.
    const runs = await withBootstrapLock(() =>
      Promise.allSettled(Array.from({ length: 4 }, () => bootstrap({ databaseUrl: inject("databaseUrl"), rootUrl }))),
    );
    expect(runs.filter((r) => r.status === "rejected")).toEqual([]);
  });
});

describe("committed migrations", () => {
  it("apply to an empty database and leave nothing pending", async () => {
    await execAsRoot(`drop database if exists ${dbName} with (force)`);
    await execAsRoot(`create database ${dbName}`);
    await withBootstrapLock(() => migrateDatabase({ databaseUrl, rootUrl }));
    // Idempotent: running again changes nothing and does not fail.
    await withBootstrapLock(() => migrateDatabase({ databaseUrl, rootUrl }));
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      expect(await pendingMigrations(client)).toEqual([]);
      const { rows } = await client.query(
        "select nspname from pg_namespace where nspname in ('app_public','app_hidden','app_private','graphile_worker') order by 1",
      );
      expect(rows.map((r) => r.nspname)).toEqual(["app_hidden", "app_private", "app_public", "graphile_worker"]);
    } finally {
      await client.end();
    }
  });
});
