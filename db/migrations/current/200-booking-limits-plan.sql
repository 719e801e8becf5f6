/*
 * The anti-hoarding counts read the caller's own bookings and nothing else,
 * with or without planner statistics (see the comment in the function).
 */
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

  -- Every count in one pass over the caller's own bookings: unpaid holds
  -- (those past their payment deadline are about to expire and do not count),
  -- overall and for this organizer, and for the cool-down the bookings of this
  -- event the user ended (canceled themselves) or let lapse lately; an
  -- organizer's cancellation does not count.
  --
  -- The WHERE names the user and nothing an index of other rows could serve:
  -- only booking_user_id_idx matches, whatever the statistics say. With the
  -- event's bookings in an OR beside it, a server that had not analyzed the
  -- table (autovacuum off, or a fresh database) planned a bitmap OR that read
  -- all of booking_event_id_user_id_key (every live booking of every event)
  -- plus every canceled or expired booking of the event: work growing with
  -- the whole table, on every booking. The event row is read for pending
  -- bookings only (their organizer).
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
  left join app_public.event pe on pe.id = b.event_id and b.status = 'pending_payment'
  where b.user_id = assert_booking_limits.user_id;

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
  E'The anti-hoarding rules of a new booking, from app_private.setting (read once): BKMAX (seats per booking), BKCDN (cool-down after repeated cancel/lapse on the event), BKPEN (unpaid bookings overall), BKPOR (unpaid bookings for the organizer''s events), counted in one query over the caller''s own bookings (booking_user_id_idx, whatever the statistics). Reads only; create_booking serializes a user''s bookings first so the counts hold under concurrency.';
