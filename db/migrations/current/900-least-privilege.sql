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
