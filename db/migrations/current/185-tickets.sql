--------------------------------------------------------------------------------
-- Tickets and check-in (issue #18, items 3 and 4).
--
--   * A confirmed booking holds one ticket per seat, issued by a trigger on the
--     booking itself, so every path that confirms (confirm_payment, a free
--     booking confirmed at once, psql as the owner) issues them, and every
--     path that cancels a confirmed booking (cancel_booking, cancel_event,
--     refunds that cancel) voids them. Nobody writes tickets directly.
--   * A ticket is seen by whoever sees its booking (the holder, the event's
--     organizer, admins): the policy goes through booking's own RLS, so it
--     also follows erase_user_data's re-keying of bookings.
--   * check_in_ticket(code) is the one check-in rule; check_in_batch (offline
--     scanners) and the API's token check-in call the same core,
--     app_hidden.check_in. The ticket row lock makes parallel scans of one
--     ticket wait for each other: exactly one checks in, the others answer
--     "already checked in at …, by …".
-- Idempotent: re-applied on top of itself.
--------------------------------------------------------------------------------

do $$
begin
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'ticket_status') then
    create type app_public.ticket_status as enum ('valid', 'void');
  end if;
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'ticket_void_reason') then
    create type app_public.ticket_void_reason as enum ('booking_canceled', 'reissued');
  end if;
end;
$$;
comment on type app_public.ticket_status is E'valid (admits one person) or void (canceled booking, or replaced by a reissue).';
comment on type app_public.ticket_void_reason is E'Why a ticket is void: its booking was canceled (or refunded and canceled), or it was replaced by reissue_tickets.';

create table if not exists app_public.ticket (
  id uuid primary key default gen_random_uuid(),
  booking_id uuid not null
    constraint ticket_booking_id_fkey references app_public.booking (id) on delete cascade,
  event_id uuid not null
    constraint ticket_event_id_fkey references app_public.event (id) on delete cascade,
  seat_no smallint not null
    constraint ticket_seat_no_check check (seat_no between 1 and 100),
  -- 8 characters of an alphabet without 0/O, 1/I: read aloud or typed at the
  -- gate without confusion; 32^8 ≈ 10^12 codes.
  code text not null
    constraint ticket_code_key unique
    constraint ticket_code_check check (code ~ '^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$'),
  version integer not null default 1
    constraint ticket_version_check check (version > 0),
  status app_public.ticket_status not null default 'valid',
  void_reason app_public.ticket_void_reason,
  issued_at timestamptz not null default now(),
  voided_at timestamptz,
  checked_in_at timestamptz,
  checked_in_by uuid,
  checked_in_device text
    constraint ticket_checked_in_device_check check (checked_in_device ~ '^[A-Za-z0-9._:-]{1,64}$'),
  constraint ticket_void_check check (
    (status = 'void') = (voided_at is not null) and (status = 'void') = (void_reason is not null)
  ),
  constraint ticket_checked_in_check check (
    (checked_in_at is null) = (checked_in_by is null)
    and (checked_in_device is null or checked_in_at is not null)
  )
);
alter table app_public.ticket enable row level security;

-- One valid ticket per seat of a booking (a reissue voids before it issues).
create unique index if not exists ticket_booking_id_seat_no_key on app_public.ticket (booking_id, seat_no)
  where status = 'valid';
create index if not exists ticket_booking_id_idx on app_public.ticket (booking_id);
-- The organizer's list and the per-event counts.
create index if not exists ticket_event_id_idx on app_public.ticket (event_id) where status = 'valid';

comment on table app_public.ticket is E'@behavior -insert -update -delete\nOne seat of a confirmed booking: issued when the booking becomes confirmed, voided when it is canceled. Seen by the booking''s holder, the event''s organizer and admins. Checked in with checkInTicket / checkInBatch.';
comment on column app_public.ticket.id is E'Identifier of the ticket.';
comment on column app_public.ticket.booking_id is E'The confirmed booking this ticket is a seat of.';
comment on column app_public.ticket.event_id is E'The event it admits to (the booking''s event).';
comment on column app_public.ticket.seat_no is E'Which seat of the booking, 1 to the booking''s quantity (not a place in a boat).';
comment on column app_public.ticket.code is E'Short code shown to the holder and typed or scanned at the gate: 8 characters of 23456789ABCDEFGHJKLMNPQRSTUVWXYZ, unique.';
comment on column app_public.ticket.version is E'Issue number of this seat: 1 at first issue, one more at each reissue. Signed into the ticket token.';
comment on column app_public.ticket.status is E'valid or void; a void ticket never checks in.';
comment on column app_public.ticket.void_reason is E'booking_canceled or reissued, when void.';
comment on column app_public.ticket.issued_at is E'When it was issued.';
comment on column app_public.ticket.voided_at is E'When it became void.';
comment on column app_public.ticket.checked_in_at is E'When it was checked in (for an offline scan: when it was scanned); null when not checked in.';
comment on column app_public.ticket.checked_in_by is E'The organizer staff member (Keycloak user id) who checked it in.';
comment on column app_public.ticket.checked_in_device is E'The scanner device of an offline batch that checked it in (letters, digits, . _ : -, up to 64); null for online scans.';

drop policy if exists select_visible_booking on app_public.ticket;
create policy select_visible_booking on app_public.ticket for select using (
  -- booking's own RLS decides: its user, the event's organizer, admins.
  booking_id in (select b.id from app_public.booking b)
);
comment on policy select_visible_booking on app_public.ticket is
  E'A ticket is visible exactly when its booking is: to the holder, the event''s organizer and admins.';
revoke all on app_public.ticket from public, :DATABASE_ANONYMOUS;
grant select on app_public.ticket to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Settings
--------------------------------------------------------------------------------
insert into app_private.setting (key, value, description) values
  ('check_in_undo_minutes', '5', 'Minutes after a check-in during which organizer staff may undo it (undo_check_in); 0 turns undo off.')
on conflict (key) do nothing;

create or replace function app_hidden.check_in_undo_window() returns interval
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select make_interval(mins => coalesce(
    (select case when s.value ~ '^[0-9]{1,4}$' then s.value::integer end
       from app_private.setting s where s.key = 'check_in_undo_minutes'),
    5));
$$;
comment on function app_hidden.check_in_undo_window() is
  E'The setting check_in_undo_minutes as an interval (5 minutes when missing or malformed).';
revoke all on function app_hidden.check_in_undo_window() from public;
grant execute on function app_hidden.check_in_undo_window() to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Issue and void
--------------------------------------------------------------------------------

create or replace function app_hidden.new_ticket_code() returns text
  language sql volatile
  set search_path = pg_catalog, pg_temp
as $$
  -- 40 random bits (the first five bytes of a v4 uuid are all random) as
  -- eight 5-bit digits of the unambiguous alphabet.
  with b as (select uuid_send(gen_random_uuid()) as bytes),
  bits as (
    select (get_byte(bytes, 0)::bigint << 32) | (get_byte(bytes, 1)::bigint << 24)
         | (get_byte(bytes, 2)::bigint << 16) | (get_byte(bytes, 3)::bigint << 8)
         | get_byte(bytes, 4)::bigint as n
    from b
  )
  select string_agg(substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((n >> (5 * i)) & 31)::integer + 1, 1), '' order by i desc)
  from bits, generate_series(0, 7) as i;
$$;
comment on function app_hidden.new_ticket_code() is E'A fresh random ticket code (not checked for uniqueness: ticket_code_key is, and issue_tickets retries).';
revoke all on function app_hidden.new_ticket_code() from public;

create or replace function app_hidden.issue_tickets(booking app_public.booking, first_version integer default 1)
  returns setof app_public.ticket
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_seat integer;
  v_ticket app_public.ticket;
  v_tickets jsonb := '[]';
begin
  for v_seat in 1 .. issue_tickets.booking.quantity loop
    loop
      begin
        insert into app_public.ticket (booking_id, event_id, seat_no, code, version)
        values (issue_tickets.booking.id, issue_tickets.booking.event_id, v_seat,
                app_hidden.new_ticket_code(), issue_tickets.first_version)
        returning * into v_ticket;
        exit;
      exception when unique_violation then
        -- Only a code collision (one in ~10^12 per pair) retries; a second
        -- valid ticket for a seat is a bug and must surface.
        if sqlerrm not like '%ticket_code_key%' then
          raise;
        end if;
      end;
    end loop;
    v_tickets := v_tickets || jsonb_build_object('ticketId', v_ticket.id, 'seatNo', v_ticket.seat_no, 'version', v_ticket.version);
    return next v_ticket;
  end loop;
  -- Codes stay out of the event: a code admits a person, and Kafka readers
  -- are not the gate. Consumers that show tickets read them through the API.
  perform app_hidden.record_change(
    'booking', issue_tickets.booking.id, 'TicketsIssued', 'ticket.issue', 'ticket',
    jsonb_build_object('bookingId', issue_tickets.booking.id, 'eventId', issue_tickets.booking.event_id,
                       'userId', issue_tickets.booking.user_id, 'tickets', v_tickets)
  );
end;
$$;
comment on function app_hidden.issue_tickets(app_public.booking, integer) is
  E'Issues one valid ticket per seat of the booking (with this version) and records TicketsIssued. Called by the booking trigger and reissue_tickets only.';
revoke all on function app_hidden.issue_tickets(app_public.booking, integer) from public;

create or replace function app_hidden.void_tickets(booking_id uuid, reason app_public.ticket_void_reason)
  returns integer
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_ids jsonb;
  v_event_id uuid;
begin
  with voided as (
    update app_public.ticket t
       set status = 'void', void_reason = void_tickets.reason, voided_at = now(), version = t.version
     where t.booking_id = void_tickets.booking_id and t.status = 'valid'
    returning t.id, t.event_id
  )
  select jsonb_agg(v.id), min(v.event_id::text)::uuid into v_ids, v_event_id from voided v;
  if v_ids is null then
    return 0;
  end if;
  perform app_hidden.record_change(
    'booking', void_tickets.booking_id, 'TicketsVoided', 'ticket.void', 'ticket',
    jsonb_build_object('bookingId', void_tickets.booking_id, 'eventId', v_event_id,
                       'reason', void_tickets.reason, 'ticketIds', v_ids)
  );
  return jsonb_array_length(v_ids);
end;
$$;
comment on function app_hidden.void_tickets(uuid, app_public.ticket_void_reason) is
  E'Voids the valid tickets of a booking with this reason and records TicketsVoided; returns how many.';
revoke all on function app_hidden.void_tickets(uuid, app_public.ticket_void_reason) from public;

/*
 * Deferred to commit (a constraint trigger, initially deferred) and written
 * as a reconciliation of the booking's state at that moment, not of NEW:
 *   - TicketsIssued / TicketsVoided land in the outbox after the
 *     BookingCreated / BookingConfirmed / BookingCanceled of the same
 *     transaction (the functions record those after their UPDATE), so a
 *     consumer never hears of tickets before the booking they belong to;
 *   - a booking confirmed and canceled in one transaction issues nothing.
 * Inside a transaction that wants its tickets before commit (psql, tests):
 * `set constraints app_public._600_tickets immediate`.
 */
create or replace function app_private.tg_booking__tickets() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_booking app_public.booking;
  v_has_valid boolean;
begin
  select * into v_booking from app_public.booking b where b.id = new.id;
  select exists (select from app_public.ticket t where t.booking_id = new.id and t.status = 'valid') into v_has_valid;
  if v_booking.status = 'confirmed' and not v_has_valid then
    perform app_hidden.issue_tickets(
      v_booking,
      (select coalesce(max(t.version), 0) + 1 from app_public.ticket t where t.booking_id = new.id)::integer);
  elsif v_booking.status <> 'confirmed' and v_has_valid then
    perform app_hidden.void_tickets(new.id, 'booking_canceled');
  end if;
  return null;
end;
$$;
comment on function app_private.tg_booking__tickets() is
  E'Constraint trigger (deferred to commit): a confirmed booking without valid tickets gets them (TicketsIssued); a booking no longer confirmed has its valid tickets voided (TicketsVoided).';
revoke all on function app_private.tg_booking__tickets() from public;

drop trigger if exists _600_tickets on app_public.booking;
create constraint trigger _600_tickets
  after insert or update of status on app_public.booking
  deferrable initially deferred
  for each row execute function app_private.tg_booking__tickets();

create or replace function app_public.reissue_tickets(booking_id uuid) returns setof app_public.ticket
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_booking app_public.booking;
  v_version integer;
begin
  select * into v_booking from app_public.booking b where b.id = reissue_tickets.booking_id for update;
  if not found or not (
    v_booking.user_id = v_user_id or app_public.has_role('admin')
    or exists (select from app_public.event e where e.id = v_booking.event_id and e.organizer_id = v_user_id)
  ) then
    raise exception 'booking not found' using errcode = 'P0002';
  end if;
  if v_booking.status <> 'confirmed' then
    raise exception 'only a confirmed booking has tickets (this one is %)', v_booking.status
      using errcode = 'TKBKS';
  end if;
  if exists (select from app_public.ticket t
             where t.booking_id = v_booking.id and t.status = 'valid' and t.checked_in_at is not null) then
    raise exception 'a ticket of this booking is checked in: undo the check-in first'
      using errcode = 'TKCHK';
  end if;
  select coalesce(max(t.version), 0) + 1 into v_version from app_public.ticket t where t.booking_id = v_booking.id;
  perform app_hidden.void_tickets(v_booking.id, 'reissued');
  return query select * from app_hidden.issue_tickets(v_booking, v_version) order by seat_no;
end;
$$;
comment on function app_public.reissue_tickets(uuid) is
  E'Replaces the tickets of a confirmed booking (e.g. a code was leaked): the old ones become void (reissued), new codes are issued with the next version. The holder, the event''s organizer or an admin. Errors: 28000, P0002, TKBKS (booking not confirmed), TKCHK (a ticket is checked in).';
revoke all on function app_public.reissue_tickets(uuid) from public;
grant execute on function app_public.reissue_tickets(uuid) to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Check-in
--------------------------------------------------------------------------------

do $$
begin
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'check_in_result') then
    create type app_public.check_in_result as (
      ticket_id uuid,
      event_id uuid,
      code text,
      seat_no integer,
      outcome text,
      checked_in_at timestamptz,
      checked_in_by uuid,
      checked_in_device text,
      error_code text,
      error_message text,
      scanned_at timestamptz,
      device text
    );
  end if;
end;
$$;
comment on type app_public.check_in_result is E'The answer to one scan.';
comment on column app_public.check_in_result.ticket_id is E'The ticket scanned (null when the code matched none).';
comment on column app_public.check_in_result.event_id is E'Its event.';
comment on column app_public.check_in_result.code is E'Its code (normalized: upper case, no spaces or dashes).';
comment on column app_public.check_in_result.seat_no is E'Which seat of its booking.';
comment on column app_public.check_in_result.outcome is E'checked_in (this scan admitted the person), already_checked_in (an earlier scan did, on this device or online), conflict (an offline scan on another device did: the person was admitted once), refused (see error_code; batches only, single scans raise it).';
comment on column app_public.check_in_result.checked_in_at is E'When the ticket was checked in (by this scan or the earlier one).';
comment on column app_public.check_in_result.checked_in_by is E'Who checked it in.';
comment on column app_public.check_in_result.checked_in_device is E'The offline device that checked it in, if any.';
comment on column app_public.check_in_result.error_code is E'For refused scans of a batch: the SQLSTATE a single scan would raise (TKNOT, TKVOD, TKCAN, TKORG, …).';
comment on column app_public.check_in_result.error_message is E'For refused scans: the message.';
comment on column app_public.check_in_result.scanned_at is E'For batch scans: when the device scanned it.';
comment on column app_public.check_in_result.device is E'For batch scans: the device that scanned it.';

create or replace function app_hidden.normalize_ticket_code(code text) returns text
  language plpgsql immutable
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_code text := upper(regexp_replace(coalesce(normalize_ticket_code.code, ''), '[\s-]', '', 'g'));
begin
  if v_code !~ '^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$' then
    raise exception 'code must be 8 characters of 23456789ABCDEFGHJKLMNPQRSTUVWXYZ'
      using errcode = 'TKFMT', column = 'code';
  end if;
  return v_code;
end;
$$;
comment on function app_hidden.normalize_ticket_code(text) is
  E'A scanned or typed code in canonical form (upper case, spaces and dashes dropped), or TKFMT.';
revoke all on function app_hidden.normalize_ticket_code(text) from public;
grant execute on function app_hidden.normalize_ticket_code(text) to :DATABASE_MEMBER;

/*
 * The ticket staff may scan, locked: parallel scans of one ticket queue here,
 * so the second sees the first one's check-in. Other organizers' tickets get
 * their own code (TKORG): the scanner is at the wrong gate, which staff must
 * hear; the code alone already proves they hold the ticket.
 */
create or replace function app_hidden.ticket_for_staff(code text) returns app_public.ticket
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_ticket app_public.ticket;
  v_organizer_id uuid;
begin
  select t.* into v_ticket from app_public.ticket t
   where t.code = app_hidden.normalize_ticket_code(ticket_for_staff.code)
   for update;
  if not found then
    raise exception 'no ticket with this code' using errcode = 'TKNOT', column = 'code';
  end if;
  select e.organizer_id into v_organizer_id from app_public.event e where e.id = v_ticket.event_id;
  if v_organizer_id <> v_user_id and not app_public.has_role('admin') then
    raise exception 'this ticket is for another organizer''s event' using errcode = 'TKORG';
  end if;
  return v_ticket;
end;
$$;
comment on function app_hidden.ticket_for_staff(text) is
  E'Locks and returns the ticket with this code for its event''s organizer or an admin; 28000, 42501, TKFMT, TKNOT, TKORG otherwise.';
revoke all on function app_hidden.ticket_for_staff(text) from public;

create or replace function app_hidden.check_in(code text, scanned_at timestamptz, device text)
  returns app_public.check_in_result
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_ticket app_public.ticket := app_hidden.ticket_for_staff(check_in.code);
  v_result app_public.check_in_result;
begin
  if v_ticket.status = 'void' then
    if v_ticket.void_reason = 'booking_canceled' then
      raise exception 'the booking of this ticket was canceled' using errcode = 'TKCAN';
    end if;
    raise exception 'this ticket was replaced by a newer one' using errcode = 'TKVOD';
  end if;

  v_result.ticket_id := v_ticket.id;
  v_result.event_id := v_ticket.event_id;
  v_result.code := v_ticket.code;
  v_result.seat_no := v_ticket.seat_no;
  v_result.scanned_at := check_in.scanned_at;
  v_result.device := check_in.device;

  if v_ticket.checked_in_at is not null then
    -- Never counted twice: answer with the first check-in.
    v_result.outcome := case
      when check_in.device is not null and v_ticket.checked_in_device is distinct from check_in.device then 'conflict'
      else 'already_checked_in' end;
  else
    update app_public.ticket t
       set checked_in_at = coalesce(check_in.scanned_at, now()), checked_in_by = v_user_id,
           checked_in_device = check_in.device, version = t.version
     where t.id = v_ticket.id
    returning * into v_ticket;
    v_result.outcome := 'checked_in';
    perform app_hidden.record_change(
      'ticket', v_ticket.id, 'TicketCheckedIn', 'ticket.check_in', 'ticket',
      jsonb_build_object('ticketId', v_ticket.id, 'bookingId', v_ticket.booking_id, 'eventId', v_ticket.event_id,
                         'seatNo', v_ticket.seat_no, 'checkedInAt', v_ticket.checked_in_at,
                         'checkedInBy', v_ticket.checked_in_by, 'device', v_ticket.checked_in_device)
    );
  end if;
  v_result.checked_in_at := v_ticket.checked_in_at;
  v_result.checked_in_by := v_ticket.checked_in_by;
  v_result.checked_in_device := v_ticket.checked_in_device;
  return v_result;
end;
$$;
comment on function app_hidden.check_in(text, timestamptz, text) is
  E'The one check-in rule: checks in the ticket with this code (at scanned_at for offline scans), or reports the earlier check-in. Raises 28000, 42501, TKFMT, TKNOT, TKORG, TKCAN, TKVOD.';
revoke all on function app_hidden.check_in(text, timestamptz, text) from public;

create or replace function app_public.check_in_ticket(code text) returns app_public.check_in_result
  language sql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select app_hidden.check_in(check_in_ticket.code, null, null);
$$;
comment on function app_public.check_in_ticket(text) is
  E'Organizer staff (the event''s organizer, or an admin) check a ticket in by its code at the gate. Idempotent: a second scan changes nothing and answers outcome already_checked_in with when and by whom. Errors: 28000, 42501 (not organizer staff), TKFMT (malformed code), TKNOT (no such ticket), TKORG (another organizer''s event), TKCAN (booking canceled or refunded), TKVOD (replaced by a reissue).';
revoke all on function app_public.check_in_ticket(text) from public;
grant execute on function app_public.check_in_ticket(text) to :DATABASE_MEMBER;

create or replace function app_public.undo_check_in(code text) returns app_public.ticket
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_ticket app_public.ticket := app_hidden.ticket_for_staff(undo_check_in.code);
  v_window interval := app_hidden.check_in_undo_window();
begin
  if v_ticket.checked_in_at is null then
    raise exception 'this ticket is not checked in' using errcode = 'TKNCI';
  end if;
  if now() > v_ticket.checked_in_at + v_window then
    raise exception 'the check-in is older than % minute(s) and can no longer be undone',
      extract(epoch from v_window)::integer / 60
      using errcode = 'TKUND', hint = 'The setting check_in_undo_minutes sets the window.';
  end if;
  update app_public.ticket t
     set checked_in_at = null, checked_in_by = null, checked_in_device = null
   where t.id = v_ticket.id
  returning * into v_ticket;
  perform app_hidden.record_change(
    'ticket', v_ticket.id, 'CheckInUndone', 'ticket.undo_check_in', 'ticket',
    jsonb_build_object('ticketId', v_ticket.id, 'bookingId', v_ticket.booking_id, 'eventId', v_ticket.event_id,
                       'seatNo', v_ticket.seat_no)
  );
  return v_ticket;
end;
$$;
comment on function app_public.undo_check_in(text) is
  E'Organizer staff undo a check-in (a wrong scan) within check_in_undo_minutes (setting, default 5) of it. Errors: 28000, 42501, TKFMT, TKNOT, TKORG, TKNCI (not checked in), TKUND (window passed).';
revoke all on function app_public.undo_check_in(text) from public;
grant execute on function app_public.undo_check_in(text) to :DATABASE_MEMBER;

do $$
begin
  if not exists (select from pg_type t join pg_namespace n on n.oid = t.typnamespace
                 where n.nspname = 'app_public' and t.typname = 'ticket_scan_input') then
    create type app_public.ticket_scan_input as (code text, scanned_at timestamptz, device text);
  end if;
end;
$$;
comment on type app_public.ticket_scan_input is E'One scan of an offline scanner.';
comment on column app_public.ticket_scan_input.code is E'The scanned ticket code.';
comment on column app_public.ticket_scan_input.scanned_at is E'When the device scanned it (not in the future).';
comment on column app_public.ticket_scan_input.device is E'The scanner device''s id (letters, digits, . _ : -, up to 64).';

create or replace function app_public.check_in_batch(scans app_public.ticket_scan_input[])
  returns setof app_public.check_in_result
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_scan record;
  v_result app_public.check_in_result;
begin
  perform app_hidden.assert_event_manager();
  if check_in_batch.scans is null or cardinality(check_in_batch.scans) not between 1 and 500 then
    raise exception 'scans must hold 1 to 500 scans' using errcode = '22023', column = 'scans';
  end if;
  -- Validate the whole batch first: a malformed upload is the device's bug
  -- and is refused whole, nothing written.
  for v_scan in select s.* from unnest(check_in_batch.scans) s loop
    if v_scan.scanned_at is null or v_scan.scanned_at > now() + interval '5 minutes' then
      raise exception 'scanned_at must be given and not in the future' using errcode = '22023', column = 'scanned_at';
    end if;
    if v_scan.device is null or v_scan.device !~ '^[A-Za-z0-9._:-]{1,64}$' then
      raise exception 'device must be 1 to 64 letters, digits, . _ : -' using errcode = '22023', column = 'device';
    end if;
  end loop;
  -- In scanned-at order: the earliest scan of a ticket is the one that
  -- checked the person in, later ones (other devices) are conflicts.
  for v_scan in select s.* from unnest(check_in_batch.scans) with ordinality s
                order by s.scanned_at, s.ordinality loop
    begin
      v_result := app_hidden.check_in(v_scan.code, v_scan.scanned_at, v_scan.device);
    exception when sqlstate 'TKFMT' or sqlstate 'TKNOT' or sqlstate 'TKORG' or sqlstate 'TKCAN' or sqlstate 'TKVOD' then
      -- Refused scans are reported, not raised: the rest of the batch counts.
      v_result := row(null, null, v_scan.code, null, 'refused', null, null, null, sqlstate, sqlerrm,
                      v_scan.scanned_at, v_scan.device)::app_public.check_in_result;
    end;
    return next v_result;
  end loop;
end;
$$;
comment on function app_public.check_in_batch(app_public.ticket_scan_input[]) is
  E'Uploads the scans an offline scanner collected (1 to 500): applied in scanned_at order, each like checkInTicket at its scanned_at; a ticket already checked in on another device answers conflict (counted once), refused scans carry error_code. Whole-batch errors: 28000, 42501, 22023 (size, scanned_at in the future, device).';
revoke all on function app_public.check_in_batch(app_public.ticket_scan_input[]) from public;
grant execute on function app_public.check_in_batch(app_public.ticket_scan_input[]) to :DATABASE_MEMBER;

--------------------------------------------------------------------------------
-- Counts for the organizer's dashboard
--------------------------------------------------------------------------------

create or replace function app_public.event_tickets_valid(e app_public.event) returns integer
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select case when e.organizer_id = app_public.current_user_id() or app_public.has_role('admin') then
    (select count(*)::integer from app_public.ticket t where t.event_id = e.id and t.status = 'valid')
  end;
$$;
comment on function app_public.event_tickets_valid(app_public.event) is
  E'Valid tickets of the event (people expected); for its organizer and admins, null for anyone else.';
revoke all on function app_public.event_tickets_valid(app_public.event) from public;
grant execute on function app_public.event_tickets_valid(app_public.event) to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

create or replace function app_public.event_checked_in_count(e app_public.event) returns integer
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select case when e.organizer_id = app_public.current_user_id() or app_public.has_role('admin') then
    (select count(*)::integer from app_public.ticket t
      where t.event_id = e.id and t.status = 'valid' and t.checked_in_at is not null)
  end;
$$;
comment on function app_public.event_checked_in_count(app_public.event) is
  E'Valid tickets of the event checked in (people who came); for its organizer and admins, null for anyone else.';
revoke all on function app_public.event_checked_in_count(app_public.event) from public;
grant execute on function app_public.event_checked_in_count(app_public.event) to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

/*
 * gRPC GetCheckInCounts asks for the counts by event id: there, "not yours"
 * must be a refusal rather than the computed columns' null.
 */
create or replace function app_hidden.assert_event_staff(e app_public.event) returns boolean
  language plpgsql stable
  set search_path = pg_catalog, public, pg_temp
as $$
begin
  if app_public.current_user_id() is null then
    raise exception 'sign in first' using errcode = '28000', hint = 'Send a bearer token.';
  end if;
  if not (e.organizer_id = app_public.current_user_id() or app_public.has_role('admin')) then
    raise exception 'only the organizer of this event or an admin may see its check-ins' using errcode = '42501';
  end if;
  return true;
end;
$$;
comment on function app_hidden.assert_event_staff(app_public.event) is
  E'True when the caller is the event''s organizer or an admin; 28000 / 42501 otherwise.';
revoke all on function app_hidden.assert_event_staff(app_public.event) from public;
grant execute on function app_hidden.assert_event_staff(app_public.event) to :DATABASE_MEMBER;
