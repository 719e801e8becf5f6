/*
 * The graphile-worker runner: tasks from tasks/index.ts, schedules from tasks/crontab.
 * Safe to run in many processes at once (jobs are taken with SKIP LOCKED).
 */
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { run, Logger, type Runner, type TaskList } from "graphile-worker";
import { logger } from "../log/logger.ts";
import { taskList } from "../../tasks/index.ts";
import { observeJobs } from "./job-observer.ts";
import { wakeWaitingCrewJobs } from "../crew/wake.ts";

const tasksDir = fileURLToPath(new URL("../../tasks", import.meta.url));

const workerLogger = new Logger((scope) => {
  const child = logger.child({ component: "worker", ...scope });
  return (level, message, meta) => {
    const method = level === "warning" ? "warn" : level === "error" ? "error" : level === "debug" ? "debug" : "info";
    child[method](meta ?? {}, message);
  };
});

export interface WorkerOptions {
  /** Run the schedules of tasks/crontab (default true). */
  crontab?: boolean;
  /** Extra tasks beside tasks/index.ts (tests). */
  extraTasks?: TaskList;
  /** Told the id of the worker pool (locked_by of its jobs) as soon as it exists. */
  onPoolCreate?: (poolId: string) => void;
}

export async function startWorker(pgPool: pg.Pool, concurrency: number, options: WorkerOptions = {}): Promise<Runner> {
  const tasks = { ...taskList, ...options.extraTasks };
  const events = observeJobs(Object.keys(tasks));
  events.on("pool:create", ({ workerPool }) => options.onPoolCreate?.(workerPool.id));
  const runner = await run({
    pgPool,
    concurrency,
    taskList: tasks,
    ...(options.crontab === false ? {} : { crontabFile: `${tasksDir}/crontab` }),
    logger: workerLogger,
    events,
    noHandleSignals: true, // main.ts owns shutdown
    pollInterval: 2_000,
    preset: {
      worker: {
        // Batched completion: a job that cannot be completed or failed because
        // the database went away ends the runner (runner.promise rejects, the
        // supervisor starts a new one) instead of an unhandled rejection
        // that kills the process (#16 item 2).
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
      },
    },
  });
  logger.info({ concurrency }, "worker started");
  // Crew assignment (newly) on: waiting crew jobs run now, not after their backoff.
  const woken = await wakeWaitingCrewJobs(pgPool);
  if (woken > 0) logger.info({ woken }, "waiting crew jobs run now (crew assignment is on)");
  return runner;
}
