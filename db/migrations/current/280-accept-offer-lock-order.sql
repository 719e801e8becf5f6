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

