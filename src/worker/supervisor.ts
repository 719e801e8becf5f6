/*
 * The worker part of a process (`worker` and `all` roles), kept alive across
 * database outages and crashes of other workers (#16 items 1–2).
 *
 *   - The graphile-worker runner lives as long as its control connection: a
 *     pg.Client of its own whose application_name is
 *     `aquastream-event:live:<worker pool id>`. Other workers take a runner
 *     without that session for dead, and release its jobs and named queues
 *     (crew) with graphile-worker's force_unlock_workers
 *     (app_hidden.unlock_dead_workers, every SWEEP_INTERVAL_MS from every
 *     worker process). A kill -9 closes the session at once, so another
 *     worker, or this one restarted, frees its locks after the grace period
 *     instead of graphile-worker's 4 hours.
 *   - When the control connection or the runner fails (PostgreSQL stopped,
 *     restarted, a backend terminated), the runner is stopped and a new one
 *     started with a new pool id as soon as the database answers again; the
 *     old runner's leftover locks are released by the sweep like a dead
 *     process's. No restart of the process is needed.
 *   - The outbox relay is a loop of its own (src/outbox/relay-loop.ts), with
 *     its own connection and session lock, and recovers by itself the same way.
 *
 * graphile-worker 0.17 has no heartbeat of its own (Worker Pro has); this is
 * the smallest stand-in: liveness is the session itself, so it needs no
 * clock, no table and no heartbeat writes.
 */
import pg from "pg";
import type { Runner } from "graphile-worker";
import { logger as rootLogger } from "../log/logger.ts";
import { startRelayLoop, type RelayLoop } from "../outbox/relay-loop.ts";
import type { OutboxConfig } from "../outbox/config.ts";
import { startWorker, type WorkerOptions } from "./runner.ts";
import { retryWhileUnreachable } from "../db/startup-wait.ts";

const log = rootLogger.child({ component: "worker-supervisor" });

/** How often each worker process releases dead runners' locks. */
export const SWEEP_INTERVAL_MS = 5_000;
/** How old a lock must be before its runner may be taken for dead (see unlock_dead_workers). */
export const UNLOCK_GRACE = "15 seconds";
/** Longest wait for a failed runner to stop before it is abandoned (its locks are swept). */
const ABANDON_AFTER_MS = 15_000;

export const LIVE_PREFIX = "aquastream-event:live:";

export interface WorkerServiceOptions extends WorkerOptions {
  /** The owner's connection string: the control and relay connections are opened on it. */
  databaseUrl: string;
  /** The relay's settings; no brokers: no relay loop. */
  outbox: OutboxConfig;
  /** How long start-up waits for a database that is not reachable yet (DATABASE_STARTUP_WAIT_MS). */
  startupWaitMs: number;
  /** A shutdown signal during that wait ends it (StartUpAborted). */
  startupSignal?: AbortSignal | undefined;
}

export interface WorkerService {
  /** The current runner's pool id (locked_by of its jobs). */
  readonly poolId: string | undefined;
  readonly relay: RelayLoop | undefined;
  /** Stops taking jobs, lets running ones finish, stops the relay. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Generation {
  control: pg.Client;
  runner: Runner;
  poolId: string;
  sweeper: NodeJS.Timeout;
  /** Settles with the reason this generation can no longer work. */
  lost: Promise<unknown>;
}

/**
 * Starts the runner (and the relay loop when brokers are configured) and
 * keeps them running. Resolves once the first runner is up. A database that
 * is not reachable yet (refused, timed out, starting up: a transient failure)
 * is waited for up to options.startupWaitMs (src/db/startup-wait.ts), as a runner that loses it later is;
 * any other start-up error, or a database still away after that, throws
 * (start-up errors stay visible). Later failures are recovered.
 */
export async function startWorkerService(pool: pg.Pool, concurrency: number, options: WorkerServiceOptions): Promise<WorkerService> {
  let current: Generation | undefined;
  let stopping = false;
  let wake: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => (wake = resolve));

  async function startGeneration(): Promise<Generation> {
    const control = new pg.Client({
      connectionString: options.databaseUrl,
      application_name: "aquastream-event:worker-control",
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    const lost = new Promise<unknown>((resolve) => {
      control.on("error", resolve);
      control.on("end", () => resolve(new Error("control connection closed")));
    });
    try {
      await control.connect();
      let poolId: string | undefined;
      const runner = await startWorker(pool, concurrency, {
        ...options,
        onPoolCreate: (id) => (poolId = id),
      });
      if (!poolId) throw new Error("graphile-worker did not report its pool id");
      // From here on this runner counts as alive.
      await control.query("select set_config('application_name', $1, false)", [`${LIVE_PREFIX}${poolId}`]);
      const sweeper = setInterval(() => void sweep(control), SWEEP_INTERVAL_MS);
      void sweep(control); // a restarted worker frees its predecessor's locks at once
      const runnerEnded = runner.promise.then(
        () => new Error("graphile-worker runner stopped"),
        (error: unknown) => error,
      );
      log.info({ poolId }, "worker runner started");
      return { control, runner, poolId, sweeper, lost: Promise.race([lost, runnerEnded]) };
    } catch (error) {
      await control.end().catch(() => {});
      throw error;
    }
  }

  async function endGeneration(generation: Generation): Promise<void> {
    clearInterval(generation.sweeper);
    const stopped = generation.runner.stop().catch((error: unknown) => {
      log.warn({ err: (error as Error).message, poolId: generation.poolId }, "worker runner stopped with an error");
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((r) => (timer = setTimeout(r, ABANDON_AFTER_MS)))]);
    clearTimeout(timer);
    // Closing the control session marks the runner dead for everyone's sweep.
    await generation.control.end().catch(() => {});
  }

  async function sweep(control: pg.Client): Promise<void> {
    try {
      const { rows } = await control.query<{ ids: string[] }>("select app_hidden.unlock_dead_workers($1::interval) as ids", [
        UNLOCK_GRACE,
      ]);
      const ids = rows[0]?.ids ?? [];
      if (ids.length > 0) log.warn({ workers: ids }, "released the jobs and queues of workers that are gone");
    } catch (error) {
      // The control connection failing ends this generation anyway.
      log.debug({ err: (error as Error).message }, "sweep of dead workers failed");
    }
  }

  function firstGeneration(): Promise<Generation> {
    return retryWhileUnreachable(startGeneration, {
      maxWaitMs: options.startupWaitMs,
      log,
      message: "database not reachable yet; worker runner waits for it",
      signal: options.startupSignal,
    });
  }

  async function supervise(): Promise<void> {
    let backoff = 500;
    while (!stopping) {
      const generation = current!;
      const reason = await Promise.race([generation.lost, stopRequested.then(() => undefined)]);
      if (stopping) return;
      log.error(
        { err: (reason as Error)?.message ?? String(reason), poolId: generation.poolId },
        "worker runner lost its database; starting a new one when it is back",
      );
      await endGeneration(generation);
      current = undefined;
      while (!stopping && !current) {
        try {
          current = await startGeneration();
          backoff = 500;
          if (stopping) await endGeneration(current);
        } catch (error) {
          log.warn({ err: (error as Error).message, retryInMs: backoff }, "worker runner cannot start yet");
          await Promise.race([sleep(backoff), stopRequested]);
          backoff = Math.min(backoff * 2, 10_000);
        }
      }
    }
  }

  current = await firstGeneration();
  const relay = options.outbox.brokers.length > 0 ? startRelayLoop(options.databaseUrl, options.outbox) : undefined;
  const supervising = supervise().catch((error) => log.fatal({ err: error }, "worker supervisor failed"));

  return {
    get poolId() {
      return current?.poolId;
    },
    relay,
    async stop() {
      stopping = true;
      wake();
      await supervising;
      await Promise.all([relay?.stop(), current ? endGeneration(current) : undefined]);
      current = undefined;
    },
  };
}
