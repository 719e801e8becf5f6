--! Previous: -
--! Hash: sha1:7a5643cd558f15b6415ab2364465c57652e8d58f
--! Message: event catalog: events, price tiers, categories, favorites, audit log, outbox

/*
 * Aquastream event service: the event catalog (issue 3).
 *
 *   app_public   what GraphQL exposes: tables (read under RLS), one function
 *                per use case (the mutations), computed columns.
 *   app_hidden   helpers callable from SQL but not exposed to GraphQL.
 *   app_private  the audit log, the outbox and trigger functions; clients get
 *                no grants at all.
 *
 * How writes are authorized (the one decision everything below follows):
 * every state change must write an audit row and an outbox row in the same
 * transaction, and the outbox is the contract with other services (Kafka), so
 * a caller must never be able to write to it or to skip it. Therefore clients
 * get SELECT only (rows filtered by RLS) and NO insert/update/delete grant on
 * any table: the only columns "callers may set" directly are none. Every
 * mutation is a SECURITY DEFINER function (STYLE: definer when the function
 * must touch what the caller may not, here the outbox) that
 *   1. checks the caller first (signed in, realm role, owns the event or is
 *      admin, and can see the row: a hidden event answers exactly like a
 *      missing one, P0002, so ids do not leak),
 *   2. validates its arguments with a specific SQLSTATE and message,
 *   3. changes only the rows of that use case, and
 *   4. calls app_hidden.record_change() (audit + outbox) before returning.
 * Reads stay SECURITY INVOKER so RLS decides what each caller sees.
 *
 * Every rule a function checks is backed by a constraint or a trigger where a
 * constraint can express it, so the owner in psql cannot break it either
 * (only the time-dependent "starts in the future" rule cannot be a constraint:
 * an event legitimately starts in the past once it has begun).
 *
 * Error codes: standard SQLSTATEs where they fit, the project's own
 * five-letter codes (EV*, TR*) where a client must tell rules apart; the full
 * list is docs/error-codes.md and src/errors/codes.ts. Messages name the
 * argument; `column` carries the field name, `hint` says what to do.
 *
 * This file is idempotent (graphile-migrate re-runs it on every change): it
 * starts by dropping everything it creates.
 */

--------------------------------------------------------------------------------
-- Reset
--------------------------------------------------------------------------------
drop schema if exists app_public cascade;
drop schema if exists app_hidden cascade;
drop schema if exists app_private cascade;

--------------------------------------------------------------------------------
-- Schemas and default privileges
--------------------------------------------------------------------------------
create schema app_public;
create schema app_hidden;
create schema app_private;

comment on schema app_public is E'The Aquastream event service API: exposed as GraphQL by PostGraphile, callable over gRPC and psql alike.';
comment on schema app_hidden is E'Helpers the API functions (and the worker) use; callable in SQL where granted, never exposed to GraphQL.';
comment on schema app_private is E'Audit log, outbox and trigger functions. Clients (anonymous, member) have no access at all.';

-- Callers may resolve names in the two callable schemas; app_private stays closed.
grant usage on schema app_public, app_hidden to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- Functions are not executable by PUBLIC by default: every grant below is explicit.
alter default privileges revoke all on functions from public;
alter default privileges revoke all on sequences from public;

--------------------------------------------------------------------------------
-- Who is calling: helpers over the per-transaction JWT claims
--------------------------------------------------------------------------------

create function app_public.current_user_id() returns uuid
  language sql stable
as $$
  select nullif(pg_catalog.current_setting('jwt.claims.sub', true), '')::uuid;
$$;
comment on function app_public.current_user_id() is
  E'The signed-in caller (the Keycloak `sub` of the JWT), or null for an anonymous caller.';

create function app_public.current_user_roles() returns text[]
  language sql stable
as $$
  select coalesce(
    pg_catalog.string_to_array(nullif(pg_catalog.current_setting('jwt.claims.roles', true), ''), ','),
    '{}'::text[]
  );
$$;
comment on function app_public.current_user_roles() is
  E'The caller''s realm roles (user, organizer, admin, payment-gateway) from the JWT; empty for an anonymous caller.';

create function app_public.has_role(role text) returns boolean
  language sql stable
as $$
  select has_role.role = any (app_public.current_user_roles());
$$;
comment on function app_public.has_role(text) is
  E'True when the caller''s JWT carries this realm role.';

--------------------------------------------------------------------------------
-- Small pure helpers
--------------------------------------------------------------------------------

create function app_hidden.clean_text(value text) returns text
  language sql immutable
as $$
  -- Trims white space at both ends; blank becomes null ("not given").
  select nullif(pg_catalog.regexp_replace(value, '^\s+|\s+$', '', 'g'), '');
$$;
comment on function app_hidden.clean_text(text) is
  E'Trims white space at both ends of a caller''s text; a blank string becomes null.';

create function app_hidden.distance_km(
  latitude1 double precision,
  longitude1 double precision,
  latitude2 double precision,
  longitude2 double precision
) returns double precision
  language sql immutable strict parallel safe
as $$
  -- Haversine great-circle distance on a sphere of radius 6371 km (no PostGIS needed;
  -- error below 0.5 % is fine for "events near me").
  select 2 * 6371.0 * asin(least(1.0, sqrt(
    power(sin(radians(latitude2 - latitude1) / 2), 2)
    + cos(radians(latitude1)) * cos(radians(latitude2)) * power(sin(radians(longitude2 - longitude1) / 2), 2)
  )));
$$;
comment on function app_hidden.distance_km(double precision, double precision, double precision, double precision) is
  E'Great-circle (haversine) distance in kilometres between two points given in degrees.';

create function app_hidden.jsonb_changes(old_value jsonb, new_value jsonb) returns jsonb
  language sql immutable
as $$
  select coalesce(
    jsonb_object_agg(n.key, jsonb_build_object('from', o.value, 'to', n.value) order by n.key),
    '{}'::jsonb
  )
  from jsonb_each(new_value) as n
  left join jsonb_each(old_value) as o on o.key = n.key
  where o.value is distinct from n.value;
$$;
comment on function app_hidden.jsonb_changes(jsonb, jsonb) is
  E'The keys whose values differ between two JSON objects, as {key: {from, to}}; {} when nothing changed.';

--------------------------------------------------------------------------------
-- Types
--------------------------------------------------------------------------------

create type app_public.event_status as enum ('draft', 'published', 'completed', 'canceled');
comment on type app_public.event_status is
  E'Life cycle of an event: draft → published → completed | canceled (a draft may also be canceled).';

create type app_public.crew_status as enum ('not_required', 'pending', 'assigned', 'failed');
comment on type app_public.crew_status is
  E'Crew assignment by the crew service: not_required, pending (asked, waiting), assigned (crew_id set), failed (gave up after retries).';

create type app_public.price_tier_input as (
  name text,
  price numeric,
  currency text,
  quota integer
);
comment on type app_public.price_tier_input is
  E'A price tier given to create_event.';
comment on column app_public.price_tier_input.name is E'Tier name, 1 to 100 characters, unique within the event (e.g. "Adult", "Child").';
comment on column app_public.price_tier_input.price is E'Price per seat, ≥ 0, at most two decimals.';
comment on column app_public.price_tier_input.currency is E'ISO 4217 currency code, e.g. EUR; all tiers of an event share one currency.';
comment on column app_public.price_tier_input.quota is E'Optional number of seats this tier may sell (1 to the event capacity); null means no own limit.';

--------------------------------------------------------------------------------
-- Private: audit log and outbox
--------------------------------------------------------------------------------

create table app_private.audit_log (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  actor_id uuid,
  actor_roles text[] not null default '{}',
  action text not null constraint audit_log_action_check check (action ~ '^[a-z_]+\.[a-z_]+$'),
  table_name text not null,
  row_id text not null,
  details jsonb not null default '{}',
  request_id text
);
alter table app_private.audit_log enable row level security;
create index audit_log_table_name_row_id_idx on app_private.audit_log (table_name, row_id);
create index audit_log_actor_id_idx on app_private.audit_log (actor_id);
create index audit_log_occurred_at_idx on app_private.audit_log using brin (occurred_at);

comment on table app_private.audit_log is E'Who did what to which row, and when: every state change and admin action. Append-only.';
comment on column app_private.audit_log.id is E'Order of writing.';
comment on column app_private.audit_log.occurred_at is E'Transaction time of the change.';
comment on column app_private.audit_log.actor_id is E'The caller (JWT sub); null for the system (cron jobs, migrations).';
comment on column app_private.audit_log.actor_roles is E'The caller''s realm roles at the time, e.g. {organizer} or {admin}.';
comment on column app_private.audit_log.action is E'What was done, as <object>.<verb>, e.g. event.publish, event_price_tier.add.';
comment on column app_private.audit_log.table_name is E'Table of the changed row, e.g. event.';
comment on column app_private.audit_log.row_id is E'Primary key of the changed row as text (a uuid, or "(a,b)" for a composite key).';
comment on column app_private.audit_log.details is E'What changed (the same data as the outbox row).';
comment on column app_private.audit_log.request_id is E'The request id of the API call (setting app.request_id), to join with the logs.';

create table app_private.outbox (
  id uuid primary key default gen_random_uuid(),
  position bigint generated always as identity constraint outbox_position_key unique,
  aggregate_type text not null constraint outbox_aggregate_type_check check (aggregate_type ~ '^[a-z_]+$'),
  aggregate_id uuid not null,
  event_type text not null constraint outbox_event_type_check check (event_type ~ '^[A-Z][A-Za-z]+$'),
  version integer not null default 1 constraint outbox_version_check check (version > 0),
  occurred_at timestamptz not null default now(),
  actor_id uuid,
  data jsonb not null default '{}',
  published_at timestamptz,
  attempts integer not null default 0 constraint outbox_attempts_check check (attempts >= 0),
  last_error text
);
alter table app_private.outbox enable row level security;
create index outbox_unpublished_position_idx on app_private.outbox (position) where published_at is null;
create index outbox_aggregate_id_idx on app_private.outbox (aggregate_id);

comment on table app_private.outbox is E'Domain events written in the same transaction as the change they announce; the relay sends them to Kafka in `position` order, keyed by aggregate_id.';
comment on column app_private.outbox.id is E'The envelope id: unique per message, consumers de-duplicate on it (delivery is at least once).';
comment on column app_private.outbox.position is E'Commit-independent writing order; the relay reads unpublished rows by position.';
comment on column app_private.outbox.aggregate_type is E'Kind of the aggregate the event is about: event, booking, …';
comment on column app_private.outbox.aggregate_id is E'Id of that aggregate; the Kafka message key (keeps order per aggregate).';
comment on column app_private.outbox.event_type is E'EventCreated, EventUpdated, EventPublished, EventCanceled, EventCompleted, FavoriteAdded, FavoriteRemoved, …';
comment on column app_private.outbox.version is E'Schema version of `data` for this event_type.';
comment on column app_private.outbox.occurred_at is E'Transaction time of the change.';
comment on column app_private.outbox.actor_id is E'The caller who caused it; null for the system.';
comment on column app_private.outbox.data is E'The event payload (camelCase keys).';
comment on column app_private.outbox.published_at is E'When the relay got the broker''s acknowledgement; null while waiting.';
comment on column app_private.outbox.attempts is E'Relay attempts so far.';
comment on column app_private.outbox.last_error is E'The relay''s last failure, for operators.';

create function app_hidden.record_change(
  aggregate_type text,
  aggregate_id uuid,
  event_type text,
  action text,
  table_name text,
  data jsonb,
  row_id text default null
) returns uuid
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_outbox_id uuid;
begin
  insert into app_private.audit_log (actor_id, actor_roles, action, table_name, row_id, details, request_id)
  values (
    app_public.current_user_id(),
    app_public.current_user_roles(),
    record_change.action,
    record_change.table_name,
    coalesce(record_change.row_id, record_change.aggregate_id::text),
    coalesce(record_change.data, '{}'::jsonb),
    nullif(current_setting('app.request_id', true), '')
  );

  insert into app_private.outbox (aggregate_type, aggregate_id, event_type, actor_id, data)
  values (
    record_change.aggregate_type,
    record_change.aggregate_id,
    record_change.event_type,
    app_public.current_user_id(),
    coalesce(record_change.data, '{}'::jsonb)
  )
  returning id into v_outbox_id;

  -- The Kafka relay (a later issue) will also enqueue its graphile-worker job here,
  -- in this same transaction.
  return v_outbox_id;
end;
$$;
comment on function app_hidden.record_change(text, uuid, text, text, text, jsonb, text) is
  E'Writes the audit row and the outbox row of one state change, in the caller''s transaction; returns the outbox (envelope) id. Executable by the owner only, i.e. from the API''s security-definer functions: clients can never forge an outbox message.';

--------------------------------------------------------------------------------
-- Shared trigger function
--------------------------------------------------------------------------------

create function app_private.tg__set_updated_at() returns trigger
  language plpgsql
as $$
begin
  new.updated_at := greatest(now(), old.updated_at + interval '1 microsecond');
  return new;
end;
$$;
comment on function app_private.tg__set_updated_at() is
  E'Trigger: keeps updated_at current (strictly increasing) on every update.';

--------------------------------------------------------------------------------
-- event_category
--------------------------------------------------------------------------------

create table app_public.event_category (
  id text primary key constraint event_category_id_check check (id ~ '^[a-z][a-z0-9_]{0,29}$'),
  name text not null constraint event_category_name_check check (char_length(name) between 1 and 100),
  description text constraint event_category_description_check check (char_length(description) <= 1000),
  sort_order integer not null default 0
);
alter table app_public.event_category enable row level security;

comment on table app_public.event_category is E'@behavior -insert -update -delete\nKinds of water-sports events (rafting, kayaking, …). Maintained by migrations.';
comment on column app_public.event_category.id is E'Stable slug, e.g. rafting; what events refer to.';
comment on column app_public.event_category.name is E'Display name.';
comment on column app_public.event_category.description is E'Short description for pickers.';
comment on column app_public.event_category.sort_order is E'Position in pickers (ascending).';

insert into app_public.event_category (id, name, description, sort_order) values
  ('rafting', 'Rafting', 'Descending rivers in inflatable rafts.', 10),
  ('kayaking', 'Kayaking', 'Kayak and canoe tours.', 20),
  ('sup', 'SUP', 'Stand-up paddle boarding.', 30),
  ('sailing', 'Sailing', 'Sailing trips and regattas.', 40),
  ('diving', 'Diving', 'Scuba diving and snorkelling.', 50),
  ('other', 'Other', 'Anything else on the water.', 100);

create policy select_all on app_public.event_category for select using (true);
grant select on app_public.event_category to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- event
--------------------------------------------------------------------------------

create table app_public.event (
  id uuid primary key default gen_random_uuid(),
  organizer_id uuid not null,
  title text not null
    constraint event_title_check check (char_length(title) between 3 and 200 and title !~ '^\s|\s$'),
  description text
    constraint event_description_check check (char_length(description) between 1 and 10000),
  category text not null
    constraint event_category_fkey references app_public.event_category (id),
  location_name text not null
    constraint event_location_name_check check (char_length(location_name) between 1 and 200 and location_name !~ '^\s|\s$'),
  latitude double precision
    constraint event_latitude_check check (latitude between -90 and 90),
  longitude double precision
    constraint event_longitude_check check (longitude between -180 and 180),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  capacity integer not null
    constraint event_capacity_check check (capacity between 1 and 100000),
  seats_taken integer not null default 0,
  booking_deadline_hours integer not null default 0
    constraint event_booking_deadline_hours_check check (booking_deadline_hours between 0 and 8760),
  status app_public.event_status not null default 'draft',
  crew_required boolean not null default false,
  crew_id uuid,
  crew_status app_public.crew_status not null default 'not_required',
  cancel_reason text
    constraint event_cancel_reason_check check (char_length(cancel_reason) between 3 and 1000),
  canceled_at timestamptz,
  canceled_by uuid,
  published_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  search_vector tsvector not null generated always as (
    setweight(to_tsvector('simple'::regconfig, title), 'A')
    || setweight(to_tsvector('simple'::regconfig, location_name), 'B')
    || setweight(to_tsvector('simple'::regconfig, coalesce(description, '')), 'C')
  ) stored,

  constraint event_latitude_longitude_check check ((latitude is null) = (longitude is null)),
  constraint event_ends_at_check check (ends_at > starts_at),
  constraint event_ends_at_duration_check check (ends_at - starts_at <= interval '30 days'),
  constraint event_seats_taken_check check (seats_taken between 0 and capacity),
  constraint event_crew_status_check check (crew_required = (crew_status <> 'not_required')),
  constraint event_crew_id_check check ((crew_id is not null) = (crew_status = 'assigned')),
  constraint event_published_at_check check (status not in ('published', 'completed') or published_at is not null),
  constraint event_canceled_at_check check (
    (status = 'canceled') = (canceled_at is not null)
    and (status = 'canceled') = (cancel_reason is not null)
  ),
  -- One crew cannot work two live events whose times overlap (the crew service
  -- is the system of record; this is our last line of defence).
  constraint event_crew_id_excl exclude using gist (
    crew_id with =,
    tstzrange(starts_at, ends_at) with &&
  ) where (crew_id is not null and status in ('draft', 'published'))
);
alter table app_public.event enable row level security;

create index event_status_starts_at_idx on app_public.event (status, starts_at);
create index event_organizer_id_idx on app_public.event (organizer_id);
create index event_category_starts_at_idx on app_public.event (category, starts_at);
create index event_search_vector_idx on app_public.event using gin (search_vector);

comment on table app_public.event is E'@behavior -insert -update -delete\nA water-sports event organizers publish and people book. Changed only through the functions create_event, update_event, publish_event, cancel_event and the price-tier functions.';
comment on column app_public.event.id is E'Identifier of the event.';
comment on column app_public.event.organizer_id is E'The organizer (Keycloak user id) who created the event and manages it.';
comment on column app_public.event.title is E'Title, 3 to 200 characters.';
comment on column app_public.event.description is E'Free text, up to 10000 characters.';
comment on column app_public.event.category is E'The event_category id.';
comment on column app_public.event.location_name is E'Where it takes place, 1 to 200 characters (e.g. "Chusovaya river, Ust-Utka").';
comment on column app_public.event.latitude is E'Latitude of the meeting point in degrees (-90..90); given together with longitude or not at all.';
comment on column app_public.event.longitude is E'Longitude of the meeting point in degrees (-180..180).';
comment on column app_public.event.starts_at is E'Start time.';
comment on column app_public.event.ends_at is E'End time: after starts_at, at most 30 days later.';
comment on column app_public.event.capacity is E'Seats in total (1 to 100000).';
comment on column app_public.event.seats_taken is E'Seats held by pending and confirmed bookings; never above capacity.';
comment on column app_public.event.booking_deadline_hours is E'Bookings close this many hours before starts_at (0 to 8760).';
comment on column app_public.event.status is E'draft (only its organizer and admins see it), published, completed (ended; set by a scheduled job) or canceled.';
comment on column app_public.event.crew_required is E'Whether the crew service must assign a crew.';
comment on column app_public.event.crew_id is E'The crew assigned by the crew service; the same crew is never on two overlapping live events.';
comment on column app_public.event.crew_status is E'Progress of the crew assignment.';
comment on column app_public.event.cancel_reason is E'Why the event was canceled (3 to 1000 characters); set only when canceled.';
comment on column app_public.event.canceled_at is E'When the event was canceled.';
comment on column app_public.event.canceled_by is E'Who canceled it (Keycloak user id); null when the system did.';
comment on column app_public.event.published_at is E'When the event was first published; stays set after completion or cancellation.';
comment on column app_public.event.created_at is E'When the event was created.';
comment on column app_public.event.updated_at is E'When the event row last changed.';
comment on column app_public.event.search_vector is E'@behavior -*\nFull-text index of title (A), location (B) and description (C); used by search_events.';

/*
 * Who sees which event (the same rule for GraphQL, gRPC and psql):
 * anyone sees published and completed events, and canceled ones that had been
 * published (their participants must see the cancellation); drafts, and
 * drafts canceled before publishing, only their organizer and admins.
 * The helpers run once per query (initplans), not once per row.
 */
create policy select_visible on app_public.event for select using (
  status in ('published', 'completed')
  or (status = 'canceled' and published_at is not null)
  or organizer_id in (select app_public.current_user_id())
  or (select app_public.has_role('admin'))
);
grant select on app_public.event to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- The same rule for the security-definer functions, which bypass RLS.
create function app_hidden.event_is_visible(e app_public.event) returns boolean
  language sql stable
as $$
  select e.status in ('published', 'completed')
    or (e.status = 'canceled' and e.published_at is not null)
    or e.organizer_id = app_public.current_user_id()
    or app_public.has_role('admin');
$$;
comment on function app_hidden.event_is_visible(app_public.event) is
  E'Whether the caller may see this event: the rule of the select_visible policy, for security-definer functions (which bypass RLS). Keep both in step.';

/*
 * Status machine: draft → published | canceled, published → completed |
 * canceled; nothing else, whoever updates the row (function or psql).
 */
create function app_private.tg_event__status_transition() returns trigger
  language plpgsql
as $$
begin
  if not (
    (old.status = 'draft' and new.status in ('published', 'canceled'))
    or (old.status = 'published' and new.status in ('completed', 'canceled'))
  ) then
    raise exception 'event status cannot change from % to %', old.status, new.status
      using errcode = '55000', column = 'status';
  end if;

  if new.status = 'published' then
    if not exists (select from app_public.event_price_tier t where t.event_id = new.id) then
      raise exception 'an event needs at least one price tier to be published'
        using errcode = 'EVTIR', hint = 'Add a price tier with add_price_tier first.';
    end if;
    new.published_at := coalesce(new.published_at, now());
  elsif new.status = 'canceled' then
    new.canceled_at := coalesce(new.canceled_at, now());
  end if;
  return new;
end;
$$;
comment on function app_private.tg_event__status_transition() is
  E'Trigger: allows only the transitions of the event status machine (55000 otherwise); publishing needs a price tier (EVTIR).';

/*
 * Completed and canceled events are history: their descriptive columns no
 * longer change (bookings and crew columns still may, e.g. refunds or a crew
 * release after a cancellation).
 */
create function app_private.tg_event__freeze_finished() returns trigger
  language plpgsql
as $$
begin
  if (old.title, old.description, old.category, old.location_name, old.latitude, old.longitude,
      old.starts_at, old.ends_at, old.capacity, old.booking_deadline_hours, old.crew_required,
      old.organizer_id)
     is distinct from
     (new.title, new.description, new.category, new.location_name, new.latitude, new.longitude,
      new.starts_at, new.ends_at, new.capacity, new.booking_deadline_hours, new.crew_required,
      new.organizer_id)
  then
    raise exception 'a % event can no longer be changed', old.status
      using errcode = '55000', column = 'status';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_event__freeze_finished() is
  E'Trigger: the descriptive columns of completed and canceled events are read-only (55000).';

-- Capacity must leave room for every tier quota (backs update_event).
create function app_private.tg_event__check_tier_quota() returns trigger
  language plpgsql
as $$
declare
  v_tier_name text;
  v_quota integer;
begin
  select t.name, t.quota into v_tier_name, v_quota
  from app_public.event_price_tier t
  where t.event_id = new.id and t.quota > new.capacity
  order by t.quota desc
  limit 1;
  if found then
    raise exception 'capacity % is below the quota % of price tier "%"', new.capacity, v_quota, v_tier_name
      using errcode = 'TRQTA', column = 'capacity', hint = 'Lower the tier quota first, or keep a larger capacity.';
  end if;
  return null;
end;
$$;
comment on function app_private.tg_event__check_tier_quota() is
  E'Constraint trigger: an event''s capacity is never below the quota of one of its price tiers (TRQTA).';

create trigger _100_timestamps
  before update on app_public.event
  for each row execute function app_private.tg__set_updated_at();
create trigger _200_status_transition
  before update of status on app_public.event
  for each row when (old.status is distinct from new.status)
  execute function app_private.tg_event__status_transition();
create trigger _300_freeze_finished
  before update on app_public.event
  for each row when (old.status in ('completed', 'canceled'))
  execute function app_private.tg_event__freeze_finished();
create constraint trigger _400_check_tier_quota
  after update of capacity on app_public.event
  for each row when (new.capacity < old.capacity)
  execute function app_private.tg_event__check_tier_quota();

--------------------------------------------------------------------------------
-- event_price_tier
--------------------------------------------------------------------------------

create table app_public.event_price_tier (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null
    constraint event_price_tier_event_id_fkey references app_public.event (id) on delete cascade,
  name text not null
    constraint event_price_tier_name_check check (char_length(name) between 1 and 100 and name !~ '^\s|\s$'),
  price numeric(12, 2) not null
    constraint event_price_tier_price_check check (price >= 0),
  currency char(3) not null
    constraint event_price_tier_currency_check check (currency ~ '^[A-Z]{3}$'),
  quota integer
    constraint event_price_tier_quota_check check (quota > 0),
  seats_taken integer not null default 0,
  sort_order integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),

  constraint event_price_tier_seats_taken_check check (seats_taken >= 0 and (quota is null or seats_taken <= quota)),
  constraint event_price_tier_event_id_name_key unique (event_id, name)
);
alter table app_public.event_price_tier enable row level security;

comment on table app_public.event_price_tier is E'@behavior -insert -update -delete\nA price of an event (e.g. adult, child, with equipment), optionally with its own seat quota. All tiers of an event share one currency. Changed only through add_price_tier, update_price_tier and remove_price_tier.';
comment on column app_public.event_price_tier.id is E'Identifier of the tier.';
comment on column app_public.event_price_tier.event_id is E'The event this tier belongs to.';
comment on column app_public.event_price_tier.name is E'Tier name, 1 to 100 characters, unique within the event.';
comment on column app_public.event_price_tier.price is E'Price per seat (≥ 0).';
comment on column app_public.event_price_tier.currency is E'ISO 4217 currency code (three upper-case letters), the same for all tiers of the event.';
comment on column app_public.event_price_tier.quota is E'Seats this tier may sell at most (≤ event capacity); null: limited by the event capacity only.';
comment on column app_public.event_price_tier.seats_taken is E'Seats held in this tier by pending and confirmed bookings.';
comment on column app_public.event_price_tier.sort_order is E'Display order within the event (ascending).';
comment on column app_public.event_price_tier.created_at is E'When the tier was added.';
comment on column app_public.event_price_tier.updated_at is E'When the tier last changed.';

-- A tier is visible exactly when its event is (the subquery runs under the event's RLS).
create policy select_visible on app_public.event_price_tier for select using (
  event_id in (select e.id from app_public.event e)
);
grant select on app_public.event_price_tier to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

/*
 * Rules across an event and its tiers that a check constraint cannot see.
 * The event row is locked first, so two concurrent tier changes of one event
 * are serialized and cannot both pass (e.g. two different currencies).
 */
create function app_private.tg_event_price_tier__check_event() returns trigger
  language plpgsql
as $$
declare
  v_event app_public.event;
  v_other_currency text;
begin
  select * into v_event from app_public.event e where e.id = new.event_id for no key update;

  if v_event.status in ('completed', 'canceled') then
    raise exception 'the price tiers of a % event can no longer be changed', v_event.status
      using errcode = '55000';
  end if;

  if new.quota > v_event.capacity then
    raise exception 'quota % exceeds the event capacity %', new.quota, v_event.capacity
      using errcode = 'TRQTA', column = 'quota', hint = 'Use a quota between 1 and the event capacity.';
  end if;

  select t.currency into v_other_currency
  from app_public.event_price_tier t
  where t.event_id = new.event_id and t.id <> new.id and t.currency <> new.currency
  limit 1;
  if found then
    raise exception 'currency % differs from the event''s currency %', new.currency, v_other_currency
      using errcode = 'TRCUR', column = 'currency', hint = 'All price tiers of an event use one currency.';
  end if;
  return null;
end;
$$;
comment on function app_private.tg_event_price_tier__check_event() is
  E'Constraint trigger: tiers of completed/canceled events are frozen (55000), a quota fits in the event capacity (TRQTA), all tiers of an event share one currency (TRCUR).';

create function app_private.tg_event_price_tier__check_removal() returns trigger
  language plpgsql
as $$
declare
  v_event app_public.event;
begin
  select * into v_event from app_public.event e where e.id = old.event_id for no key update;
  if not found then
    return null; -- the event itself is being deleted (cascade)
  end if;
  if v_event.status in ('completed', 'canceled') then
    raise exception 'the price tiers of a % event can no longer be changed', v_event.status
      using errcode = '55000';
  end if;
  if old.seats_taken > 0 then
    raise exception 'price tier "%" has % seats taken and cannot be removed', old.name, old.seats_taken
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
comment on function app_private.tg_event_price_tier__check_removal() is
  E'Constraint trigger: a tier with seats taken is not removed (TRSEA), a published event keeps at least one tier (EVTIR), tiers of finished events are frozen (55000).';

create trigger _100_timestamps
  before update on app_public.event_price_tier
  for each row execute function app_private.tg__set_updated_at();
create constraint trigger _200_check_event
  after insert or update of event_id, name, price, currency, quota on app_public.event_price_tier
  for each row execute function app_private.tg_event_price_tier__check_event();
create constraint trigger _300_check_removal
  after delete on app_public.event_price_tier
  for each row execute function app_private.tg_event_price_tier__check_removal();

--------------------------------------------------------------------------------
-- favorite
--------------------------------------------------------------------------------

create table app_public.favorite (
  user_id uuid not null,
  event_id uuid not null
    constraint favorite_event_id_fkey references app_public.event (id) on delete cascade,
  created_at timestamptz not null default now(),
  constraint favorite_pkey primary key (user_id, event_id)
);
alter table app_public.favorite enable row level security;
create index favorite_event_id_idx on app_public.favorite (event_id);

comment on table app_public.favorite is E'@behavior -insert -update -delete\nAn event a user keeps in their favorites. Each user sees only their own. Changed through add_favorite and remove_favorite.';
comment on column app_public.favorite.user_id is E'The user (Keycloak user id).';
comment on column app_public.favorite.event_id is E'The favorite event.';
comment on column app_public.favorite.created_at is E'When it was added.';

create policy select_own on app_public.favorite for select using (
  user_id in (select app_public.current_user_id())
);
-- Anonymous callers may read the table (so event_is_favorite works for them) but RLS shows them nothing.
grant select on app_public.favorite to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Snapshots for the outbox / audit payloads
--------------------------------------------------------------------------------

create function app_hidden.event_data(e app_public.event) returns jsonb
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
    'seatsTaken', e.seats_taken,
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
comment on function app_hidden.event_data(app_public.event) is
  E'An event as the JSON payload of outbox messages (camelCase keys).';

create function app_hidden.price_tier_data(t app_public.event_price_tier) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', t.id,
    'eventId', t.event_id,
    'name', t.name,
    'price', t.price,
    'currency', t.currency,
    'quota', t.quota,
    'seatsTaken', t.seats_taken,
    'sortOrder', t.sort_order
  );
$$;
comment on function app_hidden.price_tier_data(app_public.event_price_tier) is
  E'A price tier as the JSON payload of outbox messages (camelCase keys).';

create function app_hidden.event_price_tiers_data(event_id uuid) returns jsonb
  language sql stable
as $$
  select coalesce(jsonb_agg(app_hidden.price_tier_data(t) order by t.sort_order, t.name), '[]'::jsonb)
  from app_public.event_price_tier t
  where t.event_id = event_price_tiers_data.event_id;
$$;
comment on function app_hidden.event_price_tiers_data(uuid) is
  E'All price tiers of an event as a JSON array (outbox payloads).';

--------------------------------------------------------------------------------
-- Caller checks and validation, shared by the API functions
--------------------------------------------------------------------------------

create function app_hidden.assert_signed_in() returns uuid
  language plpgsql stable
as $$
declare
  v_user_id uuid := app_public.current_user_id();
begin
  -- current_setting('role') is the role the transaction switched to, even
  -- inside a security-definer function: the anonymous role never acts, even
  -- with a user id in its settings.
  if v_user_id is null or current_setting('role') = ':DATABASE_ANONYMOUS' then
    raise exception 'sign in first' using errcode = '28000', hint = 'Send a bearer token.';
  end if;
  return v_user_id;
end;
$$;
comment on function app_hidden.assert_signed_in() is
  E'Returns the caller''s id, or raises 28000 when nobody is signed in (no user id, or the anonymous role).';

create function app_hidden.assert_event_manager() returns uuid
  language plpgsql stable
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
begin
  if not (app_public.has_role('organizer') or app_public.has_role('admin')) then
    raise exception 'only organizers and admins may manage events' using errcode = '42501';
  end if;
  return v_user_id;
end;
$$;
comment on function app_hidden.assert_event_manager() is
  E'Returns the caller''s id when they have the organizer or admin role; 28000 / 42501 otherwise.';

/*
 * The event an organizer (own events) or admin (any) is about to change,
 * locked for the rest of the transaction. A hidden event answers like a
 * missing one (P0002) so ids do not leak; a visible event of someone else
 * answers 42501.
 */
create function app_hidden.event_for_change(event_id uuid, not_found_message text default 'event not found')
  returns app_public.event
  language plpgsql volatile
as $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_event app_public.event;
begin
  select * into v_event from app_public.event e where e.id = event_for_change.event_id for update;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception '%', not_found_message using errcode = 'P0002';
  end if;
  if v_event.organizer_id <> v_user_id and not app_public.has_role('admin') then
    raise exception 'only the organizer of this event or an admin may change it' using errcode = '42501';
  end if;
  return v_event;
end;
$$;
comment on function app_hidden.event_for_change(uuid, text) is
  E'Locks and returns an event the caller may change (own event, or any as admin); 28000, 42501 or P0002 (also for events the caller cannot see) otherwise.';

create function app_hidden.assert_event_editable(e app_public.event) returns void
  language plpgsql immutable
as $$
begin
  if e.status not in ('draft', 'published') then
    raise exception 'a % event can no longer be changed', e.status
      using errcode = '55000', column = 'status', hint = 'Only draft and published events can be changed.';
  end if;
end;
$$;
comment on function app_hidden.assert_event_editable(app_public.event) is
  E'Raises 55000 unless the event is draft or published.';

/*
 * Validates a whole event row the way the table's constraints will, but with
 * a specific code and message per rule, in argument order. Used by
 * create_event and update_event on the row they are about to write.
 */
create function app_hidden.assert_event_valid(e app_public.event) returns void
  language plpgsql stable
as $$
begin
  if e.title is null or char_length(e.title) not between 3 and 200 then
    raise exception 'title must be 3 to 200 characters long'
      using errcode = '22023', column = 'title', hint = 'Give a title of 3 to 200 characters (white space at the ends is trimmed).';
  end if;
  if char_length(e.description) > 10000 then
    raise exception 'description must be at most 10000 characters long'
      using errcode = '22023', column = 'description';
  end if;
  if e.category is null then
    raise exception 'category is required' using errcode = '22023', column = 'category';
  end if;
  if not exists (select from app_public.event_category c where c.id = e.category) then
    raise exception 'unknown category "%"', e.category
      using errcode = '22023', column = 'category', hint = 'Use one of the event_category ids, e.g. rafting.';
  end if;
  if e.location_name is null or char_length(e.location_name) > 200 then
    raise exception 'location_name must be 1 to 200 characters long'
      using errcode = '22023', column = 'location_name';
  end if;
  if e.latitude not between -90 and 90 then
    raise exception 'latitude must be between -90 and 90' using errcode = '22023', column = 'latitude';
  end if;
  if e.longitude not between -180 and 180 then
    raise exception 'longitude must be between -180 and 180' using errcode = '22023', column = 'longitude';
  end if;
  if (e.latitude is null) <> (e.longitude is null) then
    raise exception 'latitude and longitude must be given together'
      using errcode = '22023', column = case when e.latitude is null then 'latitude' else 'longitude' end;
  end if;
  if e.starts_at is null then
    raise exception 'starts_at is required' using errcode = '22023', column = 'starts_at';
  end if;
  if e.ends_at is null then
    raise exception 'ends_at is required' using errcode = '22023', column = 'ends_at';
  end if;
  if e.ends_at <= e.starts_at then
    raise exception 'ends_at must be after starts_at'
      using errcode = 'EVDAT', column = 'ends_at';
  end if;
  if e.ends_at - e.starts_at > interval '30 days' then
    raise exception 'an event lasts at most 30 days'
      using errcode = 'EVDUR', column = 'ends_at';
  end if;
  if e.capacity is null or e.capacity not between 1 and 100000 then
    raise exception 'capacity must be between 1 and 100000' using errcode = '22023', column = 'capacity';
  end if;
  if e.booking_deadline_hours is null or e.booking_deadline_hours not between 0 and 8760 then
    raise exception 'booking_deadline_hours must be between 0 and 8760'
      using errcode = '22023', column = 'booking_deadline_hours';
  end if;
end;
$$;
comment on function app_hidden.assert_event_valid(app_public.event) is
  E'Validates an event row about to be written: 22023 (argument named in the message and `column`), EVDAT (ends before it starts), EVDUR (longer than 30 days).';

/*
 * Validates and inserts one price tier of an event the caller already holds
 * (locked). Shared by create_event and add_price_tier.
 */
create function app_hidden.insert_price_tier(
  for_event app_public.event,
  name text,
  price numeric,
  currency text,
  quota integer,
  sort_order integer
) returns app_public.event_price_tier
  language plpgsql volatile
as $$
declare
  v_name text := app_hidden.clean_text(insert_price_tier.name);
  v_currency text := upper(app_hidden.clean_text(insert_price_tier.currency));
  v_other_currency text;
  v_tier app_public.event_price_tier;
begin
  if v_name is null or char_length(v_name) > 100 then
    raise exception 'price tier name must be 1 to 100 characters long'
      using errcode = '22023', column = 'name';
  end if;
  if insert_price_tier.price is null or insert_price_tier.price < 0 then
    raise exception 'price must be 0 or more' using errcode = '22023', column = 'price';
  end if;
  if insert_price_tier.price <> round(insert_price_tier.price, 2) or insert_price_tier.price >= 10000000000 then
    raise exception 'price must have at most two decimals and be below 10000000000'
      using errcode = '22023', column = 'price';
  end if;
  if v_currency is null or v_currency !~ '^[A-Z]{3}$' then
    raise exception 'currency must be an ISO 4217 code such as EUR'
      using errcode = '22023', column = 'currency';
  end if;
  if insert_price_tier.quota < 1 then
    raise exception 'quota must be at least 1 (or null for no own limit)'
      using errcode = '22023', column = 'quota';
  end if;
  if insert_price_tier.quota > for_event.capacity then
    raise exception 'quota % exceeds the event capacity %', insert_price_tier.quota, for_event.capacity
      using errcode = 'TRQTA', column = 'quota', hint = 'Use a quota between 1 and the event capacity.';
  end if;
  select t.currency into v_other_currency
  from app_public.event_price_tier t
  where t.event_id = for_event.id and t.currency <> v_currency
  limit 1;
  if found then
    raise exception 'currency % differs from the event''s currency %', v_currency, v_other_currency
      using errcode = 'TRCUR', column = 'currency', hint = 'All price tiers of an event use one currency.';
  end if;
  if exists (select from app_public.event_price_tier t where t.event_id = for_event.id and t.name = v_name) then
    raise exception 'a price tier named "%" already exists for this event', v_name
      using errcode = '23505', column = 'name', constraint = 'event_price_tier_event_id_name_key';
  end if;

  insert into app_public.event_price_tier (event_id, name, price, currency, quota, sort_order)
  values (for_event.id, v_name, insert_price_tier.price, v_currency, insert_price_tier.quota, insert_price_tier.sort_order)
  returning * into v_tier;
  return v_tier;
end;
$$;
comment on function app_hidden.insert_price_tier(app_public.event, text, numeric, text, integer, integer) is
  E'Validates (22023, TRQTA, TRCUR, 23505) and inserts a price tier of an event the caller holds locked.';

--------------------------------------------------------------------------------
-- Use case: create an event
--------------------------------------------------------------------------------

create function app_public.create_event(
  title text,
  description text,
  category text,
  location_name text,
  latitude double precision,
  longitude double precision,
  starts_at timestamptz,
  ends_at timestamptz,
  capacity integer,
  booking_deadline_hours integer default 0,
  crew_required boolean default false,
  price_tiers app_public.price_tier_input[] default '{}'
) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_event app_public.event;
  v_tier app_public.price_tier_input;
  v_position integer := 0;
begin
  v_event.organizer_id := v_user_id;
  v_event.title := app_hidden.clean_text(create_event.title);
  v_event.description := app_hidden.clean_text(create_event.description);
  v_event.category := app_hidden.clean_text(create_event.category);
  v_event.location_name := app_hidden.clean_text(create_event.location_name);
  v_event.latitude := create_event.latitude;
  v_event.longitude := create_event.longitude;
  v_event.starts_at := create_event.starts_at;
  v_event.ends_at := create_event.ends_at;
  v_event.capacity := create_event.capacity;
  v_event.booking_deadline_hours := coalesce(create_event.booking_deadline_hours, 0);
  v_event.crew_required := coalesce(create_event.crew_required, false);
  perform app_hidden.assert_event_valid(v_event);
  if v_event.starts_at <= now() then
    raise exception 'starts_at must be in the future'
      using errcode = 'EVPST', column = 'starts_at';
  end if;

  insert into app_public.event (
    organizer_id, title, description, category, location_name, latitude, longitude,
    starts_at, ends_at, capacity, booking_deadline_hours, crew_required, crew_status
  ) values (
    v_event.organizer_id, v_event.title, v_event.description, v_event.category, v_event.location_name,
    v_event.latitude, v_event.longitude, v_event.starts_at, v_event.ends_at, v_event.capacity,
    v_event.booking_deadline_hours, v_event.crew_required,
    case when v_event.crew_required then 'pending' else 'not_required' end::app_public.crew_status
  )
  returning * into v_event;

  foreach v_tier in array coalesce(create_event.price_tiers, '{}') loop
    v_position := v_position + 1;
    perform app_hidden.insert_price_tier(v_event, v_tier.name, v_tier.price, v_tier.currency, v_tier.quota, v_position);
  end loop;

  perform app_hidden.record_change(
    'event', v_event.id, 'EventCreated', 'event.create', 'event',
    app_hidden.event_data(v_event) || jsonb_build_object('priceTiers', app_hidden.event_price_tiers_data(v_event.id))
  );
  -- Crew assignment (crew_required) starts when the event is published, not here.
  return v_event;
end;
$$;
comment on function app_public.create_event(text, text, text, text, double precision, double precision, timestamptz, timestamptz, integer, integer, boolean, app_public.price_tier_input[]) is
  E'Creates a draft event organized by the caller (role organizer or admin), with its price tiers. Only its organizer and admins see it until publish_event. Errors: 28000, 42501, 22023 (argument named), EVDAT, EVDUR, EVPST, TRQTA, TRCUR, 23505 (duplicate tier name).';

--------------------------------------------------------------------------------
-- Use case: update an event
--------------------------------------------------------------------------------

create function app_public.update_event(
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
  if v_new.capacity < v_old.seats_taken then
    raise exception 'capacity % is below the % seats already taken', v_new.capacity, v_old.seats_taken
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

--------------------------------------------------------------------------------
-- Use cases: price tiers
--------------------------------------------------------------------------------

create function app_public.add_price_tier(
  event_id uuid,
  name text,
  price numeric,
  currency text,
  quota integer default null
) returns app_public.event_price_tier
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event := app_hidden.event_for_change(add_price_tier.event_id);
  v_tier app_public.event_price_tier;
begin
  perform app_hidden.assert_event_editable(v_event);
  v_tier := app_hidden.insert_price_tier(
    v_event, add_price_tier.name, add_price_tier.price, add_price_tier.currency, add_price_tier.quota,
    (select coalesce(max(t.sort_order), 0) + 1 from app_public.event_price_tier t where t.event_id = v_event.id)
  );
  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event_price_tier.add', 'event_price_tier',
    jsonb_build_object('priceTierAdded', app_hidden.price_tier_data(v_tier)),
    v_tier.id::text
  );
  return v_tier;
end;
$$;
comment on function app_public.add_price_tier(uuid, text, numeric, text, integer) is
  E'Adds a price tier to a draft or published event (its organizer, or an admin). Errors: 28000, 42501, P0002, 55000, 22023, TRQTA (quota above capacity), TRCUR (currency differs from the other tiers), 23505 (name taken).';

create function app_public.update_price_tier(
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
begin
  -- Lock order event → tier, as everywhere.
  v_event := app_hidden.event_for_change(v_event_id, 'price tier not found');
  select * into v_old from app_public.event_price_tier t where t.id = update_price_tier.id for update;
  if not found then
    raise exception 'price tier not found' using errcode = 'P0002';
  end if;
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
    if update_price_tier.quota < v_old.seats_taken then
      raise exception 'quota % is below the % seats already taken in this tier', update_price_tier.quota, v_old.seats_taken
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

create function app_public.remove_price_tier(id uuid) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event_id uuid := (select t.event_id from app_public.event_price_tier t where t.id = remove_price_tier.id);
  v_event app_public.event;
  v_tier app_public.event_price_tier;
begin
  v_event := app_hidden.event_for_change(v_event_id, 'price tier not found');
  select * into v_tier from app_public.event_price_tier t where t.id = remove_price_tier.id for update;
  if not found then
    raise exception 'price tier not found' using errcode = 'P0002';
  end if;
  perform app_hidden.assert_event_editable(v_event);
  if v_tier.seats_taken > 0 then
    raise exception 'price tier "%" has % seats taken and cannot be removed', v_tier.name, v_tier.seats_taken
      using errcode = 'TRSEA';
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
  E'Removes a price tier without seats taken from a draft or published event (its organizer, or an admin) and returns the event. A published event keeps at least one tier. Errors: 28000, 42501, P0002, 55000, TRSEA (seats taken), EVTIR (last tier of a published event).';

--------------------------------------------------------------------------------
-- Use cases: publish, cancel, complete
--------------------------------------------------------------------------------

create function app_public.publish_event(id uuid) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event := app_hidden.event_for_change(publish_event.id);
begin
  if v_event.status <> 'draft' then
    raise exception 'only draft events can be published; this event is %', v_event.status
      using errcode = '55000', column = 'status';
  end if;
  if not exists (select from app_public.event_price_tier t where t.event_id = v_event.id) then
    raise exception 'an event needs at least one price tier to be published'
      using errcode = 'EVTIR', hint = 'Add a price tier with add_price_tier first.';
  end if;
  if v_event.starts_at <= now() then
    raise exception 'the event has already started and cannot be published'
      using errcode = 'EVSTR', column = 'starts_at', hint = 'Move starts_at into the future with update_event first.';
  end if;

  update app_public.event e
  set status = 'published', published_at = now()
  where e.id = v_event.id
  returning * into v_event;

  perform app_hidden.record_change(
    'event', v_event.id, 'EventPublished', 'event.publish', 'event',
    app_hidden.event_data(v_event) || jsonb_build_object('priceTiers', app_hidden.event_price_tiers_data(v_event.id))
  );
  -- The crew issue enqueues the AssignCrew job here when crew_required (same transaction).
  return v_event;
end;
$$;
comment on function app_public.publish_event(uuid) is
  E'Publishes a draft event (its organizer, or an admin): from now on everyone sees it and may book. Errors: 28000, 42501, P0002, 55000 (not a draft), EVTIR (no price tier), EVSTR (already started).';

create function app_public.cancel_event(id uuid, reason text) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event := app_hidden.event_for_change(cancel_event.id);
  v_reason text := app_hidden.clean_text(cancel_event.reason);
  v_was_published boolean := v_event.status = 'published';
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

  update app_public.event e
  set status = 'canceled', cancel_reason = v_reason, canceled_at = now(), canceled_by = app_public.current_user_id()
  where e.id = v_event.id
  returning * into v_event;

  -- The bookings issue cancels the live bookings of this event here, in bulk
  -- and idempotently, and enqueues refunds of the paid ones; the crew issue
  -- enqueues ReleaseCrew when a crew was assigned.

  perform app_hidden.record_change(
    'event', v_event.id, 'EventCanceled', 'event.cancel', 'event',
    jsonb_build_object(
      'reason', v_reason,
      'canceledBy', v_event.canceled_by,
      'wasPublished', v_was_published,
      'event', app_hidden.event_data(v_event)
    )
  );
  return v_event;
end;
$$;
comment on function app_public.cancel_event(uuid, text) is
  E'Cancels a draft or published event (its organizer, or an admin) with a reason shown to participants. Canceling a canceled event again returns it unchanged. Errors: 28000, 42501, P0002, 22023 (reason), 55000 (completed).';

create function app_hidden.complete_ended_events() returns integer
  language plpgsql volatile
as $$
declare
  v_event app_public.event;
  v_count integer := 0;
begin
  -- skip locked: several workers may run this at once without waiting on each other.
  for v_event in
    select * from app_public.event e
    where e.status = 'published' and e.ends_at <= now()
    order by e.ends_at, e.id
    for update skip locked
  loop
    update app_public.event e set status = 'completed' where e.id = v_event.id returning * into v_event;
    perform app_hidden.record_change(
      'event', v_event.id, 'EventCompleted', 'event.complete', 'event', app_hidden.event_data(v_event)
    );
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function app_hidden.complete_ended_events() is
  E'Marks published events whose ends_at has passed as completed, each with an EventCompleted outbox message; returns how many. Run by the worker''s cron as the owner (not executable by clients).';

--------------------------------------------------------------------------------
-- Use cases: favorites
--------------------------------------------------------------------------------

create function app_public.add_favorite(event_id uuid) returns app_public.favorite
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event app_public.event;
  v_favorite app_public.favorite;
begin
  select * into v_event from app_public.event e where e.id = add_favorite.event_id;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception 'event not found' using errcode = 'P0002';
  end if;

  insert into app_public.favorite (user_id, event_id)
  values (v_user_id, v_event.id)
  on conflict on constraint favorite_pkey do nothing
  returning * into v_favorite;

  if v_favorite is null then
    -- Already a favorite: same answer, nothing new to announce.
    select * into v_favorite from app_public.favorite f where f.user_id = v_user_id and f.event_id = v_event.id;
    return v_favorite;
  end if;

  perform app_hidden.record_change(
    'event', v_event.id, 'FavoriteAdded', 'favorite.add', 'favorite',
    jsonb_build_object('userId', v_user_id, 'eventId', v_event.id),
    format('(%s,%s)', v_user_id, v_event.id)
  );
  return v_favorite;
end;
$$;
comment on function app_public.add_favorite(uuid) is
  E'Adds an event the caller can see to their favorites; adding it again returns the same favorite. Errors: 28000, P0002.';

create function app_public.remove_favorite(event_id uuid) returns boolean
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
begin
  delete from app_public.favorite f where f.user_id = v_user_id and f.event_id = remove_favorite.event_id;
  if not found then
    return false;
  end if;
  perform app_hidden.record_change(
    'event', remove_favorite.event_id, 'FavoriteRemoved', 'favorite.remove', 'favorite',
    jsonb_build_object('userId', v_user_id, 'eventId', remove_favorite.event_id),
    format('(%s,%s)', v_user_id, remove_favorite.event_id)
  );
  return true;
end;
$$;
comment on function app_public.remove_favorite(uuid) is
  E'Removes an event from the caller''s favorites; true when it was there, false otherwise. Errors: 28000.';

create function app_public.my_favorite_events() returns setof app_public.event
  language plpgsql stable
as $$
begin
  perform app_hidden.assert_signed_in();
  return query
    select e.*
    from app_public.favorite f
    join app_public.event e on e.id = f.event_id
    where f.user_id = app_public.current_user_id()
    order by f.created_at desc, e.id;
end;
$$;
comment on function app_public.my_favorite_events() is
  E'The caller''s favorite events that they can still see, most recently added first. Errors: 28000.';

--------------------------------------------------------------------------------
-- Computed columns (PostGraphile exposes event_xxx(e) as event.xxx)
--------------------------------------------------------------------------------

create function app_public.event_seats_available(e app_public.event) returns integer
  language sql stable
as $$
  select greatest(e.capacity - e.seats_taken, 0);
$$;
comment on function app_public.event_seats_available(app_public.event) is
  E'Seats still free (capacity minus seats taken).';

create function app_public.event_distance_km(
  e app_public.event,
  latitude double precision,
  longitude double precision
) returns double precision
  language sql stable
as $$
  select app_hidden.distance_km(event_distance_km.latitude, event_distance_km.longitude, e.latitude, e.longitude);
$$;
comment on function app_public.event_distance_km(app_public.event, double precision, double precision) is
  E'Distance in kilometres from the given point to the event''s meeting point; null when the event has no coordinates.';

create function app_public.event_is_favorite(e app_public.event) returns boolean
  language sql stable
as $$
  select exists (
    select from app_public.favorite f
    where f.event_id = e.id and f.user_id = app_public.current_user_id()
  );
$$;
comment on function app_public.event_is_favorite(app_public.event) is
  E'Whether the caller keeps this event in their favorites (false for anonymous callers).';

create function app_public.event_price_tier_seats_available(t app_public.event_price_tier) returns integer
  language sql stable
as $$
  select t.quota - t.seats_taken;
$$;
comment on function app_public.event_price_tier_seats_available(app_public.event_price_tier) is
  E'Seats this tier may still sell under its own quota; null when the tier has no quota (the event''s free seats apply).';

--------------------------------------------------------------------------------
-- Use case: search the catalog
--------------------------------------------------------------------------------

create function app_public.search_events(
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
      and (not coalesce(only_available, false) or (e.status = 'published' and e.seats_taken < e.capacity))
    order by e.starts_at, e.id;
end;
$$;
comment on function app_public.search_events(text, timestamptz, timestamptz, text, double precision, double precision, double precision, boolean) is
  E'The catalog: events the caller may see, ordered by start time. Filters (all optional): category id; start time between starts_from and starts_to (inclusive); free text in title, location and description (web-search syntax: words, "quoted phrase", -not, or); within radius_km of a point; only_available = published events with free seats. Errors: 22023 (argument named), EVDAT (starts_to before starts_from).';

--------------------------------------------------------------------------------
-- Execute grants (nothing is executable by PUBLIC; see default privileges)
--------------------------------------------------------------------------------

-- Everything in app_public is executable by both client roles. Reads are
-- filtered by RLS; every write function starts with app_hidden.assert_signed_in()
-- (through assert_event_manager / event_for_change), so an anonymous caller gets
-- a clear 28000 "sign in first" (UNAUTHENTICATED) rather than PostgreSQL's
-- "permission denied for function" (which would read as PERMISSION_DENIED),
-- and never gets further: the check also refuses the anonymous role outright.
grant execute on function
  app_public.current_user_id(),
  app_public.current_user_roles(),
  app_public.has_role(text),
  app_public.search_events(text, timestamptz, timestamptz, text, double precision, double precision, double precision, boolean),
  app_public.event_seats_available(app_public.event),
  app_public.event_distance_km(app_public.event, double precision, double precision),
  app_public.event_is_favorite(app_public.event),
  app_public.event_price_tier_seats_available(app_public.event_price_tier),
  app_public.my_favorite_events(),
  app_public.create_event(text, text, text, text, double precision, double precision, timestamptz, timestamptz, integer, integer, boolean, app_public.price_tier_input[]),
  app_public.update_event(uuid, text, text, text, text, double precision, double precision, timestamptz, timestamptz, integer, integer, boolean),
  app_public.add_price_tier(uuid, text, numeric, text, integer),
  app_public.update_price_tier(uuid, text, numeric, integer, boolean),
  app_public.remove_price_tier(uuid),
  app_public.publish_event(uuid),
  app_public.cancel_event(uuid, text),
  app_public.add_favorite(uuid),
  app_public.remove_favorite(uuid)
to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- Helpers the invoker (read) functions call as the caller.
grant execute on function
  app_hidden.clean_text(text),
  app_hidden.distance_km(double precision, double precision, double precision, double precision),
  app_hidden.assert_signed_in()
to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- Not granted (owner only): app_hidden.record_change, complete_ended_events,
-- event_for_change, assert_event_manager, assert_event_valid,
-- assert_event_editable, insert_price_tier, event_is_visible, the *_data
-- snapshots and jsonb_changes; they run inside the security-definer functions
-- (as the owner) or in the worker.
