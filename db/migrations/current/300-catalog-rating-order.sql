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
