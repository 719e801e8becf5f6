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

--------------------------------------------------------------------------------
-- An admin assigns a crew by hand (the crew service is down, or cannot help).
--
-- The crew is recorded on the event exactly as the worker records one
-- (crew_id, crew_status assigned, CrewAssigned with "manual": true), so a
-- waiting assign_crew job finds nothing to do and an answer of the crew
-- service arriving later is released (record_crew_assigned). No
-- app_private.crew_assignment row is written: that table is what the crew
-- service assigned and must release; a crew assigned by hand is arranged with
-- the crew team directly and never released through the crew service.
--------------------------------------------------------------------------------
drop function if exists app_public.assign_crew_manually(uuid, uuid);
create function app_public.assign_crew_manually(id uuid, crew_id uuid) returns app_public.event
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_event app_public.event;
  v_from app_public.crew_status;
begin
  perform app_hidden.assert_signed_in();
  if not app_public.has_role('admin') then
    raise exception 'only admins can assign a crew by hand' using errcode = '42501';
  end if;
  if assign_crew_manually.crew_id is null then
    raise exception 'crew_id is required' using errcode = '22023', column = 'crew_id';
  end if;
  select * into v_event from app_public.event e where e.id = assign_crew_manually.id for update;
  if not found then
    raise exception 'event not found' using errcode = 'P0002', column = 'id';
  end if;
  if v_event.status <> 'published' or v_event.crew_status not in ('pending', 'failed') then
    raise exception 'only a published event waiting for a crew (pending or failed) gets one by hand; this one is % with crew %',
      v_event.status, v_event.crew_status
      using errcode = '55000', column = 'crew_status';
  end if;

  v_from := v_event.crew_status;
  -- 23P01 (event_crew_id_excl) when the crew is on an overlapping event.
  update app_public.event e
  set crew_id = assign_crew_manually.crew_id, crew_status = 'assigned'
  where e.id = v_event.id
  returning * into v_event;

  perform app_hidden.record_change(
    'crew', v_event.id, 'CrewAssigned', 'crew.assign_manually', 'event',
    jsonb_build_object('eventId', v_event.id, 'crewId', v_event.crew_id,
                       'startsAt', v_event.starts_at, 'endsAt', v_event.ends_at,
                       'manual', true, 'assignedBy', app_public.current_user_id(), 'fromStatus', v_from)
  );
  return v_event;
end;
$$;
comment on function app_public.assign_crew_manually(uuid, uuid) is
  E'An admin records a crew arranged by hand (e.g. while the crew service is down) on a published event waiting for one (crew_status pending or failed): crew_id set, crew_status assigned, CrewAssigned with manual true. The crew service is not told, now or on release. Errors: 28000, 42501, 22023, P0002, 55000 (not published, or not waiting for a crew), 23P01 (the crew is on an overlapping event).';
grant execute on function app_public.assign_crew_manually(uuid, uuid) to aquastream_member;

--------------------------------------------------------------------------------
-- An admin reviews an event without a booking (the seed plan's "admin
-- override" of the participants-only rule). Every other rule of
-- create_review holds: visible, not canceled, ended, rating and text valid,
-- one review per user and event, moderation as configured. The audit log
-- tells it apart (action review.create_by_admin); the outbox message is the
-- same ReviewCreated.
--------------------------------------------------------------------------------
drop function if exists app_public.create_admin_review(uuid, integer, text);
create function app_public.create_admin_review(event_id uuid, rating integer, content text) returns app_public.review
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event app_public.event;
  v_review app_public.review;
begin
  if not app_public.has_role('admin') then
    raise exception 'only admins may review an event without a booking; participants use create_review'
      using errcode = '42501';
  end if;
  select * into v_event from app_public.event e where e.id = create_admin_review.event_id;
  if not found then
    raise exception 'event not found' using errcode = 'P0002', column = 'event_id';
  end if;
  perform app_hidden.assert_review_valid(create_admin_review.rating, create_admin_review.content);
  if v_event.status = 'canceled' then
    raise exception 'the event was canceled; it cannot be reviewed' using errcode = '55000', column = 'status';
  end if;
  if v_event.ends_at > now() then
    raise exception 'the event has not ended yet; reviews open at %', v_event.ends_at
      using errcode = 'RVEND', hint = 'Review the event after it ends.';
  end if;

  insert into app_public.review (event_id, user_id, rating, content, status)
  values (
    v_event.id, v_user_id, create_admin_review.rating, create_admin_review.content,
    case when app_hidden.review_moderation_on() then 'pending' else 'active' end::app_public.review_status
  )
  on conflict on constraint review_event_id_user_id_key do nothing
  returning * into v_review;
  if v_review.id is null then
    raise exception 'you have already reviewed this event'
      using errcode = 'RVDUP', hint = 'Change it with update_review.';
  end if;

  perform app_hidden.record_change('review', v_review.id, 'ReviewCreated', 'review.create_by_admin', 'review', app_hidden.review_data(v_review));
  return v_review;
end;
$$;
comment on function app_public.create_admin_review(uuid, integer, text) is
  E'An admin reviews an ended event without a booking (participants use create_review). Otherwise the rules of create_review: rating 1-5, plain text, one review per user and event, pending when review_moderation is on. ReviewCreated. Errors: 28000, 42501, P0002, RVRAT, RVLEN, RVCTL, 55000 (canceled), RVEND, RVDUP.';
grant execute on function app_public.create_admin_review(uuid, integer, text) to aquastream_member;

--------------------------------------------------------------------------------
-- The organizer's public reply to a review: one per review, editable,
-- moderated like reviews (review_moderation on: pending until an admin makes
-- it active; an admin may reject it any time). Clients read it under RLS and
-- write it only through the functions below.
--------------------------------------------------------------------------------
create table if not exists app_public.review_reply (
  id uuid primary key default gen_random_uuid(),
  review_id uuid not null unique references app_public.review (id) on delete cascade,
  organizer_id uuid not null,
  content text not null,
  status app_public.review_status not null,
  moderated_by uuid,
  moderated_at timestamptz,
  moderation_note text,
  edited_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint review_reply_content_check check (char_length(content) between 1 and 2000)
);
comment on table app_public.review_reply is
  E'@behavior -insert -update -delete\nThe organizer''s public reply to a review of its event: at most one per review, editable by its author, moderated by admins like reviews. Written only through reply_to_review, moderate_review_reply and delete_review_reply.';
comment on column app_public.review_reply.review_id is E'The review answered (one reply per review).';
comment on column app_public.review_reply.organizer_id is E'Keycloak subject of the organizer who wrote it (the event''s organizer).';
comment on column app_public.review_reply.content is E'Plain text exactly as written, 1 to 2000 characters: render as text, never as HTML.';
comment on column app_public.review_reply.status is E'pending (waiting for an admin), active (public) or rejected (seen by its author and admins).';
comment on column app_public.review_reply.moderated_by is E'The admin who last moderated it.';
comment on column app_public.review_reply.moderated_at is E'When it was last moderated.';
comment on column app_public.review_reply.moderation_note is E'The admin''s note of the last moderation, for the author.';
comment on column app_public.review_reply.edited_at is E'When its author last changed the text.';
-- The user-visible text rule of 130-api-hardening (TXCHR: bidi overrides,
-- zero-width characters, …) holds for replies as for reviews.
alter table app_public.review_reply drop constraint if exists review_reply_content_text_check;
alter table app_public.review_reply add constraint review_reply_content_text_check
  check (app_hidden.assert_clean_text(content::text, 'content', true));
alter table app_public.review_reply drop constraint if exists review_reply_moderation_note_text_check;
alter table app_public.review_reply add constraint review_reply_moderation_note_text_check
  check (app_hidden.assert_clean_text(moderation_note::text, 'moderation_note', true));
comment on constraint review_reply_content_text_check on app_public.review_reply is
  E'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';
comment on constraint review_reply_moderation_note_text_check on app_public.review_reply is
  E'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';
create index if not exists review_reply_organizer_id_idx on app_public.review_reply (organizer_id);

drop trigger if exists _100_timestamps on app_public.review_reply;
create trigger _100_timestamps before update on app_public.review_reply
  for each row execute function app_private.tg__set_updated_at();

alter table app_public.review_reply enable row level security;
drop policy if exists select_visible on app_public.review_reply;
create policy select_visible on app_public.review_reply
  for select
  using (
    -- Active replies to reviews the caller may see; its own in any status; admins all.
    (status = 'active' and review_id in (select r.id from app_public.review r))
    or organizer_id = (select app_public.current_user_id())
    or (select app_public.has_role('admin'))
  );
comment on policy select_visible on app_public.review_reply is
  E'Active replies to visible reviews for everyone; pending and rejected ones for their author and admins.';
revoke all on app_public.review_reply from public;
grant select on app_public.review_reply to aquastream_anonymous, aquastream_member;

drop function if exists app_hidden.review_reply_data(app_public.review_reply);
create function app_hidden.review_reply_data(r app_public.review_reply) returns jsonb
  language sql stable
  set search_path to pg_catalog, public, pg_temp
as $$
  select jsonb_build_object(
    'id', r.id, 'reviewId', r.review_id, 'organizerId', r.organizer_id, 'content', r.content,
    'status', r.status, 'moderatedBy', r.moderated_by, 'moderatedAt', r.moderated_at,
    'moderationNote', r.moderation_note, 'editedAt', r.edited_at, 'createdAt', r.created_at);
$$;
comment on function app_hidden.review_reply_data(app_public.review_reply) is
  E'The reply snapshot of the outbox messages ReviewReplied, ReviewReplyUpdated, ReviewReplyModerated, ReviewReplyDeleted.';

drop function if exists app_hidden.assert_reply_valid(text);
create function app_hidden.assert_reply_valid(content text) returns void
  language plpgsql immutable
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if content is null or content !~ '\S' then
    raise exception 'content must not be empty' using errcode = 'RVLEN', column = 'content', hint = 'Write 1 to 2000 characters.';
  end if;
  if char_length(content) > 2000 then
    raise exception 'a reply must be at most 2000 characters long; it has %', char_length(content)
      using errcode = 'RVLEN', column = 'content';
  end if;
  if content ~ '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]' then
    raise exception 'content must not contain control characters (only tab, line feed and carriage return are allowed)'
      using errcode = 'RVCTL', column = 'content';
  end if;
end;
$$;
comment on function app_hidden.assert_reply_valid(text) is
  E'Validates a reply''s text (RVLEN: blank or over 2000 characters; RVCTL: control characters).';

drop function if exists app_public.reply_to_review(uuid, text);
create function app_public.reply_to_review(review_id uuid, content text) returns app_public.review_reply
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_review app_public.review;
  v_organizer uuid;
  v_old app_public.review_reply;
  v_new app_public.review_reply;
begin
  select * into v_review from app_public.review r where r.id = reply_to_review.review_id;
  -- Only active reviews are answered; a hidden one is "not found" like everywhere else.
  if not found or v_review.status <> 'active' then
    raise exception 'review not found' using errcode = 'P0002', column = 'review_id';
  end if;
  select e.organizer_id into v_organizer from app_public.event e where e.id = v_review.event_id;
  if v_organizer is distinct from v_user_id then
    raise exception 'only the organizer of the reviewed event may reply to its reviews' using errcode = '42501';
  end if;
  perform app_hidden.assert_reply_valid(reply_to_review.content);

  select * into v_old from app_public.review_reply rr where rr.review_id = v_review.id for no key update;
  if not found then
    insert into app_public.review_reply (review_id, organizer_id, content, status)
    values (v_review.id, v_user_id, reply_to_review.content,
            case when app_hidden.review_moderation_on() then 'pending' else 'active' end::app_public.review_status)
    on conflict on constraint review_reply_review_id_key do nothing
    returning * into v_new;
    if v_new.id is null then
      raise exception 'the review was answered meanwhile; change that reply instead' using errcode = 'RVDUP';
    end if;
    perform app_hidden.record_change('review', v_review.id, 'ReviewReplied', 'review_reply.create', 'review_reply',
                                     app_hidden.review_reply_data(v_new));
    return v_new;
  end if;

  if v_old.content = reply_to_review.content then
    return v_old; -- nothing changed: nothing to record
  end if;
  -- An edit goes back to moderation when moderation is on, or when the reply was not public.
  update app_public.review_reply rr
  set content = reply_to_review.content, edited_at = now(),
      status = case when app_hidden.review_moderation_on() or v_old.status <> 'active' then 'pending' else 'active' end::app_public.review_status
  where rr.id = v_old.id
  returning * into v_new;
  perform app_hidden.record_change('review', v_review.id, 'ReviewReplyUpdated', 'review_reply.update', 'review_reply',
                                   jsonb_build_object('fromStatus', v_old.status, 'reply', app_hidden.review_reply_data(v_new)));
  return v_new;
end;
$$;
comment on function app_public.reply_to_review(uuid, text) is
  E'The organizer of the reviewed event writes its public reply to an active review, or changes it (one reply per review). Plain text, 1-2000 characters. Pending when review_moderation is on (also after an edit, and after editing a pending or rejected reply). ReviewReplied / ReviewReplyUpdated. Errors: 28000, P0002 (no such active review), 42501 (not the event''s organizer), RVLEN, RVCTL, RVDUP (answered at the same moment).';
grant execute on function app_public.reply_to_review(uuid, text) to aquastream_member;

drop function if exists app_public.moderate_review_reply(uuid, app_public.review_status, text);
create function app_public.moderate_review_reply(review_id uuid, status app_public.review_status, note text default null)
  returns app_public.review_reply
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_note text := app_hidden.clean_text(moderate_review_reply.note);
  v_old app_public.review_reply;
  v_new app_public.review_reply;
begin
  if not app_public.has_role('admin') then
    raise exception 'only admins may moderate replies' using errcode = '42501';
  end if;
  select * into v_old from app_public.review_reply rr where rr.review_id = moderate_review_reply.review_id for no key update;
  if not found then
    raise exception 'reply not found' using errcode = 'P0002', column = 'review_id';
  end if;
  if moderate_review_reply.status is null or moderate_review_reply.status = 'pending' then
    raise exception 'status must be active or rejected' using errcode = '22023', column = 'status';
  end if;
  if char_length(v_note) > 1000 then
    raise exception 'note must be at most 1000 characters long' using errcode = '22023', column = 'note';
  end if;
  if v_note ~ '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]' then
    raise exception 'note must not contain control characters (only tab, line feed and carriage return are allowed)'
      using errcode = 'RVCTL', column = 'note';
  end if;
  if v_old.status = moderate_review_reply.status and v_old.moderation_note is not distinct from v_note then
    return v_old;
  end if;
  update app_public.review_reply rr
  set status = moderate_review_reply.status, moderated_by = v_user_id, moderated_at = now(), moderation_note = v_note
  where rr.id = v_old.id
  returning * into v_new;
  perform app_hidden.record_change('review', v_new.review_id, 'ReviewReplyModerated', 'review_reply.moderate', 'review_reply',
                                   jsonb_build_object('fromStatus', v_old.status, 'reply', app_hidden.review_reply_data(v_new)));
  return v_new;
end;
$$;
comment on function app_public.moderate_review_reply(uuid, app_public.review_status, text) is
  E'An admin makes the reply to a review active or rejected, with an optional note (1000 characters) for its author. The same decision again writes nothing. ReviewReplyModerated. Errors: 28000, 42501, P0002, 22023, RVCTL.';
grant execute on function app_public.moderate_review_reply(uuid, app_public.review_status, text) to aquastream_member;

drop function if exists app_public.delete_review_reply(uuid);
create function app_public.delete_review_reply(review_id uuid) returns app_public.review_reply
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_old app_public.review_reply;
begin
  select * into v_old from app_public.review_reply rr where rr.review_id = delete_review_reply.review_id for update;
  if not found then
    raise exception 'reply not found' using errcode = 'P0002', column = 'review_id';
  end if;
  if v_old.organizer_id <> v_user_id and not app_public.has_role('admin') then
    raise exception 'only its author or an admin may delete a reply' using errcode = '42501';
  end if;
  delete from app_public.review_reply rr where rr.id = v_old.id;
  perform app_hidden.record_change('review', v_old.review_id, 'ReviewReplyDeleted', 'review_reply.delete', 'review_reply',
                                   jsonb_build_object('deletedBy', v_user_id, 'reply', app_hidden.review_reply_data(v_old)));
  return v_old;
end;
$$;
comment on function app_public.delete_review_reply(uuid) is
  E'Its author or an admin deletes the reply to a review and gets it as it was. ReviewReplyDeleted. Errors: 28000, P0002, 42501.';
grant execute on function app_public.delete_review_reply(uuid) to aquastream_member;

