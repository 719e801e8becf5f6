--! Previous: sha1:f588465cc0cb24e23848a134349872e0e93d5650
--! Hash: sha1:620d86200561280a24c9654a429beee94aec91c4
--! Message: outbox relay: enqueue on insert, parking, backlog view, pruning

/*
 * Outbox → Kafka relay support (src/outbox/relay.ts, tasks/relay_outbox.ts):
 *
 *   - an AFTER INSERT trigger on app_private.outbox enqueues the relay job in
 *     the inserting transaction: the relay runs as soon as the change commits,
 *     and never for a change that rolled back; a burst of inserts makes one
 *     pending job (job_key), so user actions stay as fast as before;
 *   - parked_at / parked_reason: a row the relay can never send (oversized,
 *     malformed) is set aside with its reason instead of blocking the others;
 *   - app_private.outbox_backlog: how far behind the relay is, for metrics
 *     and for DBAs;
 *   - app_hidden.prune_outbox(retention): deletes published rows older than
 *     the retention (the worker's daily cron calls it).
 */

--------------------------------------------------------------------------------
-- Parking
--------------------------------------------------------------------------------

alter table app_private.outbox add column if not exists parked_at timestamptz;
alter table app_private.outbox add column if not exists parked_reason text;

alter table app_private.outbox drop constraint if exists outbox_parked_reason_check;
alter table app_private.outbox add constraint outbox_parked_reason_check
  check ((parked_at is null) = (parked_reason is null));

comment on column app_private.outbox.parked_at is
  E'When the relay set this row aside because it can never be sent (too large, malformed); null otherwise. A parked row is not retried: fix or delete it, then set parked_at and parked_reason back to null to send it.';
comment on column app_private.outbox.parked_reason is
  E'Why the relay parked the row, e.g. "envelope is 2100000 bytes, above the 1048576-byte limit".';

-- The relay's queue: unpublished and not parked, in writing order. Replaces
-- the catalog's outbox_unpublished_position_idx for the relay's query (that
-- one stays: it also serves the backlog view's count of parked rows).
create index if not exists outbox_relay_queue_idx on app_private.outbox (position)
  where published_at is null and parked_at is null;
-- Pruning walks published rows by age.
create index if not exists outbox_published_at_idx on app_private.outbox (published_at)
  where published_at is not null;

--------------------------------------------------------------------------------
-- Enqueue the relay in the inserting transaction
--------------------------------------------------------------------------------

create or replace function app_private.tg_outbox__enqueue_relay() returns trigger
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- A relay job already waiting (due now, or backing off while Kafka is
  -- down) will see these rows too: leave it alone, so a burst of inserts
  -- costs one indexed lookup each and an outage keeps its backoff (the
  -- minute sweep in tasks/crontab caps that backoff at a minute).
  if exists (
    select from graphile_worker.jobs j
    where j.key = 'relay_outbox' and j.locked_at is null and j.attempts < j.max_attempts
  ) then
    return null;
  end if;
  -- Otherwise one job for any number of inserts: job_key makes concurrent
  -- callers share one job. If the relay is running right now, graphile-worker
  -- adds a fresh job, so rows committed during a run are sent right after it;
  -- the named queue runs relay jobs one at a time across all workers.
  perform graphile_worker.add_job(
    'relay_outbox',
    queue_name := 'relay_outbox',
    job_key := 'relay_outbox',
    job_key_mode := 'preserve_run_at',
    run_at := now()
  );
  return null;
end;
$$;
comment on function app_private.tg_outbox__enqueue_relay() is
  E'Trigger: after rows are inserted into the outbox, enqueues the relay_outbox job (one pending job however many rows) in the same transaction.';

drop trigger if exists _900_enqueue_relay on app_private.outbox;
create trigger _900_enqueue_relay
  after insert on app_private.outbox
  for each statement
  execute function app_private.tg_outbox__enqueue_relay();

--------------------------------------------------------------------------------
-- Backlog
--------------------------------------------------------------------------------

create or replace view app_private.outbox_backlog as
  select
    count(*) filter (where o.parked_at is null) as unpublished,
    coalesce(
      extract(epoch from now() - min(o.occurred_at) filter (where o.parked_at is null)),
      0
    )::double precision as oldest_unpublished_age_seconds,
    count(*) filter (where o.parked_at is not null) as parked,
    max(o.attempts) filter (where o.parked_at is null) as max_attempts,
    (array_agg(o.last_error order by o.position desc) filter (where o.parked_at is null and o.last_error is not null))[1]
      as last_error
  from app_private.outbox o
  where o.published_at is null;

comment on view app_private.outbox_backlog is
  E'How far behind the Kafka relay is, in one row: rows waiting to be sent, the age of the oldest, rows parked as unsendable (need an operator), the most attempts of a waiting row and the latest relay error. Alert when unpublished or oldest_unpublished_age_seconds keeps growing, or parked > 0.';
comment on column app_private.outbox_backlog.unpublished is E'Rows not yet acknowledged by Kafka (parked rows excluded).';
comment on column app_private.outbox_backlog.oldest_unpublished_age_seconds is E'Seconds since the oldest waiting row was written; 0 when nothing waits.';
comment on column app_private.outbox_backlog.parked is E'Rows the relay set aside as unsendable (see parked_reason); they are never retried by themselves.';
comment on column app_private.outbox_backlog.max_attempts is E'Most relay attempts of a waiting row (grows while Kafka is down).';
comment on column app_private.outbox_backlog.last_error is E'The latest relay error recorded on a waiting row.';

--------------------------------------------------------------------------------
-- Pruning
--------------------------------------------------------------------------------

create or replace function app_hidden.prune_outbox(retention interval) returns integer
  language plpgsql volatile
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_count integer;
begin
  if retention is null or retention < interval '0' then
    raise exception 'retention must be zero or more' using errcode = '22023', column = 'retention';
  end if;
  delete from app_private.outbox o
  where o.published_at is not null
    and o.published_at < now() - prune_outbox.retention;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function app_hidden.prune_outbox(interval) is
  E'Deletes outbox rows published (acknowledged by Kafka) longer ago than `retention`; returns how many. Unpublished and parked rows are never pruned. Run daily by the worker''s prune_outbox task as the owner.';
