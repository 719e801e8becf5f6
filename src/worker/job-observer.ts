/*
 * One log line and the job metrics per graphile-worker job run, from the
 * runner's events (so every task is covered without wrapping it).
 *
 * Outcome: success; retry (it threw and will run again with backoff);
 * failed (it threw on its last attempt: an operator must look). A job whose
 * payload carries `requestId` (a job enqueued on behalf of an API request)
 * logs under that id, so its line joins the request's; others log under
 * `job:<id>`.
 */
import { EventEmitter } from "node:events";
import type { Job, WorkerEvents } from "graphile-worker";
import { logger as rootLogger } from "../log/logger.ts";
import { secondsSince, workerJobDuration, workerJobs } from "../metrics/registry.ts";

const log = rootLogger.child({ component: "worker" });

export function jobOutcome(job: Pick<Job, "attempts" | "max_attempts">, error: unknown): "success" | "retry" | "failed" {
  if (!error) return "success";
  return job.attempts >= job.max_attempts ? "failed" : "retry";
}

function requestIdOf(job: Job): string {
  const payload = job.payload as { requestId?: unknown } | null;
  return typeof payload?.requestId === "string" && /^[\w.:-]{1,128}$/.test(payload.requestId)
    ? payload.requestId
    : `job:${job.id}`;
}

/** The events emitter to pass to graphile-worker's run(). */
export function observeJobs(knownTasks: readonly string[]): WorkerEvents {
  const events: WorkerEvents = new EventEmitter();
  const tasks = new Set(knownTasks);
  const started = new Map<string, number>();

  events.on("job:start", ({ job }) => {
    started.set(job.id, performance.now());
  });
  events.on("job:complete", ({ job, error }) => {
    const at = started.get(job.id);
    started.delete(job.id);
    const seconds = at === undefined ? 0 : secondsSince(at);
    const outcome = jobOutcome(job, error);
    // Task names come from our task list; anything else is bucketed.
    const task = tasks.has(job.task_identifier) ? job.task_identifier : "other";
    workerJobs.inc({ task, outcome });
    workerJobDuration.observe({ task, outcome }, seconds);
    const line = {
      requestId: requestIdOf(job),
      task: job.task_identifier,
      jobId: job.id,
      attempt: job.attempts,
      maxAttempts: job.max_attempts,
      outcome,
      ms: Math.round(seconds * 1000),
      ...(error ? { err: (error as Error).message ?? String(error) } : {}),
    };
    if (outcome === "success") log.info(line, "job");
    else log.warn(line, "job");
  });
  return events;
}
