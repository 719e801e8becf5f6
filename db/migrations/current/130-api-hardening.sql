--! api-hardening (#13): one rule for the user-visible text of every table.
--
-- Review texts refused control characters (review_content_control_check,
-- RVCTL) while event titles, descriptions, location names, tier names,
-- cancel reasons… took BEL, ESC, DEL, C1 controls, bidi overrides (U+202E
-- turns "gpj.exe" into "exe.jpg" on screen) and zero-width characters
-- (two titles that look the same but differ). Now ONE immutable function
-- decides what text may hold, and every user-visible text column calls it in
-- a CHECK constraint: the function states the rule once, constraints hold
-- for every writer (SQL functions, psql, future code), and no column changes
-- type (other migrations build generated columns and views on them).
--
-- Refused, in every such column:
--   C0 controls U+0001–U+001F (NUL cannot be stored at all: 22021), except
--     tab, line feed and carriage return in multi-line texts (descriptions,
--     review texts, reasons, notes); single-line texts (titles, names,
--     codes) refuse those too;
--   DEL U+007F and the C1 controls U+0080–U+009F;
--   bidi embeddings/overrides U+202A–U+202E and isolates U+2066–U+2069;
--   zero-width space U+200B, word joiner and invisible operators
--     U+2060–U+2064, zero-width no-break space / BOM U+FEFF.
-- Allowed on purpose: ZWNJ/ZWJ (U+200C/U+200D: needed by emoji sequences and
-- by Persian and Indic scripts) and the LRM/RLM marks (U+200E/U+200F: needed
-- to write mixed right-to-left text correctly; they cannot reorder text the
-- way overrides do).
--
-- Existing rows: a database that already holds such characters must still
-- migrate, and a NOT VALID constraint would leave old rows that every later
-- UPDATE of the row (publishing, completing by the worker…) trips over. So
-- the rows that break the rule are CLEANED first — the forbidden characters
-- removed, and in single-line texts tab/line breaks become a space — with
-- the tables' triggers off for that statement only (it is a repair, not a
-- business change: no audit row, no outbox message, no state-machine check),
-- and then each constraint is added VALIDATED. On a clean database (every
-- database created from these migrations) nothing is updated. The cleaning
-- is reported with RAISE NOTICE (table, column, rows).

create or replace function app_hidden.text_violation(value text, multiline boolean)
  returns text
  language sql immutable parallel safe
  set search_path to pg_catalog
as $$
  select substring(
    value from case
      when multiline then '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]'
      else '[\u0001-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]'
    end)
$$;

comment on function app_hidden.text_violation(text, boolean) is
  E'The first character of the text that user-visible text may not hold (control characters except tab/line breaks in multi-line text, DEL, C1, bidi overrides/isolates, zero-width space/joiner/BOM), or null when there is none. The one statement of the rule: assert_clean_text and the migration''s repair use it.';

create or replace function app_hidden.assert_clean_text(value text, field text, multiline boolean)
  returns boolean
  language plpgsql immutable parallel safe
  set search_path to pg_catalog
as $$
declare
  v_bad text := app_hidden.text_violation(value, multiline);
begin
  if v_bad is not null then
    raise exception '% contains a character that is not allowed: U+%', field, upper(lpad(to_hex(ascii(v_bad)), 4, '0'))
      using errcode = 'TXCHR', column = field,
            hint = case when multiline
              then 'Remove control characters (tab and line breaks are fine), bidi overrides/isolates and zero-width characters.'
              else 'Remove control characters (including tab and line breaks), bidi overrides/isolates and zero-width characters.'
            end;
  end if;
  return true;
end;
$$;

comment on function app_hidden.assert_clean_text(text, text, boolean) is
  E'CHECK constraint body for user-visible text: true, or raises TXCHR naming the column (field) and the character (U+XXXX). Immutable: depends on the value only.';

-- A CHECK runs its function as the writing role: members write through
-- SECURITY DEFINER functions today, but a grant keeps direct writes (psql as
-- a member, future tables) answering TXCHR rather than "permission denied".
grant execute on function app_hidden.text_violation(text, boolean) to aquastream_member;
grant execute on function app_hidden.assert_clean_text(text, text, boolean) to aquastream_member;

do $$
declare
  -- table, column, multi-line
  v_columns constant text[][] := array[
    ['event', 'title', 'false'],
    ['event', 'description', 'true'],
    ['event', 'location_name', 'false'],
    ['event', 'cancel_reason', 'true'],
    ['event_category', 'name', 'false'],
    ['event_category', 'description', 'true'],
    ['event_price_tier', 'name', 'false'],
    ['booking', 'cancel_reason', 'true'],
    ['refund', 'reason', 'true'],
    ['review', 'content', 'true'],
    ['review', 'moderation_note', 'true'],
    ['promo_code', 'code', 'false'],
    ['payment', 'error_message', 'true']
  ];
  v_table text;
  v_column text;
  v_multiline boolean;
  v_constraint text;
  v_dirty bigint;
  v_pattern text;
begin
  for i in 1 .. array_length(v_columns, 1) loop
    v_table := v_columns[i][1];
    v_column := v_columns[i][2];
    v_multiline := v_columns[i][3]::boolean;
    v_constraint := format('%s_%s_text_check', v_table, v_column);
    continue when exists (
      select from pg_constraint
      where conname = v_constraint and conrelid = format('app_public.%I', v_table)::regclass
    );

    execute format('select count(*) from app_public.%I where app_hidden.text_violation(%I::text, %L) is not null',
                   v_table, v_column, v_multiline)
      into v_dirty;
    if v_dirty > 0 then
      -- Repair (see the header): drop the forbidden characters, single-line breaks become spaces.
      v_pattern := '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]';
      execute format('alter table app_public.%I disable trigger user', v_table);
      execute format(
        'update app_public.%1$I set %2$I = regexp_replace(%3$s, %4$L, '''', ''g'')
          where app_hidden.text_violation(%2$I::text, %5$L) is not null',
        v_table, v_column,
        case when v_multiline then format('%I::text', v_column)
             else format('regexp_replace(%I::text, ''[\t\n\r]'', '' '', ''g'')', v_column) end,
        v_pattern, v_multiline);
      execute format('alter table app_public.%I enable trigger user', v_table);
      raise notice 'text hygiene: cleaned % row(s) of app_public.%.%', v_dirty, v_table, v_column;
    end if;

    execute format('alter table app_public.%I add constraint %I check (app_hidden.assert_clean_text(%I::text, %L, %L))',
                   v_table, v_constraint, v_column, v_column, v_multiline);
    execute format('comment on constraint %I on app_public.%I is %L', v_constraint, v_table,
                   format('User-visible text rule (app_hidden.assert_clean_text, %s): TXCHR.',
                          case when v_multiline then 'multi-line' else 'single-line' end));
  end loop;
end;
$$;

-- Promo code lookups by text (promoCodeByEventIdAndCode, allPromoCodes with
-- condition { code }) compare as citext, an extension type in schema public:
-- a client role without USAGE on public got "type citext does not exist",
-- answered INTERNAL, and legitimate organizers could not look their codes
-- up. db/afterReset.sql grants it on bootstrap; this repeats it for
-- databases bootstrapped before that (idempotent). Only where the migrating
-- role may grant it (the database owner owns public from PostgreSQL 15 on);
-- otherwise a DBA runs `npm run db:bootstrap`.
do $$
begin
  if has_schema_privilege(current_user, 'public', 'USAGE WITH GRANT OPTION') then
    grant usage on schema public to aquastream_anonymous, aquastream_member;
  else
    raise notice 'api-hardening: cannot grant USAGE on schema public (citext lookups need it): run npm run db:bootstrap';
  end if;
end;
$$;
