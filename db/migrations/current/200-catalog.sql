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
