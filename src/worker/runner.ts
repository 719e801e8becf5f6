/*
 * The graphile-worker runner: tasks from tasks/index.ts, schedules from tasks/crontab.
 * Safe to run in many processes at once (jobs are taken with SKIP LOCKED).
 */
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { run, Logger, type Runner } from "graphile-worker";
import { logger } from "../log/logger.ts";
import { taskList } from "../../tasks/index.ts";

const tasksDir = fileURLToPath(new URL("../../tasks", import.meta.url));

const workerLogger = new Logger((scope) => {
  const child = logger.child({ component: "worker", ...scope });
  return (level, message, meta) => {
    const method = level === "warning" ? "warn" : level === "error" ? "error" : level === "debug" ? "debug" : "info";
    child[method](meta ?? {}, message);
  };
});

export async function startWorker(pgPool: pg.Pool, concurrency: number): Promise<Runner> {
  const runner = await run({
    pgPool,
    concurrency,
    taskList,
    crontabFile: `${tasksDir}/crontab`,
    logger: workerLogger,
    noHandleSignals: true, // main.ts owns shutdown
    pollInterval: 2_000,
  });
  logger.info({ concurrency }, "worker started");
  return runner;
}
