/*
 * The worker's waiting-list tasks find the events with someone waiting by
 * stepping from event to event in waitlist_entry_live_idx (status,
 * event_id), one index probe per event, not one row per waiting entry.
 *
 * Before: waitlist_events_to_offer (every minute) read every waiting entry
 * ("select distinct event_id") and end_closed_waitlists joined every
 * waiting entry to its counter, hashing one side whole when the tables had
 * not been analyzed (test/db/app_public/member_paths_scaling.test.ts: 5 ->
 * 391 buffers never analyzed, 638 analyzed, and 2 -> 385, with 20,000
 * members waiting for one sold-out event whose bookings are still open).
 * The work now follows the number of events with a waiting list; each
 * event's counter and row are read by primary key (a lateral sub-select
 * with LIMIT, never flattened into a hash join), and the entries to end by
 * their event (ids in an array).
 */
create or replace function app_hidden.waitlisted_event_ids() returns setof uuid
  language sql stable
as $$
  with recursive l(event_id) as (
    (select w.event_id from app_public.waitlist_entry w where w.status = 'waiting' order by w.event_id limit 1)
    union all
    select (select w.event_id from app_public.waitlist_entry w
            where w.status = 'waiting' and w.event_id > l.event_id
            order by w.event_id limit 1)
    from l
    where l.event_id is not null
  )
  select l.event_id from l where l.event_id is not null;
$$;
comment on function app_hidden.waitlisted_event_ids() is
  E'The events with at least one waiting entry, in id order: one probe of waitlist_entry_live_idx per event (a loose index scan), however many wait. Owner only.';
revoke all on function app_hidden.waitlisted_event_ids() from public;

create or replace function app_hidden.waitlist_events_to_offer() returns setof uuid
  language sql stable
as $$
  select l.event_id
  from app_hidden.waitlisted_event_ids() l(event_id)
  cross join lateral (
    select from app_public.event e
    join app_public.event_seat_counter c on c.event_id = e.id
    where e.id = l.event_id
      and e.waitlist_policy = 'first_come'
      and e.waitlist_paused_at is null
      and c.seats_taken < c.capacity
      and now() < c.bookable_until
    limit 1
  ) open
  order by l.event_id;
$$;
comment on function app_hidden.waitlist_events_to_offer() is
  E'The first_come events whose free seats the offer_waitlist_seats task offers to their list: taking bookings, not paused, seats free, entries waiting. Work follows the events with a waiting list (waitlisted_event_ids), each event and counter by primary key. Owner only.';

create or replace function app_hidden.end_closed_waitlists() returns integer
  language plpgsql volatile
as $$
declare
  v_entry app_public.waitlist_entry;
  v_count integer := 0;
  v_closed uuid[] := array(
    select l.event_id
    from app_hidden.waitlisted_event_ids() l(event_id)
    cross join lateral (
      select from app_public.event_seat_counter c
      where c.event_id = l.event_id and c.bookable_until <= now()
      limit 1
    ) closed
  );
begin
  if cardinality(v_closed) = 0 then
    return 0;
  end if;
  for v_entry in
    update app_public.waitlist_entry w
    set status = 'ended', end_reason = 'bookings_closed', ended_at = now()
    where w.event_id = any(v_closed) and w.status = 'waiting'
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
  E'Ends the waiting entries of events whose booking deadline has passed (end_reason bookings_closed, WaitlistEnded each); returns how many. Work follows the events with a waiting list (waitlisted_event_ids) and the entries it ends. Run by the expire_waitlist_offers task as the owner.';
