--! Previous: sha1:8dd1eded24d971ff72549ca18c1928dedb8d9460
--! Hash: sha1:0c506cdc87eb14d8fea05ec674c40f4886671927
--! Message: reviews: votes wait for a deletion under way; invisible spaces are blank

/*
 * Reviews, two refinements of migration 4:
 *
 *   - mark_review_helpful reads the review FOR KEY SHARE. Before, a vote that
 *     read the review while its deletion was under way waited only at the
 *     foreign-key check and then failed with a raw 23503; now it waits for
 *     the deletion at its first read and answers P0002 "review not found"
 *     like any vote on a missing review. The lock does not conflict with the
 *     count update of other votes, edits or moderation (all "no key
 *     update"), so votes still do not queue behind each other before the
 *     count (review_races.test.ts).
 *   - "Blank" content includes invisible Unicode spaces: a review of only
 *     no-break spaces, ideographic spaces or zero-width spaces (U+00A0,
 *     U+1680, U+2000–U+200B, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF)
 *     is refused with RVLEN like one of ASCII white space. Rows that are
 *     already stored are not rechecked (the constraint is added NOT VALID
 *     and then validated only when nothing violates it).
 *
 * Idempotent.
 */

--------------------------------------------------------------------------------
-- Blank content, in the table and in the validation
--------------------------------------------------------------------------------

alter table app_public.review drop constraint if exists review_content_check;
alter table app_public.review add constraint review_content_check check (
  char_length(content) between 1 and 4000
  and content ~ '[^\s\u00A0\u1680\u2000-\u200B\u2028\u2029\u202F\u205F\u3000\uFEFF]'
) not valid;
do $$
begin
  -- Validate when the existing rows allow it (they always do on a fresh database).
  if not exists (
    select from app_public.review r
    where not (char_length(r.content) between 1 and 4000
               and r.content ~ '[^\s\u00A0\u1680\u2000-\u200B\u2028\u2029\u202F\u205F\u3000\uFEFF]')
  ) then
    alter table app_public.review validate constraint review_content_check;
  end if;
end;
$$;

create or replace function app_hidden.assert_review_valid(rating integer, content text) returns void
  language plpgsql immutable
as $$
begin
  if rating is null or rating not between 1 and 5 then
    raise exception 'rating must be a whole number from 1 to 5'
      using errcode = 'RVRAT', column = 'rating';
  end if;
  -- Blank: nothing but white space, visible or not (no-break, ideographic, zero-width spaces).
  if content is null or content !~ '[^\s\u00A0\u1680\u2000-\u200B\u2028\u2029\u202F\u205F\u3000\uFEFF]' then
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
  E'Validates a review''s rating (RVRAT) and text (RVLEN: blank, also when only invisible spaces, or over 4000 characters; RVCTL: control characters).';

--------------------------------------------------------------------------------
-- A vote waits for a deletion under way
--------------------------------------------------------------------------------

create or replace function app_public.mark_review_helpful(review_id uuid) returns app_public.review
  language plpgsql volatile security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_review app_public.review;
  v_voted boolean;
begin
  -- "key share": waits for a deletion under way (then finds nothing: P0002),
  -- not for other votes, edits or moderation.
  select * into v_review from app_public.review r where r.id = mark_review_helpful.review_id for key share;
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
  E'The caller marks an active review helpful (one vote per user; marking it again changes nothing) and gets the review with its new helpful_count. A vote arriving while the review is being deleted waits and answers P0002. Errors: 28000, P0002, RVOWN (own review), 55000 (not active).';
