/*
 * `npm run start:worker`'s command in a child process, as an operator runs
 * it, so the fault tests can kill it with real signals. Logs (JSON lines on
 * stdout) are kept for the tests to read.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../helpers/eventually.ts";
import { freePort } from "../helpers/ports.ts";

export interface WorkerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** The JSON log lines so far. */
  logLines(): Record<string, unknown>[];
  /** Waits (bounded) for a log line that satisfies `match`, after the first `skip` lines. */
  logLine(match: (line: Record<string, unknown>) => boolean, what: string, skip?: number): Promise<Record<string, unknown>>;
  /** kill -9 and wait until it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the worker and, unless `waitForRunner` is false, waits until its
 * runner has started (false: returned at once, e.g. to watch it wait for its database).
 */
export async function startWorkerProcess(env: Record<string, string>, { waitForRunner = true } = {}): Promise<WorkerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "aquastream-worker-"));
  let out = "";
  const child = spawn("node", ["--import", "tsx", "src/main.ts", "worker"], {
    env: {
      ...process.env,
      MIGRATE_ON_START: "false",
      DATA_DIR: dataDir,
      WORKER_METRICS_PORT: String(await freePort()),
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  const logLines = () =>
    out
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return {}; // a line still being written
        }
      });
  const worker: WorkerProcess = {
    pid: child.pid!,
    child,
    logLines,
    logLine: (match, what, skip = 0) =>
      eventually(async () => {
        if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}) while waiting for ${what}:\n${out}`);
        return logLines().slice(skip).find(match);
      }, what, { tries: 1_200, intervalMs: 100 }),
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
  if (waitForRunner) await worker.logLine((l) => l.msg === "worker runner started", "the worker's runner to start");
  return worker;
}
