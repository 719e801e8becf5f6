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
