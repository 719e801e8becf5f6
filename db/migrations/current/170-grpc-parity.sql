-- #17: what the API gateway needs over gRPC, and the organizer/admin
-- operations the seed plan names. Idempotent: re-applied on top of itself.

--------------------------------------------------------------------------------
-- The payment gateway reads payments by its own reference.
--
-- payment is visible through its booking (select_visible), and the gateway's
-- service account sees no booking, so `paymentByGatewayReference` (GraphQL)
-- answered null for the one caller it exists for. The gateway creates and
-- settles every payment anyway (confirm_payment, fail_payment), so it may
-- read them all; refunds follow (refund.select_visible goes through payment).
-- It still sees no booking, event or user data beyond the payment row.
--------------------------------------------------------------------------------
drop policy if exists select_payment_gateway on app_public.payment;
create policy select_payment_gateway on app_public.payment
  for select
  using ((select app_public.has_role('payment-gateway')));
comment on policy select_payment_gateway on app_public.payment is
  E'The payment gateway (role payment-gateway) reads every payment, e.g. by its gateway_reference to reconcile webhooks; bookings stay hidden from it.';
