--! Previous: sha1:df3d7d4dc2885296bbbb2c44ed9682de8b1e86d7
--! Hash: sha1:141f48f8b05f66ff4408182e14eeb7a139e6168c
--! Message: plans at scale, planner statistics, catalog rating order

--! split: 1-current.sql
-- Enter migration here
-- One file per topic beside this one (NNN-topic.sql, applied in number order);
-- npm run db:commit joins them into the next committed migration.

--! split: 200-booking-limits-plan.sql
/*
 * The anti-hoarding counts read the caller's own bookings and nothing else,
 * with or without planner statistics (see the comment in the function).
 */
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

  -- Every count in one pass over the caller's own bookings: unpaid holds
  -- (those past their payment deadline are about to expire and do not count),
  -- overall and for this organizer, and for the cool-down the bookings of this
  -- event the user ended (canceled themselves) or let lapse lately; an
  -- organizer's cancellation does not count.
  --
  -- The WHERE names the user and nothing an index of other rows could serve:
  -- only booking_user_id_idx matches, whatever the statistics say. With the
  -- event's bookings in an OR beside it, a server that had not analyzed the
  -- table (autovacuum off, or a fresh database) planned a bitmap OR that read
  -- all of booking_event_id_user_id_key (every live booking of every event)
  -- plus every canceled or expired booking of the event: work growing with
  -- the whole table, on every booking. The event row is read for pending
  -- bookings only (their organizer).
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
  left join app_public.event pe on pe.id = b.event_id and b.status = 'pending_payment'
  where b.user_id = assert_booking_limits.user_id;

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
  E'The anti-hoarding rules of a new booking, from app_private.setting (read once): BKMAX (seats per booking), BKCDN (cool-down after repeated cancel/lapse on the event), BKPEN (unpaid bookings overall), BKPOR (unpaid bookings for the organizer''s events), counted in one query over the caller''s own bookings (booking_user_id_idx, whatever the statistics). Reads only; create_booking serializes a user''s bookings first so the counts hold under concurrency.';

--! split: 210-analyze-stale-tables.sql
/*
 * Planner statistics when the server's autovacuum does not keep them.
 *
 * A server with autovacuum off (this project's CI machine has it off; some
 * managed or hand-tuned servers do) never analyzes a table, and the planner
 * then guesses from page counts and default selectivities: plans that scan
 * whole indexes on every call (test/db/app_public/hot_path_scaling.test.ts
 * shows one such call). The worker's analyze_stale_tables task (every
 * minute, tasks/crontab) runs this function, which analyzes the service's
 * tables that autovacuum would have analyzed: those it does not look after
 * (off for the server, or for the table by its storage parameter) and that
 * changed past autovacuum's own analyze threshold (autovacuum_analyze_threshold
 * + autovacuum_analyze_scale_factor × rows, the server's settings). Where
 * autovacuum runs, this does nothing.
 *
 * ANALYZE takes a SHARE UPDATE EXCLUSIVE lock (reads and writes go on) and
 * samples at most 300 × default_statistics_target rows, so a run is bounded by
 * max_tables whatever the tables' sizes. It does not VACUUM (not possible in a
 * function, nor the worker's business): dead rows still need autovacuum or a
 * DBA's VACUUM (docs/database.md).
 */
create or replace function app_hidden.analyze_stale_tables(max_tables integer default 5) returns setof regclass
  language plpgsql volatile
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_server_autovacuum boolean := current_setting('autovacuum')::boolean;
  v_threshold real := current_setting('autovacuum_analyze_threshold')::real;
  v_scale real := current_setting('autovacuum_analyze_scale_factor')::real;
  v_table regclass;
begin
  if max_tables is null or max_tables < 1 then
    raise exception 'max_tables must be at least 1' using errcode = '22023', column = 'max_tables';
  end if;
  for v_table in
    select s.relid::regclass
    from pg_stat_user_tables s
    join pg_class c on c.oid = s.relid
    where s.schemaname in ('app_public', 'app_private')
      and c.relkind = 'r'
      and not (v_server_autovacuum and coalesce(
        (select o.option_value::boolean
         from pg_options_to_table(c.reloptions) o
         where o.option_name = 'autovacuum_enabled'), true))
      and s.n_mod_since_analyze > v_threshold + v_scale * greatest(c.reltuples, 0)
    order by s.n_mod_since_analyze desc
    limit max_tables
  loop
    execute format('analyze %s', v_table);
    return next v_table;
  end loop;
end;
$$;
comment on function app_hidden.analyze_stale_tables(integer) is
  E'Analyzes (at most max_tables of) the service''s tables that autovacuum does not look after (off for the server or the table) and that changed past the server''s autovacuum analyze threshold; returns them. Does nothing where autovacuum runs. Run every minute by the worker''s analyze_stale_tables task as the owner.';

--! split: 220-expiry-plans.sql
/*
 * The expiry batch without a temporary table and with plans that do not
 * read the whole booking table.
 *
 * Before: the locked batch joined back to app_public.booking through a CTE;
 * once the table had statistics the planner expected the LIMIT's 500 rows
 * and hashed the whole table (a sequential scan of every booking, each
 * batch, even for one overdue booking: 1,268 buffers at 60k bookings,
 * test/db/app_public/hot_path_scaling.test.ts). And every call created and
 * dropped a temporary table: catalog rows written and left dead each
 * minute, which only autovacuum cleans (off on some servers).
 *
 * Now the batch's ids and the expired rows travel in arrays: the update
 * finds its rows by primary key (id = any(array)), the counters by theirs,
 * whatever the statistics. Same steps, same lock order as before: the
 * bookings (SKIP LOCKED, deadline order), then the event counters, the tier
 * counters and the promo codes, each in key order, last.
 */
create or replace function app_hidden.expire_overdue_bookings(batch integer default 500) returns integer
  language plpgsql volatile
as $$
declare
  v_due uuid[];
  v_expired app_public.booking[];
  v_events uuid[];
  v_event_seats integer[];
  v_tiers uuid[];
  v_tier_seats integer[];
  v_promos uuid[];
  v_promo_uses integer[];
begin
  -- The batch: the oldest overdue pending bookings that nobody else holds.
  select array_agg(d.id) into v_due
  from (
    select b.id
    from app_public.booking b
    where b.status = 'pending_payment' and b.payment_deadline <= now()
    order by b.payment_deadline, b.id
    limit greatest(coalesce(expire_overdue_bookings.batch, 500), 1)
    for update skip locked
  ) d;
  if v_due is null then
    return 0;
  end if;

  with expired as (
    update app_public.booking b
    set status = 'expired', expired_at = now()
    where b.id = any(v_due) and b.status = 'pending_payment'
    returning b.*
  )
  select array_agg(row(e.*)::app_public.booking order by e.id) into v_expired from expired e;

  insert into app_private.audit_log (actor_id, actor_roles, action, table_name, row_id, details, request_id)
  select app_public.current_user_id(), app_public.current_user_roles(), 'booking.expire', 'booking', x.id::text,
         app_hidden.booking_data(x), nullif(current_setting('app.request_id', true), '')
  from unnest(v_expired) x;
  insert into app_private.outbox (aggregate_type, aggregate_id, event_type, actor_id, data)
  select 'booking', x.id, 'BookingExpired', app_public.current_user_id(), app_hidden.booking_data(x)
  from unnest(v_expired) x
  order by x.id;

  -- Last (as in create_booking), so the counter rows stay locked only from
  -- here to the commit: seats and promo uses come back, one update per
  -- counter row, each kind locked in key order.
  select array_agg(s.event_id order by s.event_id), array_agg(s.seats order by s.event_id)
  into v_events, v_event_seats
  from (select x.event_id, sum(x.quantity)::integer as seats from unnest(v_expired) x group by x.event_id) s;
  perform from app_public.event_seat_counter c
  where c.event_id = any(v_events) order by c.event_id for no key update;
  update app_public.event_seat_counter c set seats_taken = c.seats_taken - s.seats
  from unnest(v_events, v_event_seats) as s(event_id, seats)
  where c.event_id = s.event_id and c.event_id = any(v_events);

  select array_agg(s.price_tier_id order by s.price_tier_id), array_agg(s.seats order by s.price_tier_id)
  into v_tiers, v_tier_seats
  from (select x.price_tier_id, sum(x.quantity)::integer as seats from unnest(v_expired) x group by x.price_tier_id) s;
  perform from app_public.price_tier_seat_counter c
  where c.price_tier_id = any(v_tiers) order by c.price_tier_id for no key update;
  update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - s.seats
  from unnest(v_tiers, v_tier_seats) as s(price_tier_id, seats)
  where c.price_tier_id = s.price_tier_id and c.price_tier_id = any(v_tiers);

  select array_agg(s.promo_code_id order by s.promo_code_id), array_agg(s.uses order by s.promo_code_id)
  into v_promos, v_promo_uses
  from (
    select x.promo_code_id, count(*)::integer as uses from unnest(v_expired) x
    where x.promo_code_id is not null group by x.promo_code_id
  ) s;
  if v_promos is not null then
    perform from app_public.promo_code pc where pc.id = any(v_promos) order by pc.id for no key update;
    update app_public.promo_code pc set uses = pc.uses - s.uses
    from unnest(v_promos, v_promo_uses) as s(id, uses)
    where pc.id = s.id and pc.id = any(v_promos);
  end if;

  return coalesce(array_length(v_expired, 1), 0);
end;
$$;
comment on function app_hidden.expire_overdue_bookings(integer) is
  E'Expires up to `batch` pending bookings whose payment deadline has passed, set-based (seats and promo uses given back, BookingExpired each); returns how many. Safe to run in several workers at once (SKIP LOCKED). Finds every row by primary key (ids in arrays), so a batch does not read the table whatever the statistics. Run by the worker''s expire_bookings task as the owner, one batch per transaction.';

--! split: 230-sql-function-calls.sql
/*
 * Helpers on the booking path that PostgreSQL could neither inline nor
 * cache.
 *
 * A LANGUAGE sql function is inlined into the calling query only when its
 * body is a bare expression (no FROM, no sub-select) and it has no SET
 * clause. Otherwise every call site re-parses and re-plans the body once per
 * execution of the calling statement, and for a PL/pgSQL caller that is
 * once per call: in a profile of create_booking (perf, one backend, 1,200
 * bookings) that work (fmgr_sql) was 13 % of the backend's CPU, planning
 * 9 %. PL/pgSQL caches its plans for the session instead, and a bare
 * expression is inlined. So:
 *   - event_seats_taken, event_price_tier_seats_taken, booking_hold (each a
 *     sub-select on a one-row lookup) become PL/pgSQL with the same answer;
 *   - text_violation (a bare expression, run by the CHECK of every text
 *     column on every write) loses its SET search_path, which alone blocked
 *     the inlining: pg_catalog.substring is named in full instead, so no
 *     search path can change what it calls.
 * After: fmgr_sql gone from the profile, planning 4.9 %.
 */
create or replace function app_hidden.text_violation(value text, multiline boolean) returns text
  language sql immutable parallel safe
as $$
  select pg_catalog.substring(
    value,
    case
      when multiline then '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]'
      else '[\u0001-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]'
    end)
$$;
-- CREATE OR REPLACE keeps the SET clause of the function it replaces.
alter function app_hidden.text_violation(text, boolean) reset all;

create or replace function app_public.event_seats_taken(e app_public.event) returns integer
  language plpgsql stable
as $$
begin
  return coalesce((select c.seats_taken from app_public.event_seat_counter c where c.event_id = e.id), 0);
end;
$$;

create or replace function app_public.event_price_tier_seats_taken(t app_public.event_price_tier) returns integer
  language plpgsql stable
as $$
begin
  return coalesce((select c.seats_taken from app_public.price_tier_seat_counter c where c.price_tier_id = t.id), 0);
end;
$$;

create or replace function app_hidden.booking_hold() returns interval
  language plpgsql stable
as $$
begin
  return make_interval(mins => coalesce(
    (select s.value::integer from app_private.setting s where s.key = 'booking_hold_minutes'),
    30
  ));
end;
$$;

-- The CHECK of every text column calls this on every insert and update,
-- nullable columns included (a booking's cancel_reason is null until it is
-- canceled). Null text holds no bad character: STRICT answers null (the
-- CHECK passes) without entering PL/pgSQL and its SET search_path.
alter function app_hidden.assert_clean_text(text, text, boolean) strict;
comment on function app_hidden.assert_clean_text(text, text, boolean) is
  E'CHECK constraint body for user-visible text: true, or raises TXCHR naming the column (field) and the character (U+XXXX); null for null text (STRICT: not called at all). Immutable: depends on the value only.';

--! split: 240-event-visible-probe.sql
/*
 * The RLS probe of price tiers and seat counters, cheap per row.
 *
 * The policies of event_price_tier, event_seat_counter and
 * price_tier_seat_counter ask app_hidden.event_visible(event_id) for every
 * row they show: an opaque primary-key probe of the event under its own
 * policy, so the planner never turns it into a join over all events. As a
 * LANGUAGE sql function with a SET search_path it was neither inlined nor
 * cached: each row paid the search-path switch and the SQL-function call,
 * ~0.45 ms a row (100 seat reads: 45 ms as anonymous, load ~6), most of a
 * catalog page of 50 events with their tiers' free seats. PL/pgSQL keeps
 * the probe's plan for the session: 1.2-2.2 ms for the same 100 rows. The
 * body names its table and its operator in full, so no search path can
 * change what it runs, and it needs no SET clause.
 */
create or replace function app_hidden.event_visible(event_id uuid) returns boolean
  language plpgsql stable parallel safe
as $$
begin
  -- Under the event's own RLS policy: true exactly when the caller may see it.
  return exists (select from app_public.event e where e.id operator(pg_catalog.=) event_visible.event_id);
end;
$$;
-- CREATE OR REPLACE keeps the SET clause of the function it replaces.
alter function app_hidden.event_visible(uuid) reset all;
comment on function app_hidden.event_visible(uuid) is
  E'Whether the caller can see this event (its RLS policy), by a primary-key probe: what the policies of tiers and seat counters ask per row. PL/pgSQL so the probe''s plan is kept for the session (a SQL function with SET re-planned it per row).';

--! split: 300-catalog-rating-order.sql
/*
 * Best rated first stops after the page (docs/catalog.md "How it stays fast").
 *
 * The rating sort reads app_hidden.event_stats in rating order and probes
 * each event for the filters (published, upcoming, …). Ratings come from
 * reviews, which come after an event, so the rated events are nearly all
 * completed ones: the scan walked all of them (15,500 at 100k events) before
 * it reached the first upcoming event. The stats row now carries the event's
 * status (kept by a trigger on app_public.event; rarely changes), a partial
 * index holds the ratings of published events only, and search_events states
 * the status condition on the stats row too, so the index hands over
 * published events best first and the scan stops at LIMIT. Same rows, same
 * order (the order is the one the old index gave; the condition is
 * equivalent to the event's own). Other sorts are unchanged.
 *
 * Idempotent: re-applied on every change during development.
 */

--------------------------------------------------------------------------------
-- The event's status on its stats row
--------------------------------------------------------------------------------

alter table app_hidden.event_stats add column if not exists status app_public.event_status;
comment on column app_hidden.event_stats.status is
  E'The event''s status, kept equal to app_public.event.status by a trigger: lets a rating sort read the ratings of published events from their own index (event_stats_published_rating_idx).';

-- A stats row is inserted with its event (tg_event__stats); the refresh
-- functions insert one only as a repair, now with the event's status, and
-- insert nothing for an event that is gone (being deleted: cascade).
create or replace function app_private.refresh_event_price(event_id uuid) returns void
  language sql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  insert into app_hidden.event_stats as s (event_id, status, min_price, currency)
  select e.id, e.status, p.min_price, p.currency
  from app_public.event e
  cross join lateral (
    select min(t.price) as min_price, min(t.currency) as currency
    from app_public.event_price_tier t where t.event_id = e.id
  ) p
  where e.id = refresh_event_price.event_id
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
    (event_id, status, rating_count, rating_average, one_star, two_stars, three_stars, four_stars, five_stars)
  select e.id, e.status, r.n, r.average, r.s1, r.s2, r.s3, r.s4, r.s5
  from app_public.event e
  cross join lateral (
    select count(*) as n, round(avg(v.rating), 2)::double precision as average,
      count(*) filter (where v.rating = 1) as s1, count(*) filter (where v.rating = 2) as s2,
      count(*) filter (where v.rating = 3) as s3, count(*) filter (where v.rating = 4) as s4,
      count(*) filter (where v.rating = 5) as s5
    from app_public.review v
    where v.event_id = e.id and v.status = 'active'
  ) r
  where e.id = refresh_event_rating.event_id
  on conflict (event_id) do update set
    rating_count = excluded.rating_count, rating_average = excluded.rating_average,
    one_star = excluded.one_star, two_stars = excluded.two_stars, three_stars = excluded.three_stars,
    four_stars = excluded.four_stars, five_stars = excluded.five_stars;
$$;
comment on function app_private.refresh_event_rating(uuid) is
  E'Recomputes the active-review rating counts of one event into app_hidden.event_stats.';

create or replace function app_private.tg_event__stats() returns trigger
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    insert into app_hidden.event_stats (event_id, status) values (new.id, new.status)
    on conflict (event_id) do update set status = excluded.status;
  elsif new.status is distinct from old.status then
    update app_hidden.event_stats set status = new.status where event_id = new.id;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_event__stats() is
  E'Trigger: every event has its app_hidden.event_stats row from the start (search joins it), carrying the event''s status.';

drop trigger if exists _900_stats on app_public.event;
create trigger _900_stats
  after insert or update of status on app_public.event
  for each row execute function app_private.tg_event__stats();

-- Backfill (and repair, when re-applied), then required.
update app_hidden.event_stats s set status = e.status
from app_public.event e
where e.id = s.event_id and s.status is distinct from e.status;
alter table app_hidden.event_stats alter column status set not null;

-- Best rated first among published events (the default listing's status):
-- the ORDER BY of the rating sort, (rating desc nulls last, id).
create index if not exists event_stats_published_rating_idx on app_hidden.event_stats (rating_average desc nulls last, event_id)
  where status = 'published';
comment on index app_hidden.event_stats_published_rating_idx is
  E'Ratings of published events, best first: search_events(sort => rating) reads it in order and stops after the page.';

--------------------------------------------------------------------------------
-- search_events: the rating sort states the status on the stats row too
--------------------------------------------------------------------------------

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
    -- Best rated first: the same status condition on the stats row (which carries
    -- the event's status, kept by trigger), so the rating order can come from the
    -- index of published events' ratings (event_stats_published_rating_idx) and
    -- the scan stops after the page instead of walking every rated event (nearly
    -- all completed) first. Other sorts: folds to true.
    and (args.sort <> 'rating' or s.status = any (coalesce(search_events.statuses, '{published}')))
    -- Time: upcoming by default; an explicit instant or day range replaces that.
    and (search_events.starts_from is not null or search_events.date_from is not null or search_events.starts_to is not null
         or search_events.date_to is not null or e.starts_at >= now())
    and (search_events.starts_from is null or e.starts_at >= search_events.starts_from)
    and (search_events.starts_to is null or e.starts_at <= search_events.starts_to)
    -- Whole local days, inclusive, in each event's own time zone.
    and (search_events.date_from is null or e.starts_on >= search_events.date_from)
    and (search_events.date_to is null or e.starts_on <= search_events.date_to)
    and (search_events.category is null or e.category = search_events.category)
    -- One organizer's events, as a range rather than `x is null or e.organizer_id = x`:
    -- the same rows (organizer_id is never null), but an index condition even when
    -- the organizer is an expression the planner cannot fold, as in an
    -- organizer's own dashboard (organizer_id => app_public.current_user_id()).
    -- CASE, not COALESCE: RLS lets only conditions it knows leak nothing reach
    -- the index, and PostgreSQL does not vouch for COALESCE (it does for CASE).
    and e.organizer_id >= case when search_events.organizer_id is null
                          then '00000000-0000-0000-0000-000000000000'::uuid else search_events.organizer_id end
    and e.organizer_id <= case when search_events.organizer_id is null
                          then 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid else search_events.organizer_id end
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
    -- Distance within a radius. (A radius without a point is refused by the
    -- check above; the `near_latitude is null` arm keeps this condition from
    -- folding to a constant false that would skip the check.)
    and (search_events.radius_km is null or search_events.near_latitude is null or search_events.near_longitude is null
         -- Nearest first: the GiST index hands events over nearest first (KNN,
         -- the ORDER BY below) and the scan stops at LIMIT; the latitude band
         -- of the circle (an index condition, see event_earth_point_knn_idx)
         -- bounds it when fewer events than asked lie inside. The exact
         -- great-circle test runs on the rows the scan yields.
         or (args.sort = 'distance'
             and e.latitude between (app_hidden.latitude_band(search_events.near_latitude, search_events.radius_km))[1]
                                and (app_hidden.latitude_band(search_events.near_latitude, search_events.radius_km))[2]
             and app_hidden.within_km(search_events.near_latitude, search_events.near_longitude, e.latitude, e.longitude, search_events.radius_km))
         -- Other sorts rank every event in the circle anyway: the GiST index's box,
         -- then the exact great-circle distance (event_ids_near).
         or (args.sort <> 'distance'
             and e.id = any (array(select app_hidden.event_ids_near(
              search_events.near_latitude, search_events.near_longitude, search_events.radius_km,
              coalesce(search_events.statuses, '{published}'),
              case when coalesce(search_events.starts_from, search_events.starts_to, search_events.date_from, search_events.date_to) is null
                then now() else coalesce(search_events.starts_from, '-infinity') end)))))
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
    -- Distance, then id as three integers: every key one the GiST index
    -- (event_earth_point_knn_idx) produces itself, so it hands rows over in
    -- this order and the scan stops at LIMIT. (distance, id parts) orders
    -- exactly as (distance, id), which the keyset compares.
    case when args.sort = 'distance' then app_hidden.earth_point(e.latitude, e.longitude)
      operator(public.<->) app_hidden.earth_point(search_events.near_latitude, search_events.near_longitude) end,
    case when args.sort = 'distance' then app_hidden.uuid_part(e.id, 1) operator(public.<->) 0::bigint end,
    case when args.sort = 'distance' then app_hidden.uuid_part(e.id, 2) operator(public.<->) 0::bigint end,
    case when args.sort = 'distance' then app_hidden.uuid_part(e.id, 3) operator(public.<->) 0::bigint end,
    case when args.sort = 'relevance' then
      app_hidden.event_sort_key(args.sort, e.id, e.search_vector, e.title, e.latitude, e.longitude,
        s.min_price, s.rating_average, args.tsq, search_events.query, search_events.near_latitude, search_events.near_longitude)
    end,
    -- The tie-break of the other sorts (for distance it folds away: the index
    -- could not produce it, see above).
    case when args.sort <> 'distance' then e.id end;
$$;
comment on function app_public.search_events(text, text, app_public.event_status[], timestamptz, timestamptz, date, date, numeric, numeric, boolean, uuid, double precision, double precision, double precision, app_public.event_sort, uuid) is
  E'The catalog: events the caller may see. By default published events that have not started yet, soonest first (best match first with a query). Filters (all optional): query (Russian/English words in any form, ё = е, the last word as a prefix, a close spelling of the title for short queries; web-search syntax "phrase", -word, or), category, statuses (default published; drafts only for their organizer and admins), starts_from/starts_to (instants, inclusive), date_from/date_to (whole local days in each event''s time zone, inclusive), min_price/max_price (cheapest tier), only_available (bookable now: published, before the booking deadline, a seat free), organizer_id, near_latitude/near_longitude with radius_km (great circle). sort: relevance, start, price, price_desc, distance, rating, popularity. Keyset paging: after_event_id = the last event of the previous page (stable at any depth). Errors: 22023 (argument named), EVDAT (range ends before it starts).';

--! split: 400-complete-ended-events.sql
/*
 * complete_ended_events finds the published events that have ended by an
 * index of published events in end order, whatever the statistics.
 *
 * Before: no index had ends_at, so each run (every minute) read every
 * published event through event_status_starts_at_idx and filtered on
 * ends_at: work growing with the catalog of events still ahead
 * (test/db/app_public/member_paths_scaling.test.ts: 116 -> 338 buffers with
 * 3,000 published events ahead never analyzed, 497 analyzed). The partial
 * index holds published events only, so its range "ends_at <= now()" is the
 * ended ones and nothing else, in the function's order (ends_at, id).
 */
create index if not exists event_published_ends_at_idx on app_public.event (ends_at, id)
  where status = 'published';
comment on index app_public.event_published_ends_at_idx is
  E'Published events in end order: complete_ended_events reads the ended ones only (a range, whatever the statistics).';

--! split: 410-favorites-own-rows.sql
/*
 * A member's favorites are read through the primary key (user_id, event_id),
 * whatever the statistics.
 *
 * Before: the policy compared user_id "in (select current_user_id())". A
 * sub-select in a policy stays a (hashed) sub-plan the planner cannot use
 * as an index condition, so a list without its own user_id condition
 * (GraphQL allFavorites) read every member's favorites: 1 -> 334 buffers
 * with 40,000 favorites of others (test/db/app_public/member_paths_scaling.test.ts).
 * "= (select ...)" is a value computed once (an init plan), which the
 * primary key's first column serves.
 *
 * my_favorite_events joined favorite to event; a database that had never
 * been analyzed hashed the whole event table for it (3 -> 358 buffers with
 * 6,000 events of others). Each event is now read by its primary key
 * beside the favorite (a lateral sub-select with LIMIT is never flattened
 * into a join), so the work is the caller's favorites.
 */
drop policy if exists select_own on app_public.favorite;
create policy select_own on app_public.favorite for select using (
  user_id = (select app_public.current_user_id())
);
comment on policy select_own on app_public.favorite is
  E'The caller''s own favorites (none for anonymous callers). "= (select ...)": one value, so favorite_pkey serves it.';

create or replace function app_public.my_favorite_events() returns setof app_public.event
  language plpgsql stable
as $$
begin
  perform app_hidden.assert_signed_in();
  return query
    select e.*
    from app_public.favorite f
    cross join lateral (select x.* from app_public.event x where x.id = f.event_id limit 1) e
    where f.user_id = app_public.current_user_id()
    order by f.created_at desc, e.id;
end;
$$;
comment on function app_public.my_favorite_events() is
  E'The caller''s favorite events that they can still see, most recently added first (each event by primary key: the work is the caller''s favorites). Errors: 28000.';

--! split: 420-review-rating-deltas.sql
/*
 * An event's rating summary changes by the review that changed, not by a
 * recount of all the event's reviews.
 *
 * Before: every review insert, edit, moderation or deletion ran
 * refresh_event_rating, which aggregated every active review of the event.
 * Work growing with other people's reviews of the same event, and worse: a
 * SQL function is planned with its argument unknown, so once the table had
 * statistics with a few much-reviewed events the planner expected thousands
 * of rows for any event and read the whole review table (test/db/app_public/
 * member_paths_scaling.test.ts: create_review 45 -> 405 buffers,
 * update_review 53 -> 406, delete_review 50 -> 403, with 20,000 reviews of
 * another event, analyzed). Two concurrent recounts could also each miss the other's
 * review and leave a stale count.
 *
 * Now the trigger adds the change to the five star counters under the
 * summary row's lock (one row by primary key) and derives the count and the
 * average from them: exact under concurrency, same values as a recount
 * (round(avg(rating), 2)). refresh_event_rating stays for a full recount
 * (repair); this file recounts once so the counters start exact.
 */
create or replace function app_private.add_event_rating(event_id uuid, rating integer, delta integer) returns void
  language plpgsql
  security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if rating is null or rating not between 1 and 5 or delta = 0 then
    return;
  end if;
  update app_hidden.event_stats s set
    one_star = s.one_star + case when add_event_rating.rating = 1 then add_event_rating.delta else 0 end,
    two_stars = s.two_stars + case when add_event_rating.rating = 2 then add_event_rating.delta else 0 end,
    three_stars = s.three_stars + case when add_event_rating.rating = 3 then add_event_rating.delta else 0 end,
    four_stars = s.four_stars + case when add_event_rating.rating = 4 then add_event_rating.delta else 0 end,
    five_stars = s.five_stars + case when add_event_rating.rating = 5 then add_event_rating.delta else 0 end,
    rating_count = s.rating_count + add_event_rating.delta,
    rating_average = case when s.rating_count + add_event_rating.delta > 0 then round(
      (s.one_star + 2 * s.two_stars + 3 * s.three_stars + 4 * s.four_stars + 5 * s.five_stars
       + add_event_rating.rating * add_event_rating.delta)::numeric / (s.rating_count + add_event_rating.delta), 2)::double precision end
  where s.event_id = add_event_rating.event_id;
  if not found then
    -- No summary row yet (an event from before the stats table): count once.
    perform app_private.refresh_event_rating(add_event_rating.event_id);
  end if;
end;
$$;
comment on function app_private.add_event_rating(uuid, integer, integer) is
  E'Adds delta (+1/-1) reviews of this rating to the event''s rating summary (app_hidden.event_stats, by primary key, under its row lock); recounts when the event has no summary row yet. Called by the review trigger.';
revoke all on function app_private.add_event_rating(uuid, integer, integer) from public;

create or replace function app_private.tg_review__stats() returns trigger
  language plpgsql
  security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- Only active reviews count; an edit that keeps the event, rating and
  -- status changes nothing.
  if tg_op = 'UPDATE' and new.event_id = old.event_id and new.rating = old.rating and new.status = old.status then
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') and old.status = 'active' then
    perform app_private.add_event_rating(old.event_id, old.rating, -1);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.status = 'active' then
    perform app_private.add_event_rating(new.event_id, new.rating, 1);
  end if;
  return null;
exception when foreign_key_violation then
  return null; -- the event itself is being deleted (cascade)
end;
$$;

comment on function app_private.tg_review__stats() is
  E'Trigger: adds a review''s change (insert, deletion, rating, status or event) to the rating counts of app_hidden.event_stats (add_event_rating), without reading the event''s other reviews.';

-- Once: the counters from the reviews, so the deltas start from exact figures.
with counts as (
  select s.event_id, count(r.id)::integer as n, round(avg(r.rating), 2)::double precision as average,
    (count(*) filter (where r.rating = 1))::integer as one, (count(*) filter (where r.rating = 2))::integer as two,
    (count(*) filter (where r.rating = 3))::integer as three, (count(*) filter (where r.rating = 4))::integer as four,
    (count(*) filter (where r.rating = 5))::integer as five
  from app_hidden.event_stats s
  left join app_public.review r on r.event_id = s.event_id and r.status = 'active'
  group by s.event_id
)
update app_hidden.event_stats s set
  rating_count = c.n, rating_average = c.average, one_star = c.one, two_stars = c.two, three_stars = c.three,
  four_stars = c.four, five_stars = c.five
from counts c
where s.event_id = c.event_id
  and (s.rating_count, s.rating_average, s.one_star, s.two_stars, s.three_stars, s.four_stars, s.five_stars)
      is distinct from (c.n, c.average, c.one, c.two, c.three, c.four, c.five);

--! split: 430-ticket-payment-policies.sql
/*
 * Reading a ticket, payment or refund checks that row's booking, not every
 * booking the caller may see.
 *
 * Before: these policies said "booking_id in (select b.id from booking b)"
 * (refund: via payment). A sub-select in a policy is planned on its own,
 * as a hashed sub-plan, and booking's own policy (the caller's bookings OR
 * those of the events they organize OR an admin) has no index condition: so
 * every read of a member's ticket, even by booking id, read the whole
 * booking table first (test/db/app_public/member_paths_scaling.test.ts:
 * GraphQL allTickets(condition: { bookingId }) 4 -> 822 buffers with 40,000
 * bookings of others, allPayments likewise, allRefunds(condition:
 * { paymentId }) 5 -> 1,999 with their refunds).
 *
 * Now each policy says the same in parts an index serves, whatever the
 * statistics: the caller's own bookings (booking_user_id_idx, computed
 * once), the row's event organized by the caller (that one event by primary
 * key), admins. Who sees what does not change.
 */
drop policy if exists select_visible_booking on app_public.ticket;
create policy select_visible_booking on app_public.ticket for select using (
  booking_id = any (array(select b.id from app_public.booking b where b.user_id = (select app_public.current_user_id())))
  or exists (select from app_public.event e where e.id = ticket.event_id and e.organizer_id = (select app_public.current_user_id()))
  or (select app_public.has_role('admin'))
);
comment on policy select_visible_booking on app_public.ticket is
  E'A ticket is visible exactly when its booking is: to the holder (the caller''s bookings, once by booking_user_id_idx), the event''s organizer (the ticket''s event by primary key) and admins.';

drop policy if exists select_visible on app_public.payment;
create policy select_visible on app_public.payment for select using (
  booking_id = any (array(select b.id from app_public.booking b where b.user_id = (select app_public.current_user_id())))
  or exists (
    select from app_public.booking b join app_public.event e on e.id = b.event_id
    where b.id = payment.booking_id and e.organizer_id = (select app_public.current_user_id())
  )
  or (select app_public.has_role('admin'))
);
comment on policy select_visible on app_public.payment is
  E'A payment is visible exactly when its booking is: to the booking''s user (the caller''s bookings, once by booking_user_id_idx), the event''s organizer (the row''s booking and event by primary key) and admins.';

drop policy if exists select_visible on app_public.refund;
create policy select_visible on app_public.refund for select using (
  exists (select from app_public.payment p where p.id = refund.payment_id)
);
comment on policy select_visible on app_public.refund is
  E'A refund is visible exactly when its payment is (that payment by primary key, under payment''s policies).';

/*
 * An event's tickets void ones included (gRPC ListTickets with event_id and
 * include_void, in its order): ticket_event_id_idx holds valid tickets only,
 * so such a page read every ticket of every event (5 -> 1,393 buffers with
 * 40,000 tickets of another event). This index serves the event and the
 * page's order; a page reads its own rows. Its predicate holds for every
 * row (event_id is not null) and any "event_id = ..." implies it: it is
 * partial only so that PostGraphile, which derives conditions and relations
 * from whole-table indexes, does not grow the GraphQL schema
 * (Event.ticketsByEventId, conditions on seat and version) from it.
 */
create index if not exists ticket_event_id_page_idx on app_public.ticket (event_id, booking_id, seat_no, version)
  where event_id is not null;
comment on index app_public.ticket_event_id_page_idx is
  E'An event''s tickets, void ones included, in ListTickets'' order (booking, seat, version). Partial (on a predicate every row meets) so the GraphQL schema does not change with it.';

--! split: 440-waitlist-tasks.sql
/*
 * The worker's waiting-list tasks find the events with someone waiting by
 * stepping from event to event in waitlist_entry_live_idx (status,
 * event_id), one index probe per event, not one row per waiting entry.
 *
 * Before: waitlist_events_to_offer (every minute) read every waiting entry
 * ("select distinct event_id") and end_closed_waitlists joined every
 * waiting entry to its counter, hashing one side whole when the tables had
 * not been analyzed (test/db/app_public/member_paths_scaling.test.ts: 5 ->
 * 391 buffers never analyzed, 638 analyzed, and 2 -> 385, with 20,000
 * members waiting for one sold-out event whose bookings are still open).
 * The work now follows the number of events with a waiting list; each
 * event's counter and row are read by primary key (a lateral sub-select
 * with LIMIT, never flattened into a hash join), and the entries to end by
 * their event (ids in an array).
 */
create or replace function app_hidden.waitlisted_event_ids() returns setof uuid
  language sql stable
as $$
  with recursive l(event_id) as (
    (select w.event_id from app_public.waitlist_entry w where w.status = 'waiting' order by w.event_id limit 1)
    union all
    select (select w.event_id from app_public.waitlist_entry w
            where w.status = 'waiting' and w.event_id > l.event_id
            order by w.event_id limit 1)
    from l
    where l.event_id is not null
  )
  select l.event_id from l where l.event_id is not null;
$$;
comment on function app_hidden.waitlisted_event_ids() is
  E'The events with at least one waiting entry, in id order: one probe of waitlist_entry_live_idx per event (a loose index scan), however many wait. Owner only.';
revoke all on function app_hidden.waitlisted_event_ids() from public;

create or replace function app_hidden.waitlist_events_to_offer() returns setof uuid
  language sql stable
as $$
  select l.event_id
  from app_hidden.waitlisted_event_ids() l(event_id)
  cross join lateral (
    select from app_public.event e
    join app_public.event_seat_counter c on c.event_id = e.id
    where e.id = l.event_id
      and e.waitlist_policy = 'first_come'
      and e.waitlist_paused_at is null
      and c.seats_taken < c.capacity
      and now() < c.bookable_until
    limit 1
  ) open
  order by l.event_id;
$$;
comment on function app_hidden.waitlist_events_to_offer() is
  E'The first_come events whose free seats the offer_waitlist_seats task offers to their list: taking bookings, not paused, seats free, entries waiting. Work follows the events with a waiting list (waitlisted_event_ids), each event and counter by primary key. Owner only.';

create or replace function app_hidden.end_closed_waitlists() returns integer
  language plpgsql volatile
as $$
declare
  v_entry app_public.waitlist_entry;
  v_count integer := 0;
  v_closed uuid[] := array(
    select l.event_id
    from app_hidden.waitlisted_event_ids() l(event_id)
    cross join lateral (
      select from app_public.event_seat_counter c
      where c.event_id = l.event_id and c.bookable_until <= now()
      limit 1
    ) closed
  );
begin
  if cardinality(v_closed) = 0 then
    return 0;
  end if;
  for v_entry in
    update app_public.waitlist_entry w
    set status = 'ended', end_reason = 'bookings_closed', ended_at = now()
    where w.event_id = any(v_closed) and w.status = 'waiting'
    returning w.*
  loop
    perform app_hidden.record_change(
      'waitlist', v_entry.id, 'WaitlistEnded', 'waitlist.end', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
    );
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function app_hidden.end_closed_waitlists() is
  E'Ends the waiting entries of events whose booking deadline has passed (end_reason bookings_closed, WaitlistEnded each); returns how many. Work follows the events with a waiting list (waitlisted_event_ids) and the entries it ends. Run by the expire_waitlist_offers task as the owner.';

--! split: 450-user-export-waitlist-line.sql
/*
 * A user's data export reads that user's rows, whatever the statistics.
 *
 * Before: payments, refunds and tickets were reached by joins to booking
 * (and payment); a database that had never been analyzed hashed the whole
 * payment, refund and ticket tables for them (test/db/app_public/
 * member_paths_scaling.test.ts: 51 -> 2,990 buffers with 40,000 bookings,
 * tickets, payments and refunds of others never analyzed, 138 analyzed).
 * Now the user's booking and payment ids are collected first (arrays) and
 * each table is read by them (= any(...)): the user's rows and their index
 * entries. Same document.
 */
create or replace function app_public.export_user_data(user_id uuid) returns jsonb
  language plpgsql stable security definer
  set search_path to pg_catalog, public
as $$
declare
  v_user uuid := export_user_data.user_id;
  v_bookings uuid[];
  v_payments uuid[];
begin
  perform app_hidden.assert_may_manage_user_data(v_user);
  -- The user's bookings and payments by id (arrays): their payments, refunds
  -- and tickets are then read by these ids, never by a join the planner
  -- could hash over whole tables.
  v_bookings := array(select b.id from app_public.booking b where b.user_id = v_user);
  v_payments := array(select p.id from app_public.payment p where p.booking_id = any(v_bookings));
  return jsonb_build_object(
    'userId', v_user,
    'exportedAt', now(),
    'bookings', coalesce((select jsonb_agg(to_jsonb(b) order by b.created_at) from app_public.booking b where b.user_id = v_user), '[]'),
    'payments', coalesce((select jsonb_agg(to_jsonb(p) - 'payment_url' order by p.created_at)
                          from app_public.payment p where p.id = any(v_payments)), '[]'),
    'refunds', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at)
                         from app_public.refund r where r.payment_id = any(v_payments)), '[]'),
    'reviews', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from app_public.review r where r.user_id = v_user), '[]'),
    'helpfulVotes', coalesce((select jsonb_agg(to_jsonb(v) order by v.created_at) from app_public.review_helpful_vote v where v.user_id = v_user), '[]'),
    'favorites', coalesce((select jsonb_agg(to_jsonb(f) order by f.created_at) from app_public.favorite f where f.user_id = v_user), '[]'),
    'waitlistEntries', coalesce((select jsonb_agg(to_jsonb(w) order by w.joined_at) from app_public.waitlist_entry w where w.user_id = v_user), '[]'),
    'tickets', coalesce((select jsonb_agg(jsonb_build_object('id', t.id, 'bookingId', t.booking_id, 'eventId', t.event_id, 'status', t.status, 'checkedInAt', t.checked_in_at) order by t.id)
                         from app_public.ticket t where t.booking_id = any(v_bookings)), '[]'),
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

/*
 * Pausing an event's offers counted the event's open offers with a plan
 * that, once analyzed, walked waitlist_entry_offer_expires_idx (the open
 * offers of every event) filtering on the event: 30 -> 119 buffers with
 * 5,000 offers open on another event. Counted now among the event's live
 * entries (status in waiting/offered: only waitlist_entry_live_key and
 * waitlist_entry_live_idx serve that), the event's own list.
 */
create or replace function app_public.pause_waitlist_offers(id uuid) returns app_public.event
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event := app_hidden.event_for_waitlist_change(pause_waitlist_offers.id);
begin
  if v_event.waitlist_paused_at is not null then
    return v_event; -- already paused
  end if;
  update app_public.event e set waitlist_paused_at = now() where e.id = v_event.id returning * into v_event;
  -- Wait for an offer in flight on this event: it commits before the pause does.
  perform from app_public.event_seat_counter c where c.event_id = v_event.id for no key update;
  perform app_hidden.record_change(
    'event', v_event.id, 'WaitlistOffersPaused', 'event.pause_waitlist', 'event',
    jsonb_build_object('eventId', v_event.id, 'pausedAt', v_event.waitlist_paused_at,
                       'openOffers', (select count(*) filter (where w.status = 'offered') from app_public.waitlist_entry w
                                      where w.event_id = v_event.id and w.status in ('waiting', 'offered')))
  );
  return v_event;
end;
$$;

/*
 * An event's waiting line: the waiting entries only, in line order. Serves
 * offer_freed_seats' first-in-line probe below and its walk down the line
 * (condition and order at once), without the list's history (left,
 * expired, accepted, ended entries), which waitlist_entry_event_id_joined_at_idx
 * holds too.
 */
create index if not exists waitlist_entry_waiting_line_idx on app_public.waitlist_entry (event_id, joined_at, id)
  where status = 'waiting';
comment on index app_public.waitlist_entry_waiting_line_idx is
  E'An event''s waiting entries in line order (offer_freed_seats): the line without the list''s history.';

/*
 * offer_freed_seats (at the commit of every seat freed on a list_first event,
 * on resume, by the first_come task) first asks whether anyone waits. In a
 * session that had run it a few times (the worker's, the API's), PL/pgSQL
 * kept a generic plan, which expected thousands of waiting rows for any
 * event (one event had 20,000) and chose a sequential scan that stops at the
 * first match: the whole table when nobody waits for this event
 * (member_paths_scaling.test.ts, analyzed: offer_freed_seats 55 -> 701
 * buffers, resume_waitlist_offers 39 -> 677). The question is now the first
 * in line by the line's own index.
 */
create or replace function app_hidden.offer_freed_seats(event_id uuid) returns integer
  language plpgsql
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
  if exists (select from app_public.event e
             where e.id = offer_freed_seats.event_id and e.waitlist_paused_at is not null) then
    return 0; -- the organizer paused offers
  end if;
  v_free := v_counter.capacity - v_counter.seats_taken;
  -- The first in line (waitlist_entry_waiting_line_idx, one probe). As an
  -- EXISTS, a generic plan expecting thousands of waiting rows for any event
  -- chose a sequential scan "that stops at the first match" and read the
  -- whole table when the event had none; the order makes the index the only
  -- cheap way.
  if v_free <= 0 or (
    select w.id from app_public.waitlist_entry w
    where w.event_id = offer_freed_seats.event_id and w.status = 'waiting'
    order by w.joined_at, w.id
    limit 1
  ) is null then
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

--! split: 460-price-tier-removal.sql
/*
 * remove_price_tier asks whether the tier has bookings (a friendly TRSEA
 * before the foreign key would refuse). In a session that had run it more
 * than five times, PL/pgSQL kept a generic plan of "exists (select from
 * booking where price_tier_id = $1)", and after ANALYZE that plan expected
 * thousands of bookings for any tier (one tier had 40,000) and chose a
 * sequential scan that stops at the first match: the whole booking table for
 * a tier without bookings, the usual case of a removal
 * (test/db/app_public/member_paths_scaling.test.ts: 78 -> 902 buffers). The
 * function now plans each statement with its values (a custom plan: the
 * tier at hand has no bookings in the statistics, booking_price_tier_id_idx
 * answers), a plan per call of an organizer's rare edit.
 */
alter function app_public.remove_price_tier(uuid) set plan_cache_mode = force_custom_plan;
