/*
 * The service as an operator runs it: `npm run start:api`'s (or `npm
 * start`'s) command in a child process over the test database (migrations
 * already applied), stdout captured, stopped with SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { apiDatabaseUrl } from "../helpers/db.ts";
import { freePort, isFree } from "../helpers/ports.ts";

export interface ServiceProcess {
  apiUrl: string;
  /** The admin server (/metrics), on a port the process picked (ADMIN_PORT=0), read from its log. */
  adminUrl: string;
  grpcAddress: string;
  dataDir: string;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** The JSON log lines so far. */
  logLines(): Record<string, unknown>[];
  /** Waits for the log line that satisfies `match` (lines are written when a response finishes). */
  logLine(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
  /** The process id (the service itself: `node --import tsx src/main.ts`). */
  pid: number;
  /** null while it runs, then its exit code. */
  exitCode(): number | null;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/**
 * The environment of a test's API process on an external database: its own
 * data dir and ports, no migration at start, no admin port, no tracing,
 * JSON logs at info; `env` last, so a test can change any of it.
 */
export function apiProcessEnv(
  databaseUrl: string,
  dataDir: string,
  ports: { http: number; grpc: number },
  env: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    DATABASE_API_URL: apiDatabaseUrl(databaseUrl),
    MIGRATE_ON_START: "false",
    DATA_DIR: dataDir,
    HTTP_PORT: String(ports.http),
    GRPC_PORT: String(ports.grpc),
    ADMIN_PORT: "0",
    LOG_LEVEL: "info",
    OTEL_EXPORTER_OTLP_ENDPOINT: "",
    ...env,
  };
}

/**
 * `portBase` and the one after it when both are free, else two free ports:
 * several suites (and their service processes) share one machine, and a
 * port derived from the pid collides now and then.
 */
async function choosePorts(portBase: number): Promise<{ http: number; grpc: number }> {
  if ((await isFree(portBase)) && (await isFree(portBase + 1))) return { http: portBase, grpc: portBase + 1 };
  return { http: await freePort(), grpc: await freePort() };
}

export async function startApiProcess(
  /** The first of two ports (HTTP, gRPC) to try, or the two ports to use. */
  portBase: number | { http: number; grpc: number },
  env: Record<string, string> = {},
  role: "api" | "all" = "api",
): Promise<ServiceProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "aquastream-ops-api-"));
  const ports = typeof portBase === "number" ? await choosePorts(portBase) : portBase;
  const apiUrl = `http://127.0.0.1:${ports.http}`;
  let out = "";
  const databaseUrl = env.DATABASE_URL ?? inject("databaseUrl");
  const child: ChildProcess = spawn("node", ["--import", "tsx", "--import", "./src/tracing/register.ts", "src/main.ts", role], {
    env: apiProcessEnv(databaseUrl, dataDir, ports, env),
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const logLines = () =>
    out
      .split("\n")
      // Only the service's JSON lines: graphile-migrate prints plain text when MIGRATE_ON_START is on.
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  const service: ServiceProcess = {
    apiUrl,
    adminUrl: "",
    grpcAddress: `127.0.0.1:${ports.grpc}`,
    dataDir,
    stdout: () => out,
    pid: child.pid!,
    exitCode: () => child.exitCode,
    exited,
    logLines,
    async logLine(match) {
      for (let i = 0; i < 100; i++) {
        const found = logLines().find(match);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no such log line in:\n${out}`);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };

  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode}):\n${out}`);
    try {
      if ((await fetch(`${apiUrl}/readyz`)).status === 200) {
        const admin = await service.logLine((l) => l.msg === "admin metrics listening");
        service.adminUrl = String(admin.url).replace(/\/metrics$/, "");
        return service;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await service.stop();
  throw new Error(`the API did not become ready:\n${out}`);
}
