/*
 * Entry point. `node --import tsx src/main.ts all|api|worker` (npm start, start:api, start:worker)
 *
 *   all     everything in one process (the embedded default: `npm start`)
 *   api     GraphQL + gRPC only (scale out behind a load balancer)
 *   worker  graphile-worker only (run as many as you like)
 *
 * SIGTERM/SIGINT: readiness goes 503 and gRPC health NOT_SERVING, servers stop
 * accepting and finish in-flight calls (HTTP keep-alive clients are told to
 * go: src/http/drain.ts), the worker finishes its running jobs, pools close,
 * the embedded PostgreSQL stops; exit 0. SHUTDOWN_TIMEOUT_MS bounds it (exit 1
 * when it cut requests).
 *
 * A database that is not reachable yet at start-up is waited for
 * (DATABASE_STARTUP_WAIT_MS, src/db/startup-wait.ts), the API's port
 * answering /healthz meanwhile; the embedded one takes its data directory
 * over from a PostgreSQL a killed process left running (src/db/postmaster.ts).
 */
import "./env-defaults.ts";
import { takeOverShutdownSignals } from "./process-signals.ts";
import type pg from "pg";
import { ConfigError, loadConfig, type Role } from "./config/env.ts";
import { openDatabase } from "./db/database.ts";
import { migrateDatabase, releaseMigrationPools } from "./db/migrations.ts";
import { createPool } from "./db/pool.ts";
import { ping, retryWhileUnreachable, StartUpAborted, type StartUpWaitOptions } from "./db/startup-wait.ts";
import { listenWhileWaiting, type WaitingServer } from "./http/waiting-server.ts";
import { assertApiLogin } from "./db/authenticator.ts";
import { createVerifier } from "./auth/verifier.ts";
import { createHttpApi, type HttpApi } from "./http/app.ts";
import { apiReadsMigrations, makeReadinessCheck } from "./http/readiness.ts";
import { startGrpcServer, type GrpcServer } from "./grpc/server.ts";
import { checkDescriptorBudget } from "./http/connection-limits.ts";
import { loadTicketSigner } from "./tickets/token.ts";
import { startWorkerService, type WorkerService } from "./worker/supervisor.ts";
import { loadOutboxConfig } from "./outbox/config.ts";
import { loadCrewConfig } from "./crew/config.ts";
import { checkGrpcTransport } from "./config/transport.ts";
import { stopRelay } from "./outbox/relay.ts";
import { logger } from "./log/logger.ts";
import { registerDatabaseMetrics, type DatabaseMetrics } from "./metrics/database.ts";
import { registerTicketMetrics, type TicketMetrics } from "./metrics/tickets.ts";
import { startMetricsServer, type MetricsServer } from "./metrics/server.ts";
import { shutdownTracing } from "./tracing/shutdown.ts";

const role = (process.argv[2] ?? "all") as Role;
if (!["all", "api", "worker"].includes(role)) {
  console.error(`usage: node --import tsx src/main.ts all|api|worker (got "${role}")`);
  process.exit(2);
}

let config;
let outbox;
let crew;
try {
  config = loadConfig();
  // The relay's settings are checked here too, so a wrong KAFKA_* or OUTBOX_*
  // value stops start-up instead of failing every relay job later.
  outbox = loadOutboxConfig();
  crew = loadCrewConfig(); // CREW_* likewise
  // gRPC TLS: production refuses plaintext unless opted out; the files must load as a pair.
  if (role !== "worker") checkGrpcTransport(config.transport, config.nodeEnv);
} catch (error) {
  if (error instanceof ConfigError) {
    logger.fatal({ variable: error.variable }, `configuration error: ${error.message}`);
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

// From here on a signal is ours. One that arrives during start-up is kept
// and honoured as soon as everything has started, so a process asked to
// stop early still drains and exits 0 instead of dying half-started.
let started = false;
let signalDuringStartUp: string | undefined;
// Ends a start-up that waits for its database (src/db/startup-wait.ts).
const startUpAbort = new AbortController();
const onSignal = (signal: string) => {
  if (started) void shutdown(signal);
  else {
    signalDuringStartUp ??= signal;
    startUpAbort.abort();
  }
};
takeOverShutdownSignals(onSignal);

const db = await openDatabase(config).catch(fail);
takeOverShutdownSignals(onSignal); // drop what the embedded database added
const pools: pg.Pool[] = [];
let http: HttpApi | undefined;
let grpcServer: GrpcServer | undefined;
let worker: WorkerService | undefined;
let metricsServer: MetricsServer | undefined;
let databaseMetrics: DatabaseMetrics | undefined;
let ticketMetrics: TicketMetrics | undefined;
// The API's port while start-up waits for the database: /healthz 200, /readyz 503.
let waiting: WaitingServer | undefined;

/** Waiting for a database that is not reachable yet: transient failures only, up to DATABASE_STARTUP_WAIT_MS. */
function startUpWait(message: string): StartUpWaitOptions {
  return {
    maxWaitMs: config!.databaseStartupWaitMs,
    log: logger,
    message,
    signal: startUpAbort.signal,
    onWait: async (reason) => {
      if (role === "worker") return;
      if (waiting) waiting.setReason(reason);
      else waiting = await listenWhileWaiting(config!.httpHost, config!.httpPort, reason);
    },
  };
}

try {
  if (config.migrateOnStart) {
    // The embedded database is up by now; a server of DATABASE_URL may not be yet.
    if (!db.embedded) await retryWhileUnreachable(() => ping(db.databaseUrl), startUpWait("database not reachable yet; migrations wait for it"));
    await migrateDatabase(db);
    releaseMigrationPools();
    logger.info("database migrated");
  }

  if (role === "all" || role === "api") {
    const apiPool = createPool(db.apiUrl, config.databasePoolSize, "api", config.limits.poolQueueTimeoutMs);
    pools.push(apiPool);
    // The API's first queries, again while the database is not reachable yet:
    // never serve requests as the owner or a superuser (RLS would not bind),
    // and may this login read the applied migrations (readiness, below)?
    const readsMigrations = await retryWhileUnreachable(async () => {
      await assertApiLogin(apiPool);
      return apiReadsMigrations(apiPool);
    }, startUpWait("database not reachable yet; API waits for it"));
    const verifier = createVerifier(config);
    const ticketSigner = loadTicketSigner({
      keyFile: config.ticketSigningKeyFile,
      previousKeyFiles: config.ticketPreviousKeyFiles,
      dataDir: config.dataDir,
      production: config.nodeEnv === "production",
    });
    if (!ticketSigner) logger.warn("TICKET_SIGNING_KEY_FILE is not set: ticket tokens are off (ticket codes still check in)");
    // Readiness reads the applied migrations as the authenticator: the API
    // holds no owner connection. Only a schema older than
    // app_private.applied_migrations() needs one, until it is migrated.
    let ownerPool: pg.Pool | undefined;
    if (!readsMigrations) {
      logger.warn("app_private.applied_migrations() is not there yet: readiness reads the migrations as the owner until the database is migrated and the API restarted");
      ownerPool = createPool(db.databaseUrl, 1, "readiness");
      pools.push(ownerPool);
    }
    const readiness = makeReadinessCheck(apiPool, 5_000, ownerPool);
    http = await createHttpApi({
      ticketSigner,
      pool: apiPool,
      verifier,
      graphiql: config.graphiql,
      limits: config.limits,
      transport: config.transport,
      readiness,
    });
    await waiting?.close();
    waiting = undefined;
    await new Promise<void>((resolve, reject) => {
      http!.server.once("error", reject); // e.g. EADDRINUSE
      http!.server.listen(config.httpPort, config.httpHost, resolve);
    });
    logger.info(
      { url: `http://${config.httpHost}:${config.httpPort}/graphql`, devIssuer: config.devIssuer },
      "GraphQL listening",
    );
    const grpcTls = config.transport.grpcTls;
    grpcServer = await startGrpcServer(
      config.grpcHost,
      config.grpcPort,
      { pool: apiPool, verifier, limits: config.limits, ticketSigner },
      grpcTls ? { files: grpcTls, reloadIntervalMs: config.transport.grpcTlsReloadIntervalMs } : undefined,
    );
    checkDescriptorBudget({
      httpMax: config.limits.httpMaxConnections,
      grpcMax: config.limits.grpcMaxConnections,
      databasePool: config.databasePoolSize,
    });
    // gRPC health answers NOT_SERVING while /readyz would answer 503 (database away).
    grpcServer.followReadiness(readiness);
    // /metrics on the admin port, never the public one (in `all` mode the worker's series too).
    metricsServer = await startMetricsServer(config.transport.adminHost, config.transport.adminPort, "admin");
  }

  if (role === "all" || role === "worker") {
    const workerPool = createPool(db.databaseUrl, config.workerConcurrency + 2, "worker");
    pools.push(workerPool);
    // The runner and the outbox relay loop, restarted in-process when the
    // database comes back (src/worker/supervisor.ts).
    worker = await startWorkerService(workerPool, config.workerConcurrency, {
      databaseUrl: db.databaseUrl,
      outbox,
      startupWaitMs: config.databaseStartupWaitMs,
      startupSignal: startUpAbort.signal,
    });
    // Outbox backlog and business totals: read from SQL on scrape, by the
    // process that has the owner's connection. `all` serves them on the
    // API's /metrics; a worker alone on a small server of its own.
    databaseMetrics = registerDatabaseMetrics(db.databaseUrl);
    ticketMetrics = registerTicketMetrics(db.databaseUrl);
    if (role === "worker") metricsServer = await startMetricsServer(config.httpHost, config.workerMetricsPort);
    logger.info(
      outbox.brokers.length > 0
        ? { brokers: outbox.brokers, topics: outbox.topics }
        : { brokers: [] },
      outbox.brokers.length > 0 ? "outbox relay on" : "outbox relay off (no KAFKA_BROKERS): domain events wait in the outbox",
    );
    logger.info(
      { crewService: crew.address ?? null, deadlineMs: crew.deadlineMs, attempts: crew.assignAttempts },
      crew.address ? "crew assignment on" : "crew assignment off (no CREW_SERVICE_ADDRESS): events needing a crew wait as pending",
    );
  }
} catch (error) {
  // A half-started process must not linger: release what started, then exit.
  await Promise.allSettled([grpcServer?.close(0), http?.close(), worker?.stop(), metricsServer?.close(), databaseMetrics?.close(), ticketMetrics?.close(), waiting?.close()]);
  await Promise.allSettled(pools.map((pool) => pool.end()));
  await db.stop().catch(() => {});
  if (error instanceof StartUpAborted) {
    logger.info({ signal: signalDuringStartUp }, "stopped while start-up waited for the database");
    process.exit(0);
  }
  fail(error);
}

logger.info({ role, embedded: db.embedded }, "aquastream-event started");

function fail(error: unknown): never {
  logger.fatal({ err: error }, "start-up failed");
  console.error(`start-up failed: ${(error as Error | undefined)?.message ?? String(error)}`);
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: draining");
  const deadline = setTimeout(() => {
    logger.error("shutdown timed out; exiting");
    process.exit(1);
  }, config!.shutdownTimeoutMs + 5_000);
  deadline.unref();
  http?.setDraining();
  // HTTP: keep-alive clients are answered `Connection: close` and idle
  // sockets closed once idle (src/http/drain.ts); requests cut at the
  // timeout make the exit code 1.
  const [, cutHttpRequests = 0] = await Promise.all([
    grpcServer?.close(config!.shutdownTimeoutMs),
    http?.close(config!.shutdownTimeoutMs),
    worker?.stop(),
  ]);
  await stopRelay();
  await Promise.all([metricsServer?.close(), databaseMetrics?.close(), ticketMetrics?.close()]);
  await Promise.all(pools.map((pool) => pool.end()));
  await db.stop();
  await shutdownTracing(); // export the last spans
  logger.info({ cutHttpRequests }, "stopped");
  process.exit(cutHttpRequests > 0 ? 1 : 0);
}
started = true;
if (signalDuringStartUp) void shutdown(signalDuringStartUp);
