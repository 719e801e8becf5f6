/*
 * Catalog at scale, the misses of issue 20 (docs/catalog.md "How it stays fast").
 *
 *   1. Nearest first: the GiST index of the meeting point (the earth cube)
 *      also holds the id (as integers) and the latitude, so a distance sort is
 *      a KNN scan (`<->`) bounded by the circle's latitude band that stops
 *      after the page, instead of ranking every event in the circle.
 *   2. search_events uses the organizer index also when the organizer is an
 *      expression (an organizer's dashboard: current_user_id()).
 *   3. create_event takes the IANA time zone (optional; Europe/Moscow as before).
 *
 * Idempotent: re-applied by graphile-migrate on every change.
 */

--------------------------------------------------------------------------------
-- 1. Nearest first by KNN
--------------------------------------------------------------------------------

/*
 * Why the index looks the way it does (PostgreSQL 15 and 16):
 *
 *   - A GiST index hands rows over in the order of ORDER BY `col <-> const`
 *     (KNN) only when it can produce EVERY key of the ORDER BY; a trailing
 *     `id` tie-break it cannot produce turns KNN off (PostgreSQL 17 would add
 *     an incremental sort). So the tie-break is in the index too: the id as
 *     three integers (uuid_part), ordered by `<-> 0` (btree_gist), which for
 *     non-negative numbers is ascending order. GiST compares the ORDER BY
 *     keys one after the other, so (distance, id parts) is exactly
 *     (distance, id), the order keyset paging compares.
 *   - The latitude band around the circle bounds the scan: float comparisons
 *     are LEAKPROOF, so they are index conditions even under RLS (the cube's
 *     `<@` is not). Longitude is deliberately not bounded: with a second range
 *     the planner underestimates how many rows the band holds (latitudes and
 *     longitudes of meeting points are far from independent) and sorts the
 *     circle instead of stopping after the page; for a small circle it still
 *     prefers sorting the few rows, which is cheap.
 */
create or replace function app_hidden.latitude_band(latitude double precision, radius_km double precision)
  returns double precision[]
  language sql immutable parallel safe
as $$
  -- radius_km on earthdistance's sphere, in degrees of latitude; a millionth
  -- (plus ~0.1 m) wider, never narrower: the exact test (within_km) decides.
  select array[greatest(-90, latitude - reach), least(90, latitude + reach)]
  from (select degrees(radius_km * 1000 / public.earth()) * 1.000001 + 1e-6 as reach) r;
$$;
comment on function app_hidden.latitude_band(double precision, double precision) is
  E'{lowest, highest} latitude of the points within radius_km (great circle) of a point at this latitude, slightly wide: the index bound of a nearest-first search.';

-- The exact radius test, the very expression of event_ids_near (the path of
-- the other sorts), so both paths agree on an event lying on the circle.
create or replace function app_hidden.within_km(
  latitude1 double precision, longitude1 double precision,
  latitude2 double precision, longitude2 double precision,
  radius_km double precision
) returns boolean
  language sql immutable parallel safe
  set search_path to public, pg_catalog
as $$
  select public.earth_distance(public.ll_to_earth(latitude1, longitude1), public.ll_to_earth(latitude2, longitude2))
    <= radius_km * 1000;
$$;
comment on function app_hidden.within_km(double precision, double precision, double precision, double precision, double precision) is
  E'Whether the second point lies within radius_km (great circle, earthdistance''s sphere) of the first.';

create or replace function app_hidden.uuid_part(id uuid, part integer) returns bigint
  language sql immutable strict parallel safe
as $$
  -- Bytes 1–6, 7–12, 13–16 (part 1, 2, 3) as non-negative integers: compared
  -- one after the other they order exactly as the uuid does (byte by byte).
  select ('x' || lpad(substr(replace(id::text, '-', ''), 12 * (part - 1) + 1, 12), 16, '0'))::bit(64)::bigint;
$$;
comment on function app_hidden.uuid_part(uuid, integer) is
  E'Part 1, 2 or 3 of a uuid (bytes 1–6, 7–12, 13–16) as a non-negative integer; (part 1, part 2, part 3) orders as the uuid. The id tie-break a GiST index can produce.';

/*
 * One GiST index for both distance paths: the earth cube first (its `<@` box
 * for event_ids_near, its `<->` for nearest-first order), the id parts (the
 * tie-break of that order), the latitude (the band).
 */
create index if not exists event_earth_point_knn_idx on app_public.event using gist (
  app_hidden.earth_point(latitude, longitude),
  app_hidden.uuid_part(id, 1), app_hidden.uuid_part(id, 2), app_hidden.uuid_part(id, 3),
  latitude
) where latitude is not null;
-- It replaces the cube-only index of 200-catalog.
drop index if exists app_public.event_earth_point_idx;

-- search_events: what changed is the distance arm and the ORDER BY (KNN for
-- the distance sort, 1) and the organizer condition (a range, 2).
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


grant execute on function
  app_hidden.latitude_band(double precision, double precision),
  app_hidden.within_km(double precision, double precision, double precision, double precision, double precision),
  app_hidden.uuid_part(uuid, integer)
to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- 3. create_event with a time zone
--------------------------------------------------------------------------------

-- One more optional argument, last: callers by name or position are unchanged.
drop function if exists app_public.create_event(text, text, text, text, double precision, double precision, timestamptz, timestamptz, integer, integer, boolean, app_public.price_tier_input[]);

create or replace function app_public.create_event(
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
  price_tiers app_public.price_tier_input[] default '{}',
  time_zone text default null
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
  -- Not given (null): the column's default, Europe/Moscow. Given: an IANA name,
  -- checked as set_event_time_zone checks it (a blank string is not a zone).
  if create_event.time_zone is not null then
    v_event.time_zone := app_hidden.clean_text(create_event.time_zone);
    if not app_hidden.is_time_zone(v_event.time_zone) then
      raise exception 'time_zone must be an IANA time zone name such as Europe/Moscow, got "%"', coalesce(v_event.time_zone, '')
        using errcode = 'EVTZN', column = 'time_zone', hint = 'Use a name of the IANA tz database (Area/Location), not an abbreviation or an offset.';
    end if;
  end if;

  insert into app_public.event (
    organizer_id, title, description, category, location_name, latitude, longitude,
    starts_at, ends_at, capacity, booking_deadline_hours, crew_required, crew_status, time_zone
  ) values (
    v_event.organizer_id, v_event.title, v_event.description, v_event.category, v_event.location_name,
    v_event.latitude, v_event.longitude, v_event.starts_at, v_event.ends_at, v_event.capacity,
    v_event.booking_deadline_hours, v_event.crew_required,
    case when v_event.crew_required then 'pending' else 'not_required' end::app_public.crew_status,
    -- The column default when no zone was given.
    coalesce(v_event.time_zone, 'Europe/Moscow')
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
comment on function app_public.create_event(text, text, text, text, double precision, double precision, timestamptz, timestamptz, integer, integer, boolean, app_public.price_tier_input[], text) is
  E'Creates a draft event organized by the caller (role organizer or admin), with its price tiers and its IANA time zone (time_zone, e.g. Asia/Irkutsk; Europe/Moscow when not given). Only its organizer and admins see it until publish_event. Errors: 28000, 42501, 22023 (argument named), EVDAT, EVDUR, EVPST, EVTZN (not an IANA name), TRQTA, TRCUR, 23505 (duplicate tier name).';

-- A writing function: signed-in callers only (anonymous gets 28000 from the API).
grant execute on function
  app_public.create_event(text, text, text, text, double precision, double precision, timestamptz, timestamptz, integer, integer, boolean, app_public.price_tier_input[], text)
to :DATABASE_MEMBER;
