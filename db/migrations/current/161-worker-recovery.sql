/*
 * Worker recovery (#16 items 1–2) and the relay loop (#21 item 5).
 *
 *   - The outbox no longer enqueues a graphile-worker job per insert: the
 *     relay is a loop in every worker process, one of which holds a session
 *     advisory lock and sends (src/outbox/relay-loop.ts). The insert trigger
 *     goes (user transactions lose a lookup and a job insert), and so do the
 *     relay jobs it left behind.
 *   - app_hidden.unlock_dead_workers(grace): releases the jobs and named
 *     queues that graphile-worker runners which no longer exist still lock
 *     (a process killed with -9, a runner abandoned while PostgreSQL was
 *     away), with graphile-worker's own force_unlock_workers. A live runner
 *     is one whose control connection is open: its application_name is
 *     'aquastream-event:live:<worker pool id>' (src/worker/supervisor.ts).
 */

--------------------------------------------------------------------------------
-- The relay is no longer a job
--------------------------------------------------------------------------------

drop trigger if exists _900_enqueue_relay on app_private.outbox;
drop function if exists app_private.tg_outbox__enqueue_relay();

do $$
begin
  -- Relay jobs enqueued by the old trigger or the old minute sweep: nobody
  -- runs that task any more, so they would wait forever.
  if to_regclass('graphile_worker._private_jobs') is not null then
    delete from graphile_worker._private_jobs j
    using graphile_worker._private_tasks t
    where j.task_id = t.id and t.identifier = 'relay_outbox' and j.locked_at is null;
  end if;
end;
$$;

--------------------------------------------------------------------------------
-- Locks of dead runners
--------------------------------------------------------------------------------

create or replace function app_hidden.unlock_dead_workers(grace interval default interval '15 seconds')
  returns text[]
  language plpgsql volatile security definer
  set search_path to pg_catalog, pg_temp
as $$
declare
  dead text[];
begin
  -- A runner's locks are released only when they are older than `grace`, so
  -- a runner that has just locked its first job and is still opening its
  -- control connection is never taken for dead.
  select array_agg(distinct l.locked_by) into dead
  from (
    select j.locked_by from graphile_worker._private_jobs j
    where j.locked_by is not null and j.locked_at < now() - grace
    union
    select q.locked_by from graphile_worker._private_job_queues q
    where q.locked_by is not null and q.locked_at < now() - grace
  ) l
  where not exists (
    select from pg_stat_activity a
    where a.application_name = 'aquastream-event:live:' || l.locked_by
  );
  if dead is not null then
    -- graphile-worker's own release: the jobs run again (attempt counted),
    -- the named queues (crew) are free.
    perform graphile_worker.force_unlock_workers(dead);
  end if;
  return coalesce(dead, '{}');
end;
$$;

comment on function app_hidden.unlock_dead_workers(interval) is
  E'Releases jobs and named queues locked longer than `grace` by graphile-worker runners that have no live control connection (application_name ''aquastream-event:live:<pool id>''), using graphile_worker.force_unlock_workers; returns the released runner ids. Every worker process calls it every few seconds; operators never need to.';

revoke all on function app_hidden.unlock_dead_workers(interval) from public;

--------------------------------------------------------------------------------
-- The outbox is a queue: vacuum it often
--------------------------------------------------------------------------------

-- Every published row leaves a dead entry in the relay's partial index
-- (outbox_relay_queue_idx) that each poll walks over until vacuum removes
-- it; the default thresholds (20 % of the table) let tens of thousands pile
-- up under steady traffic. Vacuum after ~1,000 changed rows instead.
alter table app_private.outbox set (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0,
  autovacuum_vacuum_insert_threshold = 5000
);
