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
