/*
 * Waiting list (issue #18, items 1 and 2): a user who finds an event (or one
 * of its price tiers) sold out joins its list with the number of seats they
 * want; when seats free up, the longest-waiting entries that fit are OFFERED
 * seats, and an offer turns into a normal pending-payment booking when the
 * user accepts it.
 *
 * Race-free by construction: an offer holds its seats on the SAME counter
 * rows as bookings (app_public.event_seat_counter, price_tier_seat_counter of
 * 190-hot-path.sql), so held seats are not bookable by others, never offered
 * twice, and capacity is still enforced by the counters' check constraints.
 *
 * Where freed seats are offered: a DEFERRED constraint trigger on the counter
 * rows fires when seats_taken goes down (cancel, expiry, declined or expired
 * offer) or capacity/quota goes up, and runs offer_freed_seats at COMMIT of
 * that very transaction. That transaction still holds the counter row locks,
 * so no direct booking can take a freed seat between the release and the
 * offer: the list goes first whenever it is non-empty. No change to the
 * booking functions was needed.
 *
 * Lock order (190's, extended): event seat counter → tier seat counter →
 * waitlist entry → (booking, through create_booking). Nobody here locks an
 * event or tier row after a counter row.
 *
 * Idempotent: re-applied on top of itself during development.
 */

--------------------------------------------------------------------------------
-- The table
--------------------------------------------------------------------------------

do $$
begin
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'waitlist_status') then
    create type app_public.waitlist_status as enum ('waiting', 'offered', 'accepted', 'declined', 'expired', 'left');
  end if;
end;
$$;
comment on type app_public.waitlist_status is
  E'Where a waiting-list entry stands: waiting (in line), offered (seats held for it until offer_expires_at), accepted (became a booking), declined, expired (the offer timed out), left (the user left the list).';

create table if not exists app_public.waitlist_entry (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null
    constraint waitlist_entry_event_id_fkey references app_public.event (id) on delete cascade,
  price_tier_id uuid
    constraint waitlist_entry_price_tier_id_fkey references app_public.event_price_tier (id) on delete cascade,
  user_id uuid not null,
  seats_wanted integer not null
    constraint waitlist_entry_seats_wanted_check check (seats_wanted between 1 and 20),
  accepts_fewer boolean not null default false,
  joined_at timestamptz not null default now(),
  status app_public.waitlist_status not null default 'waiting',
  offered_seats integer,
  offered_at timestamptz,
  offer_expires_at timestamptz,
  booking_id uuid
    constraint waitlist_entry_booking_id_fkey references app_public.booking (id) on delete set null,
  ended_at timestamptz
);
-- The place in line is the moment of the join statement, not of its
-- transaction's start: two joins in one transaction keep their order.
alter table app_public.waitlist_entry alter column joined_at set default clock_timestamp();
-- An offer is for 1..seats_wanted seats, and only fewer when the user said so.
alter table app_public.waitlist_entry drop constraint if exists waitlist_entry_offer_check;
alter table app_public.waitlist_entry add constraint waitlist_entry_offer_check check (
  (status <> 'waiting' or offered_seats is null)
  and (status not in ('offered', 'accepted') or offered_seats is not null)
  and (offered_seats is null or (offered_seats between 1 and seats_wanted
                                 and (accepts_fewer or offered_seats = seats_wanted)
                                 and offered_at is not null and offer_expires_at is not null))
);
alter table app_public.waitlist_entry drop constraint if exists waitlist_entry_ended_check;
alter table app_public.waitlist_entry add constraint waitlist_entry_ended_check check (
  (status in ('waiting', 'offered')) = (ended_at is null)
);
alter table app_public.waitlist_entry enable row level security;

-- One live entry per user per event (a new one after leaving, declining, …).
create unique index if not exists waitlist_entry_live_key
  on app_public.waitlist_entry (event_id, user_id) where status in ('waiting', 'offered');
-- The line, in order (offer_freed_seats, the organizer's view; GraphQL's condition on eventId).
drop index if exists app_public.waitlist_entry_line_idx;
create index if not exists waitlist_entry_event_id_joined_at_idx
  on app_public.waitlist_entry (event_id, joined_at, id);
-- The expiry job's scan.
create index if not exists waitlist_entry_offer_expires_idx
  on app_public.waitlist_entry (offer_expires_at) where status = 'offered';
create index if not exists waitlist_entry_user_id_idx on app_public.waitlist_entry (user_id);
create index if not exists waitlist_entry_price_tier_id_idx on app_public.waitlist_entry (price_tier_id);
create index if not exists waitlist_entry_booking_id_idx on app_public.waitlist_entry (booking_id);

comment on table app_public.waitlist_entry is
  E'@behavior -insert -update -delete\nA place on an event''s waiting list (optionally for one price tier): the seats wanted, and the offer made when seats freed up. Written only by join_waitlist, leave_waitlist, accept_offer, decline_offer and the offer/expiry functions. Visible to its user, the event''s organizer and admins; it shows the same personal data a booking does (the user id).';
comment on column app_public.waitlist_entry.id is E'The entry.';
comment on column app_public.waitlist_entry.event_id is E'The sold-out event.';
comment on column app_public.waitlist_entry.price_tier_id is E'The tier the user waits for; null: any tier (chosen when accepting the offer).';
comment on column app_public.waitlist_entry.user_id is E'The waiting user.';
comment on column app_public.waitlist_entry.seats_wanted is E'Seats wanted (1..the event''s max seats per booking).';
comment on column app_public.waitlist_entry.accepts_fewer is E'Whether an offer of fewer seats than wanted is welcome (otherwise the entry waits until all fit).';
comment on column app_public.waitlist_entry.joined_at is E'When the user joined: the place in line.';
comment on column app_public.waitlist_entry.status is E'waiting, offered, accepted, declined, expired or left.';
comment on column app_public.waitlist_entry.offered_seats is E'Seats offered (held on the event''s, and the tier''s, seat counters while offered).';
comment on column app_public.waitlist_entry.offered_at is E'When the offer was made.';
comment on column app_public.waitlist_entry.offer_expires_at is E'Until when the offer holds its seats (setting waitlist_offer_hold_minutes, never past the booking deadline).';
comment on column app_public.waitlist_entry.booking_id is E'The booking an accepted offer became.';
comment on column app_public.waitlist_entry.ended_at is E'When the entry left the line (accepted, declined, expired, left).';

drop policy if exists select_own_or_managed on app_public.waitlist_entry;
create policy select_own_or_managed on app_public.waitlist_entry for select using (
  user_id in (select app_public.current_user_id())
  or event_id in (select e.id from app_public.event e where e.organizer_id = (select app_public.current_user_id()))
  or (select app_public.has_role('admin'))
);
revoke all on app_public.waitlist_entry from :DATABASE_ANONYMOUS, :DATABASE_MEMBER;
grant select on app_public.waitlist_entry to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Settings, payloads
--------------------------------------------------------------------------------

insert into app_private.setting (key, value, description) values
  ('waitlist_offer_hold_minutes', '120', 'Minutes a waiting-list offer holds its seats for the user to accept (1..10080); never beyond the event''s booking deadline.')
on conflict (key) do nothing;

create or replace function app_hidden.waitlist_offer_hold() returns interval
  language sql stable
as $$
  select make_interval(mins => coalesce(
    (select least(greatest(s.value::integer, 1), 10080) from app_private.setting s
     where s.key = 'waitlist_offer_hold_minutes' and s.value ~ '^[0-9]{1,5}$'),
    120
  ));
$$;
comment on function app_hidden.waitlist_offer_hold() is
  E'How long an offer holds its seats: setting waitlist_offer_hold_minutes (1..10080, default 120 minutes; a malformed value counts as the default).';

create or replace function app_hidden.waitlist_entry_data(w app_public.waitlist_entry) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', w.id, 'eventId', w.event_id, 'priceTierId', w.price_tier_id, 'userId', w.user_id,
    'seatsWanted', w.seats_wanted, 'acceptsFewer', w.accepts_fewer, 'joinedAt', w.joined_at,
    'status', w.status, 'offeredSeats', w.offered_seats, 'offerExpiresAt', w.offer_expires_at,
    'bookingId', w.booking_id
  );
$$;
comment on function app_hidden.waitlist_entry_data(app_public.waitlist_entry) is E'A waiting-list entry as the JSON payload of outbox messages (aggregate type waitlist).';

--------------------------------------------------------------------------------
-- Offering freed seats
--------------------------------------------------------------------------------

/*
 * Walks the event's line in joined order and offers free seats to each entry
 * that fits: all its seats, or fewer when it accepts fewer. An entry that does
 * not fit is skipped (a later, smaller one may fit), which is "the
 * longest-waiting entries that fit". Each offer is a guarded counter update
 * like a booking's, so the check constraints hold even if this were wrong.
 * Locks: event counter → the tier counters the line needs (key order) →
 * entries (joined order).
 */
create or replace function app_hidden.offer_freed_seats(event_id uuid) returns integer
  language plpgsql volatile
as $$
declare
  v_counter app_public.event_seat_counter;
  v_free integer;
  v_tier_free integer;
  v_n integer;
  v_entry app_public.waitlist_entry;
  v_count integer := 0;
  v_hold interval := app_hidden.waitlist_offer_hold();
begin
  select * into v_counter from app_public.event_seat_counter c
  where c.event_id = offer_freed_seats.event_id
  for no key update;
  if not found or v_counter.bookable_until is null or now() >= v_counter.bookable_until then
    return 0; -- not taking bookings: nothing to offer
  end if;
  v_free := v_counter.capacity - v_counter.seats_taken;
  if v_free <= 0 or not exists (
    select from app_public.waitlist_entry w where w.event_id = offer_freed_seats.event_id and w.status = 'waiting'
  ) then
    return 0;
  end if;

  perform from app_public.price_tier_seat_counter c
  where c.price_tier_id in (
    select w.price_tier_id from app_public.waitlist_entry w
    where w.event_id = offer_freed_seats.event_id and w.status = 'waiting'
  )
  order by c.price_tier_id
  for no key update;

  for v_entry in
    select * from app_public.waitlist_entry w
    where w.event_id = offer_freed_seats.event_id and w.status = 'waiting'
    order by w.joined_at, w.id
    for update
  loop
    exit when v_free <= 0;
    v_n := least(v_entry.seats_wanted, v_free);
    if v_entry.price_tier_id is not null then
      select case when c.quota is null then v_n else c.quota - c.seats_taken end into v_tier_free
      from app_public.price_tier_seat_counter c where c.price_tier_id = v_entry.price_tier_id;
      v_n := least(v_n, coalesce(v_tier_free, 0));
    end if;
    continue when v_n <= 0 or (v_n < v_entry.seats_wanted and not v_entry.accepts_fewer);

    update app_public.event_seat_counter c set seats_taken = c.seats_taken + v_n
    where c.event_id = v_entry.event_id and c.seats_taken + v_n <= c.capacity;
    exit when not found; -- cannot happen under our lock; never raise at someone else's commit
    if v_entry.price_tier_id is not null then
      update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken + v_n
      where c.price_tier_id = v_entry.price_tier_id and (c.quota is null or c.seats_taken + v_n <= c.quota);
      if not found then
        update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_n where c.event_id = v_entry.event_id;
        continue;
      end if;
    end if;
    v_free := v_free - v_n;

    update app_public.waitlist_entry w set
      status = 'offered', offered_seats = v_n, offered_at = now(),
      offer_expires_at = least(now() + v_hold, v_counter.bookable_until)
    where w.id = v_entry.id
    returning * into v_entry;
    perform app_hidden.record_change(
      'waitlist', v_entry.id, 'SeatsOffered', 'waitlist.offer', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
    );
    v_count := v_count + 1;
  end loop;

  -- No job is scheduled here: graphile_worker.add_job with a job key locks one
  -- global row, and taking it while holding counter rows lets two commits
  -- wait on each other. The minute cron and the task's own rescheduling
  -- (outside any counter lock) expire offers at most about a minute late.
  return v_count;
end;
$$;
comment on function app_hidden.offer_freed_seats(uuid) is
  E'Offers the event''s free seats to its waiting list in joined order (an entry that does not fit is skipped; fewer seats only with accepts_fewer): each offer holds its seats on the event (and tier) seat counters, SeatsOffered each. Returns the number of offers. Runs at the commit of every transaction that frees seats (deferred trigger); owner only.';

/*
 * The deferred trigger: at COMMIT of a transaction that freed seats or raised
 * capacity, the freed seats go to the list before anyone else can see them.
 */
create or replace function app_private.tg_seat_counter__offer_freed_seats() returns trigger
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  perform app_hidden.offer_freed_seats(new.event_id);
  return null;
end;
$$;
comment on function app_private.tg_seat_counter__offer_freed_seats() is
  E'Deferred: offers seats freed on a counter row to the event''s waiting list at the commit of the transaction that freed them (which still holds the counter row).';

drop trigger if exists _900_offer_freed_seats on app_public.event_seat_counter;
create constraint trigger _900_offer_freed_seats
  after update on app_public.event_seat_counter
  deferrable initially deferred
  for each row
  when (new.seats_taken < old.seats_taken or new.capacity > old.capacity
        or (new.bookable_until is not null and old.bookable_until is null))
  execute function app_private.tg_seat_counter__offer_freed_seats();

drop trigger if exists _900_offer_freed_seats on app_public.price_tier_seat_counter;
create constraint trigger _900_offer_freed_seats
  after update on app_public.price_tier_seat_counter
  deferrable initially deferred
  for each row
  when (new.seats_taken < old.seats_taken or (new.quota is distinct from old.quota and (new.quota is null or new.quota > old.quota)))
  execute function app_private.tg_seat_counter__offer_freed_seats();

--------------------------------------------------------------------------------
-- Joining and leaving
--------------------------------------------------------------------------------

create or replace function app_public.join_waitlist(
  event_id uuid,
  seats_wanted integer default 1,
  price_tier_id uuid default null,
  accepts_fewer boolean default false
) returns app_public.waitlist_entry
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
#variable_conflict use_column
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event app_public.event;
  v_tier app_public.event_price_tier;
  v_max integer;
  v_free integer;
  v_tier_free integer;
  v_entry app_public.waitlist_entry;
begin
  select * into v_event from app_public.event e where e.id = join_waitlist.event_id;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception 'event not found' using errcode = 'P0002';
  end if;
  if v_event.organizer_id = v_user_id then
    raise exception 'organizers cannot book their own event' using errcode = 'BKOWN';
  end if;
  v_max := coalesce(v_event.max_seats_per_booking,
                    (select s.value::integer from app_private.setting s where s.key = 'booking_max_seats_default'), 10);
  if join_waitlist.seats_wanted is null or join_waitlist.seats_wanted < 1 then
    raise exception 'seats_wanted must be at least 1' using errcode = 'BKQTY', column = 'seats_wanted';
  end if;
  if join_waitlist.seats_wanted > least(v_max, 20) then
    raise exception 'at most % seat(s) per booking for this event', least(v_max, 20)
      using errcode = 'BKMAX', column = 'seats_wanted', hint = 'Ask for fewer seats.';
  end if;
  if join_waitlist.price_tier_id is not null then
    select * into v_tier from app_public.event_price_tier t where t.id = join_waitlist.price_tier_id;
    if not found or v_tier.event_id <> v_event.id then
      raise exception 'price tier not found for this event' using errcode = 'BKTEV', column = 'price_tier_id';
    end if;
  end if;
  if v_event.status <> 'published' then
    raise exception 'bookings are closed: the event is %', v_event.status using errcode = '55000', column = 'status';
  end if;
  if now() >= v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours) then
    raise exception 'bookings for this event closed at %', v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours)
      using errcode = 'BKCLO';
  end if;
  if exists (
    select from app_public.booking b
    where b.event_id = v_event.id and b.user_id = v_user_id and b.status in ('pending_payment', 'confirmed')
  ) then
    raise exception 'you already have a booking for this event' using errcode = 'BKDUP';
  end if;

  -- Sold out for this request: fewer free seats than wanted (event, or the tier's quota).
  v_free := app_public.event_seats_available(v_event);
  if v_tier.id is not null then
    v_tier_free := app_public.event_price_tier_seats_available(v_tier);
  end if;
  if v_free >= join_waitlist.seats_wanted and coalesce(v_tier_free, v_free) >= join_waitlist.seats_wanted then
    raise exception '% seat(s) are free: book them instead of waiting', least(v_free, coalesce(v_tier_free, v_free))
      using errcode = 'WLFRE', hint = 'Call create_booking.';
  end if;

  insert into app_public.waitlist_entry (event_id, price_tier_id, user_id, seats_wanted, accepts_fewer)
  values (v_event.id, v_tier.id, v_user_id, join_waitlist.seats_wanted, coalesce(join_waitlist.accepts_fewer, false))
  on conflict (event_id, user_id) where status in ('waiting', 'offered') do nothing
  returning * into v_entry;
  if v_entry.id is null then
    raise exception 'you are already on this event''s waiting list' using errcode = 'WLDUP';
  end if;
  perform app_hidden.record_change(
    'waitlist', v_entry.id, 'WaitlistJoined', 'waitlist.join', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
  );
  return v_entry;
end;
$$;
comment on function app_public.join_waitlist(uuid, integer, uuid, boolean) is
  E'Puts the caller on a sold-out event''s waiting list (optionally for one price tier) for seats_wanted seats (1..the event''s max per booking); accepts_fewer: an offer of fewer seats is welcome. Only while bookings are open and fewer seats are free than wanted; one live entry per user per event. Errors: 28000, P0002, BKOWN, BKQTY, BKMAX, BKTEV, 55000, BKCLO, BKDUP, WLFRE, WLDUP.';
grant execute on function app_public.join_waitlist(uuid, integer, uuid, boolean) to :DATABASE_MEMBER;

/*
 * Ends a live entry of the caller. An offered entry gives its held seats back
 * (the deferred trigger passes them on at commit). Locks: counters first,
 * then the entry, re-checked under its lock.
 */
create or replace function app_hidden.end_waitlist_entry(
  entry_id uuid,
  new_status app_public.waitlist_status,
  from_status app_public.waitlist_status[]
) returns app_public.waitlist_entry
  language plpgsql volatile
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_entry app_public.waitlist_entry;
begin
  select * into v_entry from app_public.waitlist_entry w
  where w.id = end_waitlist_entry.entry_id and w.user_id = v_user_id;
  if not found then
    raise exception 'waiting-list entry not found' using errcode = 'P0002';
  end if;
  perform from app_public.event_seat_counter c where c.event_id = v_entry.event_id for no key update;
  perform from app_public.price_tier_seat_counter c where c.price_tier_id = v_entry.price_tier_id for no key update;
  select * into v_entry from app_public.waitlist_entry w where w.id = v_entry.id for update;
  if v_entry.status <> all (end_waitlist_entry.from_status) then
    if 'waiting' = any (end_waitlist_entry.from_status) then
      raise exception 'the entry is no longer on the waiting list (it is %)', v_entry.status using errcode = 'WLEND';
    end if;
    raise exception 'no open offer on this entry (it is %)', v_entry.status using errcode = 'WLNOF';
  end if;

  if v_entry.status = 'offered' then
    update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
    where c.event_id = v_entry.event_id;
    update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
    where c.price_tier_id = v_entry.price_tier_id;
  end if;
  update app_public.waitlist_entry w set status = end_waitlist_entry.new_status, ended_at = now()
  where w.id = v_entry.id
  returning * into v_entry;
  perform app_hidden.record_change(
    'waitlist', v_entry.id,
    case end_waitlist_entry.new_status when 'left' then 'WaitlistLeft' else 'OfferDeclined' end,
    case end_waitlist_entry.new_status when 'left' then 'waitlist.leave' else 'waitlist.decline' end,
    'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
  );
  return v_entry;
end;
$$;
comment on function app_hidden.end_waitlist_entry(uuid, app_public.waitlist_status, app_public.waitlist_status[]) is
  E'Shared by leave_waitlist and decline_offer: ends the caller''s entry if it is in one of from_status, giving an offer''s held seats back (passed on at commit). Owner only.';

create or replace function app_public.leave_waitlist(id uuid) returns app_public.waitlist_entry
  language sql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  select * from app_hidden.end_waitlist_entry(leave_waitlist.id, 'left', array['waiting', 'offered']::app_public.waitlist_status[]);
$$;
comment on function app_public.leave_waitlist(uuid) is
  E'The caller leaves a waiting list (an open offer is given up: its seats go to the next in line). WaitlistLeft. Errors: 28000, P0002, WLEND.';
grant execute on function app_public.leave_waitlist(uuid) to :DATABASE_MEMBER;

create or replace function app_public.decline_offer(id uuid) returns app_public.waitlist_entry
  language sql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  select * from app_hidden.end_waitlist_entry(decline_offer.id, 'declined', array['offered']::app_public.waitlist_status[]);
$$;
comment on function app_public.decline_offer(uuid) is
  E'The caller declines the seats offered to their waiting-list entry; they go to the next in line. OfferDeclined. Errors: 28000, P0002, WLNOF.';
grant execute on function app_public.decline_offer(uuid) to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Accepting an offer
--------------------------------------------------------------------------------

/*
 * The offer becomes a booking through create_booking itself (every booking
 * rule, price and promo code, once). The seats pass from the offer to the
 * booking inside this transaction while it holds the counter rows from the
 * first statement to the commit: the offer's hold is released and
 * create_booking's guarded updates take the same seats back, so no one else
 * can see them free and capacity is counted once. The user's advisory lock
 * (create_booking's) comes first, so the order stays: user → counters → entry
 * → booking.
 */
create or replace function app_public.accept_offer(
  id uuid,
  price_tier_id uuid default null,
  promo_code text default null
) returns app_public.booking
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_entry app_public.waitlist_entry;
  v_tier_id uuid;
  v_booking app_public.booking;
begin
  perform pg_advisory_xact_lock(7301, hashtext(v_user_id::text));
  select * into v_entry from app_public.waitlist_entry w where w.id = accept_offer.id and w.user_id = v_user_id;
  if not found then
    raise exception 'waiting-list entry not found' using errcode = 'P0002';
  end if;
  v_tier_id := coalesce(v_entry.price_tier_id, accept_offer.price_tier_id);
  if v_tier_id is null then
    raise exception 'price_tier_id is needed: the entry waits for any tier'
      using errcode = '22023', column = 'price_tier_id', hint = 'Pick one of the event''s price tiers.';
  end if;
  if v_entry.price_tier_id is not null and accept_offer.price_tier_id is not null
     and accept_offer.price_tier_id <> v_entry.price_tier_id then
    raise exception 'the offer is for another price tier' using errcode = 'BKTEV', column = 'price_tier_id';
  end if;

  perform from app_public.event_seat_counter c where c.event_id = v_entry.event_id for no key update;
  perform from app_public.price_tier_seat_counter c where c.price_tier_id = v_entry.price_tier_id for no key update;
  select * into v_entry from app_public.waitlist_entry w where w.id = v_entry.id for update;
  if v_entry.status <> 'offered' then
    raise exception 'no open offer on this entry (it is %)', v_entry.status using errcode = 'WLNOF';
  end if;
  if v_entry.offer_expires_at <= now() then
    raise exception 'the offer expired at %', v_entry.offer_expires_at using errcode = 'WLOEX';
  end if;

  -- Hand the held seats to the booking (see above).
  update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
  where c.event_id = v_entry.event_id;
  update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
  where c.price_tier_id = v_entry.price_tier_id;
  v_booking := app_public.create_booking(v_entry.event_id, v_tier_id, v_entry.offered_seats, accept_offer.promo_code);

  update app_public.waitlist_entry w set status = 'accepted', booking_id = v_booking.id, ended_at = now()
  where w.id = v_entry.id
  returning * into v_entry;
  perform app_hidden.record_change(
    'waitlist', v_entry.id, 'OfferAccepted', 'waitlist.accept', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
  );
  return v_booking;
end;
$$;
comment on function app_public.accept_offer(uuid, uuid, text) is
  E'Turns the seats offered to the caller''s waiting-list entry into a booking (pending payment, or confirmed when nothing is to be paid) through create_booking''s rules, optionally with a promo code; price_tier_id is needed when the entry waits for any tier. The held seats pass to the booking; nobody else can take them in between. OfferAccepted. Errors: 28000, P0002, 22023, BKTEV, WLNOF, WLOEX, and create_booking''s (BKTQF for a full tier of an any-tier entry, CP…, BKPEN, …).';
grant execute on function app_public.accept_offer(uuid, uuid, text) to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Offer expiry (graphile-worker task expire_waitlist_offers)
--------------------------------------------------------------------------------

create or replace function app_hidden.expire_overdue_offers() returns integer
  language plpgsql volatile
as $$
declare
  v_event_id uuid;
  v_entry app_public.waitlist_entry;
  v_count integer := 0;
begin
  for v_event_id in
    select distinct w.event_id from app_public.waitlist_entry w
    where w.status = 'offered' and w.offer_expires_at <= now()
    order by w.event_id
  loop
    -- Counters first (event, then its tiers in key order), then the entries.
    perform from app_public.event_seat_counter c where c.event_id = v_event_id for no key update;
    perform from app_public.price_tier_seat_counter c
    where c.price_tier_id in (select w.price_tier_id from app_public.waitlist_entry w
                              where w.event_id = v_event_id and w.status = 'offered')
    order by c.price_tier_id for no key update;
    for v_entry in
      update app_public.waitlist_entry w set status = 'expired', ended_at = now()
      where w.event_id = v_event_id and w.status = 'offered' and w.offer_expires_at <= now()
      returning w.*
    loop
      update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
      where c.event_id = v_entry.event_id;
      update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
      where c.price_tier_id = v_entry.price_tier_id;
      perform app_hidden.record_change(
        'waitlist', v_entry.id, 'OfferExpired', 'waitlist.expire', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
      );
      v_count := v_count + 1;
    end loop;
  end loop;
  return v_count;
end;
$$;
comment on function app_hidden.expire_overdue_offers() is
  E'Expires every offer past offer_expires_at: its seats come off the counters and go to the next in line at commit (deferred trigger). OfferExpired each; returns how many. Run by the expire_waitlist_offers task as the owner.';

create or replace function app_hidden.schedule_next_offer_expiry() returns timestamptz
  language plpgsql volatile
as $$
declare
  v_next timestamptz := (
    select min(w.offer_expires_at) from app_public.waitlist_entry w where w.status = 'offered'
  );
begin
  if v_next is null then
    return null;
  end if;
  v_next := greatest(v_next, now() + interval '1 second');
  perform graphile_worker.add_job(
    'expire_waitlist_offers', '{}'::json,
    run_at := v_next, job_key := 'expire_waitlist_offers_next', job_key_mode := 'replace', max_attempts := 5
  );
  return v_next;
end;
$$;
comment on function app_hidden.schedule_next_offer_expiry() is
  E'Schedules the expire_waitlist_offers job at the earliest open offer''s expiry (the minute cron is the safety net). Owner only.';

--------------------------------------------------------------------------------
-- Seat drift: offers hold seats too
--------------------------------------------------------------------------------

create or replace view app_private.seat_drift with (security_invoker = true) as
  select 'event' as counter, c.event_id as id, c.seats_taken as counted,
         (coalesce((select sum(b.quantity) from app_public.booking b
                    where b.event_id = c.event_id and b.status in ('pending_payment', 'confirmed')), 0)
          + coalesce((select sum(w.offered_seats) from app_public.waitlist_entry w
                      where w.event_id = c.event_id and w.status = 'offered'), 0))::integer as actual
  from app_public.event_seat_counter c
  union all
  select 'event_price_tier', c.price_tier_id, c.seats_taken,
         (coalesce((select sum(b.quantity) from app_public.booking b
                    where b.price_tier_id = c.price_tier_id and b.status in ('pending_payment', 'confirmed')), 0)
          + coalesce((select sum(w.offered_seats) from app_public.waitlist_entry w
                      where w.price_tier_id = c.price_tier_id and w.status = 'offered'), 0))::integer
  from app_public.price_tier_seat_counter c
  union all
  select 'promo_code', pc.id, pc.uses,
         (select count(*) from app_public.booking b
          where b.promo_code_id = pc.id and b.status in ('pending_payment', 'confirmed'))::integer
  from app_public.promo_code pc;
comment on view app_private.seat_drift is
  E'Every seat and promo-use counter next to what the live bookings and open waiting-list offers add up to. `select * from app_private.seat_drift where counted <> actual` must return nothing; a row means a counter was changed behind the functions'' back. For DBAs (scans everything).';
