/*
 * pgbench, the load generator of the baselines and of every SQL scenario:
 * a C client costs the 2-core machine far less CPU than Node would, so the
 * ratios measure the database design, not the driver. Runs a script for a
 * number of seconds at a number of clients and reads back the rate and the
 * per-transaction latencies (from its --log files).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Measurement } from "./scenario.ts";

export interface PgBench {
  path: string;
  version: string;
  /** Runs `script` (pgbench's script language) for `seconds` with `clients` connections. */
  run(script: string, clients: number, seconds: number, variables?: Record<string, string>, extraArgs?: string[]): Promise<Measurement>;
}

/** Finds pgbench on PATH or in Debian's /usr/lib/postgresql/<n>/bin; throws with how to install it. */
export function findPgBench(databaseUrl: string): PgBench {
  const candidates = [process.env.PGBENCH ?? "pgbench"];
  try {
    for (const v of readdirSync("/usr/lib/postgresql").sort().reverse()) candidates.push(`/usr/lib/postgresql/${v}/bin/pgbench`);
  } catch {
    // not Debian's layout
  }
  for (const path of candidates) {
    try {
      const version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
      return { path, version, run: (script, clients, seconds, variables, extraArgs) =>
          runPgBench(path, databaseUrl, script, clients, seconds, variables, extraArgs) };
    } catch {
      // try the next
    }
  }
  throw new Error(
    "pgbench not found (set PGBENCH to its path). It comes with PostgreSQL's client tools: " +
      "`sudo apt-get install postgresql-client` (Debian/Ubuntu), `brew install libpq` (macOS).",
  );
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runPgBench(
  path: string,
  databaseUrl: string,
  script: string,
  clients: number,
  seconds: number,
  variables: Record<string, string> = {},
  extraArgs: string[] = [],
): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), "aq-pgbench-"));
  try {
    writeFileSync(join(dir, "script.sql"), script);
    const args = [
      "--no-vacuum",
      "--client", String(clients),
      "--jobs", String(Math.min(clients, 2)),
      "--time", String(seconds),
      "--file", join(dir, "script.sql"),
      "--log", "--log-prefix", join(dir, "log"),
      ...Object.entries(variables).flatMap(([k, v]) => ["--define", `${k}=${v}`]),
      ...extraArgs,
      databaseUrl,
    ];
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(path, args, { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
    // A failing transaction aborts its client: the figure would be wrong, so say so.
    if (code !== 0 || !tps) {
      throw new Error(`pgbench failed (exit ${code}): ${stderr.split("\n").filter(Boolean).slice(0, 3).join(" | ")}`);
    }
    const latencies: number[] = [];
    for (const file of readdirSync(dir).filter((f) => f.startsWith("log"))) {
      for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
        const fields = line.split(" ");
        if (fields.length >= 3) latencies.push(Number(fields[2]) / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    return { opsPerSecond: Number(tps[1]), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
