/*
 * A worker that starts with crew assignment on runs the crew jobs that are
 * waiting at once (#17). Without CREW_SERVICE_ADDRESS, assign_crew jobs put
 * themselves back every CREW_RETRY_MAX_MS (15 min by default), and jobs that
 * failed against a crew service that was down wait out their backoff; an
 * operator who configures (or fixes) the crew service and restarts the
 * worker means "now", so waiting events should not sit there for another
 * quarter of an hour. Only the wait is cut short: a job keeps its attempt
 * number, so CREW_ASSIGN_ATTEMPTS still bounds the calls per event.
 */
import type pg from "pg";
import { crewConfig } from "./jobs.ts";

/** Moves the run_at of every waiting, unlocked crew job to now; returns how many. Nothing when assignment is off. */
export async function wakeWaitingCrewJobs(pool: pg.Pool): Promise<number> {
  if (!crewConfig().address) return 0;
  // graphile-worker's own reschedule function (it also bumps the job's
  // revision, so a worker holding an older copy cannot complete it twice).
  const { rows } = await pool.query<{ woken: string }>(
    `select count(*) as woken from graphile_worker.reschedule_jobs(
       (select coalesce(array_agg(id), '{}') from graphile_worker.jobs
         where task_identifier in ('assign_crew', 'release_crew')
           and locked_at is null and run_at > now()),
       run_at => now())`,
  );
  return Number(rows[0]!.woken);
}
