--! Previous: sha1:620d86200561280a24c9654a429beee94aec91c4
--! Hash: sha1:6e073c5af6c93b58c5142f0e7253c691d6e006db
--! Message: reviews, moderation and helpful votes

/*
 * Aquastream event service: reviews, moderation and helpful votes (issue 5).
 *
 * Reviews make the catalog trustworthy, so they come only from people who
 * went: a review needs a confirmed booking of an event that has ended. The
 * same architecture as migrations 1 and 2: clients read the tables under RLS
 * and write only through SECURITY DEFINER functions that check the caller
 * first, validate with a specific code (RV* or a standard SQLSTATE), change
 * the rows of one use case and write audit + outbox rows
 * (app_hidden.record_change, aggregate `review`, Kafka topic
 * aquastream.review) in the same transaction.
 *
 * Decisions:
 *   - Moderation is a setting (app_private.setting `review_moderation`,
 *     'off' by default as the seed plan decides): when 'on', new and edited
 *     reviews wait as `pending` until an admin makes them `active` or
 *     `rejected`. An edit of a review that is not active (pending, rejected)
 *     always goes back to `pending`: an author can never make a rejected
 *     review public by editing it.
 *   - Helpful votes are rows (review_helpful_vote, one per user per review).
 *     review.helpful_count is derived from them by a trigger in the voting
 *     transaction; the update takes the review's row lock, so concurrent votes
 *     queue and the count is exact (review_races.test.ts: 100 at once), and
 *     app_private.review_helpful_drift shows any disagreement (always empty).
 *   - Content is plain text, stored exactly as given (no trimming, no HTML
 *     escaping or stripping: clients must render it as text). Refused:
 *     blank, over 4000 characters, control characters other than tab, line
 *     feed and carriage return.
 *   - delete_review really deletes (the audit log and ReviewDeleted keep the
 *     snapshot); the author may then review the event again.
 *
 * Idempotent: it drops what it creates first, in reverse order.
 */

--------------------------------------------------------------------------------
-- Reset (reverse order of creation)
--------------------------------------------------------------------------------
drop function if exists app_public.search_reviews(uuid, app_public.review_status, app_public.review_sort, boolean);
drop function if exists app_public.review_is_marked_helpful(app_public.review);
drop function if exists app_public.event_my_review(app_public.event);
drop function if exists app_public.event_rating_summary(app_public.event);
drop function if exists app_public.unmark_review_helpful(uuid);
drop function if exists app_public.mark_review_helpful(uuid);
drop function if exists app_public.moderate_review(uuid, app_public.review_status, text);
drop function if exists app_public.delete_review(uuid);
drop function if exists app_public.update_review(uuid, integer, text);
drop function if exists app_public.create_review(uuid, integer, text);
drop function if exists app_hidden.assert_review_valid(integer, text);
drop function if exists app_hidden.review_is_visible(app_public.review);
drop function if exists app_hidden.review_data(app_public.review);
drop function if exists app_hidden.review_moderation_on();
drop view if exists app_private.review_helpful_drift;
drop table if exists app_public.review_helpful_vote cascade;
drop function if exists app_private.tg_review_helpful_vote__count();
drop function if exists app_private.tg_review_helpful_vote__not_author();
drop table if exists app_public.review cascade;
drop type if exists app_public.rating_summary;
drop type if exists app_public.review_sort;
drop type if exists app_public.review_status;
delete from app_private.setting where key = 'review_moderation';

--------------------------------------------------------------------------------
-- Setting: moderation on or off (default off)
--------------------------------------------------------------------------------

-- Migration 2's check of setting values, with the new key added.
alter table app_private.setting drop constraint setting_value_check;
alter table app_private.setting add constraint setting_value_check check (
  case key
    when 'booking_hold_minutes' then value ~ '^[0-9]{1,4}$' and value::integer between 1 and 1440
    when 'payment_url_base' then value ~ '^https?://'
    when 'review_moderation' then value in ('on', 'off')
    else true
  end
);

insert into app_private.setting (key, value, description) values
  ('review_moderation', 'off', 'on: new and edited reviews wait as pending until an admin moderates them; off: they are active at once (an edit of a pending or rejected review still goes back to pending).');

create function app_hidden.review_moderation_on() returns boolean
  language sql stable
as $$
  select coalesce((select s.value = 'on' from app_private.setting s where s.key = 'review_moderation'), false);
$$;
comment on function app_hidden.review_moderation_on() is
  E'Whether reviews are moderated before they are shown: setting review_moderation (default off).';

--------------------------------------------------------------------------------
-- Types
--------------------------------------------------------------------------------

create type app_public.review_status as enum ('pending', 'active', 'rejected');
comment on type app_public.review_status is
  E'pending (waiting for moderation; seen by its author and admins), active (public), rejected (by an admin; seen by its author and admins).';

create type app_public.review_sort as enum ('newest', 'oldest', 'most_helpful');
comment on type app_public.review_sort is
  E'Order of search_reviews: newest first, oldest first (the moderation queue), or most helpful votes first (then newest).';

create type app_public.rating_summary as (
  average double precision,
  count integer,
  one_star integer,
  two_stars integer,
  three_stars integer,
  four_stars integer,
  five_stars integer
);
comment on type app_public.rating_summary is E'The ratings of an event''s active reviews.';
comment on column app_public.rating_summary.average is E'Mean rating (1 to 5), rounded to two decimals; null when there is no active review.';
comment on column app_public.rating_summary.count is E'Active reviews.';
comment on column app_public.rating_summary.one_star is E'Active reviews rated 1.';
comment on column app_public.rating_summary.two_stars is E'Active reviews rated 2.';
comment on column app_public.rating_summary.three_stars is E'Active reviews rated 3.';
comment on column app_public.rating_summary.four_stars is E'Active reviews rated 4.';
comment on column app_public.rating_summary.five_stars is E'Active reviews rated 5.';

--------------------------------------------------------------------------------
-- review
--------------------------------------------------------------------------------

create table app_public.review (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null
    constraint review_event_id_fkey references app_public.event (id) on delete cascade,
  user_id uuid not null,
  rating integer not null
    constraint review_rating_check check (rating between 1 and 5),
  -- Plain text as given: 1..4000 characters, not blank, no control characters
  -- except tab, line feed and carriage return (create_review says which rule failed).
  content text not null
    constraint review_content_check check (char_length(content) between 1 and 4000 and content ~ '\S')
    constraint review_content_control_check check (content !~ '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]'),
  status app_public.review_status not null,
  helpful_count integer not null default 0
    constraint review_helpful_count_check check (helpful_count >= 0),
  moderated_by uuid,
  moderated_at timestamptz,
  moderation_note text
    constraint review_moderation_note_check check (char_length(moderation_note) between 1 and 1000),
  edited_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),

  -- One review per user per event (the last line of defence behind create_review's RVDUP).
  constraint review_event_id_user_id_key unique (event_id, user_id),
  -- Who and when go together; a note and a rejection exist only through moderation.
  constraint review_moderated_at_check check (
    (moderated_at is null) = (moderated_by is null)
    and (moderation_note is null or moderated_at is not null)
    and (status <> 'rejected' or moderated_at is not null)
  )
);
alter table app_public.review enable row level security;

-- The public lists (newest, most helpful) of one event, and the moderation queue.
create index review_event_id_created_at_idx on app_public.review (event_id, created_at desc, id desc)
  where status = 'active';
create index review_event_id_helpful_count_idx on app_public.review (event_id, helpful_count desc, created_at desc, id desc)
  where status = 'active';
create index review_status_created_at_idx on app_public.review (status, created_at);
create index review_user_id_idx on app_public.review (user_id, created_at);

comment on table app_public.review is E'@behavior -insert -update -delete\nA participant''s review of an event they attended (confirmed booking, event ended): rating 1 to 5 and plain text. One per user per event. Everyone sees active reviews; pending and rejected ones only their author and admins. Changed through create_review, update_review, delete_review, moderate_review, and (helpful_count) mark_review_helpful / unmark_review_helpful.';
comment on column app_public.review.id is E'Identifier of the review.';
comment on column app_public.review.event_id is E'The event reviewed.';
comment on column app_public.review.user_id is E'The author (Keycloak user id).';
comment on column app_public.review.rating is E'1 (worst) to 5 (best).';
comment on column app_public.review.content is E'Plain text, 1 to 4000 characters, stored exactly as the author sent it (no trimming, no HTML escaping): render it as text, never as HTML. Line breaks and tabs are kept; other control characters are refused.';
comment on column app_public.review.status is E'pending (waiting for an admin), active (public) or rejected (by an admin).';
comment on column app_public.review.helpful_count is E'How many users marked the review helpful: the number of its votes (kept in step by a trigger, exact under concurrency).';
comment on column app_public.review.moderated_by is E'The admin who last moderated it (Keycloak user id); null if never moderated.';
comment on column app_public.review.moderated_at is E'When it was last moderated.';
comment on column app_public.review.moderation_note is E'The admin''s note of the last moderation (1 to 1000 characters), shown to whoever sees the review: write it for the author.';
comment on column app_public.review.edited_at is E'When its author last changed the rating or text; null if never edited.';
comment on column app_public.review.created_at is E'When it was written.';
comment on column app_public.review.updated_at is E'When the row last changed (edits, moderation, vote counts).';

/*
 * Who sees which review (GraphQL, gRPC and psql alike): everyone the active
 * ones; its author their own in any status; admins all. Reviews exist only
 * for events that were published (a review needs a confirmed booking, and
 * only published events take bookings), and such events stay visible to
 * everyone, so the event's own visibility adds nothing here.
 */
create policy select_visible on app_public.review for select using (
  status = 'active'
  or user_id in (select app_public.current_user_id())
  or (select app_public.has_role('admin'))
);
grant select on app_public.review to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- The same rule for the security-definer functions, which bypass RLS.
create function app_hidden.review_is_visible(r app_public.review) returns boolean
  language sql stable
as $$
  select r.status = 'active' or r.user_id = app_public.current_user_id() or app_public.has_role('admin');
$$;
comment on function app_hidden.review_is_visible(app_public.review) is
  E'Whether the caller may see this review: the rule of the select_visible policy, for security-definer functions. Keep both in step.';

create trigger _100_timestamps
  before update on app_public.review
  for each row execute function app_private.tg__set_updated_at();

--------------------------------------------------------------------------------
-- review_helpful_vote
--------------------------------------------------------------------------------

create table app_public.review_helpful_vote (
  review_id uuid not null
    constraint review_helpful_vote_review_id_fkey references app_public.review (id) on delete cascade,
  user_id uuid not null,
  created_at timestamptz not null default now(),
  constraint review_helpful_vote_pkey primary key (review_id, user_id)
);
alter table app_public.review_helpful_vote enable row level security;
create index review_helpful_vote_user_id_idx on app_public.review_helpful_vote (user_id);

comment on table app_public.review_helpful_vote is E'@behavior -insert -update -delete\nA user found a review helpful: one row per user per review, never by its author. Each user sees only their own votes. Changed through mark_review_helpful and unmark_review_helpful.';
comment on column app_public.review_helpful_vote.review_id is E'The review voted for.';
comment on column app_public.review_helpful_vote.user_id is E'The voter (Keycloak user id).';
comment on column app_public.review_helpful_vote.created_at is E'When the vote was cast.';

create policy select_own on app_public.review_helpful_vote for select using (
  user_id in (select app_public.current_user_id())
);
-- Anonymous callers may read the table (so review.isMarkedHelpful works for them) but RLS shows them nothing.
grant select on app_public.review_helpful_vote to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

create function app_private.tg_review_helpful_vote__not_author() returns trigger
  language plpgsql
as $$
begin
  if exists (select from app_public.review r where r.id = new.review_id and r.user_id = new.user_id) then
    raise exception 'you cannot mark your own review helpful' using errcode = 'RVOWN';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_review_helpful_vote__not_author() is
  E'Trigger: a review''s author cannot vote for it (RVOWN), whoever inserts the row.';

/*
 * helpful_count follows the vote rows. The guarded single-row update takes
 * the review's row lock, so concurrent votes of one review queue here and
 * each adds to the count the previous one committed: never a lost update.
 */
create function app_private.tg_review_helpful_vote__count() returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'INSERT' then
    update app_public.review r set helpful_count = r.helpful_count + 1 where r.id = new.review_id;
  else
    -- Nothing to update when the review itself is being deleted (cascade).
    update app_public.review r set helpful_count = r.helpful_count - 1 where r.id = old.review_id;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_review_helpful_vote__count() is
  E'Trigger: keeps review.helpful_count equal to the number of its votes, in the voting transaction.';

create trigger _100_not_author
  before insert or update on app_public.review_helpful_vote
  for each row execute function app_private.tg_review_helpful_vote__not_author();
create trigger _200_count
  after insert or delete on app_public.review_helpful_vote
  for each row execute function app_private.tg_review_helpful_vote__count();

-- For DBAs: counters that disagree with the votes (must always be empty).
create view app_private.review_helpful_drift with (security_invoker = true) as
  select r.id, r.helpful_count as counted,
         (select count(*) from app_public.review_helpful_vote v where v.review_id = r.id)::integer as actual
  from app_public.review r
  where r.helpful_count <> (select count(*) from app_public.review_helpful_vote v where v.review_id = r.id);
comment on view app_private.review_helpful_drift is
  E'Reviews whose helpful_count differs from their number of votes. Must return nothing; a row means the table was changed behind the triggers'' back. For DBAs (scans every review).';

--------------------------------------------------------------------------------
-- Snapshot for the outbox / audit payloads, validation
--------------------------------------------------------------------------------

create function app_hidden.review_data(r app_public.review) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', r.id, 'eventId', r.event_id, 'userId', r.user_id, 'rating', r.rating, 'content', r.content,
    'status', r.status, 'helpfulCount', r.helpful_count, 'moderatedBy', r.moderated_by,
    'moderatedAt', r.moderated_at, 'moderationNote', r.moderation_note, 'editedAt', r.edited_at,
    'createdAt', r.created_at
  );
$$;
comment on function app_hidden.review_data(app_public.review) is E'A review as the JSON payload of outbox messages (camelCase keys).';

/*
 * The rules of a review's rating and text, with a specific code each, in
 * argument order. The table's checks back them (review_rating_check,
 * review_content_check, review_content_control_check).
 */
create function app_hidden.assert_review_valid(rating integer, content text) returns void
  language plpgsql immutable
as $$
begin
  if rating is null or rating not between 1 and 5 then
    raise exception 'rating must be a whole number from 1 to 5'
      using errcode = 'RVRAT', column = 'rating';
  end if;
  if content is null or content !~ '\S' then
    raise exception 'content must not be empty'
      using errcode = 'RVLEN', column = 'content', hint = 'Write 1 to 4000 characters.';
  end if;
  if char_length(content) > 4000 then
    raise exception 'content must be at most 4000 characters long; it has %', char_length(content)
      using errcode = 'RVLEN', column = 'content';
  end if;
  if content ~ '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]' then
    raise exception 'content must not contain control characters (only tab, line feed and carriage return are allowed)'
      using errcode = 'RVCTL', column = 'content';
  end if;
end;
$$;
comment on function app_hidden.assert_review_valid(integer, text) is
  E'Validates a review''s rating (RVRAT) and text (RVLEN: blank or over 4000 characters; RVCTL: control characters).';

--------------------------------------------------------------------------------
-- Use cases: write, edit, delete a review
--------------------------------------------------------------------------------

create function app_public.create_review(event_id uuid, rating integer, content text) returns app_public.review
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event app_public.event;
  v_booking_status app_public.booking_status;
  v_review app_public.review;
begin
  select * into v_event from app_public.event e where e.id = create_review.event_id;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception 'event not found' using errcode = 'P0002';
  end if;
  perform app_hidden.assert_review_valid(create_review.rating, create_review.content);
  if v_event.status = 'canceled' then
    raise exception 'the event was canceled; it cannot be reviewed' using errcode = '55000', column = 'status';
  end if;
  if v_event.ends_at > now() then
    raise exception 'the event has not ended yet; reviews open at %', v_event.ends_at
      using errcode = 'RVEND', hint = 'Review the event after it ends.';
  end if;
  if not exists (
    select from app_public.booking b
    where b.event_id = v_event.id and b.user_id = v_user_id and b.status = 'confirmed'
  ) then
    select b.status into v_booking_status from app_public.booking b
    where b.event_id = v_event.id and b.user_id = v_user_id
    order by b.created_at desc
    limit 1;
    raise exception '%', case
        when v_booking_status is null then 'only participants with a confirmed booking may review this event; you have no booking of it'
        else format('only participants with a confirmed booking may review this event; your booking is %s', v_booking_status)
      end
      using errcode = 'RVNBK';
  end if;

  insert into app_public.review (event_id, user_id, rating, content, status)
  values (
    v_event.id, v_user_id, create_review.rating, create_review.content,
    case when app_hidden.review_moderation_on() then 'pending' else 'active' end::app_public.review_status
  )
  on conflict on constraint review_event_id_user_id_key do nothing
  returning * into v_review;
  if v_review.id is null then
    -- Also when a review of the same user committed meanwhile (the unique constraint waited for it).
    raise exception 'you have already reviewed this event'
      using errcode = 'RVDUP', hint = 'Change it with update_review.';
  end if;

  perform app_hidden.record_change('review', v_review.id, 'ReviewCreated', 'review.create', 'review', app_hidden.review_data(v_review));
  return v_review;
end;
$$;
comment on function app_public.create_review(uuid, integer, text) is
  E'Reviews an event the caller attended: a confirmed booking of it, and the event has ended. One review per user per event; rating 1 to 5; content plain text, 1 to 4000 characters, stored as given. The review is active at once, or pending until an admin moderates it when moderation is on (setting review_moderation). Errors: 28000, P0002 (event), RVRAT, RVLEN, RVCTL, 55000 (event canceled), RVEND (not ended yet), RVNBK (no confirmed booking), RVDUP (already reviewed).';

create function app_public.update_review(id uuid, rating integer default null, content text default null)
  returns app_public.review
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_old app_public.review;
  v_new app_public.review;
begin
  -- "no key update": votes (which key-share lock the review) are not blocked by an edit.
  select * into v_old from app_public.review r where r.id = update_review.id for no key update;
  if not found or not app_hidden.review_is_visible(v_old) then
    raise exception 'review not found' using errcode = 'P0002';
  end if;
  if v_old.user_id <> v_user_id then
    raise exception 'only its author may change a review' using errcode = '42501';
  end if;
  v_new := v_old;
  v_new.rating := coalesce(update_review.rating, v_old.rating);
  v_new.content := coalesce(update_review.content, v_old.content);
  perform app_hidden.assert_review_valid(v_new.rating, v_new.content);
  if (v_new.rating, v_new.content) = (v_old.rating, v_old.content) then
    return v_old; -- nothing changed, nothing to announce
  end if;

  update app_public.review r set
    rating = v_new.rating,
    content = v_new.content,
    -- Back to moderation when it is on; a pending or rejected review always waits for an admin again.
    status = case when app_hidden.review_moderation_on() or v_old.status <> 'active' then 'pending' else 'active' end::app_public.review_status,
    edited_at = now()
  where r.id = v_old.id
  returning * into v_new;

  perform app_hidden.record_change(
    'review', v_new.id, 'ReviewUpdated', 'review.update', 'review',
    jsonb_build_object(
      'changes', app_hidden.jsonb_changes(
        jsonb_build_object('rating', v_old.rating, 'content', v_old.content, 'status', v_old.status),
        jsonb_build_object('rating', v_new.rating, 'content', v_new.content, 'status', v_new.status)
      ),
      'review', app_hidden.review_data(v_new)
    )
  );
  return v_new;
end;
$$;
comment on function app_public.update_review(uuid, integer, text) is
  E'Changes the rating and/or text of the caller''s own review (null leaves a field unchanged). With moderation on, or when the review was pending or rejected, it goes (back) to pending; otherwise it stays active. A call that changes nothing writes nothing. Errors: 28000, P0002, 42501 (not the author), RVRAT, RVLEN, RVCTL.';

create function app_public.delete_review(id uuid) returns app_public.review
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_review app_public.review;
begin
  select * into v_review from app_public.review r where r.id = delete_review.id for update;
  if not found or not app_hidden.review_is_visible(v_review) then
    raise exception 'review not found' using errcode = 'P0002';
  end if;
  if v_review.user_id <> v_user_id and not app_public.has_role('admin') then
    raise exception 'only its author or an admin may delete a review' using errcode = '42501';
  end if;

  delete from app_public.review r where r.id = v_review.id; -- its votes go with it

  perform app_hidden.record_change(
    'review', v_review.id, 'ReviewDeleted', 'review.delete', 'review',
    jsonb_build_object('deletedBy', v_user_id, 'review', app_hidden.review_data(v_review))
  );
  return v_review;
end;
$$;
comment on function app_public.delete_review(uuid) is
  E'Deletes a review (its author, or an admin) with its helpful votes, and returns it as it was. The author may review the event again afterwards. Errors: 28000, P0002, 42501.';

--------------------------------------------------------------------------------
-- Use case: moderate
--------------------------------------------------------------------------------

create function app_public.moderate_review(id uuid, status app_public.review_status, note text default null)
  returns app_public.review
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_note text := app_hidden.clean_text(moderate_review.note);
  v_old app_public.review;
  v_new app_public.review;
begin
  if not app_public.has_role('admin') then
    raise exception 'only admins may moderate reviews' using errcode = '42501';
  end if;
  select * into v_old from app_public.review r where r.id = moderate_review.id for no key update;
  if not found then
    raise exception 'review not found' using errcode = 'P0002';
  end if;
  if moderate_review.status is null or moderate_review.status = 'pending' then
    raise exception 'status must be active or rejected' using errcode = '22023', column = 'status';
  end if;
  if char_length(v_note) > 1000 then
    raise exception 'note must be at most 1000 characters long' using errcode = '22023', column = 'note';
  end if;
  if v_note ~ '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]' then
    raise exception 'note must not contain control characters (only tab, line feed and carriage return are allowed)'
      using errcode = 'RVCTL', column = 'note';
  end if;
  if v_old.status = moderate_review.status and v_old.moderation_note is not distinct from v_note then
    return v_old; -- the same decision again: nothing to record
  end if;

  update app_public.review r
  set status = moderate_review.status, moderated_by = v_user_id, moderated_at = now(), moderation_note = v_note
  where r.id = v_old.id
  returning * into v_new;

  perform app_hidden.record_change(
    'review', v_new.id, 'ReviewModerated', 'review.moderate', 'review',
    jsonb_build_object('fromStatus', v_old.status, 'review', app_hidden.review_data(v_new))
  );
  return v_new;
end;
$$;
comment on function app_public.moderate_review(uuid, app_public.review_status, text) is
  E'An admin makes a review active (public) or rejected (hidden from everyone but its author and admins, at once), with an optional note for the author (up to 1000 characters); who and when are recorded on the review. The same decision again returns it unchanged. Errors: 28000, 42501 (not an admin), P0002, 22023 (status pending or null, note too long), RVCTL (control characters in the note).';

--------------------------------------------------------------------------------
-- Use cases: helpful votes
--------------------------------------------------------------------------------

create function app_public.mark_review_helpful(review_id uuid) returns app_public.review
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_review app_public.review;
  v_voted boolean;
begin
  select * into v_review from app_public.review r where r.id = mark_review_helpful.review_id;
  if not found or not app_hidden.review_is_visible(v_review) then
    raise exception 'review not found' using errcode = 'P0002';
  end if;
  if v_review.user_id = v_user_id then
    raise exception 'you cannot mark your own review helpful' using errcode = 'RVOWN';
  end if;
  if v_review.status <> 'active' then
    raise exception 'only active reviews can be marked helpful; this one is %', v_review.status
      using errcode = '55000', column = 'status';
  end if;

  -- The count trigger adds 1 under the review's row lock; a second vote of
  -- the same user (even concurrent) inserts nothing and changes nothing.
  insert into app_public.review_helpful_vote as v (review_id, user_id)
  values (v_review.id, v_user_id)
  on conflict on constraint review_helpful_vote_pkey do nothing
  returning true into v_voted;

  select * into v_review from app_public.review r where r.id = v_review.id;
  if v_voted then
    perform app_hidden.record_change(
      'review', v_review.id, 'ReviewMarkedHelpful', 'review.mark_helpful', 'review_helpful_vote',
      jsonb_build_object('reviewId', v_review.id, 'eventId', v_review.event_id, 'userId', v_user_id, 'helpfulCount', v_review.helpful_count),
      format('(%s,%s)', v_review.id, v_user_id)
    );
  end if;
  return v_review;
end;
$$;
comment on function app_public.mark_review_helpful(uuid) is
  E'The caller marks an active review helpful (one vote per user; marking it again changes nothing) and gets the review with its new helpful_count. Errors: 28000, P0002, RVOWN (own review), 55000 (not active).';

create function app_public.unmark_review_helpful(review_id uuid) returns app_public.review
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_review app_public.review;
begin
  select * into v_review from app_public.review r where r.id = unmark_review_helpful.review_id;
  if not found or not app_hidden.review_is_visible(v_review) then
    raise exception 'review not found' using errcode = 'P0002';
  end if;

  delete from app_public.review_helpful_vote v
  where v.review_id = v_review.id and v.user_id = v_user_id;
  if not found then
    return v_review; -- no vote to take back
  end if;

  select * into v_review from app_public.review r where r.id = v_review.id;
  perform app_hidden.record_change(
    'review', v_review.id, 'ReviewUnmarkedHelpful', 'review.unmark_helpful', 'review_helpful_vote',
    jsonb_build_object('reviewId', v_review.id, 'eventId', v_review.event_id, 'userId', v_user_id, 'helpfulCount', v_review.helpful_count),
    format('(%s,%s)', v_review.id, v_user_id)
  );
  return v_review;
end;
$$;
comment on function app_public.unmark_review_helpful(uuid) is
  E'The caller takes back their helpful vote on a review and gets the review with its new helpful_count; without a vote it returns the review unchanged. Errors: 28000, P0002.';

--------------------------------------------------------------------------------
-- Reading: lists, rating summary, computed columns
--------------------------------------------------------------------------------

create function app_public.search_reviews(
  event_id uuid default null,
  status app_public.review_status default 'active',
  sort app_public.review_sort default 'newest',
  only_mine boolean default false
) returns setof app_public.review
  language plpgsql stable
as $$
begin
  -- Visibility is RLS's business (this function runs as the caller): the
  -- public gets active reviews only, authors also their own, admins all.
  -- Each order is total (ties broken by id), so pages never overlap.
  if coalesce(search_reviews.sort, 'newest') = 'newest' then
    return query
      select r.* from app_public.review r
      where (search_reviews.event_id is null or r.event_id = search_reviews.event_id)
        and (search_reviews.status is null or r.status = search_reviews.status)
        and (not coalesce(search_reviews.only_mine, false) or r.user_id = app_public.current_user_id())
      order by r.created_at desc, r.id desc;
  elsif search_reviews.sort = 'oldest' then
    return query
      select r.* from app_public.review r
      where (search_reviews.event_id is null or r.event_id = search_reviews.event_id)
        and (search_reviews.status is null or r.status = search_reviews.status)
        and (not coalesce(search_reviews.only_mine, false) or r.user_id = app_public.current_user_id())
      order by r.created_at, r.id;
  else
    return query
      select r.* from app_public.review r
      where (search_reviews.event_id is null or r.event_id = search_reviews.event_id)
        and (search_reviews.status is null or r.status = search_reviews.status)
        and (not coalesce(search_reviews.only_mine, false) or r.user_id = app_public.current_user_id())
      order by r.helpful_count desc, r.created_at desc, r.id desc;
  end if;
end;
$$;
comment on function app_public.search_reviews(uuid, app_public.review_status, app_public.review_sort, boolean) is
  E'Reviews the caller may see, paged by the client. event_id: of one event (null: all events). status: active by default; pending or rejected show the caller''s own ones (admins: everyone''s, the moderation queue); null: every status the caller may see. sort: newest (default), oldest, or most_helpful (then newest). only_mine: the caller''s own reviews only.';

create function app_public.event_rating_summary(e app_public.event) returns app_public.rating_summary
  language sql stable
as $$
  select
    round(avg(r.rating), 2)::double precision,
    count(*)::integer,
    count(*) filter (where r.rating = 1)::integer,
    count(*) filter (where r.rating = 2)::integer,
    count(*) filter (where r.rating = 3)::integer,
    count(*) filter (where r.rating = 4)::integer,
    count(*) filter (where r.rating = 5)::integer
  from app_public.review r
  where r.event_id = e.id and r.status = 'active';
$$;
comment on function app_public.event_rating_summary(app_public.event) is
  E'Rating summary of the event''s active reviews: average (null without reviews), count, and count per star. The same for every caller.';

create function app_public.event_my_review(e app_public.event) returns app_public.review
  language sql stable
as $$
  select r.* from app_public.review r
  where r.event_id = e.id and r.user_id = app_public.current_user_id();
$$;
comment on function app_public.event_my_review(app_public.event) is
  E'The caller''s own review of this event in any status (pending, active, rejected), if any.';

create function app_public.review_is_marked_helpful(r app_public.review) returns boolean
  language sql stable
as $$
  select exists (
    select from app_public.review_helpful_vote v
    where v.review_id = r.id and v.user_id = app_public.current_user_id()
  );
$$;
comment on function app_public.review_is_marked_helpful(app_public.review) is
  E'Whether the caller has marked this review helpful (false for anonymous callers).';

--------------------------------------------------------------------------------
-- Execute grants
--------------------------------------------------------------------------------

-- Write functions start with app_hidden.assert_signed_in(): an anonymous
-- caller gets 28000, not "permission denied for function".
grant execute on function
  app_public.create_review(uuid, integer, text),
  app_public.update_review(uuid, integer, text),
  app_public.delete_review(uuid),
  app_public.moderate_review(uuid, app_public.review_status, text),
  app_public.mark_review_helpful(uuid),
  app_public.unmark_review_helpful(uuid),
  app_public.search_reviews(uuid, app_public.review_status, app_public.review_sort, boolean),
  app_public.event_rating_summary(app_public.event),
  app_public.event_my_review(app_public.event),
  app_public.review_is_marked_helpful(app_public.review)
to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;

-- Not granted (owner only): review_data, review_is_visible,
-- assert_review_valid, review_moderation_on; they run inside the
-- security-definer functions.
