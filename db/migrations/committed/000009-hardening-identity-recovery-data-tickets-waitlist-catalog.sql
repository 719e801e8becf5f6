--! Previous: sha1:499b63077f9a50a90a2248021d01fd543529616c
--! Hash: sha1:2b3417b2b3587b154fe0d23a8daa2e32b63172f5
--! Message: hardening identity recovery lifecycle tickets waitlist catalog

--! split: 1-current.sql
-- Enter migration here
-- One file per topic beside this one (NNN-topic.sql, applied in number order);
-- npm run db:commit joins them into the next committed migration.

--! split: 130-api-hardening.sql
--! api-hardening (#13): one rule for the user-visible text of every table.
--
-- Review texts refused control characters (review_content_control_check,
-- RVCTL) while event titles, descriptions, location names, tier names,
-- cancel reasons… took BEL, ESC, DEL, C1 controls, bidi overrides (U+202E
-- turns "gpj.exe" into "exe.jpg" on screen) and zero-width characters
-- (two titles that look the same but differ). Now ONE immutable function
-- decides what text may hold, and every user-visible text column calls it in
-- a CHECK constraint: the function states the rule once, constraints hold
-- for every writer (SQL functions, psql, future code), and no column changes
-- type (other migrations build generated columns and views on them).
--
-- Refused, in every such column:
--   C0 controls U+0001–U+001F (NUL cannot be stored at all: 22021), except
--     tab, line feed and carriage return in multi-line texts (descriptions,
--     review texts, reasons, notes); single-line texts (titles, names,
--     codes) refuse those too;
--   DEL U+007F and the C1 controls U+0080–U+009F;
--   bidi embeddings/overrides U+202A–U+202E and isolates U+2066–U+2069;
--   zero-width space U+200B, word joiner and invisible operators
--     U+2060–U+2064, zero-width no-break space / BOM U+FEFF.
-- Allowed on purpose: ZWNJ/ZWJ (U+200C/U+200D: needed by emoji sequences and
-- by Persian and Indic scripts) and the LRM/RLM marks (U+200E/U+200F: needed
-- to write mixed right-to-left text correctly; they cannot reorder text the
-- way overrides do).
--
-- Existing rows: a database that already holds such characters must still
-- migrate, and a NOT VALID constraint would leave old rows that every later
-- UPDATE of the row (publishing, completing by the worker…) trips over. So
-- the rows that break the rule are CLEANED first — the forbidden characters
-- removed, and in single-line texts tab/line breaks become a space — with
-- the tables' triggers off for that statement only (it is a repair, not a
-- business change: no audit row, no outbox message, no state-machine check),
-- and then each constraint is added VALIDATED. On a clean database (every
-- database created from these migrations) nothing is updated. The cleaning
-- is reported with RAISE NOTICE (table, column, rows).

create or replace function app_hidden.text_violation(value text, multiline boolean)
  returns text
  language sql immutable parallel safe
  set search_path to pg_catalog
as $$
  select substring(
    value from case
      when multiline then '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]'
      else '[\u0001-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]'
    end)
$$;

comment on function app_hidden.text_violation(text, boolean) is
  E'The first character of the text that user-visible text may not hold (control characters except tab/line breaks in multi-line text, DEL, C1, bidi overrides/isolates, zero-width space/joiner/BOM), or null when there is none. The one statement of the rule: assert_clean_text and the migration''s repair use it.';

create or replace function app_hidden.assert_clean_text(value text, field text, multiline boolean)
  returns boolean
  language plpgsql immutable parallel safe
  set search_path to pg_catalog
as $$
declare
  v_bad text := app_hidden.text_violation(value, multiline);
begin
  if v_bad is not null then
    raise exception '% contains a character that is not allowed: U+%', field, upper(lpad(to_hex(ascii(v_bad)), 4, '0'))
      using errcode = 'TXCHR', column = field,
            hint = case when multiline
              then 'Remove control characters (tab and line breaks are fine), bidi overrides/isolates and zero-width characters.'
              else 'Remove control characters (including tab and line breaks), bidi overrides/isolates and zero-width characters.'
            end;
  end if;
  return true;
end;
$$;

comment on function app_hidden.assert_clean_text(text, text, boolean) is
  E'CHECK constraint body for user-visible text: true, or raises TXCHR naming the column (field) and the character (U+XXXX). Immutable: depends on the value only.';

-- A CHECK runs its function as the writing role: members write through
-- SECURITY DEFINER functions today, but a grant keeps direct writes (psql as
-- a member, future tables) answering TXCHR rather than "permission denied".
grant execute on function app_hidden.text_violation(text, boolean) to aquastream_member;
grant execute on function app_hidden.assert_clean_text(text, text, boolean) to aquastream_member;

do $$
declare
  -- table, column, multi-line
  v_columns constant text[][] := array[
    ['event', 'title', 'false'],
    ['event', 'description', 'true'],
    ['event', 'location_name', 'false'],
    ['event', 'cancel_reason', 'true'],
    ['event_category', 'name', 'false'],
    ['event_category', 'description', 'true'],
    ['event_price_tier', 'name', 'false'],
    ['booking', 'cancel_reason', 'true'],
    ['refund', 'reason', 'true'],
    ['review', 'content', 'true'],
    ['review', 'moderation_note', 'true'],
    ['promo_code', 'code', 'false'],
    ['payment', 'error_message', 'true']
  ];
  v_table text;
  v_column text;
  v_multiline boolean;
  v_constraint text;
  v_dirty bigint;
  v_pattern text;
begin
  for i in 1 .. array_length(v_columns, 1) loop
    v_table := v_columns[i][1];
    v_column := v_columns[i][2];
    v_multiline := v_columns[i][3]::boolean;
    v_constraint := format('%s_%s_text_check', v_table, v_column);
    continue when exists (
      select from pg_constraint
      where conname = v_constraint and conrelid = format('app_public.%I', v_table)::regclass
    );

    execute format('select count(*) from app_public.%I where app_hidden.text_violation(%I::text, %L) is not null',
                   v_table, v_column, v_multiline)
      into v_dirty;
    if v_dirty > 0 then
      -- Repair (see the header): drop the forbidden characters, single-line breaks become spaces.
      v_pattern := '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]';
      execute format('alter table app_public.%I disable trigger user', v_table);
      execute format(
        'update app_public.%1$I set %2$I = regexp_replace(%3$s, %4$L, '''', ''g'')
          where app_hidden.text_violation(%2$I::text, %5$L) is not null',
        v_table, v_column,
        case when v_multiline then format('%I::text', v_column)
             else format('regexp_replace(%I::text, ''[\t\n\r]'', '' '', ''g'')', v_column) end,
        v_pattern, v_multiline);
      execute format('alter table app_public.%I enable trigger user', v_table);
      raise notice 'text hygiene: cleaned % row(s) of app_public.%.%', v_dirty, v_table, v_column;
    end if;

    execute format('alter table app_public.%I add constraint %I check (app_hidden.assert_clean_text(%I::text, %L, %L))',
                   v_table, v_constraint, v_column, v_column, v_multiline);
    execute format('comment on constraint %I on app_public.%I is %L', v_constraint, v_table,
                   format('User-visible text rule (app_hidden.assert_clean_text, %s): TXCHR.',
                          case when v_multiline then 'multi-line' else 'single-line' end));
  end loop;
end;
$$;

-- Promo code lookups by text (promoCodeByEventIdAndCode, allPromoCodes with
-- condition { code }) compare as citext, an extension type in schema public:
-- a client role without USAGE on public got "type citext does not exist",
-- answered INTERNAL, and legitimate organizers could not look their codes
-- up. db/afterReset.sql grants it on bootstrap; this repeats it for
-- databases bootstrapped before that (idempotent). Only where the migrating
-- role may grant it (the database owner owns public from PostgreSQL 15 on);
-- otherwise a DBA runs `npm run db:bootstrap`.
do $$
begin
  if has_schema_privilege(current_user, 'public', 'USAGE WITH GRANT OPTION') then
    grant usage on schema public to aquastream_anonymous, aquastream_member;
  else
    raise notice 'api-hardening: cannot grant USAGE on schema public (citext lookups need it): run npm run db:bootstrap';
  end if;
end;
$$;

--! split: 161-worker-recovery.sql
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

--! split: 170-grpc-parity.sql
-- #17: what the API gateway needs over gRPC, and the organizer/admin
-- operations the seed plan names. Idempotent: re-applied on top of itself.

--------------------------------------------------------------------------------
-- The payment gateway reads payments by its own reference.
--
-- payment is visible through its booking (select_visible), and the gateway's
-- service account sees no booking, so `paymentByGatewayReference` (GraphQL)
-- answered null for the one caller it exists for. The gateway creates and
-- settles every payment anyway (confirm_payment, fail_payment), so it may
-- read them all; refunds follow (refund.select_visible goes through payment).
-- It still sees no booking, event or user data beyond the payment row.
--------------------------------------------------------------------------------
drop policy if exists select_payment_gateway on app_public.payment;
create policy select_payment_gateway on app_public.payment
  for select
  using ((select app_public.has_role('payment-gateway')));
comment on policy select_payment_gateway on app_public.payment is
  E'The payment gateway (role payment-gateway) reads every payment, e.g. by its gateway_reference to reconcile webhooks; bookings stay hidden from it.';

--------------------------------------------------------------------------------
-- An admin assigns a crew by hand (the crew service is down, or cannot help).
--
-- The crew is recorded on the event exactly as the worker records one
-- (crew_id, crew_status assigned, CrewAssigned with "manual": true), so a
-- waiting assign_crew job finds nothing to do and an answer of the crew
-- service arriving later is released (record_crew_assigned). No
-- app_private.crew_assignment row is written: that table is what the crew
-- service assigned and must release; a crew assigned by hand is arranged with
-- the crew team directly and never released through the crew service.
--------------------------------------------------------------------------------
drop function if exists app_public.assign_crew_manually(uuid, uuid);
create function app_public.assign_crew_manually(id uuid, crew_id uuid) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event;
  v_from app_public.crew_status;
begin
  perform app_hidden.assert_signed_in();
  if not app_public.has_role('admin') then
    raise exception 'only admins can assign a crew by hand' using errcode = '42501';
  end if;
  if assign_crew_manually.crew_id is null then
    raise exception 'crew_id is required' using errcode = '22023', column = 'crew_id';
  end if;
  select * into v_event from app_public.event e where e.id = assign_crew_manually.id for update;
  if not found then
    raise exception 'event not found' using errcode = 'P0002', column = 'id';
  end if;
  if v_event.status <> 'published' or v_event.crew_status not in ('pending', 'failed') then
    raise exception 'only a published event waiting for a crew (pending or failed) gets one by hand; this one is % with crew %',
      v_event.status, v_event.crew_status
      using errcode = '55000', column = 'crew_status';
  end if;

  v_from := v_event.crew_status;
  -- 23P01 (event_crew_id_excl) when the crew is on an overlapping event.
  update app_public.event e
  set crew_id = assign_crew_manually.crew_id, crew_status = 'assigned'
  where e.id = v_event.id
  returning * into v_event;

  perform app_hidden.record_change(
    'crew', v_event.id, 'CrewAssigned', 'crew.assign_manually', 'event',
    jsonb_build_object('eventId', v_event.id, 'crewId', v_event.crew_id,
                       'startsAt', v_event.starts_at, 'endsAt', v_event.ends_at,
                       'manual', true, 'assignedBy', app_public.current_user_id(), 'fromStatus', v_from)
  );
  return v_event;
end;
$$;
comment on function app_public.assign_crew_manually(uuid, uuid) is
  E'An admin records a crew arranged by hand (e.g. while the crew service is down) on a published event waiting for one (crew_status pending or failed): crew_id set, crew_status assigned, CrewAssigned with manual true. The crew service is not told, now or on release. Errors: 28000, 42501, 22023, P0002, 55000 (not published, or not waiting for a crew), 23P01 (the crew is on an overlapping event).';
grant execute on function app_public.assign_crew_manually(uuid, uuid) to aquastream_member;

--------------------------------------------------------------------------------
-- An admin reviews an event without a booking (the seed plan's "admin
-- override" of the participants-only rule). Every other rule of
-- create_review holds: visible, not canceled, ended, rating and text valid,
-- one review per user and event, moderation as configured. The audit log
-- tells it apart (action review.create_by_admin); the outbox message is the
-- same ReviewCreated.
--------------------------------------------------------------------------------
drop function if exists app_public.create_admin_review(uuid, integer, text);
create function app_public.create_admin_review(event_id uuid, rating integer, content text) returns app_public.review
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event app_public.event;
  v_review app_public.review;
begin
  if not app_public.has_role('admin') then
    raise exception 'only admins may review an event without a booking; participants use create_review'
      using errcode = '42501';
  end if;
  select * into v_event from app_public.event e where e.id = create_admin_review.event_id;
  if not found then
    raise exception 'event not found' using errcode = 'P0002', column = 'event_id';
  end if;
  perform app_hidden.assert_review_valid(create_admin_review.rating, create_admin_review.content);
  if v_event.status = 'canceled' then
    raise exception 'the event was canceled; it cannot be reviewed' using errcode = '55000', column = 'status';
  end if;
  if v_event.ends_at > now() then
    raise exception 'the event has not ended yet; reviews open at %', v_event.ends_at
      using errcode = 'RVEND', hint = 'Review the event after it ends.';
  end if;

  insert into app_public.review (event_id, user_id, rating, content, status)
  values (
    v_event.id, v_user_id, create_admin_review.rating, create_admin_review.content,
    case when app_hidden.review_moderation_on() then 'pending' else 'active' end::app_public.review_status
  )
  on conflict on constraint review_event_id_user_id_key do nothing
  returning * into v_review;
  if v_review.id is null then
    raise exception 'you have already reviewed this event'
      using errcode = 'RVDUP', hint = 'Change it with update_review.';
  end if;

  perform app_hidden.record_change('review', v_review.id, 'ReviewCreated', 'review.create_by_admin', 'review', app_hidden.review_data(v_review));
  return v_review;
end;
$$;
comment on function app_public.create_admin_review(uuid, integer, text) is
  E'An admin reviews an ended event without a booking (participants use create_review). Otherwise the rules of create_review: rating 1-5, plain text, one review per user and event, pending when review_moderation is on. ReviewCreated. Errors: 28000, 42501, P0002, RVRAT, RVLEN, RVCTL, 55000 (canceled), RVEND, RVDUP.';
grant execute on function app_public.create_admin_review(uuid, integer, text) to aquastream_member;

--------------------------------------------------------------------------------
-- The organizer's public reply to a review: one per review, editable,
-- moderated like reviews (review_moderation on: pending until an admin makes
-- it active; an admin may reject it any time). Clients read it under RLS and
-- write it only through the functions below.
--------------------------------------------------------------------------------
create table if not exists app_public.review_reply (
  id uuid primary key default gen_random_uuid(),
  review_id uuid not null unique references app_public.review (id) on delete cascade,
  organizer_id uuid not null,
  content text not null,
  status app_public.review_status not null,
  moderated_by uuid,
  moderated_at timestamptz,
  moderation_note text,
  edited_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint review_reply_content_check check (char_length(content) between 1 and 2000)
);
comment on table app_public.review_reply is
  E'@behavior -insert -update -delete\nThe organizer''s public reply to a review of its event: at most one per review, editable by its author, moderated by admins like reviews. Written only through reply_to_review, moderate_review_reply and delete_review_reply.';
comment on column app_public.review_reply.review_id is E'The review answered (one reply per review).';
comment on column app_public.review_reply.organizer_id is E'Keycloak subject of the organizer who wrote it (the event''s organizer).';
comment on column app_public.review_reply.content is E'Plain text exactly as written, 1 to 2000 characters: render as text, never as HTML.';
comment on column app_public.review_reply.status is E'pending (waiting for an admin), active (public) or rejected (seen by its author and admins).';
comment on column app_public.review_reply.moderated_by is E'The admin who last moderated it.';
comment on column app_public.review_reply.moderated_at is E'When it was last moderated.';
comment on column app_public.review_reply.moderation_note is E'The admin''s note of the last moderation, for the author.';
comment on column app_public.review_reply.edited_at is E'When its author last changed the text.';
-- The user-visible text rule of 130-api-hardening (TXCHR: bidi overrides,
-- zero-width characters, …) holds for replies as for reviews.
alter table app_public.review_reply drop constraint if exists review_reply_content_text_check;
alter table app_public.review_reply add constraint review_reply_content_text_check
  check (app_hidden.assert_clean_text(content::text, 'content', true));
alter table app_public.review_reply drop constraint if exists review_reply_moderation_note_text_check;
alter table app_public.review_reply add constraint review_reply_moderation_note_text_check
  check (app_hidden.assert_clean_text(moderation_note::text, 'moderation_note', true));
comment on constraint review_reply_content_text_check on app_public.review_reply is
  E'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';
comment on constraint review_reply_moderation_note_text_check on app_public.review_reply is
  E'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';
create index if not exists review_reply_organizer_id_idx on app_public.review_reply (organizer_id);

drop trigger if exists _100_timestamps on app_public.review_reply;
create trigger _100_timestamps before update on app_public.review_reply
  for each row execute function app_private.tg__set_updated_at();

alter table app_public.review_reply enable row level security;
drop policy if exists select_visible on app_public.review_reply;
create policy select_visible on app_public.review_reply
  for select
  using (
    -- Active replies to reviews the caller may see; its own in any status; admins all.
    (status = 'active' and review_id in (select r.id from app_public.review r))
    or organizer_id = (select app_public.current_user_id())
    or (select app_public.has_role('admin'))
  );
comment on policy select_visible on app_public.review_reply is
  E'Active replies to visible reviews for everyone; pending and rejected ones for their author and admins.';
revoke all on app_public.review_reply from public;
grant select on app_public.review_reply to aquastream_anonymous, aquastream_member;

drop function if exists app_hidden.review_reply_data(app_public.review_reply);
create function app_hidden.review_reply_data(r app_public.review_reply) returns jsonb
  language sql stable
  set search_path to pg_catalog, public, pg_temp
as $$
  select jsonb_build_object(
    'id', r.id, 'reviewId', r.review_id, 'organizerId', r.organizer_id, 'content', r.content,
    'status', r.status, 'moderatedBy', r.moderated_by, 'moderatedAt', r.moderated_at,
    'moderationNote', r.moderation_note, 'editedAt', r.edited_at, 'createdAt', r.created_at);
$$;
comment on function app_hidden.review_reply_data(app_public.review_reply) is
  E'The reply snapshot of the outbox messages ReviewReplied, ReviewReplyUpdated, ReviewReplyModerated, ReviewReplyDeleted.';

drop function if exists app_hidden.assert_reply_valid(text);
create function app_hidden.assert_reply_valid(content text) returns void
  language plpgsql immutable
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if content is null or content !~ '\S' then
    raise exception 'content must not be empty' using errcode = 'RVLEN', column = 'content', hint = 'Write 1 to 2000 characters.';
  end if;
  if char_length(content) > 2000 then
    raise exception 'a reply must be at most 2000 characters long; it has %', char_length(content)
      using errcode = 'RVLEN', column = 'content';
  end if;
  if content ~ '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]' then
    raise exception 'content must not contain control characters (only tab, line feed and carriage return are allowed)'
      using errcode = 'RVCTL', column = 'content';
  end if;
end;
$$;
comment on function app_hidden.assert_reply_valid(text) is
  E'Validates a reply''s text (RVLEN: blank or over 2000 characters; RVCTL: control characters).';

drop function if exists app_public.reply_to_review(uuid, text);
create function app_public.reply_to_review(review_id uuid, content text) returns app_public.review_reply
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_review app_public.review;
  v_organizer uuid;
  v_old app_public.review_reply;
  v_new app_public.review_reply;
begin
  select * into v_review from app_public.review r where r.id = reply_to_review.review_id;
  -- Only active reviews are answered; a hidden one is "not found" like everywhere else.
  if not found or v_review.status <> 'active' then
    raise exception 'review not found' using errcode = 'P0002', column = 'review_id';
  end if;
  select e.organizer_id into v_organizer from app_public.event e where e.id = v_review.event_id;
  if v_organizer is distinct from v_user_id then
    raise exception 'only the organizer of the reviewed event may reply to its reviews' using errcode = '42501';
  end if;
  perform app_hidden.assert_reply_valid(reply_to_review.content);

  select * into v_old from app_public.review_reply rr where rr.review_id = v_review.id for no key update;
  if not found then
    insert into app_public.review_reply (review_id, organizer_id, content, status)
    values (v_review.id, v_user_id, reply_to_review.content,
            case when app_hidden.review_moderation_on() then 'pending' else 'active' end::app_public.review_status)
    on conflict on constraint review_reply_review_id_key do nothing
    returning * into v_new;
    if v_new.id is null then
      raise exception 'the review was answered meanwhile; change that reply instead' using errcode = 'RVDUP';
    end if;
    perform app_hidden.record_change('review', v_review.id, 'ReviewReplied', 'review_reply.create', 'review_reply',
                                     app_hidden.review_reply_data(v_new));
    return v_new;
  end if;

  if v_old.content = reply_to_review.content then
    return v_old; -- nothing changed: nothing to record
  end if;
  -- An edit goes back to moderation when moderation is on, or when the reply was not public.
  update app_public.review_reply rr
  set content = reply_to_review.content, edited_at = now(),
      status = case when app_hidden.review_moderation_on() or v_old.status <> 'active' then 'pending' else 'active' end::app_public.review_status
  where rr.id = v_old.id
  returning * into v_new;
  perform app_hidden.record_change('review', v_review.id, 'ReviewReplyUpdated', 'review_reply.update', 'review_reply',
                                   jsonb_build_object('fromStatus', v_old.status, 'reply', app_hidden.review_reply_data(v_new)));
  return v_new;
end;
$$;
comment on function app_public.reply_to_review(uuid, text) is
  E'The organizer of the reviewed event writes its public reply to an active review, or changes it (one reply per review). Plain text, 1-2000 characters. Pending when review_moderation is on (also after an edit, and after editing a pending or rejected reply). ReviewReplied / ReviewReplyUpdated. Errors: 28000, P0002 (no such active review), 42501 (not the event''s organizer), RVLEN, RVCTL, RVDUP (answered at the same moment).';
grant execute on function app_public.reply_to_review(uuid, text) to aquastream_member;

drop function if exists app_public.moderate_review_reply(uuid, app_public.review_status, text);
create function app_public.moderate_review_reply(review_id uuid, status app_public.review_status, note text default null)
  returns app_public.review_reply
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_note text := app_hidden.clean_text(moderate_review_reply.note);
  v_old app_public.review_reply;
  v_new app_public.review_reply;
begin
  if not app_public.has_role('admin') then
    raise exception 'only admins may moderate replies' using errcode = '42501';
  end if;
  select * into v_old from app_public.review_reply rr where rr.review_id = moderate_review_reply.review_id for no key update;
  if not found then
    raise exception 'reply not found' using errcode = 'P0002', column = 'review_id';
  end if;
  if moderate_review_reply.status is null or moderate_review_reply.status = 'pending' then
    raise exception 'status must be active or rejected' using errcode = '22023', column = 'status';
  end if;
  if char_length(v_note) > 1000 then
    raise exception 'note must be at most 1000 characters long' using errcode = '22023', column = 'note';
  end if;
  if v_note ~ '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]' then
    raise exception 'note must not contain control characters (only tab, line feed and carriage return are allowed)'
      using errcode = 'RVCTL', column = 'note';
  end if;
  if v_old.status = moderate_review_reply.status and v_old.moderation_note is not distinct from v_note then
    return v_old;
  end if;
  update app_public.review_reply rr
  set status = moderate_review_reply.status, moderated_by = v_user_id, moderated_at = now(), moderation_note = v_note
  where rr.id = v_old.id
  returning * into v_new;
  perform app_hidden.record_change('review', v_new.review_id, 'ReviewReplyModerated', 'review_reply.moderate', 'review_reply',
                                   jsonb_build_object('fromStatus', v_old.status, 'reply', app_hidden.review_reply_data(v_new)));
  return v_new;
end;
$$;
comment on function app_public.moderate_review_reply(uuid, app_public.review_status, text) is
  E'An admin makes the reply to a review active or rejected, with an optional note (1000 characters) for its author. The same decision again writes nothing. ReviewReplyModerated. Errors: 28000, 42501, P0002, 22023, RVCTL.';
grant execute on function app_public.moderate_review_reply(uuid, app_public.review_status, text) to aquastream_member;

drop function if exists app_public.delete_review_reply(uuid);
create function app_public.delete_review_reply(review_id uuid) returns app_public.review_reply
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_old app_public.review_reply;
begin
  select * into v_old from app_public.review_reply rr where rr.review_id = delete_review_reply.review_id for update;
  if not found then
    raise exception 'reply not found' using errcode = 'P0002', column = 'review_id';
  end if;
  if v_old.organizer_id <> v_user_id and not app_public.has_role('admin') then
    raise exception 'only its author or an admin may delete a reply' using errcode = '42501';
  end if;
  delete from app_public.review_reply rr where rr.id = v_old.id;
  perform app_hidden.record_change('review', v_old.review_id, 'ReviewReplyDeleted', 'review_reply.delete', 'review_reply',
                                   jsonb_build_object('deletedBy', v_user_id, 'reply', app_hidden.review_reply_data(v_old)));
  return v_old;
end;
$$;
comment on function app_public.delete_review_reply(uuid) is
  E'Its author or an admin deletes the reply to a review and gets it as it was. ReviewReplyDeleted. Errors: 28000, P0002, 42501.';
grant execute on function app_public.delete_review_reply(uuid) to aquastream_member;

--! split: 180-data-lifecycle.sql
/*
 * Data lifecycle (issue #19): bounded history and personal data on request.
 *
 *   1. audit_log partitioned by month, so dropping a month is cheap;
 *   2. retention settings (rows of app_private.setting) and one set-based
 *      function the daily `apply_retention` cron task runs: old audit months
 *      moved out to app_archive, permanently failed jobs and stale
 *      rate-limit counters deleted, ended bookings' personal fields reduced;
 *   3. export_user_data / erase_user_data: everything the service holds
 *      about one person as JSON, and its erasure (pseudonymization) with the
 *      accounting facts kept right and a UserDataErased event on Kafka.
 *
 * Idempotent: re-applied on top of itself during development.
 */

--------------------------------------------------------------------------------
-- 1. audit_log partitioned by month
--------------------------------------------------------------------------------

create schema if not exists app_archive;
comment on schema app_archive is
  E'Audit months moved out of app_private.audit_log by retention (tables audit_log_YYYY_MM), kept until a DBA dumps and drops them (docs/data-retention.md). Nothing in the service reads them.';
revoke all on schema app_archive from public;

/*
 * The month partition of `month`, created when missing. Rows that landed in
 * the default partition meanwhile (the daily job did not run for months) are
 * moved into it first: PostgreSQL refuses a new partition whose range the
 * default partition already holds rows of.
 */
create or replace function app_hidden.ensure_audit_partition(month date) returns text
  language plpgsql
  set search_path = pg_catalog, public
as $$
declare
  v_from date := date_trunc('month', month)::date;
  v_to date := (date_trunc('month', month) + interval '1 month')::date;
  v_name text := format('audit_log_%s', to_char(month, 'YYYY_MM'));
  v_stray boolean := false;
begin
  if to_regclass(format('app_private.%I', v_name)) is not null then
    return v_name;
  end if;
  if to_regclass('app_private.audit_log_default') is not null then
    select exists (select from app_private.audit_log_default d where d.occurred_at >= v_from and d.occurred_at < v_to)
      into v_stray;
  end if;
  if v_stray then
    alter table app_private.audit_log detach partition app_private.audit_log_default;
  end if;
  execute format(
    'create table app_private.%I partition of app_private.audit_log for values from (%L) to (%L)', v_name, v_from, v_to);
  if v_stray then
    with moved as (
      delete from app_private.audit_log_default d where d.occurred_at >= v_from and d.occurred_at < v_to returning d.*
    )
    insert into app_private.audit_log overriding system value select * from moved;
    alter table app_private.audit_log attach partition app_private.audit_log_default default;
  end if;
  return v_name;
end;
$$;
comment on function app_hidden.ensure_audit_partition(date) is
  E'Creates the audit_log partition of the month of `month` if missing (moving rows of that month out of the default partition first); returns its name. Owner only (retention and the migration).';

do $$
declare
  v_month date;
begin
  if (select c.relkind from pg_class c where c.oid = 'app_private.audit_log'::regclass) = 'p' then
    return; -- already partitioned
  end if;

  -- business_counts reads audit_log; it is recreated below.
  drop view if exists app_private.business_counts;
  alter table app_private.audit_log rename to audit_log_unpartitioned;
  alter index app_private.audit_log_pkey rename to audit_log_unpartitioned_pkey;
  alter table app_private.audit_log_unpartitioned rename constraint audit_log_action_check to audit_log_unpartitioned_action_check;

  create table app_private.audit_log (
    id bigint generated always as identity,
    occurred_at timestamptz not null default now(),
    actor_id uuid,
    actor_roles text[] not null default '{}',
    action text not null constraint audit_log_action_check check (action ~ '^[a-z_]+\.[a-z_]+$'),
    table_name text not null,
    row_id text not null,
    details jsonb not null default '{}',
    request_id text,
    -- The partition key must be part of the key; id alone stays unique (identity).
    constraint audit_log_pkey primary key (id, occurred_at)
  ) partition by range (occurred_at);

  -- A month for every month with rows, this one and the next two; a default
  -- partition catches anything else (a clock far off), so an insert never fails.
  for v_month in
    select distinct date_trunc('month', occurred_at)::date from app_private.audit_log_unpartitioned
    union
    select date_trunc('month', now() + make_interval(months => m))::date from generate_series(0, 2) m
  loop
    perform app_hidden.ensure_audit_partition(v_month);
  end loop;
  create table app_private.audit_log_default partition of app_private.audit_log default;

  insert into app_private.audit_log overriding system value
    select id, occurred_at, actor_id, actor_roles, action, table_name, row_id, details, request_id
    from app_private.audit_log_unpartitioned;
  perform setval(pg_get_serial_sequence('app_private.audit_log', 'id'),
                 greatest((select max(id) from app_private.audit_log_unpartitioned), 1));
  drop table app_private.audit_log_unpartitioned;
end
$$;

alter table app_private.audit_log enable row level security;
create index if not exists audit_log_table_name_row_id_idx on app_private.audit_log (table_name, row_id);
create index if not exists audit_log_actor_id_idx on app_private.audit_log (actor_id);
create index if not exists audit_log_occurred_at_idx on app_private.audit_log using brin (occurred_at);
create index if not exists audit_log_action_idx on app_private.audit_log (action);

comment on table app_private.audit_log is
  E'Who did what to which row, and when: every state change and admin action. Append-only. Partitioned by month (audit_log_YYYY_MM, plus audit_log_default); months older than the setting retention_audit_months are moved to app_archive by retention.';
comment on column app_private.audit_log.id is E'Order of writing.';
comment on column app_private.audit_log.occurred_at is E'Transaction time of the change; the partition key.';
comment on column app_private.audit_log.actor_id is E'The caller (JWT sub); null for the system (cron jobs, migrations); a random pseudonym after the caller''s data was erased.';
comment on column app_private.audit_log.actor_roles is E'The caller''s realm roles at the time, e.g. {organizer} or {admin}.';
comment on column app_private.audit_log.action is E'What was done, as <object>.<verb>, e.g. event.publish, event_price_tier.add.';
comment on column app_private.audit_log.table_name is E'Table of the changed row, e.g. event.';
comment on column app_private.audit_log.row_id is E'Primary key of the changed row as text (a uuid, or "(a,b)" for a composite key).';
comment on column app_private.audit_log.details is E'What changed (the same data as the outbox row).';
comment on column app_private.audit_log.request_id is E'The request id of the API call (setting app.request_id), to join with the logs.';

create or replace view app_private.business_counts as
  select
    k.action,
    (select count(*) from app_private.audit_log a where a.action = k.action) as total
  from (
    values ('booking.create'), ('booking.confirm'), ('booking.expire'), ('booking.cancel'),
           ('payment.confirm'), ('payment.refund')
  ) as k(action);
comment on view app_private.business_counts is
  E'Business totals over the audit log''s kept window (retention_audit_months), one row per audit action: bookings created, confirmed, expired and canceled, payments confirmed, refunds issued. The worker''s /metrics reports them as aquastream_bookings_total, aquastream_payments_confirmed_total and aquastream_refunds_total; being counted in the database, they are the same from every process. When retention moves a month out they drop, which Prometheus reads as a counter reset.';
comment on column app_private.business_counts.action is E'The audit action counted, e.g. booking.create.';
comment on column app_private.business_counts.total is E'Audit rows with that action.';

--------------------------------------------------------------------------------
-- 2. Retention
--------------------------------------------------------------------------------

insert into app_private.setting (key, value, description) values
  ('retention_audit_months', '24',
   'Months of audit log kept in app_private.audit_log (1..600); older months are moved to the app_archive schema by the daily retention job.'),
  ('retention_failed_jobs_days', '30',
   'Days a worker job that ran out of attempts is kept for operators (1..3650); then it is deleted.'),
  ('retention_booking_personal_days', '730',
   'Days after an expired or canceled booking ended before its personal fields are reduced (1..36500): the user id becomes a random pseudonym and the cancel reason becomes "[erased]"; amounts and counts stay.')
on conflict (key) do nothing;

create or replace function app_hidden.apply_retention() returns jsonb
  language plpgsql
  set search_path = pg_catalog, public
as $$
declare
  v_keep_from date := date_trunc('month', now() - make_interval(months => app_hidden.setting_int('retention_audit_months', 24)))::date;
  v_part record;
  v_moved text[] := '{}';
  v_jobs integer;
  v_counters integer;
  v_bookings integer;
begin
  -- Partitions a year ahead, so no insert lands in the default partition even
  -- if this job stops running for months.
  perform app_hidden.ensure_audit_partition(date_trunc('month', now() + make_interval(months => m))::date)
    from generate_series(0, 12) m;

  -- Whole months before the kept window move out (detach + set schema: no row is copied).
  for v_part in
    select c.relname
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_namespace n on n.oid = c.relnamespace
    where i.inhparent = 'app_private.audit_log'::regclass
      and c.relname ~ '^audit_log_[0-9]{4}_[0-9]{2}$'
      and to_date(substr(c.relname, 11), 'YYYY_MM') < v_keep_from
    order by c.relname
  loop
    execute format('alter table app_private.audit_log detach partition app_private.%I', v_part.relname);
    if to_regclass(format('app_archive.%I', v_part.relname)) is not null then
      execute format('drop table app_archive.%I', v_part.relname); -- a re-run after a partial one
    end if;
    execute format('alter table app_private.%I set schema app_archive', v_part.relname);
    v_moved := v_moved || v_part.relname;
  end loop;

  delete from graphile_worker._private_jobs j
  where j.attempts >= j.max_attempts and j.locked_at is null
    and j.updated_at < now() - make_interval(days => app_hidden.setting_int('retention_failed_jobs_days', 30));
  get diagnostics v_jobs = row_count;

  -- Rate-limit windows that are over can never count again.
  delete from app_private.rate_limit_counter c
  where c.expire is not null and c.expire < (extract(epoch from now()) * 1000)::bigint; -- ms since the epoch
  get diagnostics v_counters = row_count;

  v_bookings := app_hidden.reduce_ended_bookings(
    now() - make_interval(days => app_hidden.setting_int('retention_booking_personal_days', 730)));

  return jsonb_build_object(
    'auditMonthsMoved', to_jsonb(v_moved),
    'failedJobsDeleted', v_jobs,
    'rateLimitCountersDeleted', v_counters,
    'bookingsReduced', v_bookings);
end;
$$;
comment on function app_hidden.apply_retention() is
  E'The daily retention pass (cron task apply_retention): creates the next audit partitions, moves audit months older than retention_audit_months to app_archive, deletes jobs that ran out of attempts longer than retention_failed_jobs_days ago and rate-limit counters whose window is over, and reduces the personal fields of bookings that ended longer than retention_booking_personal_days ago. Idempotent; returns what it did. Owner only.';

/*
 * Expired and canceled bookings that ended before `ended_before`: their user
 * id becomes a random pseudonym (one per user, so nothing that counted per
 * user changes), their cancel reason is replaced by "[erased]". Amounts, quantities,
 * statuses and dates stay, so every total stays right.
 */
create or replace function app_hidden.reduce_ended_bookings(ended_before timestamptz) returns integer
  language plpgsql
  set search_path = pg_catalog, public
as $$
declare
  v_count integer;
begin
  with owners as (
    select b.user_id, gen_random_uuid() as pseudonym
    from app_public.booking b
    where b.status in ('expired', 'canceled')
      and coalesce(b.canceled_at, b.expired_at, b.updated_at) < ended_before
      and not exists (select from app_private.pseudonym p where p.pseudonym = b.user_id)
    group by b.user_id
  ), reduced as (
    update app_public.booking b
    set user_id = o.pseudonym,
        canceled_by = case when b.canceled_by = o.user_id then o.pseudonym else b.canceled_by end,
        cancel_reason = case when b.cancel_reason is null then null else '[erased]' end
    from owners o
    where b.user_id = o.user_id
      and b.status in ('expired', 'canceled')
      and coalesce(b.canceled_at, b.expired_at, b.updated_at) < ended_before
    returning b.user_id
  ), remembered as (
    insert into app_private.pseudonym (pseudonym, reason)
    select distinct r.user_id, 'retention' from reduced r
    on conflict do nothing
  )
  select count(*) into v_count from reduced;
  return v_count;
end;
$$;
comment on function app_hidden.reduce_ended_bookings(timestamptz) is
  E'Retention of ended bookings: user id → random pseudonym, cancel reason → "[erased]", for expired/canceled bookings that ended before the given time. Returns how many bookings were reduced. Owner only.';

/*
 * The pseudonyms handed out (never the ids they replace): so retention and
 * erasure recognize rows they already reduced, and a DBA can tell a
 * pseudonym from a real user id.
 */
create table if not exists app_private.pseudonym (
  pseudonym uuid primary key,
  reason text not null constraint pseudonym_reason_check check (reason in ('retention', 'erasure')),
  created_at timestamptz not null default now()
);
alter table app_private.pseudonym enable row level security;
comment on table app_private.pseudonym is
  E'Random ids that replaced user ids (retention of ended bookings, erasure of a person). Holds no link to the original id, by design.';
comment on column app_private.pseudonym.pseudonym is E'The random id now found in place of a user id.';
comment on column app_private.pseudonym.reason is E'retention (ended bookings reduced) or erasure (erase_user_data).';
comment on column app_private.pseudonym.created_at is E'When it was handed out.';

--------------------------------------------------------------------------------
-- 3. Personal data: export and erasure
--------------------------------------------------------------------------------

/* Who may export or erase `user_id`: that user, or an admin. */
create or replace function app_hidden.assert_may_manage_user_data(user_id uuid) returns void
  language plpgsql stable
  set search_path = pg_catalog, public
as $$
begin
  if app_public.current_user_id() is null then
    raise exception 'sign in to manage personal data' using errcode = '28000';
  end if;
  if user_id is null then
    raise exception 'user_id is required' using errcode = '22023', column = 'user_id';
  end if;
  if user_id <> app_public.current_user_id() and not app_public.has_role('admin') then
    raise exception 'only the user themself or an admin may manage this user''s data' using errcode = '42501';
  end if;
end;
$$;
comment on function app_hidden.assert_may_manage_user_data(uuid) is
  E'Raises 28000 without a caller, 22023 without a user id, 42501 unless the caller is that user or an admin.';

create or replace function app_public.export_user_data(user_id uuid) returns jsonb
  language plpgsql stable
  security definer
  set search_path = pg_catalog, public
as $$
declare
  v_user uuid := export_user_data.user_id;
begin
  perform app_hidden.assert_may_manage_user_data(v_user);
  return jsonb_build_object(
    'userId', v_user,
    'exportedAt', now(),
    'bookings', coalesce((select jsonb_agg(to_jsonb(b) order by b.created_at) from app_public.booking b where b.user_id = v_user), '[]'),
    'payments', coalesce((select jsonb_agg(to_jsonb(p) - 'payment_url' order by p.created_at)
                          from app_public.payment p join app_public.booking b on b.id = p.booking_id
                          where b.user_id = v_user), '[]'),
    'refunds', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at)
                         from app_public.refund r join app_public.payment p on p.id = r.payment_id
                         join app_public.booking b on b.id = p.booking_id where b.user_id = v_user), '[]'),
    'reviews', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from app_public.review r where r.user_id = v_user), '[]'),
    'helpfulVotes', coalesce((select jsonb_agg(to_jsonb(v) order by v.created_at) from app_public.review_helpful_vote v where v.user_id = v_user), '[]'),
    'favorites', coalesce((select jsonb_agg(to_jsonb(f) order by f.created_at) from app_public.favorite f where f.user_id = v_user), '[]'),
    'waitlistEntries', coalesce((select jsonb_agg(to_jsonb(w) order by w.joined_at) from app_public.waitlist_entry w where w.user_id = v_user), '[]'),
    'tickets', coalesce((select jsonb_agg(jsonb_build_object('id', t.id, 'bookingId', t.booking_id, 'eventId', t.event_id, 'status', t.status, 'checkedInAt', t.checked_in_at) order by t.id)
                         from app_public.ticket t join app_public.booking b on b.id = t.booking_id where b.user_id = v_user), '[]'),
    'reviewReplies', coalesce((select jsonb_agg(to_jsonb(rr)) from app_public.review_reply rr where rr.organizer_id = v_user), '[]'),
    'eventsOrganized', coalesce((select jsonb_agg(jsonb_build_object('id', e.id, 'title', e.title, 'status', e.status, 'startsAt', e.starts_at) order by e.created_at)
                                 from app_public.event e where e.organizer_id = v_user), '[]'),
    'promoCodesCreated', coalesce((select jsonb_agg(jsonb_build_object('id', pc.id, 'code', pc.code, 'eventId', pc.event_id) order by pc.created_at)
                                   from app_public.promo_code pc where pc.created_by = v_user), '[]'),
    'auditTrail', coalesce((select jsonb_agg(jsonb_build_object('occurredAt', a.occurred_at, 'action', a.action, 'table', a.table_name, 'rowId', a.row_id) order by a.id)
                            from app_private.audit_log a where a.actor_id = v_user), '[]')
  );
end;
$$;
comment on function app_public.export_user_data(uuid) is
  E'Everything the service holds about one user, as JSON: bookings, payments, refunds, reviews, helpful votes, favorites, waiting-list entries, tickets (without their codes), review replies, events organized, promo codes created and their audit trail (what they did, when). For that user or an admin. Errors: 28000, 22023, 42501.';

/*
 * Replaces `old_id` by `new_id` wherever it appears as a JSON string value in
 * `doc` (audit details and outbox payloads name users by id).
 */
create or replace function app_hidden.jsonb_replace_id(doc jsonb, old_id uuid, new_id uuid) returns jsonb
  language sql immutable
as $$
  select replace(doc::text, '"' || old_id::text || '"', '"' || new_id::text || '"')::jsonb;
$$;
comment on function app_hidden.jsonb_replace_id(jsonb, uuid, uuid) is
  E'doc with every string value equal to old_id replaced by new_id (ids are canonical lower-case uuids, so a textual replace of the quoted form is exact).';

create or replace function app_public.erase_user_data(user_id uuid) returns jsonb
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, public
as $$
declare
  v_user uuid := erase_user_data.user_id;
  v_alias uuid := gen_random_uuid();
  v_counts jsonb;
  v_audit_ids bigint[];
  v_n integer;
  v_bookings integer; v_payments integer; v_refunds integer; v_reviews integer; v_votes integer;
  v_favorites integer; v_waitlist integer; v_events integer; v_promo integer; v_audit integer; v_outbox integer;
begin
  perform app_hidden.assert_may_manage_user_data(v_user);

  -- An organizer with events still ahead must cancel or hand them over first:
  -- participants need someone to answer for them.
  if exists (select from app_public.event e
             where e.organizer_id = v_user and e.status in ('draft', 'published') and e.ends_at > now()) then
    raise exception 'this user organizes events that have not ended: cancel them first'
      using errcode = 'ERORG', hint = 'cancel_event each upcoming event, then erase';
  end if;
  -- Seats held for payment would become nobody's: cancel them first.
  if exists (select from app_public.booking b where b.user_id = v_user and b.status = 'pending_payment') then
    raise exception 'this user has bookings waiting for payment: cancel them first'
      using errcode = 'ERPEN', hint = 'cancel_booking each pending booking, then erase';
  end if;

  -- The audit rows about this person's things, found by index before their
  -- keys change: rows they wrote (actor) and rows about their bookings,
  -- payments, refunds, reviews, votes and favorites (table, row id).
  select array_agg(x.id) into v_audit_ids from (
    select a.id from app_private.audit_log a where a.actor_id = v_user
    union
    select a.id from app_private.audit_log a
    join (
      select 'booking' as t, b.id::text as r from app_public.booking b where b.user_id = v_user
      union all
      select 'payment', p.id::text from app_public.payment p join app_public.booking b on b.id = p.booking_id where b.user_id = v_user
      union all
      select 'refund', r.id::text from app_public.refund r join app_public.payment p on p.id = r.payment_id
        join app_public.booking b on b.id = p.booking_id where b.user_id = v_user
      union all
      select 'review', r.id::text from app_public.review r where r.user_id = v_user
      union all
      select 'waitlist_entry', w.id::text from app_public.waitlist_entry w where w.user_id = v_user
      union all
      select 'ticket', b.id::text from app_public.booking b where b.user_id = v_user -- ticket rows are audited by booking
      union all
      select 'favorite', format('(%s,%s)', f.user_id, f.event_id) from app_public.favorite f where f.user_id = v_user
      union all
      select 'review_helpful_vote', format('(%s,%s)', v.review_id, v.user_id) from app_public.review_helpful_vote v where v.user_id = v_user
    ) mine on a.table_name = mine.t and a.row_id = mine.r
  ) x;

  -- A canceled booking must keep a reason (booking_canceled_at_check): the words go, the fact stays.
  update app_public.booking set user_id = v_alias, cancel_reason = case when cancel_reason is null then null else '[erased]' end
  where booking.user_id = v_user;
  get diagnostics v_bookings = row_count;
  update app_public.booking set canceled_by = v_alias where canceled_by = v_user;
  update app_public.payment set initiated_by = v_alias where initiated_by = v_user;
  get diagnostics v_payments = row_count;
  update app_public.refund set created_by = v_alias where created_by = v_user;
  get diagnostics v_refunds = row_count;
  -- Reviews keep their rating (the event's summary stays right); the words are the person's.
  update app_public.review set user_id = v_alias, content = '[erased]', moderation_note = null where review.user_id = v_user;
  get diagnostics v_reviews = row_count;
  update app_public.review set moderated_by = v_alias where moderated_by = v_user;
  -- Votes stay (helpful counts stay right), under the pseudonym.
  update app_public.review_helpful_vote set user_id = v_alias where review_helpful_vote.user_id = v_user;
  get diagnostics v_votes = row_count;
  delete from app_public.favorite where favorite.user_id = v_user;
  get diagnostics v_favorites = row_count;
  -- Waiting-list entries keep their place and seats (an open offer still
  -- holds its seats until it is accepted, declined or expires).
  update app_public.waitlist_entry set user_id = v_alias where waitlist_entry.user_id = v_user;
  get diagnostics v_waitlist = row_count;
  -- Organizer-side traces: replies they wrote (the words go), check-ins they scanned.
  update app_public.review_reply set organizer_id = v_alias, content = '[erased]' where organizer_id = v_user;
  update app_public.review_reply set moderated_by = v_alias where moderated_by = v_user;
  update app_public.ticket set checked_in_by = v_alias where checked_in_by = v_user;
  update app_public.event set organizer_id = v_alias where organizer_id = v_user;
  get diagnostics v_events = row_count;
  update app_public.promo_code set created_by = v_alias where created_by = v_user;
  get diagnostics v_promo = row_count;
  update app_public.promo_code set deactivated_by = v_alias where deactivated_by = v_user;

  update app_private.audit_log a
  set actor_id = case when a.actor_id = v_user then v_alias else a.actor_id end,
      row_id = replace(a.row_id, v_user::text, v_alias::text),
      details = app_hidden.jsonb_replace_id(a.details, v_user, v_alias)
  where a.id = any(v_audit_ids);
  get diagnostics v_audit = row_count;
  -- Events not yet sent to Kafka leave without the id; sent ones are announced below.
  update app_private.outbox o
  set actor_id = case when o.actor_id = v_user then v_alias else o.actor_id end,
      data = app_hidden.jsonb_replace_id(o.data, v_user, v_alias)
  where o.published_at is null
    and o.event_type <> 'UserDataErased' -- earlier announcements must keep the id
    and (o.actor_id = v_user or o.data::text like '%' || v_user::text || '%');
  get diagnostics v_outbox = row_count;
  delete from app_private.rate_limit_counter c where c.key like '%' || v_user::text || '%';

  v_counts := jsonb_build_object(
    'bookings', v_bookings, 'payments', v_payments, 'refunds', v_refunds, 'reviews', v_reviews,
    'helpfulVotes', v_votes, 'favorites', v_favorites, 'waitlistEntries', v_waitlist, 'eventsOrganized', v_events,
    'promoCodes', v_promo, 'auditRows', v_audit, 'pendingOutboxRows', v_outbox);
  v_n := v_bookings + v_payments + v_refunds + v_reviews + v_votes + v_favorites + v_waitlist + v_events + v_promo + v_audit + v_outbox;
  if v_n > 0 then
    insert into app_private.pseudonym (pseudonym, reason) values (v_alias, 'erasure');
  end if;

  -- Announced every time, also when nothing was left to erase (idempotent for
  -- consumers too: they erase what they hold about the id, again if need be).
  perform app_hidden.record_change(
    'user', v_user, 'UserDataErased', 'user.erase', 'user', jsonb_build_object('userId', v_user, 'erased', v_counts));
  -- The outbox row must name the id (other services erase by it, and it is
  -- pruned once sent); the audit row keeps only that an erasure happened.
  update app_private.audit_log a
  set row_id = v_alias::text, details = app_hidden.jsonb_replace_id(a.details, v_user, v_alias),
      actor_id = case when a.actor_id = v_user then v_alias else a.actor_id end
  where a.table_name = 'user' and a.row_id = v_user::text and a.action = 'user.erase';
  return jsonb_build_object('userId', v_user, 'erased', v_counts);
end;
$$;
comment on function app_public.erase_user_data(uuid) is
  E'Erases a person from the service (GDPR): every row that names the user id gets one random pseudonym instead (bookings, payments, refunds, reviews — whose text is cleared, ratings kept —, helpful votes, waiting-list entries, review replies, check-ins scanned, events organized, promo codes, audit rows, outbox rows not yet sent); favorites are deleted. Amounts, counts and rating totals stay right. Emits UserDataErased (topic aquastream.user) so other services erase too. Idempotent: a second call finds nothing left and announces again. For that user or an admin. Errors: 28000, 22023, 42501, ERORG (events ahead), ERPEN (bookings waiting for payment).';

grant execute on function app_public.export_user_data(uuid) to :DATABASE_MEMBER;
grant execute on function app_public.erase_user_data(uuid) to :DATABASE_MEMBER;
revoke execute on function app_public.export_user_data(uuid) from public;
revoke execute on function app_public.erase_user_data(uuid) from public;

--! split: 185-tickets.sql
--------------------------------------------------------------------------------
-- Tickets and check-in (issue #18, items 3 and 4).
--
--   * A confirmed booking holds one ticket per seat, issued by a trigger on the
--     booking itself, so every path that confirms (confirm_payment, a free
--     booking confirmed at once, psql as the owner) issues them, and every
--     path that cancels a confirmed booking (cancel_booking, cancel_event,
--     refunds that cancel) voids them. Nobody writes tickets directly.
--   * A ticket is seen by whoever sees its booking (the holder, the event's
--     organizer, admins): the policy goes through booking's own RLS, so it
--     also follows erase_user_data's re-keying of bookings.
--   * check_in_ticket(code) is the one check-in rule; check_in_batch (offline
--     scanners) and the API's token check-in call the same core,
--     app_hidden.check_in. The ticket row lock makes parallel scans of one
--     ticket wait for each other: exactly one checks in, the others answer
--     "already checked in at …, by …".
-- Idempotent: re-applied on top of itself.
--------------------------------------------------------------------------------

do $$
begin
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'ticket_status') then
    create type app_public.ticket_status as enum ('valid', 'void');
  end if;
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'ticket_void_reason') then
    create type app_public.ticket_void_reason as enum ('booking_canceled', 'reissued');
  end if;
end;
$$;
comment on type app_public.ticket_status is E'valid (admits one person) or void (canceled booking, or replaced by a reissue).';
comment on type app_public.ticket_void_reason is E'Why a ticket is void: its booking was canceled (or refunded and canceled), or it was replaced by reissue_tickets.';

create table if not exists app_public.ticket (
  id uuid primary key default gen_random_uuid(),
  booking_id uuid not null
    constraint ticket_booking_id_fkey references app_public.booking (id) on delete cascade,
  event_id uuid not null
    constraint ticket_event_id_fkey references app_public.event (id) on delete cascade,
  seat_no smallint not null
    constraint ticket_seat_no_check check (seat_no between 1 and 100),
  -- 8 characters of an alphabet without 0/O, 1/I: read aloud or typed at the
  -- gate without confusion; 32^8 ≈ 10^12 codes.
  code text not null
    constraint ticket_code_key unique
    constraint ticket_code_check check (code ~ '^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$'),
  version integer not null default 1
    constraint ticket_version_check check (version > 0),
  status app_public.ticket_status not null default 'valid',
  void_reason app_public.ticket_void_reason,
  issued_at timestamptz not null default now(),
  voided_at timestamptz,
  checked_in_at timestamptz,
  checked_in_by uuid,
  checked_in_device text
    constraint ticket_checked_in_device_check check (checked_in_device ~ '^[A-Za-z0-9._:-]{1,64}$'),
  constraint ticket_void_check check (
    (status = 'void') = (voided_at is not null) and (status = 'void') = (void_reason is not null)
  ),
  constraint ticket_checked_in_check check (
    (checked_in_at is null) = (checked_in_by is null)
    and (checked_in_device is null or checked_in_at is not null)
  )
);
alter table app_public.ticket enable row level security;

-- One valid ticket per seat of a booking (a reissue voids before it issues).
create unique index if not exists ticket_booking_id_seat_no_key on app_public.ticket (booking_id, seat_no)
  where status = 'valid';
create index if not exists ticket_booking_id_idx on app_public.ticket (booking_id);
-- The organizer's list and the per-event counts.
create index if not exists ticket_event_id_idx on app_public.ticket (event_id) where status = 'valid';

comment on table app_public.ticket is E'@behavior -insert -update -delete\nOne seat of a confirmed booking: issued when the booking becomes confirmed, voided when it is canceled. Seen by the booking''s holder, the event''s organizer and admins. Checked in with checkInTicket / checkInBatch.';
comment on column app_public.ticket.id is E'Identifier of the ticket.';
comment on column app_public.ticket.booking_id is E'The confirmed booking this ticket is a seat of.';
comment on column app_public.ticket.event_id is E'The event it admits to (the booking''s event).';
comment on column app_public.ticket.seat_no is E'Which seat of the booking, 1 to the booking''s quantity (not a place in a boat).';
comment on column app_public.ticket.code is E'Short code shown to the holder and typed or scanned at the gate: 8 characters of 23456789ABCDEFGHJKLMNPQRSTUVWXYZ, unique.';
comment on column app_public.ticket.version is E'Issue number of this seat: 1 at first issue, one more at each reissue. Signed into the ticket token.';
comment on column app_public.ticket.status is E'valid or void; a void ticket never checks in.';
comment on column app_public.ticket.void_reason is E'booking_canceled or reissued, when void.';
comment on column app_public.ticket.issued_at is E'When it was issued.';
comment on column app_public.ticket.voided_at is E'When it became void.';
comment on column app_public.ticket.checked_in_at is E'When it was checked in (for an offline scan: when it was scanned); null when not checked in.';
comment on column app_public.ticket.checked_in_by is E'The organizer staff member (Keycloak user id) who checked it in.';
comment on column app_public.ticket.checked_in_device is E'The scanner device of an offline batch that checked it in (letters, digits, . _ : -, up to 64); null for online scans.';

drop policy if exists select_visible_booking on app_public.ticket;
create policy select_visible_booking on app_public.ticket for select using (
  -- booking's own RLS decides: its user, the event's organizer, admins.
  booking_id in (select b.id from app_public.booking b)
);
comment on policy select_visible_booking on app_public.ticket is
  E'A ticket is visible exactly when its booking is: to the holder, the event''s organizer and admins.';
revoke all on app_public.ticket from public, :DATABASE_ANONYMOUS;
grant select on app_public.ticket to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Settings
--------------------------------------------------------------------------------
insert into app_private.setting (key, value, description) values
  ('check_in_undo_minutes', '5', 'Minutes after a check-in during which organizer staff may undo it (undo_check_in); 0 turns undo off.')
on conflict (key) do nothing;

create or replace function app_hidden.check_in_undo_window() returns interval
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select make_interval(mins => coalesce(
    (select case when s.value ~ '^[0-9]{1,4}$' then s.value::integer end
       from app_private.setting s where s.key = 'check_in_undo_minutes'),
    5));
$$;
comment on function app_hidden.check_in_undo_window() is
  E'The setting check_in_undo_minutes as an interval (5 minutes when missing or malformed).';
revoke all on function app_hidden.check_in_undo_window() from public;
grant execute on function app_hidden.check_in_undo_window() to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Issue and void
--------------------------------------------------------------------------------

create or replace function app_hidden.new_ticket_code() returns text
  language sql volatile
  set search_path = pg_catalog, pg_temp
as $$
  -- 40 random bits (the first five bytes of a v4 uuid are all random) as
  -- eight 5-bit digits of the unambiguous alphabet.
  with b as (select uuid_send(gen_random_uuid()) as bytes),
  bits as (
    select (get_byte(bytes, 0)::bigint << 32) | (get_byte(bytes, 1)::bigint << 24)
         | (get_byte(bytes, 2)::bigint << 16) | (get_byte(bytes, 3)::bigint << 8)
         | get_byte(bytes, 4)::bigint as n
    from b
  )
  select string_agg(substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((n >> (5 * i)) & 31)::integer + 1, 1), '' order by i desc)
  from bits, generate_series(0, 7) as i;
$$;
comment on function app_hidden.new_ticket_code() is E'A fresh random ticket code (not checked for uniqueness: ticket_code_key is, and issue_tickets retries).';
revoke all on function app_hidden.new_ticket_code() from public;

create or replace function app_hidden.issue_tickets(booking app_public.booking, first_version integer default 1)
  returns setof app_public.ticket
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_seat integer;
  v_ticket app_public.ticket;
  v_tickets jsonb := '[]';
begin
  for v_seat in 1 .. issue_tickets.booking.quantity loop
    loop
      begin
        insert into app_public.ticket (booking_id, event_id, seat_no, code, version)
        values (issue_tickets.booking.id, issue_tickets.booking.event_id, v_seat,
                app_hidden.new_ticket_code(), issue_tickets.first_version)
        returning * into v_ticket;
        exit;
      exception when unique_violation then
        -- Only a code collision (one in ~10^12 per pair) retries; a second
        -- valid ticket for a seat is a bug and must surface.
        if sqlerrm not like '%ticket_code_key%' then
          raise;
        end if;
      end;
    end loop;
    v_tickets := v_tickets || jsonb_build_object('ticketId', v_ticket.id, 'seatNo', v_ticket.seat_no, 'version', v_ticket.version);
    return next v_ticket;
  end loop;
  -- Codes stay out of the event: a code admits a person, and Kafka readers
  -- are not the gate. Consumers that show tickets read them through the API.
  perform app_hidden.record_change(
    'booking', issue_tickets.booking.id, 'TicketsIssued', 'ticket.issue', 'ticket',
    jsonb_build_object('bookingId', issue_tickets.booking.id, 'eventId', issue_tickets.booking.event_id,
                       'userId', issue_tickets.booking.user_id, 'tickets', v_tickets)
  );
end;
$$;
comment on function app_hidden.issue_tickets(app_public.booking, integer) is
  E'Issues one valid ticket per seat of the booking (with this version) and records TicketsIssued. Called by the booking trigger and reissue_tickets only.';
revoke all on function app_hidden.issue_tickets(app_public.booking, integer) from public;

create or replace function app_hidden.void_tickets(booking_id uuid, reason app_public.ticket_void_reason)
  returns integer
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_ids jsonb;
  v_event_id uuid;
begin
  with voided as (
    update app_public.ticket t
       set status = 'void', void_reason = void_tickets.reason, voided_at = now(), version = t.version
     where t.booking_id = void_tickets.booking_id and t.status = 'valid'
    returning t.id, t.event_id
  )
  select jsonb_agg(v.id), min(v.event_id::text)::uuid into v_ids, v_event_id from voided v;
  if v_ids is null then
    return 0;
  end if;
  perform app_hidden.record_change(
    'booking', void_tickets.booking_id, 'TicketsVoided', 'ticket.void', 'ticket',
    jsonb_build_object('bookingId', void_tickets.booking_id, 'eventId', v_event_id,
                       'reason', void_tickets.reason, 'ticketIds', v_ids)
  );
  return jsonb_array_length(v_ids);
end;
$$;
comment on function app_hidden.void_tickets(uuid, app_public.ticket_void_reason) is
  E'Voids the valid tickets of a booking with this reason and records TicketsVoided; returns how many.';
revoke all on function app_hidden.void_tickets(uuid, app_public.ticket_void_reason) from public;

/*
 * Deferred to commit (a constraint trigger, initially deferred) and written
 * as a reconciliation of the booking's state at that moment, not of NEW:
 *   - TicketsIssued / TicketsVoided land in the outbox after the
 *     BookingCreated / BookingConfirmed / BookingCanceled of the same
 *     transaction (the functions record those after their UPDATE), so a
 *     consumer never hears of tickets before the booking they belong to;
 *   - a booking confirmed and canceled in one transaction issues nothing.
 * Inside a transaction that wants its tickets before commit (psql, tests):
 * `set constraints app_public._600_tickets immediate`.
 */
create or replace function app_private.tg_booking__tickets() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_booking app_public.booking;
  v_has_valid boolean;
begin
  select * into v_booking from app_public.booking b where b.id = new.id;
  select exists (select from app_public.ticket t where t.booking_id = new.id and t.status = 'valid') into v_has_valid;
  if v_booking.status = 'confirmed' and not v_has_valid then
    perform app_hidden.issue_tickets(
      v_booking,
      (select coalesce(max(t.version), 0) + 1 from app_public.ticket t where t.booking_id = new.id)::integer);
  elsif v_booking.status <> 'confirmed' and v_has_valid then
    perform app_hidden.void_tickets(new.id, 'booking_canceled');
  end if;
  return null;
end;
$$;
comment on function app_private.tg_booking__tickets() is
  E'Constraint trigger (deferred to commit): a confirmed booking without valid tickets gets them (TicketsIssued); a booking no longer confirmed has its valid tickets voided (TicketsVoided).';
revoke all on function app_private.tg_booking__tickets() from public;

drop trigger if exists _600_tickets on app_public.booking;
create constraint trigger _600_tickets
  after insert or update of status on app_public.booking
  deferrable initially deferred
  for each row execute function app_private.tg_booking__tickets();

create or replace function app_public.reissue_tickets(booking_id uuid) returns setof app_public.ticket
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_booking app_public.booking;
  v_version integer;
begin
  select * into v_booking from app_public.booking b where b.id = reissue_tickets.booking_id for update;
  if not found or not (
    v_booking.user_id = v_user_id or app_public.has_role('admin')
    or exists (select from app_public.event e where e.id = v_booking.event_id and e.organizer_id = v_user_id)
  ) then
    raise exception 'booking not found' using errcode = 'P0002';
  end if;
  if v_booking.status <> 'confirmed' then
    raise exception 'only a confirmed booking has tickets (this one is %)', v_booking.status
      using errcode = 'TKBKS';
  end if;
  if exists (select from app_public.ticket t
             where t.booking_id = v_booking.id and t.status = 'valid' and t.checked_in_at is not null) then
    raise exception 'a ticket of this booking is checked in: undo the check-in first'
      using errcode = 'TKCHK';
  end if;
  select coalesce(max(t.version), 0) + 1 into v_version from app_public.ticket t where t.booking_id = v_booking.id;
  perform app_hidden.void_tickets(v_booking.id, 'reissued');
  return query select * from app_hidden.issue_tickets(v_booking, v_version) order by seat_no;
end;
$$;
comment on function app_public.reissue_tickets(uuid) is
  E'Replaces the tickets of a confirmed booking (e.g. a code was leaked): the old ones become void (reissued), new codes are issued with the next version. The holder, the event''s organizer or an admin. Errors: 28000, P0002, TKBKS (booking not confirmed), TKCHK (a ticket is checked in).';
revoke all on function app_public.reissue_tickets(uuid) from public;
grant execute on function app_public.reissue_tickets(uuid) to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Check-in
--------------------------------------------------------------------------------

do $$
begin
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'check_in_result') then
    create type app_public.check_in_result as (
      ticket_id uuid,
      event_id uuid,
      code text,
      seat_no integer,
      outcome text,
      checked_in_at timestamptz,
      checked_in_by uuid,
      checked_in_device text,
      error_code text,
      error_message text,
      scanned_at timestamptz,
      device text
    );
  end if;
end;
$$;
comment on type app_public.check_in_result is E'The answer to one scan.';
comment on column app_public.check_in_result.ticket_id is E'The ticket scanned (null when the code matched none).';
comment on column app_public.check_in_result.event_id is E'Its event.';
comment on column app_public.check_in_result.code is E'Its code (normalized: upper case, no spaces or dashes).';
comment on column app_public.check_in_result.seat_no is E'Which seat of its booking.';
comment on column app_public.check_in_result.outcome is E'checked_in (this scan admitted the person), already_checked_in (an earlier scan did, on this device or online), conflict (an offline scan on another device did: the person was admitted once), refused (see error_code; batches only, single scans raise it).';
comment on column app_public.check_in_result.checked_in_at is E'When the ticket was checked in (by this scan or the earlier one).';
comment on column app_public.check_in_result.checked_in_by is E'Who checked it in.';
comment on column app_public.check_in_result.checked_in_device is E'The offline device that checked it in, if any.';
comment on column app_public.check_in_result.error_code is E'For refused scans of a batch: the SQLSTATE a single scan would raise (TKNOT, TKVOD, TKCAN, TKORG, …).';
comment on column app_public.check_in_result.error_message is E'For refused scans: the message.';
comment on column app_public.check_in_result.scanned_at is E'For batch scans: when the device scanned it.';
comment on column app_public.check_in_result.device is E'For batch scans: the device that scanned it.';

create or replace function app_hidden.normalize_ticket_code(code text) returns text
  language plpgsql immutable
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_code text := upper(regexp_replace(coalesce(normalize_ticket_code.code, ''), '[\s-]', '', 'g'));
begin
  if v_code !~ '^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$' then
    raise exception 'code must be 8 characters of 23456789ABCDEFGHJKLMNPQRSTUVWXYZ'
      using errcode = 'TKFMT', column = 'code';
  end if;
  return v_code;
end;
$$;
comment on function app_hidden.normalize_ticket_code(text) is
  E'A scanned or typed code in canonical form (upper case, spaces and dashes dropped), or TKFMT.';
revoke all on function app_hidden.normalize_ticket_code(text) from public;
grant execute on function app_hidden.normalize_ticket_code(text) to :DATABASE_MEMBER;

/*
 * The ticket staff may scan, locked: parallel scans of one ticket queue here,
 * so the second sees the first one's check-in. Other organizers' tickets get
 * their own code (TKORG): the scanner is at the wrong gate, which staff must
 * hear; the code alone already proves they hold the ticket.
 */
create or replace function app_hidden.ticket_for_staff(code text) returns app_public.ticket
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_ticket app_public.ticket;
  v_organizer_id uuid;
begin
  select t.* into v_ticket from app_public.ticket t
   where t.code = app_hidden.normalize_ticket_code(ticket_for_staff.code)
   for update;
  if not found then
    raise exception 'no ticket with this code' using errcode = 'TKNOT', column = 'code';
  end if;
  select e.organizer_id into v_organizer_id from app_public.event e where e.id = v_ticket.event_id;
  if v_organizer_id <> v_user_id and not app_public.has_role('admin') then
    raise exception 'this ticket is for another organizer''s event' using errcode = 'TKORG';
  end if;
  return v_ticket;
end;
$$;
comment on function app_hidden.ticket_for_staff(text) is
  E'Locks and returns the ticket with this code for its event''s organizer or an admin; 28000, 42501, TKFMT, TKNOT, TKORG otherwise.';
revoke all on function app_hidden.ticket_for_staff(text) from public;

create or replace function app_hidden.check_in(code text, scanned_at timestamptz, device text)
  returns app_public.check_in_result
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_ticket app_public.ticket := app_hidden.ticket_for_staff(check_in.code);
  v_result app_public.check_in_result;
begin
  if v_ticket.status = 'void' then
    if v_ticket.void_reason = 'booking_canceled' then
      raise exception 'the booking of this ticket was canceled' using errcode = 'TKCAN';
    end if;
    raise exception 'this ticket was replaced by a newer one' using errcode = 'TKVOD';
  end if;

  v_result.ticket_id := v_ticket.id;
  v_result.event_id := v_ticket.event_id;
  v_result.code := v_ticket.code;
  v_result.seat_no := v_ticket.seat_no;
  v_result.scanned_at := check_in.scanned_at;
  v_result.device := check_in.device;

  if v_ticket.checked_in_at is not null then
    -- Never counted twice: answer with the first check-in.
    v_result.outcome := case
      when check_in.device is not null and v_ticket.checked_in_device is distinct from check_in.device then 'conflict'
      else 'already_checked_in' end;
  else
    update app_public.ticket t
       set checked_in_at = coalesce(check_in.scanned_at, now()), checked_in_by = v_user_id,
           checked_in_device = check_in.device, version = t.version
     where t.id = v_ticket.id
    returning * into v_ticket;
    v_result.outcome := 'checked_in';
    perform app_hidden.record_change(
      'ticket', v_ticket.id, 'TicketCheckedIn', 'ticket.check_in', 'ticket',
      jsonb_build_object('ticketId', v_ticket.id, 'bookingId', v_ticket.booking_id, 'eventId', v_ticket.event_id,
                         'seatNo', v_ticket.seat_no, 'checkedInAt', v_ticket.checked_in_at,
                         'checkedInBy', v_ticket.checked_in_by, 'device', v_ticket.checked_in_device)
    );
  end if;
  v_result.checked_in_at := v_ticket.checked_in_at;
  v_result.checked_in_by := v_ticket.checked_in_by;
  v_result.checked_in_device := v_ticket.checked_in_device;
  return v_result;
end;
$$;
comment on function app_hidden.check_in(text, timestamptz, text) is
  E'The one check-in rule: checks in the ticket with this code (at scanned_at for offline scans), or reports the earlier check-in. Raises 28000, 42501, TKFMT, TKNOT, TKORG, TKCAN, TKVOD.';
revoke all on function app_hidden.check_in(text, timestamptz, text) from public;

create or replace function app_public.check_in_ticket(code text) returns app_public.check_in_result
  language sql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select app_hidden.check_in(check_in_ticket.code, null, null);
$$;
comment on function app_public.check_in_ticket(text) is
  E'Organizer staff (the event''s organizer, or an admin) check a ticket in by its code at the gate. Idempotent: a second scan changes nothing and answers outcome already_checked_in with when and by whom. Errors: 28000, 42501 (not organizer staff), TKFMT (malformed code), TKNOT (no such ticket), TKORG (another organizer''s event), TKCAN (booking canceled or refunded), TKVOD (replaced by a reissue).';
revoke all on function app_public.check_in_ticket(text) from public;
grant execute on function app_public.check_in_ticket(text) to :DATABASE_MEMBER;

create or replace function app_public.undo_check_in(code text) returns app_public.ticket
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_ticket app_public.ticket := app_hidden.ticket_for_staff(undo_check_in.code);
  v_window interval := app_hidden.check_in_undo_window();
begin
  if v_ticket.checked_in_at is null then
    raise exception 'this ticket is not checked in' using errcode = 'TKNCI';
  end if;
  if now() > v_ticket.checked_in_at + v_window then
    raise exception 'the check-in is older than % minute(s) and can no longer be undone',
      extract(epoch from v_window)::integer / 60
      using errcode = 'TKUND', hint = 'The setting check_in_undo_minutes sets the window.';
  end if;
  update app_public.ticket t
     set checked_in_at = null, checked_in_by = null, checked_in_device = null
   where t.id = v_ticket.id
  returning * into v_ticket;
  perform app_hidden.record_change(
    'ticket', v_ticket.id, 'CheckInUndone', 'ticket.undo_check_in', 'ticket',
    jsonb_build_object('ticketId', v_ticket.id, 'bookingId', v_ticket.booking_id, 'eventId', v_ticket.event_id,
                       'seatNo', v_ticket.seat_no)
  );
  return v_ticket;
end;
$$;
comment on function app_public.undo_check_in(text) is
  E'Organizer staff undo a check-in (a wrong scan) within check_in_undo_minutes (setting, default 5) of it. Errors: 28000, 42501, TKFMT, TKNOT, TKORG, TKNCI (not checked in), TKUND (window passed).';
revoke all on function app_public.undo_check_in(text) from public;
grant execute on function app_public.undo_check_in(text) to :DATABASE_MEMBER;

do $$
begin
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'ticket_scan_input') then
    create type app_public.ticket_scan_input as (code text, scanned_at timestamptz, device text);
  end if;
end;
$$;
comment on type app_public.ticket_scan_input is E'One scan of an offline scanner.';
comment on column app_public.ticket_scan_input.code is E'The scanned ticket code.';
comment on column app_public.ticket_scan_input.scanned_at is E'When the device scanned it (not in the future).';
comment on column app_public.ticket_scan_input.device is E'The scanner device''s id (letters, digits, . _ : -, up to 64).';

create or replace function app_public.check_in_batch(scans app_public.ticket_scan_input[])
  returns setof app_public.check_in_result
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_scan record;
  v_result app_public.check_in_result;
begin
  perform app_hidden.assert_event_manager();
  if check_in_batch.scans is null or cardinality(check_in_batch.scans) not between 1 and 500 then
    raise exception 'scans must hold 1 to 500 scans' using errcode = '22023', column = 'scans';
  end if;
  -- Validate the whole batch first: a malformed upload is the device's bug
  -- and is refused whole, nothing written.
  for v_scan in select s.* from unnest(check_in_batch.scans) s loop
    if v_scan.scanned_at is null or v_scan.scanned_at > now() + interval '5 minutes' then
      raise exception 'scanned_at must be given and not in the future' using errcode = '22023', column = 'scanned_at';
    end if;
    if v_scan.device is null or v_scan.device !~ '^[A-Za-z0-9._:-]{1,64}$' then
      raise exception 'device must be 1 to 64 letters, digits, . _ : -' using errcode = '22023', column = 'device';
    end if;
  end loop;
  -- In scanned-at order: the earliest scan of a ticket is the one that
  -- checked the person in, later ones (other devices) are conflicts.
  for v_scan in select s.* from unnest(check_in_batch.scans) with ordinality s
                order by s.scanned_at, s.ordinality loop
    begin
      v_result := app_hidden.check_in(v_scan.code, v_scan.scanned_at, v_scan.device);
    exception when sqlstate 'TKFMT' or sqlstate 'TKNOT' or sqlstate 'TKORG' or sqlstate 'TKCAN' or sqlstate 'TKVOD' then
      -- Refused scans are reported, not raised: the rest of the batch counts.
      v_result := row(null, null, v_scan.code, null, 'refused', null, null, null, sqlstate, sqlerrm,
                      v_scan.scanned_at, v_scan.device)::app_public.check_in_result;
    end;
    return next v_result;
  end loop;
end;
$$;
comment on function app_public.check_in_batch(app_public.ticket_scan_input[]) is
  E'Uploads the scans an offline scanner collected (1 to 500): applied in scanned_at order, each like checkInTicket at its scanned_at; a ticket already checked in on another device answers conflict (counted once), refused scans carry error_code. Whole-batch errors: 28000, 42501, 22023 (size, scanned_at in the future, device).';
revoke all on function app_public.check_in_batch(app_public.ticket_scan_input[]) from public;
grant execute on function app_public.check_in_batch(app_public.ticket_scan_input[]) to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Counts for the organizer's dashboard
--------------------------------------------------------------------------------

create or replace function app_public.event_tickets_valid(e app_public.event) returns integer
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select case when e.organizer_id = app_public.current_user_id() or app_public.has_role('admin') then
    (select count(*)::integer from app_public.ticket t where t.event_id = e.id and t.status = 'valid')
  end;
$$;
comment on function app_public.event_tickets_valid(app_public.event) is
  E'Valid tickets of the event (people expected); for its organizer and admins, null for anyone else.';
revoke all on function app_public.event_tickets_valid(app_public.event) from public;
grant execute on function app_public.event_tickets_valid(app_public.event) to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

create or replace function app_public.event_checked_in_count(e app_public.event) returns integer
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select case when e.organizer_id = app_public.current_user_id() or app_public.has_role('admin') then
    (select count(*)::integer from app_public.ticket t
      where t.event_id = e.id and t.status = 'valid' and t.checked_in_at is not null)
  end;
$$;
comment on function app_public.event_checked_in_count(app_public.event) is
  E'Valid tickets of the event checked in (people who came); for its organizer and admins, null for anyone else.';
revoke all on function app_public.event_checked_in_count(app_public.event) from public;
grant execute on function app_public.event_checked_in_count(app_public.event) to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

/*
 * gRPC GetCheckInCounts asks for the counts by event id: there, "not yours"
 * must be a refusal rather than the computed columns' null.
 */
create or replace function app_hidden.assert_event_staff(e app_public.event) returns boolean
  language plpgsql stable
  set search_path = pg_catalog, public, pg_temp
as $$
begin
  if app_public.current_user_id() is null then
    raise exception 'sign in first' using errcode = '28000', hint = 'Send a bearer token.';
  end if;
  if not (e.organizer_id = app_public.current_user_id() or app_public.has_role('admin')) then
    raise exception 'only the organizer of this event or an admin may see its check-ins' using errcode = '42501';
  end if;
  return true;
end;
$$;
comment on function app_hidden.assert_event_staff(app_public.event) is
  E'True when the caller is the event''s organizer or an admin; 28000 / 42501 otherwise.';
revoke all on function app_hidden.assert_event_staff(app_public.event) from public;
grant execute on function app_hidden.assert_event_staff(app_public.event) to :DATABASE_MEMBER;

--! split: 190-hot-path.sql
/*
 * Hot path (issue #21): seat counters on narrow rows of their own, bookings
 * that take them last, limit checks in one pass.
 *
 * INTERFACE (for everyone who reads seats; stable from here on)
 *   - app_public.event.seats_taken and app_public.event_price_tier.seats_taken
 *     are gone. Read seats through:
 *       app_public.event_seats_taken(e)              seats held on event e
 *       app_public.event_seats_available(e)          capacity minus that (≥ 0)
 *       app_public.event_price_tier_seats_taken(t)   seats held in tier t
 *       app_public.event_price_tier_seats_available(t)  quota minus that (null: no quota)
 *     (GraphQL: Event.seatsTaken / seatsAvailable, EventPriceTier.seatsTaken /
 *     seatsAvailable, same names as before), or join the counter tables:
 *       app_public.event_seat_counter (event_id pk, capacity, seats_taken, bookable_until)
 *       app_public.price_tier_seat_counter (price_tier_id pk, event_id, quota, seats_taken)
 *     Both are readable by the client roles under the event's visibility (RLS).
 *   - "Has free seats" in SQL:
 *       exists (select from app_public.event_seat_counter c
 *               where c.event_id = e.id and c.seats_taken < c.capacity)
 *     Filter on it AFTER the selective predicates (category, time, place, text).
 *     Never index seats_taken or anything derived from it: every booking
 *     updates that column, and an index on it turns each booking's HOT update
 *     into index writes on the hottest row there is. bookable_until (when the
 *     event stops taking bookings; null unless published) is indexable-free too.
 *   - Writers: only the SQL functions of this file change seats_taken
 *     (create_booking, end_booking via cancel/expiry/cancel_event); capacity,
 *     quota and bookable_until follow the event and tier rows by trigger.
 *
 * Why (the measurements in issue #21): the event row was the booking's lock
 * point, and it is wide, has an updated-at trigger, a stored full-text column
 * recomputed on every update and incoming foreign keys whose shared locks
 * piled up on it. A counter row with none of that costs what a bare update
 * costs. A booking now does everything that can run in parallel first (rules,
 * the booking row, audit and outbox rows) and takes the counters as its last
 * statements, so the time the hot row stays locked is one update and the
 * commit. Capacity is still enforced by constraints: the guarded updates below
 * and the check constraints on the counter rows (no oversell even from psql).
 *
 * Lock order, everywhere: event → price tier → event seat counter → tier seat
 * counter → promo code → booking → payment. create_booking inserts its new
 * booking before the counters, which is no exception: nobody else can see,
 * let alone lock, that row before it commits.
 *
 * Idempotent: re-applied on top of itself during development.
 */

--------------------------------------------------------------------------------
-- The counter tables
--------------------------------------------------------------------------------

create table if not exists app_public.event_seat_counter (
  event_id uuid primary key
    constraint event_seat_counter_event_id_fkey references app_public.event (id) on delete cascade,
  capacity integer not null,
  seats_taken integer not null default 0,
  bookable_until timestamptz,
  constraint event_seat_counter_seats_taken_check check (seats_taken between 0 and capacity)
) with (fillfactor = 50);
-- fillfactor: room on the page for HOT updates, so a booking never writes an index.
alter table app_public.event_seat_counter enable row level security;
comment on table app_public.event_seat_counter is E'@behavior -*\nThe seats held on an event, on a row of its own that bookings update (one per event; no triggers, nothing refers to it). capacity and bookable_until follow the event row by trigger. Read it through event_seats_taken / event_seats_available.';
comment on column app_public.event_seat_counter.event_id is E'The event.';
comment on column app_public.event_seat_counter.capacity is E'The event''s capacity (kept equal to event.capacity by trigger).';
comment on column app_public.event_seat_counter.seats_taken is E'Seats held by pending and confirmed bookings; never above capacity. Not indexed, on purpose.';
comment on column app_public.event_seat_counter.bookable_until is E'Bookings are taken while now() is before this (start minus booking_deadline_hours); null when the event is not published.';

create table if not exists app_public.price_tier_seat_counter (
  price_tier_id uuid primary key
    constraint price_tier_seat_counter_price_tier_id_fkey references app_public.event_price_tier (id) on delete cascade,
  event_id uuid not null,
  quota integer,
  seats_taken integer not null default 0,
  constraint price_tier_seat_counter_seats_taken_check check (seats_taken >= 0 and (quota is null or seats_taken <= quota))
) with (fillfactor = 50);
alter table app_public.price_tier_seat_counter enable row level security;
comment on table app_public.price_tier_seat_counter is E'@behavior -*\nThe seats held in a price tier, on a row of its own that bookings update. quota follows the tier row by trigger. Read it through event_price_tier_seats_taken / event_price_tier_seats_available.';
comment on column app_public.price_tier_seat_counter.price_tier_id is E'The price tier.';
comment on column app_public.price_tier_seat_counter.event_id is E'The tier''s event (for the visibility policy and joins).';
comment on column app_public.price_tier_seat_counter.quota is E'The tier''s quota (kept equal to event_price_tier.quota by trigger); null: the event capacity only.';
comment on column app_public.price_tier_seat_counter.seats_taken is E'Seats held in this tier by pending and confirmed bookings. Not indexed, on purpose.';
create index if not exists price_tier_seat_counter_event_id_idx on app_public.price_tier_seat_counter (event_id);

-- Visible exactly when the event is (the subquery runs under the event's RLS).
drop policy if exists select_visible on app_public.event_seat_counter;
create policy select_visible on app_public.event_seat_counter for select using (
  event_id in (select e.id from app_public.event e)
);
drop policy if exists select_visible on app_public.price_tier_seat_counter;
create policy select_visible on app_public.price_tier_seat_counter for select using (
  event_id in (select e.id from app_public.event e)
);
grant select on app_public.event_seat_counter, app_public.price_tier_seat_counter
  to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- Move the counts out of the event and tier rows (once; a re-run finds them gone).
drop view if exists app_private.seat_drift;
do $$
begin
  if exists (
    select from information_schema.columns
    where table_schema = 'app_public' and table_name = 'event' and column_name = 'seats_taken'
  ) then
    insert into app_public.event_seat_counter (event_id, capacity, seats_taken, bookable_until)
    select e.id, e.capacity, e.seats_taken,
           case when e.status = 'published' then e.starts_at - make_interval(hours => e.booking_deadline_hours) end
    from app_public.event e
    on conflict (event_id) do nothing;
    alter table app_public.event drop column seats_taken;
  end if;
  if exists (
    select from information_schema.columns
    where table_schema = 'app_public' and table_name = 'event_price_tier' and column_name = 'seats_taken'
  ) then
    insert into app_public.price_tier_seat_counter (price_tier_id, event_id, quota, seats_taken)
    select t.id, t.event_id, t.quota, t.seats_taken
    from app_public.event_price_tier t
    on conflict (price_tier_id) do nothing;
    alter table app_public.event_price_tier drop column seats_taken;
  end if;
end;
$$;

--------------------------------------------------------------------------------
-- Counters follow their event and tier rows
--------------------------------------------------------------------------------

create or replace function app_private.tg_event__sync_seat_counter() returns trigger
  language plpgsql
as $$
declare
  v_until timestamptz := case when new.status = 'published'
    then new.starts_at - make_interval(hours => new.booking_deadline_hours) end;
begin
  if tg_op = 'INSERT' then
    insert into app_public.event_seat_counter (event_id, capacity, bookable_until)
    values (new.id, new.capacity, v_until);
  else
    -- Locks the counter: a status or deadline change waits for bookings in
    -- flight and every later booking re-checks bookable_until after it.
    update app_public.event_seat_counter c
    set capacity = new.capacity, bookable_until = v_until
    where c.event_id = new.id;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_event__sync_seat_counter() is
  E'Trigger: creates the event''s seat counter and keeps its capacity and bookable_until (published: start minus booking_deadline_hours; else null) equal to the event row''s.';

drop trigger if exists _500_sync_seat_counter on app_public.event;
create trigger _500_sync_seat_counter
  after insert or update of capacity, status, starts_at, booking_deadline_hours on app_public.event
  for each row execute function app_private.tg_event__sync_seat_counter();

create or replace function app_private.tg_event_price_tier__sync_seat_counter() returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'INSERT' then
    insert into app_public.price_tier_seat_counter (price_tier_id, event_id, quota)
    values (new.id, new.event_id, new.quota);
  elsif new.quota is distinct from old.quota then
    update app_public.price_tier_seat_counter c set quota = new.quota where c.price_tier_id = new.id;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_event_price_tier__sync_seat_counter() is
  E'Trigger: creates the tier''s seat counter and keeps its quota equal to the tier row''s.';

drop trigger if exists _500_sync_seat_counter on app_public.event_price_tier;
create trigger _500_sync_seat_counter
  after insert or update of quota on app_public.event_price_tier
  for each row execute function app_private.tg_event_price_tier__sync_seat_counter();

-- Migration 1's removal check, reading the tier's counter (gone already when
-- the tier goes by cascade; then its bookings' foreign key guards it).
create or replace function app_private.tg_event_price_tier__check_removal() returns trigger
  language plpgsql
as $$
declare
  v_event app_public.event;
  v_seats_taken integer := coalesce(
    (select c.seats_taken from app_public.price_tier_seat_counter c where c.price_tier_id = old.id), 0);
begin
  select * into v_event from app_public.event e where e.id = old.event_id for no key update;
  if not found then
    return null; -- the event itself is being deleted (cascade)
  end if;
  if v_event.status in ('completed', 'canceled') then
    raise exception 'the price tiers of a % event can no longer be changed', v_event.status
      using errcode = '55000';
  end if;
  if v_seats_taken > 0 then
    raise exception 'price tier "%" has % seats taken and cannot be removed', old.name, v_seats_taken
      using errcode = 'TRSEA';
  end if;
  if v_event.status = 'published'
     and not exists (select from app_public.event_price_tier t where t.event_id = old.event_id) then
    raise exception 'a published event must keep at least one price tier'
      using errcode = 'EVTIR';
  end if;
  return null;
end;
$$;

--------------------------------------------------------------------------------
-- Reading seats (computed columns; GraphQL keeps seatsTaken / seatsAvailable)
--------------------------------------------------------------------------------

create or replace function app_public.event_seats_taken(e app_public.event) returns integer
  language sql stable
as $$
  select coalesce((select c.seats_taken from app_public.event_seat_counter c where c.event_id = e.id), 0);
$$;
comment on function app_public.event_seats_taken(app_public.event) is
  E'@notNull\nSeats held by pending and confirmed bookings; never above capacity.';

create or replace function app_public.event_seats_available(e app_public.event) returns integer
  language sql stable
as $$
  select greatest(e.capacity - app_public.event_seats_taken(e), 0);
$$;
comment on function app_public.event_seats_available(app_public.event) is
  E'Seats still free (capacity minus seats taken).';

create or replace function app_public.event_price_tier_seats_taken(t app_public.event_price_tier) returns integer
  language sql stable
as $$
  select coalesce((select c.seats_taken from app_public.price_tier_seat_counter c where c.price_tier_id = t.id), 0);
$$;
comment on function app_public.event_price_tier_seats_taken(app_public.event_price_tier) is
  E'@notNull\nSeats held in this tier by pending and confirmed bookings.';

create or replace function app_public.event_price_tier_seats_available(t app_public.event_price_tier) returns integer
  language sql stable
as $$
  select t.quota - app_public.event_price_tier_seats_taken(t);
$$;
comment on function app_public.event_price_tier_seats_available(app_public.event_price_tier) is
  E'Seats this tier may still sell under its own quota; null when the tier has no quota (the event''s free seats apply).';

grant execute on function
  app_public.event_seats_taken(app_public.event),
  app_public.event_seats_available(app_public.event),
  app_public.event_price_tier_seats_taken(app_public.event_price_tier),
  app_public.event_price_tier_seats_available(app_public.event_price_tier)
to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- Outbox payloads keep their seatsTaken key.
create or replace function app_hidden.event_data(e app_public.event) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', e.id,
    'organizerId', e.organizer_id,
    'title', e.title,
    'description', e.description,
    'category', e.category,
    'locationName', e.location_name,
    'latitude', e.latitude,
    'longitude', e.longitude,
    'startsAt', e.starts_at,
    'endsAt', e.ends_at,
    'capacity', e.capacity,
    'seatsTaken', app_public.event_seats_taken(e),
    'bookingDeadlineHours', e.booking_deadline_hours,
    'status', e.status,
    'crewRequired', e.crew_required,
    'crewId', e.crew_id,
    'crewStatus', e.crew_status,
    'publishedAt', e.published_at,
    'canceledAt', e.canceled_at,
    'canceledBy', e.canceled_by,
    'cancelReason', e.cancel_reason
  );
$$;

create or replace function app_hidden.price_tier_data(t app_public.event_price_tier) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', t.id,
    'eventId', t.event_id,
    'name', t.name,
    'price', t.price,
    'currency', t.currency,
    'quota', t.quota,
    'seatsTaken', app_public.event_price_tier_seats_taken(t),
    'sortOrder', t.sort_order
  );
$$;

create view app_private.seat_drift with (security_invoker = true) as
  select 'event' as counter, c.event_id as id, c.seats_taken as counted,
         coalesce((select sum(b.quantity) from app_public.booking b
                   where b.event_id = c.event_id and b.status in ('pending_payment', 'confirmed')), 0)::integer as actual
  from app_public.event_seat_counter c
  union all
  select 'event_price_tier', c.price_tier_id, c.seats_taken,
         coalesce((select sum(b.quantity) from app_public.booking b
                   where b.price_tier_id = c.price_tier_id and b.status in ('pending_payment', 'confirmed')), 0)::integer
  from app_public.price_tier_seat_counter c
  union all
  select 'promo_code', pc.id, pc.uses,
         (select count(*) from app_public.booking b
          where b.promo_code_id = pc.id and b.status in ('pending_payment', 'confirmed'))::integer
  from app_public.promo_code pc;
comment on view app_private.seat_drift is
  E'Every seat and promo-use counter next to what the live bookings add up to. `select * from app_private.seat_drift where counted <> actual` must return nothing; a row means a counter was changed behind the functions'' back. For DBAs (scans everything).';

--------------------------------------------------------------------------------
-- The anti-hoarding checks: settings read once, the caller's bookings counted once
--------------------------------------------------------------------------------

create or replace function app_hidden.assert_booking_limits(e app_public.event, user_id uuid, quantity integer) returns void
  language plpgsql stable
as $$
declare
  v_max_seats integer;
  v_max_pending integer;
  v_max_pending_organizer integer;
  v_cooldown_after integer;
  v_window interval;
  v_cooldown interval;
  v_pending integer;
  v_pending_organizer integer;
  v_recent integer;
  v_last_end timestamptz;
begin
  -- All six settings in one read (the defaults when a row is missing).
  select
    coalesce(e.max_seats_per_booking, (max(s.value) filter (where s.key = 'booking_max_seats_default'))::integer, 10),
    coalesce((max(s.value) filter (where s.key = 'booking_max_pending_per_user'))::integer, 5),
    coalesce((max(s.value) filter (where s.key = 'booking_max_pending_per_organizer'))::integer, 3),
    coalesce((max(s.value) filter (where s.key = 'booking_cooldown_after'))::integer, 3),
    make_interval(mins => coalesce((max(s.value) filter (where s.key = 'booking_cooldown_window_minutes'))::integer, 60)),
    make_interval(mins => coalesce((max(s.value) filter (where s.key = 'booking_cooldown_minutes'))::integer, 30))
  into v_max_seats, v_max_pending, v_max_pending_organizer, v_cooldown_after, v_window, v_cooldown
  from app_private.setting s
  where s.key in ('booking_max_seats_default', 'booking_max_pending_per_user', 'booking_max_pending_per_organizer',
                  'booking_cooldown_after', 'booking_cooldown_window_minutes', 'booking_cooldown_minutes');

  if assert_booking_limits.quantity > v_max_seats then
    raise exception 'at most % seat(s) per booking for this event', v_max_seats
      using errcode = 'BKMAX', column = 'quantity', hint = 'Book fewer seats.';
  end if;

  -- Every count in one pass over the caller's bookings (booking_user_id_idx):
  -- unpaid holds (those past their payment deadline are about to expire and do
  -- not count), overall and for this organizer, and for the cool-down the
  -- bookings of this event the user ended (canceled themselves) or let lapse
  -- lately; an organizer's cancellation does not count.
  select
    count(*) filter (where b.status = 'pending_payment' and b.payment_deadline > now()),
    count(*) filter (where b.status = 'pending_payment' and b.payment_deadline > now() and pe.organizer_id = e.organizer_id),
    count(*) filter (where b.event_id = e.id and (
      (b.status = 'canceled' and b.canceled_by = assert_booking_limits.user_id and b.canceled_at > now() - v_window)
      or (b.status = 'expired' and b.expired_at > now() - v_window))),
    max(coalesce(b.canceled_at, b.expired_at)) filter (where b.event_id = e.id and (
      (b.status = 'canceled' and b.canceled_by = assert_booking_limits.user_id and b.canceled_at > now() - v_window)
      or (b.status = 'expired' and b.expired_at > now() - v_window)))
  into v_pending, v_pending_organizer, v_recent, v_last_end
  from app_public.booking b
  join app_public.event pe on pe.id = b.event_id
  where b.user_id = assert_booking_limits.user_id
    and (b.status = 'pending_payment' or (b.event_id = e.id and b.status in ('canceled', 'expired')));

  if v_cooldown > interval '0' and v_recent >= v_cooldown_after and v_last_end + v_cooldown > now() then
    raise exception 'you canceled or let lapse % bookings of this event lately: you can book it again from %',
      v_recent, v_last_end + v_cooldown
      using errcode = 'BKCDN', hint = 'Wait for the cool-down to end.';
  end if;
  if v_pending >= v_max_pending then
    raise exception 'you already hold % unpaid booking(s), the most allowed at once', v_pending
      using errcode = 'BKPEN', hint = 'Pay or cancel one of them first.';
  end if;
  if v_pending_organizer >= v_max_pending_organizer then
    raise exception 'you already hold % unpaid booking(s) for this organizer''s events, the most allowed at once', v_pending_organizer
      using errcode = 'BKPOR', hint = 'Pay or cancel one of them first.';
  end if;
end;
$$;
comment on function app_hidden.assert_booking_limits(app_public.event, uuid, integer) is
  E'The anti-hoarding rules of a new booking, from app_private.setting (read once): BKMAX (seats per booking), BKCDN (cool-down after repeated cancel/lapse on the event), BKPEN (unpaid bookings overall), BKPOR (unpaid bookings for the organizer''s events), counted in one query. Reads only; create_booking serializes a user''s bookings first so the counts hold under concurrency.';

--------------------------------------------------------------------------------
-- price_booking, create_booking: counters last
--------------------------------------------------------------------------------

create or replace function app_hidden.price_booking(
  event_id uuid,
  price_tier_id uuid,
  quantity integer,
  promo_code text
) returns app_public.booking_quote
  language plpgsql stable
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event app_public.event;
  v_tier app_public.event_price_tier;
  v_promo app_public.promo_code;
  v_code text := app_hidden.clean_text(price_booking.promo_code);
  v_quote app_public.booking_quote;
  v_closes_at timestamptz;
  v_event_taken integer;
  v_tier_taken integer;
begin
  select * into v_event from app_public.event e where e.id = price_booking.event_id;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception 'event not found' using errcode = 'P0002';
  end if;
  if v_event.organizer_id = v_user_id then
    raise exception 'organizers cannot book their own event' using errcode = 'BKOWN';
  end if;

  if price_booking.quantity is null or price_booking.quantity not between 1 and 20 then
    raise exception 'quantity must be between 1 and 20' using errcode = 'BKQTY', column = 'quantity';
  end if;
  select * into v_tier from app_public.event_price_tier t where t.id = price_booking.price_tier_id;
  -- A tier of this (visible) event is visible; another event's only if that event is.
  if not found or (v_tier.event_id <> v_event.id and not exists (
    select from app_public.event e where e.id = v_tier.event_id and app_hidden.event_is_visible(e)
  )) then
    raise exception 'price tier not found' using errcode = 'P0002', column = 'price_tier_id';
  end if;
  if v_tier.event_id <> v_event.id then
    raise exception 'price tier "%" belongs to another event', v_tier.name
      using errcode = 'BKTEV', column = 'price_tier_id', hint = 'Use one of this event''s price tiers.';
  end if;
  if v_code is not null then
    -- The event's own code wins over a global one with the same text.
    select * into v_promo from app_public.promo_code pc
    where pc.code = v_code::citext and (pc.event_id = v_event.id or pc.event_id is null)
    order by pc.event_id nulls last
    limit 1;
    if not found then
      raise exception 'unknown promo code "%"', v_code using errcode = 'CPUNK', column = 'promo_code';
    end if;
  end if;

  if v_event.status <> 'published' then
    raise exception 'bookings are closed: the event is %', v_event.status using errcode = '55000', column = 'status';
  end if;
  v_closes_at := v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours);
  if now() >= v_closes_at then
    raise exception 'bookings for this event closed at %', v_closes_at
      using errcode = 'BKCLO', hint = 'Bookings close booking_deadline_hours before the event starts.';
  end if;
  if exists (
    select from app_public.booking b
    where b.event_id = v_event.id and b.user_id = v_user_id and b.status in ('pending_payment', 'confirmed')
  ) then
    raise exception 'you already have a booking for this event'
      using errcode = 'BKDUP', hint = 'Cancel it first to book differently.';
  end if;
  perform app_hidden.assert_booking_limits(v_event, v_user_id, price_booking.quantity);
  -- A read, not a lock: create_booking's guarded updates decide under the lock.
  v_event_taken := app_public.event_seats_taken(v_event);
  v_tier_taken := app_public.event_price_tier_seats_taken(v_tier);
  if v_event_taken + price_booking.quantity > v_event.capacity then
    raise exception 'sold out: % seat(s) requested, % left', price_booking.quantity, v_event.capacity - v_event_taken
      using errcode = 'BKFUL';
  end if;
  if v_tier_taken + price_booking.quantity > v_tier.quota then
    raise exception 'price tier "%" is sold out: % seat(s) requested, % left', v_tier.name,
      price_booking.quantity, v_tier.quota - v_tier_taken
      using errcode = 'BKTQF';
  end if;
  if v_promo.id is not null then
    if not v_promo.is_active then
      raise exception 'promo code "%" has been deactivated', v_code using errcode = 'CPINA', column = 'promo_code';
    end if;
    if now() < v_promo.valid_from or now() >= v_promo.valid_until then
      raise exception 'promo code "%" is not valid now', v_code using errcode = 'CPEXP', column = 'promo_code';
    end if;
    if v_promo.discount_kind = 'fixed' and v_promo.currency <> v_tier.currency then
      raise exception 'promo code "%" is in %, the price in %', v_code, v_promo.currency, v_tier.currency
        using errcode = 'CPCUR', column = 'promo_code';
    end if;
    if v_promo.uses >= v_promo.max_uses then
      raise exception 'promo code "%" has reached its usage limit', v_code using errcode = 'CPUSE', column = 'promo_code';
    end if;
  end if;

  v_quote.event_id := v_event.id;
  v_quote.price_tier_id := v_tier.id;
  v_quote.quantity := price_booking.quantity;
  v_quote.unit_price := v_tier.price;
  v_quote.subtotal := v_tier.price * price_booking.quantity;
  v_quote.discount_amount := least(v_quote.subtotal, coalesce(
    case v_promo.discount_kind
      when 'percent' then round(v_quote.subtotal * v_promo.percent_off / 100.0, 2)
      when 'fixed' then v_promo.amount_off
    end, 0));
  v_quote.total_amount := v_quote.subtotal - v_quote.discount_amount;
  v_quote.currency := v_tier.currency;
  v_quote.promo_code_id := v_promo.id;
  v_quote.payment_deadline := least(now() + app_hidden.booking_hold(), v_closes_at);
  return v_quote;
end;
$$;
comment on function app_hidden.price_booking(uuid, uuid, integer, text) is
  E'Checks every booking rule for the caller (including the anti-hoarding limits of assert_booking_limits) and computes the price (tier price × quantity − promo discount, never below zero) and the payment deadline. Writes nothing; the seat checks here are a preview, create_booking''s guarded counter updates decide. Shared by quote_booking and create_booking.';

/*
 * The hot path. Everything that can run beside other bookings of the same
 * event runs first: the rules (price_booking), the booking row, its audit and
 * outbox rows. The seats are taken LAST, by guarded updates of the counter
 * rows (never read-then-write): concurrent bookings of one event queue on the
 * event's counter row, PostgreSQL re-evaluates the guard against the row as
 * the previous booking committed it, and exactly as many succeed as fit. The
 * row stays locked for one update and the commit, nothing more. A failed
 * guard raises, and the booking row written before goes with the transaction.
 * A user's own bookings queue on a transaction-scoped advisory lock keyed by
 * the user first, so the per-user limits cannot be overrun by parallel calls.
 */
create or replace function app_public.create_booking(
  event_id uuid,
  price_tier_id uuid,
  quantity integer default 1,
  promo_code text default null
) returns app_public.booking
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
-- The ON CONFLICT target names columns that are also parameters.
#variable_conflict use_column
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_quote app_public.booking_quote;
  v_event app_public.event;
  v_booking app_public.booking;
  v_left integer;
begin
  -- 7301 namespaces the key ("a user's bookings") among advisory locks.
  perform pg_advisory_xact_lock(7301, hashtext(v_user_id::text));
  v_quote := app_hidden.price_booking(
    create_booking.event_id, create_booking.price_tier_id, create_booking.quantity, create_booking.promo_code
  );

  insert into app_public.booking (
    event_id, user_id, price_tier_id, quantity, unit_price, subtotal, discount_amount, total_amount,
    currency, promo_code_id, status, payment_deadline, confirmed_at
  ) values (
    v_quote.event_id, v_user_id, v_quote.price_tier_id, v_quote.quantity, v_quote.unit_price, v_quote.subtotal,
    v_quote.discount_amount, v_quote.total_amount, v_quote.currency, v_quote.promo_code_id,
    -- Nothing to pay (free tier, 100 % code): confirmed at once.
    case when v_quote.total_amount = 0 then 'confirmed' else 'pending_payment' end::app_public.booking_status,
    v_quote.payment_deadline,
    case when v_quote.total_amount = 0 then now() end
  )
  on conflict (event_id, user_id) where status in ('pending_payment', 'confirmed') do nothing
  returning * into v_booking;
  if v_booking.id is null then
    -- A booking of the same user committed meanwhile (the unique index waited for it).
    raise exception 'you already have a booking for this event'
      using errcode = 'BKDUP', hint = 'Cancel it first to book differently.';
  end if;

  perform app_hidden.record_change(
    'booking', v_booking.id, 'BookingCreated', 'booking.create', 'booking', app_hidden.booking_data(v_booking)
  );
  if v_booking.status = 'confirmed' then
    perform app_hidden.record_change(
      'booking', v_booking.id, 'BookingConfirmed', 'booking.confirm', 'booking', app_hidden.booking_data(v_booking)
    );
  end if;

  -- Last: the seats. Lock order event counter → tier counter → promo code.
  update app_public.event_seat_counter c
  set seats_taken = c.seats_taken + v_quote.quantity
  where c.event_id = v_quote.event_id
    and c.seats_taken + v_quote.quantity <= c.capacity
    and now() < c.bookable_until;
  if not found then
    -- Someone else got there first (this statement saw their commit): say what changed.
    select * into v_event from app_public.event e where e.id = v_quote.event_id;
    if v_event.status <> 'published' then
      raise exception 'bookings are closed: the event is %', v_event.status using errcode = '55000', column = 'status';
    elsif now() >= v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours) then
      raise exception 'bookings for this event closed at %', v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours)
        using errcode = 'BKCLO';
    end if;
    v_left := v_event.capacity - app_public.event_seats_taken(v_event);
    raise exception 'sold out: % seat(s) requested, % left', v_quote.quantity, v_left
      using errcode = 'BKFUL';
  end if;

  update app_public.price_tier_seat_counter c
  set seats_taken = c.seats_taken + v_quote.quantity
  where c.price_tier_id = v_quote.price_tier_id
    and (c.quota is null or c.seats_taken + v_quote.quantity <= c.quota);
  if not found then
    raise exception 'this price tier is sold out: % seat(s) requested', v_quote.quantity using errcode = 'BKTQF';
  end if;

  if v_quote.promo_code_id is not null then
    update app_public.promo_code pc
    set uses = pc.uses + 1
    where pc.id = v_quote.promo_code_id
      and pc.is_active
      and (pc.max_uses is null or pc.uses < pc.max_uses)
      and (pc.valid_from is null or pc.valid_from <= now())
      and (pc.valid_until is null or pc.valid_until > now());
    if not found then
      raise exception 'promo code "%" has reached its usage limit', app_hidden.clean_text(create_booking.promo_code)
        using errcode = 'CPUSE', column = 'promo_code';
    end if;
  end if;
  return v_booking;
end;
$$;
comment on function app_public.create_booking(uuid, uuid, integer, text) is
  E'Books seats of a price tier of a published event for the caller, optionally with a promo code. The booking holds its seats as pending_payment until payment_deadline (a booking with nothing to pay is confirmed at once). One live booking per user per event; organizers cannot book their own events; bookings close booking_deadline_hours before the start; the anti-hoarding limits of app_private.setting apply (docs/limits.md). Errors: 28000, P0002 (event or tier), BKOWN, BKQTY, BKMAX, BKTEV, CPUNK, 55000 (not published), BKCLO, BKDUP, BKCDN, BKPEN, BKPOR, BKFUL, BKTQF, CPINA, CPEXP, CPCUR, CPUSE.';
grant execute on function app_public.create_booking(uuid, uuid, integer, text) to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Ending a booking gives its seats back to the counters
--------------------------------------------------------------------------------

create or replace function app_hidden.end_booking(
  b app_public.booking,
  new_status app_public.booking_status,
  reason text
) returns app_public.booking
  language plpgsql volatile
as $$
declare
  v_booking app_public.booking;
  v_payment app_public.payment;
begin
  update app_public.booking bk set
    status = end_booking.new_status,
    canceled_at = case when end_booking.new_status = 'canceled' then now() end,
    canceled_by = case when end_booking.new_status = 'canceled' then app_public.current_user_id() end,
    cancel_reason = case when end_booking.new_status = 'canceled' then end_booking.reason end,
    expired_at = case when end_booking.new_status = 'expired' then now() end
  where bk.id = b.id
  returning * into v_booking;

  -- Seats and the promo use come back (the check constraints keep them ≥ 0).
  update app_public.event_seat_counter c set seats_taken = c.seats_taken - b.quantity where c.event_id = b.event_id;
  update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - b.quantity where c.price_tier_id = b.price_tier_id;
  if b.promo_code_id is not null then
    update app_public.promo_code pc set uses = pc.uses - 1 where pc.id = b.promo_code_id;
  end if;

  perform app_hidden.record_change(
    'booking', v_booking.id,
    case when end_booking.new_status = 'canceled' then 'BookingCanceled' else 'BookingExpired' end,
    case when end_booking.new_status = 'canceled' then 'booking.cancel' else 'booking.expire' end,
    'booking', app_hidden.booking_data(v_booking)
  );

  -- A paid booking gets back what has not been refunded yet.
  if end_booking.new_status = 'canceled' then
    select * into v_payment from app_public.payment p
    where p.booking_id = b.id and p.status in ('completed', 'partially_refunded')
    for update;
    if found then
      perform app_hidden.issue_refund(v_payment, v_payment.amount - v_payment.refunded_amount, end_booking.reason);
    end if;
  end if;
  return v_booking;
end;
$$;
comment on function app_hidden.end_booking(app_public.booking, app_public.booking_status, text) is
  E'Cancels or expires a locked live booking: frees its seats (event and tier counters), gives its promo use back, announces BookingCanceled/BookingExpired, refunds the paid remainder when canceled. Owner only.';

--------------------------------------------------------------------------------
-- Use cases that compare seats with a new capacity, quota or removal
--------------------------------------------------------------------------------

create or replace function app_public.update_event(
  id uuid,
  title text default null,
  description text default null,
  category text default null,
  location_name text default null,
  latitude double precision default null,
  longitude double precision default null,
  starts_at timestamptz default null,
  ends_at timestamptz default null,
  capacity integer default null,
  booking_deadline_hours integer default null,
  crew_required boolean default null
) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_old app_public.event := app_hidden.event_for_change(update_event.id);
  v_new app_public.event := v_old;
  v_changes jsonb;
  v_tier_name text;
  v_quota integer;
  v_seats_taken integer;
begin
  perform app_hidden.assert_event_editable(v_old);

  -- null means "unchanged"; a blank description clears it.
  if update_event.title is not null then
    v_new.title := app_hidden.clean_text(update_event.title);
  end if;
  if update_event.description is not null then
    v_new.description := app_hidden.clean_text(update_event.description);
  end if;
  if update_event.category is not null then
    v_new.category := coalesce(app_hidden.clean_text(update_event.category), '');
  end if;
  if update_event.location_name is not null then
    v_new.location_name := app_hidden.clean_text(update_event.location_name);
  end if;
  v_new.latitude := coalesce(update_event.latitude, v_old.latitude);
  v_new.longitude := coalesce(update_event.longitude, v_old.longitude);
  v_new.starts_at := coalesce(update_event.starts_at, v_old.starts_at);
  v_new.ends_at := coalesce(update_event.ends_at, v_old.ends_at);
  v_new.capacity := coalesce(update_event.capacity, v_old.capacity);
  v_new.booking_deadline_hours := coalesce(update_event.booking_deadline_hours, v_old.booking_deadline_hours);
  if update_event.crew_required is not null and update_event.crew_required <> v_old.crew_required then
    v_new.crew_required := update_event.crew_required;
    v_new.crew_status := case when v_new.crew_required then 'pending' else 'not_required' end;
    -- Dropping the requirement forgets the crew; releasing it at the crew
    -- service is the crew issue's job (it reacts to this EventUpdated).
    v_new.crew_id := null;
  end if;

  perform app_hidden.assert_event_valid(v_new);
  if v_new.starts_at is distinct from v_old.starts_at and v_new.starts_at <= now() then
    raise exception 'starts_at must be in the future' using errcode = 'EVPST', column = 'starts_at';
  end if;
  -- The seat counter is locked before it is compared (lock order event → seat
  -- counter), so no booking can slip in between this check and the new capacity.
  select c.seats_taken into v_seats_taken
  from app_public.event_seat_counter c where c.event_id = v_old.id
  for no key update;
  if v_new.capacity < v_seats_taken then
    raise exception 'capacity % is below the % seats already taken', v_new.capacity, v_seats_taken
      using errcode = 'EVCAP', column = 'capacity';
  end if;
  select t.name, t.quota into v_tier_name, v_quota
  from app_public.event_price_tier t
  where t.event_id = v_old.id and t.quota > v_new.capacity
  order by t.quota desc
  limit 1;
  if found then
    raise exception 'capacity % is below the quota % of price tier "%"', v_new.capacity, v_quota, v_tier_name
      using errcode = 'TRQTA', column = 'capacity', hint = 'Lower the tier quota first, or keep a larger capacity.';
  end if;

  v_changes := app_hidden.jsonb_changes(app_hidden.event_data(v_old), app_hidden.event_data(v_new));
  if v_changes = '{}'::jsonb then
    return v_old; -- nothing to do, nothing to announce
  end if;

  update app_public.event e set
    title = v_new.title,
    description = v_new.description,
    category = v_new.category,
    location_name = v_new.location_name,
    latitude = v_new.latitude,
    longitude = v_new.longitude,
    starts_at = v_new.starts_at,
    ends_at = v_new.ends_at,
    capacity = v_new.capacity,
    booking_deadline_hours = v_new.booking_deadline_hours,
    crew_required = v_new.crew_required,
    crew_status = v_new.crew_status,
    crew_id = v_new.crew_id
  where e.id = v_old.id
  returning * into v_new;

  perform app_hidden.record_change(
    'event', v_new.id, 'EventUpdated', 'event.update', 'event',
    jsonb_build_object('changes', v_changes, 'event', app_hidden.event_data(v_new))
  );
  return v_new;
end;
$$;
comment on function app_public.update_event(uuid, text, text, text, text, double precision, double precision, timestamptz, timestamptz, integer, integer, boolean) is
  E'Changes a draft or published event (its organizer, or an admin). Arguments left null stay unchanged; a blank description clears it. Writes EventUpdated with the changed fields; a call that changes nothing writes nothing. Errors: 28000, 42501, P0002, 55000, 22023, EVDAT, EVDUR, EVPST (new start in the past), EVCAP (capacity below seats taken), TRQTA (capacity below a tier quota).';
create or replace function app_public.update_price_tier(
  id uuid,
  name text default null,
  price numeric default null,
  quota integer default null,
  remove_quota boolean default false
) returns app_public.event_price_tier
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event_id uuid := (select t.event_id from app_public.event_price_tier t where t.id = update_price_tier.id);
  v_event app_public.event;
  v_old app_public.event_price_tier;
  v_new app_public.event_price_tier;
  v_changes jsonb;
  v_seats_taken integer;
begin
  -- Lock order event → tier, as everywhere.
  v_event := app_hidden.event_for_change(v_event_id, 'price tier not found');
  select * into v_old from app_public.event_price_tier t where t.id = update_price_tier.id for update;
  if not found then
    raise exception 'price tier not found' using errcode = 'P0002';
  end if;
  -- Locked before it is compared with a new quota (event → tier → seat counters).
  select c.seats_taken into v_seats_taken
  from app_public.price_tier_seat_counter c where c.price_tier_id = v_old.id
  for no key update;
  perform app_hidden.assert_event_editable(v_event);

  v_new := v_old;
  if update_price_tier.name is not null then
    v_new.name := app_hidden.clean_text(update_price_tier.name);
    if v_new.name is null or char_length(v_new.name) > 100 then
      raise exception 'price tier name must be 1 to 100 characters long' using errcode = '22023', column = 'name';
    end if;
    if exists (
      select from app_public.event_price_tier t
      where t.event_id = v_old.event_id and t.name = v_new.name and t.id <> v_old.id
    ) then
      raise exception 'a price tier named "%" already exists for this event', v_new.name
        using errcode = '23505', column = 'name', constraint = 'event_price_tier_event_id_name_key';
    end if;
  end if;
  if update_price_tier.price is not null then
    if update_price_tier.price < 0 then
      raise exception 'price must be 0 or more' using errcode = '22023', column = 'price';
    end if;
    if update_price_tier.price <> round(update_price_tier.price, 2) or update_price_tier.price >= 10000000000 then
      raise exception 'price must have at most two decimals and be below 10000000000'
        using errcode = '22023', column = 'price';
    end if;
    v_new.price := update_price_tier.price;
  end if;
  if coalesce(update_price_tier.remove_quota, false) then
    if update_price_tier.quota is not null then
      raise exception 'give either quota or remove_quota, not both' using errcode = '22023', column = 'quota';
    end if;
    v_new.quota := null;
  elsif update_price_tier.quota is not null then
    if update_price_tier.quota < 1 then
      raise exception 'quota must be at least 1 (or null for no own limit)' using errcode = '22023', column = 'quota';
    end if;
    if update_price_tier.quota > v_event.capacity then
      raise exception 'quota % exceeds the event capacity %', update_price_tier.quota, v_event.capacity
        using errcode = 'TRQTA', column = 'quota', hint = 'Use a quota between 1 and the event capacity.';
    end if;
    if update_price_tier.quota < v_seats_taken then
      raise exception 'quota % is below the % seats already taken in this tier', update_price_tier.quota, v_seats_taken
        using errcode = 'TRSEA', column = 'quota';
    end if;
    v_new.quota := update_price_tier.quota;
  end if;

  v_changes := app_hidden.jsonb_changes(app_hidden.price_tier_data(v_old), app_hidden.price_tier_data(v_new));
  if v_changes = '{}'::jsonb then
    return v_old;
  end if;

  update app_public.event_price_tier t
  set name = v_new.name, price = v_new.price, quota = v_new.quota
  where t.id = v_old.id
  returning * into v_new;

  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event_price_tier.update', 'event_price_tier',
    jsonb_build_object('priceTierUpdated', app_hidden.price_tier_data(v_new), 'changes', v_changes),
    v_new.id::text
  );
  return v_new;
end;
$$;
comment on function app_public.update_price_tier(uuid, text, numeric, integer, boolean) is
  E'Changes the name, price or quota of a price tier of a draft or published event (its organizer, or an admin); null leaves a field unchanged, remove_quota drops the tier''s own limit. The currency cannot change. Errors: 28000, 42501, P0002, 55000, 22023, TRQTA, TRSEA (quota below seats taken), 23505.';
create or replace function app_public.remove_price_tier(id uuid) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event_id uuid := (select t.event_id from app_public.event_price_tier t where t.id = remove_price_tier.id);
  v_event app_public.event;
  v_tier app_public.event_price_tier;
  v_seats_taken integer;
begin
  v_event := app_hidden.event_for_change(v_event_id, 'price tier not found');
  select * into v_tier from app_public.event_price_tier t where t.id = remove_price_tier.id for update;
  if not found then
    raise exception 'price tier not found' using errcode = 'P0002';
  end if;
  perform app_hidden.assert_event_editable(v_event);
  v_seats_taken := app_public.event_price_tier_seats_taken(v_tier);
  if v_seats_taken > 0 then
    raise exception 'price tier "%" has % seats taken and cannot be removed', v_tier.name, v_seats_taken
      using errcode = 'TRSEA';
  end if;
  if exists (select from app_public.booking b where b.price_tier_id = v_tier.id) then
    raise exception 'price tier "%" has bookings and cannot be removed', v_tier.name
      using errcode = 'TRSEA', hint = 'Its bookings keep the price they were sold at; leave the tier, or lower its quota.';
  end if;
  if v_event.status = 'published'
     and not exists (select from app_public.event_price_tier t where t.event_id = v_event.id and t.id <> v_tier.id) then
    raise exception 'a published event must keep at least one price tier'
      using errcode = 'EVTIR', hint = 'Add another tier first, or cancel the event.';
  end if;

  delete from app_public.event_price_tier t where t.id = v_tier.id;

  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event_price_tier.remove', 'event_price_tier',
    jsonb_build_object('priceTierRemoved', app_hidden.price_tier_data(v_tier)),
    v_tier.id::text
  );
  return v_event;
end;
$$;
comment on function app_public.remove_price_tier(uuid) is
  E'Removes a price tier without seats taken or bookings from a draft or published event (its organizer, or an admin) and returns the event. A published event keeps at least one tier. Errors: 28000, 42501, P0002, 55000, TRSEA (seats taken, or bookings refer to it), EVTIR (last tier of a published event).';

create or replace function app_public.search_events(
  category text default null,
  starts_from timestamptz default null,
  starts_to timestamptz default null,
  query text default null,
  near_latitude double precision default null,
  near_longitude double precision default null,
  radius_km double precision default null,
  only_available boolean default false
) returns setof app_public.event
  language plpgsql stable
as $$
declare
  v_query text := app_hidden.clean_text(search_events.query);
  v_near boolean := coalesce(near_latitude, near_longitude, radius_km) is not null;
begin
  if char_length(v_query) > 200 then
    raise exception 'query must be at most 200 characters long' using errcode = '22023', column = 'query';
  end if;
  if starts_from > starts_to then
    raise exception 'starts_to must not be before starts_from' using errcode = 'EVDAT', column = 'starts_to';
  end if;
  if v_near then
    if near_latitude is null or near_longitude is null or radius_km is null then
      raise exception 'near_latitude, near_longitude and radius_km must be given together'
        using errcode = '22023', column = 'radius_km';
    end if;
    if near_latitude not between -90 and 90 then
      raise exception 'near_latitude must be between -90 and 90' using errcode = '22023', column = 'near_latitude';
    end if;
    if near_longitude not between -180 and 180 then
      raise exception 'near_longitude must be between -180 and 180' using errcode = '22023', column = 'near_longitude';
    end if;
    if not (radius_km > 0 and radius_km <= 20000) then
      raise exception 'radius_km must be more than 0 and at most 20000' using errcode = '22023', column = 'radius_km';
    end if;
  end if;

  -- Visibility is RLS's business: this function runs as the caller.
  return query
    select e.*
    from app_public.event e
    where (search_events.category is null or e.category = search_events.category)
      and (search_events.starts_from is null or e.starts_at >= search_events.starts_from)
      and (search_events.starts_to is null or e.starts_at <= search_events.starts_to)
      and (v_query is null or e.search_vector @@ websearch_to_tsquery('simple'::regconfig, v_query))
      and (not v_near or (
        e.latitude is not null
        and app_hidden.distance_km(near_latitude, near_longitude, e.latitude, e.longitude) <= radius_km
      ))
      and (not coalesce(only_available, false) or (e.status = 'published' and exists (
        select from app_public.event_seat_counter c where c.event_id = e.id and c.seats_taken < c.capacity
      )))
    order by e.starts_at, e.id;
end;
$$;
create or replace function app_public.cancel_event(id uuid, reason text) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event := app_hidden.event_for_change(cancel_event.id);
  v_reason text := app_hidden.clean_text(cancel_event.reason);
  v_was_published boolean := v_event.status = 'published';
  v_booking app_public.booking;
  v_count integer := 0;
begin
  if v_reason is null or char_length(v_reason) not between 3 and 1000 then
    raise exception 'reason must be 3 to 1000 characters long'
      using errcode = '22023', column = 'reason', hint = 'Say why the event is canceled; participants will read it.';
  end if;
  if v_event.status = 'canceled' then
    return v_event; -- idempotent: a retried cancellation changes nothing and announces nothing
  end if;
  if v_event.status <> all ('{draft,published}'::app_public.event_status[]) then
    raise exception 'a % event cannot be canceled', v_event.status
      using errcode = '55000', column = 'status';
  end if;

  -- Its live bookings are locked before the status change locks the seat
  -- counter (lock order event → booking → seat counters, as in cancel_booking
  -- and the expiry), so an expiry batch holding one of them never waits for
  -- a counter this transaction holds.
  perform from app_public.booking b
  where b.event_id = v_event.id and b.status in ('pending_payment', 'confirmed')
  order by b.id
  for update;

  update app_public.event e
  set status = 'canceled', cancel_reason = v_reason, canceled_at = now(), canceled_by = app_public.current_user_id()
  where e.id = v_event.id;

  -- Every live booking goes with it (seats freed, paid ones refunded), in
  -- this one transaction; the event is locked, so no booking can slip in.
  for v_booking in
    select * from app_public.booking b
    where b.event_id = v_event.id and b.status in ('pending_payment', 'confirmed')
    order by b.id
    for update
  loop
    perform app_hidden.end_booking(v_booking, 'canceled', left('event canceled: ' || v_reason, 1000));
    v_count := v_count + 1;
  end loop;

  select * into v_event from app_public.event e where e.id = v_event.id;
  perform app_hidden.record_change(
    'event', v_event.id, 'EventCanceled', 'event.cancel', 'event',
    jsonb_build_object(
      'reason', v_reason,
      'canceledBy', v_event.canceled_by,
      'wasPublished', v_was_published,
      'bookingsCanceled', v_count,
      'event', app_hidden.event_data(v_event)
    )
  );
  -- The crew issue enqueues ReleaseCrew here when a crew was assigned.
  return v_event;
end;
$$;
comment on function app_public.cancel_event(uuid, text) is
  E'Cancels a draft or published event (its organizer, or an admin) with a reason shown to participants; all its live bookings are canceled with it (seats freed, paid ones refunded in full, BookingCanceled and PaymentRefunded each). Canceling a canceled event again returns it unchanged. Errors: 28000, 42501, P0002, 22023 (reason), 55000 (completed).';


--------------------------------------------------------------------------------
-- Expiry: set-based batches, SKIP LOCKED, continued until the backlog is gone
--------------------------------------------------------------------------------

drop function if exists app_hidden.expire_overdue_bookings(integer);

/*
 * One batch of the expiry, in one statement per step instead of one call per
 * booking: lock up to `batch` overdue pending bookings (SKIP LOCKED: a
 * booking that another worker's batch, or a payment confirmation, holds right
 * now is left to them), expire them, give their seats and promo uses back
 * with one update per counter row, and write their audit and outbox rows in
 * two inserts (the set-based twin of record_change: same rows, same
 * BookingExpired payload), the counters last. Locks: the bookings first, then the counter rows,
 * each kind in key order, so concurrent batches and the other use cases
 * (event → booking → seat counters) never wait in a circle. Run as the owner
 * by the expire_bookings task; short transactions, one per batch.
 */
create function app_hidden.expire_overdue_bookings(batch integer default 500) returns integer
  language plpgsql volatile
as $$
declare
  v_count integer;
begin
  create temp table if not exists expiring (
    id uuid, event_id uuid, price_tier_id uuid, promo_code_id uuid, quantity integer, data jsonb
  ) on commit drop;
  truncate expiring;

  with due as (
    select b.id
    from app_public.booking b
    where b.status = 'pending_payment' and b.payment_deadline <= now()
    order by b.payment_deadline, b.id
    limit greatest(coalesce(expire_overdue_bookings.batch, 500), 1)
    for update skip locked
  ), expired as (
    update app_public.booking b
    set status = 'expired', expired_at = now()
    from due
    where b.id = due.id
    returning b.*
  )
  insert into expiring
  select e.id, e.event_id, e.price_tier_id, e.promo_code_id, e.quantity, app_hidden.booking_data(row(e.*)::app_public.booking)
  from expired e;
  get diagnostics v_count = row_count;
  if v_count = 0 then
    return 0;
  end if;

  insert into app_private.audit_log (actor_id, actor_roles, action, table_name, row_id, details, request_id)
  select app_public.current_user_id(), app_public.current_user_roles(), 'booking.expire', 'booking', x.id::text, x.data,
         nullif(current_setting('app.request_id', true), '')
  from expiring x;
  insert into app_private.outbox (aggregate_type, aggregate_id, event_type, actor_id, data)
  select 'booking', x.id, 'BookingExpired', app_public.current_user_id(), x.data
  from expiring x
  order by x.id;

  -- Last (as in create_booking), so the counter rows stay locked only from here to
  -- the commit: seats and promo uses come back, one update per counter row, in key order.
  perform from app_public.event_seat_counter c
  where c.event_id in (select x.event_id from expiring x) order by c.event_id for no key update;
  update app_public.event_seat_counter c set seats_taken = c.seats_taken - x.quantity
  from (select event_id, sum(quantity)::integer as quantity from expiring group by event_id) x
  where c.event_id = x.event_id;
  perform from app_public.price_tier_seat_counter c
  where c.price_tier_id in (select x.price_tier_id from expiring x) order by c.price_tier_id for no key update;
  update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - x.quantity
  from (select price_tier_id, sum(quantity)::integer as quantity from expiring group by price_tier_id) x
  where c.price_tier_id = x.price_tier_id;
  perform from app_public.promo_code pc
  where pc.id in (select x.promo_code_id from expiring x) order by pc.id for no key update;
  update app_public.promo_code pc set uses = pc.uses - x.uses
  from (select promo_code_id, count(*)::integer as uses from expiring where promo_code_id is not null group by promo_code_id) x
  where pc.id = x.promo_code_id;

  truncate expiring;
  return v_count;
end;
$$;
comment on function app_hidden.expire_overdue_bookings(integer) is
  E'Expires up to `batch` pending bookings whose payment deadline has passed, set-based (seats and promo uses given back, BookingExpired each); returns how many. Safe to run in several workers at once (SKIP LOCKED). Run by the worker''s expire_bookings task as the owner, one batch per transaction.';

/*
 * When the expire_bookings task should run next: at the earliest payment
 * deadline of a pending booking (at least `min_delay` from now), so a
 * backlog that falls due at one moment is expired right then instead of at
 * the next minute's cron tick. One job (job key), replaced each time.
 */
create or replace function app_hidden.schedule_next_expiry(min_delay interval default interval '1 second') returns timestamptz
  language plpgsql volatile
as $$
declare
  v_next timestamptz := (
    select min(b.payment_deadline) from app_public.booking b where b.status = 'pending_payment'
  );
begin
  if v_next is null then
    return null; -- nothing pending; the minute cron and new bookings' deadlines take over
  end if;
  v_next := greatest(v_next, now() + schedule_next_expiry.min_delay);
  perform graphile_worker.add_job(
    'expire_bookings',
    json_build_object('scheduled', true),
    run_at := v_next,
    job_key := 'expire_bookings_next',
    job_key_mode := 'replace',
    max_attempts := 5
  );
  return v_next;
end;
$$;
comment on function app_hidden.schedule_next_expiry(interval) is
  E'Schedules the expire_bookings job at the earliest payment deadline of a pending booking (not sooner than min_delay from now); returns that time, or null when nothing is pending. Owner only (the worker).';

--! split: 195-waitlist.sql
/*
 * Waiting list (issue #18, items 1 and 2): a user who finds an event (or one
 * of its price tiers) sold out joins its list with the number of seats they
 * want; when seats free up, the longest-waiting entries that fit are OFFERED
 * seats, and an offer turns into a normal pending-payment booking when the
 * user accepts it.
 *
 * Race-free by construction: an offer holds its seats on the SAME counter
 * rows as bookings (app_public.event_seat_counter, price_tier_seat_counter of
 * 190-hot-path.sql), so held seats are not bookable by others, never offered
 * twice, and capacity is still enforced by the counters' check constraints.
 *
 * Where freed seats are offered: a DEFERRED constraint trigger on the counter
 * rows fires when seats_taken goes down (cancel, expiry, declined or expired
 * offer) or capacity/quota goes up, and runs offer_freed_seats at COMMIT of
 * that very transaction. That transaction still holds the counter row locks,
 * so no direct booking can take a freed seat between the release and the
 * offer: the list goes first whenever it is non-empty. No change to the
 * booking functions was needed.
 *
 * Lock order (190's, extended): event seat counter → tier seat counter →
 * waitlist entry → (booking, through create_booking). Nobody here locks an
 * event or tier row after a counter row.
 *
 * Idempotent: re-applied on top of itself during development.
 */

--------------------------------------------------------------------------------
-- The table
--------------------------------------------------------------------------------

do $$
begin
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'waitlist_status') then
    create type app_public.waitlist_status as enum ('waiting', 'offered', 'accepted', 'declined', 'expired', 'left');
  end if;
end;
$$;
comment on type app_public.waitlist_status is
  E'Where a waiting-list entry stands: waiting (in line), offered (seats held for it until offer_expires_at), accepted (became a booking), declined, expired (the offer timed out), left (the user left the list).';

create table if not exists app_public.waitlist_entry (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null
    constraint waitlist_entry_event_id_fkey references app_public.event (id) on delete cascade,
  price_tier_id uuid
    constraint waitlist_entry_price_tier_id_fkey references app_public.event_price_tier (id) on delete cascade,
  user_id uuid not null,
  seats_wanted integer not null
    constraint waitlist_entry_seats_wanted_check check (seats_wanted between 1 and 20),
  accepts_fewer boolean not null default false,
  joined_at timestamptz not null default now(),
  status app_public.waitlist_status not null default 'waiting',
  offered_seats integer,
  offered_at timestamptz,
  offer_expires_at timestamptz,
  booking_id uuid
    constraint waitlist_entry_booking_id_fkey references app_public.booking (id) on delete set null,
  ended_at timestamptz
);
-- The place in line is the moment of the join statement, not of its
-- transaction's start: two joins in one transaction keep their order.
alter table app_public.waitlist_entry alter column joined_at set default clock_timestamp();
-- An offer is for 1..seats_wanted seats, and only fewer when the user said so.
alter table app_public.waitlist_entry drop constraint if exists waitlist_entry_offer_check;
alter table app_public.waitlist_entry add constraint waitlist_entry_offer_check check (
  (status <> 'waiting' or offered_seats is null)
  and (status not in ('offered', 'accepted') or offered_seats is not null)
  and (offered_seats is null or (offered_seats between 1 and seats_wanted
                                 and (accepts_fewer or offered_seats = seats_wanted)
                                 and offered_at is not null and offer_expires_at is not null))
);
alter table app_public.waitlist_entry drop constraint if exists waitlist_entry_ended_check;
alter table app_public.waitlist_entry add constraint waitlist_entry_ended_check check (
  (status in ('waiting', 'offered')) = (ended_at is null)
);
alter table app_public.waitlist_entry enable row level security;

-- One live entry per user per event (a new one after leaving, declining, …).
create unique index if not exists waitlist_entry_live_key
  on app_public.waitlist_entry (event_id, user_id) where status in ('waiting', 'offered');
-- The line, in order (offer_freed_seats, the organizer's view; GraphQL's condition on eventId).
drop index if exists app_public.waitlist_entry_line_idx;
create index if not exists waitlist_entry_event_id_joined_at_idx
  on app_public.waitlist_entry (event_id, joined_at, id);
-- The expiry job's scan.
create index if not exists waitlist_entry_offer_expires_idx
  on app_public.waitlist_entry (offer_expires_at) where status = 'offered';
create index if not exists waitlist_entry_user_id_idx on app_public.waitlist_entry (user_id);
create index if not exists waitlist_entry_price_tier_id_idx on app_public.waitlist_entry (price_tier_id);
create index if not exists waitlist_entry_booking_id_idx on app_public.waitlist_entry (booking_id);

comment on table app_public.waitlist_entry is
  E'@behavior -insert -update -delete\nA place on an event''s waiting list (optionally for one price tier): the seats wanted, and the offer made when seats freed up. Written only by join_waitlist, leave_waitlist, accept_offer, decline_offer and the offer/expiry functions. Visible to its user, the event''s organizer and admins; it shows the same personal data a booking does (the user id).';
comment on column app_public.waitlist_entry.id is E'The entry.';
comment on column app_public.waitlist_entry.event_id is E'The sold-out event.';
comment on column app_public.waitlist_entry.price_tier_id is E'The tier the user waits for; null: any tier (chosen when accepting the offer).';
comment on column app_public.waitlist_entry.user_id is E'The waiting user.';
comment on column app_public.waitlist_entry.seats_wanted is E'Seats wanted (1..the event''s max seats per booking).';
comment on column app_public.waitlist_entry.accepts_fewer is E'Whether an offer of fewer seats than wanted is welcome (otherwise the entry waits until all fit).';
comment on column app_public.waitlist_entry.joined_at is E'When the user joined: the place in line.';
comment on column app_public.waitlist_entry.status is E'waiting, offered, accepted, declined, expired or left.';
comment on column app_public.waitlist_entry.offered_seats is E'Seats offered (held on the event''s, and the tier''s, seat counters while offered).';
comment on column app_public.waitlist_entry.offered_at is E'When the offer was made.';
comment on column app_public.waitlist_entry.offer_expires_at is E'Until when the offer holds its seats (setting waitlist_offer_hold_minutes, never past the booking deadline).';
comment on column app_public.waitlist_entry.booking_id is E'The booking an accepted offer became.';
comment on column app_public.waitlist_entry.ended_at is E'When the entry left the line (accepted, declined, expired, left).';

drop policy if exists select_own_or_managed on app_public.waitlist_entry;
create policy select_own_or_managed on app_public.waitlist_entry for select using (
  user_id in (select app_public.current_user_id())
  or event_id in (select e.id from app_public.event e where e.organizer_id = (select app_public.current_user_id()))
  or (select app_public.has_role('admin'))
);
revoke all on app_public.waitlist_entry from :DATABASE_ANONYMOUS, :DATABASE_MEMBER;
grant select on app_public.waitlist_entry to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Settings, payloads
--------------------------------------------------------------------------------

insert into app_private.setting (key, value, description) values
  ('waitlist_offer_hold_minutes', '120', 'Minutes a waiting-list offer holds its seats for the user to accept (1..10080); never beyond the event''s booking deadline.')
on conflict (key) do nothing;

create or replace function app_hidden.waitlist_offer_hold() returns interval
  language sql stable
as $$
  select make_interval(mins => coalesce(
    (select least(greatest(s.value::integer, 1), 10080) from app_private.setting s
     where s.key = 'waitlist_offer_hold_minutes' and s.value ~ '^[0-9]{1,5}$'),
    120
  ));
$$;
comment on function app_hidden.waitlist_offer_hold() is
  E'How long an offer holds its seats: setting waitlist_offer_hold_minutes (1..10080, default 120 minutes; a malformed value counts as the default).';

create or replace function app_hidden.waitlist_entry_data(w app_public.waitlist_entry) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', w.id, 'eventId', w.event_id, 'priceTierId', w.price_tier_id, 'userId', w.user_id,
    'seatsWanted', w.seats_wanted, 'acceptsFewer', w.accepts_fewer, 'joinedAt', w.joined_at,
    'status', w.status, 'offeredSeats', w.offered_seats, 'offerExpiresAt', w.offer_expires_at,
    'bookingId', w.booking_id
  );
$$;
comment on function app_hidden.waitlist_entry_data(app_public.waitlist_entry) is E'A waiting-list entry as the JSON payload of outbox messages (aggregate type waitlist).';

--------------------------------------------------------------------------------
-- Offering freed seats
--------------------------------------------------------------------------------

/*
 * Walks the event's line in joined order and offers free seats to each entry
 * that fits: all its seats, or fewer when it accepts fewer. An entry that does
 * not fit is skipped (a later, smaller one may fit), which is "the
 * longest-waiting entries that fit". Each offer is a guarded counter update
 * like a booking's, so the check constraints hold even if this were wrong.
 * Locks: event counter → the tier counters the line needs (key order) →
 * entries (joined order).
 */
create or replace function app_hidden.offer_freed_seats(event_id uuid) returns integer
  language plpgsql volatile
as $$
declare
  v_counter app_public.event_seat_counter;
  v_free integer;
  v_tier_free integer;
  v_n integer;
  v_entry app_public.waitlist_entry;
  v_count integer := 0;
  v_hold interval := app_hidden.waitlist_offer_hold();
begin
  select * into v_counter from app_public.event_seat_counter c
  where c.event_id = offer_freed_seats.event_id
  for no key update;
  if not found or v_counter.bookable_until is null or now() >= v_counter.bookable_until then
    return 0; -- not taking bookings: nothing to offer
  end if;
  v_free := v_counter.capacity - v_counter.seats_taken;
  if v_free <= 0 or not exists (
    select from app_public.waitlist_entry w where w.event_id = offer_freed_seats.event_id and w.status = 'waiting'
  ) then
    return 0;
  end if;

  perform from app_public.price_tier_seat_counter c
  where c.price_tier_id in (
    select w.price_tier_id from app_public.waitlist_entry w
    where w.event_id = offer_freed_seats.event_id and w.status = 'waiting'
  )
  order by c.price_tier_id
  for no key update;

  for v_entry in
    select * from app_public.waitlist_entry w
    where w.event_id = offer_freed_seats.event_id and w.status = 'waiting'
    order by w.joined_at, w.id
    for update
  loop
    exit when v_free <= 0;
    v_n := least(v_entry.seats_wanted, v_free);
    if v_entry.price_tier_id is not null then
      select case when c.quota is null then v_n else c.quota - c.seats_taken end into v_tier_free
      from app_public.price_tier_seat_counter c where c.price_tier_id = v_entry.price_tier_id;
      v_n := least(v_n, coalesce(v_tier_free, 0));
    end if;
    continue when v_n <= 0 or (v_n < v_entry.seats_wanted and not v_entry.accepts_fewer);

    update app_public.event_seat_counter c set seats_taken = c.seats_taken + v_n
    where c.event_id = v_entry.event_id and c.seats_taken + v_n <= c.capacity;
    exit when not found; -- cannot happen under our lock; never raise at someone else's commit
    if v_entry.price_tier_id is not null then
      update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken + v_n
      where c.price_tier_id = v_entry.price_tier_id and (c.quota is null or c.seats_taken + v_n <= c.quota);
      if not found then
        update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_n where c.event_id = v_entry.event_id;
        continue;
      end if;
    end if;
    v_free := v_free - v_n;

    update app_public.waitlist_entry w set
      status = 'offered', offered_seats = v_n, offered_at = now(),
      offer_expires_at = least(now() + v_hold, v_counter.bookable_until)
    where w.id = v_entry.id
    returning * into v_entry;
    perform app_hidden.record_change(
      'waitlist', v_entry.id, 'SeatsOffered', 'waitlist.offer', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
    );
    v_count := v_count + 1;
  end loop;

  -- No job is scheduled here: graphile_worker.add_job with a job key locks one
  -- global row, and taking it while holding counter rows lets two commits
  -- wait on each other. The minute cron and the task's own rescheduling
  -- (outside any counter lock) expire offers at most about a minute late.
  return v_count;
end;
$$;
comment on function app_hidden.offer_freed_seats(uuid) is
  E'Offers the event''s free seats to its waiting list in joined order (an entry that does not fit is skipped; fewer seats only with accepts_fewer): each offer holds its seats on the event (and tier) seat counters, SeatsOffered each. Returns the number of offers. Runs at the commit of every transaction that frees seats (deferred trigger); owner only.';

/*
 * The deferred trigger: at COMMIT of a transaction that freed seats or raised
 * capacity, the freed seats go to the list before anyone else can see them.
 */
create or replace function app_private.tg_seat_counter__offer_freed_seats() returns trigger
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  perform app_hidden.offer_freed_seats(new.event_id);
  return null;
end;
$$;
comment on function app_private.tg_seat_counter__offer_freed_seats() is
  E'Deferred: offers seats freed on a counter row to the event''s waiting list at the commit of the transaction that freed them (which still holds the counter row).';

drop trigger if exists _900_offer_freed_seats on app_public.event_seat_counter;
create constraint trigger _900_offer_freed_seats
  after update on app_public.event_seat_counter
  deferrable initially deferred
  for each row
  when (new.seats_taken < old.seats_taken or new.capacity > old.capacity
        or (new.bookable_until is not null and old.bookable_until is null))
  execute function app_private.tg_seat_counter__offer_freed_seats();

drop trigger if exists _900_offer_freed_seats on app_public.price_tier_seat_counter;
create constraint trigger _900_offer_freed_seats
  after update on app_public.price_tier_seat_counter
  deferrable initially deferred
  for each row
  when (new.seats_taken < old.seats_taken or (new.quota is distinct from old.quota and (new.quota is null or new.quota > old.quota)))
  execute function app_private.tg_seat_counter__offer_freed_seats();

--------------------------------------------------------------------------------
-- Joining and leaving
--------------------------------------------------------------------------------

create or replace function app_public.join_waitlist(
  event_id uuid,
  seats_wanted integer default 1,
  price_tier_id uuid default null,
  accepts_fewer boolean default false
) returns app_public.waitlist_entry
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
#variable_conflict use_column
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event app_public.event;
  v_tier app_public.event_price_tier;
  v_max integer;
  v_free integer;
  v_tier_free integer;
  v_entry app_public.waitlist_entry;
begin
  select * into v_event from app_public.event e where e.id = join_waitlist.event_id;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception 'event not found' using errcode = 'P0002';
  end if;
  if v_event.organizer_id = v_user_id then
    raise exception 'organizers cannot book their own event' using errcode = 'BKOWN';
  end if;
  v_max := coalesce(v_event.max_seats_per_booking,
                    (select s.value::integer from app_private.setting s where s.key = 'booking_max_seats_default'), 10);
  if join_waitlist.seats_wanted is null or join_waitlist.seats_wanted < 1 then
    raise exception 'seats_wanted must be at least 1' using errcode = 'BKQTY', column = 'seats_wanted';
  end if;
  if join_waitlist.seats_wanted > least(v_max, 20) then
    raise exception 'at most % seat(s) per booking for this event', least(v_max, 20)
      using errcode = 'BKMAX', column = 'seats_wanted', hint = 'Ask for fewer seats.';
  end if;
  if join_waitlist.price_tier_id is not null then
    select * into v_tier from app_public.event_price_tier t where t.id = join_waitlist.price_tier_id;
    if not found or v_tier.event_id <> v_event.id then
      raise exception 'price tier not found for this event' using errcode = 'BKTEV', column = 'price_tier_id';
    end if;
  end if;
  if v_event.status <> 'published' then
    raise exception 'bookings are closed: the event is %', v_event.status using errcode = '55000', column = 'status';
  end if;
  if now() >= v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours) then
    raise exception 'bookings for this event closed at %', v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours)
      using errcode = 'BKCLO';
  end if;
  if exists (
    select from app_public.booking b
    where b.event_id = v_event.id and b.user_id = v_user_id and b.status in ('pending_payment', 'confirmed')
  ) then
    raise exception 'you already have a booking for this event' using errcode = 'BKDUP';
  end if;

  -- Sold out for this request: fewer free seats than wanted (event, or the tier's quota).
  v_free := app_public.event_seats_available(v_event);
  if v_tier.id is not null then
    v_tier_free := app_public.event_price_tier_seats_available(v_tier);
  end if;
  if v_free >= join_waitlist.seats_wanted and coalesce(v_tier_free, v_free) >= join_waitlist.seats_wanted then
    raise exception '% seat(s) are free: book them instead of waiting', least(v_free, coalesce(v_tier_free, v_free))
      using errcode = 'WLFRE', hint = 'Call create_booking.';
  end if;

  insert into app_public.waitlist_entry (event_id, price_tier_id, user_id, seats_wanted, accepts_fewer)
  values (v_event.id, v_tier.id, v_user_id, join_waitlist.seats_wanted, coalesce(join_waitlist.accepts_fewer, false))
  on conflict (event_id, user_id) where status in ('waiting', 'offered') do nothing
  returning * into v_entry;
  if v_entry.id is null then
    raise exception 'you are already on this event''s waiting list' using errcode = 'WLDUP';
  end if;
  perform app_hidden.record_change(
    'waitlist', v_entry.id, 'WaitlistJoined', 'waitlist.join', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
  );
  return v_entry;
end;
$$;
comment on function app_public.join_waitlist(uuid, integer, uuid, boolean) is
  E'Puts the caller on a sold-out event''s waiting list (optionally for one price tier) for seats_wanted seats (1..the event''s max per booking); accepts_fewer: an offer of fewer seats is welcome. Only while bookings are open and fewer seats are free than wanted; one live entry per user per event. Errors: 28000, P0002, BKOWN, BKQTY, BKMAX, BKTEV, 55000, BKCLO, BKDUP, WLFRE, WLDUP.';
grant execute on function app_public.join_waitlist(uuid, integer, uuid, boolean) to :DATABASE_MEMBER;

/*
 * Ends a live entry of the caller. An offered entry gives its held seats back
 * (the deferred trigger passes them on at commit). Locks: counters first,
 * then the entry, re-checked under its lock.
 */
create or replace function app_hidden.end_waitlist_entry(
  entry_id uuid,
  new_status app_public.waitlist_status,
  from_status app_public.waitlist_status[]
) returns app_public.waitlist_entry
  language plpgsql volatile
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_entry app_public.waitlist_entry;
begin
  select * into v_entry from app_public.waitlist_entry w
  where w.id = end_waitlist_entry.entry_id and w.user_id = v_user_id;
  if not found then
    raise exception 'waiting-list entry not found' using errcode = 'P0002';
  end if;
  perform from app_public.event_seat_counter c where c.event_id = v_entry.event_id for no key update;
  perform from app_public.price_tier_seat_counter c where c.price_tier_id = v_entry.price_tier_id for no key update;
  select * into v_entry from app_public.waitlist_entry w where w.id = v_entry.id for update;
  if v_entry.status <> all (end_waitlist_entry.from_status) then
    if 'waiting' = any (end_waitlist_entry.from_status) then
      raise exception 'the entry is no longer on the waiting list (it is %)', v_entry.status using errcode = 'WLEND';
    end if;
    raise exception 'no open offer on this entry (it is %)', v_entry.status using errcode = 'WLNOF';
  end if;

  if v_entry.status = 'offered' then
    update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
    where c.event_id = v_entry.event_id;
    update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
    where c.price_tier_id = v_entry.price_tier_id;
  end if;
  update app_public.waitlist_entry w set status = end_waitlist_entry.new_status, ended_at = now()
  where w.id = v_entry.id
  returning * into v_entry;
  perform app_hidden.record_change(
    'waitlist', v_entry.id,
    case end_waitlist_entry.new_status when 'left' then 'WaitlistLeft' else 'OfferDeclined' end,
    case end_waitlist_entry.new_status when 'left' then 'waitlist.leave' else 'waitlist.decline' end,
    'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
  );
  return v_entry;
end;
$$;
comment on function app_hidden.end_waitlist_entry(uuid, app_public.waitlist_status, app_public.waitlist_status[]) is
  E'Shared by leave_waitlist and decline_offer: ends the caller''s entry if it is in one of from_status, giving an offer''s held seats back (passed on at commit). Owner only.';

create or replace function app_public.leave_waitlist(id uuid) returns app_public.waitlist_entry
  language sql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  select * from app_hidden.end_waitlist_entry(leave_waitlist.id, 'left', array['waiting', 'offered']::app_public.waitlist_status[]);
$$;
comment on function app_public.leave_waitlist(uuid) is
  E'The caller leaves a waiting list (an open offer is given up: its seats go to the next in line). WaitlistLeft. Errors: 28000, P0002, WLEND.';
grant execute on function app_public.leave_waitlist(uuid) to :DATABASE_MEMBER;

create or replace function app_public.decline_offer(id uuid) returns app_public.waitlist_entry
  language sql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  select * from app_hidden.end_waitlist_entry(decline_offer.id, 'declined', array['offered']::app_public.waitlist_status[]);
$$;
comment on function app_public.decline_offer(uuid) is
  E'The caller declines the seats offered to their waiting-list entry; they go to the next in line. OfferDeclined. Errors: 28000, P0002, WLNOF.';
grant execute on function app_public.decline_offer(uuid) to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Accepting an offer
--------------------------------------------------------------------------------

/*
 * The offer becomes a booking through create_booking itself (every booking
 * rule, price and promo code, once). The seats pass from the offer to the
 * booking inside this transaction while it holds the counter rows from the
 * first statement to the commit: the offer's hold is released and
 * create_booking's guarded updates take the same seats back, so no one else
 * can see them free and capacity is counted once. The user's advisory lock
 * (create_booking's) comes first, so the order stays: user → counters → entry
 * → booking.
 */
create or replace function app_public.accept_offer(
  id uuid,
  price_tier_id uuid default null,
  promo_code text default null
) returns app_public.booking
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_entry app_public.waitlist_entry;
  v_tier_id uuid;
  v_booking app_public.booking;
begin
  perform pg_advisory_xact_lock(7301, hashtext(v_user_id::text));
  select * into v_entry from app_public.waitlist_entry w where w.id = accept_offer.id and w.user_id = v_user_id;
  if not found then
    raise exception 'waiting-list entry not found' using errcode = 'P0002';
  end if;
  v_tier_id := coalesce(v_entry.price_tier_id, accept_offer.price_tier_id);
  if v_tier_id is null then
    raise exception 'price_tier_id is needed: the entry waits for any tier'
      using errcode = '22023', column = 'price_tier_id', hint = 'Pick one of the event''s price tiers.';
  end if;
  if v_entry.price_tier_id is not null and accept_offer.price_tier_id is not null
     and accept_offer.price_tier_id <> v_entry.price_tier_id then
    raise exception 'the offer is for another price tier' using errcode = 'BKTEV', column = 'price_tier_id';
  end if;

  perform from app_public.event_seat_counter c where c.event_id = v_entry.event_id for no key update;
  perform from app_public.price_tier_seat_counter c where c.price_tier_id = v_entry.price_tier_id for no key update;
  select * into v_entry from app_public.waitlist_entry w where w.id = v_entry.id for update;
  if v_entry.status <> 'offered' then
    raise exception 'no open offer on this entry (it is %)', v_entry.status using errcode = 'WLNOF';
  end if;
  if v_entry.offer_expires_at <= now() then
    raise exception 'the offer expired at %', v_entry.offer_expires_at using errcode = 'WLOEX';
  end if;

  -- Hand the held seats to the booking (see above).
  update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
  where c.event_id = v_entry.event_id;
  update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
  where c.price_tier_id = v_entry.price_tier_id;
  v_booking := app_public.create_booking(v_entry.event_id, v_tier_id, v_entry.offered_seats, accept_offer.promo_code);

  update app_public.waitlist_entry w set status = 'accepted', booking_id = v_booking.id, ended_at = now()
  where w.id = v_entry.id
  returning * into v_entry;
  perform app_hidden.record_change(
    'waitlist', v_entry.id, 'OfferAccepted', 'waitlist.accept', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
  );
  return v_booking;
end;
$$;
comment on function app_public.accept_offer(uuid, uuid, text) is
  E'Turns the seats offered to the caller''s waiting-list entry into a booking (pending payment, or confirmed when nothing is to be paid) through create_booking''s rules, optionally with a promo code; price_tier_id is needed when the entry waits for any tier. The held seats pass to the booking; nobody else can take them in between. OfferAccepted. Errors: 28000, P0002, 22023, BKTEV, WLNOF, WLOEX, and create_booking''s (BKTQF for a full tier of an any-tier entry, CP…, BKPEN, …).';
grant execute on function app_public.accept_offer(uuid, uuid, text) to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Offer expiry (graphile-worker task expire_waitlist_offers)
--------------------------------------------------------------------------------

create or replace function app_hidden.expire_overdue_offers() returns integer
  language plpgsql volatile
as $$
declare
  v_event_id uuid;
  v_entry app_public.waitlist_entry;
  v_count integer := 0;
begin
  for v_event_id in
    select distinct w.event_id from app_public.waitlist_entry w
    where w.status = 'offered' and w.offer_expires_at <= now()
    order by w.event_id
  loop
    -- Counters first (event, then its tiers in key order), then the entries.
    perform from app_public.event_seat_counter c where c.event_id = v_event_id for no key update;
    perform from app_public.price_tier_seat_counter c
    where c.price_tier_id in (select w.price_tier_id from app_public.waitlist_entry w
                              where w.event_id = v_event_id and w.status = 'offered')
    order by c.price_tier_id for no key update;
    for v_entry in
      update app_public.waitlist_entry w set status = 'expired', ended_at = now()
      where w.event_id = v_event_id and w.status = 'offered' and w.offer_expires_at <= now()
      returning w.*
    loop
      update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
      where c.event_id = v_entry.event_id;
      update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
      where c.price_tier_id = v_entry.price_tier_id;
      perform app_hidden.record_change(
        'waitlist', v_entry.id, 'OfferExpired', 'waitlist.expire', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
      );
      v_count := v_count + 1;
    end loop;
  end loop;
  return v_count;
end;
$$;
comment on function app_hidden.expire_overdue_offers() is
  E'Expires every offer past offer_expires_at: its seats come off the counters and go to the next in line at commit (deferred trigger). OfferExpired each; returns how many. Run by the expire_waitlist_offers task as the owner.';

create or replace function app_hidden.schedule_next_offer_expiry() returns timestamptz
  language plpgsql volatile
as $$
declare
  v_next timestamptz := (
    select min(w.offer_expires_at) from app_public.waitlist_entry w where w.status = 'offered'
  );
begin
  if v_next is null then
    return null;
  end if;
  v_next := greatest(v_next, now() + interval '1 second');
  perform graphile_worker.add_job(
    'expire_waitlist_offers', '{}'::json,
    run_at := v_next, job_key := 'expire_waitlist_offers_next', job_key_mode := 'replace', max_attempts := 5
  );
  return v_next;
end;
$$;
comment on function app_hidden.schedule_next_offer_expiry() is
  E'Schedules the expire_waitlist_offers job at the earliest open offer''s expiry (the minute cron is the safety net). Owner only.';

--------------------------------------------------------------------------------
-- Seat drift: offers hold seats too
--------------------------------------------------------------------------------

create or replace view app_private.seat_drift with (security_invoker = true) as
  select 'event' as counter, c.event_id as id, c.seats_taken as counted,
         (coalesce((select sum(b.quantity) from app_public.booking b
                    where b.event_id = c.event_id and b.status in ('pending_payment', 'confirmed')), 0)
          + coalesce((select sum(w.offered_seats) from app_public.waitlist_entry w
                      where w.event_id = c.event_id and w.status = 'offered'), 0))::integer as actual
  from app_public.event_seat_counter c
  union all
  select 'event_price_tier', c.price_tier_id, c.seats_taken,
         (coalesce((select sum(b.quantity) from app_public.booking b
                    where b.price_tier_id = c.price_tier_id and b.status in ('pending_payment', 'confirmed')), 0)
          + coalesce((select sum(w.offered_seats) from app_public.waitlist_entry w
                      where w.price_tier_id = c.price_tier_id and w.status = 'offered'), 0))::integer
  from app_public.price_tier_seat_counter c
  union all
  select 'promo_code', pc.id, pc.uses,
         (select count(*) from app_public.booking b
          where b.promo_code_id = pc.id and b.status in ('pending_payment', 'confirmed'))::integer
  from app_public.promo_code pc;
comment on view app_private.seat_drift is
  E'Every seat and promo-use counter next to what the live bookings and open waiting-list offers add up to. `select * from app_private.seat_drift where counted <> actual` must return nothing; a row means a counter was changed behind the functions'' back. For DBAs (scans everything).';

--! split: 200-catalog.sql
/*
 * Catalog discovery at real scale, in Russian (issue 20).
 *
 *   - Full-text search with the `russian` snowball configuration (which stems
 *     ASCII words with `english`), ё = е through unaccent, prefix match of the
 *     last word typed, typo tolerance of short queries (pg_trgm), ranking with
 *     the title above location and description.
 *   - Distance through a GiST index on the meeting point as an earth cube
 *     (cube + earthdistance); exact great-circle distances in the answers.
 *   - Every event carries an IANA time zone; its local wall-clock start/end and
 *     local start day are stored (generated), so "whole days" filter by index.
 *   - app_hidden.event_stats: cheapest price and rating counts per event, kept
 *     by triggers, so price filters, price/rating sorts and the rating summary
 *     read one row instead of aggregating per event per query.
 *   - search_events is ONE inlinable SQL statement: PostgreSQL plans it with
 *     the caller's actual arguments (the `x is null or …` arms fold away), so
 *     filters, sort and LIMIT reach the indexes. Keyset pagination
 *     (after_event_id) keeps every page as cheap as the first.
 *
 * Extensions (unaccent, pg_trgm, cube, earthdistance) are created by
 * db/afterReset.sql, the superuser bootstrap. Idempotent: re-applied on every
 * change during development.
 */

do $$
begin
  if (select count(*) from pg_extension where extname in ('unaccent', 'pg_trgm', 'cube', 'earthdistance')) < 4 then
    raise exception 'extensions unaccent, pg_trgm, cube and earthdistance are missing'
      using hint = 'Run db/afterReset.sql as a superuser (npm run db:bootstrap, or set ROOT_DATABASE_URL).';
  end if;
end
$$;

--------------------------------------------------------------------------------
-- Text normalisation and the search configuration
--------------------------------------------------------------------------------

/*
 * unaccent(text) is only STABLE (it looks its dictionary up by name through
 * search_path), so it cannot appear in an index expression. This wrapper names
 * the dictionary with its schema and pins search_path, which makes it really
 * immutable (as long as nobody edits unaccent.rules).
 */
create or replace function app_hidden.unaccent(value text) returns text
  language sql immutable strict parallel safe
  set search_path to pg_catalog, public
as $$
  select public.unaccent('public.unaccent'::regdictionary, value);
$$;
comment on function app_hidden.unaccent(text) is
  E'unaccent() with its dictionary pinned, hence immutable (usable in indexes): ё → е, é → e.';

create or replace function app_hidden.search_text(value text) returns text
  language sql immutable strict parallel safe
as $$
  select lower(app_hidden.unaccent(value));
$$;
comment on function app_hidden.search_text(text) is
  E'Lower case without diacritics (ё = е): the form titles are compared in for typo tolerance.';

-- The `russian` configuration (Russian snowball for Cyrillic words, English
-- snowball for ASCII words) with unaccent first, so ё and е stem alike.
do $$
begin
  if not exists (
    select from pg_ts_config c join pg_namespace n on n.oid = c.cfgnamespace
    where n.nspname = 'app_hidden' and c.cfgname = 'catalog_search'
  ) then
    create text search configuration app_hidden.catalog_search (copy = pg_catalog.russian);
    alter text search configuration app_hidden.catalog_search
      alter mapping for word, hword, hword_part with public.unaccent, pg_catalog.russian_stem;
  end if;
end
$$;
comment on text search configuration app_hidden.catalog_search is
  E'Catalog full-text search: russian snowball (Cyrillic) and english snowball (ASCII words), ё = е via unaccent.';

/*
 * The tsquery of what a user typed. Plain words (the usual case, as typed in
 * a search box): every word must match, stemmed; the LAST word also matches as
 * a prefix (as-you-type: "катама" finds катамаран). Web-search syntax
 * ("quoted phrase", -word, or) is honoured when used. Null for no usable word.
 */
create or replace function app_hidden.search_query(query text) returns tsquery
  language plpgsql immutable parallel safe
  set search_path to pg_catalog, public
as $$
declare
  v_text text := app_hidden.search_text(query);
  v_words text[];
  v_result tsquery;
  v_part tsquery;
  i integer;
begin
  if v_text is null then
    return null;
  end if;
  if v_text ~ '"|(^|\s)-\S|\sor\s' then
    v_result := websearch_to_tsquery('app_hidden.catalog_search', v_text);
  else
    v_words := array(select m[1] from regexp_matches(v_text, '([[:alnum:]]+)', 'g') as m);
    for i in 1 .. coalesce(array_length(v_words, 1), 0) loop
      v_part := to_tsquery('app_hidden.catalog_search',
        v_words[i] || case when i = array_length(v_words, 1) then ':*' else '' end);
      v_result := case when v_result is null then v_part else v_result && v_part end;
    end loop;
  end if;
  return case when numnode(v_result) = 0 then null else v_result end;
end;
$$;
comment on function app_hidden.search_query(text) is
  E'The catalog tsquery of a search box text: all words stemmed (ru/en, ё = е), the last one also as a prefix; web-search syntax when used. Null when nothing is left (only stop words or punctuation).';

/*
 * The text a short plain query is compared with titles in, for typo
 * tolerance (trigram word similarity): one or two words, 3 to 40 characters,
 * no web-search syntax (a "-word" must exclude, never match loosely). Null
 * otherwise: longer queries rely on stemming alone.
 */
create or replace function app_hidden.search_typo_text(query text) returns text
  language sql immutable parallel safe
as $$
  select t from (select app_hidden.search_text(btrim(query)) as t) x
  where char_length(t) between 3 and 40
    and t !~ '"|(^|\s)-\S|\sor\s'
    and array_length(regexp_split_to_array(t, '\s+'), 1) <= 2;
$$;
comment on function app_hidden.search_typo_text(text) is
  E'A short plain query (1–2 words, 3–40 characters, no web-search syntax) in search_text form, for typo-tolerant title matching; null otherwise.';

--------------------------------------------------------------------------------
-- Geography: the meeting point as an earth cube, GiST-indexed
--------------------------------------------------------------------------------

/*
 * earthdistance's functions call cube()/earth() without a schema, so an index
 * expression using them breaks under another search_path (autovacuum, dump
 * restore). These wrappers pin it; being immutable they are index-safe, and
 * being non-inlinable (SET) the index expression and the query's match exactly.
 */
create or replace function app_hidden.earth_point(latitude double precision, longitude double precision)
  returns public.cube
  language sql immutable strict parallel safe
  set search_path to public, pg_catalog
as $$
  select public.ll_to_earth(latitude, longitude)::public.cube;
$$;
comment on function app_hidden.earth_point(double precision, double precision) is
  E'A point on the earth (degrees) as a 3-D cube in metres from the centre: what the GiST distance index holds.';

create or replace function app_hidden.earth_box_km(latitude double precision, longitude double precision, radius_km double precision)
  returns public.cube
  language sql immutable strict parallel safe
  set search_path to public, pg_catalog
as $$
  select public.earth_box(public.ll_to_earth(latitude, longitude), radius_km * 1000);
$$;
comment on function app_hidden.earth_box_km(double precision, double precision, double precision) is
  E'A cube containing every point within radius_km (great circle) of a point: the index pre-filter of a distance search.';

-- Great-circle distance on earthdistance's sphere, the same everywhere (filter,
-- sort and answer), so an event never lies inside a radius and outside it.
create or replace function app_hidden.distance_km(
  latitude1 double precision,
  longitude1 double precision,
  latitude2 double precision,
  longitude2 double precision
) returns double precision
  language sql immutable parallel safe
  set search_path to public, pg_catalog
as $$
  select public.earth_distance(public.ll_to_earth(latitude1, longitude1), public.ll_to_earth(latitude2, longitude2)) / 1000;
$$;
comment on function app_hidden.distance_km(double precision, double precision, double precision, double precision) is
  E'Great-circle distance in kilometres between two points given in degrees (earthdistance''s sphere); null when a coordinate is null.';

--------------------------------------------------------------------------------
-- Time zones
--------------------------------------------------------------------------------

create or replace function app_hidden.is_time_zone(name text) returns boolean
  language plpgsql immutable parallel safe
as $$
begin
  -- IANA names only (Area/Location, or UTC): no abbreviations ("MSK"), no
  -- POSIX offsets ("UTC+3", whose sign is inverted), which PostgreSQL would accept.
  if name is null or name !~ '^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$' then
    return false;
  end if;
  perform pg_catalog.timezone(name, timestamptz '2000-01-01 00:00+00');
  return true;
exception when invalid_parameter_value then
  return false;
end;
$$;
comment on function app_hidden.is_time_zone(text) is
  E'Whether a text is an IANA time zone name PostgreSQL knows (Europe/Moscow, Asia/Irkutsk, UTC). Immutable for the constraint; a tz database update does not retire names.';

create or replace function app_hidden.hours_before(at timestamptz, hours integer) returns timestamptz
  language sql immutable parallel safe
as $$
  -- timestamptz - interval is only stable (a day or month depends on the zone);
  -- whole hours do not, so this is immutable and may feed a generated column.
  select to_timestamp(extract(epoch from at) - hours * 3600.0);
$$;
comment on function app_hidden.hours_before(timestamptz, integer) is
  E'The instant `hours` hours before `at` (time-zone independent).';

alter table app_public.event add column if not exists time_zone text not null default 'Europe/Moscow';
alter table app_public.event drop constraint if exists event_time_zone_check;
alter table app_public.event add constraint event_time_zone_check check (app_hidden.is_time_zone(time_zone));
comment on column app_public.event.time_zone is
  E'IANA time zone of the event''s place (e.g. Asia/Irkutsk): its local times and "whole days" are in this zone. Set with set_event_time_zone.';

alter table app_public.event add column if not exists starts_at_local timestamp
  generated always as (pg_catalog.timezone(time_zone, starts_at)) stored;
alter table app_public.event add column if not exists ends_at_local timestamp
  generated always as (pg_catalog.timezone(time_zone, ends_at)) stored;
alter table app_public.event add column if not exists starts_on date
  generated always as ((pg_catalog.timezone(time_zone, starts_at))::date) stored;
alter table app_public.event add column if not exists booking_closes_at timestamptz
  generated always as (app_hidden.hours_before(starts_at, booking_deadline_hours)) stored;
comment on column app_public.event.starts_at_local is E'Start as the local wall-clock time in the event''s time zone (no offset: see time_zone; startsAt is the instant).';
comment on column app_public.event.ends_at_local is E'End as the local wall-clock time in the event''s time zone.';
comment on column app_public.event.starts_on is E'The local calendar day the event starts on, in its time zone (what date filters compare).';
comment on column app_public.event.booking_closes_at is E'When bookings close: booking_deadline_hours before starts_at.';

--------------------------------------------------------------------------------
-- Search document: stemmed ru/en, ё = е
--------------------------------------------------------------------------------

-- The generated column cannot change its expression in place (before
-- PostgreSQL 17): replaced once, when it is still the old `simple` one.
do $$
begin
  if not exists (
    select from pg_attrdef d
    join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
    where d.adrelid = 'app_public.event'::regclass and a.attname = 'search_vector'
      and pg_get_expr(d.adbin, d.adrelid) like '%catalog_search%'
  ) then
    alter table app_public.event drop column if exists search_vector;
    alter table app_public.event add column search_vector tsvector not null generated always as (
      setweight(to_tsvector('app_hidden.catalog_search'::regconfig, title), 'A')
      || setweight(to_tsvector('app_hidden.catalog_search'::regconfig, location_name), 'B')
      || setweight(to_tsvector('app_hidden.catalog_search'::regconfig, coalesce(description, '')), 'C')
    ) stored;
  end if;
end
$$;
comment on column app_public.event.search_vector is
  E'@behavior -*\nFull-text document (russian/english stems, ё = е): title (A), location (B), description (C); used by search_events.';

--------------------------------------------------------------------------------
-- Indexes of the catalog's typical queries
--------------------------------------------------------------------------------

create index if not exists event_search_vector_idx on app_public.event using gin (search_vector);
-- Typo tolerance: trigram word similarity of the title.
create index if not exists event_title_trgm_idx on app_public.event
  using gin (app_hidden.search_text(title) public.gin_trgm_ops);
-- Distance: the meeting point as an earth cube.
create index if not exists event_earth_point_idx on app_public.event
  using gist (app_hidden.earth_point(latitude, longitude)) where latitude is not null;
-- The default listing (published, upcoming, soonest first) and keyset pages of it.
create index if not exists event_published_starts_at_idx on app_public.event (starts_at, id)
  where status = 'published';
-- Any status (organizers, admins) in start order.
create index if not exists event_starts_at_id_idx on app_public.event (starts_at, id);
-- No index for popularity: seats taken live on the hot counter rows
-- (190-hot-path.sql), which must stay index-free.
drop index if exists app_public.event_published_popularity_idx;
-- Whole local days.
create index if not exists event_starts_on_idx on app_public.event (starts_on, starts_at, id);
create index if not exists event_organizer_id_starts_at_idx on app_public.event (organizer_id, starts_at, id);
drop index if exists app_public.event_organizer_id_idx;
create index if not exists event_category_starts_at_idx on app_public.event (category, starts_at);
create index if not exists event_price_tier_event_id_sort_order_idx on app_public.event_price_tier (event_id, sort_order, name);

--------------------------------------------------------------------------------
-- Visibility of an event's child rows without scanning events
--------------------------------------------------------------------------------

/*
 * `event_id in (select e.id from event e)` in a policy is a security-barrier
 * subquery: the planner cannot join it, so it hashes EVERY visible event for
 * each query that reads tiers or seat counters (and per call of a computed
 * column such as seatsAvailable). A correlated EXISTS may be hashed the same
 * way. This helper is a primary-key probe under the event's RLS (it runs as
 * the caller, so the rule stays the one of the event policy); pinned
 * search_path makes it opaque to the planner, hence never hashed.
 */
create or replace function app_hidden.event_visible(event_id uuid) returns boolean
  language sql stable parallel safe
  set search_path to pg_catalog, public, pg_temp
as $$
  select exists (select from app_public.event e where e.id = event_visible.event_id);
$$;
comment on function app_hidden.event_visible(uuid) is
  E'Whether the caller can see this event (its RLS policy), by a primary-key probe: what the policies of tiers and seat counters ask per row.';
grant execute on function app_hidden.event_visible(uuid) to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

drop policy if exists select_visible on app_public.event_price_tier;
create policy select_visible on app_public.event_price_tier for select using (app_hidden.event_visible(event_id));

-- The seat counters (190-hot-path.sql) had the same scan; the same rule, probed.
do $$
begin
  if to_regclass('app_public.event_seat_counter') is not null then
    drop policy if exists select_visible on app_public.event_seat_counter;
    create policy select_visible on app_public.event_seat_counter for select using (app_hidden.event_visible(event_id));
  end if;
  if to_regclass('app_public.price_tier_seat_counter') is not null then
    drop policy if exists select_visible on app_public.price_tier_seat_counter;
    create policy select_visible on app_public.price_tier_seat_counter for select using (app_hidden.event_visible(event_id));
  end if;
end
$$;

--------------------------------------------------------------------------------
-- Maintained per-event aggregates: cheapest price, ratings
--------------------------------------------------------------------------------

create table if not exists app_hidden.event_stats (
  event_id uuid primary key
    constraint event_stats_event_id_fkey references app_public.event (id) on delete cascade,
  min_price numeric(12, 2),
  currency char(3),
  rating_count integer not null default 0,
  rating_average double precision,
  one_star integer not null default 0,
  two_stars integer not null default 0,
  three_stars integer not null default 0,
  four_stars integer not null default 0,
  five_stars integer not null default 0
);
comment on table app_hidden.event_stats is
  E'Per event, kept by triggers: the cheapest tier price and the counts of active review ratings. Lets search filter/sort by price and rating and the rating summary read one row. Public facts of visible events; readable by clients only through search_events and event_rating_summary.';
create index if not exists event_stats_min_price_idx on app_hidden.event_stats (min_price, event_id);
create index if not exists event_stats_min_price_desc_idx on app_hidden.event_stats (min_price desc nulls last, event_id);
create index if not exists event_stats_rating_idx on app_hidden.event_stats (rating_average desc nulls last, event_id);
grant select on app_hidden.event_stats to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

create or replace function app_private.refresh_event_price(event_id uuid) returns void
  language sql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  insert into app_hidden.event_stats as s (event_id, min_price, currency)
  select refresh_event_price.event_id, min(t.price), min(t.currency)
  from app_public.event_price_tier t
  where t.event_id = refresh_event_price.event_id
  on conflict (event_id) do update set min_price = excluded.min_price, currency = excluded.currency
  where (s.min_price, s.currency) is distinct from (excluded.min_price, excluded.currency);
$$;
comment on function app_private.refresh_event_price(uuid) is
  E'Recomputes the cheapest tier price of one event into app_hidden.event_stats.';

create or replace function app_private.refresh_event_rating(event_id uuid) returns void
  language sql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  insert into app_hidden.event_stats as s
    (event_id, rating_count, rating_average, one_star, two_stars, three_stars, four_stars, five_stars)
  select refresh_event_rating.event_id, count(*), round(avg(r.rating), 2)::double precision,
    count(*) filter (where r.rating = 1), count(*) filter (where r.rating = 2),
    count(*) filter (where r.rating = 3), count(*) filter (where r.rating = 4),
    count(*) filter (where r.rating = 5)
  from app_public.review r
  where r.event_id = refresh_event_rating.event_id and r.status = 'active'
  on conflict (event_id) do update set
    rating_count = excluded.rating_count, rating_average = excluded.rating_average,
    one_star = excluded.one_star, two_stars = excluded.two_stars, three_stars = excluded.three_stars,
    four_stars = excluded.four_stars, five_stars = excluded.five_stars;
$$;
comment on function app_private.refresh_event_rating(uuid) is
  E'Recomputes the active-review rating counts of one event into app_hidden.event_stats.';

create or replace function app_private.tg_event_price_tier__stats() returns trigger
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    perform app_private.refresh_event_price(old.event_id);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.event_id <> old.event_id) then
    perform app_private.refresh_event_price(new.event_id);
  end if;
  return null;
exception when foreign_key_violation then
  return null; -- the event itself is being deleted (cascade)
end;
$$;
comment on function app_private.tg_event_price_tier__stats() is
  E'Trigger: keeps app_hidden.event_stats.min_price in step with the event''s tiers.';

drop trigger if exists _900_stats on app_public.event_price_tier;
create trigger _900_stats
  after insert or delete or update of event_id, price, currency on app_public.event_price_tier
  for each row execute function app_private.tg_event_price_tier__stats();

create or replace function app_private.tg_review__stats() returns trigger
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    perform app_private.refresh_event_rating(old.event_id);
  end if;
  if tg_op = 'INSERT' or (tg_op = 'UPDATE' and new.event_id <> old.event_id) then
    perform app_private.refresh_event_rating(new.event_id);
  end if;
  return null;
exception when foreign_key_violation then
  return null; -- the event itself is being deleted (cascade)
end;
$$;
comment on function app_private.tg_review__stats() is
  E'Trigger: keeps the rating counts of app_hidden.event_stats in step with the event''s active reviews.';

drop trigger if exists _900_stats on app_public.review;
create trigger _900_stats
  after insert or delete or update of event_id, rating, status on app_public.review
  for each row execute function app_private.tg_review__stats();

create or replace function app_private.tg_event__stats() returns trigger
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  insert into app_hidden.event_stats (event_id) values (new.id) on conflict do nothing;
  return null;
end;
$$;
comment on function app_private.tg_event__stats() is
  E'Trigger: every event has its app_hidden.event_stats row from the start (search joins it).';

drop trigger if exists _900_stats on app_public.event;
create trigger _900_stats
  after insert on app_public.event
  for each row execute function app_private.tg_event__stats();

-- Backfill (and repair, when re-applied): every event, its price and ratings.
insert into app_hidden.event_stats as s
  (event_id, min_price, currency, rating_count, rating_average, one_star, two_stars, three_stars, four_stars, five_stars)
select e.id, p.min_price, p.currency, coalesce(r.n, 0), r.average,
  coalesce(r.s1, 0), coalesce(r.s2, 0), coalesce(r.s3, 0), coalesce(r.s4, 0), coalesce(r.s5, 0)
from app_public.event e
left join (
  select t.event_id, min(t.price) as min_price, min(t.currency) as currency
  from app_public.event_price_tier t group by t.event_id
) p on p.event_id = e.id
left join (
  select v.event_id, count(*) as n, round(avg(v.rating), 2)::double precision as average,
    count(*) filter (where v.rating = 1) as s1, count(*) filter (where v.rating = 2) as s2,
    count(*) filter (where v.rating = 3) as s3, count(*) filter (where v.rating = 4) as s4,
    count(*) filter (where v.rating = 5) as s5
  from app_public.review v where v.status = 'active' group by v.event_id
) r on r.event_id = e.id
on conflict (event_id) do update set
  min_price = excluded.min_price, currency = excluded.currency,
  rating_count = excluded.rating_count, rating_average = excluded.rating_average,
  one_star = excluded.one_star, two_stars = excluded.two_stars, three_stars = excluded.three_stars,
  four_stars = excluded.four_stars, five_stars = excluded.five_stars;

-- One primary-key read instead of aggregating the event's reviews per row.
create or replace function app_public.event_rating_summary(e app_public.event) returns app_public.rating_summary
  language sql stable
as $$
  select s.rating_average, coalesce(s.rating_count, 0), coalesce(s.one_star, 0), coalesce(s.two_stars, 0),
    coalesce(s.three_stars, 0), coalesce(s.four_stars, 0), coalesce(s.five_stars, 0)
  from (select) as one
  left join app_hidden.event_stats s on s.event_id = e.id;
$$;
comment on function app_public.event_rating_summary(app_public.event) is
  E'Rating summary of the event''s active reviews: average (null without reviews), count, and count per star. The same for every caller.';

create or replace function app_public.event_min_price(e app_public.event) returns numeric
  language sql stable
as $$
  select s.min_price from app_hidden.event_stats s where s.event_id = e.id;
$$;
comment on function app_public.event_min_price(app_public.event) is
  E'The cheapest price tier of the event (per seat, in its currency); null without tiers. What search_events'' price filter and price sort use.';

create or replace function app_public.event_distance_km(
  e app_public.event,
  latitude double precision,
  longitude double precision
) returns double precision
  language sql stable
as $$
  select app_hidden.distance_km(event_distance_km.latitude, event_distance_km.longitude, e.latitude, e.longitude);
$$;
comment on function app_public.event_distance_km(app_public.event, double precision, double precision) is
  E'Great-circle distance in kilometres from the given point to the event''s meeting point (the one search_events filters and sorts by); null when the event has no coordinates.';

--------------------------------------------------------------------------------
-- Use case: set an event's time zone
--------------------------------------------------------------------------------

create or replace function app_public.set_event_time_zone(id uuid, time_zone text) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event := app_hidden.event_for_change(set_event_time_zone.id);
  v_zone text := app_hidden.clean_text(set_event_time_zone.time_zone);
begin
  perform app_hidden.assert_event_editable(v_event);
  if not app_hidden.is_time_zone(v_zone) then
    raise exception 'time_zone must be an IANA time zone name such as Europe/Moscow, got "%"', coalesce(v_zone, '')
      using errcode = 'EVTZN', column = 'time_zone', hint = 'Use a name of the IANA tz database (Area/Location), not an abbreviation or an offset.';
  end if;
  if v_event.time_zone = v_zone then
    return v_event;
  end if;
  update app_public.event e set time_zone = v_zone where e.id = v_event.id returning * into v_event;
  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event.update', 'event',
    jsonb_build_object('changes', jsonb_build_object('timeZone', v_zone), 'event', app_hidden.event_data(v_event))
  );
  return v_event;
end;
$$;
comment on function app_public.set_event_time_zone(uuid, text) is
  E'Sets the IANA time zone of a draft or published event (its organizer, or an admin): its local times and local days follow. The same zone again writes nothing. Errors: 28000, 42501, P0002, 55000, EVTZN (not an IANA name).';

--------------------------------------------------------------------------------
-- Use case: search the catalog
--------------------------------------------------------------------------------

do $$
begin
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'event_sort') then
    create type app_public.event_sort as enum ('relevance', 'start', 'price', 'price_desc', 'distance', 'rating', 'popularity');
  end if;
end
$$;
comment on type app_public.event_sort is
  E'Orders of search_events: relevance (best text match first; the default with a query), start (soonest first; the default otherwise), price / price_desc (cheapest tier), distance (nearest first; needs a point), rating (best average first), popularity (most seats taken first). Ties: by id.';

/*
 * Argument checks of search_events, run once per query (a one-time filter:
 * the arguments are constants). True or an error.
 */
create or replace function app_hidden.assert_search_arguments(
  query text, starts_from timestamptz, starts_to timestamptz, date_from date, date_to date,
  min_price numeric, max_price numeric, near_latitude double precision, near_longitude double precision,
  radius_km double precision, sort app_public.event_sort, after_event_id uuid
) returns boolean
  language plpgsql stable
as $$
begin
  if char_length(query) > 200 then
    raise exception 'query must be at most 200 characters long' using errcode = '22023', column = 'query';
  end if;
  if starts_from > starts_to then
    raise exception 'starts_to must not be before starts_from' using errcode = 'EVDAT', column = 'starts_to';
  end if;
  if date_from > date_to then
    raise exception 'date_to must not be before date_from' using errcode = 'EVDAT', column = 'date_to';
  end if;
  if min_price < 0 or max_price < 0 then
    raise exception 'prices must be 0 or more' using errcode = '22023', column = case when min_price < 0 then 'min_price' else 'max_price' end;
  end if;
  if min_price > max_price then
    raise exception 'max_price must not be below min_price' using errcode = '22023', column = 'max_price';
  end if;
  if (near_latitude is null) <> (near_longitude is null) then
    raise exception 'near_latitude and near_longitude must be given together' using errcode = '22023', column = 'near_longitude';
  end if;
  if radius_km is not null and near_latitude is null then
    raise exception 'radius_km needs near_latitude and near_longitude: they must be given together' using errcode = '22023', column = 'radius_km';
  end if;
  if near_latitude not between -90 and 90 then
    raise exception 'near_latitude must be between -90 and 90' using errcode = '22023', column = 'near_latitude';
  end if;
  if near_longitude not between -180 and 180 then
    raise exception 'near_longitude must be between -180 and 180' using errcode = '22023', column = 'near_longitude';
  end if;
  if not (radius_km > 0 and radius_km <= 20000) then
    raise exception 'radius_km must be more than 0 and at most 20000' using errcode = '22023', column = 'radius_km';
  end if;
  if sort = 'distance' and near_latitude is null then
    raise exception 'sort distance needs near_latitude and near_longitude' using errcode = '22023', column = 'sort';
  end if;
  if sort = 'relevance' and app_hidden.search_query(query) is null then
    raise exception 'sort relevance needs a query' using errcode = '22023', column = 'sort';
  end if;
  if after_event_id is not null and not exists (select from app_public.event e where e.id = after_event_id) then
    raise exception 'after_event_id is not an event you can see' using errcode = '22023', column = 'after_event_id',
      hint = 'Pass the id of the last event of the previous page.';
  end if;
  return true;
end;
$$;
comment on function app_hidden.assert_search_arguments(text, timestamptz, timestamptz, date, date, numeric, numeric, double precision, double precision, double precision, app_public.event_sort, uuid) is
  E'Checks the arguments of search_events: 22023 (argument named in `column`), EVDAT (range ends before it starts). True when they are fine.';

/*
 * The sort key of an event for sorts other than `start` (which orders by the
 * indexed starts_at itself): one ascending number, ties broken by id. The
 * keyset condition compares (key, id) with the after-event's.
 */
drop function if exists app_hidden.event_sort_key(app_public.event_sort, tsvector, text, integer, double precision, double precision, numeric, double precision, tsquery, text, double precision, double precision);
create or replace function app_hidden.event_sort_key(
  sort app_public.event_sort,
  event_id uuid, search_vector tsvector, title text, latitude double precision, longitude double precision,
  min_price numeric, rating_average double precision,
  tsq tsquery, query text, near_latitude double precision, near_longitude double precision
) returns double precision
  language sql stable parallel safe
as $$
  select case sort
    when 'relevance' then -coalesce(ts_rank(search_vector, tsq), 0)::double precision
    when 'price' then coalesce(min_price, 1e12)::double precision
    when 'price_desc' then -coalesce(min_price, -1)::double precision
    when 'distance' then app_hidden.earth_point(latitude, longitude) operator(public.<->)
      app_hidden.earth_point(near_latitude, near_longitude)
    when 'rating' then -coalesce(rating_average, 0)
    when 'popularity' then -coalesce((select c.seats_taken from app_public.event_seat_counter c
                                      where c.event_id = event_sort_key.event_id), 0)::double precision
  end;
$$;
comment on function app_hidden.event_sort_key(app_public.event_sort, uuid, tsvector, text, double precision, double precision, numeric, double precision, tsquery, text, double precision, double precision) is
  E'The ascending sort key of one event under a search_events sort other than start (relevance: text rank, title above description; distance: chord length, ordered like the great-circle distance).';

/*
 * Row-level security evaluates the event policy before any condition whose
 * operator is not LEAKPROOF, and @@ (full text), %> (trigrams) and <@ (cube)
 * are not: under RLS their GIN/GiST indexes could not be used, and a search
 * would filter every upcoming event by hand. These two helpers find the
 * candidate ids through the indexes as the owner (SECURITY DEFINER) and apply
 * the very rule of the event policy themselves (app_hidden.event_is_visible),
 * so they reveal nothing the caller could not read; search_events then reads
 * those events under RLS as usual.
 */
create or replace function app_hidden.event_ids_by_text(
  tsq tsquery, typo text, statuses app_public.event_status[], not_before timestamptz
) returns setof uuid
  language sql stable security definer
  set search_path to pg_catalog, public, pg_temp
  rows 500
as $$
  select e.id from app_public.event e
  where (e.search_vector @@ tsq
         or (typo is not null and app_hidden.search_text(e.title) operator(public.%>) typo))
    and e.status = any (statuses)
    and e.starts_at >= not_before
    and app_hidden.event_is_visible(e);
$$;
comment on function app_hidden.event_ids_by_text(tsquery, text, app_public.event_status[], timestamptz) is
  E'Ids of the events the caller may see whose text matches (stemmed words, or a close title for `typo`), with these statuses, starting at or after not_before: through the GIN indexes, which RLS would keep search_events from using.';

create or replace function app_hidden.event_ids_near(
  latitude double precision, longitude double precision, radius_km double precision,
  statuses app_public.event_status[], not_before timestamptz
) returns setof uuid
  language sql stable security definer
  set search_path to pg_catalog, public, pg_temp
  rows 500
as $$
  -- earth_distance/ll_to_earth directly (this function's search_path is
  -- pinned already): no per-row call of a function with its own SET.
  select e.id from app_public.event e
  where app_hidden.earth_point(e.latitude, e.longitude)
          operator(public.<@) app_hidden.earth_box_km(event_ids_near.latitude, event_ids_near.longitude, radius_km)
    and public.earth_distance(public.ll_to_earth(event_ids_near.latitude, event_ids_near.longitude),
                              public.ll_to_earth(e.latitude, e.longitude)) <= radius_km * 1000
    and e.status = any (statuses)
    and e.starts_at >= not_before
    and app_hidden.event_is_visible(e);
$$;
comment on function app_hidden.event_ids_near(double precision, double precision, double precision, app_public.event_status[], timestamptz) is
  E'Ids of the events the caller may see within radius_km (great circle) of a point, with these statuses, starting at or after not_before: through the GiST index, which RLS would keep search_events from using.';

drop function if exists app_public.search_events(text, timestamptz, timestamptz, text, double precision, double precision, double precision, boolean);
drop function if exists app_hidden.event_ids_near(double precision, double precision, double precision);

create or replace function app_public.search_events(
  query text default null,
  category text default null,
  statuses app_public.event_status[] default null,
  starts_from timestamptz default null,
  starts_to timestamptz default null,
  date_from date default null,
  date_to date default null,
  min_price numeric default null,
  max_price numeric default null,
  only_available boolean default false,
  organizer_id uuid default null,
  near_latitude double precision default null,
  near_longitude double precision default null,
  radius_km double precision default null,
  sort app_public.event_sort default null,
  after_event_id uuid default null
) returns setof app_public.event
  language sql stable
  -- No SET, no SECURITY DEFINER, no STRICT, one SELECT: PostgreSQL inlines it
  -- into the caller's query with the actual arguments, so the planner sees
  -- constants, folds the arms of the filters not given and pushes LIMIT down.
as $$
  with args as (
    select
      app_hidden.search_query(search_events.query) as tsq,
      coalesce(search_events.sort,
        -- Typed literals: a text → enum cast is only stable and would not fold.
        case when app_hidden.search_query(search_events.query) is null
          then 'start'::app_public.event_sort else 'relevance'::app_public.event_sort end
      ) as sort
  )
  select e.*
  from args
  cross join app_public.event e
  join app_hidden.event_stats s on s.event_id = e.id
  where app_hidden.assert_search_arguments(
      search_events.query, search_events.starts_from, search_events.starts_to, search_events.date_from,
      search_events.date_to, search_events.min_price, search_events.max_price, search_events.near_latitude,
      search_events.near_longitude, search_events.radius_km, search_events.sort, search_events.after_event_id)
    -- Status: published only unless asked (drafts stay visible to their organizer and admins only: RLS).
    and e.status = any (coalesce(search_events.statuses, '{published}'))
    -- Time: upcoming by default; an explicit instant or day range replaces that.
    and (search_events.starts_from is not null or search_events.date_from is not null or search_events.starts_to is not null
         or search_events.date_to is not null or e.starts_at >= now())
    and (search_events.starts_from is null or e.starts_at >= search_events.starts_from)
    and (search_events.starts_to is null or e.starts_at <= search_events.starts_to)
    -- Whole local days, inclusive, in each event's own time zone.
    and (search_events.date_from is null or e.starts_on >= search_events.date_from)
    and (search_events.date_to is null or e.starts_on <= search_events.date_to)
    and (search_events.category is null or e.category = search_events.category)
    and (search_events.organizer_id is null or e.organizer_id = search_events.organizer_id)
    and (search_events.min_price is null or s.min_price >= search_events.min_price)
    and (search_events.max_price is null or s.min_price <= search_events.max_price)
    -- Bookable now: published, bookings still open, a seat free.
    and (not coalesce(search_events.only_available, false)
         or (e.status = 'published' and e.booking_closes_at > now()
             and exists (select from app_public.event_seat_counter c where c.event_id = e.id and c.seats_taken < c.capacity)))
    -- Text: stemmed words (last one as a prefix), or a close spelling of the title for short queries
    -- (the GIN indexes, through event_ids_by_text).
    and (search_events.query is null or args.tsq is null
         -- `= any (array(…))`: an init plan run once, then primary-key probes (an
         -- IN inside this OR could not become a join: sub-selects are planned
         -- before the OR folds away).
         or e.id = any (array(select app_hidden.event_ids_by_text(
              args.tsq, app_hidden.search_typo_text(search_events.query),
              coalesce(search_events.statuses, '{published}'),
              case when coalesce(search_events.starts_from, search_events.starts_to, search_events.date_from, search_events.date_to) is null
                then now() else coalesce(search_events.starts_from, '-infinity') end))))
    -- Sorting by distance lists only events that have a place on the map.
    and (args.sort <> 'distance' or e.latitude is not null)
    -- Distance: the GiST index's box, then the exact great-circle distance (event_ids_near).
    -- (A radius without a point is refused by the check above; the `near_latitude
    -- is null` arm keeps this condition from folding to a constant false that
    -- would skip the check.)
    and (search_events.radius_km is null or search_events.near_latitude is null or search_events.near_longitude is null
         or e.id = any (array(select app_hidden.event_ids_near(
              search_events.near_latitude, search_events.near_longitude, search_events.radius_km,
              coalesce(search_events.statuses, '{published}'),
              case when coalesce(search_events.starts_from, search_events.starts_to, search_events.date_from, search_events.date_to) is null
                then now() else coalesce(search_events.starts_from, '-infinity') end))))
    -- Keyset: strictly after the given event in this order.
    and (search_events.after_event_id is null
         or case when args.sort = 'start' then
              (e.starts_at, e.id) > ((select a.starts_at from app_public.event a where a.id = search_events.after_event_id),
                                     search_events.after_event_id)
            else
              (app_hidden.event_sort_key(args.sort, e.id, e.search_vector, e.title, e.latitude, e.longitude,
                 s.min_price, s.rating_average, args.tsq, search_events.query, search_events.near_latitude, search_events.near_longitude),
               e.id)
              > ((select app_hidden.event_sort_key(args.sort, a.id, a.search_vector, a.title, a.latitude, a.longitude,
                    sa.min_price, sa.rating_average, args.tsq, search_events.query, search_events.near_latitude, search_events.near_longitude)
                  from app_public.event a join app_hidden.event_stats sa on sa.event_id = a.id
                  where a.id = search_events.after_event_id),
                 search_events.after_event_id)
            end)
  -- One arm per sort, on the raw column, so an index can deliver the order
  -- (the arms of the other sorts fold to constants and vanish). Each arm
  -- orders exactly as event_sort_key ascending, which the keyset compares.
  order by
    case when args.sort = 'start' then e.starts_at end,
    case when args.sort = 'price' then s.min_price end,
    case when args.sort = 'price_desc' then s.min_price end desc nulls last,
    case when args.sort = 'rating' then s.rating_average end desc nulls last,
    case when args.sort = 'popularity' then
      coalesce((select c.seats_taken from app_public.event_seat_counter c where c.event_id = e.id), 0) end desc,
    case when args.sort = 'distance' then app_hidden.earth_point(e.latitude, e.longitude)
      operator(public.<->) app_hidden.earth_point(search_events.near_latitude, search_events.near_longitude) end,
    case when args.sort = 'relevance' then
      app_hidden.event_sort_key(args.sort, e.id, e.search_vector, e.title, e.latitude, e.longitude,
        s.min_price, s.rating_average, args.tsq, search_events.query, search_events.near_latitude, search_events.near_longitude)
    end,
    e.id;
$$;
comment on function app_public.search_events(text, text, app_public.event_status[], timestamptz, timestamptz, date, date, numeric, numeric, boolean, uuid, double precision, double precision, double precision, app_public.event_sort, uuid) is
  E'The catalog: events the caller may see. By default published events that have not started yet, soonest first (best match first with a query). Filters (all optional): query (Russian/English words in any form, ё = е, the last word as a prefix, a close spelling of the title for short queries; web-search syntax "phrase", -word, or), category, statuses (default published; drafts only for their organizer and admins), starts_from/starts_to (instants, inclusive), date_from/date_to (whole local days in each event''s time zone, inclusive), min_price/max_price (cheapest tier), only_available (bookable now: published, before the booking deadline, a seat free), organizer_id, near_latitude/near_longitude with radius_km (great circle). sort: relevance, start, price, price_desc, distance, rating, popularity. Keyset paging: after_event_id = the last event of the previous page (stable at any depth). Errors: 22023 (argument named), EVDAT (range ends before it starts).';

--------------------------------------------------------------------------------
-- Execute grants
--------------------------------------------------------------------------------

grant execute on function
  app_public.search_events(text, text, app_public.event_status[], timestamptz, timestamptz, date, date, numeric, numeric, boolean, uuid, double precision, double precision, double precision, app_public.event_sort, uuid),
  app_public.event_rating_summary(app_public.event),
  app_public.event_min_price(app_public.event),
  app_public.event_distance_km(app_public.event, double precision, double precision),
  app_public.set_event_time_zone(uuid, text)
to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- Helpers search_events calls as the caller (it is security invoker).
grant execute on function
  app_hidden.unaccent(text),
  app_hidden.search_text(text),
  app_hidden.search_query(text),
  app_hidden.search_typo_text(text),
  app_hidden.event_ids_by_text(tsquery, text, app_public.event_status[], timestamptz),
  app_hidden.event_ids_near(double precision, double precision, double precision, app_public.event_status[], timestamptz),
  app_hidden.earth_point(double precision, double precision),
  app_hidden.earth_box_km(double precision, double precision, double precision),
  app_hidden.distance_km(double precision, double precision, double precision, double precision),
  app_hidden.is_time_zone(text),
  app_hidden.hours_before(timestamptz, integer),
  app_hidden.assert_search_arguments(text, timestamptz, timestamptz, date, date, numeric, numeric, double precision, double precision, double precision, app_public.event_sort, uuid),
  app_hidden.event_sort_key(app_public.event_sort, uuid, tsvector, text, double precision, double precision, numeric, double precision, tsquery, text, double precision, double precision)
to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- Not granted (owner only): the stats refreshers and trigger functions.

--! split: 900-least-privilege.sql
--------------------------------------------------------------------------------
-- Least privilege (issue #14). Runs after every other current/ file, so the
-- rules here also bind what they add; test/security/catalog.test.ts checks
-- the result and says what to fix when a new object breaks a rule.
--
--   1. Who is calling: jwt.claims.* count only in the API's sessions (the
--      authenticator's) and the owner's; any other login is identified by
--      app_private.staff_login (per-person staff logins), or is nobody.
--   2. Grants follow policies: anonymous reads the published catalog and
--      public reviews and calls only read functions; RLS on every table.
--   3. app_analytics: aggregate, pseudonymous views for aquastream_analyst.
--
-- FORCE ROW LEVEL SECURITY is deliberately not used. The SECURITY DEFINER
-- functions and the worker run as the owner and must see every row (the
-- rules live in the functions); under FORCE they would need owner policies
-- `using (true)`, the same bypass spelled differently. Instead the owner never
-- serves a request: the API refuses to start with a superuser, BYPASSRLS or
-- table-owning login (src/db/authenticator.ts), so RLS always binds callers.
--------------------------------------------------------------------------------

--------------------------------------------------------------------------------
-- 1. Identity: claims only from the API; staff logins from a mapping
--------------------------------------------------------------------------------

create table if not exists app_private.staff_login (
  login      name primary key,
  user_id    uuid not null,
  roles      text[] not null default '{}',
  note       text,
  created_at timestamptz not null default now(),
  constraint staff_login_known_roles
    check (roles <@ array['user', 'organizer', 'admin', 'payment-gateway']::text[])
);
alter table app_private.staff_login enable row level security;
comment on table app_private.staff_login is
  E'Per-person database logins (staff: DBA, support, analyst) and who they are in the application: the user id and realm roles that current_user_id() / current_user_roles() give their psql sessions. Maintained by the owner (docs/database-access.md); a login without a row is nobody (anonymous rights).';
comment on column app_private.staff_login.login is E'The PostgreSQL login role (session_user).';
comment on column app_private.staff_login.user_id is E'The application user id (Keycloak sub) the login acts as: audit rows name it.';
comment on column app_private.staff_login.roles is E'Realm roles the login holds in SQL (user, organizer, admin, payment-gateway).';
comment on column app_private.staff_login.note is E'Who asked for it and why (free text for the next DBA).';

-- No SET clause (it would stop the planner inlining it into every policy);
-- invoker rights and schema-qualified names only.
create or replace function app_hidden.claims_trusted() returns boolean
  language sql stable
as $$
  -- The API's login switches role per transaction and sets the claims from a
  -- verified token. The owner (or a superuser) could do anything anyway, so
  -- trusting its claims grants nothing new (the worker and tests use them).
  select session_user = ':DATABASE_AUTHENTICATOR'
      or pg_catalog.has_schema_privilege(session_user, 'app_public', 'CREATE');
$$;
comment on function app_hidden.claims_trusted() is
  E'True when this session may assert jwt.claims.*: the authenticator''s (the API''s) or the owner''s. Any other login''s claims are ignored.';

create or replace function app_hidden.login_user_id() returns uuid
  language sql stable security definer
  set search_path = pg_catalog, pg_temp
as $$
  select s.user_id from app_private.staff_login s where s.login = session_user;
$$;
comment on function app_hidden.login_user_id() is
  E'The application user id mapped to this session''s login (app_private.staff_login), or null.';

create or replace function app_hidden.login_roles() returns text[]
  language sql stable security definer
  set search_path = pg_catalog, pg_temp
as $$
  select coalesce((select s.roles from app_private.staff_login s where s.login = session_user), '{}'::text[]);
$$;
comment on function app_hidden.login_roles() is
  E'The realm roles mapped to this session''s login (app_private.staff_login); empty when unmapped.';

-- Same signatures as before (policies and functions call them); the claims
-- branch stays a plain expression the planner can inline.
create or replace function app_public.current_user_id() returns uuid
  language sql stable
as $$
  select case when app_hidden.claims_trusted()
              then nullif(pg_catalog.current_setting('jwt.claims.sub', true), '')::uuid
              else app_hidden.login_user_id() end;
$$;
comment on function app_public.current_user_id() is
  E'The signed-in caller: the JWT''s `sub` in the API''s sessions, the mapped user of a staff login in psql (app_private.staff_login); null for an anonymous caller. Claims a psql session sets itself are ignored.';

create or replace function app_public.current_user_roles() returns text[]
  language sql stable
as $$
  select case when app_hidden.claims_trusted()
              then coalesce(pg_catalog.string_to_array(nullif(pg_catalog.current_setting('jwt.claims.roles', true), ''), ','), '{}'::text[])
              else app_hidden.login_roles() end;
$$;
comment on function app_public.current_user_roles() is
  E'The caller''s realm roles (user, organizer, admin, payment-gateway): the JWT''s in the API''s sessions, the staff login''s mapping in psql; empty for an anonymous caller.';

revoke all on function app_hidden.claims_trusted(), app_hidden.login_user_id(), app_hidden.login_roles() from public;
grant execute on function app_hidden.claims_trusted(), app_hidden.login_user_id(), app_hidden.login_roles()
  to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- 2. Grants after policies
--------------------------------------------------------------------------------

-- Functions and sequences the owner creates from now on: nobody may use them
-- until a migration grants it (000001 said so too; repeated here so a fresh
-- owner role gets it whatever ran before).
alter default privileges revoke all on functions from public;
alter default privileges revoke all on sequences from public;

-- No function of the application schemas is callable by PUBLIC: each role
-- gets EXECUTE by name (a helper that granted nothing is refused, not open).
do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('app_public', 'app_hidden', 'app_private', 'app_analytics')
      and has_function_privilege('public', p.oid, 'EXECUTE')
  loop
    execute format('revoke execute on function %s from public', f);
  end loop;
end
$$;

-- Per-caller computed columns: they answered anonymous callers by reading
-- private tables (bookings, favorites, votes). Now an anonymous (or unmapped)
-- caller gets the answer without a table read, so anonymous needs no grant
-- on those tables; a signed-in caller reads under RLS as before.
create or replace function app_public.event_is_favorite(e app_public.event) returns boolean
  language plpgsql stable
as $$
begin
  if app_public.current_user_id() is null then return false; end if;
  return exists (
    select from app_public.favorite f
    where f.event_id = e.id and f.user_id = app_public.current_user_id()
  );
end;
$$;
comment on function app_public.event_is_favorite(app_public.event) is
  E'Whether the caller keeps this event in their favorites (false for anonymous callers).';

create or replace function app_public.event_my_booking(e app_public.event) returns app_public.booking
  language plpgsql stable
as $$
declare
  found app_public.booking;
begin
  if app_public.current_user_id() is null then return null; end if;
  select b.* into found from app_public.booking b
  where b.event_id = e.id and b.user_id = app_public.current_user_id()
    and b.status in ('pending_payment', 'confirmed');
  return found;
end;
$$;
comment on function app_public.event_my_booking(app_public.event) is
  E'The caller''s live booking of this event, if any (null for anonymous callers).';

create or replace function app_public.review_is_marked_helpful(r app_public.review) returns boolean
  language plpgsql stable
as $$
begin
  if app_public.current_user_id() is null then return false; end if;
  return exists (
    select from app_public.review_helpful_vote v
    where v.review_id = r.id and v.user_id = app_public.current_user_id()
  );
end;
$$;
comment on function app_public.review_is_marked_helpful(app_public.review) is
  E'Whether the caller has marked this review helpful (false for anonymous callers).';

-- Anonymous reads the published catalog and public reviews, nothing else.
-- (Other tables keep RLS for members; revoking here is "policy before grant":
-- no grant that one policy bug would turn into a leak.)
do $$
declare
  t regclass;
begin
  foreach t in array array[
    'app_public.booking', 'app_public.payment', 'app_public.refund',
    'app_public.promo_code', 'app_public.favorite', 'app_public.review_helpful_vote'
  ]::regclass[] loop
    execute format('revoke all on table %s from :DATABASE_ANONYMOUS', t);
  end loop;
end
$$;

-- Anonymous may call read functions only: every volatile (writing) function,
-- every function that starts by demanding a signed-in caller, and the reads
-- of signed-in data lose its EXECUTE. The transports answer an
-- anonymous caller's refused call as 28000 "sign in" (src/errors/pg-error.ts).
do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('app_public', 'app_hidden')
      and (p.provolatile = 'v'
           or p.prosrc like '%assert_signed_in()%'
           -- reads for signed-in callers only (quote_booking: through price_booking)
           or (n.nspname, p.proname) in (('app_public', 'my_favorite_events'), ('app_public', 'promo_code_uses_left'),
                                         ('app_public', 'quote_booking'), ('app_hidden', 'assert_signed_in')))
      and has_function_privilege(':DATABASE_ANONYMOUS', p.oid, 'EXECUTE')
  loop
    execute format('revoke execute on function %s from :DATABASE_ANONYMOUS', f);
  end loop;
end
$$;

-- Row-level security on every table of the three application schemas (the
-- crew assignment history had none). No policy means: owner only.
do $$
declare
  t regclass;
begin
  for t in
    select c.oid::regclass from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ('app_public', 'app_hidden', 'app_private') and c.relkind in ('r', 'p')
      and not c.relrowsecurity
  loop
    execute format('alter table %s enable row level security', t);
  end loop;
end
$$;

-- The catalog's per-event figures (200-catalog: cheapest price, rating
-- counts) are read by the search functions as the caller.
do $$
begin
  if to_regclass('app_hidden.event_stats') is not null then
    drop policy if exists select_visible on app_hidden.event_stats;
    -- Public figures (an event's cheapest price and its rating counts; a draft
    -- has no reviews) that search_events sorts and filters by: a per-row
    -- visibility check here would cost one event probe per row of every
    -- price or rating sort (3.5 s instead of 11 ms at 100k events). The
    -- events themselves stay under their RLS in every query that joins these.
    create policy select_visible on app_hidden.event_stats for select using (true);
    comment on policy select_visible on app_hidden.event_stats is
      E'Every row: public aggregates (cheapest price, rating counts) of events, read only joined to events under their RLS.';
  end if;
end
$$;

--------------------------------------------------------------------------------
-- 3. app_analytics: what analysts read
--------------------------------------------------------------------------------

create schema if not exists app_analytics;
comment on schema app_analytics is
  E'Aggregate views for analysts (role aquastream_analyst): bookings, revenue, refunds, occupancy and conversion per event, organizer and day. No personal data: organizers appear as a pseudonym, users not at all. The views run with the owner''s rights over the whole data set, so they are granted to analysts only.';
revoke all on schema app_analytics from public;
grant usage on schema app_analytics to :DATABASE_ANALYST;

-- A random key of this database, so pseudonyms cannot be recomputed from a
-- user id elsewhere (and differ between databases).
create table if not exists app_private.analytics_key (
  id  boolean primary key default true check (id),
  key text not null default encode(public.gen_random_bytes(32), 'hex')
);
alter table app_private.analytics_key enable row level security;
insert into app_private.analytics_key default values on conflict do nothing;
comment on table app_private.analytics_key is
  E'The secret key of the organizer pseudonyms in app_analytics (keyed HMAC-SHA-256 of the user id, 16 hex digits): one row, made at migration, so a pseudonym cannot be recomputed from a user id without it. Replacing it changes every pseudonym.';

drop function if exists app_analytics.pseudonym(uuid);

drop view if exists app_analytics.booking_daily, app_analytics.conversion_daily,
  app_analytics.revenue_daily, app_analytics.refund_daily, app_analytics.event_occupancy;

create view app_analytics.booking_daily with (security_barrier) as
  select (b.created_at at time zone 'UTC')::date as day,
         b.event_id,
         left(encode(public.hmac(e.organizer_id::text, k.key, 'sha256'), 'hex'), 16) as organizer,
         e.category,
         count(*) as bookings,
         sum(b.quantity) as seats,
         count(*) filter (where b.status = 'confirmed') as confirmed,
         count(*) filter (where b.status = 'canceled') as canceled,
         count(*) filter (where b.status = 'expired') as expired,
         count(*) filter (where b.status = 'pending_payment') as pending
  from app_public.booking b
  join app_public.event e on e.id = b.event_id
  cross join app_private.analytics_key k
  where b.created_at >= now() - interval '730 days'
  group by 1, 2, 3, 4;
comment on view app_analytics.booking_daily is
  E'Bookings made per UTC day and event (last 730 days), by their status now. organizer: pseudonym. Group by organizer or day for those totals.';

create view app_analytics.conversion_daily with (security_barrier) as
  select d.day, d.event_id, d.organizer, d.category, d.bookings, d.confirmed as paid,
         round(d.confirmed::numeric / nullif(d.bookings, 0), 4) as conversion
  from app_analytics.booking_daily d;
comment on view app_analytics.conversion_daily is
  E'Share of the bookings made that day for the event that ended up paid (confirmed): paid / bookings, null when none. Sum bookings and paid before dividing when grouping.';

create view app_analytics.revenue_daily with (security_barrier) as
  select (p.confirmed_at at time zone 'UTC')::date as day,
         b.event_id,
         left(encode(public.hmac(e.organizer_id::text, k.key, 'sha256'), 'hex'), 16) as organizer,
         p.currency,
         count(*) as payments,
         sum(p.amount) as gross,
         sum(p.refunded_amount) as refunded,
         sum(p.amount - p.refunded_amount) as net
  from app_public.payment p
  join app_public.booking b on b.id = p.booking_id
  join app_public.event e on e.id = b.event_id
  cross join app_private.analytics_key k
  where p.confirmed_at is not null and p.confirmed_at >= now() - interval '730 days'
  group by 1, 2, 3, 4;
comment on view app_analytics.revenue_daily is
  E'Payments confirmed per UTC day, event and currency (last 730 days): gross, refunded so far, net. No gateway references, no payment URLs.';

create view app_analytics.refund_daily with (security_barrier) as
  select (r.created_at at time zone 'UTC')::date as day,
         b.event_id,
         left(encode(public.hmac(e.organizer_id::text, k.key, 'sha256'), 'hex'), 16) as organizer,
         r.currency,
         count(*) as refunds,
         sum(r.amount) as amount
  from app_public.refund r
  join app_public.payment p on p.id = r.payment_id
  join app_public.booking b on b.id = p.booking_id
  join app_public.event e on e.id = b.event_id
  cross join app_private.analytics_key k
  where r.created_at >= now() - interval '730 days'
  group by 1, 2, 3, 4;
comment on view app_analytics.refund_daily is
  E'Refunds issued per UTC day, event and currency (last 730 days). No reasons (free text may name people), no user ids.';

create view app_analytics.event_occupancy with (security_barrier) as
  select e.id as event_id,
         left(encode(public.hmac(e.organizer_id::text, k.key, 'sha256'), 'hex'), 16) as organizer,
         e.title,
         e.category,
         (e.starts_at at time zone 'UTC')::date as day,
         e.status,
         e.capacity,
         coalesce(sum(b.quantity) filter (where b.status = 'confirmed'), 0) as seats_confirmed,
         coalesce(sum(b.quantity) filter (where b.status = 'pending_payment'), 0) as seats_held,
         round(coalesce(sum(b.quantity) filter (where b.status = 'confirmed'), 0)::numeric / nullif(e.capacity, 0), 4) as occupancy
  from app_public.event e
  cross join app_private.analytics_key k
  left join app_public.booking b on b.event_id = e.id
  where e.status <> 'draft' and e.starts_at >= now() - interval '730 days'
  group by e.id, k.key;
comment on view app_analytics.event_occupancy is
  E'Seats sold (confirmed) and held (awaiting payment) of each published, completed or canceled event starting in the last 730 days or later; occupancy = confirmed seats / capacity. day: the event''s start (UTC).';

-- What each column means, for analysts reading \d+ (the same names mean the
-- same in every view).
do $$
declare
  c record;
begin
  for c in
    select a.attrelid::regclass as view, a.attname as column, d.text
    from pg_attribute a
    join pg_class r on r.oid = a.attrelid
    join pg_namespace n on n.oid = r.relnamespace
    join (values
      ('day', 'UTC calendar day (booking_daily, conversion_daily: booked; revenue_daily: paid; refund_daily: refunded; event_occupancy: the event starts).'),
      ('event_id', 'The event (app_public.event.id; its title and category are public).'),
      ('organizer', 'The event''s organizer as a pseudonym: 16 hex digits of a keyed HMAC of their user id, the same in every view, not reversible without app_private.analytics_key.'),
      ('category', 'The event''s category (rafting, kayaking, …).'),
      ('title', 'The event''s public title.'),
      ('status', 'The event''s status now (published, completed, canceled).'),
      ('capacity', 'Seats the event offers.'),
      ('bookings', 'Bookings made.'),
      ('seats', 'Seats in those bookings.'),
      ('confirmed', 'Of those bookings, how many are paid (confirmed) now.'),
      ('canceled', 'Of those bookings, how many were canceled.'),
      ('expired', 'Of those bookings, how many expired unpaid.'),
      ('pending', 'Of those bookings, how many still await payment.'),
      ('paid', 'Bookings made that day that are paid (confirmed) now.'),
      ('conversion', 'paid / bookings (4 decimals); null without bookings.'),
      ('currency', 'ISO 4217 currency of the amounts in the row.'),
      ('payments', 'Payments confirmed.'),
      ('gross', 'Sum of the confirmed payments.'),
      ('refunded', 'Sum refunded so far of those payments.'),
      ('net', 'gross minus refunded.'),
      ('refunds', 'Refunds issued.'),
      ('amount', 'Sum of the refunds issued.'),
      ('seats_confirmed', 'Seats in paid (confirmed) bookings.'),
      ('seats_held', 'Seats in bookings awaiting payment (they expire if unpaid).'),
      ('occupancy', 'seats_confirmed / capacity (4 decimals).')
    ) as d(name, text) on d.name = a.attname
    where n.nspname = 'app_analytics' and r.relkind = 'v' and a.attnum > 0 and not a.attisdropped
  loop
    execute format('comment on column %s.%I is %L', c.view, c.column, c.text);
  end loop;
end
$$;

do $$
declare
  v text;
begin
  foreach v in array array['booking_daily', 'conversion_daily', 'revenue_daily', 'refund_daily', 'event_occupancy'] loop
    execute format('revoke all on app_analytics.%I from public', v);
    execute format('grant select on app_analytics.%I to :DATABASE_ANALYST', v);
  end loop;
end
$$;
