/*
 * Ticket metrics (issue #18; docs/tickets.md#metrics): tickets issued and
 * voided, check-ins and undos, for /metrics, true with any number of API and
 * worker replicas and cheap to read however many tickets exist.
 *
 * Why not count at scrape time: "how many check-ins ever" is a count over
 * every check-in (the audit log), which grows without bound, and a check-in
 * that was undone leaves no trace on the ticket row. Why not a counter row
 * updated by each check-in: one row for all events would serialize every
 * booking confirmation and scan of the service on it (and its lock, taken in
 * the middle of a transaction that goes on to lock other rows, could
 * deadlock).
 *
 * So: each fact appends one row to app_private.ticket_metric_fact in the
 * transaction that makes it (triggers on app_public.ticket, so every path —
 * SQL functions, psql as the owner, future code — counts, and a rolled-back
 * scan counts nothing). Appending takes no lock anyone waits for. At scrape
 * time app_private.ticket_metrics() folds the facts into
 * app_private.ticket_metric_total (delete … returning, then add, in one
 * transaction: each fact is counted exactly once, also when two replicas
 * scrape at once — the second waits for the first's deleted rows and skips
 * them) and returns the totals: a handful of rows. The fact table holds only
 * what happened since the last scrape; a fold takes at most 100,000 facts, so
 * after a long pause without scrapes the totals catch up over a few scrapes
 * (the counters rise later, never wrongly).
 *
 * Idempotent: re-applied on top of itself during development.
 */

create table if not exists app_private.ticket_metric_fact (
  kind text not null
    constraint ticket_metric_fact_kind_check check (kind in (
      'issued', 'voided:booking_canceled', 'voided:reissued', 'checked_in:scan', 'checked_in:batch', 'undone'))
);
alter table app_private.ticket_metric_fact enable row level security;
revoke all on app_private.ticket_metric_fact from public;
-- Rows come and go with every scrape: vacuum after ~1,000 changed rows, as the outbox.
alter table app_private.ticket_metric_fact set (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0,
  autovacuum_vacuum_insert_threshold = 5000
);
comment on table app_private.ticket_metric_fact is
  E'Ticket facts not yet folded into ticket_metric_total: one row per ticket issued or voided, check-in or undo, appended by triggers on app_public.ticket in the transaction that made it; ticket_metrics() moves them into the totals at each /metrics scrape. Owner only.';
comment on column app_private.ticket_metric_fact.kind is
  E'issued, voided:booking_canceled, voided:reissued, checked_in:scan (online, by code or token), checked_in:batch (an offline batch), undone.';

create table if not exists app_private.ticket_metric_total (
  kind text primary key
    constraint ticket_metric_total_kind_check check (kind in (
      'issued', 'voided:booking_canceled', 'voided:reissued', 'checked_in:scan', 'checked_in:batch', 'undone')),
  total bigint not null
    constraint ticket_metric_total_total_check check (total >= 0)
);
alter table app_private.ticket_metric_total enable row level security;
revoke all on app_private.ticket_metric_total from public;
comment on table app_private.ticket_metric_total is
  E'Ticket facts counted so far (since the tickets were introduced), by kind; ticket_metrics() adds the new facts at each /metrics scrape. Owner only.';
comment on column app_private.ticket_metric_total.kind is E'The kind of fact (see ticket_metric_fact.kind).';
comment on column app_private.ticket_metric_total.total is E'How many such facts, ever.';

create or replace function app_private.tg_ticket__metric_fact() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    insert into app_private.ticket_metric_fact (kind) values ('issued');
    return null;
  end if;
  if old.status = 'valid' and new.status = 'void' then
    insert into app_private.ticket_metric_fact (kind) values ('voided:' || new.void_reason::text);
  end if;
  if old.checked_in_at is null and new.checked_in_at is not null then
    insert into app_private.ticket_metric_fact (kind)
    values (case when new.checked_in_device is null then 'checked_in:scan' else 'checked_in:batch' end);
  elsif old.checked_in_at is not null and new.checked_in_at is null then
    insert into app_private.ticket_metric_fact (kind) values ('undone');
  end if;
  return null;
end;
$$;
comment on function app_private.tg_ticket__metric_fact() is
  E'Appends the ticket fact of this insert or update (issued, voided, checked in, undone) to app_private.ticket_metric_fact, for /metrics.';
revoke all on function app_private.tg_ticket__metric_fact() from public;

-- Creating the triggers locks app_public.ticket against writes until this
-- migration commits, so the starting totals below (read after it) miss no
-- fact and count none twice.
drop trigger if exists _900_metric_fact_insert on app_public.ticket;
create trigger _900_metric_fact_insert
  after insert on app_public.ticket
  for each row execute function app_private.tg_ticket__metric_fact();
drop trigger if exists _900_metric_fact_update on app_public.ticket;
create trigger _900_metric_fact_update
  after update of status, checked_in_at on app_public.ticket
  for each row
  when (old.status is distinct from new.status or (old.checked_in_at is null) <> (new.checked_in_at is null))
  execute function app_private.tg_ticket__metric_fact();

-- Starting totals, once (an empty totals table): what the tickets and the
-- audit log already hold. Issued and voided from the ticket rows (each was
-- issued once; void ones say why); check-ins and undos from the audit log
-- (an undone check-in leaves nothing on the ticket). Tickets are younger than
-- the audit log's retention window, so no such audit row was archived yet.
insert into app_private.ticket_metric_total (kind, total)
select k.kind, coalesce(c.total, 0)
  from (values ('issued'), ('voided:booking_canceled'), ('voided:reissued'),
               ('checked_in:scan'), ('checked_in:batch'), ('undone')) as k(kind)
  left join (
    select 'issued' as kind, count(*) as total from app_public.ticket
    union all
    select 'voided:' || t.void_reason::text, count(*) from app_public.ticket t
     where t.status = 'void' group by t.void_reason
    union all
    select case when a.details ->> 'device' is null then 'checked_in:scan' else 'checked_in:batch' end, count(*)
      from app_private.audit_log a where a.action = 'ticket.check_in' group by 1
    union all
    select 'undone', count(*) from app_private.audit_log a where a.action = 'ticket.undo_check_in'
  ) c on c.kind = k.kind
 where not exists (select from app_private.ticket_metric_total);

create or replace function app_private.ticket_metrics()
  returns table (kind text, total bigint)
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
as $$
begin
  -- Fold the facts appended since the last scrape (at most 100,000; the rest
  -- next time) into the totals, in this one transaction.
  with moved as (
    delete from app_private.ticket_metric_fact f
     where f.ctid = any (array(select f2.ctid from app_private.ticket_metric_fact f2 limit 100000))
    returning f.kind
  )
  insert into app_private.ticket_metric_total as t (kind, total)
  select m.kind, count(*) from moved m group by m.kind
  on conflict on constraint ticket_metric_total_pkey do update set total = t.total + excluded.total;

  return query select t.kind, t.total from app_private.ticket_metric_total t order by t.kind;
end;
$$;
comment on function app_private.ticket_metrics() is
  E'For /metrics (the worker''s owner connection): folds the pending ticket facts into ticket_metric_total and returns the totals by kind. Safe to call from several processes at once (each fact is counted once). Owner only.';
revoke all on function app_private.ticket_metrics() from public;
