/*
 * The expiry batch without a temporary table and with plans that do not
 * read the whole booking table.
 *
 * Before: the locked batch joined back to app_public.booking through a CTE;
 * once the table had statistics the planner expected the LIMIT's 500 rows
 * and hashed the whole table (a sequential scan of every booking, each
 * batch, even for one overdue booking: 1,268 buffers at 60k bookings,
 * test/db/app_public/hot_path_scaling.test.ts). And every call created and
 * dropped a temporary table: catalog rows written and left dead each
 * minute, which only autovacuum cleans (off on some servers).
 *
 * Now the batch's ids and the expired rows travel in arrays: the update
 * finds its rows by primary key (id = any(array)), the counters by theirs,
 * whatever the statistics. Same steps, same lock order as before: the
 * bookings (SKIP LOCKED, deadline order), then the event counters, the tier
 * counters and the promo codes, each in key order, last.
 */
create or replace function app_hidden.expire_overdue_bookings(batch integer default 500) returns integer
  language plpgsql volatile
as $$
declare
  v_due uuid[];
  v_expired app_public.booking[];
  v_events uuid[];
  v_event_seats integer[];
  v_tiers uuid[];
  v_tier_seats integer[];
  v_promos uuid[];
  v_promo_uses integer[];
begin
  -- The batch: the oldest overdue pending bookings that nobody else holds.
  select array_agg(d.id) into v_due
  from (
    select b.id
    from app_public.booking b
    where b.status = 'pending_payment' and b.payment_deadline <= now()
    order by b.payment_deadline, b.id
    limit greatest(coalesce(expire_overdue_bookings.batch, 500), 1)
    for update skip locked
  ) d;
  if v_due is null then
    return 0;
  end if;

  with expired as (
    update app_public.booking b
    set status = 'expired', expired_at = now()
    where b.id = any(v_due) and b.status = 'pending_payment'
    returning b.*
  )
  select array_agg(row(e.*)::app_public.booking order by e.id) into v_expired from expired e;

  insert into app_private.audit_log (actor_id, actor_roles, action, table_name, row_id, details, request_id)
  select app_public.current_user_id(), app_public.current_user_roles(), 'booking.expire', 'booking', x.id::text,
         app_hidden.booking_data(x), nullif(current_setting('app.request_id', true), '')
  from unnest(v_expired) x;
  insert into app_private.outbox (aggregate_type, aggregate_id, event_type, actor_id, data)
  select 'booking', x.id, 'BookingExpired', app_public.current_user_id(), app_hidden.booking_data(x)
  from unnest(v_expired) x
  order by x.id;

  -- Last (as in create_booking), so the counter rows stay locked only from
  -- here to the commit: seats and promo uses come back, one update per
  -- counter row, each kind locked in key order.
  select array_agg(s.event_id order by s.event_id), array_agg(s.seats order by s.event_id)
  into v_events, v_event_seats
  from (select x.event_id, sum(x.quantity)::integer as seats from unnest(v_expired) x group by x.event_id) s;
  perform from app_public.event_seat_counter c
  where c.event_id = any(v_events) order by c.event_id for no key update;
  update app_public.event_seat_counter c set seats_taken = c.seats_taken - s.seats
  from unnest(v_events, v_event_seats) as s(event_id, seats)
  where c.event_id = s.event_id and c.event_id = any(v_events);

  select array_agg(s.price_tier_id order by s.price_tier_id), array_agg(s.seats order by s.price_tier_id)
  into v_tiers, v_tier_seats
  from (select x.price_tier_id, sum(x.quantity)::integer as seats from unnest(v_expired) x group by x.price_tier_id) s;
  perform from app_public.price_tier_seat_counter c
  where c.price_tier_id = any(v_tiers) order by c.price_tier_id for no key update;
  update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - s.seats
  from unnest(v_tiers, v_tier_seats) as s(price_tier_id, seats)
  where c.price_tier_id = s.price_tier_id and c.price_tier_id = any(v_tiers);

  select array_agg(s.promo_code_id order by s.promo_code_id), array_agg(s.uses order by s.promo_code_id)
  into v_promos, v_promo_uses
  from (
    select x.promo_code_id, count(*)::integer as uses from unnest(v_expired) x
    where x.promo_code_id is not null group by x.promo_code_id
  ) s;
  if v_promos is not null then
    perform from app_public.promo_code pc where pc.id = any(v_promos) order by pc.id for no key update;
    update app_public.promo_code pc set uses = pc.uses - s.uses
    from unnest(v_promos, v_promo_uses) as s(id, uses)
    where pc.id = s.id and pc.id = any(v_promos);
  end if;

  return coalesce(array_length(v_expired, 1), 0);
end;
$$;
comment on function app_hidden.expire_overdue_bookings(integer) is
  E'Expires up to `batch` pending bookings whose payment deadline has passed, set-based (seats and promo uses given back, BookingExpired each); returns how many. Safe to run in several workers at once (SKIP LOCKED). Finds every row by primary key (ids in arrays), so a batch does not read the table whatever the statistics. Run by the worker''s expire_bookings task as the owner, one batch per transaction.';
