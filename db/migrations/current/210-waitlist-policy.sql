/*
 * Waiting list, the rest of issue #18 (docs/waitlist.md):
 *
 *   1. A per-event policy for freed seats: 'list_first' (the default, as
 *      before: the deferred trigger offers them at the commit of the
 *      transaction that freed them, so no direct booking can take them while
 *      a waiting entry fits) or 'first_come' (like pretix: freed seats are
 *      open to anyone at once; the worker's offer_waitlist_seats task offers
 *      what is still free to the list, about once a minute).
 *   2. The organizer's "pause offers": while paused no new offer is made
 *      (open offers stay valid); resuming offers whatever is free at once.
 *   3. The list ends with its event: when an event is canceled or completed,
 *      waiting entries end (status 'ended', end_reason) and open offers are
 *      withdrawn with their seats released; erasing a person ends their live
 *      entries the same way (end_reason 'user_erased').
 *   4. app_private.waitlist_metrics: the list's gauges and offer counters for
 *      /metrics, read by one bounded query.
 *
 * Where rules are read: the policy and the pause live on the event row and
 * are read by offer_freed_seats AFTER it has locked the event's seat counter;
 * set_waitlist_policy / pause / resume lock the event row and then that
 * counter (lock order event → counter, as everywhere), so a pause and an
 * offer are always serialized: an offer either committed before the pause or
 * sees it.
 *
 * 'ended' is a new value of waitlist_status: it may not be used in this
 * migration's own transaction (PostgreSQL refuses a new enum value before its
 * commit), so it appears only in PL/pgSQL bodies, which are planned when they
 * run, and as text in the check constraint.
 *
 * Idempotent: re-applied on top of itself during development.
 */

--------------------------------------------------------------------------------
-- Types and columns
--------------------------------------------------------------------------------

alter type app_public.waitlist_status add value if not exists 'ended';
comment on type app_public.waitlist_status is
  E'Where a waiting-list entry stands: waiting (in line), offered (seats held for it until offer_expires_at), accepted (became a booking), declined, expired (the offer timed out), left (the user left the list), ended (the list ended for it: see end_reason).';

do $$
begin
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'waitlist_policy') then
    create type app_public.waitlist_policy as enum ('list_first', 'first_come');
  end if;
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'waitlist_end_reason') then
    create type app_public.waitlist_end_reason as enum ('event_canceled', 'event_completed', 'user_erased');
  end if;
end;
$$;
comment on type app_public.waitlist_policy is
  E'Who gets seats freed on a sold-out event: list_first (the waiting list, at the commit of the transaction that freed them, before any direct booking can see them) or first_come (anyone booking at once; the waiting list is offered what is still free when the worker''s offer task runs, about once a minute).';
alter type app_public.waitlist_end_reason add value if not exists 'bookings_closed';
comment on type app_public.waitlist_end_reason is
  E'Why the list ended for an entry (status ended): event_canceled, event_completed, user_erased (the person''s data was erased), bookings_closed (the event''s booking deadline passed while it waited).';

alter table app_public.event add column if not exists waitlist_policy app_public.waitlist_policy not null default 'list_first';
alter table app_public.event add column if not exists waitlist_paused_at timestamptz;
comment on column app_public.event.waitlist_policy is
  E'Who gets freed seats while the event is sold out: list_first (the waiting list first; the default) or first_come (direct bookings at once, the list gets what is left about a minute later). Set by set_waitlist_policy.';
comment on column app_public.event.waitlist_paused_at is
  E'Since when the organizer paused waiting-list offers (pause_waitlist_offers); null: offers are made. Open offers stay valid while paused.';

alter table app_public.waitlist_entry add column if not exists end_reason app_public.waitlist_end_reason;
comment on table app_public.waitlist_entry is
  E'@behavior -insert -update -delete\nA place on an event''s waiting list (optionally for one price tier): the seats wanted, and the offer made when seats freed up. Written only by join_waitlist, leave_waitlist, accept_offer, decline_offer, the offer and expiry functions, and when the list ends (event canceled or completed, the person erased). Visible to its user, the event''s organizer and admins; it shows the same personal data a booking does (the user id).';
comment on column app_public.waitlist_entry.end_reason is
  E'Why the list ended for the entry (status ended): event_canceled, event_completed, user_erased or bookings_closed; null otherwise.';
comment on column app_public.waitlist_entry.status is
  E'waiting, offered, accepted, declined, expired, left or ended (end_reason says why).';
comment on column app_public.waitlist_entry.ended_at is
  E'When the entry left the line (accepted, declined, expired, left, ended).';
-- As text: the new enum value cannot be named before this transaction commits.
alter table app_public.waitlist_entry drop constraint if exists waitlist_entry_end_reason_check;
alter table app_public.waitlist_entry add constraint waitlist_entry_end_reason_check check (
  (status::text = 'ended') = (end_reason is not null)
);

-- The live list (waiting and offered entries) with the quantities: the
-- metrics' gauges and the offer task's scan read the live entries from this
-- index, however long the history grows.
create index if not exists waitlist_entry_live_idx
  on app_public.waitlist_entry (status, event_id) include (seats_wanted, offered_seats)
  where status in ('waiting', 'offered');

create or replace function app_hidden.waitlist_entry_data(w app_public.waitlist_entry) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', w.id, 'eventId', w.event_id, 'priceTierId', w.price_tier_id, 'userId', w.user_id,
    'seatsWanted', w.seats_wanted, 'acceptsFewer', w.accepts_fewer, 'joinedAt', w.joined_at,
    'status', w.status, 'offeredSeats', w.offered_seats, 'offerExpiresAt', w.offer_expires_at,
    'bookingId', w.booking_id, 'endReason', w.end_reason
  );
$$;
comment on function app_hidden.waitlist_entry_data(app_public.waitlist_entry) is E'A waiting-list entry as the JSON payload of outbox messages (aggregate type waitlist).';

--------------------------------------------------------------------------------
-- Offering: the pause and the policy
--------------------------------------------------------------------------------

/*
 * As in 195-waitlist (migration 000009), plus the pause: read after the
 * counter row is locked, so it is serialized with pause/resume (which lock
 * that row after changing the event). The policy is not read here: the
 * deferred trigger calls this only for list_first events, the offer task and
 * resume/set_waitlist_policy call it whatever the policy.
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
  if exists (select from app_public.event e
             where e.id = offer_freed_seats.event_id and e.waitlist_paused_at is not null) then
    return 0; -- the organizer paused offers
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
  E'Offers the event''s free seats to its waiting list in joined order (an entry that does not fit is skipped; fewer seats only with accepts_fewer): each offer holds its seats on the event (and tier) seat counters, SeatsOffered each. Nothing while the event is not taking bookings or its offers are paused. Returns the number of offers. Called at the commit of every transaction that frees seats of a list_first event (deferred trigger), by the offer_waitlist_seats task for first_come events, and on resume; owner only.';

/*
 * The deferred trigger: at COMMIT of a transaction that freed seats or raised
 * capacity, a list_first event's freed seats go to the list before anyone
 * else can see them. A first_come event's stay free for anyone; the offer
 * task offers what is left.
 */
create or replace function app_private.tg_seat_counter__offer_freed_seats() returns trigger
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if exists (select from app_public.event e where e.id = new.event_id and e.waitlist_policy = 'list_first') then
    perform app_hidden.offer_freed_seats(new.event_id);
  end if;
  return null;
end;
$$;
comment on function app_private.tg_seat_counter__offer_freed_seats() is
  E'Deferred: offers seats freed on a counter row to the waiting list of a list_first event at the commit of the transaction that freed them (which still holds the counter row). first_come events are left to the offer_waitlist_seats task.';

/*
 * The first_come events the offer task should walk: open for bookings, not
 * paused, seats free and someone waiting. Driven by the live entries (the
 * partial index waitlist_entry_live_idx), so its cost follows the live list,
 * not the history.
 */
create or replace function app_hidden.waitlist_events_to_offer() returns setof uuid
  language sql stable
as $$
  select e.id
  from (select distinct w.event_id from app_public.waitlist_entry w where w.status = 'waiting') l
  join app_public.event e on e.id = l.event_id
  join app_public.event_seat_counter c on c.event_id = e.id
  where e.waitlist_policy = 'first_come'
    and e.waitlist_paused_at is null
    and c.seats_taken < c.capacity
    and now() < c.bookable_until
  order by e.id;
$$;
comment on function app_hidden.waitlist_events_to_offer() is
  E'The first_come events whose free seats the offer_waitlist_seats task offers to their list: taking bookings, not paused, seats free, entries waiting. Owner only.';

--------------------------------------------------------------------------------
-- The organizer's settings: policy, pause, resume
--------------------------------------------------------------------------------

/*
 * event_for_change's checks, but the row is locked FOR NO KEY UPDATE (the
 * settings change no key): a booking's foreign-key check (FOR KEY SHARE on
 * the event) does not wait for it. accept_offer holds the seat counter when
 * its booking checks that key, so FOR UPDATE here (then the counter) could
 * deadlock with it.
 */
create or replace function app_hidden.event_for_waitlist_change(event_id uuid) returns app_public.event
  language plpgsql volatile
as $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_event app_public.event;
begin
  select * into v_event from app_public.event e where e.id = event_for_waitlist_change.event_id for no key update;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception 'event not found' using errcode = 'P0002';
  end if;
  if v_event.organizer_id <> v_user_id and not app_public.has_role('admin') then
    raise exception 'only the organizer of this event or an admin may change it' using errcode = '42501';
  end if;
  perform app_hidden.assert_event_editable(v_event);
  return v_event;
end;
$$;
comment on function app_hidden.event_for_waitlist_change(uuid) is
  E'Locks (FOR NO KEY UPDATE) and returns a draft or published event whose waiting-list settings the caller may change (own event, or any as admin); 28000, 42501, P0002 (also for events the caller cannot see) or 55000 otherwise.';

create or replace function app_public.set_waitlist_policy(id uuid, policy app_public.waitlist_policy)
  returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event := app_hidden.event_for_waitlist_change(set_waitlist_policy.id);
  v_from app_public.waitlist_policy := v_event.waitlist_policy;
begin
  if set_waitlist_policy.policy is null then
    raise exception 'policy is required: list_first or first_come' using errcode = '22023', column = 'policy';
  end if;
  if v_from = set_waitlist_policy.policy then
    return v_event; -- the same policy again writes nothing
  end if;
  update app_public.event e set waitlist_policy = set_waitlist_policy.policy
  where e.id = v_event.id returning * into v_event;
  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event.update', 'event',
    jsonb_build_object(
      'changes', jsonb_build_object('waitlistPolicy', jsonb_build_object('from', v_from, 'to', v_event.waitlist_policy)),
      'event', app_hidden.event_data(v_event)
    )
  );
  -- list_first from now on: whatever is free now goes to the list at once.
  -- first_come: take the counter anyway, so an offer in flight commits first.
  if v_event.waitlist_policy = 'list_first' then
    perform app_hidden.offer_freed_seats(v_event.id);
  else
    perform from app_public.event_seat_counter c where c.event_id = v_event.id for no key update;
  end if;
  return v_event;
end;
$$;
comment on function app_public.set_waitlist_policy(uuid, app_public.waitlist_policy) is
  E'Sets who gets seats freed on the event (its organizer, or an admin; draft or published): list_first (the waiting list first, the default) or first_come (direct bookings at once; the list is offered what is still free about a minute later). Switching to list_first offers the free seats to the list at once. EventUpdated (changes.waitlistPolicy). The same policy again writes nothing. Errors: 28000, 42501, P0002, 55000, 22023.';
grant execute on function app_public.set_waitlist_policy(uuid, app_public.waitlist_policy) to :DATABASE_MEMBER;

create or replace function app_public.pause_waitlist_offers(id uuid) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event := app_hidden.event_for_waitlist_change(pause_waitlist_offers.id);
begin
  if v_event.waitlist_paused_at is not null then
    return v_event; -- already paused
  end if;
  update app_public.event e set waitlist_paused_at = now() where e.id = v_event.id returning * into v_event;
  -- Wait for an offer in flight on this event: it commits before the pause does.
  perform from app_public.event_seat_counter c where c.event_id = v_event.id for no key update;
  perform app_hidden.record_change(
    'event', v_event.id, 'WaitlistOffersPaused', 'event.pause_waitlist', 'event',
    jsonb_build_object('eventId', v_event.id, 'pausedAt', v_event.waitlist_paused_at,
                       'openOffers', (select count(*) from app_public.waitlist_entry w
                                      where w.event_id = v_event.id and w.status = 'offered'))
  );
  return v_event;
end;
$$;
comment on function app_public.pause_waitlist_offers(uuid) is
  E'Pauses waiting-list offers of an event (its organizer, or an admin; draft or published): no new offer is made until resume_waitlist_offers; open offers stay valid until accepted, declined or expired, and freed seats stay free (bookable by anyone). WaitlistOffersPaused. Pausing a paused event changes nothing. Errors: 28000, 42501, P0002, 55000.';
grant execute on function app_public.pause_waitlist_offers(uuid) to :DATABASE_MEMBER;

create or replace function app_public.resume_waitlist_offers(id uuid) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event := app_hidden.event_for_waitlist_change(resume_waitlist_offers.id);
  v_paused_at timestamptz := v_event.waitlist_paused_at;
  v_offers integer;
begin
  if v_paused_at is null then
    return v_event; -- not paused
  end if;
  update app_public.event e set waitlist_paused_at = null where e.id = v_event.id returning * into v_event;
  -- Whatever is free now goes to the list at once, in its order (both policies).
  v_offers := app_hidden.offer_freed_seats(v_event.id);
  perform app_hidden.record_change(
    'event', v_event.id, 'WaitlistOffersResumed', 'event.resume_waitlist', 'event',
    jsonb_build_object('eventId', v_event.id, 'pausedAt', v_paused_at, 'resumedAt', now(), 'offersMade', v_offers)
  );
  return v_event;
end;
$$;
comment on function app_public.resume_waitlist_offers(uuid) is
  E'Resumes waiting-list offers of an event (its organizer, or an admin; draft or published): the seats free now are offered to the list at once, in its order (SeatsOffered each), whatever the policy. WaitlistOffersResumed (with offersMade). Resuming an event that is not paused changes nothing. Errors: 28000, 42501, P0002, 55000.';
grant execute on function app_public.resume_waitlist_offers(uuid) to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Ending entries: the event canceled or completed, the person erased
--------------------------------------------------------------------------------

/*
 * Ends live entries (of one event, or of one user when event_id is null):
 * waiting ones end (WaitlistEnded), offered ones are withdrawn and give their
 * seats back (OfferWithdrawn). Locks per event: event counter → the tier
 * counters of its open offers (key order) → entries, as offer_freed_seats.
 * The seats released are offered at once for a list_first event (see
 * below); for an event no longer taking bookings nothing is offered.
 */
create or replace function app_hidden.end_waitlist_entries(
  event_id uuid,
  user_id uuid,
  reason app_public.waitlist_end_reason
) returns integer
  language plpgsql volatile
as $$
declare
  v_event_id uuid;
  v_entry app_public.waitlist_entry;
  v_count integer := 0;
begin
  for v_event_id in
    select distinct w.event_id from app_public.waitlist_entry w
    where w.status in ('waiting', 'offered')
      and (end_waitlist_entries.event_id is null or w.event_id = end_waitlist_entries.event_id)
      and (end_waitlist_entries.user_id is null or w.user_id = end_waitlist_entries.user_id)
    order by w.event_id
  loop
    perform from app_public.event_seat_counter c where c.event_id = v_event_id for no key update;
    perform from app_public.price_tier_seat_counter c
    where c.price_tier_id in (select w.price_tier_id from app_public.waitlist_entry w
                              where w.event_id = v_event_id and w.status = 'offered'
                                and (end_waitlist_entries.user_id is null or w.user_id = end_waitlist_entries.user_id))
    order by c.price_tier_id for no key update;
    for v_entry in
      select * from app_public.waitlist_entry w
      where w.event_id = v_event_id and w.status in ('waiting', 'offered')
        and (end_waitlist_entries.user_id is null or w.user_id = end_waitlist_entries.user_id)
      order by w.joined_at, w.id
      for update
    loop
      if v_entry.status = 'offered' then
        update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
        where c.event_id = v_entry.event_id;
        update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
        where c.price_tier_id = v_entry.price_tier_id;
      end if;
      -- offered_seats stays: what was withdrawn.
      update app_public.waitlist_entry w
      set status = 'ended', end_reason = end_waitlist_entries.reason, ended_at = now()
      where w.id = v_entry.id
      returning * into v_entry;
      perform app_hidden.record_change(
        'waitlist', v_entry.id,
        case when v_entry.offered_seats is null then 'WaitlistEnded' else 'OfferWithdrawn' end,
        case when v_entry.offered_seats is null then 'waitlist.end' else 'waitlist.withdraw' end,
        'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
      );
      v_count := v_count + 1;
    end loop;
    -- A list_first event's released seats go to the next in line now rather
    -- than at commit: erase_user_data must see (and pseudonymize) the rows
    -- these offers write with the erased person as their actor. (For an
    -- event no longer taking bookings this offers nothing.)
    if exists (select from app_public.event e where e.id = v_event_id and e.waitlist_policy = 'list_first') then
      perform app_hidden.offer_freed_seats(v_event_id);
    end if;
  end loop;
  return v_count;
end;
$$;
comment on function app_hidden.end_waitlist_entries(uuid, uuid, app_public.waitlist_end_reason) is
  E'Ends the live waiting-list entries of an event (or of a user, event_id null) with a reason: waiting ones end (WaitlistEnded), offered ones are withdrawn and their seats released (OfferWithdrawn). Returns how many. Owner only (the event trigger and erase_user_data).';

create or replace function app_private.tg_event__end_waitlist() returns trigger
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  perform app_hidden.end_waitlist_entries(
    new.id, null,
    case new.status when 'canceled' then 'event_canceled' else 'event_completed' end::app_public.waitlist_end_reason
  );
  return null;
end;
$$;
comment on function app_private.tg_event__end_waitlist() is
  E'Trigger: when an event is canceled or completed, its waiting list ends in the same transaction (entries ended, open offers withdrawn and their seats released).';

-- After _500_sync_seat_counter (same event, name order): the counter already
-- says "not taking bookings", so the released seats are offered to no one.
drop trigger if exists _510_end_waitlist on app_public.event;
create trigger _510_end_waitlist
  after update of status on app_public.event
  for each row
  when (new.status in ('canceled', 'completed') and old.status is distinct from new.status)
  execute function app_private.tg_event__end_waitlist();

/*
 * The booking deadline passed: nothing can be offered any more, so the
 * entries still waiting end (bookings_closed), and their users hear it now
 * rather than when the event is over. Open offers are left to the expiry
 * (each ends by the deadline at the latest: offer_expires_at is never past
 * it). Waiting entries hold no seats, so no counter is touched; an entry is
 * locked by the update alone, and nothing that locks a counter first waits
 * for a counter here.
 */
create or replace function app_hidden.end_closed_waitlists() returns integer
  language plpgsql volatile
as $$
declare
  v_entry app_public.waitlist_entry;
  v_count integer := 0;
begin
  for v_entry in
    update app_public.waitlist_entry w
    set status = 'ended', end_reason = 'bookings_closed', ended_at = now()
    from app_public.event_seat_counter c
    where c.event_id = w.event_id and w.status = 'waiting' and c.bookable_until <= now()
    returning w.*
  loop
    perform app_hidden.record_change(
      'waitlist', v_entry.id, 'WaitlistEnded', 'waitlist.end', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
    );
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function app_hidden.end_closed_waitlists() is
  E'Ends the waiting entries of events whose booking deadline has passed (end_reason bookings_closed, WaitlistEnded each); returns how many. Run by the expire_waitlist_offers task as the owner.';

--------------------------------------------------------------------------------
-- Erasure: a person's live entries end first
--------------------------------------------------------------------------------

/*
 * As in 180-data-lifecycle (migration 000009), plus one step: the person's
 * live waiting-list entries end first (end_reason user_erased; an open offer
 * is withdrawn and its seats go to the next in line at commit). A pseudonym
 * cannot accept an offer, so leaving it in line would only hold seats for
 * nobody. The rows that ended are then pseudonymized like every other.
 */
create or replace function app_public.erase_user_data(user_id uuid) returns jsonb
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, public
as $$
declare
  v_user uuid := erase_user_data.user_id;
  v_alias uuid := gen_random_uuid();
  v_counts jsonb;
  v_audit_ids bigint[];
  v_n integer;
  v_bookings integer; v_payments integer; v_refunds integer; v_reviews integer; v_votes integer;
  v_favorites integer; v_waitlist integer; v_events integer; v_promo integer; v_audit integer; v_outbox integer;
begin
  perform app_hidden.assert_may_manage_user_data(v_user);

  -- An organizer with events still ahead must cancel or hand them over first:
  -- participants need someone to answer for them.
  if exists (select from app_public.event e
             where e.organizer_id = v_user and e.status in ('draft', 'published') and e.ends_at > now()) then
    raise exception 'this user organizes events that have not ended: cancel them first'
      using errcode = 'ERORG', hint = 'cancel_event each upcoming event, then erase';
  end if;
  -- Seats held for payment would become nobody's: cancel them first.
  if exists (select from app_public.booking b where b.user_id = v_user and b.status = 'pending_payment') then
    raise exception 'this user has bookings waiting for payment: cancel them first'
      using errcode = 'ERPEN', hint = 'cancel_booking each pending booking, then erase';
  end if;

  -- Live waiting-list entries end (open offers withdrawn, their seats passed on).
  perform app_hidden.end_waitlist_entries(null, v_user, 'user_erased');

  -- The audit rows about this person's things, found by index before their
  -- keys change: rows they wrote (actor) and rows about their bookings,
  -- payments, refunds, reviews, votes and favorites (table, row id).
  select array_agg(x.id) into v_audit_ids from (
    select a.id from app_private.audit_log a where a.actor_id = v_user
    union
    select a.id from app_private.audit_log a
    join (
      select 'booking' as t, b.id::text as r from app_public.booking b where b.user_id = v_user
      union all
      select 'payment', p.id::text from app_public.payment p join app_public.booking b on b.id = p.booking_id where b.user_id = v_user
      union all
      select 'refund', r.id::text from app_public.refund r join app_public.payment p on p.id = r.payment_id
        join app_public.booking b on b.id = p.booking_id where b.user_id = v_user
      union all
      select 'review', r.id::text from app_public.review r where r.user_id = v_user
      union all
      select 'waitlist_entry', w.id::text from app_public.waitlist_entry w where w.user_id = v_user
      union all
      select 'ticket', b.id::text from app_public.booking b where b.user_id = v_user -- ticket rows are audited by booking
      union all
      select 'favorite', format('(%s,%s)', f.user_id, f.event_id) from app_public.favorite f where f.user_id = v_user
      union all
      select 'review_helpful_vote', format('(%s,%s)', v.review_id, v.user_id) from app_public.review_helpful_vote v where v.user_id = v_user
    ) mine on a.table_name = mine.t and a.row_id = mine.r
  ) x;

  -- A canceled booking must keep a reason (booking_canceled_at_check): the words go, the fact stays.
  update app_public.booking set user_id = v_alias, cancel_reason = case when cancel_reason is null then null else '[erased]' end
  where booking.user_id = v_user;
  get diagnostics v_bookings = row_count;
  update app_public.booking set canceled_by = v_alias where canceled_by = v_user;
  update app_public.payment set initiated_by = v_alias where initiated_by = v_user;
  get diagnostics v_payments = row_count;
  update app_public.refund set created_by = v_alias where created_by = v_user;
  get diagnostics v_refunds = row_count;
  -- Reviews keep their rating (the event's summary stays right); the words are the person's.
  update app_public.review set user_id = v_alias, content = '[erased]', moderation_note = null where review.user_id = v_user;
  get diagnostics v_reviews = row_count;
  update app_public.review set moderated_by = v_alias where moderated_by = v_user;
  -- Votes stay (helpful counts stay right), under the pseudonym.
  update app_public.review_helpful_vote set user_id = v_alias where review_helpful_vote.user_id = v_user;
  get diagnostics v_votes = row_count;
  delete from app_public.favorite where favorite.user_id = v_user;
  get diagnostics v_favorites = row_count;
  -- Waiting-list entries (all ended by now) keep their place in the history and their seats.
  update app_public.waitlist_entry set user_id = v_alias where waitlist_entry.user_id = v_user;
  get diagnostics v_waitlist = row_count;
  -- Organizer-side traces: replies they wrote (the words go), check-ins they scanned.
  update app_public.review_reply set organizer_id = v_alias, content = '[erased]' where organizer_id = v_user;
  update app_public.review_reply set moderated_by = v_alias where moderated_by = v_user;
  update app_public.ticket set checked_in_by = v_alias where checked_in_by = v_user;
  update app_public.event set organizer_id = v_alias where organizer_id = v_user;
  get diagnostics v_events = row_count;
  update app_public.promo_code set created_by = v_alias where created_by = v_user;
  get diagnostics v_promo = row_count;
  update app_public.promo_code set deactivated_by = v_alias where deactivated_by = v_user;

  update app_private.audit_log a
  set actor_id = case when a.actor_id = v_user then v_alias else a.actor_id end,
      row_id = replace(a.row_id, v_user::text, v_alias::text),
      details = app_hidden.jsonb_replace_id(a.details, v_user, v_alias)
  where a.id = any(v_audit_ids);
  get diagnostics v_audit = row_count;
  -- Events not yet sent to Kafka leave without the id; sent ones are announced below.
  update app_private.outbox o
  set actor_id = case when o.actor_id = v_user then v_alias else o.actor_id end,
      data = app_hidden.jsonb_replace_id(o.data, v_user, v_alias)
  where o.published_at is null
    and o.event_type <> 'UserDataErased' -- earlier announcements must keep the id
    and (o.actor_id = v_user or o.data::text like '%' || v_user::text || '%');
  get diagnostics v_outbox = row_count;
  delete from app_private.rate_limit_counter c where c.key like '%' || v_user::text || '%';

  v_counts := jsonb_build_object(
    'bookings', v_bookings, 'payments', v_payments, 'refunds', v_refunds, 'reviews', v_reviews,
    'helpfulVotes', v_votes, 'favorites', v_favorites, 'waitlistEntries', v_waitlist, 'eventsOrganized', v_events,
    'promoCodes', v_promo, 'auditRows', v_audit, 'pendingOutboxRows', v_outbox);
  v_n := v_bookings + v_payments + v_refunds + v_reviews + v_votes + v_favorites + v_waitlist + v_events + v_promo + v_audit + v_outbox;
  if v_n > 0 then
    insert into app_private.pseudonym (pseudonym, reason) values (v_alias, 'erasure');
  end if;

  -- Announced every time, also when nothing was left to erase (idempotent for
  -- consumers too: they erase what they hold about the id, again if need be).
  perform app_hidden.record_change(
    'user', v_user, 'UserDataErased', 'user.erase', 'user', jsonb_build_object('userId', v_user, 'erased', v_counts));
  -- The outbox row must name the id (other services erase by it, and it is
  -- pruned once sent); the audit row keeps only that an erasure happened.
  update app_private.audit_log a
  set row_id = v_alias::text, details = app_hidden.jsonb_replace_id(a.details, v_user, v_alias),
      actor_id = case when a.actor_id = v_user then v_alias else a.actor_id end
  where a.table_name = 'user' and a.row_id = v_user::text and a.action = 'user.erase';
  return jsonb_build_object('userId', v_user, 'erased', v_counts);
end;
$$;
comment on function app_public.erase_user_data(uuid) is
  E'Erases a person from the service (GDPR): their live waiting-list entries end first (open offers withdrawn, seats passed on); then every row that names the user id gets one random pseudonym instead (bookings, payments, refunds, reviews — whose text is cleared, ratings kept —, helpful votes, waiting-list entries, review replies, check-ins scanned, events organized, promo codes, audit rows, outbox rows not yet sent); favorites are deleted. Amounts, counts and rating totals stay right. Emits UserDataErased (topic aquastream.user) so other services erase too. Idempotent: a second call finds nothing left and announces again. For that user or an admin. Errors: 28000, 22023, 42501, ERORG (events ahead), ERPEN (bookings waiting for payment).';
grant execute on function app_public.erase_user_data(uuid) to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Metrics
--------------------------------------------------------------------------------

/*
 * What /metrics reports about waiting lists, one row per series. Gauges
 * (entries and seats of the live list, by status) are answered from
 * waitlist_entry_live_idx (index-only where the visibility map allows):
 * bounded by the live list, not the history.
 * Counters (offers made, accepted, declined, expired, withdrawn) count the
 * audit rows of those transitions (audit_log_action_idx), like
 * business_counts: durable facts written in the transaction of the change,
 * the same whichever replica reads them.
 */
create or replace view app_private.waitlist_metrics as
  select 'entries'::text as series, 'waiting'::text as label,
         (select count(*) from app_public.waitlist_entry w where w.status = 'waiting') as value
  union all
  select 'entries', 'offered',
         (select count(*) from app_public.waitlist_entry w where w.status = 'offered')
  union all
  select 'seats', 'waiting',
         (select coalesce(sum(w.seats_wanted), 0) from app_public.waitlist_entry w where w.status = 'waiting')
  union all
  select 'seats', 'offered',
         (select coalesce(sum(w.offered_seats), 0) from app_public.waitlist_entry w where w.status = 'offered')
  union all
  select 'offers', k.outcome,
         (select count(*) from app_private.audit_log a where a.action = k.action)
  from (values ('made', 'waitlist.offer'), ('accepted', 'waitlist.accept'), ('declined', 'waitlist.decline'),
               ('expired', 'waitlist.expire'), ('withdrawn', 'waitlist.withdraw')) as k(outcome, action);
comment on view app_private.waitlist_metrics is
  E'The waiting lists for /metrics, one row per series: entries and seats of the live list by status (waiting: seats wanted; offered: seats held) and offers by outcome (made, accepted, declined, expired, withdrawn) counted from the audit log. The worker reports them as aquastream_waitlist_entries, aquastream_waitlist_seats and aquastream_waitlist_offers_total; counted in the database, they are the same from every process.';
comment on column app_private.waitlist_metrics.series is E'entries, seats or offers.';
comment on column app_private.waitlist_metrics.label is E'The status (entries, seats) or the outcome (offers).';
comment on column app_private.waitlist_metrics.value is E'The count or sum.';
