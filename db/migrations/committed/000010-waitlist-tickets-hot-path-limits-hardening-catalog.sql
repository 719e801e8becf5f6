--! Previous: sha1:2b3417b2b3587b154fe0d23a8daa2e32b63172f5
--! Hash: sha1:0524533661eaa646789dd2e1b883fd5428e0c98a
--! Message: waitlist policy, tickets tokens metrics, hot booking, rate limit, hardening, catalog, lock order

--! split: 1-current.sql
-- Enter migration here
-- One file per topic beside this one (NNN-topic.sql, applied in number order);
-- npm run db:commit joins them into the next committed migration.

--! split: 210-waitlist-policy.sql
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

--! split: 220-tickets.sql
/*
 * Ticket metrics (issue #18; docs/tickets.md#metrics): tickets issued and
 * voided, check-ins and undos, for /metrics, true with any number of API and
 * worker replicas and cheap to read however many tickets exist.
 *
 * Why not count at scrape time: "how many check-ins ever" is a count over
 * every check-in (the audit log), which grows without bound, and a check-in
 * that was undone leaves no trace on the ticket row. Why not a counter row
 * updated by each check-in: one row for all events would serialize every
 * booking confirmation and scan of the service on it (and its lock, taken in
 * the middle of a transaction that goes on to lock other rows, could
 * deadlock).
 *
 * So: each fact appends one row to app_private.ticket_metric_fact in the
 * transaction that makes it (triggers on app_public.ticket, so every path —
 * SQL functions, psql as the owner, future code — counts, and a rolled-back
 * scan counts nothing). Appending takes no lock anyone waits for. At scrape
 * time app_private.ticket_metrics() folds the facts into
 * app_private.ticket_metric_total (delete … returning, then add, in one
 * transaction: each fact is counted exactly once, also when two replicas
 * scrape at once — the second waits for the first's deleted rows and skips
 * them) and returns the totals: a handful of rows. The fact table holds only
 * what happened since the last scrape; a fold takes at most 100,000 facts, so
 * after a long pause without scrapes the totals catch up over a few scrapes
 * (the counters rise later, never wrongly).
 *
 * Idempotent: re-applied on top of itself during development.
 */

create table if not exists app_private.ticket_metric_fact (
  kind text not null
    constraint ticket_metric_fact_kind_check check (kind in (
      'issued', 'voided:booking_canceled', 'voided:reissued', 'checked_in:scan', 'checked_in:batch', 'undone'))
);
alter table app_private.ticket_metric_fact enable row level security;
revoke all on app_private.ticket_metric_fact from public;
-- Rows come and go with every scrape: vacuum after ~1,000 changed rows, as the outbox.
alter table app_private.ticket_metric_fact set (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0,
  autovacuum_vacuum_insert_threshold = 5000
);
comment on table app_private.ticket_metric_fact is
  E'Ticket facts not yet folded into ticket_metric_total: one row per ticket issued or voided, check-in or undo, appended by triggers on app_public.ticket in the transaction that made it; ticket_metrics() moves them into the totals at each /metrics scrape. Owner only.';
comment on column app_private.ticket_metric_fact.kind is
  E'issued, voided:booking_canceled, voided:reissued, checked_in:scan (online, by code or token), checked_in:batch (an offline batch), undone.';

create table if not exists app_private.ticket_metric_total (
  kind text primary key
    constraint ticket_metric_total_kind_check check (kind in (
      'issued', 'voided:booking_canceled', 'voided:reissued', 'checked_in:scan', 'checked_in:batch', 'undone')),
  total bigint not null
    constraint ticket_metric_total_total_check check (total >= 0)
);
alter table app_private.ticket_metric_total enable row level security;
revoke all on app_private.ticket_metric_total from public;
comment on table app_private.ticket_metric_total is
  E'Ticket facts counted so far (since the tickets were introduced), by kind; ticket_metrics() adds the new facts at each /metrics scrape. Owner only.';
comment on column app_private.ticket_metric_total.kind is E'The kind of fact (see ticket_metric_fact.kind).';
comment on column app_private.ticket_metric_total.total is E'How many such facts, ever.';

create or replace function app_private.tg_ticket__metric_fact() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    insert into app_private.ticket_metric_fact (kind) values ('issued');
    return null;
  end if;
  if old.status = 'valid' and new.status = 'void' then
    insert into app_private.ticket_metric_fact (kind) values ('voided:' || new.void_reason::text);
  end if;
  if old.checked_in_at is null and new.checked_in_at is not null then
    insert into app_private.ticket_metric_fact (kind)
    values (case when new.checked_in_device is null then 'checked_in:scan' else 'checked_in:batch' end);
  elsif old.checked_in_at is not null and new.checked_in_at is null then
    insert into app_private.ticket_metric_fact (kind) values ('undone');
  end if;
  return null;
end;
$$;
comment on function app_private.tg_ticket__metric_fact() is
  E'Appends the ticket fact of this insert or update (issued, voided, checked in, undone) to app_private.ticket_metric_fact, for /metrics.';
revoke all on function app_private.tg_ticket__metric_fact() from public;

-- Creating the triggers locks app_public.ticket against writes until this
-- migration commits, so the starting totals below (read after it) miss no
-- fact and count none twice.
drop trigger if exists _900_metric_fact_insert on app_public.ticket;
create trigger _900_metric_fact_insert
  after insert on app_public.ticket
  for each row execute function app_private.tg_ticket__metric_fact();
drop trigger if exists _900_metric_fact_update on app_public.ticket;
create trigger _900_metric_fact_update
  after update of status, checked_in_at on app_public.ticket
  for each row
  when (old.status is distinct from new.status or (old.checked_in_at is null) <> (new.checked_in_at is null))
  execute function app_private.tg_ticket__metric_fact();

-- Starting totals, once (an empty totals table): what the tickets and the
-- audit log already hold. Issued and voided from the ticket rows (each was
-- issued once; void ones say why); check-ins and undos from the audit log
-- (an undone check-in leaves nothing on the ticket). Tickets are younger than
-- the audit log's retention window, so no such audit row was archived yet.
insert into app_private.ticket_metric_total (kind, total)
select k.kind, coalesce(c.total, 0)
  from (values ('issued'), ('voided:booking_canceled'), ('voided:reissued'),
               ('checked_in:scan'), ('checked_in:batch'), ('undone')) as k(kind)
  left join (
    select 'issued' as kind, count(*) as total from app_public.ticket
    union all
    select 'voided:' || t.void_reason::text, count(*) from app_public.ticket t
     where t.status = 'void' group by t.void_reason
    union all
    select case when a.details ->> 'device' is null then 'checked_in:scan' else 'checked_in:batch' end, count(*)
      from app_private.audit_log a where a.action = 'ticket.check_in' group by 1
    union all
    select 'undone', count(*) from app_private.audit_log a where a.action = 'ticket.undo_check_in'
  ) c on c.kind = k.kind
 where not exists (select from app_private.ticket_metric_total);

create or replace function app_private.ticket_metrics()
  returns table (kind text, total bigint)
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
as $$
begin
  -- Fold the facts appended since the last scrape (at most 100,000; the rest
  -- next time) into the totals, in this one transaction.
  with moved as (
    delete from app_private.ticket_metric_fact f
     where f.ctid = any (array(select f2.ctid from app_private.ticket_metric_fact f2 limit 100000))
    returning f.kind
  )
  insert into app_private.ticket_metric_total as t (kind, total)
  select m.kind, count(*) from moved m group by m.kind
  on conflict on constraint ticket_metric_total_pkey do update set total = t.total + excluded.total;

  return query select t.kind, t.total from app_private.ticket_metric_total t order by t.kind;
end;
$$;
comment on function app_private.ticket_metrics() is
  E'For /metrics (the worker''s owner connection): folds the pending ticket facts into ticket_metric_total and returns the totals by kind. Safe to call from several processes at once (each fact is counted once). Owner only.';
revoke all on function app_private.ticket_metrics() from public;

--! split: 240-hot-booking.sql
/*
 * Hot booking path (issue #21, items 1 and 2): what a booking writes, made
 * cheaper without changing any rule.
 *
 * Measured before this file (docs/benchmarks.md, "Where a booking's time
 * goes"): one booking wrote ~30 kB of WAL against ~150 B for the bare
 * counter update, 25 kB of it full-page images of six B-tree leaf pages
 * picked at random — the booking's and the outbox row's primary keys
 * (gen_random_uuid), and the indexes keyed by the booking's id (outbox
 * aggregate_id, audit table_name/row_id). Every random leaf is a page to
 * read and, after each checkpoint, an 8 kB image in the WAL that the commit
 * must flush while the seat counter row is still locked.
 *
 * 1. New booking and outbox ids are time-ordered UUIDs (version 7: 48 bits of
 *    Unix milliseconds, then random bits), so those four indexes take each
 *    new entry on their rightmost leaf. Still UUIDs, still unguessable (74
 *    random bits), so no caller or message format changes; the id now tells
 *    the millisecond it was made, which created_at / occurred_at already say.
 * 2. The ticket trigger (185-tickets.sql) no longer fires for a booking
 *    inserted as pending_payment: it ran at COMMIT, inside the counter row's
 *    lock, only to find nothing to do. pending_payment is only ever a first
 *    state (tg_booking__status_transition), so a booking in it can hold no
 *    tickets: the reconciliation is unchanged for every reachable state.
 *
 * Idempotent: re-applied on top of itself during development.
 */

--------------------------------------------------------------------------------
-- 1. Time-ordered ids
--------------------------------------------------------------------------------

create or replace function app_private.uuid_v7() returns uuid
  language sql volatile parallel safe
as $$
  -- A random (version 4) UUID with its first 48 bits replaced by the Unix
  -- time in milliseconds and its version nibble set from 0100 to 0111
  -- (set_bit numbers bits from the least significant of each byte: bits 52
  -- and 53 are the two low bits of byte 6's high nibble). The variant bits
  -- (10) stay as gen_random_uuid set them. RFC 9562, section 5.7.
  select encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
              from 1 for 6),
      52, 1), 53, 1),
    'hex')::uuid;
$$;
comment on function app_private.uuid_v7() is
  E'A new time-ordered UUID (version 7, RFC 9562): Unix milliseconds, then 74 random bits. Ids made in order land on the rightmost leaf of their B-tree indexes (no random page per insert, no full-page image per checkpoint for it). Owner only: the defaults of booking.id and outbox.id, filled by SECURITY DEFINER functions.';
revoke all on function app_private.uuid_v7() from public;

alter table app_public.booking alter column id set default app_private.uuid_v7();
alter table app_private.outbox alter column id set default app_private.uuid_v7();

--------------------------------------------------------------------------------
-- 2. The ticket trigger only where there can be tickets to issue or void
--------------------------------------------------------------------------------

drop trigger if exists _600_tickets on app_public.booking;
create constraint trigger _600_tickets
  after insert or update of status on app_public.booking
  deferrable initially deferred
  for each row
  -- Inserted pending_payment: nothing to issue, and nothing to void ever
  -- (no way back to pending_payment). Confirmed, canceled, expired: reconcile.
  when (new.status <> 'pending_payment')
  execute function app_private.tg_booking__tickets();

--! split: 250-rate-limit.sql
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

--! split: 260-hardening.sql
/*
 * 260-hardening: the API process holds no owner connection at all.
 *
 * /readyz must know whether the schema is at the latest committed migration,
 * which graphile-migrate records in graphile_migrate.migrations (owned by the
 * owner, unreadable to the API's login). Until now the API kept a one-
 * connection owner pool only for that. Instead the authenticator itself may
 * call this one function, which returns the applied migrations' file names
 * and nothing else (no hashes, no times, no other table), with the owner's
 * rights. Client roles (anonymous, member) may not call it: the grant is to
 * the authenticator login alone, which is NOINHERIT and whose rights its
 * member roles never receive.
 */

create or replace function app_private.applied_migrations()
  returns setof text
  language sql
  stable
  security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select m.filename from graphile_migrate.migrations m order by m.filename
$$;

comment on function app_private.applied_migrations() is
  E'File names of the committed migrations applied to this database (graphile_migrate.migrations.filename, e.g. 000009.sql), for the API''s readiness check (/readyz): the API logs in as the authenticator and holds no owner connection, so it reads the bookkeeping through this function and nothing else of it.';

revoke all on function app_private.applied_migrations() from public;
grant execute on function app_private.applied_migrations() to :DATABASE_AUTHENTICATOR;

--! split: 270-catalog.sql
/*
 * Catalog at scale, the misses of issue 20 (docs/catalog.md "How it stays fast").
 *
 *   1. Nearest first: the GiST index of the meeting point (the earth cube)
 *      also holds the id (as integers) and the latitude, so a distance sort is
 *      a KNN scan (`<->`) bounded by the circle's latitude band that stops
 *      after the page, instead of ranking every event in the circle.
 *   2. search_events uses the organizer index also when the organizer is an
 *      expression (an organizer's dashboard: current_user_id()).
 *   3. create_event takes the IANA time zone (optional; Europe/Moscow as before).
 *
 * Idempotent: re-applied by graphile-migrate on every change.
 */

--------------------------------------------------------------------------------
-- 1. Nearest first by KNN
--------------------------------------------------------------------------------

/*
 * Why the index looks the way it does (PostgreSQL 15 and 16):
 *
 *   - A GiST index hands rows over in the order of ORDER BY `col <-> const`
 *     (KNN) only when it can produce EVERY key of the ORDER BY; a trailing
 *     `id` tie-break it cannot produce turns KNN off (PostgreSQL 17 would add
 *     an incremental sort). So the tie-break is in the index too: the id as
 *     three integers (uuid_part), ordered by `<-> 0` (btree_gist), which for
 *     non-negative numbers is ascending order. GiST compares the ORDER BY
 *     keys one after the other, so (distance, id parts) is exactly
 *     (distance, id), the order keyset paging compares.
 *   - The latitude band around the circle bounds the scan: float comparisons
 *     are LEAKPROOF, so they are index conditions even under RLS (the cube's
 *     `<@` is not). Longitude is deliberately not bounded: with a second range
 *     the planner underestimates how many rows the band holds (latitudes and
 *     longitudes of meeting points are far from independent) and sorts the
 *     circle instead of stopping after the page; for a small circle it still
 *     prefers sorting the few rows, which is cheap.
 */
create or replace function app_hidden.latitude_band(latitude double precision, radius_km double precision)
  returns double precision[]
  language sql immutable parallel safe
as $$
  -- radius_km on earthdistance's sphere, in degrees of latitude; a millionth
  -- (plus ~0.1 m) wider, never narrower: the exact test (within_km) decides.
  select array[greatest(-90, latitude - reach), least(90, latitude + reach)]
  from (select degrees(radius_km * 1000 / public.earth()) * 1.000001 + 1e-6 as reach) r;
$$;
comment on function app_hidden.latitude_band(double precision, double precision) is
  E'{lowest, highest} latitude of the points within radius_km (great circle) of a point at this latitude, slightly wide: the index bound of a nearest-first search.';

-- The exact radius test, the very expression of event_ids_near (the path of
-- the other sorts), so both paths agree on an event lying on the circle.
create or replace function app_hidden.within_km(
  latitude1 double precision, longitude1 double precision,
  latitude2 double precision, longitude2 double precision,
  radius_km double precision
) returns boolean
  language sql immutable parallel safe
  set search_path to public, pg_catalog
as $$
  select public.earth_distance(public.ll_to_earth(latitude1, longitude1), public.ll_to_earth(latitude2, longitude2))
    <= radius_km * 1000;
$$;
comment on function app_hidden.within_km(double precision, double precision, double precision, double precision, double precision) is
  E'Whether the second point lies within radius_km (great circle, earthdistance''s sphere) of the first.';

create or replace function app_hidden.uuid_part(id uuid, part integer) returns bigint
  language sql immutable strict parallel safe
as $$
  -- Bytes 1–6, 7–12, 13–16 (part 1, 2, 3) as non-negative integers: compared
  -- one after the other they order exactly as the uuid does (byte by byte).
  select ('x' || lpad(substr(replace(id::text, '-', ''), 12 * (part - 1) + 1, 12), 16, '0'))::bit(64)::bigint;
$$;
comment on function app_hidden.uuid_part(uuid, integer) is
  E'Part 1, 2 or 3 of a uuid (bytes 1–6, 7–12, 13–16) as a non-negative integer; (part 1, part 2, part 3) orders as the uuid. The id tie-break a GiST index can produce.';

/*
 * One GiST index for both distance paths: the earth cube first (its `<@` box
 * for event_ids_near, its `<->` for nearest-first order), the id parts (the
 * tie-break of that order), the latitude (the band).
 */
create index if not exists event_earth_point_knn_idx on app_public.event using gist (
  app_hidden.earth_point(latitude, longitude),
  app_hidden.uuid_part(id, 1), app_hidden.uuid_part(id, 2), app_hidden.uuid_part(id, 3),
  latitude
) where latitude is not null;
-- It replaces the cube-only index of 200-catalog.
drop index if exists app_public.event_earth_point_idx;

-- search_events: what changed is the distance arm and the ORDER BY (KNN for
-- the distance sort, 1) and the organizer condition (a range, 2).
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
    -- One organizer's events, as a range rather than `x is null or e.organizer_id = x`:
    -- the same rows (organizer_id is never null), but an index condition even when
    -- the organizer is an expression the planner cannot fold, as in an
    -- organizer's own dashboard (organizer_id => app_public.current_user_id()).
    -- CASE, not COALESCE: RLS lets only conditions it knows leak nothing reach
    -- the index, and PostgreSQL does not vouch for COALESCE (it does for CASE).
    and e.organizer_id >= case when search_events.organizer_id is null
                          then '00000000-0000-0000-0000-000000000000'::uuid else search_events.organizer_id end
    and e.organizer_id <= case when search_events.organizer_id is null
                          then 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid else search_events.organizer_id end
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
    -- Distance within a radius. (A radius without a point is refused by the
    -- check above; the `near_latitude is null` arm keeps this condition from
    -- folding to a constant false that would skip the check.)
    and (search_events.radius_km is null or search_events.near_latitude is null or search_events.near_longitude is null
         -- Nearest first: the GiST index hands events over nearest first (KNN,
         -- the ORDER BY below) and the scan stops at LIMIT; the latitude band
         -- of the circle (an index condition, see event_earth_point_knn_idx)
         -- bounds it when fewer events than asked lie inside. The exact
         -- great-circle test runs on the rows the scan yields.
         or (args.sort = 'distance'
             and e.latitude between (app_hidden.latitude_band(search_events.near_latitude, search_events.radius_km))[1]
                                and (app_hidden.latitude_band(search_events.near_latitude, search_events.radius_km))[2]
             and app_hidden.within_km(search_events.near_latitude, search_events.near_longitude, e.latitude, e.longitude, search_events.radius_km))
         -- Other sorts rank every event in the circle anyway: the GiST index's box,
         -- then the exact great-circle distance (event_ids_near).
         or (args.sort <> 'distance'
             and e.id = any (array(select app_hidden.event_ids_near(
              search_events.near_latitude, search_events.near_longitude, search_events.radius_km,
              coalesce(search_events.statuses, '{published}'),
              case when coalesce(search_events.starts_from, search_events.starts_to, search_events.date_from, search_events.date_to) is null
                then now() else coalesce(search_events.starts_from, '-infinity') end)))))
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
    -- Distance, then id as three integers: every key one the GiST index
    -- (event_earth_point_knn_idx) produces itself, so it hands rows over in
    -- this order and the scan stops at LIMIT. (distance, id parts) orders
    -- exactly as (distance, id), which the keyset compares.
    case when args.sort = 'distance' then app_hidden.earth_point(e.latitude, e.longitude)
      operator(public.<->) app_hidden.earth_point(search_events.near_latitude, search_events.near_longitude) end,
    case when args.sort = 'distance' then app_hidden.uuid_part(e.id, 1) operator(public.<->) 0::bigint end,
    case when args.sort = 'distance' then app_hidden.uuid_part(e.id, 2) operator(public.<->) 0::bigint end,
    case when args.sort = 'distance' then app_hidden.uuid_part(e.id, 3) operator(public.<->) 0::bigint end,
    case when args.sort = 'relevance' then
      app_hidden.event_sort_key(args.sort, e.id, e.search_vector, e.title, e.latitude, e.longitude,
        s.min_price, s.rating_average, args.tsq, search_events.query, search_events.near_latitude, search_events.near_longitude)
    end,
    -- The tie-break of the other sorts (for distance it folds away: the index
    -- could not produce it, see above).
    case when args.sort <> 'distance' then e.id end;
$$;
comment on function app_public.search_events(text, text, app_public.event_status[], timestamptz, timestamptz, date, date, numeric, numeric, boolean, uuid, double precision, double precision, double precision, app_public.event_sort, uuid) is
  E'The catalog: events the caller may see. By default published events that have not started yet, soonest first (best match first with a query). Filters (all optional): query (Russian/English words in any form, ё = е, the last word as a prefix, a close spelling of the title for short queries; web-search syntax "phrase", -word, or), category, statuses (default published; drafts only for their organizer and admins), starts_from/starts_to (instants, inclusive), date_from/date_to (whole local days in each event''s time zone, inclusive), min_price/max_price (cheapest tier), only_available (bookable now: published, before the booking deadline, a seat free), organizer_id, near_latitude/near_longitude with radius_km (great circle). sort: relevance, start, price, price_desc, distance, rating, popularity. Keyset paging: after_event_id = the last event of the previous page (stable at any depth). Errors: 22023 (argument named), EVDAT (range ends before it starts).';


grant execute on function
  app_hidden.latitude_band(double precision, double precision),
  app_hidden.within_km(double precision, double precision, double precision, double precision, double precision),
  app_hidden.uuid_part(uuid, integer)
to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- 3. create_event with a time zone
--------------------------------------------------------------------------------

-- One more optional argument, last: callers by name or position are unchanged.
drop function if exists app_public.create_event(text, text, text, text, double precision, double precision, timestamptz, timestamptz, integer, integer, boolean, app_public.price_tier_input[]);

create or replace function app_public.create_event(
  title text,
  description text,
  category text,
  location_name text,
  latitude double precision,
  longitude double precision,
  starts_at timestamptz,
  ends_at timestamptz,
  capacity integer,
  booking_deadline_hours integer default 0,
  crew_required boolean default false,
  price_tiers app_public.price_tier_input[] default '{}',
  time_zone text default null
) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_event app_public.event;
  v_tier app_public.price_tier_input;
  v_position integer := 0;
begin
  v_event.organizer_id := v_user_id;
  v_event.title := app_hidden.clean_text(create_event.title);
  v_event.description := app_hidden.clean_text(create_event.description);
  v_event.category := app_hidden.clean_text(create_event.category);
  v_event.location_name := app_hidden.clean_text(create_event.location_name);
  v_event.latitude := create_event.latitude;
  v_event.longitude := create_event.longitude;
  v_event.starts_at := create_event.starts_at;
  v_event.ends_at := create_event.ends_at;
  v_event.capacity := create_event.capacity;
  v_event.booking_deadline_hours := coalesce(create_event.booking_deadline_hours, 0);
  v_event.crew_required := coalesce(create_event.crew_required, false);
  perform app_hidden.assert_event_valid(v_event);
  if v_event.starts_at <= now() then
    raise exception 'starts_at must be in the future'
      using errcode = 'EVPST', column = 'starts_at';
  end if;
  -- Not given (null): the column's default, Europe/Moscow. Given: an IANA name,
  -- checked as set_event_time_zone checks it (a blank string is not a zone).
  if create_event.time_zone is not null then
    v_event.time_zone := app_hidden.clean_text(create_event.time_zone);
    if not app_hidden.is_time_zone(v_event.time_zone) then
      raise exception 'time_zone must be an IANA time zone name such as Europe/Moscow, got "%"', coalesce(v_event.time_zone, '')
        using errcode = 'EVTZN', column = 'time_zone', hint = 'Use a name of the IANA tz database (Area/Location), not an abbreviation or an offset.';
    end if;
  end if;

  insert into app_public.event (
    organizer_id, title, description, category, location_name, latitude, longitude,
    starts_at, ends_at, capacity, booking_deadline_hours, crew_required, crew_status, time_zone
  ) values (
    v_event.organizer_id, v_event.title, v_event.description, v_event.category, v_event.location_name,
    v_event.latitude, v_event.longitude, v_event.starts_at, v_event.ends_at, v_event.capacity,
    v_event.booking_deadline_hours, v_event.crew_required,
    case when v_event.crew_required then 'pending' else 'not_required' end::app_public.crew_status,
    -- The column default when no zone was given.
    coalesce(v_event.time_zone, 'Europe/Moscow')
  )
  returning * into v_event;

  foreach v_tier in array coalesce(create_event.price_tiers, '{}') loop
    v_position := v_position + 1;
    perform app_hidden.insert_price_tier(v_event, v_tier.name, v_tier.price, v_tier.currency, v_tier.quota, v_position);
  end loop;

  perform app_hidden.record_change(
    'event', v_event.id, 'EventCreated', 'event.create', 'event',
    app_hidden.event_data(v_event) || jsonb_build_object('priceTiers', app_hidden.event_price_tiers_data(v_event.id))
  );
  -- Crew assignment (crew_required) starts when the event is published, not here.
  return v_event;
end;
$$;
comment on function app_public.create_event(text, text, text, text, double precision, double precision, timestamptz, timestamptz, integer, integer, boolean, app_public.price_tier_input[], text) is
  E'Creates a draft event organized by the caller (role organizer or admin), with its price tiers and its IANA time zone (time_zone, e.g. Asia/Irkutsk; Europe/Moscow when not given). Only its organizer and admins see it until publish_event. Errors: 28000, 42501, 22023 (argument named), EVDAT, EVDUR, EVPST, EVTZN (not an IANA name), TRQTA, TRCUR, 23505 (duplicate tier name).';

-- A writing function: signed-in callers only (anonymous gets 28000 from the API).
grant execute on function
  app_public.create_event(text, text, text, text, double precision, double precision, timestamptz, timestamptz, integer, integer, boolean, app_public.price_tier_input[], text)
to :DATABASE_MEMBER;

--! split: 280-accept-offer-lock-order.sql
/*
 * accept_offer takes the event row's key-share lock before the seat
 * counters (a found 40P01, test/db/app_public/waitlist_lock_order.test.ts).
 *
 * Functions that change an event lock its row FOR UPDATE
 * (app_hidden.event_for_change) and then its seat counter. accept_offer
 * locked the counter first and then booked; the booking's foreign key to the
 * event takes a key-share lock on the event row, so an acceptance and a
 * cancellation of the same event could each hold what the other waited for.
 * Taking the key-share lock first (what the booking would take anyway) puts
 * accept_offer in the same order as every other seat writer: event row →
 * counters. Same function otherwise.
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

  -- Lock order: the event row (key share, as the booking's foreign key takes
  -- it) before the counters, like every function that changes the event.
  perform from app_public.event e where e.id = v_entry.event_id for key share;
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

--! split: 290-event-snapshot-zone.sql
/*
 * The event snapshot on Kafka (app_hidden.event_data, docs/events.md) names
 * the event's time zone and its waiting-list policy, added by migration
 * 000009's catalog part and 210-waitlist-policy: a consumer showing local
 * times (or mirroring the list's state) learns them from EventCreated and
 * EventUpdated like every other field. Fields are only added.
 */
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
    'timeZone', e.time_zone,
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
    'cancelReason', e.cancel_reason,
    'waitlistPolicy', e.waitlist_policy,
    'waitlistPausedAt', e.waitlist_paused_at
  );
$$;
