/*
 * A user's data export reads that user's rows, whatever the statistics.
 *
 * Before: payments, refunds and tickets were reached by joins to booking
 * (and payment); a database that had never been analyzed hashed the whole
 * payment, refund and ticket tables for them (test/db/app_public/
 * member_paths_scaling.test.ts: 51 -> 2,990 buffers with 40,000 bookings,
 * tickets, payments and refunds of others never analyzed, 138 analyzed).
 * Now the user's booking and payment ids are collected first (arrays) and
 * each table is read by them (= any(...)): the user's rows and their index
 * entries. Same document.
 */
create or replace function app_public.export_user_data(user_id uuid) returns jsonb
  language plpgsql stable security definer
  set search_path to pg_catalog, public
as $$
declare
  v_user uuid := export_user_data.user_id;
  v_bookings uuid[];
  v_payments uuid[];
begin
  perform app_hidden.assert_may_manage_user_data(v_user);
  -- The user's bookings and payments by id (arrays): their payments, refunds
  -- and tickets are then read by these ids, never by a join the planner
  -- could hash over whole tables.
  v_bookings := array(select b.id from app_public.booking b where b.user_id = v_user);
  v_payments := array(select p.id from app_public.payment p where p.booking_id = any(v_bookings));
  return jsonb_build_object(
    'userId', v_user,
    'exportedAt', now(),
    'bookings', coalesce((select jsonb_agg(to_jsonb(b) order by b.created_at) from app_public.booking b where b.user_id = v_user), '[]'),
    'payments', coalesce((select jsonb_agg(to_jsonb(p) - 'payment_url' order by p.created_at)
                          from app_public.payment p where p.id = any(v_payments)), '[]'),
    'refunds', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at)
                         from app_public.refund r where r.payment_id = any(v_payments)), '[]'),
    'reviews', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from app_public.review r where r.user_id = v_user), '[]'),
    'helpfulVotes', coalesce((select jsonb_agg(to_jsonb(v) order by v.created_at) from app_public.review_helpful_vote v where v.user_id = v_user), '[]'),
    'favorites', coalesce((select jsonb_agg(to_jsonb(f) order by f.created_at) from app_public.favorite f where f.user_id = v_user), '[]'),
    'waitlistEntries', coalesce((select jsonb_agg(to_jsonb(w) order by w.joined_at) from app_public.waitlist_entry w where w.user_id = v_user), '[]'),
    'tickets', coalesce((select jsonb_agg(jsonb_build_object('id', t.id, 'bookingId', t.booking_id, 'eventId', t.event_id, 'status', t.status, 'checkedInAt', t.checked_in_at) order by t.id)
                         from app_public.ticket t where t.booking_id = any(v_bookings)), '[]'),
    'reviewReplies', coalesce((select jsonb_agg(to_jsonb(rr)) from app_public.review_reply rr where rr.organizer_id = v_user), '[]'),
    'eventsOrganized', coalesce((select jsonb_agg(jsonb_build_object('id', e.id, 'title', e.title, 'status', e.status, 'startsAt', e.starts_at) order by e.created_at)
                                 from app_public.event e where e.organizer_id = v_user), '[]'),
    'promoCodesCreated', coalesce((select jsonb_agg(jsonb_build_object('id', pc.id, 'code', pc.code, 'eventId', pc.event_id) order by pc.created_at)
                                   from app_public.promo_code pc where pc.created_by = v_user), '[]'),
    'auditTrail', coalesce((select jsonb_agg(jsonb_build_object('occurredAt', a.occurred_at, 'action', a.action, 'table', a.table_name, 'rowId', a.row_id) order by a.id)
                            from app_private.audit_log a where a.actor_id = v_user), '[]')
  );
end;
$$;

/*
 * Pausing an event's offers counted the event's open offers with a plan
 * that, once analyzed, walked waitlist_entry_offer_expires_idx (the open
 * offers of every event) filtering on the event: 30 -> 119 buffers with
 * 5,000 offers open on another event. Counted now among the event's live
 * entries (status in waiting/offered: only waitlist_entry_live_key and
 * waitlist_entry_live_idx serve that), the event's own list.
 */
create or replace function app_public.pause_waitlist_offers(id uuid) returns app_public.event
  language plpgsql security definer
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
                       'openOffers', (select count(*) filter (where w.status = 'offered') from app_public.waitlist_entry w
                                      where w.event_id = v_event.id and w.status in ('waiting', 'offered')))
  );
  return v_event;
end;
$$;

/*
 * An event's waiting line: the waiting entries only, in line order. Serves
 * offer_freed_seats' first-in-line probe below and its walk down the line
 * (condition and order at once), without the list's history (left,
 * expired, accepted, ended entries), which waitlist_entry_event_id_joined_at_idx
 * holds too.
 */
create index if not exists waitlist_entry_waiting_line_idx on app_public.waitlist_entry (event_id, joined_at, id)
  where status = 'waiting';
comment on index app_public.waitlist_entry_waiting_line_idx is
  E'An event''s waiting entries in line order (offer_freed_seats): the line without the list''s history.';

/*
 * offer_freed_seats (at the commit of every seat freed on a list_first event,
 * on resume, by the first_come task) first asks whether anyone waits. In a
 * session that had run it a few times (the worker's, the API's), PL/pgSQL
 * kept a generic plan, which expected thousands of waiting rows for any
 * event (one event had 20,000) and chose a sequential scan that stops at the
 * first match: the whole table when nobody waits for this event
 * (member_paths_scaling.test.ts, analyzed: offer_freed_seats 55 -> 701
 * buffers, resume_waitlist_offers 39 -> 677). The question is now the first
 * in line by the line's own index.
 */
create or replace function app_hidden.offer_freed_seats(event_id uuid) returns integer
  language plpgsql
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
  -- The first in line (waitlist_entry_waiting_line_idx, one probe). As an
  -- EXISTS, a generic plan expecting thousands of waiting rows for any event
  -- chose a sequential scan "that stops at the first match" and read the
  -- whole table when the event had none; the order makes the index the only
  -- cheap way.
  if v_free <= 0 or (
    select w.id from app_public.waitlist_entry w
    where w.event_id = offer_freed_seats.event_id and w.status = 'waiting'
    order by w.joined_at, w.id
    limit 1
  ) is null then
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
