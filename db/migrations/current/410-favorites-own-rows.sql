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
