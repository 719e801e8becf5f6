/*
 * Once per `npm test`: find a real PostgreSQL and build a fresh test database
 * from the migrations (committed + current.sql), exactly as a developer's
 * `npm run db:reset` would.
 *
 * Server, in order: TEST_DATABASE_URL's server; the local server at
 * 127.0.0.1:5432 (trust auth, user postgres); else an embedded PostgreSQL in
 * .data/test-postgres.
 */
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedCluster } from "../src/db/embedded.ts";
import { releaseMigrationPools, resetDatabase } from "../src/db/migrations.ts";

// TEST_DATABASE_NAME lets two suites share one server without resetting each other.
const TEST_DB = process.env.TEST_DATABASE_NAME ?? "aquastream_test";

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

let embedded: EmbeddedCluster | undefined;

export async function setup(project: TestProject) {
  let rootUrl: string;
  if (process.env.TEST_DATABASE_URL) {
    rootUrl = withDatabase(process.env.TEST_DATABASE_URL, "postgres");
  } else if (await reachable("postgres://postgres@127.0.0.1:5432/postgres")) {
    rootUrl = "postgres://postgres@127.0.0.1:5432/postgres";
  } else {
    embedded = await startEmbeddedPostgres(".data/test", 54339);
    rootUrl = embedded.rootUrl;
  }
  const databaseUrl = withDatabase(rootUrl, TEST_DB);
  await resetDatabase({ databaseUrl, rootUrl, shadowUrl: withDatabase(rootUrl, `${TEST_DB}_shadow`) });
  releaseMigrationPools();
  project.provide("databaseUrl", databaseUrl);
  project.provide("rootUrl", rootUrl);
}

export async function teardown() {
  releaseMigrationPools();
  await embedded?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    rootUrl: string;
  }
}
