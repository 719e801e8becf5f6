/*
 * Hot path (issue #21): seat counters on narrow rows of their own, bookings
 * that take them last, limit checks in one pass.
 *
 * INTERFACE (for everyone who reads seats; stable from here on)
 *   - app_public.event.seats_taken and app_public.event_price_tier.seats_taken
 *     are gone. Read seats through:
 *       app_public.event_seats_taken(e)              seats held on event e
 *       app_public.event_seats_available(e)          capacity minus that (≥ 0)
 *       app_public.event_price_tier_seats_taken(t)   seats held in tier t
 *       app_public.event_price_tier_seats_available(t)  quota minus that (null: no quota)
 *     (GraphQL: Event.seatsTaken / seatsAvailable, EventPriceTier.seatsTaken /
 *     seatsAvailable, same names as before), or join the counter tables:
 *       app_public.event_seat_counter (event_id pk, capacity, seats_taken, bookable_until)
 *       app_public.price_tier_seat_counter (price_tier_id pk, event_id, quota, seats_taken)
 *     Both are readable by the client roles under the event's visibility (RLS).
 *   - "Has free seats" in SQL:
 *       exists (select from app_public.event_seat_counter c
 *               where c.event_id = e.id and c.seats_taken < c.capacity)
 *     Filter on it AFTER the selective predicates (category, time, place, text).
 *     Never index seats_taken or anything derived from it: every booking
 *     updates that column, and an index on it turns each booking's HOT update
 *     into index writes on the hottest row there is. bookable_until (when the
 *     event stops taking bookings; null unless published) is indexable-free too.
 *   - Writers: only the SQL functions of this file change seats_taken
 *     (create_booking, end_booking via cancel/expiry/cancel_event); capacity,
 *     quota and bookable_until follow the event and tier rows by trigger.
 *
 * Why (the measurements in issue #21): the event row was the booking's lock
 * point, and it is wide, has an updated-at trigger, a stored full-text column
 * recomputed on every update and incoming foreign keys whose shared locks
 * piled up on it. A counter row with none of that costs what a bare update
 * costs. A booking now does everything that can run in parallel first (rules,
 * the booking row, audit and outbox rows) and takes the counters as its last
 * statements, so the time the hot row stays locked is one update and the
 * commit. Capacity is still enforced by constraints: the guarded updates below
 * and the check constraints on the counter rows (no oversell even from psql).
 *
 * Lock order, everywhere: event → price tier → event seat counter → tier seat
 * counter → promo code → booking → payment. create_booking inserts its new
 * booking before the counters, which is no exception: nobody else can see,
 * let alone lock, that row before it commits.
 *
 * Idempotent: re-applied on top of itself during development.
 */

--------------------------------------------------------------------------------
-- The counter tables
--------------------------------------------------------------------------------

create table if not exists app_public.event_seat_counter (
  event_id uuid primary key
    constraint event_seat_counter_event_id_fkey references app_public.event (id) on delete cascade,
  capacity integer not null,
  seats_taken integer not null default 0,
  bookable_until timestamptz,
  constraint event_seat_counter_seats_taken_check check (seats_taken between 0 and capacity)
) with (fillfactor = 50);
-- fillfactor: room on the page for HOT updates, so a booking never writes an index.
alter table app_public.event_seat_counter enable row level security;
comment on table app_public.event_seat_counter is E'@behavior -*\nThe seats held on an event, on a row of its own that bookings update (one per event; no triggers, nothing refers to it). capacity and bookable_until follow the event row by trigger. Read it through event_seats_taken / event_seats_available.';
comment on column app_public.event_seat_counter.event_id is E'The event.';
comment on column app_public.event_seat_counter.capacity is E'The event''s capacity (kept equal to event.capacity by trigger).';
comment on column app_public.event_seat_counter.seats_taken is E'Seats held by pending and confirmed bookings; never above capacity. Not indexed, on purpose.';
comment on column app_public.event_seat_counter.bookable_until is E'Bookings are taken while now() is before this (start minus booking_deadline_hours); null when the event is not published.';

create table if not exists app_public.price_tier_seat_counter (
  price_tier_id uuid primary key
    constraint price_tier_seat_counter_price_tier_id_fkey references app_public.event_price_tier (id) on delete cascade,
  event_id uuid not null,
  quota integer,
  seats_taken integer not null default 0,
  constraint price_tier_seat_counter_seats_taken_check check (seats_taken >= 0 and (quota is null or seats_taken <= quota))
) with (fillfactor = 50);
alter table app_public.price_tier_seat_counter enable row level security;
comment on table app_public.price_tier_seat_counter is E'@behavior -*\nThe seats held in a price tier, on a row of its own that bookings update. quota follows the tier row by trigger. Read it through event_price_tier_seats_taken / event_price_tier_seats_available.';
comment on column app_public.price_tier_seat_counter.price_tier_id is E'The price tier.';
comment on column app_public.price_tier_seat_counter.event_id is E'The tier''s event (for the visibility policy and joins).';
comment on column app_public.price_tier_seat_counter.quota is E'The tier''s quota (kept equal to event_price_tier.quota by trigger); null: the event capacity only.';
comment on column app_public.price_tier_seat_counter.seats_taken is E'Seats held in this tier by pending and confirmed bookings. Not indexed, on purpose.';
create index if not exists price_tier_seat_counter_event_id_idx on app_public.price_tier_seat_counter (event_id);

-- Visible exactly when the event is (the subquery runs under the event's RLS).
drop policy if exists select_visible on app_public.event_seat_counter;
create policy select_visible on app_public.event_seat_counter for select using (
  event_id in (select e.id from app_public.event e)
);
drop policy if exists select_visible on app_public.price_tier_seat_counter;
create policy select_visible on app_public.price_tier_seat_counter for select using (
  event_id in (select e.id from app_public.event e)
);
grant select on app_public.event_seat_counter, app_public.price_tier_seat_counter
  to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- Move the counts out of the event and tier rows (once; a re-run finds them gone).
drop view if exists app_private.seat_drift;
do $$
begin
  if exists (
    select from information_schema.columns
    where table_schema = 'app_public' and table_name = 'event' and column_name = 'seats_taken'
  ) then
    insert into app_public.event_seat_counter (event_id, capacity, seats_taken, bookable_until)
    select e.id, e.capacity, e.seats_taken,
           case when e.status = 'published' then e.starts_at - make_interval(hours => e.booking_deadline_hours) end
    from app_public.event e
    on conflict (event_id) do nothing;
    alter table app_public.event drop column seats_taken;
  end if;
  if exists (
    select from information_schema.columns
    where table_schema = 'app_public' and table_name = 'event_price_tier' and column_name = 'seats_taken'
  ) then
    insert into app_public.price_tier_seat_counter (price_tier_id, event_id, quota, seats_taken)
    select t.id, t.event_id, t.quota, t.seats_taken
    from app_public.event_price_tier t
    on conflict (price_tier_id) do nothing;
    alter table app_public.event_price_tier drop column seats_taken;
  end if;
end;
$$;

--------------------------------------------------------------------------------
-- Counters follow their event and tier rows
--------------------------------------------------------------------------------

create or replace function app_private.tg_event__sync_seat_counter() returns trigger
  language plpgsql
as $$
declare
  v_until timestamptz := case when new.status = 'published'
    then new.starts_at - make_interval(hours => new.booking_deadline_hours) end;
begin
  if tg_op = 'INSERT' then
    insert into app_public.event_seat_counter (event_id, capacity, bookable_until)
    values (new.id, new.capacity, v_until);
  else
    -- Locks the counter: a status or deadline change waits for bookings in
    -- flight and every later booking re-checks bookable_until after it.
    update app_public.event_seat_counter c
    set capacity = new.capacity, bookable_until = v_until
    where c.event_id = new.id;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_event__sync_seat_counter() is
  E'Trigger: creates the event''s seat counter and keeps its capacity and bookable_until (published: start minus booking_deadline_hours; else null) equal to the event row''s.';

drop trigger if exists _500_sync_seat_counter on app_public.event;
create trigger _500_sync_seat_counter
  after insert or update of capacity, status, starts_at, booking_deadline_hours on app_public.event
  for each row execute function app_private.tg_event__sync_seat_counter();

create or replace function app_private.tg_event_price_tier__sync_seat_counter() returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'INSERT' then
    insert into app_public.price_tier_seat_counter (price_tier_id, event_id, quota)
    values (new.id, new.event_id, new.quota);
  elsif new.quota is distinct from old.quota then
    update app_public.price_tier_seat_counter c set quota = new.quota where c.price_tier_id = new.id;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_event_price_tier__sync_seat_counter() is
  E'Trigger: creates the tier''s seat counter and keeps its quota equal to the tier row''s.';

drop trigger if exists _500_sync_seat_counter on app_public.event_price_tier;
create trigger _500_sync_seat_counter
  after insert or update of quota on app_public.event_price_tier
  for each row execute function app_private.tg_event_price_tier__sync_seat_counter();

-- Migration 1's removal check, reading the tier's counter (gone already when
-- the tier goes by cascade; then its bookings' foreign key guards it).
create or replace function app_private.tg_event_price_tier__check_removal() returns trigger
  language plpgsql
as $$
declare
  v_event app_public.event;
  v_seats_taken integer := coalesce(
    (select c.seats_taken from app_public.price_tier_seat_counter c where c.price_tier_id = old.id), 0);
begin
  select * into v_event from app_public.event e where e.id = old.event_id for no key update;
  if not found then
    return null; -- the event itself is being deleted (cascade)
  end if;
  if v_event.status in ('completed', 'canceled') then
    raise exception 'the price tiers of a % event can no longer be changed', v_event.status
      using errcode = '55000';
  end if;
  if v_seats_taken > 0 then
    raise exception 'price tier "%" has % seats taken and cannot be removed', old.name, v_seats_taken
      using errcode = 'TRSEA';
  end if;
  if v_event.status = 'published'
     and not exists (select from app_public.event_price_tier t where t.event_id = old.event_id) then
    raise exception 'a published event must keep at least one price tier'
      using errcode = 'EVTIR';
  end if;
  return null;
end;
$$;

--------------------------------------------------------------------------------
-- Reading seats (computed columns; GraphQL keeps seatsTaken / seatsAvailable)
--------------------------------------------------------------------------------

create or replace function app_public.event_seats_taken(e app_public.event) returns integer
  language sql stable
as $$
  select coalesce((select c.seats_taken from app_public.event_seat_counter c where c.event_id = e.id), 0);
$$;
comment on function app_public.event_seats_taken(app_public.event) is
  E'@notNull\nSeats held by pending and confirmed bookings; never above capacity.';

create or replace function app_public.event_seats_available(e app_public.event) returns integer
  language sql stable
as $$
  select greatest(e.capacity - app_public.event_seats_taken(e), 0);
$$;
comment on function app_public.event_seats_available(app_public.event) is
  E'Seats still free (capacity minus seats taken).';

create or replace function app_public.event_price_tier_seats_taken(t app_public.event_price_tier) returns integer
  language sql stable
as $$
  select coalesce((select c.seats_taken from app_public.price_tier_seat_counter c where c.price_tier_id = t.id), 0);
$$;
comment on function app_public.event_price_tier_seats_taken(app_public.event_price_tier) is
  E'@notNull\nSeats held in this tier by pending and confirmed bookings.';

create or replace function app_public.event_price_tier_seats_available(t app_public.event_price_tier) returns integer
  language sql stable
as $$
  select t.quota - app_public.event_price_tier_seats_taken(t);
$$;
comment on function app_public.event_price_tier_seats_available(app_public.event_price_tier) is
  E'Seats this tier may still sell under its own quota; null when the tier has no quota (the event''s free seats apply).';

grant execute on function
  app_public.event_seats_taken(app_public.event),
  app_public.event_seats_available(app_public.event),
  app_public.event_price_tier_seats_taken(app_public.event_price_tier),
  app_public.event_price_tier_seats_available(app_public.event_price_tier)
to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- Outbox payloads keep their seatsTaken key.
create or replace function app_hidden.event_data(e app_public.event) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', e.id,
    'organizerId', e.organizer_id,
    'title', e.title,
    'description', e.description,
    'category', e.category,
    'locationName', e.location_name,
    'latitude', e.latitude,
    'longitude', e.longitude,
    'startsAt', e.starts_at,
    'endsAt', e.ends_at,
    'capacity', e.capacity,
    'seatsTaken', app_public.event_seats_taken(e),
    'bookingDeadlineHours', e.booking_deadline_hours,
    'status', e.status,
    'crewRequired', e.crew_required,
    'crewId', e.crew_id,
    'crewStatus', e.crew_status,
    'publishedAt', e.published_at,
    'canceledAt', e.canceled_at,
    'canceledBy', e.canceled_by,
    'cancelReason', e.cancel_reason
  );
$$;

create or replace function app_hidden.price_tier_data(t app_public.event_price_tier) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', t.id,
    'eventId', t.event_id,
    'name', t.name,
    'price', t.price,
    'currency', t.currency,
    'quota', t.quota,
    'seatsTaken', app_public.event_price_tier_seats_taken(t),
    'sortOrder', t.sort_order
  );
$$;

create view app_private.seat_drift with (security_invoker = true) as
  select 'event' as counter, c.event_id as id, c.seats_taken as counted,
         coalesce((select sum(b.quantity) from app_public.booking b
                   where b.event_id = c.event_id and b.status in ('pending_payment', 'confirmed')), 0)::integer as actual
  from app_public.event_seat_counter c
  union all
  select 'event_price_tier', c.price_tier_id, c.seats_taken,
         coalesce((select sum(b.quantity) from app_public.booking b
                   where b.price_tier_id = c.price_tier_id and b.status in ('pending_payment', 'confirmed')), 0)::integer
  from app_public.price_tier_seat_counter c
  union all
  select 'promo_code', pc.id, pc.uses,
         (select count(*) from app_public.booking b
          where b.promo_code_id = pc.id and b.status in ('pending_payment', 'confirmed'))::integer
  from app_public.promo_code pc;
comment on view app_private.seat_drift is
  E'Every seat and promo-use counter next to what the live bookings add up to. `select * from app_private.seat_drift where counted <> actual` must return nothing; a row means a counter was changed behind the functions'' back. For DBAs (scans everything).';

--------------------------------------------------------------------------------
-- The anti-hoarding checks: settings read once, the caller's bookings counted once
--------------------------------------------------------------------------------

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

  -- Every count in one pass over the caller's bookings (booking_user_id_idx):
  -- unpaid holds (those past their payment deadline are about to expire and do
  -- not count), overall and for this organizer, and for the cool-down the
  -- bookings of this event the user ended (canceled themselves) or let lapse
  -- lately; an organizer's cancellation does not count.
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
  join app_public.event pe on pe.id = b.event_id
  where b.user_id = assert_booking_limits.user_id
    and (b.status = 'pending_payment' or (b.event_id = e.id and b.status in ('canceled', 'expired')));

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
  E'The anti-hoarding rules of a new booking, from app_private.setting (read once): BKMAX (seats per booking), BKCDN (cool-down after repeated cancel/lapse on the event), BKPEN (unpaid bookings overall), BKPOR (unpaid bookings for the organizer''s events), counted in one query. Reads only; create_booking serializes a user''s bookings first so the counts hold under concurrency.';

--------------------------------------------------------------------------------
-- price_booking, create_booking: counters last
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
  v_event_taken integer;
  v_tier_taken integer;
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
  -- A tier of this (visible) event is visible; another event's only if that event is.
  if not found or (v_tier.event_id <> v_event.id and not exists (
    select from app_public.event e where e.id = v_tier.event_id and app_hidden.event_is_visible(e)
  )) then
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
  -- A read, not a lock: create_booking's guarded updates decide under the lock.
  v_event_taken := app_public.event_seats_taken(v_event);
  v_tier_taken := app_public.event_price_tier_seats_taken(v_tier);
  if v_event_taken + price_booking.quantity > v_event.capacity then
    raise exception 'sold out: % seat(s) requested, % left', price_booking.quantity, v_event.capacity - v_event_taken
      using errcode = 'BKFUL';
  end if;
  if v_tier_taken + price_booking.quantity > v_tier.quota then
    raise exception 'price tier "%" is sold out: % seat(s) requested, % left', v_tier.name,
      price_booking.quantity, v_tier.quota - v_tier_taken
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
  E'Checks every booking rule for the caller (including the anti-hoarding limits of assert_booking_limits) and computes the price (tier price × quantity − promo discount, never below zero) and the payment deadline. Writes nothing; the seat checks here are a preview, create_booking''s guarded counter updates decide. Shared by quote_booking and create_booking.';

/*
 * The hot path. Everything that can run beside other bookings of the same
 * event runs first: the rules (price_booking), the booking row, its audit and
 * outbox rows. The seats are taken LAST, by guarded updates of the counter
 * rows (never read-then-write): concurrent bookings of one event queue on the
 * event's counter row, PostgreSQL re-evaluates the guard against the row as
 * the previous booking committed it, and exactly as many succeed as fit. The
 * row stays locked for one update and the commit, nothing more. A failed
 * guard raises, and the booking row written before goes with the transaction.
 * A user's own bookings queue on a transaction-scoped advisory lock keyed by
 * the user first, so the per-user limits cannot be overrun by parallel calls.
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
  v_left integer;
begin
  -- 7301 namespaces the key ("a user's bookings") among advisory locks.
  perform pg_advisory_xact_lock(7301, hashtext(v_user_id::text));
  v_quote := app_hidden.price_booking(
    create_booking.event_id, create_booking.price_tier_id, create_booking.quantity, create_booking.promo_code
  );

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

  -- Last: the seats. Lock order event counter → tier counter → promo code.
  update app_public.event_seat_counter c
  set seats_taken = c.seats_taken + v_quote.quantity
  where c.event_id = v_quote.event_id
    and c.seats_taken + v_quote.quantity <= c.capacity
    and now() < c.bookable_until;
  if not found then
    -- Someone else got there first (this statement saw their commit): say what changed.
    select * into v_event from app_public.event e where e.id = v_quote.event_id;
    if v_event.status <> 'published' then
      raise exception 'bookings are closed: the event is %', v_event.status using errcode = '55000', column = 'status';
    elsif now() >= v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours) then
      raise exception 'bookings for this event closed at %', v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours)
        using errcode = 'BKCLO';
    end if;
    v_left := v_event.capacity - app_public.event_seats_taken(v_event);
    raise exception 'sold out: % seat(s) requested, % left', v_quote.quantity, v_left
      using errcode = 'BKFUL';
  end if;

  update app_public.price_tier_seat_counter c
  set seats_taken = c.seats_taken + v_quote.quantity
  where c.price_tier_id = v_quote.price_tier_id
    and (c.quota is null or c.seats_taken + v_quote.quantity <= c.quota);
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
  return v_booking;
end;
$$;
comment on function app_public.create_booking(uuid, uuid, integer, text) is
  E'Books seats of a price tier of a published event for the caller, optionally with a promo code. The booking holds its seats as pending_payment until payment_deadline (a booking with nothing to pay is confirmed at once). One live booking per user per event; organizers cannot book their own events; bookings close booking_deadline_hours before the start; the anti-hoarding limits of app_private.setting apply (docs/limits.md). Errors: 28000, P0002 (event or tier), BKOWN, BKQTY, BKMAX, BKTEV, CPUNK, 55000 (not published), BKCLO, BKDUP, BKCDN, BKPEN, BKPOR, BKFUL, BKTQF, CPINA, CPEXP, CPCUR, CPUSE.';
grant execute on function app_public.create_booking(uuid, uuid, integer, text) to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Ending a booking gives its seats back to the counters
--------------------------------------------------------------------------------

create or replace function app_hidden.end_booking(
  b app_public.booking,
  new_status app_public.booking_status,
  reason text
) returns app_public.booking
  language plpgsql volatile
as $$
declare
  v_booking app_public.booking;
  v_payment app_public.payment;
begin
  update app_public.booking bk set
    status = end_booking.new_status,
    canceled_at = case when end_booking.new_status = 'canceled' then now() end,
    canceled_by = case when end_booking.new_status = 'canceled' then app_public.current_user_id() end,
    cancel_reason = case when end_booking.new_status = 'canceled' then end_booking.reason end,
    expired_at = case when end_booking.new_status = 'expired' then now() end
  where bk.id = b.id
  returning * into v_booking;

  -- Seats and the promo use come back (the check constraints keep them ≥ 0).
  update app_public.event_seat_counter c set seats_taken = c.seats_taken - b.quantity where c.event_id = b.event_id;
  update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - b.quantity where c.price_tier_id = b.price_tier_id;
  if b.promo_code_id is not null then
    update app_public.promo_code pc set uses = pc.uses - 1 where pc.id = b.promo_code_id;
  end if;

  perform app_hidden.record_change(
    'booking', v_booking.id,
    case when end_booking.new_status = 'canceled' then 'BookingCanceled' else 'BookingExpired' end,
    case when end_booking.new_status = 'canceled' then 'booking.cancel' else 'booking.expire' end,
    'booking', app_hidden.booking_data(v_booking)
  );

  -- A paid booking gets back what has not been refunded yet.
  if end_booking.new_status = 'canceled' then
    select * into v_payment from app_public.payment p
    where p.booking_id = b.id and p.status in ('completed', 'partially_refunded')
    for update;
    if found then
      perform app_hidden.issue_refund(v_payment, v_payment.amount - v_payment.refunded_amount, end_booking.reason);
    end if;
  end if;
  return v_booking;
end;
$$;
comment on function app_hidden.end_booking(app_public.booking, app_public.booking_status, text) is
  E'Cancels or expires a locked live booking: frees its seats (event and tier counters), gives its promo use back, announces BookingCanceled/BookingExpired, refunds the paid remainder when canceled. Owner only.';

--------------------------------------------------------------------------------
-- Use cases that compare seats with a new capacity, quota or removal
--------------------------------------------------------------------------------

create or replace function app_public.update_event(
  id uuid,
  title text default null,
  description text default null,
  category text default null,
  location_name text default null,
  latitude double precision default null,
  longitude double precision default null,
  starts_at timestamptz default null,
  ends_at timestamptz default null,
  capacity integer default null,
  booking_deadline_hours integer default null,
  crew_required boolean default null
) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_old app_public.event := app_hidden.event_for_change(update_event.id);
  v_new app_public.event := v_old;
  v_changes jsonb;
  v_tier_name text;
  v_quota integer;
  v_seats_taken integer;
begin
  perform app_hidden.assert_event_editable(v_old);

  -- null means "unchanged"; a blank description clears it.
  if update_event.title is not null then
    v_new.title := app_hidden.clean_text(update_event.title);
  end if;
  if update_event.description is not null then
    v_new.description := app_hidden.clean_text(update_event.description);
  end if;
  if update_event.category is not null then
    v_new.category := coalesce(app_hidden.clean_text(update_event.category), '');
  end if;
  if update_event.location_name is not null then
    v_new.location_name := app_hidden.clean_text(update_event.location_name);
  end if;
  v_new.latitude := coalesce(update_event.latitude, v_old.latitude);
  v_new.longitude := coalesce(update_event.longitude, v_old.longitude);
  v_new.starts_at := coalesce(update_event.starts_at, v_old.starts_at);
  v_new.ends_at := coalesce(update_event.ends_at, v_old.ends_at);
  v_new.capacity := coalesce(update_event.capacity, v_old.capacity);
  v_new.booking_deadline_hours := coalesce(update_event.booking_deadline_hours, v_old.booking_deadline_hours);
  if update_event.crew_required is not null and update_event.crew_required <> v_old.crew_required then
    v_new.crew_required := update_event.crew_required;
    v_new.crew_status := case when v_new.crew_required then 'pending' else 'not_required' end;
    -- Dropping the requirement forgets the crew; releasing it at the crew
    -- service is the crew issue's job (it reacts to this EventUpdated).
    v_new.crew_id := null;
  end if;

  perform app_hidden.assert_event_valid(v_new);
  if v_new.starts_at is distinct from v_old.starts_at and v_new.starts_at <= now() then
    raise exception 'starts_at must be in the future' using errcode = 'EVPST', column = 'starts_at';
  end if;
  -- The seat counter is locked before it is compared (lock order event → seat
  -- counter), so no booking can slip in between this check and the new capacity.
  select c.seats_taken into v_seats_taken
  from app_public.event_seat_counter c where c.event_id = v_old.id
  for no key update;
  if v_new.capacity < v_seats_taken then
    raise exception 'capacity % is below the % seats already taken', v_new.capacity, v_seats_taken
      using errcode = 'EVCAP', column = 'capacity';
  end if;
  select t.name, t.quota into v_tier_name, v_quota
  from app_public.event_price_tier t
  where t.event_id = v_old.id and t.quota > v_new.capacity
  order by t.quota desc
  limit 1;
  if found then
    raise exception 'capacity % is below the quota % of price tier "%"', v_new.capacity, v_quota, v_tier_name
      using errcode = 'TRQTA', column = 'capacity', hint = 'Lower the tier quota first, or keep a larger capacity.';
  end if;

  v_changes := app_hidden.jsonb_changes(app_hidden.event_data(v_old), app_hidden.event_data(v_new));
  if v_changes = '{}'::jsonb then
    return v_old; -- nothing to do, nothing to announce
  end if;

  update app_public.event e set
    title = v_new.title,
    description = v_new.description,
    category = v_new.category,
    location_name = v_new.location_name,
    latitude = v_new.latitude,
    longitude = v_new.longitude,
    starts_at = v_new.starts_at,
    ends_at = v_new.ends_at,
    capacity = v_new.capacity,
    booking_deadline_hours = v_new.booking_deadline_hours,
    crew_required = v_new.crew_required,
    crew_status = v_new.crew_status,
    crew_id = v_new.crew_id
  where e.id = v_old.id
  returning * into v_new;

  perform app_hidden.record_change(
    'event', v_new.id, 'EventUpdated', 'event.update', 'event',
    jsonb_build_object('changes', v_changes, 'event', app_hidden.event_data(v_new))
  );
  return v_new;
end;
$$;
comment on function app_public.update_event(uuid, text, text, text, text, double precision, double precision, timestamptz, timestamptz, integer, integer, boolean) is
  E'Changes a draft or published event (its organizer, or an admin). Arguments left null stay unchanged; a blank description clears it. Writes EventUpdated with the changed fields; a call that changes nothing writes nothing. Errors: 28000, 42501, P0002, 55000, 22023, EVDAT, EVDUR, EVPST (new start in the past), EVCAP (capacity below seats taken), TRQTA (capacity below a tier quota).';
create or replace function app_public.update_price_tier(
  id uuid,
  name text default null,
  price numeric default null,
  quota integer default null,
  remove_quota boolean default false
) returns app_public.event_price_tier
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event_id uuid := (select t.event_id from app_public.event_price_tier t where t.id = update_price_tier.id);
  v_event app_public.event;
  v_old app_public.event_price_tier;
  v_new app_public.event_price_tier;
  v_changes jsonb;
  v_seats_taken integer;
begin
  -- Lock order event → tier, as everywhere.
  v_event := app_hidden.event_for_change(v_event_id, 'price tier not found');
  select * into v_old from app_public.event_price_tier t where t.id = update_price_tier.id for update;
  if not found then
    raise exception 'price tier not found' using errcode = 'P0002';
  end if;
  -- Locked before it is compared with a new quota (event → tier → seat counters).
  select c.seats_taken into v_seats_taken
  from app_public.price_tier_seat_counter c where c.price_tier_id = v_old.id
  for no key update;
  perform app_hidden.assert_event_editable(v_event);

  v_new := v_old;
  if update_price_tier.name is not null then
    v_new.name := app_hidden.clean_text(update_price_tier.name);
    if v_new.name is null or char_length(v_new.name) > 100 then
      raise exception 'price tier name must be 1 to 100 characters long' using errcode = '22023', column = 'name';
    end if;
    if exists (
      select from app_public.event_price_tier t
      where t.event_id = v_old.event_id and t.name = v_new.name and t.id <> v_old.id
    ) then
      raise exception 'a price tier named "%" already exists for this event', v_new.name
        using errcode = '23505', column = 'name', constraint = 'event_price_tier_event_id_name_key';
    end if;
  end if;
  if update_price_tier.price is not null then
    if update_price_tier.price < 0 then
      raise exception 'price must be 0 or more' using errcode = '22023', column = 'price';
    end if;
    if update_price_tier.price <> round(update_price_tier.price, 2) or update_price_tier.price >= 10000000000 then
      raise exception 'price must have at most two decimals and be below 10000000000'
        using errcode = '22023', column = 'price';
    end if;
    v_new.price := update_price_tier.price;
  end if;
  if coalesce(update_price_tier.remove_quota, false) then
    if update_price_tier.quota is not null then
      raise exception 'give either quota or remove_quota, not both' using errcode = '22023', column = 'quota';
    end if;
    v_new.quota := null;
  elsif update_price_tier.quota is not null then
    if update_price_tier.quota < 1 then
      raise exception 'quota must be at least 1 (or null for no own limit)' using errcode = '22023', column = 'quota';
    end if;
    if update_price_tier.quota > v_event.capacity then
      raise exception 'quota % exceeds the event capacity %', update_price_tier.quota, v_event.capacity
        using errcode = 'TRQTA', column = 'quota', hint = 'Use a quota between 1 and the event capacity.';
    end if;
    if update_price_tier.quota < v_seats_taken then
      raise exception 'quota % is below the % seats already taken in this tier', update_price_tier.quota, v_seats_taken
        using errcode = 'TRSEA', column = 'quota';
    end if;
    v_new.quota := update_price_tier.quota;
  end if;

  v_changes := app_hidden.jsonb_changes(app_hidden.price_tier_data(v_old), app_hidden.price_tier_data(v_new));
  if v_changes = '{}'::jsonb then
    return v_old;
  end if;

  update app_public.event_price_tier t
  set name = v_new.name, price = v_new.price, quota = v_new.quota
  where t.id = v_old.id
  returning * into v_new;

  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event_price_tier.update', 'event_price_tier',
    jsonb_build_object('priceTierUpdated', app_hidden.price_tier_data(v_new), 'changes', v_changes),
    v_new.id::text
  );
  return v_new;
end;
$$;
comment on function app_public.update_price_tier(uuid, text, numeric, integer, boolean) is
  E'Changes the name, price or quota of a price tier of a draft or published event (its organizer, or an admin); null leaves a field unchanged, remove_quota drops the tier''s own limit. The currency cannot change. Errors: 28000, 42501, P0002, 55000, 22023, TRQTA, TRSEA (quota below seats taken), 23505.';
create or replace function app_public.remove_price_tier(id uuid) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event_id uuid := (select t.event_id from app_public.event_price_tier t where t.id = remove_price_tier.id);
  v_event app_public.event;
  v_tier app_public.event_price_tier;
  v_seats_taken integer;
begin
  v_event := app_hidden.event_for_change(v_event_id, 'price tier not found');
  select * into v_tier from app_public.event_price_tier t where t.id = remove_price_tier.id for update;
  if not found then
    raise exception 'price tier not found' using errcode = 'P0002';
  end if;
  perform app_hidden.assert_event_editable(v_event);
  v_seats_taken := app_public.event_price_tier_seats_taken(v_tier);
  if v_seats_taken > 0 then
    raise exception 'price tier "%" has % seats taken and cannot be removed', v_tier.name, v_seats_taken
      using errcode = 'TRSEA';
  end if;
  if exists (select from app_public.booking b where b.price_tier_id = v_tier.id) then
    raise exception 'price tier "%" has bookings and cannot be removed', v_tier.name
      using errcode = 'TRSEA', hint = 'Its bookings keep the price they were sold at; leave the tier, or lower its quota.';
  end if;
  if v_event.status = 'published'
     and not exists (select from app_public.event_price_tier t where t.event_id = v_event.id and t.id <> v_tier.id) then
    raise exception 'a published event must keep at least one price tier'
      using errcode = 'EVTIR', hint = 'Add another tier first, or cancel the event.';
  end if;

  delete from app_public.event_price_tier t where t.id = v_tier.id;

  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event_price_tier.remove', 'event_price_tier',
    jsonb_build_object('priceTierRemoved', app_hidden.price_tier_data(v_tier)),
    v_tier.id::text
  );
  return v_event;
end;
$$;
comment on function app_public.remove_price_tier(uuid) is
  E'Removes a price tier without seats taken or bookings from a draft or published event (its organizer, or an admin) and returns the event. A published event keeps at least one tier. Errors: 28000, 42501, P0002, 55000, TRSEA (seats taken, or bookings refer to it), EVTIR (last tier of a published event).';

create or replace function app_public.search_events(
  category text default null,
  starts_from timestamptz default null,
  starts_to timestamptz default null,
  query text default null,
  near_latitude double precision default null,
  near_longitude double precision default null,
  radius_km double precision default null,
  only_available boolean default false
) returns setof app_public.event
  language plpgsql stable
as $$
declare
  v_query text := app_hidden.clean_text(search_events.query);
  v_near boolean := coalesce(near_latitude, near_longitude, radius_km) is not null;
begin
  if char_length(v_query) > 200 then
    raise exception 'query must be at most 200 characters long' using errcode = '22023', column = 'query';
  end if;
  if starts_from > starts_to then
    raise exception 'starts_to must not be before starts_from' using errcode = 'EVDAT', column = 'starts_to';
  end if;
  if v_near then
    if near_latitude is null or near_longitude is null or radius_km is null then
      raise exception 'near_latitude, near_longitude and radius_km must be given together'
        using errcode = '22023', column = 'radius_km';
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
  end if;

  -- Visibility is RLS's business: this function runs as the caller.
  return query
    select e.*
    from app_public.event e
    where (search_events.category is null or e.category = search_events.category)
      and (search_events.starts_from is null or e.starts_at >= search_events.starts_from)
      and (search_events.starts_to is null or e.starts_at <= search_events.starts_to)
      and (v_query is null or e.search_vector @@ websearch_to_tsquery('simple'::regconfig, v_query))
      and (not v_near or (
        e.latitude is not null
        and app_hidden.distance_km(near_latitude, near_longitude, e.latitude, e.longitude) <= radius_km
      ))
      and (not coalesce(only_available, false) or (e.status = 'published' and exists (
        select from app_public.event_seat_counter c where c.event_id = e.id and c.seats_taken < c.capacity
      )))
    order by e.starts_at, e.id;
end;
$$;
create or replace function app_public.cancel_event(id uuid, reason text) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event := app_hidden.event_for_change(cancel_event.id);
  v_reason text := app_hidden.clean_text(cancel_event.reason);
  v_was_published boolean := v_event.status = 'published';
  v_booking app_public.booking;
  v_count integer := 0;
begin
  if v_reason is null or char_length(v_reason) not between 3 and 1000 then
    raise exception 'reason must be 3 to 1000 characters long'
      using errcode = '22023', column = 'reason', hint = 'Say why the event is canceled; participants will read it.';
  end if;
  if v_event.status = 'canceled' then
    return v_event; -- idempotent: a retried cancellation changes nothing and announces nothing
  end if;
  if v_event.status <> all ('{draft,published}'::app_public.event_status[]) then
    raise exception 'a % event cannot be canceled', v_event.status
      using errcode = '55000', column = 'status';
  end if;

  -- Its live bookings are locked before the status change locks the seat
  -- counter (lock order event → booking → seat counters, as in cancel_booking
  -- and the expiry), so an expiry batch holding one of them never waits for
  -- a counter this transaction holds.
  perform from app_public.booking b
  where b.event_id = v_event.id and b.status in ('pending_payment', 'confirmed')
  order by b.id
  for update;

  update app_public.event e
  set status = 'canceled', cancel_reason = v_reason, canceled_at = now(), canceled_by = app_public.current_user_id()
  where e.id = v_event.id;

  -- Every live booking goes with it (seats freed, paid ones refunded), in
  -- this one transaction; the event is locked, so no booking can slip in.
  for v_booking in
    select * from app_public.booking b
    where b.event_id = v_event.id and b.status in ('pending_payment', 'confirmed')
    order by b.id
    for update
  loop
    perform app_hidden.end_booking(v_booking, 'canceled', left('event canceled: ' || v_reason, 1000));
    v_count := v_count + 1;
  end loop;

  select * into v_event from app_public.event e where e.id = v_event.id;
  perform app_hidden.record_change(
    'event', v_event.id, 'EventCanceled', 'event.cancel', 'event',
    jsonb_build_object(
      'reason', v_reason,
      'canceledBy', v_event.canceled_by,
      'wasPublished', v_was_published,
      'bookingsCanceled', v_count,
      'event', app_hidden.event_data(v_event)
    )
  );
  -- The crew issue enqueues ReleaseCrew here when a crew was assigned.
  return v_event;
end;
$$;
comment on function app_public.cancel_event(uuid, text) is
  E'Cancels a draft or published event (its organizer, or an admin) with a reason shown to participants; all its live bookings are canceled with it (seats freed, paid ones refunded in full, BookingCanceled and PaymentRefunded each). Canceling a canceled event again returns it unchanged. Errors: 28000, 42501, P0002, 22023 (reason), 55000 (completed).';


--------------------------------------------------------------------------------
-- Expiry: set-based batches, SKIP LOCKED, continued until the backlog is gone
--------------------------------------------------------------------------------

drop function if exists app_hidden.expire_overdue_bookings(integer);

/*
 * One batch of the expiry, in one statement per step instead of one call per
 * booking: lock up to `batch` overdue pending bookings (SKIP LOCKED: a
 * booking that another worker's batch, or a payment confirmation, holds right
 * now is left to them), expire them, give their seats and promo uses back
 * with one update per counter row, and write their audit and outbox rows in
 * two inserts (the set-based twin of record_change: same rows, same
 * BookingExpired payload), the counters last. Locks: the bookings first, then the counter rows,
 * each kind in key order, so concurrent batches and the other use cases
 * (event → booking → seat counters) never wait in a circle. Run as the owner
 * by the expire_bookings task; short transactions, one per batch.
 */
create function app_hidden.expire_overdue_bookings(batch integer default 500) returns integer
  language plpgsql volatile
as $$
declare
  v_count integer;
begin
  create temp table if not exists expiring (
    id uuid, event_id uuid, price_tier_id uuid, promo_code_id uuid, quantity integer, data jsonb
  ) on commit drop;
  truncate expiring;

  with due as (
    select b.id
    from app_public.booking b
    where b.status = 'pending_payment' and b.payment_deadline <= now()
    order by b.payment_deadline, b.id
    limit greatest(coalesce(expire_overdue_bookings.batch, 500), 1)
    for update skip locked
  ), expired as (
    update app_public.booking b
    set status = 'expired', expired_at = now()
    from due
    where b.id = due.id
    returning b.*
  )
  insert into expiring
  select e.id, e.event_id, e.price_tier_id, e.promo_code_id, e.quantity, app_hidden.booking_data(row(e.*)::app_public.booking)
  from expired e;
  get diagnostics v_count = row_count;
  if v_count = 0 then
    return 0;
  end if;

  insert into app_private.audit_log (actor_id, actor_roles, action, table_name, row_id, details, request_id)
  select app_public.current_user_id(), app_public.current_user_roles(), 'booking.expire', 'booking', x.id::text, x.data,
         nullif(current_setting('app.request_id', true), '')
  from expiring x;
  insert into app_private.outbox (aggregate_type, aggregate_id, event_type, actor_id, data)
  select 'booking', x.id, 'BookingExpired', app_public.current_user_id(), x.data
  from expiring x
  order by x.id;

  -- Last (as in create_booking), so the counter rows stay locked only from here to
  -- the commit: seats and promo uses come back, one update per counter row, in key order.
  perform from app_public.event_seat_counter c
  where c.event_id in (select x.event_id from expiring x) order by c.event_id for no key update;
  update app_public.event_seat_counter c set seats_taken = c.seats_taken - x.quantity
  from (select event_id, sum(quantity)::integer as quantity from expiring group by event_id) x
  where c.event_id = x.event_id;
  perform from app_public.price_tier_seat_counter c
  where c.price_tier_id in (select x.price_tier_id from expiring x) order by c.price_tier_id for no key update;
  update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - x.quantity
  from (select price_tier_id, sum(quantity)::integer as quantity from expiring group by price_tier_id) x
  where c.price_tier_id = x.price_tier_id;
  perform from app_public.promo_code pc
  where pc.id in (select x.promo_code_id from expiring x) order by pc.id for no key update;
  update app_public.promo_code pc set uses = pc.uses - x.uses
  from (select promo_code_id, count(*)::integer as uses from expiring where promo_code_id is not null group by promo_code_id) x
  where pc.id = x.promo_code_id;

  truncate expiring;
  return v_count;
end;
$$;
comment on function app_hidden.expire_overdue_bookings(integer) is
  E'Expires up to `batch` pending bookings whose payment deadline has passed, set-based (seats and promo uses given back, BookingExpired each); returns how many. Safe to run in several workers at once (SKIP LOCKED). Run by the worker''s expire_bookings task as the owner, one batch per transaction.';

/*
 * When the expire_bookings task should run next: at the earliest payment
 * deadline of a pending booking (at least `min_delay` from now), so a
 * backlog that falls due at one moment is expired right then instead of at
 * the next minute's cron tick. One job (job key), replaced each time.
 */
create or replace function app_hidden.schedule_next_expiry(min_delay interval default interval '1 second') returns timestamptz
  language plpgsql volatile
as $$
declare
  v_next timestamptz := (
    select min(b.payment_deadline) from app_public.booking b where b.status = 'pending_payment'
  );
begin
  if v_next is null then
    return null; -- nothing pending; the minute cron and new bookings' deadlines take over
  end if;
  v_next := greatest(v_next, now() + schedule_next_expiry.min_delay);
  perform graphile_worker.add_job(
    'expire_bookings',
    json_build_object('scheduled', true),
    run_at := v_next,
    job_key := 'expire_bookings_next',
    job_key_mode := 'replace',
    max_attempts := 5
  );
  return v_next;
end;
$$;
comment on function app_hidden.schedule_next_expiry(interval) is
  E'Schedules the expire_bookings job at the earliest payment deadline of a pending booking (not sooner than min_delay from now); returns that time, or null when nothing is pending. Owner only (the worker).';
