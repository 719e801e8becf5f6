--! Previous: sha1:5c4e05b5edfc1dadb209fba650254c6b294a9416
--! Hash: sha1:128604a0bb5da709cfc0652867207f81f864b416
--! Message: votes and refunds from own rows

--! split: 1-current.sql
-- Enter migration here
-- One file per topic beside this one (NNN-topic.sql, applied in number order);
-- npm run db:commit joins them into the next committed migration.

--! split: 110-votes-refunds-own-rows.sql
/*
 * The last two lists a plain member could make read every row: GraphQL
 * allReviewHelpfulVotes and allRefunds without a condition (measured as
 * PostGraphile sends them, primary-key order, on an analyzed database:
 * 19,757 shared buffers for a member with no vote among 20,000 votes,
 * 39,457 for a member with no refund among 40,001 refunds).
 *
 * - A vote's policy said "user_id in (select current user)": the planner
 *   walked the primary key and checked every vote. "user_id = (select
 *   current user)" is one condition review_helpful_vote_user_id_idx serves
 *   (as the favorites' policy since migration 000012).
 * - A refund was visible when its payment was, checked per row. Members now
 *   see the refunds of their own bookings' payments (the caller's bookings,
 *   their payments, then refund_payment_id_idx); managers keep the per-row
 *   check of the payment, under payment's manager policies.
 */
drop policy if exists select_own on app_public.review_helpful_vote;
create policy select_own on app_public.review_helpful_vote for select
  using (user_id = (select app_public.current_user_id()));
comment on policy select_own on app_public.review_helpful_vote is
  E'A caller sees their own helpful votes (review_helpful_vote_user_id_idx).';

drop policy if exists select_visible on app_public.refund;
drop policy if exists select_own on app_public.refund;
create policy select_own on app_public.refund for select to :DATABASE_MEMBER
  using (payment_id = any (array(
    select p.id from app_public.payment p
    where p.booking_id = any (array(select b.id from app_public.booking b where b.user_id = (select app_public.current_user_id())))
  )));
comment on policy select_own on app_public.refund is
  E'A member sees the refunds of their own bookings'' payments (their bookings by booking_user_id_idx, the payments by payment_booking_id_idx, the refunds by refund_payment_id_idx).';
drop policy if exists select_managed on app_public.refund;
create policy select_managed on app_public.refund for select to :DATABASE_MANAGER
  using (exists (select from app_public.payment p where p.id = refund.payment_id));
comment on policy select_managed on app_public.refund is
  E'Managers see a refund when they see its payment (that payment by primary key, under payment''s policies).';
