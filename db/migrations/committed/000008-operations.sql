--! Previous: sha1:0c506cdc87eb14d8fea05ec674c40f4886671927
--! Hash: sha1:499b63077f9a50a90a2248021d01fd543529616c
--! Message: operations: request id and trace context on the outbox, business counts

/*
 * Operations (issue 8): what the metrics and traces need from the database.
 *
 *   - app_private.outbox.request_id / trace_parent: the request id and the
 *     W3C traceparent of the transaction that wrote the row, taken from the
 *     settings app.request_id and app.traceparent that the API sets per
 *     transaction (column defaults, so record_change() and every other writer
 *     fill them without knowing). The relay sends them as Kafka headers, so a
 *     consumer's trace continues the request's and its logs name the request.
 *   - app_private.business_counts: bookings created / confirmed / expired /
 *     canceled, payments confirmed and refunds, counted from the audit log,
 *     so every process reports the same true totals across replicas.
 */

--------------------------------------------------------------------------------
-- Request id and trace context on the outbox
--------------------------------------------------------------------------------

alter table app_private.outbox add column if not exists request_id text;
alter table app_private.outbox alter column request_id
  set default nullif(current_setting('app.request_id', true), '');
comment on column app_private.outbox.request_id is
  E'The request id of the API call that wrote the row (setting app.request_id), as in the audit log and the logs; sent as the Kafka header request-id.';

-- Only a well-formed W3C traceparent (version 00) is kept: a malformed
-- setting must never make a user's write fail, it just loses the link.
alter table app_private.outbox add column if not exists trace_parent text;
alter table app_private.outbox alter column trace_parent
  set default (
    case
      when current_setting('app.traceparent', true) ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$'
      then current_setting('app.traceparent', true)
    end
  );
comment on column app_private.outbox.trace_parent is
  E'W3C traceparent of the span that wrote the row (setting app.traceparent, set by the API when tracing is on); sent as the Kafka header traceparent so the trace continues across the outbox. Null when tracing is off.';

--------------------------------------------------------------------------------
-- Business counters
--------------------------------------------------------------------------------

-- Counting one action is an index-only scan on this index.
create index if not exists audit_log_action_idx on app_private.audit_log (action);

create or replace view app_private.business_counts as
  select
    k.action,
    (select count(*) from app_private.audit_log a where a.action = k.action) as total
  from (
    values ('booking.create'), ('booking.confirm'), ('booking.expire'), ('booking.cancel'),
           ('payment.confirm'), ('payment.refund')
  ) as k(action);

comment on view app_private.business_counts is
  E'Business totals since the start of the audit log, one row per audit action: bookings created, confirmed, expired and canceled, payments confirmed, refunds issued. The worker''s /metrics reports them as aquastream_bookings_total, aquastream_payments_confirmed_total and aquastream_refunds_total; being counted in the database, they are the same from every process.';
comment on column app_private.business_counts.action is E'The audit action counted, e.g. booking.create.';
comment on column app_private.business_counts.total is E'Audit rows with that action.';
