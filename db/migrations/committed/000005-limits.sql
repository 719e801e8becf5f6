--! Previous: sha1:6e073c5af6c93b58c5142f0e7253c691d6e006db
--! Hash: sha1:7ae744e182edb580ba8482718fb86b4655b7cf12
--! Message: abuse and resource limits

/*
 * Abuse and resource limits (issue 10).
 *
 * 1. Seat hoarding is a business rule, so it lives here: a caller may hold at
 *    most N unpaid bookings at once (overall, and for one organizer's
 *    events), at most M seats per booking (per event, default from a
 *    setting), and repeated book-then-cancel (or let lapse) cycles on one
 *    event earn a cool-down. Every limit is a row of app_private.setting,
 *    changed with one UPDATE, no deploy (docs/limits.md).
 * 2. The counters of the API's per-caller mutation rate limit
 *    (rate-limiter-flexible's PostgreSQL store), shared by every replica.
 */

-- Idempotent: drop what this file creates, in reverse order.
drop function if exists app_public.set_event_max_seats_per_booking(uuid, integer);
drop function if exists app_hidden.assert_booking_limits(app_public.event, uuid, integer);
drop function if exists app_hidden.setting_int(text, integer);
drop table if exists app_private.rate_limit_counter;
alter table app_public.event drop column if exists max_seats_per_booking;
delete from app_private.setting where key in (
  'booking_max_pending_per_user', 'booking_max_pending_per_organizer', 'booking_max_seats_default',
  'booking_cooldown_after', 'booking_cooldown_window_minutes', 'booking_cooldown_minutes'
);

--------------------------------------------------------------------------------
-- Settings of the anti-hoarding limits
--------------------------------------------------------------------------------

-- Migration 4's check of setting values, with the limits' keys added.
alter table app_private.setting drop constraint if exists setting_value_check;
alter table app_private.setting add constraint setting_value_check check (
  case key
    when 'booking_hold_minutes' then value ~ '^[0-9]{1,4}$' and value::integer between 1 and 1440
    when 'payment_url_base' then value ~ '^https?://'
    when 'review_moderation' then value in ('on', 'off')
    when 'booking_max_pending_per_user' then value ~ '^[0-9]{1,4}$' and value::integer between 1 and 1000
    when 'booking_max_pending_per_organizer' then value ~ '^[0-9]{1,4}$' and value::integer between 1 and 1000
    when 'booking_max_seats_default' then value ~ '^[0-9]{1,2}$' and value::integer between 1 and 20
    when 'booking_cooldown_after' then value ~ '^[0-9]{1,3}$' and value::integer between 1 and 100
    when 'booking_cooldown_window_minutes' then value ~ '^[0-9]{1,5}$' and value::integer between 1 and 10080
    when 'booking_cooldown_minutes' then value ~ '^[0-9]{1,5}$' and value::integer between 0 and 10080
    else true
  end
);

insert into app_private.setting (key, value, description) values
  ('booking_max_pending_per_user', '5',
   'Unpaid (pending_payment) bookings one user may hold at once, over all events (1..1000). Refusal: BKPEN.'),
  ('booking_max_pending_per_organizer', '3',
   'Unpaid bookings one user may hold at once for the events of one organizer (1..1000). Refusal: BKPOR.'),
  ('booking_max_seats_default', '10',
   'Seats one booking may take when the event sets no max_seats_per_booking (1..20). Refusal: BKMAX.'),
  ('booking_cooldown_after', '3',
   'Bookings of one event that a user canceled or let expire within booking_cooldown_window_minutes before a cool-down starts (1..100). Refusal: BKCDN.'),
  ('booking_cooldown_window_minutes', '60',
   'The window in which canceled/expired bookings of one event are counted for the cool-down (1..10080).'),
  ('booking_cooldown_minutes', '30',
   'How long after the last of those the user must wait before booking the event again (0..10080; 0 turns the cool-down off).');

create function app_hidden.setting_int(key text, fallback integer) returns integer
  language sql stable
as $$
  select coalesce((select s.value::integer from app_private.setting s where s.key = setting_int.key), fallback);
$$;
comment on function app_hidden.setting_int(text, integer) is
  E'An integer setting of app_private.setting, or the fallback when its row is missing. Owner only (read inside security-definer functions).';

--------------------------------------------------------------------------------
-- Per-event maximum seats per booking
--------------------------------------------------------------------------------

alter table app_public.event add column max_seats_per_booking integer
  constraint event_max_seats_per_booking_check check (max_seats_per_booking between 1 and 20);
comment on column app_public.event.max_seats_per_booking is
  E'Most seats one booking may take; null: the operators'' default (setting booking_max_seats_default, 10).';

create function app_public.set_event_max_seats_per_booking(id uuid, max_seats_per_booking integer)
  returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event := app_hidden.event_for_change(set_event_max_seats_per_booking.id);
begin
  perform app_hidden.assert_event_editable(v_event);
  if set_event_max_seats_per_booking.max_seats_per_booking is not null
     and set_event_max_seats_per_booking.max_seats_per_booking not between 1 and 20 then
    raise exception 'max_seats_per_booking must be between 1 and 20' using errcode = '22023', column = 'max_seats_per_booking';
  end if;
  if v_event.max_seats_per_booking is not distinct from set_event_max_seats_per_booking.max_seats_per_booking then
    return v_event;
  end if;
  update app_public.event e set max_seats_per_booking = set_event_max_seats_per_booking.max_seats_per_booking
  where e.id = v_event.id
  returning * into v_event;
  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event.update', 'event',
    jsonb_build_object(
      'changes', jsonb_build_object('maxSeatsPerBooking', v_event.max_seats_per_booking),
      'event', app_hidden.event_data(v_event)
    )
  );
  return v_event;
end;
$$;
comment on function app_public.set_event_max_seats_per_booking(uuid, integer) is
  E'Sets the most seats one booking of the event may take (1..20; null: the operators'' default). Its organizer or an admin; bookings already made keep their seats. Setting the same value writes nothing. Errors: 28000, 42501, P0002, 55000, 22023.';
grant execute on function app_public.set_event_max_seats_per_booking(uuid, integer) to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- The anti-hoarding checks, shared by quote_booking and create_booking
--------------------------------------------------------------------------------

create function app_hidden.assert_booking_limits(e app_public.event, user_id uuid, quantity integer) returns void
  language plpgsql stable
as $$
declare
  v_max_seats integer := coalesce(e.max_seats_per_booking, app_hidden.setting_int('booking_max_seats_default', 10));
  v_max_pending integer := app_hidden.setting_int('booking_max_pending_per_user', 5);
  v_max_pending_organizer integer := app_hidden.setting_int('booking_max_pending_per_organizer', 3);
  v_cooldown_after integer := app_hidden.setting_int('booking_cooldown_after', 3);
  v_window interval := make_interval(mins => app_hidden.setting_int('booking_cooldown_window_minutes', 60));
  v_cooldown interval := make_interval(mins => app_hidden.setting_int('booking_cooldown_minutes', 30));
  v_pending integer;
  v_recent integer;
  v_last_end timestamptz;
begin
  if assert_booking_limits.quantity > v_max_seats then
    raise exception 'at most % seat(s) per booking for this event', v_max_seats
      using errcode = 'BKMAX', column = 'quantity', hint = 'Book fewer seats.';
  end if;

  -- Book, cancel, book again: counted per event, only what the user ended
  -- (canceled themselves) or let lapse; an organizer's cancellation does not count.
  if v_cooldown > interval '0' then
    select count(*), max(coalesce(b.canceled_at, b.expired_at)) into v_recent, v_last_end
    from app_public.booking b
    where b.event_id = e.id and b.user_id = assert_booking_limits.user_id
      and ((b.status = 'canceled' and b.canceled_by = assert_booking_limits.user_id and b.canceled_at > now() - v_window)
        or (b.status = 'expired' and b.expired_at > now() - v_window));
    if v_recent >= v_cooldown_after and v_last_end + v_cooldown > now() then
      raise exception 'you canceled or let lapse % bookings of this event lately: you can book it again from %',
        v_recent, v_last_end + v_cooldown
        using errcode = 'BKCDN', hint = 'Wait for the cool-down to end.';
    end if;
  end if;

  -- Unpaid holds: those past their payment deadline are about to expire and do not count.
  select count(*) into v_pending
  from app_public.booking b
  where b.user_id = assert_booking_limits.user_id and b.status = 'pending_payment' and b.payment_deadline > now();
  if v_pending >= v_max_pending then
    raise exception 'you already hold % unpaid booking(s), the most allowed at once', v_pending
      using errcode = 'BKPEN', hint = 'Pay or cancel one of them first.';
  end if;
  select count(*) into v_pending
  from app_public.booking b
  join app_public.event pe on pe.id = b.event_id
  where b.user_id = assert_booking_limits.user_id and b.status = 'pending_payment' and b.payment_deadline > now()
    and pe.organizer_id = e.organizer_id;
  if v_pending >= v_max_pending_organizer then
    raise exception 'you already hold % unpaid booking(s) for this organizer''s events, the most allowed at once', v_pending
      using errcode = 'BKPOR', hint = 'Pay or cancel one of them first.';
  end if;
end;
$$;
comment on function app_hidden.assert_booking_limits(app_public.event, uuid, integer) is
  E'The anti-hoarding rules of a new booking, from app_private.setting: BKMAX (seats per booking), BKCDN (cool-down after repeated cancel/lapse on the event), BKPEN (unpaid bookings overall), BKPOR (unpaid bookings for the organizer''s events). Reads only; create_booking serializes a user''s bookings first so the counts hold under concurrency.';

--------------------------------------------------------------------------------
-- price_booking and create_booking with the limits (same rules otherwise)
--------------------------------------------------------------------------------

create or replace function app_hidden.price_booking(
  event_id uuid,
  price_tier_id uuid,
  quantity integer,
  promo_code text
) returns app_public.booking_quote
  language plpgsql stable
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event app_public.event;
  v_tier app_public.event_price_tier;
  v_promo app_public.promo_code;
  v_code text := app_hidden.clean_text(price_booking.promo_code);
  v_quote app_public.booking_quote;
  v_closes_at timestamptz;
begin
  select * into v_event from app_public.event e where e.id = price_booking.event_id;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception 'event not found' using errcode = 'P0002';
  end if;
  if v_event.organizer_id = v_user_id then
    raise exception 'organizers cannot book their own event' using errcode = 'BKOWN';
  end if;

  if price_booking.quantity is null or price_booking.quantity not between 1 and 20 then
    raise exception 'quantity must be between 1 and 20' using errcode = 'BKQTY', column = 'quantity';
  end if;
  select * into v_tier from app_public.event_price_tier t where t.id = price_booking.price_tier_id;
  if not found or not exists (
    select from app_public.event e where e.id = v_tier.event_id and app_hidden.event_is_visible(e)
  ) then
    raise exception 'price tier not found' using errcode = 'P0002', column = 'price_tier_id';
  end if;
  if v_tier.event_id <> v_event.id then
    raise exception 'price tier "%" belongs to another event', v_tier.name
      using errcode = 'BKTEV', column = 'price_tier_id', hint = 'Use one of this event''s price tiers.';
  end if;
  if v_code is not null then
    -- The event's own code wins over a global one with the same text.
    select * into v_promo from app_public.promo_code pc
    where pc.code = v_code::citext and (pc.event_id = v_event.id or pc.event_id is null)
    order by pc.event_id nulls last
    limit 1;
    if not found then
      raise exception 'unknown promo code "%"', v_code using errcode = 'CPUNK', column = 'promo_code';
    end if;
  end if;

  if v_event.status <> 'published' then
    raise exception 'bookings are closed: the event is %', v_event.status using errcode = '55000', column = 'status';
  end if;
  v_closes_at := v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours);
  if now() >= v_closes_at then
    raise exception 'bookings for this event closed at %', v_closes_at
      using errcode = 'BKCLO', hint = 'Bookings close booking_deadline_hours before the event starts.';
  end if;
  if exists (
    select from app_public.booking b
    where b.event_id = v_event.id and b.user_id = v_user_id and b.status in ('pending_payment', 'confirmed')
  ) then
    raise exception 'you already have a booking for this event'
      using errcode = 'BKDUP', hint = 'Cancel it first to book differently.';
  end if;
  perform app_hidden.assert_booking_limits(v_event, v_user_id, price_booking.quantity);
  if v_event.seats_taken + price_booking.quantity > v_event.capacity then
    raise exception 'sold out: % seat(s) requested, % left', price_booking.quantity, v_event.capacity - v_event.seats_taken
      using errcode = 'BKFUL';
  end if;
  if v_tier.seats_taken + price_booking.quantity > v_tier.quota then
    raise exception 'price tier "%" is sold out: % seat(s) requested, % left', v_tier.name,
      price_booking.quantity, v_tier.quota - v_tier.seats_taken
      using errcode = 'BKTQF';
  end if;
  if v_promo.id is not null then
    if not v_promo.is_active then
      raise exception 'promo code "%" has been deactivated', v_code using errcode = 'CPINA', column = 'promo_code';
    end if;
    if now() < v_promo.valid_from or now() >= v_promo.valid_until then
      raise exception 'promo code "%" is not valid now', v_code using errcode = 'CPEXP', column = 'promo_code';
    end if;
    if v_promo.discount_kind = 'fixed' and v_promo.currency <> v_tier.currency then
      raise exception 'promo code "%" is in %, the price in %', v_code, v_promo.currency, v_tier.currency
        using errcode = 'CPCUR', column = 'promo_code';
    end if;
    if v_promo.uses >= v_promo.max_uses then
      raise exception 'promo code "%" has reached its usage limit', v_code using errcode = 'CPUSE', column = 'promo_code';
    end if;
  end if;

  v_quote.event_id := v_event.id;
  v_quote.price_tier_id := v_tier.id;
  v_quote.quantity := price_booking.quantity;
  v_quote.unit_price := v_tier.price;
  v_quote.subtotal := v_tier.price * price_booking.quantity;
  v_quote.discount_amount := least(v_quote.subtotal, coalesce(
    case v_promo.discount_kind
      when 'percent' then round(v_quote.subtotal * v_promo.percent_off / 100.0, 2)
      when 'fixed' then v_promo.amount_off
    end, 0));
  v_quote.total_amount := v_quote.subtotal - v_quote.discount_amount;
  v_quote.currency := v_tier.currency;
  v_quote.promo_code_id := v_promo.id;
  v_quote.payment_deadline := least(now() + app_hidden.booking_hold(), v_closes_at);
  return v_quote;
end;
$$;
comment on function app_hidden.price_booking(uuid, uuid, integer, text) is
  E'Checks every booking rule for the caller (including the anti-hoarding limits of assert_booking_limits) and computes the price (tier price × quantity − promo discount, never below zero) and the payment deadline. Writes nothing. Shared by quote_booking and create_booking.';

/*
 * The hot path: one call, a handful of single-row statements. The seats are
 * taken by guarded updates (never read-then-write), so concurrent bookings
 * of the last seats queue on the event row and exactly as many succeed as fit.
 * A user's own bookings queue on a transaction-scoped advisory lock keyed by
 * the user first, so the per-user limits (counted by price_booking in the
 * next statement, which sees every booking committed before it) cannot be
 * overrun by parallel calls.
 */
create or replace function app_public.create_booking(
  event_id uuid,
  price_tier_id uuid,
  quantity integer default 1,
  promo_code text default null
) returns app_public.booking
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
-- The ON CONFLICT target names columns that are also parameters.
#variable_conflict use_column
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_quote app_public.booking_quote;
  v_event app_public.event;
  v_booking app_public.booking;
begin
  -- Lock order: user (advisory) → event → tier → promo code → booking.
  -- 7301 namespaces the key ("a user's bookings") among advisory locks.
  perform pg_advisory_xact_lock(7301, hashtext(v_user_id::text));
  v_quote := app_hidden.price_booking(
    create_booking.event_id, create_booking.price_tier_id, create_booking.quantity, create_booking.promo_code
  );

  update app_public.event e
  set seats_taken = e.seats_taken + v_quote.quantity
  where e.id = v_quote.event_id
    and e.status = 'published'
    and e.seats_taken + v_quote.quantity <= e.capacity
    and now() < e.starts_at - make_interval(hours => e.booking_deadline_hours)
  returning * into v_event;
  if not found then
    -- Someone else got there first (this statement saw their commit): say what changed.
    select * into v_event from app_public.event e where e.id = v_quote.event_id;
    if v_event.status <> 'published' then
      raise exception 'bookings are closed: the event is %', v_event.status using errcode = '55000', column = 'status';
    elsif now() >= v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours) then
      raise exception 'bookings for this event closed at %', v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours)
        using errcode = 'BKCLO';
    end if;
    raise exception 'sold out: % seat(s) requested, % left', v_quote.quantity, v_event.capacity - v_event.seats_taken
      using errcode = 'BKFUL';
  end if;

  update app_public.event_price_tier t
  set seats_taken = t.seats_taken + v_quote.quantity
  where t.id = v_quote.price_tier_id and (t.quota is null or t.seats_taken + v_quote.quantity <= t.quota);
  if not found then
    raise exception 'this price tier is sold out: % seat(s) requested', v_quote.quantity using errcode = 'BKTQF';
  end if;

  if v_quote.promo_code_id is not null then
    update app_public.promo_code pc
    set uses = pc.uses + 1
    where pc.id = v_quote.promo_code_id
      and pc.is_active
      and (pc.max_uses is null or pc.uses < pc.max_uses)
      and (pc.valid_from is null or pc.valid_from <= now())
      and (pc.valid_until is null or pc.valid_until > now());
    if not found then
      raise exception 'promo code "%" has reached its usage limit', app_hidden.clean_text(create_booking.promo_code)
        using errcode = 'CPUSE', column = 'promo_code';
    end if;
  end if;

  insert into app_public.booking (
    event_id, user_id, price_tier_id, quantity, unit_price, subtotal, discount_amount, total_amount,
    currency, promo_code_id, status, payment_deadline, confirmed_at
  ) values (
    v_quote.event_id, v_user_id, v_quote.price_tier_id, v_quote.quantity, v_quote.unit_price, v_quote.subtotal,
    v_quote.discount_amount, v_quote.total_amount, v_quote.currency, v_quote.promo_code_id,
    -- Nothing to pay (free tier, 100 % code): confirmed at once.
    case when v_quote.total_amount = 0 then 'confirmed' else 'pending_payment' end::app_public.booking_status,
    v_quote.payment_deadline,
    case when v_quote.total_amount = 0 then now() end
  )
  on conflict (event_id, user_id) where status in ('pending_payment', 'confirmed') do nothing
  returning * into v_booking;
  if v_booking.id is null then
    -- A booking of the same user committed meanwhile (the unique index waited for it).
    raise exception 'you already have a booking for this event'
      using errcode = 'BKDUP', hint = 'Cancel it first to book differently.';
  end if;

  perform app_hidden.record_change(
    'booking', v_booking.id, 'BookingCreated', 'booking.create', 'booking', app_hidden.booking_data(v_booking)
  );
  if v_booking.status = 'confirmed' then
    perform app_hidden.record_change(
      'booking', v_booking.id, 'BookingConfirmed', 'booking.confirm', 'booking', app_hidden.booking_data(v_booking)
    );
  end if;
  return v_booking;
end;
$$;
comment on function app_public.create_booking(uuid, uuid, integer, text) is
  E'Books seats of a price tier of a published event for the caller, optionally with a promo code. The booking holds its seats as pending_payment until payment_deadline (a booking with nothing to pay is confirmed at once). One live booking per user per event; organizers cannot book their own events; bookings close booking_deadline_hours before the start; the anti-hoarding limits of app_private.setting apply (docs/limits.md). Errors: 28000, P0002 (event or tier), BKOWN, BKQTY, BKMAX, BKTEV, CPUNK, 55000 (not published), BKCLO, BKDUP, BKCDN, BKPEN, BKPOR, BKFUL, BKTQF, CPINA, CPEXP, CPCUR, CPUSE.';

comment on function app_public.quote_booking(uuid, uuid, integer, text) is
  E'What booking these seats would cost the caller now, with every rule of create_booking checked (the anti-hoarding limits too); writes nothing. Errors: as create_booking.';

--------------------------------------------------------------------------------
-- Counters of the API's per-caller mutation rate limit
--------------------------------------------------------------------------------

/*
 * The table rate-limiter-flexible's PostgreSQL store expects (its columns and
 * types), created here because the API role may not create tables. The API
 * connects as the authenticator and counts before it switches role, so the
 * authenticator itself (not the caller roles) may read and write it.
 */
create table app_private.rate_limit_counter (
  key varchar(255) primary key,
  points integer not null default 0,
  expire bigint
);
alter table app_private.rate_limit_counter enable row level security;
create policy authenticator_all on app_private.rate_limit_counter for all to :DATABASE_AUTHENTICATOR
  using (true) with check (true);
grant usage on schema app_private to :DATABASE_AUTHENTICATOR;
grant select, insert, update, delete on app_private.rate_limit_counter to :DATABASE_AUTHENTICATOR;
comment on table app_private.rate_limit_counter is
  E'Per-caller mutation counters of the API (rate-limiter-flexible, PostgreSQL store): one row per caller key and window. Expired rows are overwritten by the next count; any row may be deleted at any time (the caller''s budget resets).';
comment on column app_private.rate_limit_counter.key is E'"mutation:sub:<user id>" or "mutation:ip:<address>".';
comment on column app_private.rate_limit_counter.points is E'Points spent in the current window.';
comment on column app_private.rate_limit_counter.expire is E'End of the current window, in milliseconds since the Unix epoch.';
