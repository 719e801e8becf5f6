/*
 * The API started before its database is reachable waits for it, as the
 * worker does (src/db/startup-wait.ts): the real API process (`npm run
 * start:api`'s command) is pointed at a port where nothing listens yet.
 * Meanwhile its HTTP port answers /healthz 200 and /readyz 503; a TCP
 * forwarder to the real PostgreSQL then opens on that port and the API
 * becomes ready through it. A database that is there but wrong (missing)
 * fails at once; one that never comes fails after DATABASE_STARTUP_WAIT_MS;
 * a SIGTERM during the wait ends it with exit 0.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { forward, type Forwarder } from "../helpers/forwarder.ts";
import { freePort, lowPorts } from "../helpers/ports.ts";
import { apiProcessEnv, startApiProcess, type ServiceProcess } from "./service-process.ts";

const WAITS = "database not reachable yet; API waits for it";

let forwarder: Forwarder | undefined;
let service: ServiceProcess | undefined;
const started: { kill(signal: NodeJS.Signals): boolean; exitCode: number | null }[] = [];

afterAll(async () => {
  await service?.stop().catch(() => {});
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
  await forwarder?.close();
});

/** The test database's URL with its host and port replaced by 127.0.0.1:`port`. */
function at(port: number, database?: string): URL {
  const url = new URL(inject("databaseUrl"));
  url.hostname = "127.0.0.1";
  url.port = String(port);
  if (database) url.pathname = `/${database}`;
  return url;
}

/** `src/main.ts api` on `databaseUrl`, not waited for: its JSON log lines and its exit. */
async function spawnApi(databaseUrl: string, env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "aquastream-api-wait-"));
  const httpPort = await freePort();
  const child = spawn("node", ["--import", "tsx", "src/main.ts", "api"], {
    env: apiProcessEnv(databaseUrl, dataDir, { http: httpPort, grpc: await freePort() }, env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  const messages = () =>
    out
      .split("\n")
      .filter((line) => line.startsWith("{") && line.endsWith("}"))
      .map((line) => String((JSON.parse(line) as { msg?: unknown }).msg));
  return { child, exited, messages, output: () => out, httpUrl: `http://127.0.0.1:${httpPort}` };
}

/** Whether `url` answers 200 (undefined while nothing listens there). */
async function answers200(url: string): Promise<boolean | undefined> {
  try {
    return (await fetch(url)).status === 200 || undefined;
  } catch {
    return undefined;
  }
}

describe("API start-up", () => {
  it("waits for a database that is not reachable yet, alive but not ready, then serves", { timeout: 180_000 }, async () => {
    const real = new URL(inject("databaseUrl"));
    // Below the ephemeral range: the database's port stays free until the forwarder opens there.
    const [port, httpPort, grpcPort] = (await lowPorts(3, 2)) as [number, number, number];
    const ports = { http: httpPort, grpc: grpcPort };
    const http = `http://127.0.0.1:${ports.http}`;

    // Resolves once /readyz says 200, rejects if the process exits first.
    const starting = startApiProcess(ports, { DATABASE_URL: at(port).toString() }, "api");
    starting.catch(() => {}); // awaited below
    // While nothing listens at the database's address: alive, not ready.
    await Promise.race([
      eventually(() => answers200(`${http}/healthz`), "/healthz while the database is away", { tries: 1_200, intervalMs: 100 }),
      starting.then(() => Promise.reject(new Error("the API became ready without its database"))),
    ]);
    const waiting = await fetch(`${http}/readyz`);
    expect(waiting.status).toBe(503);
    const body = (await waiting.json()) as { ready: boolean; checks: { database: string } };
    expect(body.ready).toBe(false);
    expect(body.checks.database).toMatch(/^waiting: ECONNREFUSED/);
    expect((await fetch(`${http}/graphql`, { method: "POST" })).status).toBe(503);

    // The database "comes up": the API becomes ready through it.
    forwarder = await forward(port, real);
    service = await starting;
    const messages = service.logLines().map((l) => l.msg);
    const waited = messages.indexOf(WAITS);
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(messages.indexOf("GraphQL listening")).toBeGreaterThan(waited);
    expect(messages).not.toContain("start-up failed");
    const gql = await fetch(`${service.apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ allEventCategories { nodes { rowId } } }" }),
    });
    expect(gql.status).toBe(200);
    await service.stop();
    expect(service.exitCode()).toBe(0);
    service = undefined;
  });

  it("fails at once when the database is there but missing (not a transient failure)", { timeout: 120_000 }, async () => {
    const real = new URL(inject("databaseUrl"));
    const missing = at(Number(real.port || 5432), "aq_no_such_database_crashstart");
    missing.hostname = real.hostname;
    const api = spawnApi(missing.toString());
    const { exited, messages, output } = await api;
    expect(await exited).toBe(1);
    expect(output()).toContain('database "aq_no_such_database_crashstart" does not exist');
    expect(messages()).toContain("start-up failed");
    expect(messages()).not.toContain(WAITS);
  });

  it("gives up after DATABASE_STARTUP_WAIT_MS when the database never comes", { timeout: 120_000 }, async () => {
    const { exited, messages, output } = await spawnApi(at((await lowPorts(1, 4))[0]!).toString(), { DATABASE_STARTUP_WAIT_MS: "1500" });
    expect(await exited).toBe(1);
    expect(messages()).toContain(WAITS);
    expect(messages()).toContain("start-up failed");
    expect(output()).toContain("ECONNREFUSED");
  });

  it("a SIGTERM while it waits ends the wait with exit 0", { timeout: 120_000 }, async () => {
    const { child, exited, messages, httpUrl } = await spawnApi(at((await lowPorts(1, 5))[0]!).toString());
    await Promise.race([
      eventually(() => answers200(`${httpUrl}/healthz`), "/healthz while the database is away", { tries: 1_200, intervalMs: 100 }),
      exited.then((code) => Promise.reject(new Error(`the API exited (${code}) instead of waiting`))),
    ]);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(messages()).toContain("stopped while start-up waited for the database");
  });
});
