/*
 * Once per `npm test`: find a real PostgreSQL and build a fresh test database
 * from the migrations (committed + current/), exactly as a developer's
 * `npm run db:reset` would.
 *
 * Server, in order: TEST_DATABASE_URL's server; the local server at
 * 127.0.0.1:5432 (trust auth, user postgres); else an embedded PostgreSQL in
 * .data/test-postgres.
 */
import type { TestProject } from "vitest/node";
import type { EmbeddedCluster } from "../src/db/embedded.ts";
import { findLocalServer, withDatabase } from "../src/db/local-server.ts";
import { releaseMigrationPools, resetDatabase } from "../src/db/migrations.ts";
import { authenticatorLogin } from "../src/db/authenticator.ts";

// TEST_DATABASE_NAME lets two suites share one server without resetting each other.
const TEST_DB = process.env.TEST_DATABASE_NAME ?? "aquastream_test";

let embedded: EmbeddedCluster | undefined;

export async function setup(project: TestProject) {
  const server = await findLocalServer(process.env.TEST_DATABASE_URL, ".data/test", 54339);
  embedded = server.embedded;
  const rootUrl = server.rootUrl;
  const databaseUrl = withDatabase(rootUrl, TEST_DB);
  await resetDatabase({ databaseUrl, rootUrl, shadowUrl: withDatabase(rootUrl, `${TEST_DB}_shadow`) });
  releaseMigrationPools();
  project.provide("databaseUrl", databaseUrl);
  project.provide("rootUrl", rootUrl);
  // The API under test logs in as the authenticator, as in production: on the
  // local (trust) server without a password, on an embedded one with the
  // password kept in its data directory.
  const apiUrl = embedded ? await authenticatorLogin(rootUrl, databaseUrl, ".data/test") : "";
  project.provide("authenticatorPassword", apiUrl ? decodeURIComponent(new URL(apiUrl).password) : "");
}

export async function teardown() {
  releaseMigrationPools();
  await embedded?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    rootUrl: string;
    /** Empty when the server lets the authenticator in without one (trust). */
    authenticatorPassword: string;
  }
}
