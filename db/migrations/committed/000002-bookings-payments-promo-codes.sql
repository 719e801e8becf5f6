--! Previous: sha1:7a5643cd558f15b6415ab2364465c57652e8d58f
--! Hash: sha1:f588465cc0cb24e23848a134349872e0e93d5650
--! Message: bookings, payments, refunds and promo codes

/*
 * Aquastream event service: bookings, payments, refunds and promo codes (issue 4).
 *
 * The rush for the last seats never oversells, every payment counts exactly
 * once, every seat comes back when a booking dies. The same architecture as
 * migration 1: clients read tables under RLS and write only through
 * SECURITY DEFINER functions that check the caller first, validate with a
 * specific code, change the rows of one use case and write audit + outbox
 * rows (app_hidden.record_change) in the same transaction.
 *
 * How oversell is made impossible (the decision everything below follows):
 * a booking takes its seats with ONE guarded update per counter row
 *     update event set seats_taken = seats_taken + q
 *      where id = … and seats_taken + q <= capacity returning …
 * (likewise the tier quota and the promo code's uses). Concurrent bookings of
 * one event queue on that row lock; PostgreSQL re-evaluates the guard against
 * the row as the previous booking committed it, so the count is never read in
 * one statement and written in another. The check constraints
 * event_seats_taken_check, event_price_tier_seats_taken_check and
 * promo_code_uses_check back the guards: even a buggy function or the owner
 * in psql cannot push a counter past its limit.
 *
 * Lock order, everywhere, so that no two use cases deadlock:
 *     event → price tier → promo code → booking → payment
 * (create_booking never locks an existing booking; cancel_booking, cancel_event
 * and the expiry lock the event before the booking; confirm_payment does not
 * touch the event and locks booking → payment).
 *
 * Money: numeric(12,2) everywhere, currency kept next to every amount.
 * Outbox: booking and payment messages use the booking as their aggregate
 * (Kafka key = booking id), so consumers get BookingCreated, PaymentConfirmed,
 * BookingConfirmed, PaymentRefunded… of one booking in order.
 *
 * Idempotent: it drops what it creates first, in reverse order.
 */

--------------------------------------------------------------------------------
-- Reset (reverse order of creation)
--------------------------------------------------------------------------------
drop function if exists app_hidden.expire_overdue_bookings(integer);
drop function if exists app_public.cancel_booking(uuid, text);
drop function if exists app_public.refund_payment(uuid, text, numeric);
drop function if exists app_public.fail_payment(uuid, text);
drop function if exists app_public.confirm_payment(text, uuid, numeric);
drop function if exists app_public.initiate_payment(uuid, app_public.payment_method);
drop function if exists app_public.create_booking(uuid, uuid, integer, text);
drop function if exists app_public.quote_booking(uuid, uuid, integer, text);
drop function if exists app_hidden.price_booking(uuid, uuid, integer, text);
drop function if exists app_public.deactivate_promo_code(uuid);
drop function if exists app_public.create_promo_code(text, uuid, integer, numeric, text, timestamptz, timestamptz, integer);
drop function if exists app_public.event_my_booking(app_public.event);
drop function if exists app_public.booking_refunded_amount(app_public.booking);
drop function if exists app_public.promo_code_uses_left(app_public.promo_code);
drop function if exists app_hidden.end_booking(app_public.booking, app_public.booking_status, text);
drop function if exists app_hidden.issue_refund(app_public.payment, numeric, text);
drop function if exists app_hidden.booking_for_change(uuid);
drop function if exists app_hidden.refund_data(app_public.refund);
drop function if exists app_hidden.payment_data(app_public.payment);
drop function if exists app_hidden.booking_data(app_public.booking);
drop function if exists app_hidden.promo_code_data(app_public.promo_code);
drop function if exists app_hidden.booking_hold();
drop function if exists app_hidden.payment_url_base();
drop view if exists app_private.seat_drift;
drop table if exists app_public.refund cascade;
drop function if exists app_private.tg_refund__check_total();
drop table if exists app_public.payment cascade;
drop table if exists app_public.booking cascade;
drop table if exists app_public.promo_code cascade;
drop function if exists app_private.tg_booking__status_transition();
drop function if exists app_private.tg_payment__status_transition();
drop type if exists app_public.booking_quote;
drop type if exists app_public.payment_method;
drop type if exists app_public.payment_status;
drop type if exists app_public.booking_status;
drop type if exists app_public.discount_kind;
alter table app_public.event_price_tier drop constraint if exists event_price_tier_event_id_id_key;
drop table if exists app_private.setting;

--------------------------------------------------------------------------------
-- Settings (operators tune them in psql; changes are picked up at once)
--------------------------------------------------------------------------------

create table app_private.setting (
  key text primary key constraint setting_key_check check (key ~ '^[a-z][a-z0-9_]*$'),
  value text not null,
  description text not null,
  updated_at timestamptz not null default now(),
  constraint setting_value_check check (
    case key
      when 'booking_hold_minutes' then value ~ '^[0-9]{1,4}$' and value::integer between 1 and 1440
      when 'payment_url_base' then value ~ '^https?://'
      else true
    end
  )
);
alter table app_private.setting enable row level security;
comment on table app_private.setting is E'Operator-tunable settings of the business rules, one row per key. Read by the SQL functions (as the owner); clients have no access.';
comment on column app_private.setting.key is E'Setting name, snake_case.';
comment on column app_private.setting.value is E'Value as text; its form is checked per key (setting_value_check).';
comment on column app_private.setting.description is E'What the setting does, for operators.';
comment on column app_private.setting.updated_at is E'When the row was written.';

insert into app_private.setting (key, value, description) values
  ('booking_hold_minutes', '30', 'Minutes a new booking holds its seats waiting for payment (1..1440); never beyond the event''s booking deadline.'),
  ('payment_url_base', 'https://pay.aquastream.invalid/checkout/', 'Prefix of the placeholder checkout URL given to clients by initiate_payment; the payment id is appended.');

create function app_hidden.booking_hold() returns interval
  language sql stable
as $$
  select make_interval(mins => coalesce(
    (select s.value::integer from app_private.setting s where s.key = 'booking_hold_minutes'),
    30
  ));
$$;
comment on function app_hidden.booking_hold() is
  E'How long a new booking holds its seats for payment: setting booking_hold_minutes (default 30 minutes).';

create function app_hidden.payment_url_base() returns text
  language sql stable
as $$
  select coalesce(
    (select s.value from app_private.setting s where s.key = 'payment_url_base'),
    'https://pay.aquastream.invalid/checkout/'
  );
$$;
comment on function app_hidden.payment_url_base() is
  E'Prefix of the placeholder checkout URL (setting payment_url_base).';

--------------------------------------------------------------------------------
-- Types
--------------------------------------------------------------------------------

create type app_public.discount_kind as enum ('percent', 'fixed');
comment on type app_public.discount_kind is E'How a promo code discounts: a percentage of the booking''s subtotal, or a fixed amount in one currency.';

create type app_public.booking_status as enum ('pending_payment', 'confirmed', 'canceled', 'expired');
comment on type app_public.booking_status is
  E'Life cycle of a booking: pending_payment → confirmed | canceled | expired, confirmed → canceled. pending_payment and confirmed are "live": they hold seats.';

create type app_public.payment_status as enum ('pending', 'completed', 'failed', 'refunded', 'partially_refunded');
comment on type app_public.payment_status is
  E'Life cycle of a payment: pending → completed | failed; completed → partially_refunded → refunded (or completed → refunded at once).';

create type app_public.payment_method as enum ('card', 'sbp', 'bank_transfer');
comment on type app_public.payment_method is E'How the participant pays at the gateway: card, sbp (Russian faster payments system), bank_transfer.';

create type app_public.booking_quote as (
  event_id uuid,
  price_tier_id uuid,
  quantity integer,
  unit_price numeric(12, 2),
  subtotal numeric(12, 2),
  discount_amount numeric(12, 2),
  total_amount numeric(12, 2),
  currency char(3),
  promo_code_id uuid,
  payment_deadline timestamptz
);
comment on type app_public.booking_quote is E'What a booking would cost now (quote_booking); create_booking computes exactly the same.';
comment on column app_public.booking_quote.event_id is E'The event.';
comment on column app_public.booking_quote.price_tier_id is E'The price tier.';
comment on column app_public.booking_quote.quantity is E'Seats.';
comment on column app_public.booking_quote.unit_price is E'Tier price per seat.';
comment on column app_public.booking_quote.subtotal is E'unit_price × quantity.';
comment on column app_public.booking_quote.discount_amount is E'Promo discount, between 0 and the subtotal.';
comment on column app_public.booking_quote.total_amount is E'subtotal − discount_amount: what is to be paid (0 means the booking is confirmed at once).';
comment on column app_public.booking_quote.currency is E'ISO 4217 currency of all amounts (the tier''s).';
comment on column app_public.booking_quote.promo_code_id is E'The promo code applied, if any.';
comment on column app_public.booking_quote.payment_deadline is E'When a booking made now would expire unpaid.';

--------------------------------------------------------------------------------
-- A tier is referenced together with its event (booking_event_id_price_tier_id_fkey), so a
-- booking can never name the tier of another event.
--------------------------------------------------------------------------------
alter table app_public.event_price_tier
  add constraint event_price_tier_event_id_id_key unique (event_id, id);
comment on constraint event_price_tier_event_id_id_key on app_public.event_price_tier is
  E'@behavior -single\nTarget of booking_event_id_price_tier_id_fkey (a booking''s tier belongs to its event); not a lookup of its own.';

--------------------------------------------------------------------------------
-- promo_code
--------------------------------------------------------------------------------

create table app_public.promo_code (
  id uuid primary key default gen_random_uuid(),
  code citext not null
    constraint promo_code_code_check check (code ~ '^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$'),
  event_id uuid
    constraint promo_code_event_id_fkey references app_public.event (id) on delete cascade,
  created_by uuid not null,
  discount_kind app_public.discount_kind not null,
  percent_off integer
    constraint promo_code_percent_off_check check (percent_off between 1 and 100),
  amount_off numeric(12, 2)
    constraint promo_code_amount_off_check check (amount_off > 0),
  currency char(3)
    constraint promo_code_currency_check check (currency ~ '^[A-Z]{3}$'),
  valid_from timestamptz,
  valid_until timestamptz,
  max_uses integer
    constraint promo_code_max_uses_check check (max_uses > 0),
  uses integer not null default 0,
  is_active boolean not null default true,
  deactivated_at timestamptz,
  deactivated_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),

  constraint promo_code_discount_kind_check check (
    (discount_kind = 'percent' and percent_off is not null and amount_off is null and currency is null)
    or (discount_kind = 'fixed' and percent_off is null and amount_off is not null and currency is not null)
  ),
  constraint promo_code_valid_until_check check (valid_until > valid_from),
  constraint promo_code_uses_check check (uses >= 0 and (max_uses is null or uses <= max_uses)),
  constraint promo_code_deactivated_at_check check (is_active = (deactivated_at is null)),
  -- Unique per scope: one code per event, and once among the global codes
  -- (null event_id = global; citext makes it case-insensitive).
  constraint promo_code_event_id_code_key unique nulls not distinct (event_id, code)
);
alter table app_public.promo_code enable row level security;
create index promo_code_code_idx on app_public.promo_code (code);

comment on table app_public.promo_code is E'@behavior -insert -update -delete\nA discount code for one event or (event_id null) for every event. Visible to the organizer of its event and to admins only, so codes cannot be enumerated. Changed through create_promo_code, deactivate_promo_code, and by bookings (uses).';
comment on column app_public.promo_code.id is E'Identifier of the promo code.';
comment on column app_public.promo_code.code is E'What the participant types; case-insensitive, 3 to 40 letters, digits, "-" or "_"; unique per event and among global codes.';
comment on column app_public.promo_code.event_id is E'The event it applies to; null: a global code (admins only), valid for every event.';
comment on column app_public.promo_code.created_by is E'Who created it (Keycloak user id).';
comment on column app_public.promo_code.discount_kind is E'percent or fixed.';
comment on column app_public.promo_code.percent_off is E'For percent codes: 1..100 % of the subtotal (rounded to cents).';
comment on column app_public.promo_code.amount_off is E'For fixed codes: amount taken off the subtotal (never below zero).';
comment on column app_public.promo_code.currency is E'For fixed codes: the currency of amount_off; applies only to tiers in that currency.';
comment on column app_public.promo_code.valid_from is E'Not valid before this time (null: from creation).';
comment on column app_public.promo_code.valid_until is E'Not valid from this time on (null: no end).';
comment on column app_public.promo_code.max_uses is E'How many live bookings may use it at once (null: unlimited).';
comment on column app_public.promo_code.uses is E'Live (pending_payment or confirmed) bookings using it now: a canceled or expired booking gives its use back. Never above max_uses.';
comment on column app_public.promo_code.is_active is E'False once deactivated: no new booking may use it (existing bookings keep their discount).';
comment on column app_public.promo_code.deactivated_at is E'When it was deactivated.';
comment on column app_public.promo_code.deactivated_by is E'Who deactivated it.';
comment on column app_public.promo_code.created_at is E'When it was created.';
comment on column app_public.promo_code.updated_at is E'When the row last changed.';

create policy select_manager on app_public.promo_code for select using (
  event_id in (select e.id from app_public.event e where e.organizer_id = (select app_public.current_user_id()))
  or created_by in (select app_public.current_user_id())
  or (select app_public.has_role('admin'))
);
grant select on app_public.promo_code to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

create trigger _100_timestamps
  before update on app_public.promo_code
  for each row execute function app_private.tg__set_updated_at();

--------------------------------------------------------------------------------
-- booking
--------------------------------------------------------------------------------

create table app_public.booking (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null
    constraint booking_event_id_fkey references app_public.event (id),
  user_id uuid not null,
  price_tier_id uuid not null,
  quantity integer not null
    constraint booking_quantity_check check (quantity between 1 and 20),
  unit_price numeric(12, 2) not null
    constraint booking_unit_price_check check (unit_price >= 0),
  subtotal numeric(12, 2) not null,
  discount_amount numeric(12, 2) not null default 0,
  total_amount numeric(12, 2) not null,
  currency char(3) not null
    constraint booking_currency_check check (currency ~ '^[A-Z]{3}$'),
  promo_code_id uuid
    constraint booking_promo_code_id_fkey references app_public.promo_code (id),
  status app_public.booking_status not null default 'pending_payment',
  payment_deadline timestamptz not null,
  confirmed_at timestamptz,
  canceled_at timestamptz,
  canceled_by uuid,
  cancel_reason text
    constraint booking_cancel_reason_check check (char_length(cancel_reason) between 3 and 1000),
  expired_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),

  constraint booking_event_id_price_tier_id_fkey foreign key (event_id, price_tier_id)
    references app_public.event_price_tier (event_id, id),
  constraint booking_subtotal_check check (subtotal = unit_price * quantity),
  constraint booking_discount_amount_check check (discount_amount between 0 and subtotal),
  constraint booking_total_amount_check check (total_amount = subtotal - discount_amount),
  constraint booking_confirmed_at_check check ((status = 'confirmed') <= (confirmed_at is not null)),
  constraint booking_canceled_at_check check (
    (status = 'canceled') = (canceled_at is not null)
    and (status = 'canceled') = (cancel_reason is not null)
  ),
  constraint booking_expired_at_check check ((status = 'expired') = (expired_at is not null))
);
alter table app_public.booking enable row level security;
comment on constraint booking_event_id_price_tier_id_fkey on app_public.booking is
  E'@fieldName eventPriceTierByPriceTierId\nThe tier is one of the booking''s event''s tiers (named like a single-column relation).';

-- One live booking per user per event (the last line of defence behind create_booking's BKDUP).
create unique index booking_event_id_user_id_key on app_public.booking (event_id, user_id)
  where status in ('pending_payment', 'confirmed');
-- The expiry job's scan.
create index booking_payment_deadline_idx on app_public.booking (payment_deadline)
  where status = 'pending_payment';
create index booking_event_id_status_idx on app_public.booking (event_id, status);
create index booking_user_id_idx on app_public.booking (user_id, created_at);
create index booking_price_tier_id_idx on app_public.booking (price_tier_id);
create index booking_promo_code_id_idx on app_public.booking (promo_code_id) where promo_code_id is not null;

comment on table app_public.booking is E'@behavior -insert -update -delete\nSeats of one price tier of an event booked by a user. Live bookings (pending_payment, confirmed) hold their seats; one live booking per user per event. Changed through create_booking, confirm_payment, cancel_booking, cancel_event and the expiry job.';
comment on column app_public.booking.id is E'Identifier of the booking.';
comment on column app_public.booking.event_id is E'The event booked.';
comment on column app_public.booking.user_id is E'Who booked (Keycloak user id).';
comment on column app_public.booking.price_tier_id is E'The price tier (always one of the event''s).';
comment on column app_public.booking.quantity is E'Seats, 1 to 20.';
comment on column app_public.booking.unit_price is E'Tier price per seat at booking time.';
comment on column app_public.booking.subtotal is E'unit_price × quantity.';
comment on column app_public.booking.discount_amount is E'Promo discount, between 0 and the subtotal.';
comment on column app_public.booking.total_amount is E'What is to be paid: subtotal − discount_amount (never below zero).';
comment on column app_public.booking.currency is E'ISO 4217 currency of the amounts (the tier''s).';
comment on column app_public.booking.promo_code_id is E'The promo code applied, if any.';
comment on column app_public.booking.status is E'pending_payment (seats held until payment_deadline), confirmed (paid, or free), canceled (by its user, the organizer, an admin, or with its event), expired (not paid in time).';
comment on column app_public.booking.payment_deadline is E'A pending booking not paid by then expires and frees its seats (now + setting booking_hold_minutes, never after the event''s booking deadline).';
comment on column app_public.booking.confirmed_at is E'When it was confirmed (payment confirmed, or at once when free).';
comment on column app_public.booking.canceled_at is E'When it was canceled.';
comment on column app_public.booking.canceled_by is E'Who canceled it (Keycloak user id).';
comment on column app_public.booking.cancel_reason is E'Why it was canceled (3 to 1000 characters).';
comment on column app_public.booking.expired_at is E'When the expiry job expired it.';
comment on column app_public.booking.created_at is E'When it was booked.';
comment on column app_public.booking.updated_at is E'When the row last changed.';

/*
 * Who sees which booking (GraphQL, gRPC and psql alike): its user, the
 * organizer of its event, admins. Nobody else, not even by id.
 */
create policy select_own_or_managed on app_public.booking for select using (
  user_id in (select app_public.current_user_id())
  or event_id in (select e.id from app_public.event e where e.organizer_id = (select app_public.current_user_id()))
  or (select app_public.has_role('admin'))
);
grant select on app_public.booking to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

create function app_private.tg_booking__status_transition() returns trigger
  language plpgsql
as $$
begin
  if not (
    (old.status = 'pending_payment' and new.status in ('confirmed', 'canceled', 'expired'))
    or (old.status = 'confirmed' and new.status = 'canceled')
  ) then
    raise exception 'booking status cannot change from % to %', old.status, new.status
      using errcode = '55000', column = 'status';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_booking__status_transition() is
  E'Trigger: only pending_payment → confirmed | canceled | expired and confirmed → canceled (55000 otherwise), whoever updates the row.';

create trigger _100_timestamps
  before update on app_public.booking
  for each row execute function app_private.tg__set_updated_at();
create trigger _200_status_transition
  before update of status on app_public.booking
  for each row when (old.status is distinct from new.status)
  execute function app_private.tg_booking__status_transition();

--------------------------------------------------------------------------------
-- payment
--------------------------------------------------------------------------------

create table app_public.payment (
  id uuid primary key default gen_random_uuid(),
  booking_id uuid not null
    constraint payment_booking_id_fkey references app_public.booking (id),
  amount numeric(12, 2) not null
    constraint payment_amount_check check (amount > 0),
  currency char(3) not null
    constraint payment_currency_check check (currency ~ '^[A-Z]{3}$'),
  method app_public.payment_method not null,
  status app_public.payment_status not null default 'pending',
  payment_url text not null,
  gateway_reference text
    constraint payment_gateway_reference_check check (char_length(gateway_reference) between 1 and 200),
  refunded_amount numeric(12, 2) not null default 0,
  error_code text
    constraint payment_error_code_check check (error_code ~ '^[0-9A-Z]{5}$'),
  error_message text,
  initiated_by uuid not null,
  confirmed_at timestamptz,
  failed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),

  constraint payment_gateway_reference_key unique (gateway_reference),
  constraint payment_refunded_amount_check check (refunded_amount between 0 and amount),
  constraint payment_status_check check (
    case status
      when 'pending' then gateway_reference is null and refunded_amount = 0
      when 'failed' then refunded_amount = 0 and failed_at is not null
      when 'completed' then gateway_reference is not null and confirmed_at is not null and refunded_amount = 0
      when 'partially_refunded' then gateway_reference is not null and refunded_amount > 0 and refunded_amount < amount
      when 'refunded' then gateway_reference is not null and refunded_amount = amount
    end
  ),
  constraint payment_error_message_check check ((error_code is null) = (error_message is null))
);
alter table app_public.payment enable row level security;
-- A booking has at most one payment that is not failed: money is taken once.
create unique index payment_booking_id_key on app_public.payment (booking_id) where status <> 'failed';
create index payment_booking_id_idx on app_public.payment (booking_id);

comment on table app_public.payment is E'@behavior -insert -update -delete\nA payment of a booking at the payment gateway. Changed through initiate_payment, confirm_payment, fail_payment, refund_payment, cancel_booking and cancel_event.';
comment on column app_public.payment.id is E'Identifier of the payment (the gateway gets it in the checkout URL and sends it back when confirming).';
comment on column app_public.payment.booking_id is E'The booking paid for.';
comment on column app_public.payment.amount is E'Amount to pay: the booking''s total at initiation.';
comment on column app_public.payment.currency is E'ISO 4217 currency (the booking''s).';
comment on column app_public.payment.method is E'How the participant pays.';
comment on column app_public.payment.status is E'pending (waiting for the gateway), completed (money received), failed (declined; the participant may try again), partially_refunded, refunded.';
comment on column app_public.payment.payment_url is E'Where the participant pays (a placeholder checkout URL until a real gateway is wired in).';
comment on column app_public.payment.gateway_reference is E'The gateway''s id of the confirmed transaction; unique, so a repeated confirmation is recognised and changes nothing.';
comment on column app_public.payment.refunded_amount is E'Sum of its refunds; never above amount.';
comment on column app_public.payment.error_code is E'Why the payment did not pay for a booking: GWLAT when the confirmation arrived after the booking had expired or been canceled (the money is refunded in full automatically), or the code fail_payment recorded.';
comment on column app_public.payment.error_message is E'Human explanation of error_code.';
comment on column app_public.payment.initiated_by is E'Who initiated it (Keycloak user id).';
comment on column app_public.payment.confirmed_at is E'When the gateway confirmed it.';
comment on column app_public.payment.failed_at is E'When the gateway reported it failed.';
comment on column app_public.payment.created_at is E'When it was initiated.';
comment on column app_public.payment.updated_at is E'When the row last changed.';

-- A payment is visible exactly when its booking is (the subquery runs under the booking's RLS).
create policy select_visible on app_public.payment for select using (
  booking_id in (select b.id from app_public.booking b)
);
grant select on app_public.payment to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

create function app_private.tg_payment__status_transition() returns trigger
  language plpgsql
as $$
begin
  if not (
    (old.status = 'pending' and new.status in ('completed', 'failed'))
    or (old.status = 'completed' and new.status in ('partially_refunded', 'refunded'))
    or (old.status = 'partially_refunded' and new.status in ('partially_refunded', 'refunded'))
  ) then
    raise exception 'payment status cannot change from % to %', old.status, new.status
      using errcode = '55000', column = 'status';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_payment__status_transition() is
  E'Trigger: only pending → completed | failed, completed → partially_refunded | refunded, partially_refunded → refunded (55000 otherwise).';

create trigger _100_timestamps
  before update on app_public.payment
  for each row execute function app_private.tg__set_updated_at();
create trigger _200_status_transition
  before update of status on app_public.payment
  for each row when (old.status is distinct from new.status)
  execute function app_private.tg_payment__status_transition();

--------------------------------------------------------------------------------
-- refund
--------------------------------------------------------------------------------

create table app_public.refund (
  id uuid primary key default gen_random_uuid(),
  payment_id uuid not null
    constraint refund_payment_id_fkey references app_public.payment (id),
  amount numeric(12, 2) not null
    constraint refund_amount_check check (amount > 0),
  currency char(3) not null
    constraint refund_currency_check check (currency ~ '^[A-Z]{3}$'),
  reason text not null
    constraint refund_reason_check check (char_length(reason) between 3 and 1000),
  created_by uuid,
  created_at timestamptz not null default now()
);
alter table app_public.refund enable row level security;
create index refund_payment_id_idx on app_public.refund (payment_id);

comment on table app_public.refund is E'@behavior -insert -update -delete\nMoney given back for a payment, full or partial; the sum of a payment''s refunds is its refunded_amount, never above what was paid. Each refund is announced as PaymentRefunded, which the payment gateway executes. Append-only.';
comment on column app_public.refund.id is E'Identifier of the refund.';
comment on column app_public.refund.payment_id is E'The payment refunded.';
comment on column app_public.refund.amount is E'Amount given back (> 0).';
comment on column app_public.refund.currency is E'The payment''s currency.';
comment on column app_public.refund.reason is E'Why (3 to 1000 characters), e.g. the cancellation reason.';
comment on column app_public.refund.created_by is E'Who issued it; null when the system did (a late payment confirmation).';
comment on column app_public.refund.created_at is E'When it was issued.';

create policy select_visible on app_public.refund for select using (
  payment_id in (select p.id from app_public.payment p)
);
grant select on app_public.refund to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

/*
 * The refunds of a payment add up to its refunded_amount, never above its
 * amount. Checked at commit (deferred), once the function has written both the
 * refund row and the payment; issue_refund holds the payment row locked, so
 * concurrent refunds cannot both pass.
 */
create function app_private.tg_refund__check_total() returns trigger
  language plpgsql
as $$
declare
  v_payment app_public.payment;
  v_total numeric;
begin
  select * into v_payment from app_public.payment p where p.id = new.payment_id;
  select sum(r.amount) into v_total from app_public.refund r where r.payment_id = new.payment_id;
  if v_total > v_payment.amount then
    raise exception 'refunds % exceed the payment amount %', v_total, v_payment.amount using errcode = 'RFAMT';
  end if;
  if v_total <> v_payment.refunded_amount then
    raise exception 'refunds % do not add up to the payment''s refunded_amount %', v_total, v_payment.refunded_amount
      using errcode = '23514', constraint = 'refund_amount_check';
  end if;
  return null;
end;
$$;
comment on function app_private.tg_refund__check_total() is
  E'Constraint trigger (deferred): a payment''s refunds add up to its refunded_amount (23514) and never exceed its amount (RFAMT).';

create constraint trigger _100_check_total
  after insert on app_public.refund
  deferrable initially deferred
  for each row execute function app_private.tg_refund__check_total();

--------------------------------------------------------------------------------
-- Snapshots for the outbox / audit payloads
--------------------------------------------------------------------------------

create function app_hidden.promo_code_data(p app_public.promo_code) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', p.id, 'code', p.code, 'eventId', p.event_id, 'createdBy', p.created_by,
    'discountKind', p.discount_kind, 'percentOff', p.percent_off, 'amountOff', p.amount_off,
    'currency', p.currency, 'validFrom', p.valid_from, 'validUntil', p.valid_until,
    'maxUses', p.max_uses, 'uses', p.uses, 'isActive', p.is_active, 'deactivatedAt', p.deactivated_at
  );
$$;
comment on function app_hidden.promo_code_data(app_public.promo_code) is E'A promo code as the JSON payload of outbox messages.';

create function app_hidden.booking_data(b app_public.booking) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', b.id, 'eventId', b.event_id, 'userId', b.user_id, 'priceTierId', b.price_tier_id,
    'quantity', b.quantity, 'unitPrice', b.unit_price, 'subtotal', b.subtotal,
    'discountAmount', b.discount_amount, 'totalAmount', b.total_amount, 'currency', b.currency,
    'promoCodeId', b.promo_code_id, 'status', b.status, 'paymentDeadline', b.payment_deadline,
    'confirmedAt', b.confirmed_at, 'canceledAt', b.canceled_at, 'canceledBy', b.canceled_by,
    'cancelReason', b.cancel_reason, 'expiredAt', b.expired_at, 'createdAt', b.created_at
  );
$$;
comment on function app_hidden.booking_data(app_public.booking) is E'A booking as the JSON payload of outbox messages.';

create function app_hidden.payment_data(p app_public.payment) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', p.id, 'bookingId', p.booking_id, 'amount', p.amount, 'currency', p.currency,
    'method', p.method, 'status', p.status, 'gatewayReference', p.gateway_reference,
    'refundedAmount', p.refunded_amount, 'errorCode', p.error_code, 'errorMessage', p.error_message,
    'confirmedAt', p.confirmed_at, 'failedAt', p.failed_at
  );
$$;
comment on function app_hidden.payment_data(app_public.payment) is E'A payment as the JSON payload of outbox messages.';

create function app_hidden.refund_data(r app_public.refund) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', r.id, 'paymentId', r.payment_id, 'amount', r.amount, 'currency', r.currency,
    'reason', r.reason, 'createdBy', r.created_by, 'createdAt', r.created_at
  );
$$;
comment on function app_hidden.refund_data(app_public.refund) is E'A refund as the JSON payload of outbox messages.';

--------------------------------------------------------------------------------
-- Shared steps: refund, end a booking, find a booking to change
--------------------------------------------------------------------------------

/*
 * Refunds `amount` of a payment the caller holds locked (completed or
 * partially refunded): a refund row, the payment's refunded_amount and status,
 * PaymentRefunded. payment_refunded_amount_check backs "never above paid".
 */
create function app_hidden.issue_refund(p app_public.payment, amount numeric, reason text)
  returns app_public.refund
  language plpgsql volatile
as $$
declare
  v_refund app_public.refund;
  v_payment app_public.payment;
begin
  insert into app_public.refund (payment_id, amount, currency, reason, created_by)
  values (p.id, issue_refund.amount, p.currency, issue_refund.reason, app_public.current_user_id())
  returning * into v_refund;

  update app_public.payment pay
  set refunded_amount = pay.refunded_amount + issue_refund.amount,
      status = case when pay.refunded_amount + issue_refund.amount = pay.amount then 'refunded' else 'partially_refunded' end::app_public.payment_status
  where pay.id = p.id
  returning * into v_payment;

  perform app_hidden.record_change(
    'booking', v_payment.booking_id, 'PaymentRefunded', 'payment.refund', 'refund',
    jsonb_build_object('refund', app_hidden.refund_data(v_refund), 'payment', app_hidden.payment_data(v_payment)),
    v_refund.id::text
  );
  return v_refund;
end;
$$;
comment on function app_hidden.issue_refund(app_public.payment, numeric, text) is
  E'Records a refund of a locked, paid payment and announces PaymentRefunded (the gateway executes it). Owner only.';

/*
 * Ends a live booking the caller holds locked (its event locked first):
 * canceled or expired, seats and promo use given back, the paid remainder
 * refunded when canceled. The one path out of the live states, shared by
 * cancel_booking, cancel_event and the expiry job.
 */
create function app_hidden.end_booking(
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
  update app_public.event e set seats_taken = e.seats_taken - b.quantity where e.id = b.event_id;
  update app_public.event_price_tier t set seats_taken = t.seats_taken - b.quantity where t.id = b.price_tier_id;
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
  E'Cancels or expires a locked live booking: frees its seats (event and tier), gives its promo use back, announces BookingCanceled/BookingExpired, refunds the paid remainder when canceled. Owner only.';

/*
 * The booking a caller is about to change, its event locked first (lock
 * order event → booking), then the booking itself. Hidden bookings answer
 * like missing ones (P0002).
 */
create function app_hidden.booking_for_change(booking_id uuid) returns app_public.booking
  language plpgsql volatile
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event_id uuid := (select b.event_id from app_public.booking b where b.id = booking_for_change.booking_id);
  v_organizer_id uuid;
  v_booking app_public.booking;
begin
  select e.organizer_id into v_organizer_id from app_public.event e where e.id = v_event_id for no key update;
  select * into v_booking from app_public.booking b where b.id = booking_for_change.booking_id for update;
  if not found or not (
    v_booking.user_id = v_user_id or v_organizer_id = v_user_id or app_public.has_role('admin')
  ) then
    raise exception 'booking not found' using errcode = 'P0002';
  end if;
  return v_booking;
end;
$$;
comment on function app_hidden.booking_for_change(uuid) is
  E'Locks (event, then booking) and returns a booking the caller may see: its user, its event''s organizer, an admin; 28000 or P0002 otherwise.';

--------------------------------------------------------------------------------
-- Use cases: promo codes
--------------------------------------------------------------------------------

create function app_public.create_promo_code(
  code text,
  event_id uuid default null,
  percent_off integer default null,
  amount_off numeric default null,
  currency text default null,
  valid_from timestamptz default null,
  valid_until timestamptz default null,
  max_uses integer default null
) returns app_public.promo_code
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_event app_public.event;
  v_code text := app_hidden.clean_text(create_promo_code.code);
  v_currency text := upper(app_hidden.clean_text(create_promo_code.currency));
  v_event_currency text;
  v_promo app_public.promo_code;
begin
  if create_promo_code.event_id is null then
    if not app_public.has_role('admin') then
      raise exception 'only admins may create global promo codes'
        using errcode = '42501', hint = 'Give the event_id of one of your events.';
    end if;
  else
    v_event := app_hidden.event_for_change(create_promo_code.event_id);
  end if;

  if v_code is null or v_code !~ '^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$' then
    raise exception 'code must be 3 to 40 letters, digits, "-" or "_", starting with a letter or digit'
      using errcode = '22023', column = 'code';
  end if;
  if (create_promo_code.percent_off is null) = (create_promo_code.amount_off is null) then
    raise exception 'give exactly one of percent_off and amount_off'
      using errcode = '22023', column = 'percent_off';
  end if;
  if create_promo_code.percent_off not between 1 and 100 then
    raise exception 'percent_off must be between 1 and 100' using errcode = '22023', column = 'percent_off';
  end if;
  if create_promo_code.amount_off is not null then
    if create_promo_code.amount_off <= 0 or create_promo_code.amount_off <> round(create_promo_code.amount_off, 2)
       or create_promo_code.amount_off >= 10000000000 then
      raise exception 'amount_off must be more than 0, with at most two decimals'
        using errcode = '22023', column = 'amount_off';
    end if;
    if v_event.id is not null then
      select t.currency into v_event_currency from app_public.event_price_tier t where t.event_id = v_event.id limit 1;
      v_currency := coalesce(v_currency, v_event_currency);
    end if;
    if v_currency is null or v_currency !~ '^[A-Z]{3}$' then
      raise exception 'currency must be an ISO 4217 code such as EUR for a fixed amount'
        using errcode = '22023', column = 'currency';
    end if;
    if v_currency is distinct from coalesce(v_event_currency, v_currency) then
      raise exception 'currency % differs from the event''s currency %', v_currency, v_event_currency
        using errcode = 'CPCUR', column = 'currency';
    end if;
  elsif v_currency is not null then
    raise exception 'currency is only for fixed amounts' using errcode = '22023', column = 'currency';
  end if;
  if create_promo_code.valid_until <= coalesce(create_promo_code.valid_from, now()) then
    raise exception 'valid_until must be after valid_from and in the future'
      using errcode = '22023', column = 'valid_until';
  end if;
  if create_promo_code.max_uses < 1 then
    raise exception 'max_uses must be at least 1 (or null for no limit)' using errcode = '22023', column = 'max_uses';
  end if;
  if v_event.id is not null then
    perform app_hidden.assert_event_editable(v_event);
  end if;
  if exists (
    select from app_public.promo_code pc
    where pc.code = v_code::citext and pc.event_id is not distinct from v_event.id
  ) then
    raise exception 'promo code "%" already exists %', v_code,
      case when v_event.id is null then 'among the global codes' else 'for this event' end
      using errcode = '23505', column = 'code', constraint = 'promo_code_event_id_code_key';
  end if;

  insert into app_public.promo_code (
    code, event_id, created_by, discount_kind, percent_off, amount_off, currency,
    valid_from, valid_until, max_uses
  ) values (
    v_code, v_event.id, v_user_id,
    case when create_promo_code.percent_off is not null then 'percent' else 'fixed' end::app_public.discount_kind,
    create_promo_code.percent_off, create_promo_code.amount_off,
    case when create_promo_code.amount_off is not null then v_currency end,
    create_promo_code.valid_from, create_promo_code.valid_until, create_promo_code.max_uses
  )
  returning * into v_promo;

  perform app_hidden.record_change(
    'promo_code', v_promo.id, 'PromoCodeCreated', 'promo_code.create', 'promo_code', app_hidden.promo_code_data(v_promo)
  );
  return v_promo;
end;
$$;
comment on function app_public.create_promo_code(text, uuid, integer, numeric, text, timestamptz, timestamptz, integer) is
  E'Creates a promo code: for one of the caller''s events (organizer) or any event (admin), or a global code (event_id null, admins only). Give percent_off (1..100) or amount_off (currency defaults to the event''s). Codes are case-insensitive and unique per event and among global codes. Errors: 28000, 42501, P0002, 22023 (argument named), CPCUR (currency differs from the event''s), 55000 (event completed or canceled), 23505 (code taken).';

create function app_public.deactivate_promo_code(id uuid) returns app_public.promo_code
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_promo app_public.promo_code;
  v_organizer_id uuid;
begin
  select * into v_promo from app_public.promo_code pc where pc.id = deactivate_promo_code.id for update;
  select e.organizer_id into v_organizer_id from app_public.event e where e.id = v_promo.event_id;
  if v_promo.id is null or not (
    app_public.has_role('admin') or v_organizer_id = v_user_id or v_promo.created_by = v_user_id
  ) then
    raise exception 'promo code not found' using errcode = 'P0002';
  end if;
  if not v_promo.is_active then
    return v_promo; -- idempotent: nothing new to announce
  end if;

  update app_public.promo_code pc
  set is_active = false, deactivated_at = now(), deactivated_by = v_user_id
  where pc.id = v_promo.id
  returning * into v_promo;

  perform app_hidden.record_change(
    'promo_code', v_promo.id, 'PromoCodeDeactivated', 'promo_code.deactivate', 'promo_code', app_hidden.promo_code_data(v_promo)
  );
  return v_promo;
end;
$$;
comment on function app_public.deactivate_promo_code(uuid) is
  E'Deactivates a promo code (the organizer of its event, or an admin): no new booking may use it; bookings that did keep their discount. Deactivating again returns it unchanged. Errors: 28000, 42501, P0002.';

--------------------------------------------------------------------------------
-- Use cases: quote and create a booking
--------------------------------------------------------------------------------

/*
 * The price and every rule of a booking, written once: quote_booking returns
 * it, create_booking writes it after taking the seats with guarded updates.
 * Reads only (the availability it checks is advisory; create_booking's
 * guarded updates are the authority).
 */
create function app_hidden.price_booking(
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
  E'Checks every booking rule for the caller and computes the price (tier price × quantity − promo discount, never below zero) and the payment deadline. Writes nothing. Shared by quote_booking and create_booking.';

create function app_public.quote_booking(
  event_id uuid,
  price_tier_id uuid,
  quantity integer default 1,
  promo_code text default null
) returns app_public.booking_quote
  language sql stable security definer
  set search_path to pg_catalog, public, pg_temp
as $$
  select * from app_hidden.price_booking(quote_booking.event_id, quote_booking.price_tier_id, quote_booking.quantity, quote_booking.promo_code);
$$;
comment on function app_public.quote_booking(uuid, uuid, integer, text) is
  E'What booking these seats would cost the caller now, with every rule of create_booking checked; writes nothing. Errors: as create_booking.';

/*
 * The hot path: one call, a handful of single-row statements. The seats are
 * taken by guarded updates (never read-then-write), so concurrent bookings
 * of the last seats queue on the event row and exactly as many succeed as fit.
 */
create function app_public.create_booking(
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
  v_quote app_public.booking_quote := app_hidden.price_booking(
    create_booking.event_id, create_booking.price_tier_id, create_booking.quantity, create_booking.promo_code
  );
  v_user_id uuid := app_public.current_user_id();
  v_event app_public.event;
  v_booking app_public.booking;
begin
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
  E'Books seats of a price tier of a published event for the caller, optionally with a promo code. The booking holds its seats as pending_payment until payment_deadline (a booking with nothing to pay is confirmed at once). One live booking per user per event; organizers cannot book their own events; bookings close booking_deadline_hours before the start. Errors: 28000, P0002 (event or tier), BKOWN, BKQTY, BKTEV, CPUNK, 55000 (not published), BKCLO, BKDUP, BKFUL, BKTQF, CPINA, CPEXP, CPCUR, CPUSE.';

--------------------------------------------------------------------------------
-- Use cases: payments
--------------------------------------------------------------------------------

create function app_public.initiate_payment(
  booking_id uuid,
  method app_public.payment_method default 'card'
) returns app_public.payment
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_booking app_public.booking;
  v_payment app_public.payment;
  v_id uuid := gen_random_uuid();
begin
  select * into v_booking from app_public.booking b where b.id = initiate_payment.booking_id for update;
  if not found or not (v_booking.user_id = v_user_id or app_public.has_role('admin')) then
    raise exception 'booking not found' using errcode = 'P0002';
  end if;
  if initiate_payment.method is null then
    raise exception 'method is required' using errcode = '22023', column = 'method';
  end if;
  if v_booking.status <> 'pending_payment' then
    raise exception 'the booking is %; there is nothing to pay', v_booking.status using errcode = '55000', column = 'status';
  end if;
  if v_booking.payment_deadline <= now() then
    raise exception 'the payment deadline of this booking passed at %', v_booking.payment_deadline
      using errcode = 'BKEXP', hint = 'Book again.';
  end if;

  select * into v_payment from app_public.payment p where p.booking_id = v_booking.id and p.status = 'pending';
  if found then
    if v_payment.method = initiate_payment.method then
      return v_payment; -- idempotent: the same checkout again
    end if;
    raise exception 'a % payment of this booking is already in progress', v_payment.method
      using errcode = '55000', column = 'method', hint = 'Complete it at its payment_url, or wait until the gateway reports it failed.';
  end if;

  insert into app_public.payment (id, booking_id, amount, currency, method, payment_url, initiated_by)
  values (v_id, v_booking.id, v_booking.total_amount, v_booking.currency, initiate_payment.method,
          app_hidden.payment_url_base() || v_id::text, v_user_id)
  returning * into v_payment;

  perform app_hidden.record_change(
    'booking', v_booking.id, 'PaymentInitiated', 'payment.initiate', 'payment', app_hidden.payment_data(v_payment),
    v_payment.id::text
  );
  return v_payment;
end;
$$;
comment on function app_public.initiate_payment(uuid, app_public.payment_method) is
  E'Starts paying a pending booking of the caller: a pending payment of the booking''s total with a checkout URL. Calling it again with the same method returns the same payment. Errors: 28000, P0002, 22023, 55000 (booking not pending, or another method in progress), BKEXP (deadline passed).';

/*
 * The gateway's webhook. Idempotent on gateway_reference (unique): a replay
 * returns the payment as it is and writes nothing. A confirmation that comes
 * after the booking died (expired or canceled) cannot be refused by raising:
 * the money has moved, and a raise would roll back the record of it. So the
 * payment is recorded completed, refunded in full at once (PaymentConfirmed +
 * PaymentRefunded on the outbox, for the gateway to execute), and returned
 * with status refunded and error_code GWLAT: the refusal is data, it survives.
 */
create function app_public.confirm_payment(
  gateway_reference text,
  payment_id uuid,
  amount numeric default null
) returns app_public.payment
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_reference text := app_hidden.clean_text(confirm_payment.gateway_reference);
  v_booking_id uuid;
  v_booking app_public.booking;
  v_payment app_public.payment;
begin
  if not (app_public.has_role('payment-gateway') or app_public.has_role('admin')) then
    raise exception 'only the payment gateway or an admin may confirm payments' using errcode = '42501';
  end if;
  if v_reference is null or char_length(v_reference) > 200 then
    raise exception 'gateway_reference must be 1 to 200 characters long'
      using errcode = '22023', column = 'gateway_reference';
  end if;

  -- Lock order booking → payment (as cancel_booking and refund_payment).
  select p.booking_id into v_booking_id from app_public.payment p where p.id = confirm_payment.payment_id;
  select * into v_booking from app_public.booking b where b.id = v_booking_id for update;
  select * into v_payment from app_public.payment p where p.id = confirm_payment.payment_id for update;
  if v_payment.id is null then
    raise exception 'payment not found' using errcode = 'P0002';
  end if;

  if v_payment.gateway_reference = v_reference then
    return v_payment; -- a replay of the same confirmation: same answer, nothing written
  end if;
  if v_payment.gateway_reference is not null then
    raise exception 'the payment was already confirmed with another gateway reference'
      using errcode = 'GWREF', column = 'gateway_reference';
  end if;
  if v_payment.status <> 'pending' then
    raise exception 'a % payment cannot be confirmed', v_payment.status using errcode = '55000', column = 'status';
  end if;
  if confirm_payment.amount is not null and confirm_payment.amount <> v_payment.amount then
    raise exception 'amount % does not match the payment amount %', confirm_payment.amount, v_payment.amount
      using errcode = 'GWAMT', column = 'amount';
  end if;
  if exists (select from app_public.payment p where p.gateway_reference = v_reference) then
    raise exception 'gateway_reference "%" already confirmed another payment', v_reference
      using errcode = '23505', column = 'gateway_reference', constraint = 'payment_gateway_reference_key';
  end if;

  if v_booking.status = 'pending_payment' then
    update app_public.payment p
    set status = 'completed', gateway_reference = v_reference, confirmed_at = now()
    where p.id = v_payment.id
    returning * into v_payment;
    update app_public.booking b
    set status = 'confirmed', confirmed_at = now()
    where b.id = v_booking.id
    returning * into v_booking;
    perform app_hidden.record_change(
      'booking', v_booking.id, 'PaymentConfirmed', 'payment.confirm', 'payment',
      app_hidden.payment_data(v_payment) || jsonb_build_object('bookingStatus', v_booking.status), v_payment.id::text
    );
    perform app_hidden.record_change(
      'booking', v_booking.id, 'BookingConfirmed', 'booking.confirm', 'booking', app_hidden.booking_data(v_booking)
    );
    return v_payment;
  end if;

  -- The booking died before the money arrived: keep the money's trace, give it back.
  update app_public.payment p
  set status = 'completed', gateway_reference = v_reference, confirmed_at = now(),
      error_code = 'GWLAT',
      error_message = format('the booking was %s before the payment was confirmed; the payment is refunded in full', v_booking.status)
  where p.id = v_payment.id
  returning * into v_payment;
  perform app_hidden.record_change(
    'booking', v_booking.id, 'PaymentConfirmed', 'payment.confirm', 'payment',
    app_hidden.payment_data(v_payment) || jsonb_build_object('bookingStatus', v_booking.status), v_payment.id::text
  );
  perform app_hidden.issue_refund(
    v_payment, v_payment.amount,
    format('automatic refund: the booking was %s before the payment was confirmed', v_booking.status)
  );
  select * into v_payment from app_public.payment p where p.id = v_payment.id;
  return v_payment;
end;
$$;
comment on function app_public.confirm_payment(text, uuid, numeric) is
  E'The payment gateway (role payment-gateway) or an admin confirms a pending payment with the gateway''s transaction reference; amount, when given, must match. The booking becomes confirmed (PaymentConfirmed, BookingConfirmed). Idempotent: the same reference again returns the payment unchanged. If the booking has expired or been canceled meanwhile, the payment is recorded and refunded in full at once and returned with status refunded and error_code GWLAT (not raised, so the record survives). Errors: 28000, 42501, 22023, P0002, GWREF (confirmed with another reference), 55000 (payment failed), GWAMT (amount differs), 23505 (reference used by another payment).';

create function app_public.fail_payment(payment_id uuid, reason text) returns app_public.payment
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_reason text := app_hidden.clean_text(fail_payment.reason);
  v_payment app_public.payment;
begin
  if not (app_public.has_role('payment-gateway') or app_public.has_role('admin')) then
    raise exception 'only the payment gateway or an admin may report failed payments' using errcode = '42501';
  end if;
  if v_reason is null or char_length(v_reason) not between 3 and 1000 then
    raise exception 'reason must be 3 to 1000 characters long' using errcode = '22023', column = 'reason';
  end if;
  select * into v_payment from app_public.payment p where p.id = fail_payment.payment_id for update;
  if not found then
    raise exception 'payment not found' using errcode = 'P0002';
  end if;
  if v_payment.status = 'failed' then
    return v_payment; -- idempotent
  end if;
  if v_payment.status <> 'pending' then
    raise exception 'a % payment cannot fail', v_payment.status using errcode = '55000', column = 'status';
  end if;
  update app_public.payment p
  set status = 'failed', failed_at = now(), error_code = 'GWFAI', error_message = v_reason
  where p.id = v_payment.id
  returning * into v_payment;
  perform app_hidden.record_change(
    'booking', v_payment.booking_id, 'PaymentFailed', 'payment.fail', 'payment', app_hidden.payment_data(v_payment),
    v_payment.id::text
  );
  return v_payment;
end;
$$;
comment on function app_public.fail_payment(uuid, text) is
  E'The payment gateway (or an admin) reports that a pending payment failed (declined, abandoned): the participant may initiate another before the deadline. Failing it again returns it unchanged. Errors: 28000, 42501, 22023, P0002, 55000 (not pending).';

create function app_public.refund_payment(
  payment_id uuid,
  reason text,
  amount numeric default null
) returns app_public.refund
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_reason text := app_hidden.clean_text(refund_payment.reason);
  v_booking app_public.booking;
  v_event app_public.event;
  v_payment app_public.payment;
  v_amount numeric;
begin
  -- Lock order booking → payment.
  select * into v_booking from app_public.booking b
  where b.id = (select p.booking_id from app_public.payment p where p.id = refund_payment.payment_id)
  for update;
  select * into v_event from app_public.event e where e.id = v_booking.event_id;
  select * into v_payment from app_public.payment p where p.id = refund_payment.payment_id for update;
  if v_payment.id is null or not (v_event.organizer_id = v_user_id or app_public.has_role('admin')) then
    raise exception 'payment not found' using errcode = 'P0002';
  end if;
  if v_reason is null or char_length(v_reason) not between 3 and 1000 then
    raise exception 'reason must be 3 to 1000 characters long' using errcode = '22023', column = 'reason';
  end if;
  if refund_payment.amount is not null and (
    refund_payment.amount <= 0 or refund_payment.amount <> round(refund_payment.amount, 2)
  ) then
    raise exception 'amount must be more than 0, with at most two decimals' using errcode = '22023', column = 'amount';
  end if;
  if v_payment.status not in ('completed', 'partially_refunded') then
    raise exception 'a % payment cannot be refunded', v_payment.status using errcode = '55000', column = 'status';
  end if;
  v_amount := coalesce(refund_payment.amount, v_payment.amount - v_payment.refunded_amount);
  if v_amount > v_payment.amount - v_payment.refunded_amount then
    raise exception 'refund % exceeds the % % still refundable', v_amount, v_payment.amount - v_payment.refunded_amount, v_payment.currency
      using errcode = 'RFAMT', column = 'amount';
  end if;
  return app_hidden.issue_refund(v_payment, v_amount, v_reason);
end;
$$;
comment on function app_public.refund_payment(uuid, text, numeric) is
  E'Refunds a paid payment (the organizer of its event, or an admin), in full (amount null: what is left) or in part; the refunds of a payment never add up to more than was paid. The booking stays as it is (cancel_booking cancels and refunds). Errors: 28000, 42501, P0002, 22023, 55000 (not paid, or already refunded), RFAMT (more than is left).';

--------------------------------------------------------------------------------
-- Use cases: cancel a booking, expire overdue ones, cancel an event
--------------------------------------------------------------------------------

create function app_public.cancel_booking(id uuid, reason text) returns app_public.booking
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_booking app_public.booking := app_hidden.booking_for_change(cancel_booking.id);
  v_user_id uuid := app_public.current_user_id();
  v_event app_public.event;
  v_reason text := app_hidden.clean_text(cancel_booking.reason);
begin
  select * into v_event from app_public.event e where e.id = v_booking.event_id;
  if v_reason is null or char_length(v_reason) not between 3 and 1000 then
    raise exception 'reason must be 3 to 1000 characters long' using errcode = '22023', column = 'reason';
  end if;
  if v_booking.status = 'canceled' then
    return v_booking; -- idempotent
  end if;
  if v_booking.status = 'expired' then
    raise exception 'an expired booking cannot be canceled' using errcode = '55000', column = 'status';
  end if;
  -- Its user alone may cancel until the event starts; the organizer and admins at any time.
  if not (v_event.organizer_id = v_user_id or app_public.has_role('admin')) and v_event.starts_at <= now() then
    raise exception 'the event has started; the booking can no longer be canceled'
      using errcode = 'BKSTR', hint = 'Ask the organizer.';
  end if;
  return app_hidden.end_booking(v_booking, 'canceled', v_reason);
end;
$$;
comment on function app_public.cancel_booking(uuid, text) is
  E'Cancels a live booking with a reason: by its user until the event starts, by the event''s organizer or an admin at any time. Seats and the promo use come back; a paid booking is refunded in full (what is left of it). Canceling again returns it unchanged. Errors: 28000, P0002, 22023, 55000 (expired), BKSTR (its user, after the start).';

create function app_hidden.expire_overdue_bookings(batch integer default 100) returns integer
  language plpgsql volatile
as $$
declare
  v_candidate record;
  v_booking app_public.booking;
  v_count integer := 0;
begin
  -- Candidates ordered by event so that concurrent runs lock events in one
  -- order; each event is locked before its bookings (lock order event →
  -- booking), bookings with skip locked: a booking that another run, or a
  -- payment confirmation, holds right now is left to them.
  for v_candidate in
    select b.id, b.event_id
    from app_public.booking b
    where b.status = 'pending_payment' and b.payment_deadline <= now()
    order by b.event_id, b.payment_deadline, b.id
    limit greatest(coalesce(expire_overdue_bookings.batch, 100), 1)
  loop
    perform from app_public.event e where e.id = v_candidate.event_id for no key update;
    select * into v_booking from app_public.booking b
    where b.id = v_candidate.id and b.status = 'pending_payment' and b.payment_deadline <= now()
    for update skip locked;
    continue when not found;
    perform app_hidden.end_booking(v_booking, 'expired', null);
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function app_hidden.expire_overdue_bookings(integer) is
  E'Expires up to `batch` pending bookings whose payment deadline has passed (seats and promo uses given back, BookingExpired each); returns how many. Safe to run in several workers at once. Run by the worker''s cron as the owner.';

-- Replaces migration 1's cancel_event: the event's live bookings are canceled with it.
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

-- Replaces migration 1's remove_price_tier: a tier that bookings refer to
-- (even canceled or expired ones: they are the record of what was sold at
-- which price) is kept, with TRSEA instead of a foreign-key error.
create or replace function app_public.remove_price_tier(id uuid) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event_id uuid := (select t.event_id from app_public.event_price_tier t where t.id = remove_price_tier.id);
  v_event app_public.event;
  v_tier app_public.event_price_tier;
begin
  v_event := app_hidden.event_for_change(v_event_id, 'price tier not found');
  select * into v_tier from app_public.event_price_tier t where t.id = remove_price_tier.id for update;
  if not found then
    raise exception 'price tier not found' using errcode = 'P0002';
  end if;
  perform app_hidden.assert_event_editable(v_event);
  if v_tier.seats_taken > 0 then
    raise exception 'price tier "%" has % seats taken and cannot be removed', v_tier.name, v_tier.seats_taken
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

--------------------------------------------------------------------------------
-- For DBAs: counters that disagree with the bookings (should always be empty)
--------------------------------------------------------------------------------

create view app_private.seat_drift with (security_invoker = true) as
  select 'event' as counter, e.id, e.seats_taken as counted,
         coalesce((select sum(b.quantity) from app_public.booking b
                   where b.event_id = e.id and b.status in ('pending_payment', 'confirmed')), 0)::integer as actual
  from app_public.event e
  union all
  select 'event_price_tier', t.id, t.seats_taken,
         coalesce((select sum(b.quantity) from app_public.booking b
                   where b.price_tier_id = t.id and b.status in ('pending_payment', 'confirmed')), 0)::integer
  from app_public.event_price_tier t
  union all
  select 'promo_code', pc.id, pc.uses,
         (select count(*) from app_public.booking b
          where b.promo_code_id = pc.id and b.status in ('pending_payment', 'confirmed'))::integer
  from app_public.promo_code pc;
comment on view app_private.seat_drift is
  E'Every seat and promo-use counter next to what the live bookings add up to. `select * from app_private.seat_drift where counted <> actual` must return nothing; a row means a counter was changed behind the functions'' back. For DBAs (scans everything).';

--------------------------------------------------------------------------------
-- Computed columns
--------------------------------------------------------------------------------

create function app_public.event_my_booking(e app_public.event) returns app_public.booking
  language sql stable
as $$
  select b.* from app_public.booking b
  where b.event_id = e.id and b.user_id = app_public.current_user_id()
    and b.status in ('pending_payment', 'confirmed');
$$;
comment on function app_public.event_my_booking(app_public.event) is
  E'The caller''s live booking of this event, if any.';

create function app_public.promo_code_uses_left(p app_public.promo_code) returns integer
  language sql stable
as $$
  select p.max_uses - p.uses;
$$;
comment on function app_public.promo_code_uses_left(app_public.promo_code) is
  E'How many more live bookings may use the code now; null when unlimited.';

--------------------------------------------------------------------------------
-- Execute grants
--------------------------------------------------------------------------------

grant execute on function
  app_public.create_promo_code(text, uuid, integer, numeric, text, timestamptz, timestamptz, integer),
  app_public.deactivate_promo_code(uuid),
  app_public.quote_booking(uuid, uuid, integer, text),
  app_public.create_booking(uuid, uuid, integer, text),
  app_public.initiate_payment(uuid, app_public.payment_method),
  app_public.confirm_payment(text, uuid, numeric),
  app_public.fail_payment(uuid, text),
  app_public.refund_payment(uuid, text, numeric),
  app_public.cancel_booking(uuid, text),
  app_public.event_my_booking(app_public.event),
  app_public.promo_code_uses_left(app_public.promo_code)
to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- Not granted (owner only): expire_overdue_bookings (the worker), price_booking,
-- end_booking, issue_refund, booking_for_change, booking_hold,
-- payment_url_base and the *_data snapshots; they run inside the
-- security-definer functions or in the worker.
