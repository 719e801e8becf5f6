--! Previous: sha1:141f48f8b05f66ff4408182e14eeb7a139e6168c
--! Hash: sha1:5c4e05b5edfc1dadb209fba650254c6b294a9416
--! Message: member and manager policies

--! split: 1-current.sql
-- Enter migration here
-- One file per topic beside this one (NNN-topic.sql, applied in number order);
-- npm run db:commit joins them into the next committed migration.

--! split: 100-member-policies.sql
/*
 * Plain members' policies on the big tables are one indexed condition.
 *
 * A booking, a waiting-list entry, a ticket or a payment was visible through
 * one policy that OR-ed the caller's own rows, the rows of the events the
 * caller organizes and an admin's claim. No index serves such an OR, so
 * every list of these tables without a narrowing condition read them all
 * and filtered: GraphQL `allBookings(first: 20)` by a user with no booking,
 * 100,000 bookings in the table: 455 ms and 200,744 shared buffers; a nested
 * `bookingsByEventId` read every booking of each event listed. Any
 * self-registered account could send that.
 *
 * Now the API switches plain users to the member role and organizers,
 * admins and the payment gateway to the manager role (a member too; claims
 * in src/auth/claims.ts). Member policies: the caller's own rows, one
 * condition an index serves. Manager policies add the managed rows (the
 * events organized, everything for admins, every payment for the gateway).
 * PostgreSQL applies a role's policies to the roles that inherit it, so a
 * manager still sees its own rows; who sees what does not change for any
 * caller. Staff psql logins of organizers and admins must be granted the
 * manager role (docs/database-access.md); the bootstrap creates the role.
 */
do $$
begin
  if not exists (select from pg_roles where rolname = ':DATABASE_MANAGER') then
    raise exception 'role :DATABASE_MANAGER is missing: run `npm run db:bootstrap` as a superuser first (docs/upgrades.md)';
  end if;
end
$$;

-- Bookings ---------------------------------------------------------------------
drop policy if exists select_own_or_managed on app_public.booking;
drop policy if exists select_own on app_public.booking;
create policy select_own on app_public.booking for select to :DATABASE_MEMBER
  using (user_id = (select app_public.current_user_id()));
comment on policy select_own on app_public.booking is
  E'A member sees their own bookings (booking_user_id_idx).';
drop policy if exists select_managed on app_public.booking;
create policy select_managed on app_public.booking for select to :DATABASE_MANAGER
  using (
    event_id in (select e.id from app_public.event e where e.organizer_id = (select app_public.current_user_id()))
    or (select app_public.has_role('admin'))
  );
comment on policy select_managed on app_public.booking is
  E'Managers also see the bookings of the events they organize; admins see all.';

-- Waiting-list entries ------------------------------------------------------------
drop policy if exists select_own_or_managed on app_public.waitlist_entry;
drop policy if exists select_own on app_public.waitlist_entry;
create policy select_own on app_public.waitlist_entry for select to :DATABASE_MEMBER
  using (user_id = (select app_public.current_user_id()));
comment on policy select_own on app_public.waitlist_entry is
  E'A member sees their own waiting-list entries (waitlist_entry_user_id_idx).';
drop policy if exists select_managed on app_public.waitlist_entry;
create policy select_managed on app_public.waitlist_entry for select to :DATABASE_MANAGER
  using (
    event_id in (select e.id from app_public.event e where e.organizer_id = (select app_public.current_user_id()))
    or (select app_public.has_role('admin'))
  );
comment on policy select_managed on app_public.waitlist_entry is
  E'Managers also see the waiting lists of the events they organize; admins see all.';

-- Tickets -------------------------------------------------------------------------
drop policy if exists select_visible_booking on app_public.ticket;
drop policy if exists select_own on app_public.ticket;
create policy select_own on app_public.ticket for select to :DATABASE_MEMBER
  using (booking_id = any (array(select b.id from app_public.booking b where b.user_id = (select app_public.current_user_id()))));
comment on policy select_own on app_public.ticket is
  E'A member sees the tickets of their own bookings (the caller''s bookings once by booking_user_id_idx, then ticket_booking_id_idx).';
drop policy if exists select_managed on app_public.ticket;
create policy select_managed on app_public.ticket for select to :DATABASE_MANAGER
  using (
    exists (select from app_public.event e where e.id = ticket.event_id and e.organizer_id = (select app_public.current_user_id()))
    or (select app_public.has_role('admin'))
  );
comment on policy select_managed on app_public.ticket is
  E'Managers also see the tickets of the events they organize (the ticket''s event by primary key); admins see all.';

-- Payments ------------------------------------------------------------------------
drop policy if exists select_visible on app_public.payment;
drop policy if exists select_own on app_public.payment;
create policy select_own on app_public.payment for select to :DATABASE_MEMBER
  using (booking_id = any (array(select b.id from app_public.booking b where b.user_id = (select app_public.current_user_id()))));
comment on policy select_own on app_public.payment is
  E'A member sees the payments of their own bookings (the caller''s bookings once by booking_user_id_idx, then payment_booking_id_idx).';
drop policy if exists select_managed on app_public.payment;
create policy select_managed on app_public.payment for select to :DATABASE_MANAGER
  using (
    exists (
      select from app_public.booking b join app_public.event e on e.id = b.event_id
      where b.id = payment.booking_id and e.organizer_id = (select app_public.current_user_id())
    )
    or (select app_public.has_role('admin'))
  );
comment on policy select_managed on app_public.payment is
  E'Managers also see the payments of the bookings of the events they organize (the row''s booking and event by primary key); admins see all.';
drop policy if exists select_payment_gateway on app_public.payment;
create policy select_payment_gateway on app_public.payment for select to :DATABASE_MANAGER
  using ((select app_public.has_role('payment-gateway')));
comment on policy select_payment_gateway on app_public.payment is
  E'The payment gateway (role payment-gateway, a manager) reads every payment, e.g. by its gateway_reference to reconcile webhooks; bookings stay hidden from it.';
