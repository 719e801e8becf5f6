/*
 * The API process for benchmark scenarios: exactly what `npm run start:api`
 * runs (its node flags included) with this Node.js, over the bench database,
 * logged in as the authenticator as in production.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../src/db/migrations.ts";

/** The environment of a bench API on `port` (HTTP), `port + 1` (gRPC), `port + 2` (admin). */
export function benchApiEnv(databaseUrl: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    NODE_ENV: "development",
    DATA_DIR: mkdtempSync(join(tmpdir(), "aq-bench-api-")),
    DATABASE_URL: databaseUrl,
    DATABASE_API_URL: Object.assign(new URL(databaseUrl), { username: "aquastream_authenticator", password: "" }).toString(),
    MIGRATE_ON_START: "false",
    HTTP_PORT: String(port),
    GRPC_PORT: String(port + 1),
    ADMIN_PORT: String(port + 2),
    LOG_LEVEL: "warn",
    GRAPHIQL: "false",
    // Benchmarks measure capacity, not the per-caller request budget (one client floods on purpose).
    RATE_LIMIT_REQUESTS: "0",
    ...extra,
  };
}

async function waitReady(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`the API did not become ready at ${url}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts `npm run start:api`'s command with `env` and returns once its /readyz answers. */
export async function startBenchApi(env: Record<string, string>): Promise<ChildProcess> {
  const scripts = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")).scripts as Record<string, string>;
  const [command, ...args] = scripts["start:api"]!.split(/\s+/);
  if (command !== "node") throw new Error(`start:api does not start with node: ${scripts["start:api"]}`);
  const child = spawn(process.execPath, args, { cwd: projectRoot, env, stdio: ["ignore", "ignore", "inherit"] });
  try {
    await waitReady(`http://127.0.0.1:${env.HTTP_PORT}/readyz`, 60_000);
  } catch (error) {
    child.kill("SIGTERM");
    throw error;
  }
  return child;
}
