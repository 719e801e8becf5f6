/*
 * /readyz logic: not ready while a committed migration is missing or the
 * database is unreachable; ready once migrated.
 */
import { readdirSync } from "node:fs";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { migrateDatabase, releaseMigrationPools } from "../../src/db/migrations.ts";
import { makeReadinessCheck } from "../../src/http/readiness.ts";
import { withBootstrapLock } from "../helpers/own-database.ts";

const rootUrl = inject("rootUrl");
const dbName = `aquastream_ready_check_${process.pid}`;
const databaseUrl = Object.assign(new URL(rootUrl), { pathname: `/${dbName}` }).toString();

async function root(sql: string) {
  const client = new pg.Client({ connectionString: rootUrl });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

afterAll(async () => {
  releaseMigrationPools();
  await new Promise((r) => setTimeout(r, 300));
  await root(`drop database if exists ${dbName} with (force)`);
});

describe("readiness", () => {
  it("reports pending migrations, then ready once migrated", async () => {
    await root(`drop database if exists ${dbName} with (force)`);
    await root(`create database ${dbName}`);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    try {
      const check = makeReadinessCheck(pool);
      const before = await check();
      expect(before.ready).toBe(false);
      const committed = readdirSync("db/migrations/committed").filter((f) => f.endsWith(".sql")).sort();
      expect(committed[0]).toBe("000001-event-catalog.sql");
      expect(before.checks).toEqual({ database: "ok", migrations: `pending: ${committed.join(", ")}` });

      await withBootstrapLock(() => migrateDatabase({ databaseUrl, rootUrl }));
      expect(await check()).toEqual({ ready: true, checks: { database: "ok", migrations: "ok" } });
    } finally {
      await pool.end();
    }
  });

  it("reports an unreachable database", async () => {
    const pool = new pg.Pool({ connectionString: "postgres://nobody@127.0.0.1:1/none", connectionTimeoutMillis: 500 });
    try {
      const result = await makeReadinessCheck(pool)();
      expect(result.ready).toBe(false);
      expect(result.checks.database).toMatch(/^unreachable: /);
      expect(result.checks.migrations).toBe("unknown");
    } finally {
      await pool.end();
    }
  });
});
