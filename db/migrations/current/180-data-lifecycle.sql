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
