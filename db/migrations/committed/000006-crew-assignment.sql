--! Previous: sha1:7ae744e182edb580ba8482718fb86b4655b7cf12
--! Hash: sha1:8dd1eded24d971ff72549ca18c1928dedb8d9460
--! Message: crew assignment: jobs enqueued with the change, assignment history, records from the worker, admin retry

/*
 * Crew assignment through the crew service (issue 6).
 *
 * The crew service is the system of record for crews; this database keeps
 * which crew each event has (event.crew_id / crew_status, as before) and the
 * history of assignments (app_private.crew_assignment). The calls themselves
 * run in the worker (tasks/assign_crew.ts, tasks/release_crew.ts), never in a
 * user's request:
 *
 *   - publishing an event with crew_required (or re-requesting a crew: new
 *     dates, crew_required switched on, an admin's retry) enqueues the
 *     `assign_crew` job in the same transaction (trigger below);
 *   - the job asks the crew service, then records the answer with
 *     app_hidden.record_crew_assigned (CrewAssigned), or, after its last
 *     attempt, app_hidden.record_crew_assignment_failed (crew_status failed,
 *     CrewAssignmentFailed for admins);
 *   - an event that loses its crew (canceled, new dates, crew no longer
 *     required) marks the assignment for release and enqueues `release_crew`,
 *     which calls ReleaseCrew and records app_hidden.record_crew_released
 *     (CrewReleased).
 *
 * Outbox: aggregate_type 'crew', aggregate_id = the event's id, so one
 * event's crew messages are ordered (Kafka key) on topic aquastream.crew.
 */

--------------------------------------------------------------------------------
-- History of assignments
--------------------------------------------------------------------------------

drop table if exists app_private.crew_assignment cascade;
create table app_private.crew_assignment (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null
    constraint crew_assignment_event_id_fkey references app_public.event (id) on delete cascade,
  crew_id uuid not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  assigned_at timestamptz not null default now(),
  release_requested_at timestamptz,
  released_at timestamptz,
  constraint crew_assignment_released_at_check check (released_at is null or release_requested_at is not null)
);
-- At most one current (not to be released) assignment per event: a retried
-- job can never record a second crew for the same event.
create unique index crew_assignment_event_id_current_key on app_private.crew_assignment (event_id)
  where release_requested_at is null;
-- The release job's work list.
create index crew_assignment_release_due_idx on app_private.crew_assignment (event_id)
  where release_requested_at is not null and released_at is null;

comment on table app_private.crew_assignment is
  E'Every crew the crew service assigned to an event, with when it was (to be) released. The event''s current crew is also on app_public.event (crew_id). Written only by the app_hidden.record_crew_* functions and the event trigger; no grants to clients.';
comment on column app_private.crew_assignment.id is E'Identifier of the assignment.';
comment on column app_private.crew_assignment.event_id is E'The event.';
comment on column app_private.crew_assignment.crew_id is E'The crew (the crew service''s id).';
comment on column app_private.crew_assignment.starts_at is E'Start of the period the crew was assigned for.';
comment on column app_private.crew_assignment.ends_at is E'End of that period.';
comment on column app_private.crew_assignment.assigned_at is E'When the assignment was recorded.';
comment on column app_private.crew_assignment.release_requested_at is
  E'When the event lost this crew (canceled, new dates, crew no longer required, or the answer came too late); the release_crew job then releases it at the crew service.';
comment on column app_private.crew_assignment.released_at is E'When the crew service confirmed the release.';

--------------------------------------------------------------------------------
-- Enqueueing, in the transaction of the change
--------------------------------------------------------------------------------

/*
 * New dates need a new crew: the assigned one (or a failed attempt) gives
 * way to a fresh request. BEFORE UPDATE, so the row that is written no
 * longer claims the old crew (and the exclusion constraint sees the truth).
 */
create or replace function app_private.tg_event__crew_new_period() returns trigger
  language plpgsql
as $$
begin
  if new.crew_required and new.status in ('draft', 'published') and new.crew_status in ('assigned', 'failed')
     and (new.starts_at, new.ends_at) is distinct from (old.starts_at, old.ends_at) then
    new.crew_id := null;
    new.crew_status := 'pending';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_event__crew_new_period() is
  E'Trigger: when an event with a crew (or a failed assignment) gets new dates, its crew is dropped and a new one requested (crew_status pending).';

drop trigger if exists _400_crew_new_period on app_public.event;
create trigger _400_crew_new_period
  before update of starts_at, ends_at on app_public.event
  for each row execute function app_private.tg_event__crew_new_period();

/*
 * The crew jobs, enqueued in the transaction that changed the event (so a
 * rolled-back change enqueues nothing). Both run in the named queue `crew`:
 * one crew call at a time across all workers, in the order they were asked
 * (a release before the assignment that follows it).
 */
create or replace function app_private.tg_event__enqueue_crew_jobs() returns trigger
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- The event lost the crew it had: release it at the crew service.
  if old.crew_id is not null
     and (new.crew_id is distinct from old.crew_id or (new.status = 'canceled' and old.status <> 'canceled')) then
    update app_private.crew_assignment a
    set release_requested_at = now()
    where a.event_id = new.id and a.release_requested_at is null;
    perform app_hidden.enqueue_crew_job('release_crew', new.id);
  end if;

  -- A published event needs a crew it does not have yet (just published, new
  -- dates, crew_required switched on, or an admin's retry).
  if new.status = 'published' and new.crew_status = 'pending'
     and (old.status is distinct from new.status or old.crew_status is distinct from new.crew_status) then
    perform app_hidden.enqueue_crew_job('assign_crew', new.id);
  end if;
  return null;
end;
$$;
comment on function app_private.tg_event__enqueue_crew_jobs() is
  E'Trigger: enqueues release_crew when an event loses its crew and assign_crew when a published event needs one, in the same transaction.';

create or replace function app_hidden.enqueue_crew_job(task text, event_id uuid) returns void
  language sql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  select graphile_worker.add_job(
    enqueue_crew_job.task,
    json_build_object('eventId', enqueue_crew_job.event_id, 'requestedBy', app_public.current_user_id()),
    queue_name := 'crew',
    -- One waiting job per event and task: asking twice before it runs asks once.
    job_key := enqueue_crew_job.task || ':' || enqueue_crew_job.event_id,
    job_key_mode := 'replace'
  );
$$;
comment on function app_hidden.enqueue_crew_job(text, uuid) is
  E'Enqueues a crew job (assign_crew or release_crew) for an event in the caller''s transaction; the payload names who asked (requestedBy, forwarded to the crew service).';

drop trigger if exists _900_enqueue_crew_jobs on app_public.event;
-- Not `update of …`: that looks at the statement's SET list, and the crew
-- columns may change only through the BEFORE trigger above.
create trigger _900_enqueue_crew_jobs
  after update on app_public.event
  for each row
  when (old.status is distinct from new.status or old.crew_status is distinct from new.crew_status
        or old.crew_id is distinct from new.crew_id)
  execute function app_private.tg_event__enqueue_crew_jobs();

--------------------------------------------------------------------------------
-- What the worker calls (as the owner; no grants to clients)
--------------------------------------------------------------------------------

/*
 * What to ask the crew service for, or no row when the event no longer
 * needs a crew (canceled, already assigned, not required, not published).
 */
create or replace function app_hidden.crew_request(event_id uuid)
  returns table (event_id uuid, starts_at timestamptz, ends_at timestamptz, location text, participants integer)
  language sql stable
  set search_path to pg_catalog, public, pg_temp
as $$
  select e.id, e.starts_at, e.ends_at, e.location_name, e.capacity
  from app_public.event e
  where e.id = crew_request.event_id and e.status = 'published' and e.crew_status = 'pending';
$$;
comment on function app_hidden.crew_request(uuid) is
  E'The AssignCrew request for an event that is published and waiting for a crew; no row when it needs none (any more).';

/*
 * Records the crew service's answer. Idempotent: the same crew again is a
 * no-op (a retried job never assigns twice). When the event no longer wants
 * this crew (canceled meanwhile, new dates, or it already has one), the
 * assignment is recorded as to be released and release_crew is enqueued, so
 * the crew never stays booked at the crew service for nothing.
 * Returns true when the crew is now the event's.
 */
create or replace function app_hidden.record_crew_assigned(
  event_id uuid,
  crew_id uuid,
  starts_at timestamptz,
  ends_at timestamptz
) returns boolean
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event;
begin
  select * into v_event from app_public.event e where e.id = record_crew_assigned.event_id for update;
  if not found then
    raise exception 'event % not found', record_crew_assigned.event_id using errcode = 'P0002';
  end if;

  if v_event.crew_id = record_crew_assigned.crew_id and v_event.crew_status = 'assigned' then
    return true; -- already recorded (a retry after a lost answer)
  end if;

  if v_event.status <> 'published' or v_event.crew_status <> 'pending'
     or (v_event.starts_at, v_event.ends_at) is distinct from (record_crew_assigned.starts_at, record_crew_assigned.ends_at) then
    insert into app_private.crew_assignment (event_id, crew_id, starts_at, ends_at, release_requested_at)
    values (v_event.id, record_crew_assigned.crew_id, record_crew_assigned.starts_at, record_crew_assigned.ends_at, now());
    perform app_hidden.enqueue_crew_job('release_crew', v_event.id);
    return false;
  end if;

  insert into app_private.crew_assignment (event_id, crew_id, starts_at, ends_at)
  values (v_event.id, record_crew_assigned.crew_id, v_event.starts_at, v_event.ends_at);
  update app_public.event e
  set crew_id = record_crew_assigned.crew_id, crew_status = 'assigned'
  where e.id = v_event.id
  returning * into v_event;

  perform app_hidden.record_change(
    'crew', v_event.id, 'CrewAssigned', 'crew.assign', 'event',
    jsonb_build_object('eventId', v_event.id, 'crewId', v_event.crew_id,
                       'startsAt', v_event.starts_at, 'endsAt', v_event.ends_at)
  );
  return true;
end;
$$;
comment on function app_hidden.record_crew_assigned(uuid, uuid, timestamptz, timestamptz) is
  E'The worker records the crew the crew service assigned for this period: the event gets crew_id, crew_status assigned, CrewAssigned. Idempotent. If the event no longer wants it (canceled, new dates, already assigned), the crew is queued for release instead and false is returned. Errors: P0002, 23P01 (the crew is on an overlapping event).';

/* After the last attempt: a visible state for admins, never a silent loss. */
create or replace function app_hidden.record_crew_assignment_failed(event_id uuid, error text, attempts integer)
  returns boolean
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event;
begin
  update app_public.event e
  set crew_status = 'failed'
  where e.id = record_crew_assignment_failed.event_id and e.status = 'published' and e.crew_status = 'pending'
  returning * into v_event;
  if not found then
    return false; -- no longer waiting for a crew: nothing failed
  end if;

  perform app_hidden.record_change(
    'crew', v_event.id, 'CrewAssignmentFailed', 'crew.assign_failed', 'event',
    jsonb_build_object('eventId', v_event.id, 'startsAt', v_event.starts_at, 'endsAt', v_event.ends_at,
                       'organizerId', v_event.organizer_id, 'attempts', record_crew_assignment_failed.attempts,
                       'error', record_crew_assignment_failed.error)
  );
  return true;
end;
$$;
comment on function app_hidden.record_crew_assignment_failed(uuid, text, integer) is
  E'The worker gave up assigning a crew after its last attempt: crew_status failed and CrewAssignmentFailed (for admins), if the event was still waiting. Returns whether it was.';

/* The crews of an event waiting to be released at the crew service. */
create or replace function app_hidden.crew_releases_due(event_id uuid)
  returns table (assignment_id uuid, crew_id uuid)
  language sql stable
  set search_path to pg_catalog, public, pg_temp
as $$
  select a.id, a.crew_id
  from app_private.crew_assignment a
  where a.event_id = crew_releases_due.event_id and a.release_requested_at is not null and a.released_at is null
  order by a.assigned_at;
$$;
comment on function app_hidden.crew_releases_due(uuid) is
  E'Assignments of the event that are to be released and not yet released (the release_crew job''s work).';

/* The crew service confirmed a release. Idempotent: once per assignment. */
create or replace function app_hidden.record_crew_released(assignment_id uuid) returns boolean
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_assignment app_private.crew_assignment;
begin
  update app_private.crew_assignment a
  set released_at = now()
  where a.id = record_crew_released.assignment_id and a.release_requested_at is not null and a.released_at is null
  returning * into v_assignment;
  if not found then
    return false;
  end if;

  perform app_hidden.record_change(
    'crew', v_assignment.event_id, 'CrewReleased', 'crew.release', 'crew_assignment',
    jsonb_build_object('eventId', v_assignment.event_id, 'crewId', v_assignment.crew_id,
                       'startsAt', v_assignment.starts_at, 'endsAt', v_assignment.ends_at),
    v_assignment.id::text
  );
  return true;
end;
$$;
comment on function app_hidden.record_crew_released(uuid) is
  E'The worker records that the crew service released an assignment: released_at and CrewReleased, once.';

--------------------------------------------------------------------------------
-- An admin asks again after a failure
--------------------------------------------------------------------------------

drop function if exists app_public.retry_crew_assignment(uuid);
create function app_public.retry_crew_assignment(id uuid) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event;
begin
  perform app_hidden.assert_signed_in();
  if not app_public.has_role('admin') then
    raise exception 'only admins can retry a crew assignment' using errcode = '42501';
  end if;
  select * into v_event from app_public.event e where e.id = retry_crew_assignment.id for update;
  if not found then
    raise exception 'event not found' using errcode = 'P0002', column = 'id';
  end if;
  if v_event.status <> 'published' or v_event.crew_status <> 'failed' then
    raise exception 'only a published event whose crew assignment failed can be retried; this one is % with crew %',
      v_event.status, v_event.crew_status
      using errcode = '55000', column = 'crew_status';
  end if;

  -- The trigger enqueues assign_crew for the pending event.
  update app_public.event e set crew_status = 'pending' where e.id = v_event.id returning * into v_event;
  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event.retry_crew', 'event',
    jsonb_build_object('changes', jsonb_build_object('crewStatus', jsonb_build_object('from', 'failed', 'to', 'pending')),
                       'event', app_hidden.event_data(v_event))
  );
  return v_event;
end;
$$;
comment on function app_public.retry_crew_assignment(uuid) is
  E'An admin asks the crew service again for an event whose crew assignment failed: crew_status back to pending, a new assign_crew job. Errors: 28000, 42501, P0002, 55000 (not published, or not failed).';
-- Not granted (owner only): the app_hidden crew functions above, which the
-- worker and the triggers run. Clients only get the admin's retry:
grant execute on function app_public.retry_crew_assignment(uuid) to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;
