/*
 * The mutation rate limit, counted in the request's first round trip
 * (issue #21: before, every API mutation paid a round trip and a commit of
 * its own for rate-limiter-flexible's upsert).
 *
 * The API opens each request's transaction with one message
 * (src/db/request-transaction.ts):
 *
 *   begin; set local synchronous_commit = off;
 *   select * from app_private.take_mutation_points(…); commit;
 *   begin; select set_config(…) …
 *
 * so the count is committed before the mutation runs (a mutation that then
 * fails, or is refused, has still counted: an attacker spamming failing
 * mutations is limited like anyone else), the counter row is locked only for
 * the upsert (one caller's mutations do not wait for each other's), and every
 * replica counts against the same row. Its commit does not wait for the WAL
 * flush: the mutation's own (synchronous) commit, later in the WAL, flushes
 * it, so a count can be lost in a database crash only for an attempt whose
 * mutation never committed, within the last fraction of a second.
 *
 * Same table and row format as rate-limiter-flexible's PostgreSQL store
 * (key, points, expire in ms since the epoch), so replicas of the previous
 * release share the budget during a rolling upgrade. The window is decided by
 * the database's clock, not each replica's.
 */
drop function if exists app_private.take_mutation_points(text, integer, integer, integer);
create function app_private.take_mutation_points(
  p_key text,
  p_points integer,
  p_limit integer,
  p_window_ms integer
) returns table (allowed boolean, points integer, ms_before_next bigint)
language sql
volatile
as $$
  with now_ms as (
    select (extract(epoch from clock_timestamp()) * 1000)::bigint as ms
  ),
  counted as (
    insert into app_private.rate_limit_counter as c (key, points, expire)
    select p_key, p_points, now_ms.ms + p_window_ms from now_ms
    on conflict (key) do update
      -- A window that is over starts again with these points; otherwise they add up.
      set points = case when c.expire is null or c.expire <= excluded.expire - p_window_ms
                        then excluded.points else c.points + excluded.points end,
          expire = case when c.expire is null or c.expire <= excluded.expire - p_window_ms
                        then excluded.expire else c.expire end
    returning c.points, c.expire
  )
  select counted.points <= p_limit, counted.points, greatest(counted.expire - now_ms.ms, 0)
  from counted, now_ms
$$;
revoke all on function app_private.take_mutation_points(text, integer, integer, integer) from public;
grant execute on function app_private.take_mutation_points(text, integer, integer, integer) to :DATABASE_AUTHENTICATOR;
comment on function app_private.take_mutation_points(text, integer, integer, integer) is
  E'Spends p_points of the caller p_key''s mutation budget (p_limit points per p_window_ms milliseconds, a fixed window started by the first count) and says whether the request may run: allowed (the points spent so far in the window, these included, are within p_limit), points (spent so far), ms_before_next (until the window ends). Refused attempts count too. Called by the API (the authenticator) before it switches to the caller''s role, in the round trip that opens the request''s transaction; committed on its own (src/limits/rate-limiter.ts).';
