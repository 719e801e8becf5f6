/*
 * Reading a ticket, payment or refund checks that row's booking, not every
 * booking the caller may see.
 *
 * Before: these policies said "booking_id in (select b.id from booking b)"
 * (refund: via payment). A sub-select in a policy is planned on its own,
 * as a hashed sub-plan, and booking's own policy (the caller's bookings OR
 * those of the events they organize OR an admin) has no index condition: so
 * every read of a member's ticket, even by booking id, read the whole
 * booking table first (test/db/app_public/member_paths_scaling.test.ts:
 * GraphQL allTickets(condition: { bookingId }) 4 -> 822 buffers with 40,000
 * bookings of others, allPayments likewise, allRefunds(condition:
 * { paymentId }) 5 -> 1,999 with their refunds).
 *
 * Now each policy says the same in parts an index serves, whatever the
 * statistics: the caller's own bookings (booking_user_id_idx, computed
 * once), the row's event organized by the caller (that one event by primary
 * key), admins. Who sees what does not change.
 */
drop policy if exists select_visible_booking on app_public.ticket;
create policy select_visible_booking on app_public.ticket for select using (
  booking_id = any (array(select b.id from app_public.booking b where b.user_id = (select app_public.current_user_id())))
  or exists (select from app_public.event e where e.id = ticket.event_id and e.organizer_id = (select app_public.current_user_id()))
  or (select app_public.has_role('admin'))
);
comment on policy select_visible_booking on app_public.ticket is
  E'A ticket is visible exactly when its booking is: to the holder (the caller''s bookings, once by booking_user_id_idx), the event''s organizer (the ticket''s event by primary key) and admins.';

drop policy if exists select_visible on app_public.payment;
create policy select_visible on app_public.payment for select using (
  booking_id = any (array(select b.id from app_public.booking b where b.user_id = (select app_public.current_user_id())))
  or exists (
    select from app_public.booking b join app_public.event e on e.id = b.event_id
    where b.id = payment.booking_id and e.organizer_id = (select app_public.current_user_id())
  )
  or (select app_public.has_role('admin'))
);
comment on policy select_visible on app_public.payment is
  E'A payment is visible exactly when its booking is: to the booking''s user (the caller''s bookings, once by booking_user_id_idx), the event''s organizer (the row''s booking and event by primary key) and admins.';

drop policy if exists select_visible on app_public.refund;
create policy select_visible on app_public.refund for select using (
  exists (select from app_public.payment p where p.id = refund.payment_id)
);
comment on policy select_visible on app_public.refund is
  E'A refund is visible exactly when its payment is (that payment by primary key, under payment''s policies).';

/*
 * An event's tickets void ones included (gRPC ListTickets with event_id and
 * include_void, in its order): ticket_event_id_idx holds valid tickets only,
 * so such a page read every ticket of every event (5 -> 1,393 buffers with
 * 40,000 tickets of another event). This index serves the event and the
 * page's order; a page reads its own rows. Its predicate holds for every
 * row (event_id is not null) and any "event_id = ..." implies it: it is
 * partial only so that PostGraphile, which derives conditions and relations
 * from whole-table indexes, does not grow the GraphQL schema
 * (Event.ticketsByEventId, conditions on seat and version) from it.
 */
create index if not exists ticket_event_id_page_idx on app_public.ticket (event_id, booking_id, seat_no, version)
  where event_id is not null;
comment on index app_public.ticket_event_id_page_idx is
  E'An event''s tickets, void ones included, in ListTickets'' order (booking, seat, version). Partial (on a predicate every row meets) so the GraphQL schema does not change with it.';
