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
