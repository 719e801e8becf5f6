--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: app_analytics; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA app_analytics;


--
-- Name: SCHEMA app_analytics; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA app_analytics IS 'Aggregate views for analysts (role aquastream_analyst): bookings, revenue, refunds, occupancy and conversion per event, organizer and day. No personal data: organizers appear as a pseudonym, users not at all. The views run with the owner''s rights over the whole data set, so they are granted to analysts only.';


--
-- Name: app_archive; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA app_archive;


--
-- Name: SCHEMA app_archive; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA app_archive IS 'Audit months moved out of app_private.audit_log by retention (tables audit_log_YYYY_MM), kept until a DBA dumps and drops them (docs/data-retention.md). Nothing in the service reads them.';


--
-- Name: app_hidden; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA app_hidden;


--
-- Name: SCHEMA app_hidden; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA app_hidden IS 'Helpers the API functions (and the worker) use; callable in SQL where granted, never exposed to GraphQL.';


--
-- Name: app_private; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA app_private;


--
-- Name: SCHEMA app_private; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA app_private IS 'Audit log, outbox and trigger functions. Clients (anonymous, member) have no access at all.';


--
-- Name: app_public; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA app_public;


--
-- Name: SCHEMA app_public; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA app_public IS 'The Aquastream event service API: exposed as GraphQL by PostGraphile, callable over gRPC and psql alike.';


--
-- Name: btree_gist; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;


--
-- Name: EXTENSION btree_gist; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION btree_gist IS 'support for indexing common datatypes in GiST';


--
-- Name: citext; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;


--
-- Name: EXTENSION citext; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION citext IS 'data type for case-insensitive character strings';


--
-- Name: cube; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA public;


--
-- Name: EXTENSION cube; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION cube IS 'data type for multidimensional cubes';


--
-- Name: earthdistance; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS earthdistance WITH SCHEMA public;


--
-- Name: EXTENSION earthdistance; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION earthdistance IS 'calculate great-circle distances on the surface of the Earth';


--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;


--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';


--
-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;


--
-- Name: EXTENSION pgcrypto; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';


--
-- Name: unaccent; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;


--
-- Name: EXTENSION unaccent; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION unaccent IS 'text search dictionary that removes accents';


--
-- Name: booking_quote; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.booking_quote AS (
	event_id uuid,
	price_tier_id uuid,
	quantity integer,
	unit_price numeric(12,2),
	subtotal numeric(12,2),
	discount_amount numeric(12,2),
	total_amount numeric(12,2),
	currency character(3),
	promo_code_id uuid,
	payment_deadline timestamp with time zone
);


--
-- Name: TYPE booking_quote; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.booking_quote IS 'What a booking would cost now (quote_booking); create_booking computes exactly the same.';


--
-- Name: COLUMN booking_quote.event_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking_quote.event_id IS 'The event.';


--
-- Name: COLUMN booking_quote.price_tier_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking_quote.price_tier_id IS 'The price tier.';


--
-- Name: COLUMN booking_quote.quantity; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking_quote.quantity IS 'Seats.';


--
-- Name: COLUMN booking_quote.unit_price; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking_quote.unit_price IS 'Tier price per seat.';


--
-- Name: COLUMN booking_quote.subtotal; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking_quote.subtotal IS 'unit_price × quantity.';


--
-- Name: COLUMN booking_quote.discount_amount; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking_quote.discount_amount IS 'Promo discount, between 0 and the subtotal.';


--
-- Name: COLUMN booking_quote.total_amount; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking_quote.total_amount IS 'subtotal − discount_amount: what is to be paid (0 means the booking is confirmed at once).';


--
-- Name: COLUMN booking_quote.currency; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking_quote.currency IS 'ISO 4217 currency of all amounts (the tier''s).';


--
-- Name: COLUMN booking_quote.promo_code_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking_quote.promo_code_id IS 'The promo code applied, if any.';


--
-- Name: COLUMN booking_quote.payment_deadline; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking_quote.payment_deadline IS 'When a booking made now would expire unpaid.';


--
-- Name: booking_status; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.booking_status AS ENUM (
    'pending_payment',
    'confirmed',
    'canceled',
    'expired'
);


--
-- Name: TYPE booking_status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.booking_status IS 'Life cycle of a booking: pending_payment → confirmed | canceled | expired, confirmed → canceled. pending_payment and confirmed are "live": they hold seats.';


--
-- Name: check_in_result; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.check_in_result AS (
	ticket_id uuid,
	event_id uuid,
	code text,
	seat_no integer,
	outcome text,
	checked_in_at timestamp with time zone,
	checked_in_by uuid,
	checked_in_device text,
	error_code text,
	error_message text,
	scanned_at timestamp with time zone,
	device text
);


--
-- Name: TYPE check_in_result; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.check_in_result IS 'The answer to one scan.';


--
-- Name: COLUMN check_in_result.ticket_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.check_in_result.ticket_id IS 'The ticket scanned (null when the code matched none).';


--
-- Name: COLUMN check_in_result.event_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.check_in_result.event_id IS 'Its event.';


--
-- Name: COLUMN check_in_result.code; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.check_in_result.code IS 'Its code (normalized: upper case, no spaces or dashes).';


--
-- Name: COLUMN check_in_result.seat_no; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.check_in_result.seat_no IS 'Which seat of its booking.';


--
-- Name: COLUMN check_in_result.outcome; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.check_in_result.outcome IS 'checked_in (this scan admitted the person), already_checked_in (an earlier scan did, on this device or online), conflict (an offline scan on another device did: the person was admitted once), refused (see error_code; batches only, single scans raise it).';


--
-- Name: COLUMN check_in_result.checked_in_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.check_in_result.checked_in_at IS 'When the ticket was checked in (by this scan or the earlier one).';


--
-- Name: COLUMN check_in_result.checked_in_by; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.check_in_result.checked_in_by IS 'Who checked it in.';


--
-- Name: COLUMN check_in_result.checked_in_device; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.check_in_result.checked_in_device IS 'The offline device that checked it in, if any.';


--
-- Name: COLUMN check_in_result.error_code; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.check_in_result.error_code IS 'For refused scans of a batch: the SQLSTATE a single scan would raise (TKNOT, TKVOD, TKCAN, TKORG, …).';


--
-- Name: COLUMN check_in_result.error_message; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.check_in_result.error_message IS 'For refused scans: the message.';


--
-- Name: COLUMN check_in_result.scanned_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.check_in_result.scanned_at IS 'For batch scans: when the device scanned it.';


--
-- Name: COLUMN check_in_result.device; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.check_in_result.device IS 'For batch scans: the device that scanned it.';


--
-- Name: crew_status; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.crew_status AS ENUM (
    'not_required',
    'pending',
    'assigned',
    'failed'
);


--
-- Name: TYPE crew_status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.crew_status IS 'Crew assignment by the crew service: not_required, pending (asked, waiting), assigned (crew_id set), failed (gave up after retries).';


--
-- Name: discount_kind; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.discount_kind AS ENUM (
    'percent',
    'fixed'
);


--
-- Name: TYPE discount_kind; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.discount_kind IS 'How a promo code discounts: a percentage of the booking''s subtotal, or a fixed amount in one currency.';


--
-- Name: event_sort; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.event_sort AS ENUM (
    'relevance',
    'start',
    'price',
    'price_desc',
    'distance',
    'rating',
    'popularity'
);


--
-- Name: TYPE event_sort; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.event_sort IS 'Orders of search_events: relevance (best text match first; the default with a query), start (soonest first; the default otherwise), price / price_desc (cheapest tier), distance (nearest first; needs a point), rating (best average first), popularity (most seats taken first). Ties: by id.';


--
-- Name: event_status; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.event_status AS ENUM (
    'draft',
    'published',
    'completed',
    'canceled'
);


--
-- Name: TYPE event_status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.event_status IS 'Life cycle of an event: draft → published → completed | canceled (a draft may also be canceled).';


--
-- Name: payment_method; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.payment_method AS ENUM (
    'card',
    'sbp',
    'bank_transfer'
);


--
-- Name: TYPE payment_method; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.payment_method IS 'How the participant pays at the gateway: card, sbp (Russian faster payments system), bank_transfer.';


--
-- Name: payment_status; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.payment_status AS ENUM (
    'pending',
    'completed',
    'failed',
    'refunded',
    'partially_refunded'
);


--
-- Name: TYPE payment_status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.payment_status IS 'Life cycle of a payment: pending → completed | failed; completed → partially_refunded → refunded (or completed → refunded at once).';


--
-- Name: price_tier_input; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.price_tier_input AS (
	name text,
	price numeric,
	currency text,
	quota integer
);


--
-- Name: TYPE price_tier_input; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.price_tier_input IS 'A price tier given to create_event.';


--
-- Name: COLUMN price_tier_input.name; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.price_tier_input.name IS 'Tier name, 1 to 100 characters, unique within the event (e.g. "Adult", "Child").';


--
-- Name: COLUMN price_tier_input.price; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.price_tier_input.price IS 'Price per seat, ≥ 0, at most two decimals.';


--
-- Name: COLUMN price_tier_input.currency; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.price_tier_input.currency IS 'ISO 4217 currency code, e.g. EUR; all tiers of an event share one currency.';


--
-- Name: COLUMN price_tier_input.quota; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.price_tier_input.quota IS 'Optional number of seats this tier may sell (1 to the event capacity); null means no own limit.';


--
-- Name: rating_summary; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.rating_summary AS (
	average double precision,
	count integer,
	one_star integer,
	two_stars integer,
	three_stars integer,
	four_stars integer,
	five_stars integer
);


--
-- Name: TYPE rating_summary; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.rating_summary IS 'The ratings of an event''s active reviews.';


--
-- Name: COLUMN rating_summary.average; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.rating_summary.average IS 'Mean rating (1 to 5), rounded to two decimals; null when there is no active review.';


--
-- Name: COLUMN rating_summary.count; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.rating_summary.count IS 'Active reviews.';


--
-- Name: COLUMN rating_summary.one_star; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.rating_summary.one_star IS 'Active reviews rated 1.';


--
-- Name: COLUMN rating_summary.two_stars; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.rating_summary.two_stars IS 'Active reviews rated 2.';


--
-- Name: COLUMN rating_summary.three_stars; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.rating_summary.three_stars IS 'Active reviews rated 3.';


--
-- Name: COLUMN rating_summary.four_stars; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.rating_summary.four_stars IS 'Active reviews rated 4.';


--
-- Name: COLUMN rating_summary.five_stars; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.rating_summary.five_stars IS 'Active reviews rated 5.';


--
-- Name: review_sort; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.review_sort AS ENUM (
    'newest',
    'oldest',
    'most_helpful'
);


--
-- Name: TYPE review_sort; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.review_sort IS 'Order of search_reviews: newest first, oldest first (the moderation queue), or most helpful votes first (then newest).';


--
-- Name: review_status; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.review_status AS ENUM (
    'pending',
    'active',
    'rejected'
);


--
-- Name: TYPE review_status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.review_status IS 'pending (waiting for moderation; seen by its author and admins), active (public), rejected (by an admin; seen by its author and admins).';


--
-- Name: ticket_scan_input; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.ticket_scan_input AS (
	code text,
	scanned_at timestamp with time zone,
	device text
);


--
-- Name: TYPE ticket_scan_input; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.ticket_scan_input IS 'One scan of an offline scanner.';


--
-- Name: COLUMN ticket_scan_input.code; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket_scan_input.code IS 'The scanned ticket code.';


--
-- Name: COLUMN ticket_scan_input.scanned_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket_scan_input.scanned_at IS 'When the device scanned it (not in the future).';


--
-- Name: COLUMN ticket_scan_input.device; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket_scan_input.device IS 'The scanner device''s id (letters, digits, . _ : -, up to 64).';


--
-- Name: ticket_status; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.ticket_status AS ENUM (
    'valid',
    'void'
);


--
-- Name: TYPE ticket_status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.ticket_status IS 'valid (admits one person) or void (canceled booking, or replaced by a reissue).';


--
-- Name: ticket_void_reason; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.ticket_void_reason AS ENUM (
    'booking_canceled',
    'reissued'
);


--
-- Name: TYPE ticket_void_reason; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.ticket_void_reason IS 'Why a ticket is void: its booking was canceled (or refunded and canceled), or it was replaced by reissue_tickets.';


--
-- Name: waitlist_end_reason; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.waitlist_end_reason AS ENUM (
    'event_canceled',
    'event_completed',
    'user_erased',
    'bookings_closed'
);


--
-- Name: TYPE waitlist_end_reason; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.waitlist_end_reason IS 'Why the list ended for an entry (status ended): event_canceled, event_completed, user_erased (the person''s data was erased), bookings_closed (the event''s booking deadline passed while it waited).';


--
-- Name: waitlist_policy; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.waitlist_policy AS ENUM (
    'list_first',
    'first_come'
);


--
-- Name: TYPE waitlist_policy; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.waitlist_policy IS 'Who gets seats freed on a sold-out event: list_first (the waiting list, at the commit of the transaction that freed them, before any direct booking can see them) or first_come (anyone booking at once; the waiting list is offered what is still free when the worker''s offer task runs, about once a minute).';


--
-- Name: waitlist_status; Type: TYPE; Schema: app_public; Owner: -
--

CREATE TYPE app_public.waitlist_status AS ENUM (
    'waiting',
    'offered',
    'accepted',
    'declined',
    'expired',
    'left',
    'ended'
);


--
-- Name: TYPE waitlist_status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TYPE app_public.waitlist_status IS 'Where a waiting-list entry stands: waiting (in line), offered (seats held for it until offer_expires_at), accepted (became a booking), declined, expired (the offer timed out), left (the user left the list), ended (the list ended for it: see end_reason).';


--
-- Name: analyze_stale_tables(integer); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.analyze_stale_tables(max_tables integer DEFAULT 5) RETURNS SETOF regclass
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_server_autovacuum boolean := current_setting('autovacuum')::boolean;
  v_threshold real := current_setting('autovacuum_analyze_threshold')::real;
  v_scale real := current_setting('autovacuum_analyze_scale_factor')::real;
  v_table regclass;
begin
  if max_tables is null or max_tables < 1 then
    raise exception 'max_tables must be at least 1' using errcode = '22023', column = 'max_tables';
  end if;
  for v_table in
    select s.relid::regclass
    from pg_stat_user_tables s
    join pg_class c on c.oid = s.relid
    where s.schemaname in ('app_public', 'app_private')
      and c.relkind = 'r'
      and not (v_server_autovacuum and coalesce(
        (select o.option_value::boolean
         from pg_options_to_table(c.reloptions) o
         where o.option_name = 'autovacuum_enabled'), true))
      and s.n_mod_since_analyze > v_threshold + v_scale * greatest(c.reltuples, 0)
    order by s.n_mod_since_analyze desc
    limit max_tables
  loop
    execute format('analyze %s', v_table);
    return next v_table;
  end loop;
end;
$$;


--
-- Name: FUNCTION analyze_stale_tables(max_tables integer); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.analyze_stale_tables(max_tables integer) IS 'Analyzes (at most max_tables of) the service''s tables that autovacuum does not look after (off for the server or the table) and that changed past the server''s autovacuum analyze threshold; returns them. Does nothing where autovacuum runs. Run every minute by the worker''s analyze_stale_tables task as the owner.';


--
-- Name: apply_retention(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.apply_retention() RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
declare
  v_keep_from date := date_trunc('month', now() - make_interval(months => app_hidden.setting_int('retention_audit_months', 24)))::date;
  v_part record;
  v_moved text[] := '{}';
  v_jobs integer;
  v_counters integer;
  v_bookings integer;
begin
  -- Partitions a year ahead, so no insert lands in the default partition even
  -- if this job stops running for months.
  perform app_hidden.ensure_audit_partition(date_trunc('month', now() + make_interval(months => m))::date)
    from generate_series(0, 12) m;

  -- Whole months before the kept window move out (detach + set schema: no row is copied).
  for v_part in
    select c.relname
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_namespace n on n.oid = c.relnamespace
    where i.inhparent = 'app_private.audit_log'::regclass
      and c.relname ~ '^audit_log_[0-9]{4}_[0-9]{2}$'
      and to_date(substr(c.relname, 11), 'YYYY_MM') < v_keep_from
    order by c.relname
  loop
    execute format('alter table app_private.audit_log detach partition app_private.%I', v_part.relname);
    if to_regclass(format('app_archive.%I', v_part.relname)) is not null then
      execute format('drop table app_archive.%I', v_part.relname); -- a re-run after a partial one
    end if;
    execute format('alter table app_private.%I set schema app_archive', v_part.relname);
    v_moved := v_moved || v_part.relname;
  end loop;

  delete from graphile_worker._private_jobs j
  where j.attempts >= j.max_attempts and j.locked_at is null
    and j.updated_at < now() - make_interval(days => app_hidden.setting_int('retention_failed_jobs_days', 30));
  get diagnostics v_jobs = row_count;

  -- Rate-limit windows that are over can never count again.
  delete from app_private.rate_limit_counter c
  where c.expire is not null and c.expire < (extract(epoch from now()) * 1000)::bigint; -- ms since the epoch
  get diagnostics v_counters = row_count;

  v_bookings := app_hidden.reduce_ended_bookings(
    now() - make_interval(days => app_hidden.setting_int('retention_booking_personal_days', 730)));

  return jsonb_build_object(
    'auditMonthsMoved', to_jsonb(v_moved),
    'failedJobsDeleted', v_jobs,
    'rateLimitCountersDeleted', v_counters,
    'bookingsReduced', v_bookings);
end;
$_$;


--
-- Name: FUNCTION apply_retention(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.apply_retention() IS 'The daily retention pass (cron task apply_retention): creates the next audit partitions, moves audit months older than retention_audit_months to app_archive, deletes jobs that ran out of attempts longer than retention_failed_jobs_days ago and rate-limit counters whose window is over, and reduces the personal fields of bookings that ended longer than retention_booking_personal_days ago. Idempotent; returns what it did. Owner only.';


--
-- Name: assert_clean_text(text, text, boolean); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.assert_clean_text(value text, field text, multiline boolean) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
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


--
-- Name: FUNCTION assert_clean_text(value text, field text, multiline boolean); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.assert_clean_text(value text, field text, multiline boolean) IS 'CHECK constraint body for user-visible text: true, or raises TXCHR naming the column (field) and the character (U+XXXX); null for null text (STRICT: not called at all). Immutable: depends on the value only.';


--
-- Name: hours_before(timestamp with time zone, integer); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.hours_before(at timestamp with time zone, hours integer) RETURNS timestamp with time zone
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  -- timestamptz - interval is only stable (a day or month depends on the zone);
  -- whole hours do not, so this is immutable and may feed a generated column.
  select to_timestamp(extract(epoch from at) - hours * 3600.0);
$$;


--
-- Name: FUNCTION hours_before(at timestamp with time zone, hours integer); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.hours_before(at timestamp with time zone, hours integer) IS 'The instant `hours` hours before `at` (time-zone independent).';


--
-- Name: is_time_zone(text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.is_time_zone(name text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $_$
begin
  -- IANA names only (Area/Location, or UTC): no abbreviations ("MSK"), no
  -- POSIX offsets ("UTC+3", whose sign is inverted), which PostgreSQL would accept.
  if name is null or name !~ '^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$' then
    return false;
  end if;
  perform pg_catalog.timezone(name, timestamptz '2000-01-01 00:00+00');
  return true;
exception when invalid_parameter_value then
  return false;
end;
$_$;


--
-- Name: FUNCTION is_time_zone(name text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.is_time_zone(name text) IS 'Whether a text is an IANA time zone name PostgreSQL knows (Europe/Moscow, Asia/Irkutsk, UTC). Immutable for the constraint; a tz database update does not retire names.';


--
-- Name: catalog_search; Type: TEXT SEARCH CONFIGURATION; Schema: app_hidden; Owner: -
--

CREATE TEXT SEARCH CONFIGURATION app_hidden.catalog_search (
    PARSER = pg_catalog."default" );

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR asciiword WITH english_stem;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR word WITH public.unaccent, russian_stem;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR numword WITH simple;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR email WITH simple;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR url WITH simple;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR host WITH simple;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR sfloat WITH simple;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR version WITH simple;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR hword_numpart WITH simple;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR hword_part WITH public.unaccent, russian_stem;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR hword_asciipart WITH english_stem;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR numhword WITH simple;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR asciihword WITH english_stem;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR hword WITH public.unaccent, russian_stem;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR url_path WITH simple;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR file WITH simple;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR "float" WITH simple;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR "int" WITH simple;

ALTER TEXT SEARCH CONFIGURATION app_hidden.catalog_search
    ADD MAPPING FOR uint WITH simple;


--
-- Name: TEXT SEARCH CONFIGURATION catalog_search; Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON TEXT SEARCH CONFIGURATION app_hidden.catalog_search IS 'Catalog full-text search: russian snowball (Cyrillic) and english snowball (ASCII words), ё = е via unaccent.';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: event; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.event (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    organizer_id uuid NOT NULL,
    title text NOT NULL,
    description text,
    category text NOT NULL,
    location_name text NOT NULL,
    latitude double precision,
    longitude double precision,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    capacity integer NOT NULL,
    booking_deadline_hours integer DEFAULT 0 NOT NULL,
    status app_public.event_status DEFAULT 'draft'::app_public.event_status NOT NULL,
    crew_required boolean DEFAULT false NOT NULL,
    crew_id uuid,
    crew_status app_public.crew_status DEFAULT 'not_required'::app_public.crew_status NOT NULL,
    cancel_reason text,
    canceled_at timestamp with time zone,
    canceled_by uuid,
    published_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    max_seats_per_booking integer,
    time_zone text DEFAULT 'Europe/Moscow'::text NOT NULL,
    starts_at_local timestamp without time zone GENERATED ALWAYS AS (timezone(time_zone, starts_at)) STORED,
    ends_at_local timestamp without time zone GENERATED ALWAYS AS (timezone(time_zone, ends_at)) STORED,
    starts_on date GENERATED ALWAYS AS ((timezone(time_zone, starts_at))::date) STORED,
    booking_closes_at timestamp with time zone GENERATED ALWAYS AS (app_hidden.hours_before(starts_at, booking_deadline_hours)) STORED,
    search_vector tsvector GENERATED ALWAYS AS (((setweight(to_tsvector('app_hidden.catalog_search'::regconfig, title), 'A'::"char") || setweight(to_tsvector('app_hidden.catalog_search'::regconfig, location_name), 'B'::"char")) || setweight(to_tsvector('app_hidden.catalog_search'::regconfig, COALESCE(description, ''::text)), 'C'::"char"))) STORED NOT NULL,
    waitlist_policy app_public.waitlist_policy DEFAULT 'list_first'::app_public.waitlist_policy NOT NULL,
    waitlist_paused_at timestamp with time zone,
    CONSTRAINT event_booking_deadline_hours_check CHECK (((booking_deadline_hours >= 0) AND (booking_deadline_hours <= 8760))),
    CONSTRAINT event_cancel_reason_check CHECK (((char_length(cancel_reason) >= 3) AND (char_length(cancel_reason) <= 1000))),
    CONSTRAINT event_cancel_reason_text_check CHECK (app_hidden.assert_clean_text(cancel_reason, 'cancel_reason'::text, true)),
    CONSTRAINT event_canceled_at_check CHECK ((((status = 'canceled'::app_public.event_status) = (canceled_at IS NOT NULL)) AND ((status = 'canceled'::app_public.event_status) = (cancel_reason IS NOT NULL)))),
    CONSTRAINT event_capacity_check CHECK (((capacity >= 1) AND (capacity <= 100000))),
    CONSTRAINT event_crew_id_check CHECK (((crew_id IS NOT NULL) = (crew_status = 'assigned'::app_public.crew_status))),
    CONSTRAINT event_crew_status_check CHECK ((crew_required = (crew_status <> 'not_required'::app_public.crew_status))),
    CONSTRAINT event_description_check CHECK (((char_length(description) >= 1) AND (char_length(description) <= 10000))),
    CONSTRAINT event_description_text_check CHECK (app_hidden.assert_clean_text(description, 'description'::text, true)),
    CONSTRAINT event_ends_at_check CHECK ((ends_at > starts_at)),
    CONSTRAINT event_ends_at_duration_check CHECK (((ends_at - starts_at) <= '30 days'::interval)),
    CONSTRAINT event_latitude_check CHECK (((latitude >= ('-90'::integer)::double precision) AND (latitude <= (90)::double precision))),
    CONSTRAINT event_latitude_longitude_check CHECK (((latitude IS NULL) = (longitude IS NULL))),
    CONSTRAINT event_location_name_check CHECK ((((char_length(location_name) >= 1) AND (char_length(location_name) <= 200)) AND (location_name !~ '^\s|\s$'::text))),
    CONSTRAINT event_location_name_text_check CHECK (app_hidden.assert_clean_text(location_name, 'location_name'::text, false)),
    CONSTRAINT event_longitude_check CHECK (((longitude >= ('-180'::integer)::double precision) AND (longitude <= (180)::double precision))),
    CONSTRAINT event_max_seats_per_booking_check CHECK (((max_seats_per_booking >= 1) AND (max_seats_per_booking <= 20))),
    CONSTRAINT event_published_at_check CHECK (((status <> ALL (ARRAY['published'::app_public.event_status, 'completed'::app_public.event_status])) OR (published_at IS NOT NULL))),
    CONSTRAINT event_time_zone_check CHECK (app_hidden.is_time_zone(time_zone)),
    CONSTRAINT event_title_check CHECK ((((char_length(title) >= 3) AND (char_length(title) <= 200)) AND (title !~ '^\s|\s$'::text))),
    CONSTRAINT event_title_text_check CHECK (app_hidden.assert_clean_text(title, 'title'::text, false))
);


--
-- Name: TABLE event; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.event IS '@behavior -insert -update -delete
A water-sports event organizers publish and people book. Changed only through the functions create_event, update_event, publish_event, cancel_event and the price-tier functions.';


--
-- Name: COLUMN event.id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.id IS 'Identifier of the event.';


--
-- Name: COLUMN event.organizer_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.organizer_id IS 'The organizer (Keycloak user id) who created the event and manages it.';


--
-- Name: COLUMN event.title; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.title IS 'Title, 3 to 200 characters.';


--
-- Name: COLUMN event.description; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.description IS 'Free text, up to 10000 characters.';


--
-- Name: COLUMN event.category; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.category IS 'The event_category id.';


--
-- Name: COLUMN event.location_name; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.location_name IS 'Where it takes place, 1 to 200 characters (e.g. "Chusovaya river, Ust-Utka").';


--
-- Name: COLUMN event.latitude; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.latitude IS 'Latitude of the meeting point in degrees (-90..90); given together with longitude or not at all.';


--
-- Name: COLUMN event.longitude; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.longitude IS 'Longitude of the meeting point in degrees (-180..180).';


--
-- Name: COLUMN event.starts_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.starts_at IS 'Start time.';


--
-- Name: COLUMN event.ends_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.ends_at IS 'End time: after starts_at, at most 30 days later.';


--
-- Name: COLUMN event.capacity; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.capacity IS 'Seats in total (1 to 100000).';


--
-- Name: COLUMN event.booking_deadline_hours; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.booking_deadline_hours IS 'Bookings close this many hours before starts_at (0 to 8760).';


--
-- Name: COLUMN event.status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.status IS 'draft (only its organizer and admins see it), published, completed (ended; set by a scheduled job) or canceled.';


--
-- Name: COLUMN event.crew_required; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.crew_required IS 'Whether the crew service must assign a crew.';


--
-- Name: COLUMN event.crew_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.crew_id IS 'The crew assigned by the crew service; the same crew is never on two overlapping live events.';


--
-- Name: COLUMN event.crew_status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.crew_status IS 'Progress of the crew assignment.';


--
-- Name: COLUMN event.cancel_reason; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.cancel_reason IS 'Why the event was canceled (3 to 1000 characters); set only when canceled.';


--
-- Name: COLUMN event.canceled_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.canceled_at IS 'When the event was canceled.';


--
-- Name: COLUMN event.canceled_by; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.canceled_by IS 'Who canceled it (Keycloak user id); null when the system did.';


--
-- Name: COLUMN event.published_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.published_at IS 'When the event was first published; stays set after completion or cancellation.';


--
-- Name: COLUMN event.created_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.created_at IS 'When the event was created.';


--
-- Name: COLUMN event.updated_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.updated_at IS 'When the event row last changed.';


--
-- Name: COLUMN event.max_seats_per_booking; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.max_seats_per_booking IS 'Most seats one booking may take; null: the operators'' default (setting booking_max_seats_default, 10).';


--
-- Name: COLUMN event.time_zone; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.time_zone IS 'IANA time zone of the event''s place (e.g. Asia/Irkutsk): its local times and "whole days" are in this zone. Set with set_event_time_zone.';


--
-- Name: COLUMN event.starts_at_local; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.starts_at_local IS 'Start as the local wall-clock time in the event''s time zone (no offset: see time_zone; startsAt is the instant).';


--
-- Name: COLUMN event.ends_at_local; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.ends_at_local IS 'End as the local wall-clock time in the event''s time zone.';


--
-- Name: COLUMN event.starts_on; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.starts_on IS 'The local calendar day the event starts on, in its time zone (what date filters compare).';


--
-- Name: COLUMN event.booking_closes_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.booking_closes_at IS 'When bookings close: booking_deadline_hours before starts_at.';


--
-- Name: COLUMN event.search_vector; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.search_vector IS '@behavior -*
Full-text document (russian/english stems, ё = е): title (A), location (B), description (C); used by search_events.';


--
-- Name: COLUMN event.waitlist_policy; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.waitlist_policy IS 'Who gets freed seats while the event is sold out: list_first (the waiting list first; the default) or first_come (direct bookings at once, the list gets what is left about a minute later). Set by set_waitlist_policy.';


--
-- Name: COLUMN event.waitlist_paused_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.waitlist_paused_at IS 'Since when the organizer paused waiting-list offers (pause_waitlist_offers); null: offers are made. Open offers stay valid while paused.';


--
-- Name: CONSTRAINT event_cancel_reason_text_check ON event; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT event_cancel_reason_text_check ON app_public.event IS 'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';


--
-- Name: CONSTRAINT event_description_text_check ON event; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT event_description_text_check ON app_public.event IS 'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';


--
-- Name: CONSTRAINT event_location_name_text_check ON event; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT event_location_name_text_check ON app_public.event IS 'User-visible text rule (app_hidden.assert_clean_text, single-line): TXCHR.';


--
-- Name: CONSTRAINT event_title_text_check ON event; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT event_title_text_check ON app_public.event IS 'User-visible text rule (app_hidden.assert_clean_text, single-line): TXCHR.';


--
-- Name: assert_booking_limits(app_public.event, uuid, integer); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.assert_booking_limits(e app_public.event, user_id uuid, quantity integer) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
declare
  v_max_seats integer;
  v_max_pending integer;
  v_max_pending_organizer integer;
  v_cooldown_after integer;
  v_window interval;
  v_cooldown interval;
  v_pending integer;
  v_pending_organizer integer;
  v_recent integer;
  v_last_end timestamptz;
begin
  -- All six settings in one read (the defaults when a row is missing).
  select
    coalesce(e.max_seats_per_booking, (max(s.value) filter (where s.key = 'booking_max_seats_default'))::integer, 10),
    coalesce((max(s.value) filter (where s.key = 'booking_max_pending_per_user'))::integer, 5),
    coalesce((max(s.value) filter (where s.key = 'booking_max_pending_per_organizer'))::integer, 3),
    coalesce((max(s.value) filter (where s.key = 'booking_cooldown_after'))::integer, 3),
    make_interval(mins => coalesce((max(s.value) filter (where s.key = 'booking_cooldown_window_minutes'))::integer, 60)),
    make_interval(mins => coalesce((max(s.value) filter (where s.key = 'booking_cooldown_minutes'))::integer, 30))
  into v_max_seats, v_max_pending, v_max_pending_organizer, v_cooldown_after, v_window, v_cooldown
  from app_private.setting s
  where s.key in ('booking_max_seats_default', 'booking_max_pending_per_user', 'booking_max_pending_per_organizer',
                  'booking_cooldown_after', 'booking_cooldown_window_minutes', 'booking_cooldown_minutes');

  if assert_booking_limits.quantity > v_max_seats then
    raise exception 'at most % seat(s) per booking for this event', v_max_seats
      using errcode = 'BKMAX', column = 'quantity', hint = 'Book fewer seats.';
  end if;

  -- Every count in one pass over the caller's own bookings: unpaid holds
  -- (those past their payment deadline are about to expire and do not count),
  -- overall and for this organizer, and for the cool-down the bookings of this
  -- event the user ended (canceled themselves) or let lapse lately; an
  -- organizer's cancellation does not count.
  --
  -- The WHERE names the user and nothing an index of other rows could serve:
  -- only booking_user_id_idx matches, whatever the statistics say. With the
  -- event's bookings in an OR beside it, a server that had not analyzed the
  -- table (autovacuum off, or a fresh database) planned a bitmap OR that read
  -- all of booking_event_id_user_id_key (every live booking of every event)
  -- plus every canceled or expired booking of the event: work growing with
  -- the whole table, on every booking. The event row is read for pending
  -- bookings only (their organizer).
  select
    count(*) filter (where b.status = 'pending_payment' and b.payment_deadline > now()),
    count(*) filter (where b.status = 'pending_payment' and b.payment_deadline > now() and pe.organizer_id = e.organizer_id),
    count(*) filter (where b.event_id = e.id and (
      (b.status = 'canceled' and b.canceled_by = assert_booking_limits.user_id and b.canceled_at > now() - v_window)
      or (b.status = 'expired' and b.expired_at > now() - v_window))),
    max(coalesce(b.canceled_at, b.expired_at)) filter (where b.event_id = e.id and (
      (b.status = 'canceled' and b.canceled_by = assert_booking_limits.user_id and b.canceled_at > now() - v_window)
      or (b.status = 'expired' and b.expired_at > now() - v_window)))
  into v_pending, v_pending_organizer, v_recent, v_last_end
  from app_public.booking b
  left join app_public.event pe on pe.id = b.event_id and b.status = 'pending_payment'
  where b.user_id = assert_booking_limits.user_id;

  if v_cooldown > interval '0' and v_recent >= v_cooldown_after and v_last_end + v_cooldown > now() then
    raise exception 'you canceled or let lapse % bookings of this event lately: you can book it again from %',
      v_recent, v_last_end + v_cooldown
      using errcode = 'BKCDN', hint = 'Wait for the cool-down to end.';
  end if;
  if v_pending >= v_max_pending then
    raise exception 'you already hold % unpaid booking(s), the most allowed at once', v_pending
      using errcode = 'BKPEN', hint = 'Pay or cancel one of them first.';
  end if;
  if v_pending_organizer >= v_max_pending_organizer then
    raise exception 'you already hold % unpaid booking(s) for this organizer''s events, the most allowed at once', v_pending_organizer
      using errcode = 'BKPOR', hint = 'Pay or cancel one of them first.';
  end if;
end;
$$;


--
-- Name: FUNCTION assert_booking_limits(e app_public.event, user_id uuid, quantity integer); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.assert_booking_limits(e app_public.event, user_id uuid, quantity integer) IS 'The anti-hoarding rules of a new booking, from app_private.setting (read once): BKMAX (seats per booking), BKCDN (cool-down after repeated cancel/lapse on the event), BKPEN (unpaid bookings overall), BKPOR (unpaid bookings for the organizer''s events), counted in one query over the caller''s own bookings (booking_user_id_idx, whatever the statistics). Reads only; create_booking serializes a user''s bookings first so the counts hold under concurrency.';


--
-- Name: assert_event_editable(app_public.event); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.assert_event_editable(e app_public.event) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  if e.status not in ('draft', 'published') then
    raise exception 'a % event can no longer be changed', e.status
      using errcode = '55000', column = 'status', hint = 'Only draft and published events can be changed.';
  end if;
end;
$$;


--
-- Name: FUNCTION assert_event_editable(e app_public.event); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.assert_event_editable(e app_public.event) IS 'Raises 55000 unless the event is draft or published.';


--
-- Name: assert_event_manager(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.assert_event_manager() RETURNS uuid
    LANGUAGE plpgsql STABLE
    AS $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
begin
  if not (app_public.has_role('organizer') or app_public.has_role('admin')) then
    raise exception 'only organizers and admins may manage events' using errcode = '42501';
  end if;
  return v_user_id;
end;
$$;


--
-- Name: FUNCTION assert_event_manager(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.assert_event_manager() IS 'Returns the caller''s id when they have the organizer or admin role; 28000 / 42501 otherwise.';


--
-- Name: assert_event_staff(app_public.event); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.assert_event_staff(e app_public.event) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if app_public.current_user_id() is null then
    raise exception 'sign in first' using errcode = '28000', hint = 'Send a bearer token.';
  end if;
  if not (e.organizer_id = app_public.current_user_id() or app_public.has_role('admin')) then
    raise exception 'only the organizer of this event or an admin may see its check-ins' using errcode = '42501';
  end if;
  return true;
end;
$$;


--
-- Name: FUNCTION assert_event_staff(e app_public.event); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.assert_event_staff(e app_public.event) IS 'True when the caller is the event''s organizer or an admin; 28000 / 42501 otherwise.';


--
-- Name: assert_event_valid(app_public.event); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.assert_event_valid(e app_public.event) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
begin
  if e.title is null or char_length(e.title) not between 3 and 200 then
    raise exception 'title must be 3 to 200 characters long'
      using errcode = '22023', column = 'title', hint = 'Give a title of 3 to 200 characters (white space at the ends is trimmed).';
  end if;
  if char_length(e.description) > 10000 then
    raise exception 'description must be at most 10000 characters long'
      using errcode = '22023', column = 'description';
  end if;
  if e.category is null then
    raise exception 'category is required' using errcode = '22023', column = 'category';
  end if;
  if not exists (select from app_public.event_category c where c.id = e.category) then
    raise exception 'unknown category "%"', e.category
      using errcode = '22023', column = 'category', hint = 'Use one of the event_category ids, e.g. rafting.';
  end if;
  if e.location_name is null or char_length(e.location_name) > 200 then
    raise exception 'location_name must be 1 to 200 characters long'
      using errcode = '22023', column = 'location_name';
  end if;
  if e.latitude not between -90 and 90 then
    raise exception 'latitude must be between -90 and 90' using errcode = '22023', column = 'latitude';
  end if;
  if e.longitude not between -180 and 180 then
    raise exception 'longitude must be between -180 and 180' using errcode = '22023', column = 'longitude';
  end if;
  if (e.latitude is null) <> (e.longitude is null) then
    raise exception 'latitude and longitude must be given together'
      using errcode = '22023', column = case when e.latitude is null then 'latitude' else 'longitude' end;
  end if;
  if e.starts_at is null then
    raise exception 'starts_at is required' using errcode = '22023', column = 'starts_at';
  end if;
  if e.ends_at is null then
    raise exception 'ends_at is required' using errcode = '22023', column = 'ends_at';
  end if;
  if e.ends_at <= e.starts_at then
    raise exception 'ends_at must be after starts_at'
      using errcode = 'EVDAT', column = 'ends_at';
  end if;
  if e.ends_at - e.starts_at > interval '30 days' then
    raise exception 'an event lasts at most 30 days'
      using errcode = 'EVDUR', column = 'ends_at';
  end if;
  if e.capacity is null or e.capacity not between 1 and 100000 then
    raise exception 'capacity must be between 1 and 100000' using errcode = '22023', column = 'capacity';
  end if;
  if e.booking_deadline_hours is null or e.booking_deadline_hours not between 0 and 8760 then
    raise exception 'booking_deadline_hours must be between 0 and 8760'
      using errcode = '22023', column = 'booking_deadline_hours';
  end if;
end;
$$;


--
-- Name: FUNCTION assert_event_valid(e app_public.event); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.assert_event_valid(e app_public.event) IS 'Validates an event row about to be written: 22023 (argument named in the message and `column`), EVDAT (ends before it starts), EVDUR (longer than 30 days).';


--
-- Name: assert_may_manage_user_data(uuid); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.assert_may_manage_user_data(user_id uuid) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if app_public.current_user_id() is null then
    raise exception 'sign in to manage personal data' using errcode = '28000';
  end if;
  if user_id is null then
    raise exception 'user_id is required' using errcode = '22023', column = 'user_id';
  end if;
  if user_id <> app_public.current_user_id() and not app_public.has_role('admin') then
    raise exception 'only the user themself or an admin may manage this user''s data' using errcode = '42501';
  end if;
end;
$$;


--
-- Name: FUNCTION assert_may_manage_user_data(user_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.assert_may_manage_user_data(user_id uuid) IS 'Raises 28000 without a caller, 22023 without a user id, 42501 unless the caller is that user or an admin.';


--
-- Name: assert_reply_valid(text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.assert_reply_valid(content text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION assert_reply_valid(content text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.assert_reply_valid(content text) IS 'Validates a reply''s text (RVLEN: blank or over 2000 characters; RVCTL: control characters).';


--
-- Name: assert_review_valid(integer, text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.assert_review_valid(rating integer, content text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
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


--
-- Name: FUNCTION assert_review_valid(rating integer, content text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.assert_review_valid(rating integer, content text) IS 'Validates a review''s rating (RVRAT) and text (RVLEN: blank, also when only invisible spaces, or over 4000 characters; RVCTL: control characters).';


--
-- Name: assert_search_arguments(text, timestamp with time zone, timestamp with time zone, date, date, numeric, numeric, double precision, double precision, double precision, app_public.event_sort, uuid); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.assert_search_arguments(query text, starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $$
begin
  if char_length(query) > 200 then
    raise exception 'query must be at most 200 characters long' using errcode = '22023', column = 'query';
  end if;
  if starts_from > starts_to then
    raise exception 'starts_to must not be before starts_from' using errcode = 'EVDAT', column = 'starts_to';
  end if;
  if date_from > date_to then
    raise exception 'date_to must not be before date_from' using errcode = 'EVDAT', column = 'date_to';
  end if;
  if min_price < 0 or max_price < 0 then
    raise exception 'prices must be 0 or more' using errcode = '22023', column = case when min_price < 0 then 'min_price' else 'max_price' end;
  end if;
  if min_price > max_price then
    raise exception 'max_price must not be below min_price' using errcode = '22023', column = 'max_price';
  end if;
  if (near_latitude is null) <> (near_longitude is null) then
    raise exception 'near_latitude and near_longitude must be given together' using errcode = '22023', column = 'near_longitude';
  end if;
  if radius_km is not null and near_latitude is null then
    raise exception 'radius_km needs near_latitude and near_longitude: they must be given together' using errcode = '22023', column = 'radius_km';
  end if;
  if near_latitude not between -90 and 90 then
    raise exception 'near_latitude must be between -90 and 90' using errcode = '22023', column = 'near_latitude';
  end if;
  if near_longitude not between -180 and 180 then
    raise exception 'near_longitude must be between -180 and 180' using errcode = '22023', column = 'near_longitude';
  end if;
  if not (radius_km > 0 and radius_km <= 20000) then
    raise exception 'radius_km must be more than 0 and at most 20000' using errcode = '22023', column = 'radius_km';
  end if;
  if sort = 'distance' and near_latitude is null then
    raise exception 'sort distance needs near_latitude and near_longitude' using errcode = '22023', column = 'sort';
  end if;
  if sort = 'relevance' and app_hidden.search_query(query) is null then
    raise exception 'sort relevance needs a query' using errcode = '22023', column = 'sort';
  end if;
  if after_event_id is not null and not exists (select from app_public.event e where e.id = after_event_id) then
    raise exception 'after_event_id is not an event you can see' using errcode = '22023', column = 'after_event_id',
      hint = 'Pass the id of the last event of the previous page.';
  end if;
  return true;
end;
$$;


--
-- Name: FUNCTION assert_search_arguments(query text, starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.assert_search_arguments(query text, starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid) IS 'Checks the arguments of search_events: 22023 (argument named in `column`), EVDAT (range ends before it starts). True when they are fine.';


--
-- Name: assert_signed_in(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.assert_signed_in() RETURNS uuid
    LANGUAGE plpgsql STABLE
    AS $$
declare
  v_user_id uuid := app_public.current_user_id();
begin
  -- current_setting('role') is the role the transaction switched to, even
  -- inside a security-definer function: the anonymous role never acts, even
  -- with a user id in its settings.
  if v_user_id is null or current_setting('role') = 'aquastream_anonymous' then
    raise exception 'sign in first' using errcode = '28000', hint = 'Send a bearer token.';
  end if;
  return v_user_id;
end;
$$;


--
-- Name: FUNCTION assert_signed_in(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.assert_signed_in() IS 'Returns the caller''s id, or raises 28000 when nobody is signed in (no user id, or the anonymous role).';


--
-- Name: uuid_v7(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.uuid_v7() RETURNS uuid
    LANGUAGE sql PARALLEL SAFE
    AS $$
  -- A random (version 4) UUID with its first 48 bits replaced by the Unix
  -- time in milliseconds and its version nibble set from 0100 to 0111
  -- (set_bit numbers bits from the least significant of each byte: bits 52
  -- and 53 are the two low bits of byte 6's high nibble). The variant bits
  -- (10) stay as gen_random_uuid set them. RFC 9562, section 5.7.
  select encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
              from 1 for 6),
      52, 1), 53, 1),
    'hex')::uuid;
$$;


--
-- Name: FUNCTION uuid_v7(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.uuid_v7() IS 'A new time-ordered UUID (version 7, RFC 9562): Unix milliseconds, then 74 random bits. Ids made in order land on the rightmost leaf of their B-tree indexes (no random page per insert, no full-page image per checkpoint for it). Owner only: the defaults of booking.id and outbox.id, filled by SECURITY DEFINER functions.';


--
-- Name: booking; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.booking (
    id uuid DEFAULT app_private.uuid_v7() NOT NULL,
    event_id uuid NOT NULL,
    user_id uuid NOT NULL,
    price_tier_id uuid NOT NULL,
    quantity integer NOT NULL,
    unit_price numeric(12,2) NOT NULL,
    subtotal numeric(12,2) NOT NULL,
    discount_amount numeric(12,2) DEFAULT 0 NOT NULL,
    total_amount numeric(12,2) NOT NULL,
    currency character(3) NOT NULL,
    promo_code_id uuid,
    status app_public.booking_status DEFAULT 'pending_payment'::app_public.booking_status NOT NULL,
    payment_deadline timestamp with time zone NOT NULL,
    confirmed_at timestamp with time zone,
    canceled_at timestamp with time zone,
    canceled_by uuid,
    cancel_reason text,
    expired_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT booking_cancel_reason_check CHECK (((char_length(cancel_reason) >= 3) AND (char_length(cancel_reason) <= 1000))),
    CONSTRAINT booking_cancel_reason_text_check CHECK (app_hidden.assert_clean_text(cancel_reason, 'cancel_reason'::text, true)),
    CONSTRAINT booking_canceled_at_check CHECK ((((status = 'canceled'::app_public.booking_status) = (canceled_at IS NOT NULL)) AND ((status = 'canceled'::app_public.booking_status) = (cancel_reason IS NOT NULL)))),
    CONSTRAINT booking_confirmed_at_check CHECK (((status = 'confirmed'::app_public.booking_status) <= (confirmed_at IS NOT NULL))),
    CONSTRAINT booking_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT booking_discount_amount_check CHECK (((discount_amount >= (0)::numeric) AND (discount_amount <= subtotal))),
    CONSTRAINT booking_expired_at_check CHECK (((status = 'expired'::app_public.booking_status) = (expired_at IS NOT NULL))),
    CONSTRAINT booking_quantity_check CHECK (((quantity >= 1) AND (quantity <= 20))),
    CONSTRAINT booking_subtotal_check CHECK ((subtotal = (unit_price * (quantity)::numeric))),
    CONSTRAINT booking_total_amount_check CHECK ((total_amount = (subtotal - discount_amount))),
    CONSTRAINT booking_unit_price_check CHECK ((unit_price >= (0)::numeric))
);


--
-- Name: TABLE booking; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.booking IS '@behavior -insert -update -delete
Seats of one price tier of an event booked by a user. Live bookings (pending_payment, confirmed) hold their seats; one live booking per user per event. Changed through create_booking, confirm_payment, cancel_booking, cancel_event and the expiry job.';


--
-- Name: COLUMN booking.id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.id IS 'Identifier of the booking.';


--
-- Name: COLUMN booking.event_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.event_id IS 'The event booked.';


--
-- Name: COLUMN booking.user_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.user_id IS 'Who booked (Keycloak user id).';


--
-- Name: COLUMN booking.price_tier_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.price_tier_id IS 'The price tier (always one of the event''s).';


--
-- Name: COLUMN booking.quantity; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.quantity IS 'Seats, 1 to 20.';


--
-- Name: COLUMN booking.unit_price; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.unit_price IS 'Tier price per seat at booking time.';


--
-- Name: COLUMN booking.subtotal; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.subtotal IS 'unit_price × quantity.';


--
-- Name: COLUMN booking.discount_amount; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.discount_amount IS 'Promo discount, between 0 and the subtotal.';


--
-- Name: COLUMN booking.total_amount; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.total_amount IS 'What is to be paid: subtotal − discount_amount (never below zero).';


--
-- Name: COLUMN booking.currency; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.currency IS 'ISO 4217 currency of the amounts (the tier''s).';


--
-- Name: COLUMN booking.promo_code_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.promo_code_id IS 'The promo code applied, if any.';


--
-- Name: COLUMN booking.status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.status IS 'pending_payment (seats held until payment_deadline), confirmed (paid, or free), canceled (by its user, the organizer, an admin, or with its event), expired (not paid in time).';


--
-- Name: COLUMN booking.payment_deadline; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.payment_deadline IS 'A pending booking not paid by then expires and frees its seats (now + setting booking_hold_minutes, never after the event''s booking deadline).';


--
-- Name: COLUMN booking.confirmed_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.confirmed_at IS 'When it was confirmed (payment confirmed, or at once when free).';


--
-- Name: COLUMN booking.canceled_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.canceled_at IS 'When it was canceled.';


--
-- Name: COLUMN booking.canceled_by; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.canceled_by IS 'Who canceled it (Keycloak user id).';


--
-- Name: COLUMN booking.cancel_reason; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.cancel_reason IS 'Why it was canceled (3 to 1000 characters).';


--
-- Name: COLUMN booking.expired_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.expired_at IS 'When the expiry job expired it.';


--
-- Name: COLUMN booking.created_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.created_at IS 'When it was booked.';


--
-- Name: COLUMN booking.updated_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.booking.updated_at IS 'When the row last changed.';


--
-- Name: CONSTRAINT booking_cancel_reason_text_check ON booking; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT booking_cancel_reason_text_check ON app_public.booking IS 'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';


--
-- Name: booking_data(app_public.booking); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.booking_data(b app_public.booking) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
  select jsonb_build_object(
    'id', b.id, 'eventId', b.event_id, 'userId', b.user_id, 'priceTierId', b.price_tier_id,
    'quantity', b.quantity, 'unitPrice', b.unit_price, 'subtotal', b.subtotal,
    'discountAmount', b.discount_amount, 'totalAmount', b.total_amount, 'currency', b.currency,
    'promoCodeId', b.promo_code_id, 'status', b.status, 'paymentDeadline', b.payment_deadline,
    'confirmedAt', b.confirmed_at, 'canceledAt', b.canceled_at, 'canceledBy', b.canceled_by,
    'cancelReason', b.cancel_reason, 'expiredAt', b.expired_at, 'createdAt', b.created_at
  );
$$;


--
-- Name: FUNCTION booking_data(b app_public.booking); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.booking_data(b app_public.booking) IS 'A booking as the JSON payload of outbox messages.';


--
-- Name: booking_for_change(uuid); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.booking_for_change(booking_id uuid) RETURNS app_public.booking
    LANGUAGE plpgsql
    AS $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event_id uuid := (select b.event_id from app_public.booking b where b.id = booking_for_change.booking_id);
  v_organizer_id uuid;
  v_booking app_public.booking;
begin
  select e.organizer_id into v_organizer_id from app_public.event e where e.id = v_event_id for no key update;
  select * into v_booking from app_public.booking b where b.id = booking_for_change.booking_id for update;
  if not found or not (
    v_booking.user_id = v_user_id or v_organizer_id = v_user_id or app_public.has_role('admin')
  ) then
    raise exception 'booking not found' using errcode = 'P0002';
  end if;
  return v_booking;
end;
$$;


--
-- Name: FUNCTION booking_for_change(booking_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.booking_for_change(booking_id uuid) IS 'Locks (event, then booking) and returns a booking the caller may see: its user, its event''s organizer, an admin; 28000 or P0002 otherwise.';


--
-- Name: booking_hold(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.booking_hold() RETURNS interval
    LANGUAGE plpgsql STABLE
    AS $$
begin
  return make_interval(mins => coalesce(
    (select s.value::integer from app_private.setting s where s.key = 'booking_hold_minutes'),
    30
  ));
end;
$$;


--
-- Name: FUNCTION booking_hold(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.booking_hold() IS 'How long a new booking holds its seats for payment: setting booking_hold_minutes (default 30 minutes).';


--
-- Name: check_in(text, timestamp with time zone, text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.check_in(code text, scanned_at timestamp with time zone, device text) RETURNS app_public.check_in_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_ticket app_public.ticket := app_hidden.ticket_for_staff(check_in.code);
  v_result app_public.check_in_result;
begin
  if v_ticket.status = 'void' then
    if v_ticket.void_reason = 'booking_canceled' then
      raise exception 'the booking of this ticket was canceled' using errcode = 'TKCAN';
    end if;
    raise exception 'this ticket was replaced by a newer one' using errcode = 'TKVOD';
  end if;

  v_result.ticket_id := v_ticket.id;
  v_result.event_id := v_ticket.event_id;
  v_result.code := v_ticket.code;
  v_result.seat_no := v_ticket.seat_no;
  v_result.scanned_at := check_in.scanned_at;
  v_result.device := check_in.device;

  if v_ticket.checked_in_at is not null then
    -- Never counted twice: answer with the first check-in.
    v_result.outcome := case
      when check_in.device is not null and v_ticket.checked_in_device is distinct from check_in.device then 'conflict'
      else 'already_checked_in' end;
  else
    update app_public.ticket t
       set checked_in_at = coalesce(check_in.scanned_at, now()), checked_in_by = v_user_id,
           checked_in_device = check_in.device, version = t.version
     where t.id = v_ticket.id
    returning * into v_ticket;
    v_result.outcome := 'checked_in';
    perform app_hidden.record_change(
      'ticket', v_ticket.id, 'TicketCheckedIn', 'ticket.check_in', 'ticket',
      jsonb_build_object('ticketId', v_ticket.id, 'bookingId', v_ticket.booking_id, 'eventId', v_ticket.event_id,
                         'seatNo', v_ticket.seat_no, 'checkedInAt', v_ticket.checked_in_at,
                         'checkedInBy', v_ticket.checked_in_by, 'device', v_ticket.checked_in_device)
    );
  end if;
  v_result.checked_in_at := v_ticket.checked_in_at;
  v_result.checked_in_by := v_ticket.checked_in_by;
  v_result.checked_in_device := v_ticket.checked_in_device;
  return v_result;
end;
$$;


--
-- Name: FUNCTION check_in(code text, scanned_at timestamp with time zone, device text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.check_in(code text, scanned_at timestamp with time zone, device text) IS 'The one check-in rule: checks in the ticket with this code (at scanned_at for offline scans), or reports the earlier check-in. Raises 28000, 42501, TKFMT, TKNOT, TKORG, TKCAN, TKVOD.';


--
-- Name: check_in_undo_window(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.check_in_undo_window() RETURNS interval
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
  select make_interval(mins => coalesce(
    (select case when s.value ~ '^[0-9]{1,4}$' then s.value::integer end
       from app_private.setting s where s.key = 'check_in_undo_minutes'),
    5));
$_$;


--
-- Name: FUNCTION check_in_undo_window(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.check_in_undo_window() IS 'The setting check_in_undo_minutes as an interval (5 minutes when missing or malformed).';


--
-- Name: claims_trusted(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.claims_trusted() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  -- The API's login switches role per transaction and sets the claims from a
  -- verified token. The owner (or a superuser) could do anything anyway, so
  -- trusting its claims grants nothing new (the worker and tests use them).
  select session_user = 'aquastream_authenticator'
      or pg_catalog.has_schema_privilege(session_user, 'app_public', 'CREATE');
$$;


--
-- Name: FUNCTION claims_trusted(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.claims_trusted() IS 'True when this session may assert jwt.claims.*: the authenticator''s (the API''s) or the owner''s. Any other login''s claims are ignored.';


--
-- Name: clean_text(text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.clean_text(value text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $_$
  -- Trims white space at both ends; blank becomes null ("not given").
  select nullif(pg_catalog.regexp_replace(value, '^\s+|\s+$', '', 'g'), '');
$_$;


--
-- Name: FUNCTION clean_text(value text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.clean_text(value text) IS 'Trims white space at both ends of a caller''s text; a blank string becomes null.';


--
-- Name: complete_ended_events(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.complete_ended_events() RETURNS integer
    LANGUAGE plpgsql
    AS $$
declare
  v_event app_public.event;
  v_count integer := 0;
begin
  -- skip locked: several workers may run this at once without waiting on each other.
  for v_event in
    select * from app_public.event e
    where e.status = 'published' and e.ends_at <= now()
    order by e.ends_at, e.id
    for update skip locked
  loop
    update app_public.event e set status = 'completed' where e.id = v_event.id returning * into v_event;
    perform app_hidden.record_change(
      'event', v_event.id, 'EventCompleted', 'event.complete', 'event', app_hidden.event_data(v_event)
    );
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;


--
-- Name: FUNCTION complete_ended_events(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.complete_ended_events() IS 'Marks published events whose ends_at has passed as completed, each with an EventCompleted outbox message; returns how many. Run by the worker''s cron as the owner (not executable by clients).';


--
-- Name: crew_releases_due(uuid); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.crew_releases_due(event_id uuid) RETURNS TABLE(assignment_id uuid, crew_id uuid)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select a.id, a.crew_id
  from app_private.crew_assignment a
  where a.event_id = crew_releases_due.event_id and a.release_requested_at is not null and a.released_at is null
  order by a.assigned_at;
$$;


--
-- Name: FUNCTION crew_releases_due(event_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.crew_releases_due(event_id uuid) IS 'Assignments of the event that are to be released and not yet released (the release_crew job''s work).';


--
-- Name: crew_request(uuid); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.crew_request(event_id uuid) RETURNS TABLE(event_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone, location text, participants integer)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select e.id, e.starts_at, e.ends_at, e.location_name, e.capacity
  from app_public.event e
  where e.id = crew_request.event_id and e.status = 'published' and e.crew_status = 'pending';
$$;


--
-- Name: FUNCTION crew_request(event_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.crew_request(event_id uuid) IS 'The AssignCrew request for an event that is published and waiting for a crew; no row when it needs none (any more).';


--
-- Name: distance_km(double precision, double precision, double precision, double precision); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.distance_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'public', 'pg_catalog'
    AS $$
  select public.earth_distance(public.ll_to_earth(latitude1, longitude1), public.ll_to_earth(latitude2, longitude2)) / 1000;
$$;


--
-- Name: FUNCTION distance_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.distance_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision) IS 'Great-circle distance in kilometres between two points given in degrees (earthdistance''s sphere); null when a coordinate is null.';


--
-- Name: earth_box_km(double precision, double precision, double precision); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.earth_box_km(latitude double precision, longitude double precision, radius_km double precision) RETURNS public.cube
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'public', 'pg_catalog'
    AS $$
  select public.earth_box(public.ll_to_earth(latitude, longitude), radius_km * 1000);
$$;


--
-- Name: FUNCTION earth_box_km(latitude double precision, longitude double precision, radius_km double precision); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.earth_box_km(latitude double precision, longitude double precision, radius_km double precision) IS 'A cube containing every point within radius_km (great circle) of a point: the index pre-filter of a distance search.';


--
-- Name: earth_point(double precision, double precision); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.earth_point(latitude double precision, longitude double precision) RETURNS public.cube
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'public', 'pg_catalog'
    AS $$
  select public.ll_to_earth(latitude, longitude)::public.cube;
$$;


--
-- Name: FUNCTION earth_point(latitude double precision, longitude double precision); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.earth_point(latitude double precision, longitude double precision) IS 'A point on the earth (degrees) as a 3-D cube in metres from the centre: what the GiST distance index holds.';


--
-- Name: end_booking(app_public.booking, app_public.booking_status, text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.end_booking(b app_public.booking, new_status app_public.booking_status, reason text) RETURNS app_public.booking
    LANGUAGE plpgsql
    AS $$
declare
  v_booking app_public.booking;
  v_payment app_public.payment;
begin
  update app_public.booking bk set
    status = end_booking.new_status,
    canceled_at = case when end_booking.new_status = 'canceled' then now() end,
    canceled_by = case when end_booking.new_status = 'canceled' then app_public.current_user_id() end,
    cancel_reason = case when end_booking.new_status = 'canceled' then end_booking.reason end,
    expired_at = case when end_booking.new_status = 'expired' then now() end
  where bk.id = b.id
  returning * into v_booking;

  -- Seats and the promo use come back (the check constraints keep them ≥ 0).
  update app_public.event_seat_counter c set seats_taken = c.seats_taken - b.quantity where c.event_id = b.event_id;
  update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - b.quantity where c.price_tier_id = b.price_tier_id;
  if b.promo_code_id is not null then
    update app_public.promo_code pc set uses = pc.uses - 1 where pc.id = b.promo_code_id;
  end if;

  perform app_hidden.record_change(
    'booking', v_booking.id,
    case when end_booking.new_status = 'canceled' then 'BookingCanceled' else 'BookingExpired' end,
    case when end_booking.new_status = 'canceled' then 'booking.cancel' else 'booking.expire' end,
    'booking', app_hidden.booking_data(v_booking)
  );

  -- A paid booking gets back what has not been refunded yet.
  if end_booking.new_status = 'canceled' then
    select * into v_payment from app_public.payment p
    where p.booking_id = b.id and p.status in ('completed', 'partially_refunded')
    for update;
    if found then
      perform app_hidden.issue_refund(v_payment, v_payment.amount - v_payment.refunded_amount, end_booking.reason);
    end if;
  end if;
  return v_booking;
end;
$$;


--
-- Name: FUNCTION end_booking(b app_public.booking, new_status app_public.booking_status, reason text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.end_booking(b app_public.booking, new_status app_public.booking_status, reason text) IS 'Cancels or expires a locked live booking: frees its seats (event and tier counters), gives its promo use back, announces BookingCanceled/BookingExpired, refunds the paid remainder when canceled. Owner only.';


--
-- Name: end_closed_waitlists(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.end_closed_waitlists() RETURNS integer
    LANGUAGE plpgsql
    AS $$
declare
  v_entry app_public.waitlist_entry;
  v_count integer := 0;
  v_closed uuid[] := array(
    select l.event_id
    from app_hidden.waitlisted_event_ids() l(event_id)
    cross join lateral (
      select from app_public.event_seat_counter c
      where c.event_id = l.event_id and c.bookable_until <= now()
      limit 1
    ) closed
  );
begin
  if cardinality(v_closed) = 0 then
    return 0;
  end if;
  for v_entry in
    update app_public.waitlist_entry w
    set status = 'ended', end_reason = 'bookings_closed', ended_at = now()
    where w.event_id = any(v_closed) and w.status = 'waiting'
    returning w.*
  loop
    perform app_hidden.record_change(
      'waitlist', v_entry.id, 'WaitlistEnded', 'waitlist.end', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
    );
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;


--
-- Name: FUNCTION end_closed_waitlists(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.end_closed_waitlists() IS 'Ends the waiting entries of events whose booking deadline has passed (end_reason bookings_closed, WaitlistEnded each); returns how many. Work follows the events with a waiting list (waitlisted_event_ids) and the entries it ends. Run by the expire_waitlist_offers task as the owner.';


--
-- Name: end_waitlist_entries(uuid, uuid, app_public.waitlist_end_reason); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.end_waitlist_entries(event_id uuid, user_id uuid, reason app_public.waitlist_end_reason) RETURNS integer
    LANGUAGE plpgsql
    AS $$
declare
  v_event_id uuid;
  v_entry app_public.waitlist_entry;
  v_count integer := 0;
begin
  for v_event_id in
    select distinct w.event_id from app_public.waitlist_entry w
    where w.status in ('waiting', 'offered')
      and (end_waitlist_entries.event_id is null or w.event_id = end_waitlist_entries.event_id)
      and (end_waitlist_entries.user_id is null or w.user_id = end_waitlist_entries.user_id)
    order by w.event_id
  loop
    perform from app_public.event_seat_counter c where c.event_id = v_event_id for no key update;
    perform from app_public.price_tier_seat_counter c
    where c.price_tier_id in (select w.price_tier_id from app_public.waitlist_entry w
                              where w.event_id = v_event_id and w.status = 'offered'
                                and (end_waitlist_entries.user_id is null or w.user_id = end_waitlist_entries.user_id))
    order by c.price_tier_id for no key update;
    for v_entry in
      select * from app_public.waitlist_entry w
      where w.event_id = v_event_id and w.status in ('waiting', 'offered')
        and (end_waitlist_entries.user_id is null or w.user_id = end_waitlist_entries.user_id)
      order by w.joined_at, w.id
      for update
    loop
      if v_entry.status = 'offered' then
        update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
        where c.event_id = v_entry.event_id;
        update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
        where c.price_tier_id = v_entry.price_tier_id;
      end if;
      -- offered_seats stays: what was withdrawn.
      update app_public.waitlist_entry w
      set status = 'ended', end_reason = end_waitlist_entries.reason, ended_at = now()
      where w.id = v_entry.id
      returning * into v_entry;
      perform app_hidden.record_change(
        'waitlist', v_entry.id,
        case when v_entry.offered_seats is null then 'WaitlistEnded' else 'OfferWithdrawn' end,
        case when v_entry.offered_seats is null then 'waitlist.end' else 'waitlist.withdraw' end,
        'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
      );
      v_count := v_count + 1;
    end loop;
    -- A list_first event's released seats go to the next in line now rather
    -- than at commit: erase_user_data must see (and pseudonymize) the rows
    -- these offers write with the erased person as their actor. (For an
    -- event no longer taking bookings this offers nothing.)
    if exists (select from app_public.event e where e.id = v_event_id and e.waitlist_policy = 'list_first') then
      perform app_hidden.offer_freed_seats(v_event_id);
    end if;
  end loop;
  return v_count;
end;
$$;


--
-- Name: FUNCTION end_waitlist_entries(event_id uuid, user_id uuid, reason app_public.waitlist_end_reason); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.end_waitlist_entries(event_id uuid, user_id uuid, reason app_public.waitlist_end_reason) IS 'Ends the live waiting-list entries of an event (or of a user, event_id null) with a reason: waiting ones end (WaitlistEnded), offered ones are withdrawn and their seats released (OfferWithdrawn). Returns how many. Owner only (the event trigger and erase_user_data).';


--
-- Name: waitlist_entry; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.waitlist_entry (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    event_id uuid NOT NULL,
    price_tier_id uuid,
    user_id uuid NOT NULL,
    seats_wanted integer NOT NULL,
    accepts_fewer boolean DEFAULT false NOT NULL,
    joined_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    status app_public.waitlist_status DEFAULT 'waiting'::app_public.waitlist_status NOT NULL,
    offered_seats integer,
    offered_at timestamp with time zone,
    offer_expires_at timestamp with time zone,
    booking_id uuid,
    ended_at timestamp with time zone,
    end_reason app_public.waitlist_end_reason,
    CONSTRAINT waitlist_entry_end_reason_check CHECK ((((status)::text = 'ended'::text) = (end_reason IS NOT NULL))),
    CONSTRAINT waitlist_entry_ended_check CHECK (((status = ANY (ARRAY['waiting'::app_public.waitlist_status, 'offered'::app_public.waitlist_status])) = (ended_at IS NULL))),
    CONSTRAINT waitlist_entry_offer_check CHECK ((((status <> 'waiting'::app_public.waitlist_status) OR (offered_seats IS NULL)) AND ((status <> ALL (ARRAY['offered'::app_public.waitlist_status, 'accepted'::app_public.waitlist_status])) OR (offered_seats IS NOT NULL)) AND ((offered_seats IS NULL) OR (((offered_seats >= 1) AND (offered_seats <= seats_wanted)) AND (accepts_fewer OR (offered_seats = seats_wanted)) AND (offered_at IS NOT NULL) AND (offer_expires_at IS NOT NULL))))),
    CONSTRAINT waitlist_entry_seats_wanted_check CHECK (((seats_wanted >= 1) AND (seats_wanted <= 20)))
);


--
-- Name: TABLE waitlist_entry; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.waitlist_entry IS '@behavior -insert -update -delete
A place on an event''s waiting list (optionally for one price tier): the seats wanted, and the offer made when seats freed up. Written only by join_waitlist, leave_waitlist, accept_offer, decline_offer, the offer and expiry functions, and when the list ends (event canceled or completed, the person erased). Visible to its user, the event''s organizer and admins; it shows the same personal data a booking does (the user id).';


--
-- Name: COLUMN waitlist_entry.id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.id IS 'The entry.';


--
-- Name: COLUMN waitlist_entry.event_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.event_id IS 'The sold-out event.';


--
-- Name: COLUMN waitlist_entry.price_tier_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.price_tier_id IS 'The tier the user waits for; null: any tier (chosen when accepting the offer).';


--
-- Name: COLUMN waitlist_entry.user_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.user_id IS 'The waiting user.';


--
-- Name: COLUMN waitlist_entry.seats_wanted; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.seats_wanted IS 'Seats wanted (1..the event''s max seats per booking).';


--
-- Name: COLUMN waitlist_entry.accepts_fewer; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.accepts_fewer IS 'Whether an offer of fewer seats than wanted is welcome (otherwise the entry waits until all fit).';


--
-- Name: COLUMN waitlist_entry.joined_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.joined_at IS 'When the user joined: the place in line.';


--
-- Name: COLUMN waitlist_entry.status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.status IS 'waiting, offered, accepted, declined, expired, left or ended (end_reason says why).';


--
-- Name: COLUMN waitlist_entry.offered_seats; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.offered_seats IS 'Seats offered (held on the event''s, and the tier''s, seat counters while offered).';


--
-- Name: COLUMN waitlist_entry.offered_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.offered_at IS 'When the offer was made.';


--
-- Name: COLUMN waitlist_entry.offer_expires_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.offer_expires_at IS 'Until when the offer holds its seats (setting waitlist_offer_hold_minutes, never past the booking deadline).';


--
-- Name: COLUMN waitlist_entry.booking_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.booking_id IS 'The booking an accepted offer became.';


--
-- Name: COLUMN waitlist_entry.ended_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.ended_at IS 'When the entry left the line (accepted, declined, expired, left, ended).';


--
-- Name: COLUMN waitlist_entry.end_reason; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.waitlist_entry.end_reason IS 'Why the list ended for the entry (status ended): event_canceled, event_completed, user_erased or bookings_closed; null otherwise.';


--
-- Name: end_waitlist_entry(uuid, app_public.waitlist_status, app_public.waitlist_status[]); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.end_waitlist_entry(entry_id uuid, new_status app_public.waitlist_status, from_status app_public.waitlist_status[]) RETURNS app_public.waitlist_entry
    LANGUAGE plpgsql
    AS $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_entry app_public.waitlist_entry;
begin
  select * into v_entry from app_public.waitlist_entry w
  where w.id = end_waitlist_entry.entry_id and w.user_id = v_user_id;
  if not found then
    raise exception 'waiting-list entry not found' using errcode = 'P0002';
  end if;
  perform from app_public.event_seat_counter c where c.event_id = v_entry.event_id for no key update;
  perform from app_public.price_tier_seat_counter c where c.price_tier_id = v_entry.price_tier_id for no key update;
  select * into v_entry from app_public.waitlist_entry w where w.id = v_entry.id for update;
  if v_entry.status <> all (end_waitlist_entry.from_status) then
    if 'waiting' = any (end_waitlist_entry.from_status) then
      raise exception 'the entry is no longer on the waiting list (it is %)', v_entry.status using errcode = 'WLEND';
    end if;
    raise exception 'no open offer on this entry (it is %)', v_entry.status using errcode = 'WLNOF';
  end if;

  if v_entry.status = 'offered' then
    update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
    where c.event_id = v_entry.event_id;
    update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
    where c.price_tier_id = v_entry.price_tier_id;
  end if;
  update app_public.waitlist_entry w set status = end_waitlist_entry.new_status, ended_at = now()
  where w.id = v_entry.id
  returning * into v_entry;
  perform app_hidden.record_change(
    'waitlist', v_entry.id,
    case end_waitlist_entry.new_status when 'left' then 'WaitlistLeft' else 'OfferDeclined' end,
    case end_waitlist_entry.new_status when 'left' then 'waitlist.leave' else 'waitlist.decline' end,
    'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
  );
  return v_entry;
end;
$$;


--
-- Name: FUNCTION end_waitlist_entry(entry_id uuid, new_status app_public.waitlist_status, from_status app_public.waitlist_status[]); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.end_waitlist_entry(entry_id uuid, new_status app_public.waitlist_status, from_status app_public.waitlist_status[]) IS 'Shared by leave_waitlist and decline_offer: ends the caller''s entry if it is in one of from_status, giving an offer''s held seats back (passed on at commit). Owner only.';


--
-- Name: enqueue_crew_job(text, uuid); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.enqueue_crew_job(task text, event_id uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select graphile_worker.add_job(
    enqueue_crew_job.task,
    json_build_object('eventId', enqueue_crew_job.event_id, 'requestedBy', app_public.current_user_id()),
    queue_name := 'crew',
    -- One waiting job per event and task: asking twice before it runs asks once.
    job_key := enqueue_crew_job.task || ':' || enqueue_crew_job.event_id,
    job_key_mode := 'replace'
  );
$$;


--
-- Name: FUNCTION enqueue_crew_job(task text, event_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.enqueue_crew_job(task text, event_id uuid) IS 'Enqueues a crew job (assign_crew or release_crew) for an event in the caller''s transaction; the payload names who asked (requestedBy, forwarded to the crew service).';


--
-- Name: ensure_audit_partition(date); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.ensure_audit_partition(month date) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  v_from date := date_trunc('month', month)::date;
  v_to date := (date_trunc('month', month) + interval '1 month')::date;
  v_name text := format('audit_log_%s', to_char(month, 'YYYY_MM'));
  v_stray boolean := false;
begin
  if to_regclass(format('app_private.%I', v_name)) is not null then
    return v_name;
  end if;
  if to_regclass('app_private.audit_log_default') is not null then
    select exists (select from app_private.audit_log_default d where d.occurred_at >= v_from and d.occurred_at < v_to)
      into v_stray;
  end if;
  if v_stray then
    alter table app_private.audit_log detach partition app_private.audit_log_default;
  end if;
  execute format(
    'create table app_private.%I partition of app_private.audit_log for values from (%L) to (%L)', v_name, v_from, v_to);
  if v_stray then
    with moved as (
      delete from app_private.audit_log_default d where d.occurred_at >= v_from and d.occurred_at < v_to returning d.*
    )
    insert into app_private.audit_log overriding system value select * from moved;
    alter table app_private.audit_log attach partition app_private.audit_log_default default;
  end if;
  return v_name;
end;
$$;


--
-- Name: FUNCTION ensure_audit_partition(month date); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.ensure_audit_partition(month date) IS 'Creates the audit_log partition of the month of `month` if missing (moving rows of that month out of the default partition first); returns its name. Owner only (retention and the migration).';


--
-- Name: event_data(app_public.event); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.event_data(e app_public.event) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
  select jsonb_build_object(
    'id', e.id,
    'organizerId', e.organizer_id,
    'title', e.title,
    'description', e.description,
    'category', e.category,
    'locationName', e.location_name,
    'latitude', e.latitude,
    'longitude', e.longitude,
    'startsAt', e.starts_at,
    'endsAt', e.ends_at,
    'timeZone', e.time_zone,
    'capacity', e.capacity,
    'seatsTaken', app_public.event_seats_taken(e),
    'bookingDeadlineHours', e.booking_deadline_hours,
    'status', e.status,
    'crewRequired', e.crew_required,
    'crewId', e.crew_id,
    'crewStatus', e.crew_status,
    'publishedAt', e.published_at,
    'canceledAt', e.canceled_at,
    'canceledBy', e.canceled_by,
    'cancelReason', e.cancel_reason,
    'waitlistPolicy', e.waitlist_policy,
    'waitlistPausedAt', e.waitlist_paused_at
  );
$$;


--
-- Name: FUNCTION event_data(e app_public.event); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.event_data(e app_public.event) IS 'An event as the JSON payload of outbox messages (camelCase keys).';


--
-- Name: event_for_change(uuid, text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.event_for_change(event_id uuid, not_found_message text DEFAULT 'event not found'::text) RETURNS app_public.event
    LANGUAGE plpgsql
    AS $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_event app_public.event;
begin
  select * into v_event from app_public.event e where e.id = event_for_change.event_id for update;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception '%', not_found_message using errcode = 'P0002';
  end if;
  if v_event.organizer_id <> v_user_id and not app_public.has_role('admin') then
    raise exception 'only the organizer of this event or an admin may change it' using errcode = '42501';
  end if;
  return v_event;
end;
$$;


--
-- Name: FUNCTION event_for_change(event_id uuid, not_found_message text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.event_for_change(event_id uuid, not_found_message text) IS 'Locks and returns an event the caller may change (own event, or any as admin); 28000, 42501 or P0002 (also for events the caller cannot see) otherwise.';


--
-- Name: event_for_waitlist_change(uuid); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.event_for_waitlist_change(event_id uuid) RETURNS app_public.event
    LANGUAGE plpgsql
    AS $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_event app_public.event;
begin
  select * into v_event from app_public.event e where e.id = event_for_waitlist_change.event_id for no key update;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception 'event not found' using errcode = 'P0002';
  end if;
  if v_event.organizer_id <> v_user_id and not app_public.has_role('admin') then
    raise exception 'only the organizer of this event or an admin may change it' using errcode = '42501';
  end if;
  perform app_hidden.assert_event_editable(v_event);
  return v_event;
end;
$$;


--
-- Name: FUNCTION event_for_waitlist_change(event_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.event_for_waitlist_change(event_id uuid) IS 'Locks (FOR NO KEY UPDATE) and returns a draft or published event whose waiting-list settings the caller may change (own event, or any as admin); 28000, 42501, P0002 (also for events the caller cannot see) or 55000 otherwise.';


--
-- Name: event_ids_by_text(tsquery, text, app_public.event_status[], timestamp with time zone); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.event_ids_by_text(tsq tsquery, typo text, statuses app_public.event_status[], not_before timestamp with time zone) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER ROWS 500
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select e.id from app_public.event e
  where (e.search_vector @@ tsq
         or (typo is not null and app_hidden.search_text(e.title) operator(public.%>) typo))
    and e.status = any (statuses)
    and e.starts_at >= not_before
    and app_hidden.event_is_visible(e);
$$;


--
-- Name: FUNCTION event_ids_by_text(tsq tsquery, typo text, statuses app_public.event_status[], not_before timestamp with time zone); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.event_ids_by_text(tsq tsquery, typo text, statuses app_public.event_status[], not_before timestamp with time zone) IS 'Ids of the events the caller may see whose text matches (stemmed words, or a close title for `typo`), with these statuses, starting at or after not_before: through the GIN indexes, which RLS would keep search_events from using.';


--
-- Name: event_ids_near(double precision, double precision, double precision, app_public.event_status[], timestamp with time zone); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.event_ids_near(latitude double precision, longitude double precision, radius_km double precision, statuses app_public.event_status[], not_before timestamp with time zone) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER ROWS 500
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  -- earth_distance/ll_to_earth directly (this function's search_path is
  -- pinned already): no per-row call of a function with its own SET.
  select e.id from app_public.event e
  where app_hidden.earth_point(e.latitude, e.longitude)
          operator(public.<@) app_hidden.earth_box_km(event_ids_near.latitude, event_ids_near.longitude, radius_km)
    and public.earth_distance(public.ll_to_earth(event_ids_near.latitude, event_ids_near.longitude),
                              public.ll_to_earth(e.latitude, e.longitude)) <= radius_km * 1000
    and e.status = any (statuses)
    and e.starts_at >= not_before
    and app_hidden.event_is_visible(e);
$$;


--
-- Name: FUNCTION event_ids_near(latitude double precision, longitude double precision, radius_km double precision, statuses app_public.event_status[], not_before timestamp with time zone); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.event_ids_near(latitude double precision, longitude double precision, radius_km double precision, statuses app_public.event_status[], not_before timestamp with time zone) IS 'Ids of the events the caller may see within radius_km (great circle) of a point, with these statuses, starting at or after not_before: through the GiST index, which RLS would keep search_events from using.';


--
-- Name: event_is_visible(app_public.event); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.event_is_visible(e app_public.event) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select e.status in ('published', 'completed')
    or (e.status = 'canceled' and e.published_at is not null)
    or e.organizer_id = app_public.current_user_id()
    or app_public.has_role('admin');
$$;


--
-- Name: FUNCTION event_is_visible(e app_public.event); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.event_is_visible(e app_public.event) IS 'Whether the caller may see this event: the rule of the select_visible policy, for security-definer functions (which bypass RLS). Keep both in step.';


--
-- Name: event_price_tiers_data(uuid); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.event_price_tiers_data(event_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
  select coalesce(jsonb_agg(app_hidden.price_tier_data(t) order by t.sort_order, t.name), '[]'::jsonb)
  from app_public.event_price_tier t
  where t.event_id = event_price_tiers_data.event_id;
$$;


--
-- Name: FUNCTION event_price_tiers_data(event_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.event_price_tiers_data(event_id uuid) IS 'All price tiers of an event as a JSON array (outbox payloads).';


--
-- Name: event_sort_key(app_public.event_sort, uuid, tsvector, text, double precision, double precision, numeric, double precision, tsquery, text, double precision, double precision); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.event_sort_key(sort app_public.event_sort, event_id uuid, search_vector tsvector, title text, latitude double precision, longitude double precision, min_price numeric, rating_average double precision, tsq tsquery, query text, near_latitude double precision, near_longitude double precision) RETURNS double precision
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select case sort
    when 'relevance' then -coalesce(ts_rank(search_vector, tsq), 0)::double precision
    when 'price' then coalesce(min_price, 1e12)::double precision
    when 'price_desc' then -coalesce(min_price, -1)::double precision
    when 'distance' then app_hidden.earth_point(latitude, longitude) operator(public.<->)
      app_hidden.earth_point(near_latitude, near_longitude)
    when 'rating' then -coalesce(rating_average, 0)
    when 'popularity' then -coalesce((select c.seats_taken from app_public.event_seat_counter c
                                      where c.event_id = event_sort_key.event_id), 0)::double precision
  end;
$$;


--
-- Name: FUNCTION event_sort_key(sort app_public.event_sort, event_id uuid, search_vector tsvector, title text, latitude double precision, longitude double precision, min_price numeric, rating_average double precision, tsq tsquery, query text, near_latitude double precision, near_longitude double precision); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.event_sort_key(sort app_public.event_sort, event_id uuid, search_vector tsvector, title text, latitude double precision, longitude double precision, min_price numeric, rating_average double precision, tsq tsquery, query text, near_latitude double precision, near_longitude double precision) IS 'The ascending sort key of one event under a search_events sort other than start (relevance: text rank, title above description; distance: chord length, ordered like the great-circle distance).';


--
-- Name: event_visible(uuid); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.event_visible(event_id uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    AS $$
begin
  -- Under the event's own RLS policy: true exactly when the caller may see it.
  return exists (select from app_public.event e where e.id operator(pg_catalog.=) event_visible.event_id);
end;
$$;


--
-- Name: FUNCTION event_visible(event_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.event_visible(event_id uuid) IS 'Whether the caller can see this event (its RLS policy), by a primary-key probe: what the policies of tiers and seat counters ask per row. PL/pgSQL so the probe''s plan is kept for the session (a SQL function with SET re-planned it per row).';


--
-- Name: expire_overdue_bookings(integer); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.expire_overdue_bookings(batch integer DEFAULT 500) RETURNS integer
    LANGUAGE plpgsql
    AS $$
declare
  v_due uuid[];
  v_expired app_public.booking[];
  v_events uuid[];
  v_event_seats integer[];
  v_tiers uuid[];
  v_tier_seats integer[];
  v_promos uuid[];
  v_promo_uses integer[];
begin
  -- The batch: the oldest overdue pending bookings that nobody else holds.
  select array_agg(d.id) into v_due
  from (
    select b.id
    from app_public.booking b
    where b.status = 'pending_payment' and b.payment_deadline <= now()
    order by b.payment_deadline, b.id
    limit greatest(coalesce(expire_overdue_bookings.batch, 500), 1)
    for update skip locked
  ) d;
  if v_due is null then
    return 0;
  end if;

  with expired as (
    update app_public.booking b
    set status = 'expired', expired_at = now()
    where b.id = any(v_due) and b.status = 'pending_payment'
    returning b.*
  )
  select array_agg(row(e.*)::app_public.booking order by e.id) into v_expired from expired e;

  insert into app_private.audit_log (actor_id, actor_roles, action, table_name, row_id, details, request_id)
  select app_public.current_user_id(), app_public.current_user_roles(), 'booking.expire', 'booking', x.id::text,
         app_hidden.booking_data(x), nullif(current_setting('app.request_id', true), '')
  from unnest(v_expired) x;
  insert into app_private.outbox (aggregate_type, aggregate_id, event_type, actor_id, data)
  select 'booking', x.id, 'BookingExpired', app_public.current_user_id(), app_hidden.booking_data(x)
  from unnest(v_expired) x
  order by x.id;

  -- Last (as in create_booking), so the counter rows stay locked only from
  -- here to the commit: seats and promo uses come back, one update per
  -- counter row, each kind locked in key order.
  select array_agg(s.event_id order by s.event_id), array_agg(s.seats order by s.event_id)
  into v_events, v_event_seats
  from (select x.event_id, sum(x.quantity)::integer as seats from unnest(v_expired) x group by x.event_id) s;
  perform from app_public.event_seat_counter c
  where c.event_id = any(v_events) order by c.event_id for no key update;
  update app_public.event_seat_counter c set seats_taken = c.seats_taken - s.seats
  from unnest(v_events, v_event_seats) as s(event_id, seats)
  where c.event_id = s.event_id and c.event_id = any(v_events);

  select array_agg(s.price_tier_id order by s.price_tier_id), array_agg(s.seats order by s.price_tier_id)
  into v_tiers, v_tier_seats
  from (select x.price_tier_id, sum(x.quantity)::integer as seats from unnest(v_expired) x group by x.price_tier_id) s;
  perform from app_public.price_tier_seat_counter c
  where c.price_tier_id = any(v_tiers) order by c.price_tier_id for no key update;
  update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - s.seats
  from unnest(v_tiers, v_tier_seats) as s(price_tier_id, seats)
  where c.price_tier_id = s.price_tier_id and c.price_tier_id = any(v_tiers);

  select array_agg(s.promo_code_id order by s.promo_code_id), array_agg(s.uses order by s.promo_code_id)
  into v_promos, v_promo_uses
  from (
    select x.promo_code_id, count(*)::integer as uses from unnest(v_expired) x
    where x.promo_code_id is not null group by x.promo_code_id
  ) s;
  if v_promos is not null then
    perform from app_public.promo_code pc where pc.id = any(v_promos) order by pc.id for no key update;
    update app_public.promo_code pc set uses = pc.uses - s.uses
    from unnest(v_promos, v_promo_uses) as s(id, uses)
    where pc.id = s.id and pc.id = any(v_promos);
  end if;

  return coalesce(array_length(v_expired, 1), 0);
end;
$$;


--
-- Name: FUNCTION expire_overdue_bookings(batch integer); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.expire_overdue_bookings(batch integer) IS 'Expires up to `batch` pending bookings whose payment deadline has passed, set-based (seats and promo uses given back, BookingExpired each); returns how many. Safe to run in several workers at once (SKIP LOCKED). Finds every row by primary key (ids in arrays), so a batch does not read the table whatever the statistics. Run by the worker''s expire_bookings task as the owner, one batch per transaction.';


--
-- Name: expire_overdue_offers(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.expire_overdue_offers() RETURNS integer
    LANGUAGE plpgsql
    AS $$
declare
  v_event_id uuid;
  v_entry app_public.waitlist_entry;
  v_count integer := 0;
begin
  for v_event_id in
    select distinct w.event_id from app_public.waitlist_entry w
    where w.status = 'offered' and w.offer_expires_at <= now()
    order by w.event_id
  loop
    -- Counters first (event, then its tiers in key order), then the entries.
    perform from app_public.event_seat_counter c where c.event_id = v_event_id for no key update;
    perform from app_public.price_tier_seat_counter c
    where c.price_tier_id in (select w.price_tier_id from app_public.waitlist_entry w
                              where w.event_id = v_event_id and w.status = 'offered')
    order by c.price_tier_id for no key update;
    for v_entry in
      update app_public.waitlist_entry w set status = 'expired', ended_at = now()
      where w.event_id = v_event_id and w.status = 'offered' and w.offer_expires_at <= now()
      returning w.*
    loop
      update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
      where c.event_id = v_entry.event_id;
      update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
      where c.price_tier_id = v_entry.price_tier_id;
      perform app_hidden.record_change(
        'waitlist', v_entry.id, 'OfferExpired', 'waitlist.expire', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
      );
      v_count := v_count + 1;
    end loop;
  end loop;
  return v_count;
end;
$$;


--
-- Name: FUNCTION expire_overdue_offers(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.expire_overdue_offers() IS 'Expires every offer past offer_expires_at: its seats come off the counters and go to the next in line at commit (deferred trigger). OfferExpired each; returns how many. Run by the expire_waitlist_offers task as the owner.';


--
-- Name: event_price_tier; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.event_price_tier (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    event_id uuid NOT NULL,
    name text NOT NULL,
    price numeric(12,2) NOT NULL,
    currency character(3) NOT NULL,
    quota integer,
    sort_order integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT event_price_tier_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT event_price_tier_name_check CHECK ((((char_length(name) >= 1) AND (char_length(name) <= 100)) AND (name !~ '^\s|\s$'::text))),
    CONSTRAINT event_price_tier_name_text_check CHECK (app_hidden.assert_clean_text(name, 'name'::text, false)),
    CONSTRAINT event_price_tier_price_check CHECK ((price >= (0)::numeric)),
    CONSTRAINT event_price_tier_quota_check CHECK ((quota > 0))
);


--
-- Name: TABLE event_price_tier; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.event_price_tier IS '@behavior -insert -update -delete
A price of an event (e.g. adult, child, with equipment), optionally with its own seat quota. All tiers of an event share one currency. Changed only through add_price_tier, update_price_tier and remove_price_tier.';


--
-- Name: COLUMN event_price_tier.id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_price_tier.id IS 'Identifier of the tier.';


--
-- Name: COLUMN event_price_tier.event_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_price_tier.event_id IS 'The event this tier belongs to.';


--
-- Name: COLUMN event_price_tier.name; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_price_tier.name IS 'Tier name, 1 to 100 characters, unique within the event.';


--
-- Name: COLUMN event_price_tier.price; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_price_tier.price IS 'Price per seat (≥ 0).';


--
-- Name: COLUMN event_price_tier.currency; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_price_tier.currency IS 'ISO 4217 currency code (three upper-case letters), the same for all tiers of the event.';


--
-- Name: COLUMN event_price_tier.quota; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_price_tier.quota IS 'Seats this tier may sell at most (≤ event capacity); null: limited by the event capacity only.';


--
-- Name: COLUMN event_price_tier.sort_order; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_price_tier.sort_order IS 'Display order within the event (ascending).';


--
-- Name: COLUMN event_price_tier.created_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_price_tier.created_at IS 'When the tier was added.';


--
-- Name: COLUMN event_price_tier.updated_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_price_tier.updated_at IS 'When the tier last changed.';


--
-- Name: CONSTRAINT event_price_tier_name_text_check ON event_price_tier; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT event_price_tier_name_text_check ON app_public.event_price_tier IS 'User-visible text rule (app_hidden.assert_clean_text, single-line): TXCHR.';


--
-- Name: insert_price_tier(app_public.event, text, numeric, text, integer, integer); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.insert_price_tier(for_event app_public.event, name text, price numeric, currency text, quota integer, sort_order integer) RETURNS app_public.event_price_tier
    LANGUAGE plpgsql
    AS $_$
declare
  v_name text := app_hidden.clean_text(insert_price_tier.name);
  v_currency text := upper(app_hidden.clean_text(insert_price_tier.currency));
  v_other_currency text;
  v_tier app_public.event_price_tier;
begin
  if v_name is null or char_length(v_name) > 100 then
    raise exception 'price tier name must be 1 to 100 characters long'
      using errcode = '22023', column = 'name';
  end if;
  if insert_price_tier.price is null or insert_price_tier.price < 0 then
    raise exception 'price must be 0 or more' using errcode = '22023', column = 'price';
  end if;
  if insert_price_tier.price <> round(insert_price_tier.price, 2) or insert_price_tier.price >= 10000000000 then
    raise exception 'price must have at most two decimals and be below 10000000000'
      using errcode = '22023', column = 'price';
  end if;
  if v_currency is null or v_currency !~ '^[A-Z]{3}$' then
    raise exception 'currency must be an ISO 4217 code such as EUR'
      using errcode = '22023', column = 'currency';
  end if;
  if insert_price_tier.quota < 1 then
    raise exception 'quota must be at least 1 (or null for no own limit)'
      using errcode = '22023', column = 'quota';
  end if;
  if insert_price_tier.quota > for_event.capacity then
    raise exception 'quota % exceeds the event capacity %', insert_price_tier.quota, for_event.capacity
      using errcode = 'TRQTA', column = 'quota', hint = 'Use a quota between 1 and the event capacity.';
  end if;
  select t.currency into v_other_currency
  from app_public.event_price_tier t
  where t.event_id = for_event.id and t.currency <> v_currency
  limit 1;
  if found then
    raise exception 'currency % differs from the event''s currency %', v_currency, v_other_currency
      using errcode = 'TRCUR', column = 'currency', hint = 'All price tiers of an event use one currency.';
  end if;
  if exists (select from app_public.event_price_tier t where t.event_id = for_event.id and t.name = v_name) then
    raise exception 'a price tier named "%" already exists for this event', v_name
      using errcode = '23505', column = 'name', constraint = 'event_price_tier_event_id_name_key';
  end if;

  insert into app_public.event_price_tier (event_id, name, price, currency, quota, sort_order)
  values (for_event.id, v_name, insert_price_tier.price, v_currency, insert_price_tier.quota, insert_price_tier.sort_order)
  returning * into v_tier;
  return v_tier;
end;
$_$;


--
-- Name: FUNCTION insert_price_tier(for_event app_public.event, name text, price numeric, currency text, quota integer, sort_order integer); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.insert_price_tier(for_event app_public.event, name text, price numeric, currency text, quota integer, sort_order integer) IS 'Validates (22023, TRQTA, TRCUR, 23505) and inserts a price tier of an event the caller holds locked.';


--
-- Name: payment; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.payment (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    booking_id uuid NOT NULL,
    amount numeric(12,2) NOT NULL,
    currency character(3) NOT NULL,
    method app_public.payment_method NOT NULL,
    status app_public.payment_status DEFAULT 'pending'::app_public.payment_status NOT NULL,
    payment_url text NOT NULL,
    gateway_reference text,
    refunded_amount numeric(12,2) DEFAULT 0 NOT NULL,
    error_code text,
    error_message text,
    initiated_by uuid NOT NULL,
    confirmed_at timestamp with time zone,
    failed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT payment_amount_check CHECK ((amount > (0)::numeric)),
    CONSTRAINT payment_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT payment_error_code_check CHECK ((error_code ~ '^[0-9A-Z]{5}$'::text)),
    CONSTRAINT payment_error_message_check CHECK (((error_code IS NULL) = (error_message IS NULL))),
    CONSTRAINT payment_error_message_text_check CHECK (app_hidden.assert_clean_text(error_message, 'error_message'::text, true)),
    CONSTRAINT payment_gateway_reference_check CHECK (((char_length(gateway_reference) >= 1) AND (char_length(gateway_reference) <= 200))),
    CONSTRAINT payment_refunded_amount_check CHECK (((refunded_amount >= (0)::numeric) AND (refunded_amount <= amount))),
    CONSTRAINT payment_status_check CHECK (
CASE status
    WHEN 'pending'::app_public.payment_status THEN ((gateway_reference IS NULL) AND (refunded_amount = (0)::numeric))
    WHEN 'failed'::app_public.payment_status THEN ((refunded_amount = (0)::numeric) AND (failed_at IS NOT NULL))
    WHEN 'completed'::app_public.payment_status THEN ((gateway_reference IS NOT NULL) AND (confirmed_at IS NOT NULL) AND (refunded_amount = (0)::numeric))
    WHEN 'partially_refunded'::app_public.payment_status THEN ((gateway_reference IS NOT NULL) AND (refunded_amount > (0)::numeric) AND (refunded_amount < amount))
    WHEN 'refunded'::app_public.payment_status THEN ((gateway_reference IS NOT NULL) AND (refunded_amount = amount))
    ELSE NULL::boolean
END)
);


--
-- Name: TABLE payment; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.payment IS '@behavior -insert -update -delete
A payment of a booking at the payment gateway. Changed through initiate_payment, confirm_payment, fail_payment, refund_payment, cancel_booking and cancel_event.';


--
-- Name: COLUMN payment.id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.id IS 'Identifier of the payment (the gateway gets it in the checkout URL and sends it back when confirming).';


--
-- Name: COLUMN payment.booking_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.booking_id IS 'The booking paid for.';


--
-- Name: COLUMN payment.amount; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.amount IS 'Amount to pay: the booking''s total at initiation.';


--
-- Name: COLUMN payment.currency; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.currency IS 'ISO 4217 currency (the booking''s).';


--
-- Name: COLUMN payment.method; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.method IS 'How the participant pays.';


--
-- Name: COLUMN payment.status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.status IS 'pending (waiting for the gateway), completed (money received), failed (declined; the participant may try again), partially_refunded, refunded.';


--
-- Name: COLUMN payment.payment_url; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.payment_url IS 'Where the participant pays (a placeholder checkout URL until a real gateway is wired in).';


--
-- Name: COLUMN payment.gateway_reference; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.gateway_reference IS 'The gateway''s id of the confirmed transaction; unique, so a repeated confirmation is recognised and changes nothing.';


--
-- Name: COLUMN payment.refunded_amount; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.refunded_amount IS 'Sum of its refunds; never above amount.';


--
-- Name: COLUMN payment.error_code; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.error_code IS 'Why the payment did not pay for a booking: GWLAT when the confirmation arrived after the booking had expired or been canceled (the money is refunded in full automatically), or the code fail_payment recorded.';


--
-- Name: COLUMN payment.error_message; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.error_message IS 'Human explanation of error_code.';


--
-- Name: COLUMN payment.initiated_by; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.initiated_by IS 'Who initiated it (Keycloak user id).';


--
-- Name: COLUMN payment.confirmed_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.confirmed_at IS 'When the gateway confirmed it.';


--
-- Name: COLUMN payment.failed_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.failed_at IS 'When the gateway reported it failed.';


--
-- Name: COLUMN payment.created_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.created_at IS 'When it was initiated.';


--
-- Name: COLUMN payment.updated_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.payment.updated_at IS 'When the row last changed.';


--
-- Name: CONSTRAINT payment_error_message_text_check ON payment; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT payment_error_message_text_check ON app_public.payment IS 'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';


--
-- Name: refund; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.refund (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    payment_id uuid NOT NULL,
    amount numeric(12,2) NOT NULL,
    currency character(3) NOT NULL,
    reason text NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT refund_amount_check CHECK ((amount > (0)::numeric)),
    CONSTRAINT refund_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT refund_reason_check CHECK (((char_length(reason) >= 3) AND (char_length(reason) <= 1000))),
    CONSTRAINT refund_reason_text_check CHECK (app_hidden.assert_clean_text(reason, 'reason'::text, true))
);


--
-- Name: TABLE refund; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.refund IS '@behavior -insert -update -delete
Money given back for a payment, full or partial; the sum of a payment''s refunds is its refunded_amount, never above what was paid. Each refund is announced as PaymentRefunded, which the payment gateway executes. Append-only.';


--
-- Name: COLUMN refund.id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.refund.id IS 'Identifier of the refund.';


--
-- Name: COLUMN refund.payment_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.refund.payment_id IS 'The payment refunded.';


--
-- Name: COLUMN refund.amount; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.refund.amount IS 'Amount given back (> 0).';


--
-- Name: COLUMN refund.currency; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.refund.currency IS 'The payment''s currency.';


--
-- Name: COLUMN refund.reason; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.refund.reason IS 'Why (3 to 1000 characters), e.g. the cancellation reason.';


--
-- Name: COLUMN refund.created_by; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.refund.created_by IS 'Who issued it; null when the system did (a late payment confirmation).';


--
-- Name: COLUMN refund.created_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.refund.created_at IS 'When it was issued.';


--
-- Name: CONSTRAINT refund_reason_text_check ON refund; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT refund_reason_text_check ON app_public.refund IS 'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';


--
-- Name: issue_refund(app_public.payment, numeric, text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.issue_refund(p app_public.payment, amount numeric, reason text) RETURNS app_public.refund
    LANGUAGE plpgsql
    AS $$
declare
  v_refund app_public.refund;
  v_payment app_public.payment;
begin
  insert into app_public.refund (payment_id, amount, currency, reason, created_by)
  values (p.id, issue_refund.amount, p.currency, issue_refund.reason, app_public.current_user_id())
  returning * into v_refund;

  update app_public.payment pay
  set refunded_amount = pay.refunded_amount + issue_refund.amount,
      status = case when pay.refunded_amount + issue_refund.amount = pay.amount then 'refunded' else 'partially_refunded' end::app_public.payment_status
  where pay.id = p.id
  returning * into v_payment;

  perform app_hidden.record_change(
    'booking', v_payment.booking_id, 'PaymentRefunded', 'payment.refund', 'refund',
    jsonb_build_object('refund', app_hidden.refund_data(v_refund), 'payment', app_hidden.payment_data(v_payment)),
    v_refund.id::text
  );
  return v_refund;
end;
$$;


--
-- Name: FUNCTION issue_refund(p app_public.payment, amount numeric, reason text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.issue_refund(p app_public.payment, amount numeric, reason text) IS 'Records a refund of a locked, paid payment and announces PaymentRefunded (the gateway executes it). Owner only.';


--
-- Name: ticket; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.ticket (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    booking_id uuid NOT NULL,
    event_id uuid NOT NULL,
    seat_no smallint NOT NULL,
    code text NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    status app_public.ticket_status DEFAULT 'valid'::app_public.ticket_status NOT NULL,
    void_reason app_public.ticket_void_reason,
    issued_at timestamp with time zone DEFAULT now() NOT NULL,
    voided_at timestamp with time zone,
    checked_in_at timestamp with time zone,
    checked_in_by uuid,
    checked_in_device text,
    CONSTRAINT ticket_checked_in_check CHECK ((((checked_in_at IS NULL) = (checked_in_by IS NULL)) AND ((checked_in_device IS NULL) OR (checked_in_at IS NOT NULL)))),
    CONSTRAINT ticket_checked_in_device_check CHECK ((checked_in_device ~ '^[A-Za-z0-9._:-]{1,64}$'::text)),
    CONSTRAINT ticket_code_check CHECK ((code ~ '^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$'::text)),
    CONSTRAINT ticket_seat_no_check CHECK (((seat_no >= 1) AND (seat_no <= 100))),
    CONSTRAINT ticket_version_check CHECK ((version > 0)),
    CONSTRAINT ticket_void_check CHECK ((((status = 'void'::app_public.ticket_status) = (voided_at IS NOT NULL)) AND ((status = 'void'::app_public.ticket_status) = (void_reason IS NOT NULL))))
);


--
-- Name: TABLE ticket; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.ticket IS '@behavior -insert -update -delete
One seat of a confirmed booking: issued when the booking becomes confirmed, voided when it is canceled. Seen by the booking''s holder, the event''s organizer and admins. Checked in with checkInTicket / checkInBatch.';


--
-- Name: COLUMN ticket.id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.id IS 'Identifier of the ticket.';


--
-- Name: COLUMN ticket.booking_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.booking_id IS 'The confirmed booking this ticket is a seat of.';


--
-- Name: COLUMN ticket.event_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.event_id IS 'The event it admits to (the booking''s event).';


--
-- Name: COLUMN ticket.seat_no; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.seat_no IS 'Which seat of the booking, 1 to the booking''s quantity (not a place in a boat).';


--
-- Name: COLUMN ticket.code; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.code IS 'Short code shown to the holder and typed or scanned at the gate: 8 characters of 23456789ABCDEFGHJKLMNPQRSTUVWXYZ, unique.';


--
-- Name: COLUMN ticket.version; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.version IS 'Issue number of this seat: 1 at first issue, one more at each reissue. Signed into the ticket token.';


--
-- Name: COLUMN ticket.status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.status IS 'valid or void; a void ticket never checks in.';


--
-- Name: COLUMN ticket.void_reason; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.void_reason IS 'booking_canceled or reissued, when void.';


--
-- Name: COLUMN ticket.issued_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.issued_at IS 'When it was issued.';


--
-- Name: COLUMN ticket.voided_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.voided_at IS 'When it became void.';


--
-- Name: COLUMN ticket.checked_in_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.checked_in_at IS 'When it was checked in (for an offline scan: when it was scanned); null when not checked in.';


--
-- Name: COLUMN ticket.checked_in_by; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.checked_in_by IS 'The organizer staff member (Keycloak user id) who checked it in.';


--
-- Name: COLUMN ticket.checked_in_device; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.ticket.checked_in_device IS 'The scanner device of an offline batch that checked it in (letters, digits, . _ : -, up to 64); null for online scans.';


--
-- Name: issue_tickets(app_public.booking, integer); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.issue_tickets(booking app_public.booking, first_version integer DEFAULT 1) RETURNS SETOF app_public.ticket
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_seat integer;
  v_ticket app_public.ticket;
  v_tickets jsonb := '[]';
begin
  for v_seat in 1 .. issue_tickets.booking.quantity loop
    loop
      begin
        insert into app_public.ticket (booking_id, event_id, seat_no, code, version)
        values (issue_tickets.booking.id, issue_tickets.booking.event_id, v_seat,
                app_hidden.new_ticket_code(), issue_tickets.first_version)
        returning * into v_ticket;
        exit;
      exception when unique_violation then
        -- Only a code collision (one in ~10^12 per pair) retries; a second
        -- valid ticket for a seat is a bug and must surface.
        if sqlerrm not like '%ticket_code_key%' then
          raise;
        end if;
      end;
    end loop;
    v_tickets := v_tickets || jsonb_build_object('ticketId', v_ticket.id, 'seatNo', v_ticket.seat_no, 'version', v_ticket.version);
    return next v_ticket;
  end loop;
  -- Codes stay out of the event: a code admits a person, and Kafka readers
  -- are not the gate. Consumers that show tickets read them through the API.
  perform app_hidden.record_change(
    'booking', issue_tickets.booking.id, 'TicketsIssued', 'ticket.issue', 'ticket',
    jsonb_build_object('bookingId', issue_tickets.booking.id, 'eventId', issue_tickets.booking.event_id,
                       'userId', issue_tickets.booking.user_id, 'tickets', v_tickets)
  );
end;
$$;


--
-- Name: FUNCTION issue_tickets(booking app_public.booking, first_version integer); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.issue_tickets(booking app_public.booking, first_version integer) IS 'Issues one valid ticket per seat of the booking (with this version) and records TicketsIssued. Called by the booking trigger and reissue_tickets only.';


--
-- Name: jsonb_changes(jsonb, jsonb); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.jsonb_changes(old_value jsonb, new_value jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
  select coalesce(
    jsonb_object_agg(n.key, jsonb_build_object('from', o.value, 'to', n.value) order by n.key),
    '{}'::jsonb
  )
  from jsonb_each(new_value) as n
  left join jsonb_each(old_value) as o on o.key = n.key
  where o.value is distinct from n.value;
$$;


--
-- Name: FUNCTION jsonb_changes(old_value jsonb, new_value jsonb); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.jsonb_changes(old_value jsonb, new_value jsonb) IS 'The keys whose values differ between two JSON objects, as {key: {from, to}}; {} when nothing changed.';


--
-- Name: jsonb_replace_id(jsonb, uuid, uuid); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.jsonb_replace_id(doc jsonb, old_id uuid, new_id uuid) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
  select replace(doc::text, '"' || old_id::text || '"', '"' || new_id::text || '"')::jsonb;
$$;


--
-- Name: FUNCTION jsonb_replace_id(doc jsonb, old_id uuid, new_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.jsonb_replace_id(doc jsonb, old_id uuid, new_id uuid) IS 'doc with every string value equal to old_id replaced by new_id (ids are canonical lower-case uuids, so a textual replace of the quoted form is exact).';


--
-- Name: latitude_band(double precision, double precision); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.latitude_band(latitude double precision, radius_km double precision) RETURNS double precision[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  -- radius_km on earthdistance's sphere, in degrees of latitude; a millionth
  -- (plus ~0.1 m) wider, never narrower: the exact test (within_km) decides.
  select array[greatest(-90, latitude - reach), least(90, latitude + reach)]
  from (select degrees(radius_km * 1000 / public.earth()) * 1.000001 + 1e-6 as reach) r;
$$;


--
-- Name: FUNCTION latitude_band(latitude double precision, radius_km double precision); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.latitude_band(latitude double precision, radius_km double precision) IS '{lowest, highest} latitude of the points within radius_km (great circle) of a point at this latitude, slightly wide: the index bound of a nearest-first search.';


--
-- Name: login_roles(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.login_roles() RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
  select coalesce((select s.roles from app_private.staff_login s where s.login = session_user), '{}'::text[]);
$$;


--
-- Name: FUNCTION login_roles(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.login_roles() IS 'The realm roles mapped to this session''s login (app_private.staff_login); empty when unmapped.';


--
-- Name: login_user_id(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.login_user_id() RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
  select s.user_id from app_private.staff_login s where s.login = session_user;
$$;


--
-- Name: FUNCTION login_user_id(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.login_user_id() IS 'The application user id mapped to this session''s login (app_private.staff_login), or null.';


--
-- Name: new_ticket_code(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.new_ticket_code() RETURNS text
    LANGUAGE sql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
  -- 40 random bits (the first five bytes of a v4 uuid are all random) as
  -- eight 5-bit digits of the unambiguous alphabet.
  with b as (select uuid_send(gen_random_uuid()) as bytes),
  bits as (
    select (get_byte(bytes, 0)::bigint << 32) | (get_byte(bytes, 1)::bigint << 24)
         | (get_byte(bytes, 2)::bigint << 16) | (get_byte(bytes, 3)::bigint << 8)
         | get_byte(bytes, 4)::bigint as n
    from b
  )
  select string_agg(substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((n >> (5 * i)) & 31)::integer + 1, 1), '' order by i desc)
  from bits, generate_series(0, 7) as i;
$$;


--
-- Name: FUNCTION new_ticket_code(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.new_ticket_code() IS 'A fresh random ticket code (not checked for uniqueness: ticket_code_key is, and issue_tickets retries).';


--
-- Name: normalize_ticket_code(text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.normalize_ticket_code(code text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
  v_code text := upper(regexp_replace(coalesce(normalize_ticket_code.code, ''), '[\s-]', '', 'g'));
begin
  if v_code !~ '^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$' then
    raise exception 'code must be 8 characters of 23456789ABCDEFGHJKLMNPQRSTUVWXYZ'
      using errcode = 'TKFMT', column = 'code';
  end if;
  return v_code;
end;
$_$;


--
-- Name: FUNCTION normalize_ticket_code(code text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.normalize_ticket_code(code text) IS 'A scanned or typed code in canonical form (upper case, spaces and dashes dropped), or TKFMT.';


--
-- Name: offer_freed_seats(uuid); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.offer_freed_seats(event_id uuid) RETURNS integer
    LANGUAGE plpgsql
    AS $$
declare
  v_counter app_public.event_seat_counter;
  v_free integer;
  v_tier_free integer;
  v_n integer;
  v_entry app_public.waitlist_entry;
  v_count integer := 0;
  v_hold interval := app_hidden.waitlist_offer_hold();
begin
  select * into v_counter from app_public.event_seat_counter c
  where c.event_id = offer_freed_seats.event_id
  for no key update;
  if not found or v_counter.bookable_until is null or now() >= v_counter.bookable_until then
    return 0; -- not taking bookings: nothing to offer
  end if;
  if exists (select from app_public.event e
             where e.id = offer_freed_seats.event_id and e.waitlist_paused_at is not null) then
    return 0; -- the organizer paused offers
  end if;
  v_free := v_counter.capacity - v_counter.seats_taken;
  -- The first in line (waitlist_entry_waiting_line_idx, one probe). As an
  -- EXISTS, a generic plan expecting thousands of waiting rows for any event
  -- chose a sequential scan "that stops at the first match" and read the
  -- whole table when the event had none; the order makes the index the only
  -- cheap way.
  if v_free <= 0 or (
    select w.id from app_public.waitlist_entry w
    where w.event_id = offer_freed_seats.event_id and w.status = 'waiting'
    order by w.joined_at, w.id
    limit 1
  ) is null then
    return 0;
  end if;

  perform from app_public.price_tier_seat_counter c
  where c.price_tier_id in (
    select w.price_tier_id from app_public.waitlist_entry w
    where w.event_id = offer_freed_seats.event_id and w.status = 'waiting'
  )
  order by c.price_tier_id
  for no key update;

  for v_entry in
    select * from app_public.waitlist_entry w
    where w.event_id = offer_freed_seats.event_id and w.status = 'waiting'
    order by w.joined_at, w.id
    for update
  loop
    exit when v_free <= 0;
    v_n := least(v_entry.seats_wanted, v_free);
    if v_entry.price_tier_id is not null then
      select case when c.quota is null then v_n else c.quota - c.seats_taken end into v_tier_free
      from app_public.price_tier_seat_counter c where c.price_tier_id = v_entry.price_tier_id;
      v_n := least(v_n, coalesce(v_tier_free, 0));
    end if;
    continue when v_n <= 0 or (v_n < v_entry.seats_wanted and not v_entry.accepts_fewer);

    update app_public.event_seat_counter c set seats_taken = c.seats_taken + v_n
    where c.event_id = v_entry.event_id and c.seats_taken + v_n <= c.capacity;
    exit when not found; -- cannot happen under our lock; never raise at someone else's commit
    if v_entry.price_tier_id is not null then
      update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken + v_n
      where c.price_tier_id = v_entry.price_tier_id and (c.quota is null or c.seats_taken + v_n <= c.quota);
      if not found then
        update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_n where c.event_id = v_entry.event_id;
        continue;
      end if;
    end if;
    v_free := v_free - v_n;

    update app_public.waitlist_entry w set
      status = 'offered', offered_seats = v_n, offered_at = now(),
      offer_expires_at = least(now() + v_hold, v_counter.bookable_until)
    where w.id = v_entry.id
    returning * into v_entry;
    perform app_hidden.record_change(
      'waitlist', v_entry.id, 'SeatsOffered', 'waitlist.offer', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
    );
    v_count := v_count + 1;
  end loop;

  -- No job is scheduled here: graphile_worker.add_job with a job key locks one
  -- global row, and taking it while holding counter rows lets two commits
  -- wait on each other. The minute cron and the task's own rescheduling
  -- (outside any counter lock) expire offers at most about a minute late.
  return v_count;
end;
$$;


--
-- Name: FUNCTION offer_freed_seats(event_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.offer_freed_seats(event_id uuid) IS 'Offers the event''s free seats to its waiting list in joined order (an entry that does not fit is skipped; fewer seats only with accepts_fewer): each offer holds its seats on the event (and tier) seat counters, SeatsOffered each. Nothing while the event is not taking bookings or its offers are paused. Returns the number of offers. Called at the commit of every transaction that frees seats of a list_first event (deferred trigger), by the offer_waitlist_seats task for first_come events, and on resume; owner only.';


--
-- Name: payment_data(app_public.payment); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.payment_data(p app_public.payment) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
  select jsonb_build_object(
    'id', p.id, 'bookingId', p.booking_id, 'amount', p.amount, 'currency', p.currency,
    'method', p.method, 'status', p.status, 'gatewayReference', p.gateway_reference,
    'refundedAmount', p.refunded_amount, 'errorCode', p.error_code, 'errorMessage', p.error_message,
    'confirmedAt', p.confirmed_at, 'failedAt', p.failed_at
  );
$$;


--
-- Name: FUNCTION payment_data(p app_public.payment); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.payment_data(p app_public.payment) IS 'A payment as the JSON payload of outbox messages.';


--
-- Name: payment_url_base(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.payment_url_base() RETURNS text
    LANGUAGE sql STABLE
    AS $$
  select coalesce(
    (select s.value from app_private.setting s where s.key = 'payment_url_base'),
    'https://pay.aquastream.invalid/checkout/'
  );
$$;


--
-- Name: FUNCTION payment_url_base(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.payment_url_base() IS 'Prefix of the placeholder checkout URL (setting payment_url_base).';


--
-- Name: price_booking(uuid, uuid, integer, text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.price_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) RETURNS app_public.booking_quote
    LANGUAGE plpgsql STABLE
    AS $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event app_public.event;
  v_tier app_public.event_price_tier;
  v_promo app_public.promo_code;
  v_code text := app_hidden.clean_text(price_booking.promo_code);
  v_quote app_public.booking_quote;
  v_closes_at timestamptz;
  v_event_taken integer;
  v_tier_taken integer;
begin
  select * into v_event from app_public.event e where e.id = price_booking.event_id;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception 'event not found' using errcode = 'P0002';
  end if;
  if v_event.organizer_id = v_user_id then
    raise exception 'organizers cannot book their own event' using errcode = 'BKOWN';
  end if;

  if price_booking.quantity is null or price_booking.quantity not between 1 and 20 then
    raise exception 'quantity must be between 1 and 20' using errcode = 'BKQTY', column = 'quantity';
  end if;
  select * into v_tier from app_public.event_price_tier t where t.id = price_booking.price_tier_id;
  -- A tier of this (visible) event is visible; another event's only if that event is.
  if not found or (v_tier.event_id <> v_event.id and not exists (
    select from app_public.event e where e.id = v_tier.event_id and app_hidden.event_is_visible(e)
  )) then
    raise exception 'price tier not found' using errcode = 'P0002', column = 'price_tier_id';
  end if;
  if v_tier.event_id <> v_event.id then
    raise exception 'price tier "%" belongs to another event', v_tier.name
      using errcode = 'BKTEV', column = 'price_tier_id', hint = 'Use one of this event''s price tiers.';
  end if;
  if v_code is not null then
    -- The event's own code wins over a global one with the same text.
    select * into v_promo from app_public.promo_code pc
    where pc.code = v_code::citext and (pc.event_id = v_event.id or pc.event_id is null)
    order by pc.event_id nulls last
    limit 1;
    if not found then
      raise exception 'unknown promo code "%"', v_code using errcode = 'CPUNK', column = 'promo_code';
    end if;
  end if;

  if v_event.status <> 'published' then
    raise exception 'bookings are closed: the event is %', v_event.status using errcode = '55000', column = 'status';
  end if;
  v_closes_at := v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours);
  if now() >= v_closes_at then
    raise exception 'bookings for this event closed at %', v_closes_at
      using errcode = 'BKCLO', hint = 'Bookings close booking_deadline_hours before the event starts.';
  end if;
  if exists (
    select from app_public.booking b
    where b.event_id = v_event.id and b.user_id = v_user_id and b.status in ('pending_payment', 'confirmed')
  ) then
    raise exception 'you already have a booking for this event'
      using errcode = 'BKDUP', hint = 'Cancel it first to book differently.';
  end if;
  perform app_hidden.assert_booking_limits(v_event, v_user_id, price_booking.quantity);
  -- A read, not a lock: create_booking's guarded updates decide under the lock.
  v_event_taken := app_public.event_seats_taken(v_event);
  v_tier_taken := app_public.event_price_tier_seats_taken(v_tier);
  if v_event_taken + price_booking.quantity > v_event.capacity then
    raise exception 'sold out: % seat(s) requested, % left', price_booking.quantity, v_event.capacity - v_event_taken
      using errcode = 'BKFUL';
  end if;
  if v_tier_taken + price_booking.quantity > v_tier.quota then
    raise exception 'price tier "%" is sold out: % seat(s) requested, % left', v_tier.name,
      price_booking.quantity, v_tier.quota - v_tier_taken
      using errcode = 'BKTQF';
  end if;
  if v_promo.id is not null then
    if not v_promo.is_active then
      raise exception 'promo code "%" has been deactivated', v_code using errcode = 'CPINA', column = 'promo_code';
    end if;
    if now() < v_promo.valid_from or now() >= v_promo.valid_until then
      raise exception 'promo code "%" is not valid now', v_code using errcode = 'CPEXP', column = 'promo_code';
    end if;
    if v_promo.discount_kind = 'fixed' and v_promo.currency <> v_tier.currency then
      raise exception 'promo code "%" is in %, the price in %', v_code, v_promo.currency, v_tier.currency
        using errcode = 'CPCUR', column = 'promo_code';
    end if;
    if v_promo.uses >= v_promo.max_uses then
      raise exception 'promo code "%" has reached its usage limit', v_code using errcode = 'CPUSE', column = 'promo_code';
    end if;
  end if;

  v_quote.event_id := v_event.id;
  v_quote.price_tier_id := v_tier.id;
  v_quote.quantity := price_booking.quantity;
  v_quote.unit_price := v_tier.price;
  v_quote.subtotal := v_tier.price * price_booking.quantity;
  v_quote.discount_amount := least(v_quote.subtotal, coalesce(
    case v_promo.discount_kind
      when 'percent' then round(v_quote.subtotal * v_promo.percent_off / 100.0, 2)
      when 'fixed' then v_promo.amount_off
    end, 0));
  v_quote.total_amount := v_quote.subtotal - v_quote.discount_amount;
  v_quote.currency := v_tier.currency;
  v_quote.promo_code_id := v_promo.id;
  v_quote.payment_deadline := least(now() + app_hidden.booking_hold(), v_closes_at);
  return v_quote;
end;
$$;


--
-- Name: FUNCTION price_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.price_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) IS 'Checks every booking rule for the caller (including the anti-hoarding limits of assert_booking_limits) and computes the price (tier price × quantity − promo discount, never below zero) and the payment deadline. Writes nothing; the seat checks here are a preview, create_booking''s guarded counter updates decide. Shared by quote_booking and create_booking.';


--
-- Name: price_tier_data(app_public.event_price_tier); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.price_tier_data(t app_public.event_price_tier) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
  select jsonb_build_object(
    'id', t.id,
    'eventId', t.event_id,
    'name', t.name,
    'price', t.price,
    'currency', t.currency,
    'quota', t.quota,
    'seatsTaken', app_public.event_price_tier_seats_taken(t),
    'sortOrder', t.sort_order
  );
$$;


--
-- Name: FUNCTION price_tier_data(t app_public.event_price_tier); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.price_tier_data(t app_public.event_price_tier) IS 'A price tier as the JSON payload of outbox messages (camelCase keys).';


--
-- Name: promo_code; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.promo_code (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    code public.citext NOT NULL,
    event_id uuid,
    created_by uuid NOT NULL,
    discount_kind app_public.discount_kind NOT NULL,
    percent_off integer,
    amount_off numeric(12,2),
    currency character(3),
    valid_from timestamp with time zone,
    valid_until timestamp with time zone,
    max_uses integer,
    uses integer DEFAULT 0 NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    deactivated_at timestamp with time zone,
    deactivated_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT promo_code_amount_off_check CHECK ((amount_off > (0)::numeric)),
    CONSTRAINT promo_code_code_check CHECK ((code OPERATOR(public.~) '^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$'::public.citext)),
    CONSTRAINT promo_code_code_text_check CHECK (app_hidden.assert_clean_text((code)::text, 'code'::text, false)),
    CONSTRAINT promo_code_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT promo_code_deactivated_at_check CHECK ((is_active = (deactivated_at IS NULL))),
    CONSTRAINT promo_code_discount_kind_check CHECK ((((discount_kind = 'percent'::app_public.discount_kind) AND (percent_off IS NOT NULL) AND (amount_off IS NULL) AND (currency IS NULL)) OR ((discount_kind = 'fixed'::app_public.discount_kind) AND (percent_off IS NULL) AND (amount_off IS NOT NULL) AND (currency IS NOT NULL)))),
    CONSTRAINT promo_code_max_uses_check CHECK ((max_uses > 0)),
    CONSTRAINT promo_code_percent_off_check CHECK (((percent_off >= 1) AND (percent_off <= 100))),
    CONSTRAINT promo_code_uses_check CHECK (((uses >= 0) AND ((max_uses IS NULL) OR (uses <= max_uses)))),
    CONSTRAINT promo_code_valid_until_check CHECK ((valid_until > valid_from))
);


--
-- Name: TABLE promo_code; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.promo_code IS '@behavior -insert -update -delete
A discount code for one event or (event_id null) for every event. Visible to the organizer of its event and to admins only, so codes cannot be enumerated. Changed through create_promo_code, deactivate_promo_code, and by bookings (uses).';


--
-- Name: COLUMN promo_code.id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.id IS 'Identifier of the promo code.';


--
-- Name: COLUMN promo_code.code; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.code IS 'What the participant types; case-insensitive, 3 to 40 letters, digits, "-" or "_"; unique per event and among global codes.';


--
-- Name: COLUMN promo_code.event_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.event_id IS 'The event it applies to; null: a global code (admins only), valid for every event.';


--
-- Name: COLUMN promo_code.created_by; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.created_by IS 'Who created it (Keycloak user id).';


--
-- Name: COLUMN promo_code.discount_kind; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.discount_kind IS 'percent or fixed.';


--
-- Name: COLUMN promo_code.percent_off; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.percent_off IS 'For percent codes: 1..100 % of the subtotal (rounded to cents).';


--
-- Name: COLUMN promo_code.amount_off; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.amount_off IS 'For fixed codes: amount taken off the subtotal (never below zero).';


--
-- Name: COLUMN promo_code.currency; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.currency IS 'For fixed codes: the currency of amount_off; applies only to tiers in that currency.';


--
-- Name: COLUMN promo_code.valid_from; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.valid_from IS 'Not valid before this time (null: from creation).';


--
-- Name: COLUMN promo_code.valid_until; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.valid_until IS 'Not valid from this time on (null: no end).';


--
-- Name: COLUMN promo_code.max_uses; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.max_uses IS 'How many live bookings may use it at once (null: unlimited).';


--
-- Name: COLUMN promo_code.uses; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.uses IS 'Live (pending_payment or confirmed) bookings using it now: a canceled or expired booking gives its use back. Never above max_uses.';


--
-- Name: COLUMN promo_code.is_active; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.is_active IS 'False once deactivated: no new booking may use it (existing bookings keep their discount).';


--
-- Name: COLUMN promo_code.deactivated_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.deactivated_at IS 'When it was deactivated.';


--
-- Name: COLUMN promo_code.deactivated_by; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.deactivated_by IS 'Who deactivated it.';


--
-- Name: COLUMN promo_code.created_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.created_at IS 'When it was created.';


--
-- Name: COLUMN promo_code.updated_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.promo_code.updated_at IS 'When the row last changed.';


--
-- Name: CONSTRAINT promo_code_code_text_check ON promo_code; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT promo_code_code_text_check ON app_public.promo_code IS 'User-visible text rule (app_hidden.assert_clean_text, single-line): TXCHR.';


--
-- Name: promo_code_data(app_public.promo_code); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.promo_code_data(p app_public.promo_code) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
  select jsonb_build_object(
    'id', p.id, 'code', p.code, 'eventId', p.event_id, 'createdBy', p.created_by,
    'discountKind', p.discount_kind, 'percentOff', p.percent_off, 'amountOff', p.amount_off,
    'currency', p.currency, 'validFrom', p.valid_from, 'validUntil', p.valid_until,
    'maxUses', p.max_uses, 'uses', p.uses, 'isActive', p.is_active, 'deactivatedAt', p.deactivated_at
  );
$$;


--
-- Name: FUNCTION promo_code_data(p app_public.promo_code); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.promo_code_data(p app_public.promo_code) IS 'A promo code as the JSON payload of outbox messages.';


--
-- Name: prune_outbox(interval); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.prune_outbox(retention interval) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_count integer;
begin
  if retention is null or retention < interval '0' then
    raise exception 'retention must be zero or more' using errcode = '22023', column = 'retention';
  end if;
  delete from app_private.outbox o
  where o.published_at is not null
    and o.published_at < now() - prune_outbox.retention;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;


--
-- Name: FUNCTION prune_outbox(retention interval); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.prune_outbox(retention interval) IS 'Deletes outbox rows published (acknowledged by Kafka) longer ago than `retention`; returns how many. Unpublished and parked rows are never pruned. Run daily by the worker''s prune_outbox task as the owner.';


--
-- Name: record_change(text, uuid, text, text, text, jsonb, text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.record_change(aggregate_type text, aggregate_id uuid, event_type text, action text, table_name text, data jsonb, row_id text DEFAULT NULL::text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_outbox_id uuid;
begin
  insert into app_private.audit_log (actor_id, actor_roles, action, table_name, row_id, details, request_id)
  values (
    app_public.current_user_id(),
    app_public.current_user_roles(),
    record_change.action,
    record_change.table_name,
    coalesce(record_change.row_id, record_change.aggregate_id::text),
    coalesce(record_change.data, '{}'::jsonb),
    nullif(current_setting('app.request_id', true), '')
  );

  insert into app_private.outbox (aggregate_type, aggregate_id, event_type, actor_id, data)
  values (
    record_change.aggregate_type,
    record_change.aggregate_id,
    record_change.event_type,
    app_public.current_user_id(),
    coalesce(record_change.data, '{}'::jsonb)
  )
  returning id into v_outbox_id;

  -- The Kafka relay (a later issue) will also enqueue its graphile-worker job here,
  -- in this same transaction.
  return v_outbox_id;
end;
$$;


--
-- Name: FUNCTION record_change(aggregate_type text, aggregate_id uuid, event_type text, action text, table_name text, data jsonb, row_id text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.record_change(aggregate_type text, aggregate_id uuid, event_type text, action text, table_name text, data jsonb, row_id text) IS 'Writes the audit row and the outbox row of one state change, in the caller''s transaction; returns the outbox (envelope) id. Executable by the owner only, i.e. from the API''s security-definer functions: clients can never forge an outbox message.';


--
-- Name: record_crew_assigned(uuid, uuid, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.record_crew_assigned(event_id uuid, crew_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event app_public.event;
begin
  select * into v_event from app_public.event e where e.id = record_crew_assigned.event_id for update;
  if not found then
    raise exception 'event % not found', record_crew_assigned.event_id using errcode = 'P0002';
  end if;

  if v_event.crew_id = record_crew_assigned.crew_id and v_event.crew_status = 'assigned' then
    return true; -- already recorded (a retry after a lost answer)
  end if;

  if v_event.status <> 'published' or v_event.crew_status <> 'pending'
     or (v_event.starts_at, v_event.ends_at) is distinct from (record_crew_assigned.starts_at, record_crew_assigned.ends_at) then
    insert into app_private.crew_assignment (event_id, crew_id, starts_at, ends_at, release_requested_at)
    values (v_event.id, record_crew_assigned.crew_id, record_crew_assigned.starts_at, record_crew_assigned.ends_at, now());
    perform app_hidden.enqueue_crew_job('release_crew', v_event.id);
    return false;
  end if;

  insert into app_private.crew_assignment (event_id, crew_id, starts_at, ends_at)
  values (v_event.id, record_crew_assigned.crew_id, v_event.starts_at, v_event.ends_at);
  update app_public.event e
  set crew_id = record_crew_assigned.crew_id, crew_status = 'assigned'
  where e.id = v_event.id
  returning * into v_event;

  perform app_hidden.record_change(
    'crew', v_event.id, 'CrewAssigned', 'crew.assign', 'event',
    jsonb_build_object('eventId', v_event.id, 'crewId', v_event.crew_id,
                       'startsAt', v_event.starts_at, 'endsAt', v_event.ends_at)
  );
  return true;
end;
$$;


--
-- Name: FUNCTION record_crew_assigned(event_id uuid, crew_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.record_crew_assigned(event_id uuid, crew_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) IS 'The worker records the crew the crew service assigned for this period: the event gets crew_id, crew_status assigned, CrewAssigned. Idempotent. If the event no longer wants it (canceled, new dates, already assigned), the crew is queued for release instead and false is returned. Errors: P0002, 23P01 (the crew is on an overlapping event).';


--
-- Name: record_crew_assignment_failed(uuid, text, integer); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.record_crew_assignment_failed(event_id uuid, error text, attempts integer) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event app_public.event;
begin
  update app_public.event e
  set crew_status = 'failed'
  where e.id = record_crew_assignment_failed.event_id and e.status = 'published' and e.crew_status = 'pending'
  returning * into v_event;
  if not found then
    return false; -- no longer waiting for a crew: nothing failed
  end if;

  perform app_hidden.record_change(
    'crew', v_event.id, 'CrewAssignmentFailed', 'crew.assign_failed', 'event',
    jsonb_build_object('eventId', v_event.id, 'startsAt', v_event.starts_at, 'endsAt', v_event.ends_at,
                       'organizerId', v_event.organizer_id, 'attempts', record_crew_assignment_failed.attempts,
                       'error', record_crew_assignment_failed.error)
  );
  return true;
end;
$$;


--
-- Name: FUNCTION record_crew_assignment_failed(event_id uuid, error text, attempts integer); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.record_crew_assignment_failed(event_id uuid, error text, attempts integer) IS 'The worker gave up assigning a crew after its last attempt: crew_status failed and CrewAssignmentFailed (for admins), if the event was still waiting. Returns whether it was.';


--
-- Name: record_crew_released(uuid); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.record_crew_released(assignment_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_assignment app_private.crew_assignment;
begin
  update app_private.crew_assignment a
  set released_at = now()
  where a.id = record_crew_released.assignment_id and a.release_requested_at is not null and a.released_at is null
  returning * into v_assignment;
  if not found then
    return false;
  end if;

  perform app_hidden.record_change(
    'crew', v_assignment.event_id, 'CrewReleased', 'crew.release', 'crew_assignment',
    jsonb_build_object('eventId', v_assignment.event_id, 'crewId', v_assignment.crew_id,
                       'startsAt', v_assignment.starts_at, 'endsAt', v_assignment.ends_at),
    v_assignment.id::text
  );
  return true;
end;
$$;


--
-- Name: FUNCTION record_crew_released(assignment_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.record_crew_released(assignment_id uuid) IS 'The worker records that the crew service released an assignment: released_at and CrewReleased, once.';


--
-- Name: reduce_ended_bookings(timestamp with time zone); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.reduce_ended_bookings(ended_before timestamp with time zone) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  v_count integer;
begin
  with owners as (
    select b.user_id, gen_random_uuid() as pseudonym
    from app_public.booking b
    where b.status in ('expired', 'canceled')
      and coalesce(b.canceled_at, b.expired_at, b.updated_at) < ended_before
      and not exists (select from app_private.pseudonym p where p.pseudonym = b.user_id)
    group by b.user_id
  ), reduced as (
    update app_public.booking b
    set user_id = o.pseudonym,
        canceled_by = case when b.canceled_by = o.user_id then o.pseudonym else b.canceled_by end,
        cancel_reason = case when b.cancel_reason is null then null else '[erased]' end
    from owners o
    where b.user_id = o.user_id
      and b.status in ('expired', 'canceled')
      and coalesce(b.canceled_at, b.expired_at, b.updated_at) < ended_before
    returning b.user_id
  ), remembered as (
    insert into app_private.pseudonym (pseudonym, reason)
    select distinct r.user_id, 'retention' from reduced r
    on conflict do nothing
  )
  select count(*) into v_count from reduced;
  return v_count;
end;
$$;


--
-- Name: FUNCTION reduce_ended_bookings(ended_before timestamp with time zone); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.reduce_ended_bookings(ended_before timestamp with time zone) IS 'Retention of ended bookings: user id → random pseudonym, cancel reason → "[erased]", for expired/canceled bookings that ended before the given time. Returns how many bookings were reduced. Owner only.';


--
-- Name: refund_data(app_public.refund); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.refund_data(r app_public.refund) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
  select jsonb_build_object(
    'id', r.id, 'paymentId', r.payment_id, 'amount', r.amount, 'currency', r.currency,
    'reason', r.reason, 'createdBy', r.created_by, 'createdAt', r.created_at
  );
$$;


--
-- Name: FUNCTION refund_data(r app_public.refund); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.refund_data(r app_public.refund) IS 'A refund as the JSON payload of outbox messages.';


--
-- Name: review; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.review (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    event_id uuid NOT NULL,
    user_id uuid NOT NULL,
    rating integer NOT NULL,
    content text NOT NULL,
    status app_public.review_status NOT NULL,
    helpful_count integer DEFAULT 0 NOT NULL,
    moderated_by uuid,
    moderated_at timestamp with time zone,
    moderation_note text,
    edited_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT review_content_check CHECK ((((char_length(content) >= 1) AND (char_length(content) <= 4000)) AND (content ~ '[^\s\u00A0\u1680\u2000-\u200B\u2028\u2029\u202F\u205F\u3000\uFEFF]'::text))),
    CONSTRAINT review_content_control_check CHECK ((content !~ '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]'::text)),
    CONSTRAINT review_content_text_check CHECK (app_hidden.assert_clean_text(content, 'content'::text, true)),
    CONSTRAINT review_helpful_count_check CHECK ((helpful_count >= 0)),
    CONSTRAINT review_moderated_at_check CHECK ((((moderated_at IS NULL) = (moderated_by IS NULL)) AND ((moderation_note IS NULL) OR (moderated_at IS NOT NULL)) AND ((status <> 'rejected'::app_public.review_status) OR (moderated_at IS NOT NULL)))),
    CONSTRAINT review_moderation_note_check CHECK (((char_length(moderation_note) >= 1) AND (char_length(moderation_note) <= 1000))),
    CONSTRAINT review_moderation_note_text_check CHECK (app_hidden.assert_clean_text(moderation_note, 'moderation_note'::text, true)),
    CONSTRAINT review_rating_check CHECK (((rating >= 1) AND (rating <= 5)))
);


--
-- Name: TABLE review; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.review IS '@behavior -insert -update -delete
A participant''s review of an event they attended (confirmed booking, event ended): rating 1 to 5 and plain text. One per user per event. Everyone sees active reviews; pending and rejected ones only their author and admins. Changed through create_review, update_review, delete_review, moderate_review, and (helpful_count) mark_review_helpful / unmark_review_helpful.';


--
-- Name: COLUMN review.id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.id IS 'Identifier of the review.';


--
-- Name: COLUMN review.event_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.event_id IS 'The event reviewed.';


--
-- Name: COLUMN review.user_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.user_id IS 'The author (Keycloak user id).';


--
-- Name: COLUMN review.rating; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.rating IS '1 (worst) to 5 (best).';


--
-- Name: COLUMN review.content; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.content IS 'Plain text, 1 to 4000 characters, stored exactly as the author sent it (no trimming, no HTML escaping): render it as text, never as HTML. Line breaks and tabs are kept; other control characters are refused.';


--
-- Name: COLUMN review.status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.status IS 'pending (waiting for an admin), active (public) or rejected (by an admin).';


--
-- Name: COLUMN review.helpful_count; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.helpful_count IS 'How many users marked the review helpful: the number of its votes (kept in step by a trigger, exact under concurrency).';


--
-- Name: COLUMN review.moderated_by; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.moderated_by IS 'The admin who last moderated it (Keycloak user id); null if never moderated.';


--
-- Name: COLUMN review.moderated_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.moderated_at IS 'When it was last moderated.';


--
-- Name: COLUMN review.moderation_note; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.moderation_note IS 'The admin''s note of the last moderation (1 to 1000 characters), shown to whoever sees the review: write it for the author.';


--
-- Name: COLUMN review.edited_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.edited_at IS 'When its author last changed the rating or text; null if never edited.';


--
-- Name: COLUMN review.created_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.created_at IS 'When it was written.';


--
-- Name: COLUMN review.updated_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review.updated_at IS 'When the row last changed (edits, moderation, vote counts).';


--
-- Name: CONSTRAINT review_content_text_check ON review; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT review_content_text_check ON app_public.review IS 'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';


--
-- Name: CONSTRAINT review_moderation_note_text_check ON review; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT review_moderation_note_text_check ON app_public.review IS 'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';


--
-- Name: review_data(app_public.review); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.review_data(r app_public.review) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
  select jsonb_build_object(
    'id', r.id, 'eventId', r.event_id, 'userId', r.user_id, 'rating', r.rating, 'content', r.content,
    'status', r.status, 'helpfulCount', r.helpful_count, 'moderatedBy', r.moderated_by,
    'moderatedAt', r.moderated_at, 'moderationNote', r.moderation_note, 'editedAt', r.edited_at,
    'createdAt', r.created_at
  );
$$;


--
-- Name: FUNCTION review_data(r app_public.review); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.review_data(r app_public.review) IS 'A review as the JSON payload of outbox messages (camelCase keys).';


--
-- Name: review_is_visible(app_public.review); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.review_is_visible(r app_public.review) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select r.status = 'active' or r.user_id = app_public.current_user_id() or app_public.has_role('admin');
$$;


--
-- Name: FUNCTION review_is_visible(r app_public.review); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.review_is_visible(r app_public.review) IS 'Whether the caller may see this review: the rule of the select_visible policy, for security-definer functions. Keep both in step.';


--
-- Name: review_moderation_on(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.review_moderation_on() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select coalesce((select s.value = 'on' from app_private.setting s where s.key = 'review_moderation'), false);
$$;


--
-- Name: FUNCTION review_moderation_on(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.review_moderation_on() IS 'Whether reviews are moderated before they are shown: setting review_moderation (default off).';


--
-- Name: review_reply; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.review_reply (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    review_id uuid NOT NULL,
    organizer_id uuid NOT NULL,
    content text NOT NULL,
    status app_public.review_status NOT NULL,
    moderated_by uuid,
    moderated_at timestamp with time zone,
    moderation_note text,
    edited_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT review_reply_content_check CHECK (((char_length(content) >= 1) AND (char_length(content) <= 2000))),
    CONSTRAINT review_reply_content_text_check CHECK (app_hidden.assert_clean_text(content, 'content'::text, true)),
    CONSTRAINT review_reply_moderation_note_text_check CHECK (app_hidden.assert_clean_text(moderation_note, 'moderation_note'::text, true))
);


--
-- Name: TABLE review_reply; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.review_reply IS '@behavior -insert -update -delete
The organizer''s public reply to a review of its event: at most one per review, editable by its author, moderated by admins like reviews. Written only through reply_to_review, moderate_review_reply and delete_review_reply.';


--
-- Name: COLUMN review_reply.review_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review_reply.review_id IS 'The review answered (one reply per review).';


--
-- Name: COLUMN review_reply.organizer_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review_reply.organizer_id IS 'Keycloak subject of the organizer who wrote it (the event''s organizer).';


--
-- Name: COLUMN review_reply.content; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review_reply.content IS 'Plain text exactly as written, 1 to 2000 characters: render as text, never as HTML.';


--
-- Name: COLUMN review_reply.status; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review_reply.status IS 'pending (waiting for an admin), active (public) or rejected (seen by its author and admins).';


--
-- Name: COLUMN review_reply.moderated_by; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review_reply.moderated_by IS 'The admin who last moderated it.';


--
-- Name: COLUMN review_reply.moderated_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review_reply.moderated_at IS 'When it was last moderated.';


--
-- Name: COLUMN review_reply.moderation_note; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review_reply.moderation_note IS 'The admin''s note of the last moderation, for the author.';


--
-- Name: COLUMN review_reply.edited_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review_reply.edited_at IS 'When its author last changed the text.';


--
-- Name: CONSTRAINT review_reply_content_text_check ON review_reply; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT review_reply_content_text_check ON app_public.review_reply IS 'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';


--
-- Name: CONSTRAINT review_reply_moderation_note_text_check ON review_reply; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT review_reply_moderation_note_text_check ON app_public.review_reply IS 'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';


--
-- Name: review_reply_data(app_public.review_reply); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.review_reply_data(r app_public.review_reply) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select jsonb_build_object(
    'id', r.id, 'reviewId', r.review_id, 'organizerId', r.organizer_id, 'content', r.content,
    'status', r.status, 'moderatedBy', r.moderated_by, 'moderatedAt', r.moderated_at,
    'moderationNote', r.moderation_note, 'editedAt', r.edited_at, 'createdAt', r.created_at);
$$;


--
-- Name: FUNCTION review_reply_data(r app_public.review_reply); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.review_reply_data(r app_public.review_reply) IS 'The reply snapshot of the outbox messages ReviewReplied, ReviewReplyUpdated, ReviewReplyModerated, ReviewReplyDeleted.';


--
-- Name: schedule_next_expiry(interval); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.schedule_next_expiry(min_delay interval DEFAULT '00:00:01'::interval) RETURNS timestamp with time zone
    LANGUAGE plpgsql
    AS $$
declare
  v_next timestamptz := (
    select min(b.payment_deadline) from app_public.booking b where b.status = 'pending_payment'
  );
begin
  if v_next is null then
    return null; -- nothing pending; the minute cron and new bookings' deadlines take over
  end if;
  v_next := greatest(v_next, now() + schedule_next_expiry.min_delay);
  perform graphile_worker.add_job(
    'expire_bookings',
    json_build_object('scheduled', true),
    run_at := v_next,
    job_key := 'expire_bookings_next',
    job_key_mode := 'replace',
    max_attempts := 5
  );
  return v_next;
end;
$$;


--
-- Name: FUNCTION schedule_next_expiry(min_delay interval); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.schedule_next_expiry(min_delay interval) IS 'Schedules the expire_bookings job at the earliest payment deadline of a pending booking (not sooner than min_delay from now); returns that time, or null when nothing is pending. Owner only (the worker).';


--
-- Name: schedule_next_offer_expiry(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.schedule_next_offer_expiry() RETURNS timestamp with time zone
    LANGUAGE plpgsql
    AS $$
declare
  v_next timestamptz := (
    select min(w.offer_expires_at) from app_public.waitlist_entry w where w.status = 'offered'
  );
begin
  if v_next is null then
    return null;
  end if;
  v_next := greatest(v_next, now() + interval '1 second');
  perform graphile_worker.add_job(
    'expire_waitlist_offers', '{}'::json,
    run_at := v_next, job_key := 'expire_waitlist_offers_next', job_key_mode := 'replace', max_attempts := 5
  );
  return v_next;
end;
$$;


--
-- Name: FUNCTION schedule_next_offer_expiry(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.schedule_next_offer_expiry() IS 'Schedules the expire_waitlist_offers job at the earliest open offer''s expiry (the minute cron is the safety net). Owner only.';


--
-- Name: search_query(text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.search_query(query text) RETURNS tsquery
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  v_text text := app_hidden.search_text(query);
  v_words text[];
  v_result tsquery;
  v_part tsquery;
  v_last integer;
  i integer;
begin
  if v_text is null then
    return null;
  end if;
  if v_text ~ '"|(^|\s)-\S|\sor\s' then
    v_result := websearch_to_tsquery('app_hidden.catalog_search', v_text);
  else
    v_words := array(select m[1] from regexp_matches(v_text, '([[:alnum:]]+)', 'g') as m);
    v_last := coalesce(array_length(v_words, 1), 0);
    for i in 1 .. v_last loop
      v_part := to_tsquery('app_hidden.catalog_search',
        v_words[i] || case when i = v_last and char_length(v_words[i]) >= 3 then ':*' else '' end);
      v_result := case when v_result is null then v_part else v_result && v_part end;
    end loop;
  end if;
  return case when numnode(v_result) = 0 then null else v_result end;
end;
$$;


--
-- Name: FUNCTION search_query(query text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.search_query(query text) IS 'The catalog tsquery of a search box text: all words stemmed (ru/en, ё = е), the last one also as a prefix when it has 3 characters or more; web-search syntax when used. Null when nothing is left (only stop words or punctuation).';


--
-- Name: search_text(text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.search_text(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
  select lower(app_hidden.unaccent(value));
$$;


--
-- Name: FUNCTION search_text(value text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.search_text(value text) IS 'Lower case without diacritics (ё = е): the form titles are compared in for typo tolerance.';


--
-- Name: search_typo_text(text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.search_typo_text(query text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select t from (select app_hidden.search_text(btrim(query)) as t) x
  where char_length(t) between 3 and 40
    and t !~ '"|(^|\s)-\S|\sor\s'
    and array_length(regexp_split_to_array(t, '\s+'), 1) <= 2;
$$;


--
-- Name: FUNCTION search_typo_text(query text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.search_typo_text(query text) IS 'A short plain query (1–2 words, 3–40 characters, no web-search syntax) in search_text form, for typo-tolerant title matching; null otherwise.';


--
-- Name: setting_int(text, integer); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.setting_int(key text, fallback integer) RETURNS integer
    LANGUAGE sql STABLE
    AS $$
  select coalesce((select s.value::integer from app_private.setting s where s.key = setting_int.key), fallback);
$$;


--
-- Name: FUNCTION setting_int(key text, fallback integer); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.setting_int(key text, fallback integer) IS 'An integer setting of app_private.setting, or the fallback when its row is missing. Owner only (read inside security-definer functions).';


--
-- Name: text_violation(text, boolean); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.text_violation(value text, multiline boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select pg_catalog.substring(
    value,
    case
      when multiline then '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]'
      else '[\u0001-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]'
    end)
$$;


--
-- Name: FUNCTION text_violation(value text, multiline boolean); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.text_violation(value text, multiline boolean) IS 'The first character of the text that user-visible text may not hold (control characters except tab/line breaks in multi-line text, DEL, C1, bidi overrides/isolates, zero-width space/joiner/BOM), or null when there is none. The one statement of the rule: assert_clean_text and the migration''s repair use it.';


--
-- Name: ticket_for_staff(text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.ticket_for_staff(code text) RETURNS app_public.ticket
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_ticket app_public.ticket;
  v_organizer_id uuid;
begin
  select t.* into v_ticket from app_public.ticket t
   where t.code = app_hidden.normalize_ticket_code(ticket_for_staff.code)
   for update;
  if not found then
    raise exception 'no ticket with this code' using errcode = 'TKNOT', column = 'code';
  end if;
  select e.organizer_id into v_organizer_id from app_public.event e where e.id = v_ticket.event_id;
  if v_organizer_id <> v_user_id and not app_public.has_role('admin') then
    raise exception 'this ticket is for another organizer''s event' using errcode = 'TKORG';
  end if;
  return v_ticket;
end;
$$;


--
-- Name: FUNCTION ticket_for_staff(code text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.ticket_for_staff(code text) IS 'Locks and returns the ticket with this code for its event''s organizer or an admin; 28000, 42501, TKFMT, TKNOT, TKORG otherwise.';


--
-- Name: unaccent(text); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.unaccent(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select public.unaccent('public.unaccent'::regdictionary, value);
$$;


--
-- Name: FUNCTION unaccent(value text); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.unaccent(value text) IS 'unaccent() with its dictionary pinned, hence immutable (usable in indexes): ё → е, é → e.';


--
-- Name: unlock_dead_workers(interval); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.unlock_dead_workers(grace interval DEFAULT '00:00:15'::interval) RETURNS text[]
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  dead text[];
begin
  -- A runner's locks are released only when they are older than `grace`, so
  -- a runner that has just locked its first job and is still opening its
  -- control connection is never taken for dead.
  select array_agg(distinct l.locked_by) into dead
  from (
    select j.locked_by from graphile_worker._private_jobs j
    where j.locked_by is not null and j.locked_at < now() - grace
    union
    select q.locked_by from graphile_worker._private_job_queues q
    where q.locked_by is not null and q.locked_at < now() - grace
  ) l
  where not exists (
    select from pg_stat_activity a
    where a.application_name = 'aquastream-event:live:' || l.locked_by
  );
  if dead is not null then
    -- graphile-worker's own release: the jobs run again (attempt counted),
    -- the named queues (crew) are free.
    perform graphile_worker.force_unlock_workers(dead);
  end if;
  return coalesce(dead, '{}');
end;
$$;


--
-- Name: FUNCTION unlock_dead_workers(grace interval); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.unlock_dead_workers(grace interval) IS 'Releases jobs and named queues locked longer than `grace` by graphile-worker runners that have no live control connection (application_name ''aquastream-event:live:<pool id>''), using graphile_worker.force_unlock_workers; returns the released runner ids. Every worker process calls it every few seconds; operators never need to.';


--
-- Name: uuid_part(uuid, integer); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.uuid_part(id uuid, part integer) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
  -- Bytes 1–6, 7–12, 13–16 (part 1, 2, 3) as non-negative integers: compared
  -- one after the other they order exactly as the uuid does (byte by byte).
  select ('x' || lpad(substr(replace(id::text, '-', ''), 12 * (part - 1) + 1, 12), 16, '0'))::bit(64)::bigint;
$$;


--
-- Name: FUNCTION uuid_part(id uuid, part integer); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.uuid_part(id uuid, part integer) IS 'Part 1, 2 or 3 of a uuid (bytes 1–6, 7–12, 13–16) as a non-negative integer; (part 1, part 2, part 3) orders as the uuid. The id tie-break a GiST index can produce.';


--
-- Name: void_tickets(uuid, app_public.ticket_void_reason); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.void_tickets(booking_id uuid, reason app_public.ticket_void_reason) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_ids jsonb;
  v_event_id uuid;
begin
  with voided as (
    update app_public.ticket t
       set status = 'void', void_reason = void_tickets.reason, voided_at = now(), version = t.version
     where t.booking_id = void_tickets.booking_id and t.status = 'valid'
    returning t.id, t.event_id
  )
  select jsonb_agg(v.id), min(v.event_id::text)::uuid into v_ids, v_event_id from voided v;
  if v_ids is null then
    return 0;
  end if;
  perform app_hidden.record_change(
    'booking', void_tickets.booking_id, 'TicketsVoided', 'ticket.void', 'ticket',
    jsonb_build_object('bookingId', void_tickets.booking_id, 'eventId', v_event_id,
                       'reason', void_tickets.reason, 'ticketIds', v_ids)
  );
  return jsonb_array_length(v_ids);
end;
$$;


--
-- Name: FUNCTION void_tickets(booking_id uuid, reason app_public.ticket_void_reason); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.void_tickets(booking_id uuid, reason app_public.ticket_void_reason) IS 'Voids the valid tickets of a booking with this reason and records TicketsVoided; returns how many.';


--
-- Name: waitlist_entry_data(app_public.waitlist_entry); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.waitlist_entry_data(w app_public.waitlist_entry) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
  select jsonb_build_object(
    'id', w.id, 'eventId', w.event_id, 'priceTierId', w.price_tier_id, 'userId', w.user_id,
    'seatsWanted', w.seats_wanted, 'acceptsFewer', w.accepts_fewer, 'joinedAt', w.joined_at,
    'status', w.status, 'offeredSeats', w.offered_seats, 'offerExpiresAt', w.offer_expires_at,
    'bookingId', w.booking_id, 'endReason', w.end_reason
  );
$$;


--
-- Name: FUNCTION waitlist_entry_data(w app_public.waitlist_entry); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.waitlist_entry_data(w app_public.waitlist_entry) IS 'A waiting-list entry as the JSON payload of outbox messages (aggregate type waitlist).';


--
-- Name: waitlist_events_to_offer(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.waitlist_events_to_offer() RETURNS SETOF uuid
    LANGUAGE sql STABLE
    AS $$
  select l.event_id
  from app_hidden.waitlisted_event_ids() l(event_id)
  cross join lateral (
    select from app_public.event e
    join app_public.event_seat_counter c on c.event_id = e.id
    where e.id = l.event_id
      and e.waitlist_policy = 'first_come'
      and e.waitlist_paused_at is null
      and c.seats_taken < c.capacity
      and now() < c.bookable_until
    limit 1
  ) open
  order by l.event_id;
$$;


--
-- Name: FUNCTION waitlist_events_to_offer(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.waitlist_events_to_offer() IS 'The first_come events whose free seats the offer_waitlist_seats task offers to their list: taking bookings, not paused, seats free, entries waiting. Work follows the events with a waiting list (waitlisted_event_ids), each event and counter by primary key. Owner only.';


--
-- Name: waitlist_offer_hold(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.waitlist_offer_hold() RETURNS interval
    LANGUAGE sql STABLE
    AS $_$
  select make_interval(mins => coalesce(
    (select least(greatest(s.value::integer, 1), 10080) from app_private.setting s
     where s.key = 'waitlist_offer_hold_minutes' and s.value ~ '^[0-9]{1,5}$'),
    120
  ));
$_$;


--
-- Name: FUNCTION waitlist_offer_hold(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.waitlist_offer_hold() IS 'How long an offer holds its seats: setting waitlist_offer_hold_minutes (1..10080, default 120 minutes; a malformed value counts as the default).';


--
-- Name: waitlisted_event_ids(); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.waitlisted_event_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE
    AS $$
  with recursive l(event_id) as (
    (select w.event_id from app_public.waitlist_entry w where w.status = 'waiting' order by w.event_id limit 1)
    union all
    select (select w.event_id from app_public.waitlist_entry w
            where w.status = 'waiting' and w.event_id > l.event_id
            order by w.event_id limit 1)
    from l
    where l.event_id is not null
  )
  select l.event_id from l where l.event_id is not null;
$$;


--
-- Name: FUNCTION waitlisted_event_ids(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.waitlisted_event_ids() IS 'The events with at least one waiting entry, in id order: one probe of waitlist_entry_live_idx per event (a loose index scan), however many wait. Owner only.';


--
-- Name: within_km(double precision, double precision, double precision, double precision, double precision); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.within_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision, radius_km double precision) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'public', 'pg_catalog'
    AS $$
  select public.earth_distance(public.ll_to_earth(latitude1, longitude1), public.ll_to_earth(latitude2, longitude2))
    <= radius_km * 1000;
$$;


--
-- Name: FUNCTION within_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision, radius_km double precision); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.within_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision, radius_km double precision) IS 'Whether the second point lies within radius_km (great circle, earthdistance''s sphere) of the first.';


--
-- Name: add_event_rating(uuid, integer, integer); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.add_event_rating(event_id uuid, rating integer, delta integer) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if rating is null or rating not between 1 and 5 or delta = 0 then
    return;
  end if;
  update app_hidden.event_stats s set
    one_star = s.one_star + case when add_event_rating.rating = 1 then add_event_rating.delta else 0 end,
    two_stars = s.two_stars + case when add_event_rating.rating = 2 then add_event_rating.delta else 0 end,
    three_stars = s.three_stars + case when add_event_rating.rating = 3 then add_event_rating.delta else 0 end,
    four_stars = s.four_stars + case when add_event_rating.rating = 4 then add_event_rating.delta else 0 end,
    five_stars = s.five_stars + case when add_event_rating.rating = 5 then add_event_rating.delta else 0 end,
    rating_count = s.rating_count + add_event_rating.delta,
    rating_average = case when s.rating_count + add_event_rating.delta > 0 then round(
      (s.one_star + 2 * s.two_stars + 3 * s.three_stars + 4 * s.four_stars + 5 * s.five_stars
       + add_event_rating.rating * add_event_rating.delta)::numeric / (s.rating_count + add_event_rating.delta), 2)::double precision end
  where s.event_id = add_event_rating.event_id;
  if not found then
    -- No summary row yet (an event from before the stats table): count once.
    perform app_private.refresh_event_rating(add_event_rating.event_id);
  end if;
end;
$$;


--
-- Name: FUNCTION add_event_rating(event_id uuid, rating integer, delta integer); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.add_event_rating(event_id uuid, rating integer, delta integer) IS 'Adds delta (+1/-1) reviews of this rating to the event''s rating summary (app_hidden.event_stats, by primary key, under its row lock); recounts when the event has no summary row yet. Called by the review trigger.';


--
-- Name: applied_migrations(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.applied_migrations() RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select m.filename from graphile_migrate.migrations m order by m.filename
$$;


--
-- Name: FUNCTION applied_migrations(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.applied_migrations() IS 'File names of the committed migrations applied to this database (graphile_migrate.migrations.filename, e.g. 000009.sql), for the API''s readiness check (/readyz): the API logs in as the authenticator and holds no owner connection, so it reads the bookkeeping through this function and nothing else of it.';


--
-- Name: refresh_event_price(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.refresh_event_price(event_id uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  insert into app_hidden.event_stats as s (event_id, status, min_price, currency)
  select e.id, e.status, p.min_price, p.currency
  from app_public.event e
  cross join lateral (
    select min(t.price) as min_price, min(t.currency) as currency
    from app_public.event_price_tier t where t.event_id = e.id
  ) p
  where e.id = refresh_event_price.event_id
  on conflict (event_id) do update set min_price = excluded.min_price, currency = excluded.currency
  where (s.min_price, s.currency) is distinct from (excluded.min_price, excluded.currency);
$$;


--
-- Name: FUNCTION refresh_event_price(event_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.refresh_event_price(event_id uuid) IS 'Recomputes the cheapest tier price of one event into app_hidden.event_stats.';


--
-- Name: refresh_event_rating(uuid); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.refresh_event_rating(event_id uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  insert into app_hidden.event_stats as s
    (event_id, status, rating_count, rating_average, one_star, two_stars, three_stars, four_stars, five_stars)
  select e.id, e.status, r.n, r.average, r.s1, r.s2, r.s3, r.s4, r.s5
  from app_public.event e
  cross join lateral (
    select count(*) as n, round(avg(v.rating), 2)::double precision as average,
      count(*) filter (where v.rating = 1) as s1, count(*) filter (where v.rating = 2) as s2,
      count(*) filter (where v.rating = 3) as s3, count(*) filter (where v.rating = 4) as s4,
      count(*) filter (where v.rating = 5) as s5
    from app_public.review v
    where v.event_id = e.id and v.status = 'active'
  ) r
  where e.id = refresh_event_rating.event_id
  on conflict (event_id) do update set
    rating_count = excluded.rating_count, rating_average = excluded.rating_average,
    one_star = excluded.one_star, two_stars = excluded.two_stars, three_stars = excluded.three_stars,
    four_stars = excluded.four_stars, five_stars = excluded.five_stars;
$$;


--
-- Name: FUNCTION refresh_event_rating(event_id uuid); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.refresh_event_rating(event_id uuid) IS 'Recomputes the active-review rating counts of one event into app_hidden.event_stats.';


--
-- Name: take_mutation_points(text, integer, integer, integer); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.take_mutation_points(p_key text, p_points integer, p_limit integer, p_window_ms integer) RETURNS TABLE(allowed boolean, points integer, ms_before_next bigint)
    LANGUAGE sql
    AS $$
  with now_ms as (
    select (extract(epoch from clock_timestamp()) * 1000)::bigint as ms
  ),
  counted as (
    insert into app_private.rate_limit_counter as c (key, points, expire)
    select p_key, p_points, now_ms.ms + p_window_ms from now_ms
    on conflict (key) do update
      -- A window that is over starts again with these points; otherwise they add up.
      set points = case when c.expire is null or c.expire <= excluded.expire - p_window_ms
                        then excluded.points else c.points + excluded.points end,
          expire = case when c.expire is null or c.expire <= excluded.expire - p_window_ms
                        then excluded.expire else c.expire end
    returning c.points, c.expire
  )
  select counted.points <= p_limit, counted.points, greatest(counted.expire - now_ms.ms, 0)
  from counted, now_ms
$$;


--
-- Name: FUNCTION take_mutation_points(p_key text, p_points integer, p_limit integer, p_window_ms integer); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.take_mutation_points(p_key text, p_points integer, p_limit integer, p_window_ms integer) IS 'Spends p_points of the caller p_key''s mutation budget (p_limit points per p_window_ms milliseconds, a fixed window started by the first count) and says whether the request may run: allowed (the points spent so far in the window, these included, are within p_limit), points (spent so far), ms_before_next (until the window ends). Refused attempts count too. Called by the API (the authenticator) before it switches to the caller''s role, in the round trip that opens the request''s transaction; committed on its own (src/limits/rate-limiter.ts).';


--
-- Name: tg__set_updated_at(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg__set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  new.updated_at := greatest(now(), old.updated_at + interval '1 microsecond');
  return new;
end;
$$;


--
-- Name: FUNCTION tg__set_updated_at(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg__set_updated_at() IS 'Trigger: keeps updated_at current (strictly increasing) on every update.';


--
-- Name: tg_booking__status_transition(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_booking__status_transition() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if not (
    (old.status = 'pending_payment' and new.status in ('confirmed', 'canceled', 'expired'))
    or (old.status = 'confirmed' and new.status = 'canceled')
  ) then
    raise exception 'booking status cannot change from % to %', old.status, new.status
      using errcode = '55000', column = 'status';
  end if;
  return new;
end;
$$;


--
-- Name: FUNCTION tg_booking__status_transition(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_booking__status_transition() IS 'Trigger: only pending_payment → confirmed | canceled | expired and confirmed → canceled (55000 otherwise), whoever updates the row.';


--
-- Name: tg_booking__tickets(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_booking__tickets() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_booking app_public.booking;
  v_has_valid boolean;
begin
  select * into v_booking from app_public.booking b where b.id = new.id;
  select exists (select from app_public.ticket t where t.booking_id = new.id and t.status = 'valid') into v_has_valid;
  if v_booking.status = 'confirmed' and not v_has_valid then
    perform app_hidden.issue_tickets(
      v_booking,
      (select coalesce(max(t.version), 0) + 1 from app_public.ticket t where t.booking_id = new.id)::integer);
  elsif v_booking.status <> 'confirmed' and v_has_valid then
    perform app_hidden.void_tickets(new.id, 'booking_canceled');
  end if;
  return null;
end;
$$;


--
-- Name: FUNCTION tg_booking__tickets(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_booking__tickets() IS 'Constraint trigger (deferred to commit): a confirmed booking without valid tickets gets them (TicketsIssued); a booking no longer confirmed has its valid tickets voided (TicketsVoided).';


--
-- Name: tg_event__check_tier_quota(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_event__check_tier_quota() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
declare
  v_tier_name text;
  v_quota integer;
begin
  select t.name, t.quota into v_tier_name, v_quota
  from app_public.event_price_tier t
  where t.event_id = new.id and t.quota > new.capacity
  order by t.quota desc
  limit 1;
  if found then
    raise exception 'capacity % is below the quota % of price tier "%"', new.capacity, v_quota, v_tier_name
      using errcode = 'TRQTA', column = 'capacity', hint = 'Lower the tier quota first, or keep a larger capacity.';
  end if;
  return null;
end;
$$;


--
-- Name: FUNCTION tg_event__check_tier_quota(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_event__check_tier_quota() IS 'Constraint trigger: an event''s capacity is never below the quota of one of its price tiers (TRQTA).';


--
-- Name: tg_event__crew_new_period(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_event__crew_new_period() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if new.crew_required and new.status in ('draft', 'published') and new.crew_status in ('assigned', 'failed')
     and (new.starts_at, new.ends_at) is distinct from (old.starts_at, old.ends_at) then
    new.crew_id := null;
    new.crew_status := 'pending';
  end if;
  return new;
end;
$$;


--
-- Name: FUNCTION tg_event__crew_new_period(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_event__crew_new_period() IS 'Trigger: when an event with a crew (or a failed assignment) gets new dates, its crew is dropped and a new one requested (crew_status pending).';


--
-- Name: tg_event__end_waitlist(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_event__end_waitlist() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  perform app_hidden.end_waitlist_entries(
    new.id, null,
    case new.status when 'canceled' then 'event_canceled' else 'event_completed' end::app_public.waitlist_end_reason
  );
  return null;
end;
$$;


--
-- Name: FUNCTION tg_event__end_waitlist(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_event__end_waitlist() IS 'Trigger: when an event is canceled or completed, its waiting list ends in the same transaction (entries ended, open offers withdrawn and their seats released).';


--
-- Name: tg_event__enqueue_crew_jobs(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_event__enqueue_crew_jobs() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- The event lost the crew it had: release it at the crew service.
  if old.crew_id is not null
     and (new.crew_id is distinct from old.crew_id or (new.status = 'canceled' and old.status <> 'canceled')) then
    update app_private.crew_assignment a
    set release_requested_at = now()
    where a.event_id = new.id and a.release_requested_at is null;
    perform app_hidden.enqueue_crew_job('release_crew', new.id);
  end if;

  -- A published event needs a crew it does not have yet (just published, new
  -- dates, crew_required switched on, or an admin's retry).
  if new.status = 'published' and new.crew_status = 'pending'
     and (old.status is distinct from new.status or old.crew_status is distinct from new.crew_status) then
    perform app_hidden.enqueue_crew_job('assign_crew', new.id);
  end if;
  return null;
end;
$$;


--
-- Name: FUNCTION tg_event__enqueue_crew_jobs(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_event__enqueue_crew_jobs() IS 'Trigger: enqueues release_crew when an event loses its crew and assign_crew when a published event needs one, in the same transaction.';


--
-- Name: tg_event__freeze_finished(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_event__freeze_finished() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if (old.title, old.description, old.category, old.location_name, old.latitude, old.longitude,
      old.starts_at, old.ends_at, old.capacity, old.booking_deadline_hours, old.crew_required,
      old.organizer_id)
     is distinct from
     (new.title, new.description, new.category, new.location_name, new.latitude, new.longitude,
      new.starts_at, new.ends_at, new.capacity, new.booking_deadline_hours, new.crew_required,
      new.organizer_id)
  then
    raise exception 'a % event can no longer be changed', old.status
      using errcode = '55000', column = 'status';
  end if;
  return new;
end;
$$;


--
-- Name: FUNCTION tg_event__freeze_finished(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_event__freeze_finished() IS 'Trigger: the descriptive columns of completed and canceled events are read-only (55000).';


--
-- Name: tg_event__stats(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_event__stats() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if tg_op = 'INSERT' then
    insert into app_hidden.event_stats (event_id, status) values (new.id, new.status)
    on conflict (event_id) do update set status = excluded.status;
  elsif new.status is distinct from old.status then
    update app_hidden.event_stats set status = new.status where event_id = new.id;
  end if;
  return null;
end;
$$;


--
-- Name: FUNCTION tg_event__stats(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_event__stats() IS 'Trigger: every event has its app_hidden.event_stats row from the start (search joins it), carrying the event''s status.';


--
-- Name: tg_event__status_transition(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_event__status_transition() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if not (
    (old.status = 'draft' and new.status in ('published', 'canceled'))
    or (old.status = 'published' and new.status in ('completed', 'canceled'))
  ) then
    raise exception 'event status cannot change from % to %', old.status, new.status
      using errcode = '55000', column = 'status';
  end if;

  if new.status = 'published' then
    if not exists (select from app_public.event_price_tier t where t.event_id = new.id) then
      raise exception 'an event needs at least one price tier to be published'
        using errcode = 'EVTIR', hint = 'Add a price tier with add_price_tier first.';
    end if;
    new.published_at := coalesce(new.published_at, now());
  elsif new.status = 'canceled' then
    new.canceled_at := coalesce(new.canceled_at, now());
  end if;
  return new;
end;
$$;


--
-- Name: FUNCTION tg_event__status_transition(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_event__status_transition() IS 'Trigger: allows only the transitions of the event status machine (55000 otherwise); publishing needs a price tier (EVTIR).';


--
-- Name: tg_event__sync_seat_counter(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_event__sync_seat_counter() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
declare
  v_until timestamptz := case when new.status = 'published'
    then new.starts_at - make_interval(hours => new.booking_deadline_hours) end;
begin
  if tg_op = 'INSERT' then
    insert into app_public.event_seat_counter (event_id, capacity, bookable_until)
    values (new.id, new.capacity, v_until);
  else
    -- Locks the counter: a status or deadline change waits for bookings in
    -- flight and every later booking re-checks bookable_until after it.
    update app_public.event_seat_counter c
    set capacity = new.capacity, bookable_until = v_until
    where c.event_id = new.id;
  end if;
  return null;
end;
$$;


--
-- Name: FUNCTION tg_event__sync_seat_counter(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_event__sync_seat_counter() IS 'Trigger: creates the event''s seat counter and keeps its capacity and bookable_until (published: start minus booking_deadline_hours; else null) equal to the event row''s.';


--
-- Name: tg_event_price_tier__check_event(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_event_price_tier__check_event() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
declare
  v_event app_public.event;
  v_other_currency text;
begin
  select * into v_event from app_public.event e where e.id = new.event_id for no key update;

  if v_event.status in ('completed', 'canceled') then
    raise exception 'the price tiers of a % event can no longer be changed', v_event.status
      using errcode = '55000';
  end if;

  if new.quota > v_event.capacity then
    raise exception 'quota % exceeds the event capacity %', new.quota, v_event.capacity
      using errcode = 'TRQTA', column = 'quota', hint = 'Use a quota between 1 and the event capacity.';
  end if;

  select t.currency into v_other_currency
  from app_public.event_price_tier t
  where t.event_id = new.event_id and t.id <> new.id and t.currency <> new.currency
  limit 1;
  if found then
    raise exception 'currency % differs from the event''s currency %', new.currency, v_other_currency
      using errcode = 'TRCUR', column = 'currency', hint = 'All price tiers of an event use one currency.';
  end if;
  return null;
end;
$$;


--
-- Name: FUNCTION tg_event_price_tier__check_event(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_event_price_tier__check_event() IS 'Constraint trigger: tiers of completed/canceled events are frozen (55000), a quota fits in the event capacity (TRQTA), all tiers of an event share one currency (TRCUR).';


--
-- Name: tg_event_price_tier__check_removal(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_event_price_tier__check_removal() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
declare
  v_event app_public.event;
  v_seats_taken integer := coalesce(
    (select c.seats_taken from app_public.price_tier_seat_counter c where c.price_tier_id = old.id), 0);
begin
  select * into v_event from app_public.event e where e.id = old.event_id for no key update;
  if not found then
    return null; -- the event itself is being deleted (cascade)
  end if;
  if v_event.status in ('completed', 'canceled') then
    raise exception 'the price tiers of a % event can no longer be changed', v_event.status
      using errcode = '55000';
  end if;
  if v_seats_taken > 0 then
    raise exception 'price tier "%" has % seats taken and cannot be removed', old.name, v_seats_taken
      using errcode = 'TRSEA';
  end if;
  if v_event.status = 'published'
     and not exists (select from app_public.event_price_tier t where t.event_id = old.event_id) then
    raise exception 'a published event must keep at least one price tier'
      using errcode = 'EVTIR';
  end if;
  return null;
end;
$$;


--
-- Name: FUNCTION tg_event_price_tier__check_removal(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_event_price_tier__check_removal() IS 'Constraint trigger: a tier with seats taken is not removed (TRSEA), a published event keeps at least one tier (EVTIR), tiers of finished events are frozen (55000).';


--
-- Name: tg_event_price_tier__stats(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_event_price_tier__stats() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    perform app_private.refresh_event_price(old.event_id);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.event_id <> old.event_id) then
    perform app_private.refresh_event_price(new.event_id);
  end if;
  return null;
exception when foreign_key_violation then
  return null; -- the event itself is being deleted (cascade)
end;
$$;


--
-- Name: FUNCTION tg_event_price_tier__stats(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_event_price_tier__stats() IS 'Trigger: keeps app_hidden.event_stats.min_price in step with the event''s tiers.';


--
-- Name: tg_event_price_tier__sync_seat_counter(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_event_price_tier__sync_seat_counter() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if tg_op = 'INSERT' then
    insert into app_public.price_tier_seat_counter (price_tier_id, event_id, quota)
    values (new.id, new.event_id, new.quota);
  elsif new.quota is distinct from old.quota then
    update app_public.price_tier_seat_counter c set quota = new.quota where c.price_tier_id = new.id;
  end if;
  return null;
end;
$$;


--
-- Name: FUNCTION tg_event_price_tier__sync_seat_counter(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_event_price_tier__sync_seat_counter() IS 'Trigger: creates the tier''s seat counter and keeps its quota equal to the tier row''s.';


--
-- Name: tg_payment__status_transition(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_payment__status_transition() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if not (
    (old.status = 'pending' and new.status in ('completed', 'failed'))
    or (old.status = 'completed' and new.status in ('partially_refunded', 'refunded'))
    or (old.status = 'partially_refunded' and new.status in ('partially_refunded', 'refunded'))
  ) then
    raise exception 'payment status cannot change from % to %', old.status, new.status
      using errcode = '55000', column = 'status';
  end if;
  return new;
end;
$$;


--
-- Name: FUNCTION tg_payment__status_transition(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_payment__status_transition() IS 'Trigger: only pending → completed | failed, completed → partially_refunded | refunded, partially_refunded → refunded (55000 otherwise).';


--
-- Name: tg_refund__check_total(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_refund__check_total() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
declare
  v_payment app_public.payment;
  v_total numeric;
begin
  select * into v_payment from app_public.payment p where p.id = new.payment_id;
  select sum(r.amount) into v_total from app_public.refund r where r.payment_id = new.payment_id;
  if v_total > v_payment.amount then
    raise exception 'refunds % exceed the payment amount %', v_total, v_payment.amount using errcode = 'RFAMT';
  end if;
  if v_total <> v_payment.refunded_amount then
    raise exception 'refunds % do not add up to the payment''s refunded_amount %', v_total, v_payment.refunded_amount
      using errcode = '23514', constraint = 'refund_amount_check';
  end if;
  return null;
end;
$$;


--
-- Name: FUNCTION tg_refund__check_total(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_refund__check_total() IS 'Constraint trigger (deferred): a payment''s refunds add up to its refunded_amount (23514) and never exceed its amount (RFAMT).';


--
-- Name: tg_review__stats(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_review__stats() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- Only active reviews count; an edit that keeps the event, rating and
  -- status changes nothing.
  if tg_op = 'UPDATE' and new.event_id = old.event_id and new.rating = old.rating and new.status = old.status then
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') and old.status = 'active' then
    perform app_private.add_event_rating(old.event_id, old.rating, -1);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.status = 'active' then
    perform app_private.add_event_rating(new.event_id, new.rating, 1);
  end if;
  return null;
exception when foreign_key_violation then
  return null; -- the event itself is being deleted (cascade)
end;
$$;


--
-- Name: FUNCTION tg_review__stats(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_review__stats() IS 'Trigger: adds a review''s change (insert, deletion, rating, status or event) to the rating counts of app_hidden.event_stats (add_event_rating), without reading the event''s other reviews.';


--
-- Name: tg_review_helpful_vote__count(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_review_helpful_vote__count() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: FUNCTION tg_review_helpful_vote__count(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_review_helpful_vote__count() IS 'Trigger: keeps review.helpful_count equal to the number of its votes, in the voting transaction.';


--
-- Name: tg_review_helpful_vote__not_author(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_review_helpful_vote__not_author() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if exists (select from app_public.review r where r.id = new.review_id and r.user_id = new.user_id) then
    raise exception 'you cannot mark your own review helpful' using errcode = 'RVOWN';
  end if;
  return new;
end;
$$;


--
-- Name: FUNCTION tg_review_helpful_vote__not_author(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_review_helpful_vote__not_author() IS 'Trigger: a review''s author cannot vote for it (RVOWN), whoever inserts the row.';


--
-- Name: tg_seat_counter__offer_freed_seats(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_seat_counter__offer_freed_seats() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  if exists (select from app_public.event e where e.id = new.event_id and e.waitlist_policy = 'list_first') then
    perform app_hidden.offer_freed_seats(new.event_id);
  end if;
  return null;
end;
$$;


--
-- Name: FUNCTION tg_seat_counter__offer_freed_seats(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_seat_counter__offer_freed_seats() IS 'Deferred: offers seats freed on a counter row to the waiting list of a list_first event at the commit of the transaction that freed them (which still holds the counter row). first_come events are left to the offer_waitlist_seats task.';


--
-- Name: tg_ticket__metric_fact(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_ticket__metric_fact() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION tg_ticket__metric_fact(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_ticket__metric_fact() IS 'Appends the ticket fact of this insert or update (issued, voided, checked in, undone) to app_private.ticket_metric_fact, for /metrics.';


--
-- Name: ticket_metrics(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.ticket_metrics() RETURNS TABLE(kind text, total bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION ticket_metrics(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.ticket_metrics() IS 'For /metrics (the worker''s owner connection): folds the pending ticket facts into ticket_metric_total and returns the totals by kind. Safe to call from several processes at once (each fact is counted once). Owner only.';


--
-- Name: accept_offer(uuid, uuid, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.accept_offer(id uuid, price_tier_id uuid DEFAULT NULL::uuid, promo_code text DEFAULT NULL::text) RETURNS app_public.booking
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_entry app_public.waitlist_entry;
  v_tier_id uuid;
  v_booking app_public.booking;
begin
  perform pg_advisory_xact_lock(7301, hashtext(v_user_id::text));
  select * into v_entry from app_public.waitlist_entry w where w.id = accept_offer.id and w.user_id = v_user_id;
  if not found then
    raise exception 'waiting-list entry not found' using errcode = 'P0002';
  end if;
  v_tier_id := coalesce(v_entry.price_tier_id, accept_offer.price_tier_id);
  if v_tier_id is null then
    raise exception 'price_tier_id is needed: the entry waits for any tier'
      using errcode = '22023', column = 'price_tier_id', hint = 'Pick one of the event''s price tiers.';
  end if;
  if v_entry.price_tier_id is not null and accept_offer.price_tier_id is not null
     and accept_offer.price_tier_id <> v_entry.price_tier_id then
    raise exception 'the offer is for another price tier' using errcode = 'BKTEV', column = 'price_tier_id';
  end if;

  -- Lock order: the event row (key share, as the booking's foreign key takes
  -- it) before the counters, like every function that changes the event.
  perform from app_public.event e where e.id = v_entry.event_id for key share;
  perform from app_public.event_seat_counter c where c.event_id = v_entry.event_id for no key update;
  perform from app_public.price_tier_seat_counter c where c.price_tier_id = v_entry.price_tier_id for no key update;
  select * into v_entry from app_public.waitlist_entry w where w.id = v_entry.id for update;
  if v_entry.status <> 'offered' then
    raise exception 'no open offer on this entry (it is %)', v_entry.status using errcode = 'WLNOF';
  end if;
  if v_entry.offer_expires_at <= now() then
    raise exception 'the offer expired at %', v_entry.offer_expires_at using errcode = 'WLOEX';
  end if;

  -- Hand the held seats to the booking (see above).
  update app_public.event_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
  where c.event_id = v_entry.event_id;
  update app_public.price_tier_seat_counter c set seats_taken = c.seats_taken - v_entry.offered_seats
  where c.price_tier_id = v_entry.price_tier_id;
  v_booking := app_public.create_booking(v_entry.event_id, v_tier_id, v_entry.offered_seats, accept_offer.promo_code);

  update app_public.waitlist_entry w set status = 'accepted', booking_id = v_booking.id, ended_at = now()
  where w.id = v_entry.id
  returning * into v_entry;
  perform app_hidden.record_change(
    'waitlist', v_entry.id, 'OfferAccepted', 'waitlist.accept', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
  );
  return v_booking;
end;
$$;


--
-- Name: FUNCTION accept_offer(id uuid, price_tier_id uuid, promo_code text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.accept_offer(id uuid, price_tier_id uuid, promo_code text) IS 'Turns the seats offered to the caller''s waiting-list entry into a booking (pending payment, or confirmed when nothing is to be paid) through create_booking''s rules, optionally with a promo code; price_tier_id is needed when the entry waits for any tier. The held seats pass to the booking; nobody else can take them in between. OfferAccepted. Errors: 28000, P0002, 22023, BKTEV, WLNOF, WLOEX, and create_booking''s (BKTQF for a full tier of an any-tier entry, CP…, BKPEN, …).';


--
-- Name: favorite; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.favorite (
    user_id uuid NOT NULL,
    event_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE favorite; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.favorite IS '@behavior -insert -update -delete
An event a user keeps in their favorites. Each user sees only their own. Changed through add_favorite and remove_favorite.';


--
-- Name: COLUMN favorite.user_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.favorite.user_id IS 'The user (Keycloak user id).';


--
-- Name: COLUMN favorite.event_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.favorite.event_id IS 'The favorite event.';


--
-- Name: COLUMN favorite.created_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.favorite.created_at IS 'When it was added.';


--
-- Name: add_favorite(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.add_favorite(event_id uuid) RETURNS app_public.favorite
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event app_public.event;
  v_favorite app_public.favorite;
begin
  select * into v_event from app_public.event e where e.id = add_favorite.event_id;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception 'event not found' using errcode = 'P0002';
  end if;

  insert into app_public.favorite (user_id, event_id)
  values (v_user_id, v_event.id)
  on conflict on constraint favorite_pkey do nothing
  returning * into v_favorite;

  if v_favorite is null then
    -- Already a favorite: same answer, nothing new to announce.
    select * into v_favorite from app_public.favorite f where f.user_id = v_user_id and f.event_id = v_event.id;
    return v_favorite;
  end if;

  perform app_hidden.record_change(
    'event', v_event.id, 'FavoriteAdded', 'favorite.add', 'favorite',
    jsonb_build_object('userId', v_user_id, 'eventId', v_event.id),
    format('(%s,%s)', v_user_id, v_event.id)
  );
  return v_favorite;
end;
$$;


--
-- Name: FUNCTION add_favorite(event_id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.add_favorite(event_id uuid) IS 'Adds an event the caller can see to their favorites; adding it again returns the same favorite. Errors: 28000, P0002.';


--
-- Name: add_price_tier(uuid, text, numeric, text, integer); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.add_price_tier(event_id uuid, name text, price numeric, currency text, quota integer DEFAULT NULL::integer) RETURNS app_public.event_price_tier
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event app_public.event := app_hidden.event_for_change(add_price_tier.event_id);
  v_tier app_public.event_price_tier;
begin
  perform app_hidden.assert_event_editable(v_event);
  v_tier := app_hidden.insert_price_tier(
    v_event, add_price_tier.name, add_price_tier.price, add_price_tier.currency, add_price_tier.quota,
    (select coalesce(max(t.sort_order), 0) + 1 from app_public.event_price_tier t where t.event_id = v_event.id)
  );
  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event_price_tier.add', 'event_price_tier',
    jsonb_build_object('priceTierAdded', app_hidden.price_tier_data(v_tier)),
    v_tier.id::text
  );
  return v_tier;
end;
$$;


--
-- Name: FUNCTION add_price_tier(event_id uuid, name text, price numeric, currency text, quota integer); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.add_price_tier(event_id uuid, name text, price numeric, currency text, quota integer) IS 'Adds a price tier to a draft or published event (its organizer, or an admin). Errors: 28000, 42501, P0002, 55000, 22023, TRQTA (quota above capacity), TRCUR (currency differs from the other tiers), 23505 (name taken).';


--
-- Name: assign_crew_manually(uuid, uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.assign_crew_manually(id uuid, crew_id uuid) RETURNS app_public.event
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION assign_crew_manually(id uuid, crew_id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.assign_crew_manually(id uuid, crew_id uuid) IS 'An admin records a crew arranged by hand (e.g. while the crew service is down) on a published event waiting for one (crew_status pending or failed): crew_id set, crew_status assigned, CrewAssigned with manual true. The crew service is not told, now or on release. Errors: 28000, 42501, 22023, P0002, 55000 (not published, or not waiting for a crew), 23P01 (the crew is on an overlapping event).';


--
-- Name: cancel_booking(uuid, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.cancel_booking(id uuid, reason text) RETURNS app_public.booking
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_booking app_public.booking := app_hidden.booking_for_change(cancel_booking.id);
  v_user_id uuid := app_public.current_user_id();
  v_event app_public.event;
  v_reason text := app_hidden.clean_text(cancel_booking.reason);
begin
  select * into v_event from app_public.event e where e.id = v_booking.event_id;
  if v_reason is null or char_length(v_reason) not between 3 and 1000 then
    raise exception 'reason must be 3 to 1000 characters long' using errcode = '22023', column = 'reason';
  end if;
  if v_booking.status = 'canceled' then
    return v_booking; -- idempotent
  end if;
  if v_booking.status = 'expired' then
    raise exception 'an expired booking cannot be canceled' using errcode = '55000', column = 'status';
  end if;
  -- Its user alone may cancel until the event starts; the organizer and admins at any time.
  if not (v_event.organizer_id = v_user_id or app_public.has_role('admin')) and v_event.starts_at <= now() then
    raise exception 'the event has started; the booking can no longer be canceled'
      using errcode = 'BKSTR', hint = 'Ask the organizer.';
  end if;
  return app_hidden.end_booking(v_booking, 'canceled', v_reason);
end;
$$;


--
-- Name: FUNCTION cancel_booking(id uuid, reason text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.cancel_booking(id uuid, reason text) IS 'Cancels a live booking with a reason: by its user until the event starts, by the event''s organizer or an admin at any time. Seats and the promo use come back; a paid booking is refunded in full (what is left of it). Canceling again returns it unchanged. Errors: 28000, P0002, 22023, 55000 (expired), BKSTR (its user, after the start).';


--
-- Name: cancel_event(uuid, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.cancel_event(id uuid, reason text) RETURNS app_public.event
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event app_public.event := app_hidden.event_for_change(cancel_event.id);
  v_reason text := app_hidden.clean_text(cancel_event.reason);
  v_was_published boolean := v_event.status = 'published';
  v_booking app_public.booking;
  v_count integer := 0;
begin
  if v_reason is null or char_length(v_reason) not between 3 and 1000 then
    raise exception 'reason must be 3 to 1000 characters long'
      using errcode = '22023', column = 'reason', hint = 'Say why the event is canceled; participants will read it.';
  end if;
  if v_event.status = 'canceled' then
    return v_event; -- idempotent: a retried cancellation changes nothing and announces nothing
  end if;
  if v_event.status <> all ('{draft,published}'::app_public.event_status[]) then
    raise exception 'a % event cannot be canceled', v_event.status
      using errcode = '55000', column = 'status';
  end if;

  -- Its live bookings are locked before the status change locks the seat
  -- counter (lock order event → booking → seat counters, as in cancel_booking
  -- and the expiry), so an expiry batch holding one of them never waits for
  -- a counter this transaction holds.
  perform from app_public.booking b
  where b.event_id = v_event.id and b.status in ('pending_payment', 'confirmed')
  order by b.id
  for update;

  update app_public.event e
  set status = 'canceled', cancel_reason = v_reason, canceled_at = now(), canceled_by = app_public.current_user_id()
  where e.id = v_event.id;

  -- Every live booking goes with it (seats freed, paid ones refunded), in
  -- this one transaction; the event is locked, so no booking can slip in.
  for v_booking in
    select * from app_public.booking b
    where b.event_id = v_event.id and b.status in ('pending_payment', 'confirmed')
    order by b.id
    for update
  loop
    perform app_hidden.end_booking(v_booking, 'canceled', left('event canceled: ' || v_reason, 1000));
    v_count := v_count + 1;
  end loop;

  select * into v_event from app_public.event e where e.id = v_event.id;
  perform app_hidden.record_change(
    'event', v_event.id, 'EventCanceled', 'event.cancel', 'event',
    jsonb_build_object(
      'reason', v_reason,
      'canceledBy', v_event.canceled_by,
      'wasPublished', v_was_published,
      'bookingsCanceled', v_count,
      'event', app_hidden.event_data(v_event)
    )
  );
  -- The crew issue enqueues ReleaseCrew here when a crew was assigned.
  return v_event;
end;
$$;


--
-- Name: FUNCTION cancel_event(id uuid, reason text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.cancel_event(id uuid, reason text) IS 'Cancels a draft or published event (its organizer, or an admin) with a reason shown to participants; all its live bookings are canceled with it (seats freed, paid ones refunded in full, BookingCanceled and PaymentRefunded each). Canceling a canceled event again returns it unchanged. Errors: 28000, 42501, P0002, 22023 (reason), 55000 (completed).';


--
-- Name: check_in_batch(app_public.ticket_scan_input[]); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.check_in_batch(scans app_public.ticket_scan_input[]) RETURNS SETOF app_public.check_in_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
declare
  v_scan record;
  v_result app_public.check_in_result;
begin
  perform app_hidden.assert_event_manager();
  if check_in_batch.scans is null or cardinality(check_in_batch.scans) not between 1 and 500 then
    raise exception 'scans must hold 1 to 500 scans' using errcode = '22023', column = 'scans';
  end if;
  -- Validate the whole batch first: a malformed upload is the device's bug
  -- and is refused whole, nothing written.
  for v_scan in select s.* from unnest(check_in_batch.scans) s loop
    if v_scan.scanned_at is null or v_scan.scanned_at > now() + interval '5 minutes' then
      raise exception 'scanned_at must be given and not in the future' using errcode = '22023', column = 'scanned_at';
    end if;
    if v_scan.device is null or v_scan.device !~ '^[A-Za-z0-9._:-]{1,64}$' then
      raise exception 'device must be 1 to 64 letters, digits, . _ : -' using errcode = '22023', column = 'device';
    end if;
  end loop;
  -- In scanned-at order: the earliest scan of a ticket is the one that
  -- checked the person in, later ones (other devices) are conflicts.
  for v_scan in select s.* from unnest(check_in_batch.scans) with ordinality s
                order by s.scanned_at, s.ordinality loop
    begin
      v_result := app_hidden.check_in(v_scan.code, v_scan.scanned_at, v_scan.device);
    exception when sqlstate 'TKFMT' or sqlstate 'TKNOT' or sqlstate 'TKORG' or sqlstate 'TKCAN' or sqlstate 'TKVOD' then
      -- Refused scans are reported, not raised: the rest of the batch counts.
      v_result := row(null, null, v_scan.code, null, 'refused', null, null, null, sqlstate, sqlerrm,
                      v_scan.scanned_at, v_scan.device)::app_public.check_in_result;
    end;
    return next v_result;
  end loop;
end;
$_$;


--
-- Name: FUNCTION check_in_batch(scans app_public.ticket_scan_input[]); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.check_in_batch(scans app_public.ticket_scan_input[]) IS 'Uploads the scans an offline scanner collected (1 to 500): applied in scanned_at order, each like checkInTicket at its scanned_at; a ticket already checked in on another device answers conflict (counted once), refused scans carry error_code. Whole-batch errors: 28000, 42501, 22023 (size, scanned_at in the future, device).';


--
-- Name: check_in_ticket(text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.check_in_ticket(code text) RETURNS app_public.check_in_result
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select app_hidden.check_in(check_in_ticket.code, null, null);
$$;


--
-- Name: FUNCTION check_in_ticket(code text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.check_in_ticket(code text) IS 'Organizer staff (the event''s organizer, or an admin) check a ticket in by its code at the gate. Idempotent: a second scan changes nothing and answers outcome already_checked_in with when and by whom. Errors: 28000, 42501 (not organizer staff), TKFMT (malformed code), TKNOT (no such ticket), TKORG (another organizer''s event), TKCAN (booking canceled or refunded), TKVOD (replaced by a reissue).';


--
-- Name: confirm_payment(text, uuid, numeric); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.confirm_payment(gateway_reference text, payment_id uuid, amount numeric DEFAULT NULL::numeric) RETURNS app_public.payment
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_reference text := app_hidden.clean_text(confirm_payment.gateway_reference);
  v_booking_id uuid;
  v_booking app_public.booking;
  v_payment app_public.payment;
begin
  if not (app_public.has_role('payment-gateway') or app_public.has_role('admin')) then
    raise exception 'only the payment gateway or an admin may confirm payments' using errcode = '42501';
  end if;
  if v_reference is null or char_length(v_reference) > 200 then
    raise exception 'gateway_reference must be 1 to 200 characters long'
      using errcode = '22023', column = 'gateway_reference';
  end if;

  -- Lock order booking → payment (as cancel_booking and refund_payment).
  select p.booking_id into v_booking_id from app_public.payment p where p.id = confirm_payment.payment_id;
  select * into v_booking from app_public.booking b where b.id = v_booking_id for update;
  select * into v_payment from app_public.payment p where p.id = confirm_payment.payment_id for update;
  if v_payment.id is null then
    raise exception 'payment not found' using errcode = 'P0002';
  end if;

  if v_payment.gateway_reference = v_reference then
    return v_payment; -- a replay of the same confirmation: same answer, nothing written
  end if;
  if v_payment.gateway_reference is not null then
    raise exception 'the payment was already confirmed with another gateway reference'
      using errcode = 'GWREF', column = 'gateway_reference';
  end if;
  if v_payment.status <> 'pending' then
    raise exception 'a % payment cannot be confirmed', v_payment.status using errcode = '55000', column = 'status';
  end if;
  if confirm_payment.amount is not null and confirm_payment.amount <> v_payment.amount then
    raise exception 'amount % does not match the payment amount %', confirm_payment.amount, v_payment.amount
      using errcode = 'GWAMT', column = 'amount';
  end if;
  if exists (select from app_public.payment p where p.gateway_reference = v_reference) then
    raise exception 'gateway_reference "%" already confirmed another payment', v_reference
      using errcode = '23505', column = 'gateway_reference', constraint = 'payment_gateway_reference_key';
  end if;

  if v_booking.status = 'pending_payment' then
    update app_public.payment p
    set status = 'completed', gateway_reference = v_reference, confirmed_at = now()
    where p.id = v_payment.id
    returning * into v_payment;
    update app_public.booking b
    set status = 'confirmed', confirmed_at = now()
    where b.id = v_booking.id
    returning * into v_booking;
    perform app_hidden.record_change(
      'booking', v_booking.id, 'PaymentConfirmed', 'payment.confirm', 'payment',
      app_hidden.payment_data(v_payment) || jsonb_build_object('bookingStatus', v_booking.status), v_payment.id::text
    );
    perform app_hidden.record_change(
      'booking', v_booking.id, 'BookingConfirmed', 'booking.confirm', 'booking', app_hidden.booking_data(v_booking)
    );
    return v_payment;
  end if;

  -- The booking died before the money arrived: keep the money's trace, give it back.
  update app_public.payment p
  set status = 'completed', gateway_reference = v_reference, confirmed_at = now(),
      error_code = 'GWLAT',
      error_message = format('the booking was %s before the payment was confirmed; the payment is refunded in full', v_booking.status)
  where p.id = v_payment.id
  returning * into v_payment;
  perform app_hidden.record_change(
    'booking', v_booking.id, 'PaymentConfirmed', 'payment.confirm', 'payment',
    app_hidden.payment_data(v_payment) || jsonb_build_object('bookingStatus', v_booking.status), v_payment.id::text
  );
  perform app_hidden.issue_refund(
    v_payment, v_payment.amount,
    format('automatic refund: the booking was %s before the payment was confirmed', v_booking.status)
  );
  select * into v_payment from app_public.payment p where p.id = v_payment.id;
  return v_payment;
end;
$$;


--
-- Name: FUNCTION confirm_payment(gateway_reference text, payment_id uuid, amount numeric); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.confirm_payment(gateway_reference text, payment_id uuid, amount numeric) IS 'The payment gateway (role payment-gateway) or an admin confirms a pending payment with the gateway''s transaction reference; amount, when given, must match. The booking becomes confirmed (PaymentConfirmed, BookingConfirmed). Idempotent: the same reference again returns the payment unchanged. If the booking has expired or been canceled meanwhile, the payment is recorded and refunded in full at once and returned with status refunded and error_code GWLAT (not raised, so the record survives). Errors: 28000, 42501, 22023, P0002, GWREF (confirmed with another reference), 55000 (payment failed), GWAMT (amount differs), 23505 (reference used by another payment).';


--
-- Name: create_admin_review(uuid, integer, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.create_admin_review(event_id uuid, rating integer, content text) RETURNS app_public.review
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION create_admin_review(event_id uuid, rating integer, content text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.create_admin_review(event_id uuid, rating integer, content text) IS 'An admin reviews an ended event without a booking (participants use create_review). Otherwise the rules of create_review: rating 1-5, plain text, one review per user and event, pending when review_moderation is on. ReviewCreated. Errors: 28000, 42501, P0002, RVRAT, RVLEN, RVCTL, 55000 (canceled), RVEND, RVDUP.';


--
-- Name: create_booking(uuid, uuid, integer, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.create_booking(event_id uuid, price_tier_id uuid, quantity integer DEFAULT 1, promo_code text DEFAULT NULL::text) RETURNS app_public.booking
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
-- The ON CONFLICT target names columns that are also parameters.
#variable_conflict use_column
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_quote app_public.booking_quote;
  v_event app_public.event;
  v_booking app_public.booking;
  v_left integer;
begin
  -- 7301 namespaces the key ("a user's bookings") among advisory locks.
  perform pg_advisory_xact_lock(7301, hashtext(v_user_id::text));
  v_quote := app_hidden.price_booking(
    create_booking.event_id, create_booking.price_tier_id, create_booking.quantity, create_booking.promo_code
  );

  insert into app_public.booking (
    event_id, user_id, price_tier_id, quantity, unit_price, subtotal, discount_amount, total_amount,
    currency, promo_code_id, status, payment_deadline, confirmed_at
  ) values (
    v_quote.event_id, v_user_id, v_quote.price_tier_id, v_quote.quantity, v_quote.unit_price, v_quote.subtotal,
    v_quote.discount_amount, v_quote.total_amount, v_quote.currency, v_quote.promo_code_id,
    -- Nothing to pay (free tier, 100 % code): confirmed at once.
    case when v_quote.total_amount = 0 then 'confirmed' else 'pending_payment' end::app_public.booking_status,
    v_quote.payment_deadline,
    case when v_quote.total_amount = 0 then now() end
  )
  on conflict (event_id, user_id) where status in ('pending_payment', 'confirmed') do nothing
  returning * into v_booking;
  if v_booking.id is null then
    -- A booking of the same user committed meanwhile (the unique index waited for it).
    raise exception 'you already have a booking for this event'
      using errcode = 'BKDUP', hint = 'Cancel it first to book differently.';
  end if;

  perform app_hidden.record_change(
    'booking', v_booking.id, 'BookingCreated', 'booking.create', 'booking', app_hidden.booking_data(v_booking)
  );
  if v_booking.status = 'confirmed' then
    perform app_hidden.record_change(
      'booking', v_booking.id, 'BookingConfirmed', 'booking.confirm', 'booking', app_hidden.booking_data(v_booking)
    );
  end if;

  -- Last: the seats. Lock order event counter → tier counter → promo code.
  update app_public.event_seat_counter c
  set seats_taken = c.seats_taken + v_quote.quantity
  where c.event_id = v_quote.event_id
    and c.seats_taken + v_quote.quantity <= c.capacity
    and now() < c.bookable_until;
  if not found then
    -- Someone else got there first (this statement saw their commit): say what changed.
    select * into v_event from app_public.event e where e.id = v_quote.event_id;
    if v_event.status <> 'published' then
      raise exception 'bookings are closed: the event is %', v_event.status using errcode = '55000', column = 'status';
    elsif now() >= v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours) then
      raise exception 'bookings for this event closed at %', v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours)
        using errcode = 'BKCLO';
    end if;
    v_left := v_event.capacity - app_public.event_seats_taken(v_event);
    raise exception 'sold out: % seat(s) requested, % left', v_quote.quantity, v_left
      using errcode = 'BKFUL';
  end if;

  update app_public.price_tier_seat_counter c
  set seats_taken = c.seats_taken + v_quote.quantity
  where c.price_tier_id = v_quote.price_tier_id
    and (c.quota is null or c.seats_taken + v_quote.quantity <= c.quota);
  if not found then
    raise exception 'this price tier is sold out: % seat(s) requested', v_quote.quantity using errcode = 'BKTQF';
  end if;

  if v_quote.promo_code_id is not null then
    update app_public.promo_code pc
    set uses = pc.uses + 1
    where pc.id = v_quote.promo_code_id
      and pc.is_active
      and (pc.max_uses is null or pc.uses < pc.max_uses)
      and (pc.valid_from is null or pc.valid_from <= now())
      and (pc.valid_until is null or pc.valid_until > now());
    if not found then
      raise exception 'promo code "%" has reached its usage limit', app_hidden.clean_text(create_booking.promo_code)
        using errcode = 'CPUSE', column = 'promo_code';
    end if;
  end if;
  return v_booking;
end;
$$;


--
-- Name: FUNCTION create_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.create_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) IS 'Books seats of a price tier of a published event for the caller, optionally with a promo code. The booking holds its seats as pending_payment until payment_deadline (a booking with nothing to pay is confirmed at once). One live booking per user per event; organizers cannot book their own events; bookings close booking_deadline_hours before the start; the anti-hoarding limits of app_private.setting apply (docs/limits.md). Errors: 28000, P0002 (event or tier), BKOWN, BKQTY, BKMAX, BKTEV, CPUNK, 55000 (not published), BKCLO, BKDUP, BKCDN, BKPEN, BKPOR, BKFUL, BKTQF, CPINA, CPEXP, CPCUR, CPUSE.';


--
-- Name: create_event(text, text, text, text, double precision, double precision, timestamp with time zone, timestamp with time zone, integer, integer, boolean, app_public.price_tier_input[], text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer DEFAULT 0, crew_required boolean DEFAULT false, price_tiers app_public.price_tier_input[] DEFAULT '{}'::app_public.price_tier_input[], time_zone text DEFAULT NULL::text) RETURNS app_public.event
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_event app_public.event;
  v_tier app_public.price_tier_input;
  v_position integer := 0;
begin
  v_event.organizer_id := v_user_id;
  v_event.title := app_hidden.clean_text(create_event.title);
  v_event.description := app_hidden.clean_text(create_event.description);
  v_event.category := app_hidden.clean_text(create_event.category);
  v_event.location_name := app_hidden.clean_text(create_event.location_name);
  v_event.latitude := create_event.latitude;
  v_event.longitude := create_event.longitude;
  v_event.starts_at := create_event.starts_at;
  v_event.ends_at := create_event.ends_at;
  v_event.capacity := create_event.capacity;
  v_event.booking_deadline_hours := coalesce(create_event.booking_deadline_hours, 0);
  v_event.crew_required := coalesce(create_event.crew_required, false);
  perform app_hidden.assert_event_valid(v_event);
  if v_event.starts_at <= now() then
    raise exception 'starts_at must be in the future'
      using errcode = 'EVPST', column = 'starts_at';
  end if;
  -- Not given (null): the column's default, Europe/Moscow. Given: an IANA name,
  -- checked as set_event_time_zone checks it (a blank string is not a zone).
  if create_event.time_zone is not null then
    v_event.time_zone := app_hidden.clean_text(create_event.time_zone);
    if not app_hidden.is_time_zone(v_event.time_zone) then
      raise exception 'time_zone must be an IANA time zone name such as Europe/Moscow, got "%"', coalesce(v_event.time_zone, '')
        using errcode = 'EVTZN', column = 'time_zone', hint = 'Use a name of the IANA tz database (Area/Location), not an abbreviation or an offset.';
    end if;
  end if;

  insert into app_public.event (
    organizer_id, title, description, category, location_name, latitude, longitude,
    starts_at, ends_at, capacity, booking_deadline_hours, crew_required, crew_status, time_zone
  ) values (
    v_event.organizer_id, v_event.title, v_event.description, v_event.category, v_event.location_name,
    v_event.latitude, v_event.longitude, v_event.starts_at, v_event.ends_at, v_event.capacity,
    v_event.booking_deadline_hours, v_event.crew_required,
    case when v_event.crew_required then 'pending' else 'not_required' end::app_public.crew_status,
    -- The column default when no zone was given.
    coalesce(v_event.time_zone, 'Europe/Moscow')
  )
  returning * into v_event;

  foreach v_tier in array coalesce(create_event.price_tiers, '{}') loop
    v_position := v_position + 1;
    perform app_hidden.insert_price_tier(v_event, v_tier.name, v_tier.price, v_tier.currency, v_tier.quota, v_position);
  end loop;

  perform app_hidden.record_change(
    'event', v_event.id, 'EventCreated', 'event.create', 'event',
    app_hidden.event_data(v_event) || jsonb_build_object('priceTiers', app_hidden.event_price_tiers_data(v_event.id))
  );
  -- Crew assignment (crew_required) starts when the event is published, not here.
  return v_event;
end;
$$;


--
-- Name: FUNCTION create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean, price_tiers app_public.price_tier_input[], time_zone text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean, price_tiers app_public.price_tier_input[], time_zone text) IS 'Creates a draft event organized by the caller (role organizer or admin), with its price tiers and its IANA time zone (time_zone, e.g. Asia/Irkutsk; Europe/Moscow when not given). Only its organizer and admins see it until publish_event. Errors: 28000, 42501, 22023 (argument named), EVDAT, EVDUR, EVPST, EVTZN (not an IANA name), TRQTA, TRCUR, 23505 (duplicate tier name).';


--
-- Name: create_promo_code(text, uuid, integer, numeric, text, timestamp with time zone, timestamp with time zone, integer); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.create_promo_code(code text, event_id uuid DEFAULT NULL::uuid, percent_off integer DEFAULT NULL::integer, amount_off numeric DEFAULT NULL::numeric, currency text DEFAULT NULL::text, valid_from timestamp with time zone DEFAULT NULL::timestamp with time zone, valid_until timestamp with time zone DEFAULT NULL::timestamp with time zone, max_uses integer DEFAULT NULL::integer) RETURNS app_public.promo_code
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_event app_public.event;
  v_code text := app_hidden.clean_text(create_promo_code.code);
  v_currency text := upper(app_hidden.clean_text(create_promo_code.currency));
  v_event_currency text;
  v_promo app_public.promo_code;
begin
  if create_promo_code.event_id is null then
    if not app_public.has_role('admin') then
      raise exception 'only admins may create global promo codes'
        using errcode = '42501', hint = 'Give the event_id of one of your events.';
    end if;
  else
    v_event := app_hidden.event_for_change(create_promo_code.event_id);
  end if;

  if v_code is null or v_code !~ '^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$' then
    raise exception 'code must be 3 to 40 letters, digits, "-" or "_", starting with a letter or digit'
      using errcode = '22023', column = 'code';
  end if;
  if (create_promo_code.percent_off is null) = (create_promo_code.amount_off is null) then
    raise exception 'give exactly one of percent_off and amount_off'
      using errcode = '22023', column = 'percent_off';
  end if;
  if create_promo_code.percent_off not between 1 and 100 then
    raise exception 'percent_off must be between 1 and 100' using errcode = '22023', column = 'percent_off';
  end if;
  if create_promo_code.amount_off is not null then
    if create_promo_code.amount_off <= 0 or create_promo_code.amount_off <> round(create_promo_code.amount_off, 2)
       or create_promo_code.amount_off >= 10000000000 then
      raise exception 'amount_off must be more than 0, with at most two decimals'
        using errcode = '22023', column = 'amount_off';
    end if;
    if v_event.id is not null then
      select t.currency into v_event_currency from app_public.event_price_tier t where t.event_id = v_event.id limit 1;
      v_currency := coalesce(v_currency, v_event_currency);
    end if;
    if v_currency is null or v_currency !~ '^[A-Z]{3}$' then
      raise exception 'currency must be an ISO 4217 code such as EUR for a fixed amount'
        using errcode = '22023', column = 'currency';
    end if;
    if v_currency is distinct from coalesce(v_event_currency, v_currency) then
      raise exception 'currency % differs from the event''s currency %', v_currency, v_event_currency
        using errcode = 'CPCUR', column = 'currency';
    end if;
  elsif v_currency is not null then
    raise exception 'currency is only for fixed amounts' using errcode = '22023', column = 'currency';
  end if;
  if create_promo_code.valid_until <= coalesce(create_promo_code.valid_from, now()) then
    raise exception 'valid_until must be after valid_from and in the future'
      using errcode = '22023', column = 'valid_until';
  end if;
  if create_promo_code.max_uses < 1 then
    raise exception 'max_uses must be at least 1 (or null for no limit)' using errcode = '22023', column = 'max_uses';
  end if;
  if v_event.id is not null then
    perform app_hidden.assert_event_editable(v_event);
  end if;
  if exists (
    select from app_public.promo_code pc
    where pc.code = v_code::citext and pc.event_id is not distinct from v_event.id
  ) then
    raise exception 'promo code "%" already exists %', v_code,
      case when v_event.id is null then 'among the global codes' else 'for this event' end
      using errcode = '23505', column = 'code', constraint = 'promo_code_event_id_code_key';
  end if;

  insert into app_public.promo_code (
    code, event_id, created_by, discount_kind, percent_off, amount_off, currency,
    valid_from, valid_until, max_uses
  ) values (
    v_code, v_event.id, v_user_id,
    case when create_promo_code.percent_off is not null then 'percent' else 'fixed' end::app_public.discount_kind,
    create_promo_code.percent_off, create_promo_code.amount_off,
    case when create_promo_code.amount_off is not null then v_currency end,
    create_promo_code.valid_from, create_promo_code.valid_until, create_promo_code.max_uses
  )
  returning * into v_promo;

  perform app_hidden.record_change(
    'promo_code', v_promo.id, 'PromoCodeCreated', 'promo_code.create', 'promo_code', app_hidden.promo_code_data(v_promo)
  );
  return v_promo;
end;
$_$;


--
-- Name: FUNCTION create_promo_code(code text, event_id uuid, percent_off integer, amount_off numeric, currency text, valid_from timestamp with time zone, valid_until timestamp with time zone, max_uses integer); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.create_promo_code(code text, event_id uuid, percent_off integer, amount_off numeric, currency text, valid_from timestamp with time zone, valid_until timestamp with time zone, max_uses integer) IS 'Creates a promo code: for one of the caller''s events (organizer) or any event (admin), or a global code (event_id null, admins only). Give percent_off (1..100) or amount_off (currency defaults to the event''s). Codes are case-insensitive and unique per event and among global codes. Errors: 28000, 42501, P0002, 22023 (argument named), CPCUR (currency differs from the event''s), 55000 (event completed or canceled), 23505 (code taken).';


--
-- Name: create_review(uuid, integer, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.create_review(event_id uuid, rating integer, content text) RETURNS app_public.review
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION create_review(event_id uuid, rating integer, content text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.create_review(event_id uuid, rating integer, content text) IS 'Reviews an event the caller attended: a confirmed booking of it, and the event has ended. One review per user per event; rating 1 to 5; content plain text, 1 to 4000 characters, stored as given. The review is active at once, or pending until an admin moderates it when moderation is on (setting review_moderation). Errors: 28000, P0002 (event), RVRAT, RVLEN, RVCTL, 55000 (event canceled), RVEND (not ended yet), RVNBK (no confirmed booking), RVDUP (already reviewed).';


--
-- Name: current_user_id(); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.current_user_id() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
  select case when app_hidden.claims_trusted()
              then nullif(pg_catalog.current_setting('jwt.claims.sub', true), '')::uuid
              else app_hidden.login_user_id() end;
$$;


--
-- Name: FUNCTION current_user_id(); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.current_user_id() IS 'The signed-in caller: the JWT''s `sub` in the API''s sessions, the mapped user of a staff login in psql (app_private.staff_login); null for an anonymous caller. Claims a psql session sets itself are ignored.';


--
-- Name: current_user_roles(); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.current_user_roles() RETURNS text[]
    LANGUAGE sql STABLE
    AS $$
  select case when app_hidden.claims_trusted()
              then coalesce(pg_catalog.string_to_array(nullif(pg_catalog.current_setting('jwt.claims.roles', true), ''), ','), '{}'::text[])
              else app_hidden.login_roles() end;
$$;


--
-- Name: FUNCTION current_user_roles(); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.current_user_roles() IS 'The caller''s realm roles (user, organizer, admin, payment-gateway): the JWT''s in the API''s sessions, the staff login''s mapping in psql; empty for an anonymous caller.';


--
-- Name: deactivate_promo_code(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.deactivate_promo_code(id uuid) RETURNS app_public.promo_code
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_promo app_public.promo_code;
  v_organizer_id uuid;
begin
  select * into v_promo from app_public.promo_code pc where pc.id = deactivate_promo_code.id for update;
  select e.organizer_id into v_organizer_id from app_public.event e where e.id = v_promo.event_id;
  if v_promo.id is null or not (
    app_public.has_role('admin') or v_organizer_id = v_user_id or v_promo.created_by = v_user_id
  ) then
    raise exception 'promo code not found' using errcode = 'P0002';
  end if;
  if not v_promo.is_active then
    return v_promo; -- idempotent: nothing new to announce
  end if;

  update app_public.promo_code pc
  set is_active = false, deactivated_at = now(), deactivated_by = v_user_id
  where pc.id = v_promo.id
  returning * into v_promo;

  perform app_hidden.record_change(
    'promo_code', v_promo.id, 'PromoCodeDeactivated', 'promo_code.deactivate', 'promo_code', app_hidden.promo_code_data(v_promo)
  );
  return v_promo;
end;
$$;


--
-- Name: FUNCTION deactivate_promo_code(id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.deactivate_promo_code(id uuid) IS 'Deactivates a promo code (the organizer of its event, or an admin): no new booking may use it; bookings that did keep their discount. Deactivating again returns it unchanged. Errors: 28000, 42501, P0002.';


--
-- Name: decline_offer(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.decline_offer(id uuid) RETURNS app_public.waitlist_entry
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select * from app_hidden.end_waitlist_entry(decline_offer.id, 'declined', array['offered']::app_public.waitlist_status[]);
$$;


--
-- Name: FUNCTION decline_offer(id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.decline_offer(id uuid) IS 'The caller declines the seats offered to their waiting-list entry; they go to the next in line. OfferDeclined. Errors: 28000, P0002, WLNOF.';


--
-- Name: delete_review(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.delete_review(id uuid) RETURNS app_public.review
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION delete_review(id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.delete_review(id uuid) IS 'Deletes a review (its author, or an admin) with its helpful votes, and returns it as it was. The author may review the event again afterwards. Errors: 28000, P0002, 42501.';


--
-- Name: delete_review_reply(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.delete_review_reply(review_id uuid) RETURNS app_public.review_reply
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION delete_review_reply(review_id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.delete_review_reply(review_id uuid) IS 'Its author or an admin deletes the reply to a review and gets it as it was. ReviewReplyDeleted. Errors: 28000, P0002, 42501.';


--
-- Name: erase_user_data(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.erase_user_data(user_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  v_user uuid := erase_user_data.user_id;
  v_alias uuid := gen_random_uuid();
  v_counts jsonb;
  v_audit_ids bigint[];
  v_n integer;
  v_bookings integer; v_payments integer; v_refunds integer; v_reviews integer; v_votes integer;
  v_favorites integer; v_waitlist integer; v_events integer; v_promo integer; v_audit integer; v_outbox integer;
begin
  perform app_hidden.assert_may_manage_user_data(v_user);

  -- An organizer with events still ahead must cancel or hand them over first:
  -- participants need someone to answer for them.
  if exists (select from app_public.event e
             where e.organizer_id = v_user and e.status in ('draft', 'published') and e.ends_at > now()) then
    raise exception 'this user organizes events that have not ended: cancel them first'
      using errcode = 'ERORG', hint = 'cancel_event each upcoming event, then erase';
  end if;
  -- Seats held for payment would become nobody's: cancel them first.
  if exists (select from app_public.booking b where b.user_id = v_user and b.status = 'pending_payment') then
    raise exception 'this user has bookings waiting for payment: cancel them first'
      using errcode = 'ERPEN', hint = 'cancel_booking each pending booking, then erase';
  end if;

  -- Live waiting-list entries end (open offers withdrawn, their seats passed on).
  perform app_hidden.end_waitlist_entries(null, v_user, 'user_erased');

  -- The audit rows about this person's things, found by index before their
  -- keys change: rows they wrote (actor) and rows about their bookings,
  -- payments, refunds, reviews, votes and favorites (table, row id).
  select array_agg(x.id) into v_audit_ids from (
    select a.id from app_private.audit_log a where a.actor_id = v_user
    union
    select a.id from app_private.audit_log a
    join (
      select 'booking' as t, b.id::text as r from app_public.booking b where b.user_id = v_user
      union all
      select 'payment', p.id::text from app_public.payment p join app_public.booking b on b.id = p.booking_id where b.user_id = v_user
      union all
      select 'refund', r.id::text from app_public.refund r join app_public.payment p on p.id = r.payment_id
        join app_public.booking b on b.id = p.booking_id where b.user_id = v_user
      union all
      select 'review', r.id::text from app_public.review r where r.user_id = v_user
      union all
      select 'waitlist_entry', w.id::text from app_public.waitlist_entry w where w.user_id = v_user
      union all
      select 'ticket', b.id::text from app_public.booking b where b.user_id = v_user -- ticket rows are audited by booking
      union all
      select 'favorite', format('(%s,%s)', f.user_id, f.event_id) from app_public.favorite f where f.user_id = v_user
      union all
      select 'review_helpful_vote', format('(%s,%s)', v.review_id, v.user_id) from app_public.review_helpful_vote v where v.user_id = v_user
    ) mine on a.table_name = mine.t and a.row_id = mine.r
  ) x;

  -- A canceled booking must keep a reason (booking_canceled_at_check): the words go, the fact stays.
  update app_public.booking set user_id = v_alias, cancel_reason = case when cancel_reason is null then null else '[erased]' end
  where booking.user_id = v_user;
  get diagnostics v_bookings = row_count;
  update app_public.booking set canceled_by = v_alias where canceled_by = v_user;
  update app_public.payment set initiated_by = v_alias where initiated_by = v_user;
  get diagnostics v_payments = row_count;
  update app_public.refund set created_by = v_alias where created_by = v_user;
  get diagnostics v_refunds = row_count;
  -- Reviews keep their rating (the event's summary stays right); the words are the person's.
  update app_public.review set user_id = v_alias, content = '[erased]', moderation_note = null where review.user_id = v_user;
  get diagnostics v_reviews = row_count;
  update app_public.review set moderated_by = v_alias where moderated_by = v_user;
  -- Votes stay (helpful counts stay right), under the pseudonym.
  update app_public.review_helpful_vote set user_id = v_alias where review_helpful_vote.user_id = v_user;
  get diagnostics v_votes = row_count;
  delete from app_public.favorite where favorite.user_id = v_user;
  get diagnostics v_favorites = row_count;
  -- Waiting-list entries (all ended by now) keep their place in the history and their seats.
  update app_public.waitlist_entry set user_id = v_alias where waitlist_entry.user_id = v_user;
  get diagnostics v_waitlist = row_count;
  -- Organizer-side traces: replies they wrote (the words go), check-ins they scanned.
  update app_public.review_reply set organizer_id = v_alias, content = '[erased]' where organizer_id = v_user;
  update app_public.review_reply set moderated_by = v_alias where moderated_by = v_user;
  update app_public.ticket set checked_in_by = v_alias where checked_in_by = v_user;
  update app_public.event set organizer_id = v_alias where organizer_id = v_user;
  get diagnostics v_events = row_count;
  update app_public.promo_code set created_by = v_alias where created_by = v_user;
  get diagnostics v_promo = row_count;
  update app_public.promo_code set deactivated_by = v_alias where deactivated_by = v_user;

  update app_private.audit_log a
  set actor_id = case when a.actor_id = v_user then v_alias else a.actor_id end,
      row_id = replace(a.row_id, v_user::text, v_alias::text),
      details = app_hidden.jsonb_replace_id(a.details, v_user, v_alias)
  where a.id = any(v_audit_ids);
  get diagnostics v_audit = row_count;
  -- Events not yet sent to Kafka leave without the id; sent ones are announced below.
  update app_private.outbox o
  set actor_id = case when o.actor_id = v_user then v_alias else o.actor_id end,
      data = app_hidden.jsonb_replace_id(o.data, v_user, v_alias)
  where o.published_at is null
    and o.event_type <> 'UserDataErased' -- earlier announcements must keep the id
    and (o.actor_id = v_user or o.data::text like '%' || v_user::text || '%');
  get diagnostics v_outbox = row_count;
  delete from app_private.rate_limit_counter c where c.key like '%' || v_user::text || '%';

  v_counts := jsonb_build_object(
    'bookings', v_bookings, 'payments', v_payments, 'refunds', v_refunds, 'reviews', v_reviews,
    'helpfulVotes', v_votes, 'favorites', v_favorites, 'waitlistEntries', v_waitlist, 'eventsOrganized', v_events,
    'promoCodes', v_promo, 'auditRows', v_audit, 'pendingOutboxRows', v_outbox);
  v_n := v_bookings + v_payments + v_refunds + v_reviews + v_votes + v_favorites + v_waitlist + v_events + v_promo + v_audit + v_outbox;
  if v_n > 0 then
    insert into app_private.pseudonym (pseudonym, reason) values (v_alias, 'erasure');
  end if;

  -- Announced every time, also when nothing was left to erase (idempotent for
  -- consumers too: they erase what they hold about the id, again if need be).
  perform app_hidden.record_change(
    'user', v_user, 'UserDataErased', 'user.erase', 'user', jsonb_build_object('userId', v_user, 'erased', v_counts));
  -- The outbox row must name the id (other services erase by it, and it is
  -- pruned once sent); the audit row keeps only that an erasure happened.
  update app_private.audit_log a
  set row_id = v_alias::text, details = app_hidden.jsonb_replace_id(a.details, v_user, v_alias),
      actor_id = case when a.actor_id = v_user then v_alias else a.actor_id end
  where a.table_name = 'user' and a.row_id = v_user::text and a.action = 'user.erase';
  return jsonb_build_object('userId', v_user, 'erased', v_counts);
end;
$$;


--
-- Name: FUNCTION erase_user_data(user_id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.erase_user_data(user_id uuid) IS 'Erases a person from the service (GDPR): their live waiting-list entries end first (open offers withdrawn, seats passed on); then every row that names the user id gets one random pseudonym instead (bookings, payments, refunds, reviews — whose text is cleared, ratings kept —, helpful votes, waiting-list entries, review replies, check-ins scanned, events organized, promo codes, audit rows, outbox rows not yet sent); favorites are deleted. Amounts, counts and rating totals stay right. Emits UserDataErased (topic aquastream.user) so other services erase too. Idempotent: a second call finds nothing left and announces again. For that user or an admin. Errors: 28000, 22023, 42501, ERORG (events ahead), ERPEN (bookings waiting for payment).';


--
-- Name: event_checked_in_count(app_public.event); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_checked_in_count(e app_public.event) RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select case when e.organizer_id = app_public.current_user_id() or app_public.has_role('admin') then
    (select count(*)::integer from app_public.ticket t
      where t.event_id = e.id and t.status = 'valid' and t.checked_in_at is not null)
  end;
$$;


--
-- Name: FUNCTION event_checked_in_count(e app_public.event); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_checked_in_count(e app_public.event) IS 'Valid tickets of the event checked in (people who came); for its organizer and admins, null for anyone else.';


--
-- Name: event_distance_km(app_public.event, double precision, double precision); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_distance_km(e app_public.event, latitude double precision, longitude double precision) RETURNS double precision
    LANGUAGE sql STABLE
    AS $$
  select app_hidden.distance_km(event_distance_km.latitude, event_distance_km.longitude, e.latitude, e.longitude);
$$;


--
-- Name: FUNCTION event_distance_km(e app_public.event, latitude double precision, longitude double precision); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_distance_km(e app_public.event, latitude double precision, longitude double precision) IS 'Great-circle distance in kilometres from the given point to the event''s meeting point (the one search_events filters and sorts by); null when the event has no coordinates.';


--
-- Name: event_is_favorite(app_public.event); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_is_favorite(e app_public.event) RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $$
begin
  if app_public.current_user_id() is null then return false; end if;
  return exists (
    select from app_public.favorite f
    where f.event_id = e.id and f.user_id = app_public.current_user_id()
  );
end;
$$;


--
-- Name: FUNCTION event_is_favorite(e app_public.event); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_is_favorite(e app_public.event) IS 'Whether the caller keeps this event in their favorites (false for anonymous callers).';


--
-- Name: event_min_price(app_public.event); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_min_price(e app_public.event) RETURNS numeric
    LANGUAGE sql STABLE
    AS $$
  select s.min_price from app_hidden.event_stats s where s.event_id = e.id;
$$;


--
-- Name: FUNCTION event_min_price(e app_public.event); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_min_price(e app_public.event) IS 'The cheapest price tier of the event (per seat, in its currency); null without tiers. What search_events'' price filter and price sort use.';


--
-- Name: event_my_booking(app_public.event); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_my_booking(e app_public.event) RETURNS app_public.booking
    LANGUAGE plpgsql STABLE
    AS $$
declare
  found app_public.booking;
begin
  if app_public.current_user_id() is null then return null; end if;
  select b.* into found from app_public.booking b
  where b.event_id = e.id and b.user_id = app_public.current_user_id()
    and b.status in ('pending_payment', 'confirmed');
  return found;
end;
$$;


--
-- Name: FUNCTION event_my_booking(e app_public.event); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_my_booking(e app_public.event) IS 'The caller''s live booking of this event, if any (null for anonymous callers).';


--
-- Name: event_my_review(app_public.event); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_my_review(e app_public.event) RETURNS app_public.review
    LANGUAGE sql STABLE
    AS $$
  select r.* from app_public.review r
  where r.event_id = e.id and r.user_id = app_public.current_user_id();
$$;


--
-- Name: FUNCTION event_my_review(e app_public.event); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_my_review(e app_public.event) IS 'The caller''s own review of this event in any status (pending, active, rejected), if any.';


--
-- Name: event_price_tier_seats_available(app_public.event_price_tier); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_price_tier_seats_available(t app_public.event_price_tier) RETURNS integer
    LANGUAGE sql STABLE
    AS $$
  select t.quota - app_public.event_price_tier_seats_taken(t);
$$;


--
-- Name: FUNCTION event_price_tier_seats_available(t app_public.event_price_tier); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_price_tier_seats_available(t app_public.event_price_tier) IS 'Seats this tier may still sell under its own quota; null when the tier has no quota (the event''s free seats apply).';


--
-- Name: event_price_tier_seats_taken(app_public.event_price_tier); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_price_tier_seats_taken(t app_public.event_price_tier) RETURNS integer
    LANGUAGE plpgsql STABLE
    AS $$
begin
  return coalesce((select c.seats_taken from app_public.price_tier_seat_counter c where c.price_tier_id = t.id), 0);
end;
$$;


--
-- Name: FUNCTION event_price_tier_seats_taken(t app_public.event_price_tier); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_price_tier_seats_taken(t app_public.event_price_tier) IS '@notNull
Seats held in this tier by pending and confirmed bookings.';


--
-- Name: event_rating_summary(app_public.event); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_rating_summary(e app_public.event) RETURNS app_public.rating_summary
    LANGUAGE sql STABLE
    AS $$
  select s.rating_average, coalesce(s.rating_count, 0), coalesce(s.one_star, 0), coalesce(s.two_stars, 0),
    coalesce(s.three_stars, 0), coalesce(s.four_stars, 0), coalesce(s.five_stars, 0)
  from (select) as one
  left join app_hidden.event_stats s on s.event_id = e.id;
$$;


--
-- Name: FUNCTION event_rating_summary(e app_public.event); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_rating_summary(e app_public.event) IS 'Rating summary of the event''s active reviews: average (null without reviews), count, and count per star. The same for every caller.';


--
-- Name: event_seats_available(app_public.event); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_seats_available(e app_public.event) RETURNS integer
    LANGUAGE sql STABLE
    AS $$
  select greatest(e.capacity - app_public.event_seats_taken(e), 0);
$$;


--
-- Name: FUNCTION event_seats_available(e app_public.event); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_seats_available(e app_public.event) IS 'Seats still free (capacity minus seats taken).';


--
-- Name: event_seats_taken(app_public.event); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_seats_taken(e app_public.event) RETURNS integer
    LANGUAGE plpgsql STABLE
    AS $$
begin
  return coalesce((select c.seats_taken from app_public.event_seat_counter c where c.event_id = e.id), 0);
end;
$$;


--
-- Name: FUNCTION event_seats_taken(e app_public.event); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_seats_taken(e app_public.event) IS '@notNull
Seats held by pending and confirmed bookings; never above capacity.';


--
-- Name: event_tickets_valid(app_public.event); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_tickets_valid(e app_public.event) RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select case when e.organizer_id = app_public.current_user_id() or app_public.has_role('admin') then
    (select count(*)::integer from app_public.ticket t where t.event_id = e.id and t.status = 'valid')
  end;
$$;


--
-- Name: FUNCTION event_tickets_valid(e app_public.event); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_tickets_valid(e app_public.event) IS 'Valid tickets of the event (people expected); for its organizer and admins, null for anyone else.';


--
-- Name: export_user_data(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.export_user_data(user_id uuid) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  v_user uuid := export_user_data.user_id;
  v_bookings uuid[];
  v_payments uuid[];
begin
  perform app_hidden.assert_may_manage_user_data(v_user);
  -- The user's bookings and payments by id (arrays): their payments, refunds
  -- and tickets are then read by these ids, never by a join the planner
  -- could hash over whole tables.
  v_bookings := array(select b.id from app_public.booking b where b.user_id = v_user);
  v_payments := array(select p.id from app_public.payment p where p.booking_id = any(v_bookings));
  return jsonb_build_object(
    'userId', v_user,
    'exportedAt', now(),
    'bookings', coalesce((select jsonb_agg(to_jsonb(b) order by b.created_at) from app_public.booking b where b.user_id = v_user), '[]'),
    'payments', coalesce((select jsonb_agg(to_jsonb(p) - 'payment_url' order by p.created_at)
                          from app_public.payment p where p.id = any(v_payments)), '[]'),
    'refunds', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at)
                         from app_public.refund r where r.payment_id = any(v_payments)), '[]'),
    'reviews', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from app_public.review r where r.user_id = v_user), '[]'),
    'helpfulVotes', coalesce((select jsonb_agg(to_jsonb(v) order by v.created_at) from app_public.review_helpful_vote v where v.user_id = v_user), '[]'),
    'favorites', coalesce((select jsonb_agg(to_jsonb(f) order by f.created_at) from app_public.favorite f where f.user_id = v_user), '[]'),
    'waitlistEntries', coalesce((select jsonb_agg(to_jsonb(w) order by w.joined_at) from app_public.waitlist_entry w where w.user_id = v_user), '[]'),
    'tickets', coalesce((select jsonb_agg(jsonb_build_object('id', t.id, 'bookingId', t.booking_id, 'eventId', t.event_id, 'status', t.status, 'checkedInAt', t.checked_in_at) order by t.id)
                         from app_public.ticket t where t.booking_id = any(v_bookings)), '[]'),
    'reviewReplies', coalesce((select jsonb_agg(to_jsonb(rr)) from app_public.review_reply rr where rr.organizer_id = v_user), '[]'),
    'eventsOrganized', coalesce((select jsonb_agg(jsonb_build_object('id', e.id, 'title', e.title, 'status', e.status, 'startsAt', e.starts_at) order by e.created_at)
                                 from app_public.event e where e.organizer_id = v_user), '[]'),
    'promoCodesCreated', coalesce((select jsonb_agg(jsonb_build_object('id', pc.id, 'code', pc.code, 'eventId', pc.event_id) order by pc.created_at)
                                   from app_public.promo_code pc where pc.created_by = v_user), '[]'),
    'auditTrail', coalesce((select jsonb_agg(jsonb_build_object('occurredAt', a.occurred_at, 'action', a.action, 'table', a.table_name, 'rowId', a.row_id) order by a.id)
                            from app_private.audit_log a where a.actor_id = v_user), '[]')
  );
end;
$$;


--
-- Name: FUNCTION export_user_data(user_id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.export_user_data(user_id uuid) IS 'Everything the service holds about one user, as JSON: bookings, payments, refunds, reviews, helpful votes, favorites, waiting-list entries, tickets (without their codes), review replies, events organized, promo codes created and their audit trail (what they did, when). For that user or an admin. Errors: 28000, 22023, 42501.';


--
-- Name: fail_payment(uuid, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.fail_payment(payment_id uuid, reason text) RETURNS app_public.payment
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_reason text := app_hidden.clean_text(fail_payment.reason);
  v_payment app_public.payment;
begin
  if not (app_public.has_role('payment-gateway') or app_public.has_role('admin')) then
    raise exception 'only the payment gateway or an admin may report failed payments' using errcode = '42501';
  end if;
  if v_reason is null or char_length(v_reason) not between 3 and 1000 then
    raise exception 'reason must be 3 to 1000 characters long' using errcode = '22023', column = 'reason';
  end if;
  select * into v_payment from app_public.payment p where p.id = fail_payment.payment_id for update;
  if not found then
    raise exception 'payment not found' using errcode = 'P0002';
  end if;
  if v_payment.status = 'failed' then
    return v_payment; -- idempotent
  end if;
  if v_payment.status <> 'pending' then
    raise exception 'a % payment cannot fail', v_payment.status using errcode = '55000', column = 'status';
  end if;
  update app_public.payment p
  set status = 'failed', failed_at = now(), error_code = 'GWFAI', error_message = v_reason
  where p.id = v_payment.id
  returning * into v_payment;
  perform app_hidden.record_change(
    'booking', v_payment.booking_id, 'PaymentFailed', 'payment.fail', 'payment', app_hidden.payment_data(v_payment),
    v_payment.id::text
  );
  return v_payment;
end;
$$;


--
-- Name: FUNCTION fail_payment(payment_id uuid, reason text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.fail_payment(payment_id uuid, reason text) IS 'The payment gateway (or an admin) reports that a pending payment failed (declined, abandoned): the participant may initiate another before the deadline. Failing it again returns it unchanged. Errors: 28000, 42501, 22023, P0002, 55000 (not pending).';


--
-- Name: has_role(text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.has_role(role text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select has_role.role = any (app_public.current_user_roles());
$$;


--
-- Name: FUNCTION has_role(role text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.has_role(role text) IS 'True when the caller''s JWT carries this realm role.';


--
-- Name: initiate_payment(uuid, app_public.payment_method); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.initiate_payment(booking_id uuid, method app_public.payment_method DEFAULT 'card'::app_public.payment_method) RETURNS app_public.payment
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_booking app_public.booking;
  v_payment app_public.payment;
  v_id uuid := gen_random_uuid();
begin
  select * into v_booking from app_public.booking b where b.id = initiate_payment.booking_id for update;
  if not found or not (v_booking.user_id = v_user_id or app_public.has_role('admin')) then
    raise exception 'booking not found' using errcode = 'P0002';
  end if;
  if initiate_payment.method is null then
    raise exception 'method is required' using errcode = '22023', column = 'method';
  end if;
  if v_booking.status <> 'pending_payment' then
    raise exception 'the booking is %; there is nothing to pay', v_booking.status using errcode = '55000', column = 'status';
  end if;
  if v_booking.payment_deadline <= now() then
    raise exception 'the payment deadline of this booking passed at %', v_booking.payment_deadline
      using errcode = 'BKEXP', hint = 'Book again.';
  end if;

  select * into v_payment from app_public.payment p where p.booking_id = v_booking.id and p.status = 'pending';
  if found then
    if v_payment.method = initiate_payment.method then
      return v_payment; -- idempotent: the same checkout again
    end if;
    raise exception 'a % payment of this booking is already in progress', v_payment.method
      using errcode = '55000', column = 'method', hint = 'Complete it at its payment_url, or wait until the gateway reports it failed.';
  end if;

  insert into app_public.payment (id, booking_id, amount, currency, method, payment_url, initiated_by)
  values (v_id, v_booking.id, v_booking.total_amount, v_booking.currency, initiate_payment.method,
          app_hidden.payment_url_base() || v_id::text, v_user_id)
  returning * into v_payment;

  perform app_hidden.record_change(
    'booking', v_booking.id, 'PaymentInitiated', 'payment.initiate', 'payment', app_hidden.payment_data(v_payment),
    v_payment.id::text
  );
  return v_payment;
end;
$$;


--
-- Name: FUNCTION initiate_payment(booking_id uuid, method app_public.payment_method); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.initiate_payment(booking_id uuid, method app_public.payment_method) IS 'Starts paying a pending booking of the caller: a pending payment of the booking''s total with a checkout URL. Calling it again with the same method returns the same payment. Errors: 28000, P0002, 22023, 55000 (booking not pending, or another method in progress), BKEXP (deadline passed).';


--
-- Name: join_waitlist(uuid, integer, uuid, boolean); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.join_waitlist(event_id uuid, seats_wanted integer DEFAULT 1, price_tier_id uuid DEFAULT NULL::uuid, accepts_fewer boolean DEFAULT false) RETURNS app_public.waitlist_entry
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
#variable_conflict use_column
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_event app_public.event;
  v_tier app_public.event_price_tier;
  v_max integer;
  v_free integer;
  v_tier_free integer;
  v_entry app_public.waitlist_entry;
begin
  select * into v_event from app_public.event e where e.id = join_waitlist.event_id;
  if not found or not app_hidden.event_is_visible(v_event) then
    raise exception 'event not found' using errcode = 'P0002';
  end if;
  if v_event.organizer_id = v_user_id then
    raise exception 'organizers cannot book their own event' using errcode = 'BKOWN';
  end if;
  v_max := coalesce(v_event.max_seats_per_booking,
                    (select s.value::integer from app_private.setting s where s.key = 'booking_max_seats_default'), 10);
  if join_waitlist.seats_wanted is null or join_waitlist.seats_wanted < 1 then
    raise exception 'seats_wanted must be at least 1' using errcode = 'BKQTY', column = 'seats_wanted';
  end if;
  if join_waitlist.seats_wanted > least(v_max, 20) then
    raise exception 'at most % seat(s) per booking for this event', least(v_max, 20)
      using errcode = 'BKMAX', column = 'seats_wanted', hint = 'Ask for fewer seats.';
  end if;
  if join_waitlist.price_tier_id is not null then
    select * into v_tier from app_public.event_price_tier t where t.id = join_waitlist.price_tier_id;
    if not found or v_tier.event_id <> v_event.id then
      raise exception 'price tier not found for this event' using errcode = 'BKTEV', column = 'price_tier_id';
    end if;
  end if;
  if v_event.status <> 'published' then
    raise exception 'bookings are closed: the event is %', v_event.status using errcode = '55000', column = 'status';
  end if;
  if now() >= v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours) then
    raise exception 'bookings for this event closed at %', v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours)
      using errcode = 'BKCLO';
  end if;
  if exists (
    select from app_public.booking b
    where b.event_id = v_event.id and b.user_id = v_user_id and b.status in ('pending_payment', 'confirmed')
  ) then
    raise exception 'you already have a booking for this event' using errcode = 'BKDUP';
  end if;

  -- Sold out for this request: fewer free seats than wanted (event, or the tier's quota).
  v_free := app_public.event_seats_available(v_event);
  if v_tier.id is not null then
    v_tier_free := app_public.event_price_tier_seats_available(v_tier);
  end if;
  if v_free >= join_waitlist.seats_wanted and coalesce(v_tier_free, v_free) >= join_waitlist.seats_wanted then
    raise exception '% seat(s) are free: book them instead of waiting', least(v_free, coalesce(v_tier_free, v_free))
      using errcode = 'WLFRE', hint = 'Call create_booking.';
  end if;

  insert into app_public.waitlist_entry (event_id, price_tier_id, user_id, seats_wanted, accepts_fewer)
  values (v_event.id, v_tier.id, v_user_id, join_waitlist.seats_wanted, coalesce(join_waitlist.accepts_fewer, false))
  on conflict (event_id, user_id) where status in ('waiting', 'offered') do nothing
  returning * into v_entry;
  if v_entry.id is null then
    raise exception 'you are already on this event''s waiting list' using errcode = 'WLDUP';
  end if;
  perform app_hidden.record_change(
    'waitlist', v_entry.id, 'WaitlistJoined', 'waitlist.join', 'waitlist_entry', app_hidden.waitlist_entry_data(v_entry)
  );
  return v_entry;
end;
$$;


--
-- Name: FUNCTION join_waitlist(event_id uuid, seats_wanted integer, price_tier_id uuid, accepts_fewer boolean); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.join_waitlist(event_id uuid, seats_wanted integer, price_tier_id uuid, accepts_fewer boolean) IS 'Puts the caller on a sold-out event''s waiting list (optionally for one price tier) for seats_wanted seats (1..the event''s max per booking); accepts_fewer: an offer of fewer seats is welcome. Only while bookings are open and fewer seats are free than wanted; one live entry per user per event. Errors: 28000, P0002, BKOWN, BKQTY, BKMAX, BKTEV, 55000, BKCLO, BKDUP, WLFRE, WLDUP.';


--
-- Name: leave_waitlist(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.leave_waitlist(id uuid) RETURNS app_public.waitlist_entry
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select * from app_hidden.end_waitlist_entry(leave_waitlist.id, 'left', array['waiting', 'offered']::app_public.waitlist_status[]);
$$;


--
-- Name: FUNCTION leave_waitlist(id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.leave_waitlist(id uuid) IS 'The caller leaves a waiting list (an open offer is given up: its seats go to the next in line). WaitlistLeft. Errors: 28000, P0002, WLEND.';


--
-- Name: mark_review_helpful(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.mark_review_helpful(review_id uuid) RETURNS app_public.review
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION mark_review_helpful(review_id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.mark_review_helpful(review_id uuid) IS 'The caller marks an active review helpful (one vote per user; marking it again changes nothing) and gets the review with its new helpful_count. A vote arriving while the review is being deleted waits and answers P0002. Errors: 28000, P0002, RVOWN (own review), 55000 (not active).';


--
-- Name: moderate_review(uuid, app_public.review_status, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.moderate_review(id uuid, status app_public.review_status, note text DEFAULT NULL::text) RETURNS app_public.review
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION moderate_review(id uuid, status app_public.review_status, note text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.moderate_review(id uuid, status app_public.review_status, note text) IS 'An admin makes a review active (public) or rejected (hidden from everyone but its author and admins, at once), with an optional note for the author (up to 1000 characters); who and when are recorded on the review. The same decision again returns it unchanged. Errors: 28000, 42501 (not an admin), P0002, 22023 (status pending or null, note too long), RVCTL (control characters in the note).';


--
-- Name: moderate_review_reply(uuid, app_public.review_status, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.moderate_review_reply(review_id uuid, status app_public.review_status, note text DEFAULT NULL::text) RETURNS app_public.review_reply
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION moderate_review_reply(review_id uuid, status app_public.review_status, note text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.moderate_review_reply(review_id uuid, status app_public.review_status, note text) IS 'An admin makes the reply to a review active or rejected, with an optional note (1000 characters) for its author. The same decision again writes nothing. ReviewReplyModerated. Errors: 28000, 42501, P0002, 22023, RVCTL.';


--
-- Name: my_favorite_events(); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.my_favorite_events() RETURNS SETOF app_public.event
    LANGUAGE plpgsql STABLE
    AS $$
begin
  perform app_hidden.assert_signed_in();
  return query
    select e.*
    from app_public.favorite f
    cross join lateral (select x.* from app_public.event x where x.id = f.event_id limit 1) e
    where f.user_id = app_public.current_user_id()
    order by f.created_at desc, e.id;
end;
$$;


--
-- Name: FUNCTION my_favorite_events(); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.my_favorite_events() IS 'The caller''s favorite events that they can still see, most recently added first (each event by primary key: the work is the caller''s favorites). Errors: 28000.';


--
-- Name: pause_waitlist_offers(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.pause_waitlist_offers(id uuid) RETURNS app_public.event
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event app_public.event := app_hidden.event_for_waitlist_change(pause_waitlist_offers.id);
begin
  if v_event.waitlist_paused_at is not null then
    return v_event; -- already paused
  end if;
  update app_public.event e set waitlist_paused_at = now() where e.id = v_event.id returning * into v_event;
  -- Wait for an offer in flight on this event: it commits before the pause does.
  perform from app_public.event_seat_counter c where c.event_id = v_event.id for no key update;
  perform app_hidden.record_change(
    'event', v_event.id, 'WaitlistOffersPaused', 'event.pause_waitlist', 'event',
    jsonb_build_object('eventId', v_event.id, 'pausedAt', v_event.waitlist_paused_at,
                       'openOffers', (select count(*) filter (where w.status = 'offered') from app_public.waitlist_entry w
                                      where w.event_id = v_event.id and w.status in ('waiting', 'offered')))
  );
  return v_event;
end;
$$;


--
-- Name: FUNCTION pause_waitlist_offers(id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.pause_waitlist_offers(id uuid) IS 'Pauses waiting-list offers of an event (its organizer, or an admin; draft or published): no new offer is made until resume_waitlist_offers; open offers stay valid until accepted, declined or expired, and freed seats stay free (bookable by anyone). WaitlistOffersPaused. Pausing a paused event changes nothing. Errors: 28000, 42501, P0002, 55000.';


--
-- Name: promo_code_uses_left(app_public.promo_code); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.promo_code_uses_left(p app_public.promo_code) RETURNS integer
    LANGUAGE sql STABLE
    AS $$
  select p.max_uses - p.uses;
$$;


--
-- Name: FUNCTION promo_code_uses_left(p app_public.promo_code); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.promo_code_uses_left(p app_public.promo_code) IS 'How many more live bookings may use the code now; null when unlimited.';


--
-- Name: publish_event(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.publish_event(id uuid) RETURNS app_public.event
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event app_public.event := app_hidden.event_for_change(publish_event.id);
begin
  if v_event.status <> 'draft' then
    raise exception 'only draft events can be published; this event is %', v_event.status
      using errcode = '55000', column = 'status';
  end if;
  if not exists (select from app_public.event_price_tier t where t.event_id = v_event.id) then
    raise exception 'an event needs at least one price tier to be published'
      using errcode = 'EVTIR', hint = 'Add a price tier with add_price_tier first.';
  end if;
  if v_event.starts_at <= now() then
    raise exception 'the event has already started and cannot be published'
      using errcode = 'EVSTR', column = 'starts_at', hint = 'Move starts_at into the future with update_event first.';
  end if;

  update app_public.event e
  set status = 'published', published_at = now()
  where e.id = v_event.id
  returning * into v_event;

  perform app_hidden.record_change(
    'event', v_event.id, 'EventPublished', 'event.publish', 'event',
    app_hidden.event_data(v_event) || jsonb_build_object('priceTiers', app_hidden.event_price_tiers_data(v_event.id))
  );
  -- The crew issue enqueues the AssignCrew job here when crew_required (same transaction).
  return v_event;
end;
$$;


--
-- Name: FUNCTION publish_event(id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.publish_event(id uuid) IS 'Publishes a draft event (its organizer, or an admin): from now on everyone sees it and may book. Errors: 28000, 42501, P0002, 55000 (not a draft), EVTIR (no price tier), EVSTR (already started).';


--
-- Name: quote_booking(uuid, uuid, integer, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.quote_booking(event_id uuid, price_tier_id uuid, quantity integer DEFAULT 1, promo_code text DEFAULT NULL::text) RETURNS app_public.booking_quote
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
  select * from app_hidden.price_booking(quote_booking.event_id, quote_booking.price_tier_id, quote_booking.quantity, quote_booking.promo_code);
$$;


--
-- Name: FUNCTION quote_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.quote_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) IS 'What booking these seats would cost the caller now, with every rule of create_booking checked (the anti-hoarding limits too); writes nothing. Errors: as create_booking.';


--
-- Name: refund_payment(uuid, text, numeric); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.refund_payment(payment_id uuid, reason text, amount numeric DEFAULT NULL::numeric) RETURNS app_public.refund
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := app_hidden.assert_event_manager();
  v_reason text := app_hidden.clean_text(refund_payment.reason);
  v_booking app_public.booking;
  v_event app_public.event;
  v_payment app_public.payment;
  v_amount numeric;
begin
  -- Lock order booking → payment.
  select * into v_booking from app_public.booking b
  where b.id = (select p.booking_id from app_public.payment p where p.id = refund_payment.payment_id)
  for update;
  select * into v_event from app_public.event e where e.id = v_booking.event_id;
  select * into v_payment from app_public.payment p where p.id = refund_payment.payment_id for update;
  if v_payment.id is null or not (v_event.organizer_id = v_user_id or app_public.has_role('admin')) then
    raise exception 'payment not found' using errcode = 'P0002';
  end if;
  if v_reason is null or char_length(v_reason) not between 3 and 1000 then
    raise exception 'reason must be 3 to 1000 characters long' using errcode = '22023', column = 'reason';
  end if;
  if refund_payment.amount is not null and (
    refund_payment.amount <= 0 or refund_payment.amount <> round(refund_payment.amount, 2)
  ) then
    raise exception 'amount must be more than 0, with at most two decimals' using errcode = '22023', column = 'amount';
  end if;
  if v_payment.status not in ('completed', 'partially_refunded') then
    raise exception 'a % payment cannot be refunded', v_payment.status using errcode = '55000', column = 'status';
  end if;
  v_amount := coalesce(refund_payment.amount, v_payment.amount - v_payment.refunded_amount);
  if v_amount > v_payment.amount - v_payment.refunded_amount then
    raise exception 'refund % exceeds the % % still refundable', v_amount, v_payment.amount - v_payment.refunded_amount, v_payment.currency
      using errcode = 'RFAMT', column = 'amount';
  end if;
  return app_hidden.issue_refund(v_payment, v_amount, v_reason);
end;
$$;


--
-- Name: FUNCTION refund_payment(payment_id uuid, reason text, amount numeric); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.refund_payment(payment_id uuid, reason text, amount numeric) IS 'Refunds a paid payment (the organizer of its event, or an admin), in full (amount null: what is left) or in part; the refunds of a payment never add up to more than was paid. The booking stays as it is (cancel_booking cancels and refunds). Errors: 28000, 42501, P0002, 22023, 55000 (not paid, or already refunded), RFAMT (more than is left).';


--
-- Name: reissue_tickets(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.reissue_tickets(booking_id uuid) RETURNS SETOF app_public.ticket
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
  v_booking app_public.booking;
  v_version integer;
begin
  select * into v_booking from app_public.booking b where b.id = reissue_tickets.booking_id for update;
  if not found or not (
    v_booking.user_id = v_user_id or app_public.has_role('admin')
    or exists (select from app_public.event e where e.id = v_booking.event_id and e.organizer_id = v_user_id)
  ) then
    raise exception 'booking not found' using errcode = 'P0002';
  end if;
  if v_booking.status <> 'confirmed' then
    raise exception 'only a confirmed booking has tickets (this one is %)', v_booking.status
      using errcode = 'TKBKS';
  end if;
  if exists (select from app_public.ticket t
             where t.booking_id = v_booking.id and t.status = 'valid' and t.checked_in_at is not null) then
    raise exception 'a ticket of this booking is checked in: undo the check-in first'
      using errcode = 'TKCHK';
  end if;
  select coalesce(max(t.version), 0) + 1 into v_version from app_public.ticket t where t.booking_id = v_booking.id;
  perform app_hidden.void_tickets(v_booking.id, 'reissued');
  return query select * from app_hidden.issue_tickets(v_booking, v_version) order by seat_no;
end;
$$;


--
-- Name: FUNCTION reissue_tickets(booking_id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.reissue_tickets(booking_id uuid) IS 'Replaces the tickets of a confirmed booking (e.g. a code was leaked): the old ones become void (reissued), new codes are issued with the next version. The holder, the event''s organizer or an admin. Errors: 28000, P0002, TKBKS (booking not confirmed), TKCHK (a ticket is checked in).';


--
-- Name: remove_favorite(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.remove_favorite(event_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_user_id uuid := app_hidden.assert_signed_in();
begin
  delete from app_public.favorite f where f.user_id = v_user_id and f.event_id = remove_favorite.event_id;
  if not found then
    return false;
  end if;
  perform app_hidden.record_change(
    'event', remove_favorite.event_id, 'FavoriteRemoved', 'favorite.remove', 'favorite',
    jsonb_build_object('userId', v_user_id, 'eventId', remove_favorite.event_id),
    format('(%s,%s)', v_user_id, remove_favorite.event_id)
  );
  return true;
end;
$$;


--
-- Name: FUNCTION remove_favorite(event_id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.remove_favorite(event_id uuid) IS 'Removes an event from the caller''s favorites; true when it was there, false otherwise. Errors: 28000.';


--
-- Name: remove_price_tier(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.remove_price_tier(id uuid) RETURNS app_public.event
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET plan_cache_mode TO 'force_custom_plan'
    AS $$
declare
  v_event_id uuid := (select t.event_id from app_public.event_price_tier t where t.id = remove_price_tier.id);
  v_event app_public.event;
  v_tier app_public.event_price_tier;
  v_seats_taken integer;
begin
  v_event := app_hidden.event_for_change(v_event_id, 'price tier not found');
  select * into v_tier from app_public.event_price_tier t where t.id = remove_price_tier.id for update;
  if not found then
    raise exception 'price tier not found' using errcode = 'P0002';
  end if;
  perform app_hidden.assert_event_editable(v_event);
  v_seats_taken := app_public.event_price_tier_seats_taken(v_tier);
  if v_seats_taken > 0 then
    raise exception 'price tier "%" has % seats taken and cannot be removed', v_tier.name, v_seats_taken
      using errcode = 'TRSEA';
  end if;
  if exists (select from app_public.booking b where b.price_tier_id = v_tier.id) then
    raise exception 'price tier "%" has bookings and cannot be removed', v_tier.name
      using errcode = 'TRSEA', hint = 'Its bookings keep the price they were sold at; leave the tier, or lower its quota.';
  end if;
  if v_event.status = 'published'
     and not exists (select from app_public.event_price_tier t where t.event_id = v_event.id and t.id <> v_tier.id) then
    raise exception 'a published event must keep at least one price tier'
      using errcode = 'EVTIR', hint = 'Add another tier first, or cancel the event.';
  end if;

  delete from app_public.event_price_tier t where t.id = v_tier.id;

  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event_price_tier.remove', 'event_price_tier',
    jsonb_build_object('priceTierRemoved', app_hidden.price_tier_data(v_tier)),
    v_tier.id::text
  );
  return v_event;
end;
$$;


--
-- Name: FUNCTION remove_price_tier(id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.remove_price_tier(id uuid) IS 'Removes a price tier without seats taken or bookings from a draft or published event (its organizer, or an admin) and returns the event. A published event keeps at least one tier. Errors: 28000, 42501, P0002, 55000, TRSEA (seats taken, or bookings refer to it), EVTIR (last tier of a published event).';


--
-- Name: reply_to_review(uuid, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.reply_to_review(review_id uuid, content text) RETURNS app_public.review_reply
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION reply_to_review(review_id uuid, content text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.reply_to_review(review_id uuid, content text) IS 'The organizer of the reviewed event writes its public reply to an active review, or changes it (one reply per review). Plain text, 1-2000 characters. Pending when review_moderation is on (also after an edit, and after editing a pending or rejected reply). ReviewReplied / ReviewReplyUpdated. Errors: 28000, P0002 (no such active review), 42501 (not the event''s organizer), RVLEN, RVCTL, RVDUP (answered at the same moment).';


--
-- Name: resume_waitlist_offers(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.resume_waitlist_offers(id uuid) RETURNS app_public.event
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event app_public.event := app_hidden.event_for_waitlist_change(resume_waitlist_offers.id);
  v_paused_at timestamptz := v_event.waitlist_paused_at;
  v_offers integer;
begin
  if v_paused_at is null then
    return v_event; -- not paused
  end if;
  update app_public.event e set waitlist_paused_at = null where e.id = v_event.id returning * into v_event;
  -- Whatever is free now goes to the list at once, in its order (both policies).
  v_offers := app_hidden.offer_freed_seats(v_event.id);
  perform app_hidden.record_change(
    'event', v_event.id, 'WaitlistOffersResumed', 'event.resume_waitlist', 'event',
    jsonb_build_object('eventId', v_event.id, 'pausedAt', v_paused_at, 'resumedAt', now(), 'offersMade', v_offers)
  );
  return v_event;
end;
$$;


--
-- Name: FUNCTION resume_waitlist_offers(id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.resume_waitlist_offers(id uuid) IS 'Resumes waiting-list offers of an event (its organizer, or an admin; draft or published): the seats free now are offered to the list at once, in its order (SeatsOffered each), whatever the policy. WaitlistOffersResumed (with offersMade). Resuming an event that is not paused changes nothing. Errors: 28000, 42501, P0002, 55000.';


--
-- Name: retry_crew_assignment(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.retry_crew_assignment(id uuid) RETURNS app_public.event
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event app_public.event;
begin
  perform app_hidden.assert_signed_in();
  if not app_public.has_role('admin') then
    raise exception 'only admins can retry a crew assignment' using errcode = '42501';
  end if;
  select * into v_event from app_public.event e where e.id = retry_crew_assignment.id for update;
  if not found then
    raise exception 'event not found' using errcode = 'P0002', column = 'id';
  end if;
  if v_event.status <> 'published' or v_event.crew_status <> 'failed' then
    raise exception 'only a published event whose crew assignment failed can be retried; this one is % with crew %',
      v_event.status, v_event.crew_status
      using errcode = '55000', column = 'crew_status';
  end if;

  -- The trigger enqueues assign_crew for the pending event.
  update app_public.event e set crew_status = 'pending' where e.id = v_event.id returning * into v_event;
  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event.retry_crew', 'event',
    jsonb_build_object('changes', jsonb_build_object('crewStatus', jsonb_build_object('from', 'failed', 'to', 'pending')),
                       'event', app_hidden.event_data(v_event))
  );
  return v_event;
end;
$$;


--
-- Name: FUNCTION retry_crew_assignment(id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.retry_crew_assignment(id uuid) IS 'An admin asks the crew service again for an event whose crew assignment failed: crew_status back to pending, a new assign_crew job. Errors: 28000, 42501, P0002, 55000 (not published, or not failed).';


--
-- Name: review_is_marked_helpful(app_public.review); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.review_is_marked_helpful(r app_public.review) RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $$
begin
  if app_public.current_user_id() is null then return false; end if;
  return exists (
    select from app_public.review_helpful_vote v
    where v.review_id = r.id and v.user_id = app_public.current_user_id()
  );
end;
$$;


--
-- Name: FUNCTION review_is_marked_helpful(r app_public.review); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.review_is_marked_helpful(r app_public.review) IS 'Whether the caller has marked this review helpful (false for anonymous callers).';


--
-- Name: search_events(text, text, app_public.event_status[], timestamp with time zone, timestamp with time zone, date, date, numeric, numeric, boolean, uuid, double precision, double precision, double precision, app_public.event_sort, uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.search_events(query text DEFAULT NULL::text, category text DEFAULT NULL::text, statuses app_public.event_status[] DEFAULT NULL::app_public.event_status[], starts_from timestamp with time zone DEFAULT NULL::timestamp with time zone, starts_to timestamp with time zone DEFAULT NULL::timestamp with time zone, date_from date DEFAULT NULL::date, date_to date DEFAULT NULL::date, min_price numeric DEFAULT NULL::numeric, max_price numeric DEFAULT NULL::numeric, only_available boolean DEFAULT false, organizer_id uuid DEFAULT NULL::uuid, near_latitude double precision DEFAULT NULL::double precision, near_longitude double precision DEFAULT NULL::double precision, radius_km double precision DEFAULT NULL::double precision, sort app_public.event_sort DEFAULT NULL::app_public.event_sort, after_event_id uuid DEFAULT NULL::uuid) RETURNS SETOF app_public.event
    LANGUAGE sql STABLE
    AS $$
  with args as (
    select
      app_hidden.search_query(search_events.query) as tsq,
      coalesce(search_events.sort,
        -- Typed literals: a text → enum cast is only stable and would not fold.
        case when app_hidden.search_query(search_events.query) is null
          then 'start'::app_public.event_sort else 'relevance'::app_public.event_sort end
      ) as sort
  )
  select e.*
  from args
  cross join app_public.event e
  join app_hidden.event_stats s on s.event_id = e.id
  where app_hidden.assert_search_arguments(
      search_events.query, search_events.starts_from, search_events.starts_to, search_events.date_from,
      search_events.date_to, search_events.min_price, search_events.max_price, search_events.near_latitude,
      search_events.near_longitude, search_events.radius_km, search_events.sort, search_events.after_event_id)
    -- Status: published only unless asked (drafts stay visible to their organizer and admins only: RLS).
    and e.status = any (coalesce(search_events.statuses, '{published}'))
    -- Best rated first: the same status condition on the stats row (which carries
    -- the event's status, kept by trigger), so the rating order can come from the
    -- index of published events' ratings (event_stats_published_rating_idx) and
    -- the scan stops after the page instead of walking every rated event (nearly
    -- all completed) first. Other sorts: folds to true.
    and (args.sort <> 'rating' or s.status = any (coalesce(search_events.statuses, '{published}')))
    -- Time: upcoming by default; an explicit instant or day range replaces that.
    and (search_events.starts_from is not null or search_events.date_from is not null or search_events.starts_to is not null
         or search_events.date_to is not null or e.starts_at >= now())
    and (search_events.starts_from is null or e.starts_at >= search_events.starts_from)
    and (search_events.starts_to is null or e.starts_at <= search_events.starts_to)
    -- Whole local days, inclusive, in each event's own time zone.
    and (search_events.date_from is null or e.starts_on >= search_events.date_from)
    and (search_events.date_to is null or e.starts_on <= search_events.date_to)
    and (search_events.category is null or e.category = search_events.category)
    -- One organizer's events, as a range rather than `x is null or e.organizer_id = x`:
    -- the same rows (organizer_id is never null), but an index condition even when
    -- the organizer is an expression the planner cannot fold, as in an
    -- organizer's own dashboard (organizer_id => app_public.current_user_id()).
    -- CASE, not COALESCE: RLS lets only conditions it knows leak nothing reach
    -- the index, and PostgreSQL does not vouch for COALESCE (it does for CASE).
    and e.organizer_id >= case when search_events.organizer_id is null
                          then '00000000-0000-0000-0000-000000000000'::uuid else search_events.organizer_id end
    and e.organizer_id <= case when search_events.organizer_id is null
                          then 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid else search_events.organizer_id end
    and (search_events.min_price is null or s.min_price >= search_events.min_price)
    and (search_events.max_price is null or s.min_price <= search_events.max_price)
    -- Bookable now: published, bookings still open, a seat free.
    and (not coalesce(search_events.only_available, false)
         or (e.status = 'published' and e.booking_closes_at > now()
             and exists (select from app_public.event_seat_counter c where c.event_id = e.id and c.seats_taken < c.capacity)))
    -- Text: stemmed words (last one as a prefix), or a close spelling of the title for short queries
    -- (the GIN indexes, through event_ids_by_text).
    and (search_events.query is null or args.tsq is null
         -- `= any (array(…))`: an init plan run once, then primary-key probes (an
         -- IN inside this OR could not become a join: sub-selects are planned
         -- before the OR folds away).
         or e.id = any (array(select app_hidden.event_ids_by_text(
              args.tsq, app_hidden.search_typo_text(search_events.query),
              coalesce(search_events.statuses, '{published}'),
              case when coalesce(search_events.starts_from, search_events.starts_to, search_events.date_from, search_events.date_to) is null
                then now() else coalesce(search_events.starts_from, '-infinity') end))))
    -- Sorting by distance lists only events that have a place on the map.
    and (args.sort <> 'distance' or e.latitude is not null)
    -- Distance within a radius. (A radius without a point is refused by the
    -- check above; the `near_latitude is null` arm keeps this condition from
    -- folding to a constant false that would skip the check.)
    and (search_events.radius_km is null or search_events.near_latitude is null or search_events.near_longitude is null
         -- Nearest first: the GiST index hands events over nearest first (KNN,
         -- the ORDER BY below) and the scan stops at LIMIT; the latitude band
         -- of the circle (an index condition, see event_earth_point_knn_idx)
         -- bounds it when fewer events than asked lie inside. The exact
         -- great-circle test runs on the rows the scan yields.
         or (args.sort = 'distance'
             and e.latitude between (app_hidden.latitude_band(search_events.near_latitude, search_events.radius_km))[1]
                                and (app_hidden.latitude_band(search_events.near_latitude, search_events.radius_km))[2]
             and app_hidden.within_km(search_events.near_latitude, search_events.near_longitude, e.latitude, e.longitude, search_events.radius_km))
         -- Other sorts rank every event in the circle anyway: the GiST index's box,
         -- then the exact great-circle distance (event_ids_near).
         or (args.sort <> 'distance'
             and e.id = any (array(select app_hidden.event_ids_near(
              search_events.near_latitude, search_events.near_longitude, search_events.radius_km,
              coalesce(search_events.statuses, '{published}'),
              case when coalesce(search_events.starts_from, search_events.starts_to, search_events.date_from, search_events.date_to) is null
                then now() else coalesce(search_events.starts_from, '-infinity') end)))))
    -- Keyset: strictly after the given event in this order.
    and (search_events.after_event_id is null
         or case when args.sort = 'start' then
              (e.starts_at, e.id) > ((select a.starts_at from app_public.event a where a.id = search_events.after_event_id),
                                     search_events.after_event_id)
            else
              (app_hidden.event_sort_key(args.sort, e.id, e.search_vector, e.title, e.latitude, e.longitude,
                 s.min_price, s.rating_average, args.tsq, search_events.query, search_events.near_latitude, search_events.near_longitude),
               e.id)
              > ((select app_hidden.event_sort_key(args.sort, a.id, a.search_vector, a.title, a.latitude, a.longitude,
                    sa.min_price, sa.rating_average, args.tsq, search_events.query, search_events.near_latitude, search_events.near_longitude)
                  from app_public.event a join app_hidden.event_stats sa on sa.event_id = a.id
                  where a.id = search_events.after_event_id),
                 search_events.after_event_id)
            end)
  -- One arm per sort, on the raw column, so an index can deliver the order
  -- (the arms of the other sorts fold to constants and vanish). Each arm
  -- orders exactly as event_sort_key ascending, which the keyset compares.
  order by
    case when args.sort = 'start' then e.starts_at end,
    case when args.sort = 'price' then s.min_price end,
    case when args.sort = 'price_desc' then s.min_price end desc nulls last,
    case when args.sort = 'rating' then s.rating_average end desc nulls last,
    case when args.sort = 'popularity' then
      coalesce((select c.seats_taken from app_public.event_seat_counter c where c.event_id = e.id), 0) end desc,
    -- Distance, then id as three integers: every key one the GiST index
    -- (event_earth_point_knn_idx) produces itself, so it hands rows over in
    -- this order and the scan stops at LIMIT. (distance, id parts) orders
    -- exactly as (distance, id), which the keyset compares.
    case when args.sort = 'distance' then app_hidden.earth_point(e.latitude, e.longitude)
      operator(public.<->) app_hidden.earth_point(search_events.near_latitude, search_events.near_longitude) end,
    case when args.sort = 'distance' then app_hidden.uuid_part(e.id, 1) operator(public.<->) 0::bigint end,
    case when args.sort = 'distance' then app_hidden.uuid_part(e.id, 2) operator(public.<->) 0::bigint end,
    case when args.sort = 'distance' then app_hidden.uuid_part(e.id, 3) operator(public.<->) 0::bigint end,
    case when args.sort = 'relevance' then
      app_hidden.event_sort_key(args.sort, e.id, e.search_vector, e.title, e.latitude, e.longitude,
        s.min_price, s.rating_average, args.tsq, search_events.query, search_events.near_latitude, search_events.near_longitude)
    end,
    -- The tie-break of the other sorts (for distance it folds away: the index
    -- could not produce it, see above).
    case when args.sort <> 'distance' then e.id end;
$$;


--
-- Name: FUNCTION search_events(query text, category text, statuses app_public.event_status[], starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, only_available boolean, organizer_id uuid, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.search_events(query text, category text, statuses app_public.event_status[], starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, only_available boolean, organizer_id uuid, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid) IS 'The catalog: events the caller may see. By default published events that have not started yet, soonest first (best match first with a query). Filters (all optional): query (Russian/English words in any form, ё = е, the last word as a prefix, a close spelling of the title for short queries; web-search syntax "phrase", -word, or), category, statuses (default published; drafts only for their organizer and admins), starts_from/starts_to (instants, inclusive), date_from/date_to (whole local days in each event''s time zone, inclusive), min_price/max_price (cheapest tier), only_available (bookable now: published, before the booking deadline, a seat free), organizer_id, near_latitude/near_longitude with radius_km (great circle). sort: relevance, start, price, price_desc, distance, rating, popularity. Keyset paging: after_event_id = the last event of the previous page (stable at any depth). Errors: 22023 (argument named), EVDAT (range ends before it starts).';


--
-- Name: search_reviews(uuid, app_public.review_status, app_public.review_sort, boolean); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.search_reviews(event_id uuid DEFAULT NULL::uuid, status app_public.review_status DEFAULT 'active'::app_public.review_status, sort app_public.review_sort DEFAULT 'newest'::app_public.review_sort, only_mine boolean DEFAULT false) RETURNS SETOF app_public.review
    LANGUAGE plpgsql STABLE
    AS $$
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


--
-- Name: FUNCTION search_reviews(event_id uuid, status app_public.review_status, sort app_public.review_sort, only_mine boolean); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.search_reviews(event_id uuid, status app_public.review_status, sort app_public.review_sort, only_mine boolean) IS 'Reviews the caller may see, paged by the client. event_id: of one event (null: all events). status: active by default; pending or rejected show the caller''s own ones (admins: everyone''s, the moderation queue); null: every status the caller may see. sort: newest (default), oldest, or most_helpful (then newest). only_mine: the caller''s own reviews only.';


--
-- Name: set_event_max_seats_per_booking(uuid, integer); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.set_event_max_seats_per_booking(id uuid, max_seats_per_booking integer) RETURNS app_public.event
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event app_public.event := app_hidden.event_for_change(set_event_max_seats_per_booking.id);
begin
  perform app_hidden.assert_event_editable(v_event);
  if set_event_max_seats_per_booking.max_seats_per_booking is not null
     and set_event_max_seats_per_booking.max_seats_per_booking not between 1 and 20 then
    raise exception 'max_seats_per_booking must be between 1 and 20' using errcode = '22023', column = 'max_seats_per_booking';
  end if;
  if v_event.max_seats_per_booking is not distinct from set_event_max_seats_per_booking.max_seats_per_booking then
    return v_event;
  end if;
  update app_public.event e set max_seats_per_booking = set_event_max_seats_per_booking.max_seats_per_booking
  where e.id = v_event.id
  returning * into v_event;
  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event.update', 'event',
    jsonb_build_object(
      'changes', jsonb_build_object('maxSeatsPerBooking', v_event.max_seats_per_booking),
      'event', app_hidden.event_data(v_event)
    )
  );
  return v_event;
end;
$$;


--
-- Name: FUNCTION set_event_max_seats_per_booking(id uuid, max_seats_per_booking integer); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.set_event_max_seats_per_booking(id uuid, max_seats_per_booking integer) IS 'Sets the most seats one booking of the event may take (1..20; null: the operators'' default). Its organizer or an admin; bookings already made keep their seats. Setting the same value writes nothing. Errors: 28000, 42501, P0002, 55000, 22023.';


--
-- Name: set_event_time_zone(uuid, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.set_event_time_zone(id uuid, time_zone text) RETURNS app_public.event
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event app_public.event := app_hidden.event_for_change(set_event_time_zone.id);
  v_zone text := app_hidden.clean_text(set_event_time_zone.time_zone);
begin
  perform app_hidden.assert_event_editable(v_event);
  if not app_hidden.is_time_zone(v_zone) then
    raise exception 'time_zone must be an IANA time zone name such as Europe/Moscow, got "%"', coalesce(v_zone, '')
      using errcode = 'EVTZN', column = 'time_zone', hint = 'Use a name of the IANA tz database (Area/Location), not an abbreviation or an offset.';
  end if;
  if v_event.time_zone = v_zone then
    return v_event;
  end if;
  update app_public.event e set time_zone = v_zone where e.id = v_event.id returning * into v_event;
  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event.update', 'event',
    jsonb_build_object('changes', jsonb_build_object('timeZone', v_zone), 'event', app_hidden.event_data(v_event))
  );
  return v_event;
end;
$$;


--
-- Name: FUNCTION set_event_time_zone(id uuid, time_zone text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.set_event_time_zone(id uuid, time_zone text) IS 'Sets the IANA time zone of a draft or published event (its organizer, or an admin): its local times and local days follow. The same zone again writes nothing. Errors: 28000, 42501, P0002, 55000, EVTZN (not an IANA name).';


--
-- Name: set_waitlist_policy(uuid, app_public.waitlist_policy); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.set_waitlist_policy(id uuid, policy app_public.waitlist_policy) RETURNS app_public.event
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event app_public.event := app_hidden.event_for_waitlist_change(set_waitlist_policy.id);
  v_from app_public.waitlist_policy := v_event.waitlist_policy;
begin
  if set_waitlist_policy.policy is null then
    raise exception 'policy is required: list_first or first_come' using errcode = '22023', column = 'policy';
  end if;
  if v_from = set_waitlist_policy.policy then
    return v_event; -- the same policy again writes nothing
  end if;
  update app_public.event e set waitlist_policy = set_waitlist_policy.policy
  where e.id = v_event.id returning * into v_event;
  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event.update', 'event',
    jsonb_build_object(
      'changes', jsonb_build_object('waitlistPolicy', jsonb_build_object('from', v_from, 'to', v_event.waitlist_policy)),
      'event', app_hidden.event_data(v_event)
    )
  );
  -- list_first from now on: whatever is free now goes to the list at once.
  -- first_come: take the counter anyway, so an offer in flight commits first.
  if v_event.waitlist_policy = 'list_first' then
    perform app_hidden.offer_freed_seats(v_event.id);
  else
    perform from app_public.event_seat_counter c where c.event_id = v_event.id for no key update;
  end if;
  return v_event;
end;
$$;


--
-- Name: FUNCTION set_waitlist_policy(id uuid, policy app_public.waitlist_policy); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.set_waitlist_policy(id uuid, policy app_public.waitlist_policy) IS 'Sets who gets seats freed on the event (its organizer, or an admin; draft or published): list_first (the waiting list first, the default) or first_come (direct bookings at once; the list is offered what is still free about a minute later). Switching to list_first offers the free seats to the list at once. EventUpdated (changes.waitlistPolicy). The same policy again writes nothing. Errors: 28000, 42501, P0002, 55000, 22023.';


--
-- Name: undo_check_in(text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.undo_check_in(code text) RETURNS app_public.ticket
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_ticket app_public.ticket := app_hidden.ticket_for_staff(undo_check_in.code);
  v_window interval := app_hidden.check_in_undo_window();
begin
  if v_ticket.checked_in_at is null then
    raise exception 'this ticket is not checked in' using errcode = 'TKNCI';
  end if;
  if now() > v_ticket.checked_in_at + v_window then
    raise exception 'the check-in is older than % minute(s) and can no longer be undone',
      extract(epoch from v_window)::integer / 60
      using errcode = 'TKUND', hint = 'The setting check_in_undo_minutes sets the window.';
  end if;
  update app_public.ticket t
     set checked_in_at = null, checked_in_by = null, checked_in_device = null
   where t.id = v_ticket.id
  returning * into v_ticket;
  perform app_hidden.record_change(
    'ticket', v_ticket.id, 'CheckInUndone', 'ticket.undo_check_in', 'ticket',
    jsonb_build_object('ticketId', v_ticket.id, 'bookingId', v_ticket.booking_id, 'eventId', v_ticket.event_id,
                       'seatNo', v_ticket.seat_no)
  );
  return v_ticket;
end;
$$;


--
-- Name: FUNCTION undo_check_in(code text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.undo_check_in(code text) IS 'Organizer staff undo a check-in (a wrong scan) within check_in_undo_minutes (setting, default 5) of it. Errors: 28000, 42501, TKFMT, TKNOT, TKORG, TKNCI (not checked in), TKUND (window passed).';


--
-- Name: unmark_review_helpful(uuid); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.unmark_review_helpful(review_id uuid) RETURNS app_public.review
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION unmark_review_helpful(review_id uuid); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.unmark_review_helpful(review_id uuid) IS 'The caller takes back their helpful vote on a review and gets the review with its new helpful_count; without a vote it returns the review unchanged. Errors: 28000, P0002.';


--
-- Name: update_event(uuid, text, text, text, text, double precision, double precision, timestamp with time zone, timestamp with time zone, integer, integer, boolean); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.update_event(id uuid, title text DEFAULT NULL::text, description text DEFAULT NULL::text, category text DEFAULT NULL::text, location_name text DEFAULT NULL::text, latitude double precision DEFAULT NULL::double precision, longitude double precision DEFAULT NULL::double precision, starts_at timestamp with time zone DEFAULT NULL::timestamp with time zone, ends_at timestamp with time zone DEFAULT NULL::timestamp with time zone, capacity integer DEFAULT NULL::integer, booking_deadline_hours integer DEFAULT NULL::integer, crew_required boolean DEFAULT NULL::boolean) RETURNS app_public.event
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_old app_public.event := app_hidden.event_for_change(update_event.id);
  v_new app_public.event := v_old;
  v_changes jsonb;
  v_tier_name text;
  v_quota integer;
  v_seats_taken integer;
begin
  perform app_hidden.assert_event_editable(v_old);

  -- null means "unchanged"; a blank description clears it.
  if update_event.title is not null then
    v_new.title := app_hidden.clean_text(update_event.title);
  end if;
  if update_event.description is not null then
    v_new.description := app_hidden.clean_text(update_event.description);
  end if;
  if update_event.category is not null then
    v_new.category := coalesce(app_hidden.clean_text(update_event.category), '');
  end if;
  if update_event.location_name is not null then
    v_new.location_name := app_hidden.clean_text(update_event.location_name);
  end if;
  v_new.latitude := coalesce(update_event.latitude, v_old.latitude);
  v_new.longitude := coalesce(update_event.longitude, v_old.longitude);
  v_new.starts_at := coalesce(update_event.starts_at, v_old.starts_at);
  v_new.ends_at := coalesce(update_event.ends_at, v_old.ends_at);
  v_new.capacity := coalesce(update_event.capacity, v_old.capacity);
  v_new.booking_deadline_hours := coalesce(update_event.booking_deadline_hours, v_old.booking_deadline_hours);
  if update_event.crew_required is not null and update_event.crew_required <> v_old.crew_required then
    v_new.crew_required := update_event.crew_required;
    v_new.crew_status := case when v_new.crew_required then 'pending' else 'not_required' end;
    -- Dropping the requirement forgets the crew; releasing it at the crew
    -- service is the crew issue's job (it reacts to this EventUpdated).
    v_new.crew_id := null;
  end if;

  perform app_hidden.assert_event_valid(v_new);
  if v_new.starts_at is distinct from v_old.starts_at and v_new.starts_at <= now() then
    raise exception 'starts_at must be in the future' using errcode = 'EVPST', column = 'starts_at';
  end if;
  -- The seat counter is locked before it is compared (lock order event → seat
  -- counter), so no booking can slip in between this check and the new capacity.
  select c.seats_taken into v_seats_taken
  from app_public.event_seat_counter c where c.event_id = v_old.id
  for no key update;
  if v_new.capacity < v_seats_taken then
    raise exception 'capacity % is below the % seats already taken', v_new.capacity, v_seats_taken
      using errcode = 'EVCAP', column = 'capacity';
  end if;
  select t.name, t.quota into v_tier_name, v_quota
  from app_public.event_price_tier t
  where t.event_id = v_old.id and t.quota > v_new.capacity
  order by t.quota desc
  limit 1;
  if found then
    raise exception 'capacity % is below the quota % of price tier "%"', v_new.capacity, v_quota, v_tier_name
      using errcode = 'TRQTA', column = 'capacity', hint = 'Lower the tier quota first, or keep a larger capacity.';
  end if;

  v_changes := app_hidden.jsonb_changes(app_hidden.event_data(v_old), app_hidden.event_data(v_new));
  if v_changes = '{}'::jsonb then
    return v_old; -- nothing to do, nothing to announce
  end if;

  update app_public.event e set
    title = v_new.title,
    description = v_new.description,
    category = v_new.category,
    location_name = v_new.location_name,
    latitude = v_new.latitude,
    longitude = v_new.longitude,
    starts_at = v_new.starts_at,
    ends_at = v_new.ends_at,
    capacity = v_new.capacity,
    booking_deadline_hours = v_new.booking_deadline_hours,
    crew_required = v_new.crew_required,
    crew_status = v_new.crew_status,
    crew_id = v_new.crew_id
  where e.id = v_old.id
  returning * into v_new;

  perform app_hidden.record_change(
    'event', v_new.id, 'EventUpdated', 'event.update', 'event',
    jsonb_build_object('changes', v_changes, 'event', app_hidden.event_data(v_new))
  );
  return v_new;
end;
$$;


--
-- Name: FUNCTION update_event(id uuid, title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.update_event(id uuid, title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean) IS 'Changes a draft or published event (its organizer, or an admin). Arguments left null stay unchanged; a blank description clears it. Writes EventUpdated with the changed fields; a call that changes nothing writes nothing. Errors: 28000, 42501, P0002, 55000, 22023, EVDAT, EVDUR, EVPST (new start in the past), EVCAP (capacity below seats taken), TRQTA (capacity below a tier quota).';


--
-- Name: update_price_tier(uuid, text, numeric, integer, boolean); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.update_price_tier(id uuid, name text DEFAULT NULL::text, price numeric DEFAULT NULL::numeric, quota integer DEFAULT NULL::integer, remove_quota boolean DEFAULT false) RETURNS app_public.event_price_tier
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_event_id uuid := (select t.event_id from app_public.event_price_tier t where t.id = update_price_tier.id);
  v_event app_public.event;
  v_old app_public.event_price_tier;
  v_new app_public.event_price_tier;
  v_changes jsonb;
  v_seats_taken integer;
begin
  -- Lock order event → tier, as everywhere.
  v_event := app_hidden.event_for_change(v_event_id, 'price tier not found');
  select * into v_old from app_public.event_price_tier t where t.id = update_price_tier.id for update;
  if not found then
    raise exception 'price tier not found' using errcode = 'P0002';
  end if;
  -- Locked before it is compared with a new quota (event → tier → seat counters).
  select c.seats_taken into v_seats_taken
  from app_public.price_tier_seat_counter c where c.price_tier_id = v_old.id
  for no key update;
  perform app_hidden.assert_event_editable(v_event);

  v_new := v_old;
  if update_price_tier.name is not null then
    v_new.name := app_hidden.clean_text(update_price_tier.name);
    if v_new.name is null or char_length(v_new.name) > 100 then
      raise exception 'price tier name must be 1 to 100 characters long' using errcode = '22023', column = 'name';
    end if;
    if exists (
      select from app_public.event_price_tier t
      where t.event_id = v_old.event_id and t.name = v_new.name and t.id <> v_old.id
    ) then
      raise exception 'a price tier named "%" already exists for this event', v_new.name
        using errcode = '23505', column = 'name', constraint = 'event_price_tier_event_id_name_key';
    end if;
  end if;
  if update_price_tier.price is not null then
    if update_price_tier.price < 0 then
      raise exception 'price must be 0 or more' using errcode = '22023', column = 'price';
    end if;
    if update_price_tier.price <> round(update_price_tier.price, 2) or update_price_tier.price >= 10000000000 then
      raise exception 'price must have at most two decimals and be below 10000000000'
        using errcode = '22023', column = 'price';
    end if;
    v_new.price := update_price_tier.price;
  end if;
  if coalesce(update_price_tier.remove_quota, false) then
    if update_price_tier.quota is not null then
      raise exception 'give either quota or remove_quota, not both' using errcode = '22023', column = 'quota';
    end if;
    v_new.quota := null;
  elsif update_price_tier.quota is not null then
    if update_price_tier.quota < 1 then
      raise exception 'quota must be at least 1 (or null for no own limit)' using errcode = '22023', column = 'quota';
    end if;
    if update_price_tier.quota > v_event.capacity then
      raise exception 'quota % exceeds the event capacity %', update_price_tier.quota, v_event.capacity
        using errcode = 'TRQTA', column = 'quota', hint = 'Use a quota between 1 and the event capacity.';
    end if;
    if update_price_tier.quota < v_seats_taken then
      raise exception 'quota % is below the % seats already taken in this tier', update_price_tier.quota, v_seats_taken
        using errcode = 'TRSEA', column = 'quota';
    end if;
    v_new.quota := update_price_tier.quota;
  end if;

  v_changes := app_hidden.jsonb_changes(app_hidden.price_tier_data(v_old), app_hidden.price_tier_data(v_new));
  if v_changes = '{}'::jsonb then
    return v_old;
  end if;

  update app_public.event_price_tier t
  set name = v_new.name, price = v_new.price, quota = v_new.quota
  where t.id = v_old.id
  returning * into v_new;

  perform app_hidden.record_change(
    'event', v_event.id, 'EventUpdated', 'event_price_tier.update', 'event_price_tier',
    jsonb_build_object('priceTierUpdated', app_hidden.price_tier_data(v_new), 'changes', v_changes),
    v_new.id::text
  );
  return v_new;
end;
$$;


--
-- Name: FUNCTION update_price_tier(id uuid, name text, price numeric, quota integer, remove_quota boolean); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.update_price_tier(id uuid, name text, price numeric, quota integer, remove_quota boolean) IS 'Changes the name, price or quota of a price tier of a draft or published event (its organizer, or an admin); null leaves a field unchanged, remove_quota drops the tier''s own limit. The currency cannot change. Errors: 28000, 42501, P0002, 55000, 22023, TRQTA, TRSEA (quota below seats taken), 23505.';


--
-- Name: update_review(uuid, integer, text); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.update_review(id uuid, rating integer DEFAULT NULL::integer, content text DEFAULT NULL::text) RETURNS app_public.review
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
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


--
-- Name: FUNCTION update_review(id uuid, rating integer, content text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.update_review(id uuid, rating integer, content text) IS 'Changes the rating and/or text of the caller''s own review (null leaves a field unchanged). With moderation on, or when the review was pending or rejected, it goes (back) to pending; otherwise it stays active. A call that changes nothing writes nothing. Errors: 28000, P0002, 42501 (not the author), RVRAT, RVLEN, RVCTL.';


--
-- Name: analytics_key; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.analytics_key (
    id boolean DEFAULT true NOT NULL,
    key text DEFAULT encode(public.gen_random_bytes(32), 'hex'::text) NOT NULL,
    CONSTRAINT analytics_key_id_check CHECK (id)
);


--
-- Name: TABLE analytics_key; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON TABLE app_private.analytics_key IS 'The secret key of the organizer pseudonyms in app_analytics (keyed HMAC-SHA-256 of the user id, 16 hex digits): one row, made at migration, so a pseudonym cannot be recomputed from a user id without it. Replacing it changes every pseudonym.';


--
-- Name: booking_daily; Type: VIEW; Schema: app_analytics; Owner: -
--

CREATE VIEW app_analytics.booking_daily WITH (security_barrier='true') AS
 SELECT ((b.created_at AT TIME ZONE 'UTC'::text))::date AS day,
    b.event_id,
    "left"(encode(public.hmac((e.organizer_id)::text, k.key, 'sha256'::text), 'hex'::text), 16) AS organizer,
    e.category,
    count(*) AS bookings,
    sum(b.quantity) AS seats,
    count(*) FILTER (WHERE (b.status = 'confirmed'::app_public.booking_status)) AS confirmed,
    count(*) FILTER (WHERE (b.status = 'canceled'::app_public.booking_status)) AS canceled,
    count(*) FILTER (WHERE (b.status = 'expired'::app_public.booking_status)) AS expired,
    count(*) FILTER (WHERE (b.status = 'pending_payment'::app_public.booking_status)) AS pending
   FROM ((app_public.booking b
     JOIN app_public.event e ON ((e.id = b.event_id)))
     CROSS JOIN app_private.analytics_key k)
  WHERE (b.created_at >= (now() - '730 days'::interval))
  GROUP BY (((b.created_at AT TIME ZONE 'UTC'::text))::date), b.event_id, ("left"(encode(public.hmac((e.organizer_id)::text, k.key, 'sha256'::text), 'hex'::text), 16)), e.category;


--
-- Name: VIEW booking_daily; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON VIEW app_analytics.booking_daily IS 'Bookings made per UTC day and event (last 730 days), by their status now. organizer: pseudonym. Group by organizer or day for those totals.';


--
-- Name: COLUMN booking_daily.day; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.booking_daily.day IS 'UTC calendar day (booking_daily, conversion_daily: booked; revenue_daily: paid; refund_daily: refunded; event_occupancy: the event starts).';


--
-- Name: COLUMN booking_daily.event_id; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.booking_daily.event_id IS 'The event (app_public.event.id; its title and category are public).';


--
-- Name: COLUMN booking_daily.organizer; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.booking_daily.organizer IS 'The event''s organizer as a pseudonym: 16 hex digits of a keyed HMAC of their user id, the same in every view, not reversible without app_private.analytics_key.';


--
-- Name: COLUMN booking_daily.category; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.booking_daily.category IS 'The event''s category (rafting, kayaking, …).';


--
-- Name: COLUMN booking_daily.bookings; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.booking_daily.bookings IS 'Bookings made.';


--
-- Name: COLUMN booking_daily.seats; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.booking_daily.seats IS 'Seats in those bookings.';


--
-- Name: COLUMN booking_daily.confirmed; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.booking_daily.confirmed IS 'Of those bookings, how many are paid (confirmed) now.';


--
-- Name: COLUMN booking_daily.canceled; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.booking_daily.canceled IS 'Of those bookings, how many were canceled.';


--
-- Name: COLUMN booking_daily.expired; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.booking_daily.expired IS 'Of those bookings, how many expired unpaid.';


--
-- Name: COLUMN booking_daily.pending; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.booking_daily.pending IS 'Of those bookings, how many still await payment.';


--
-- Name: conversion_daily; Type: VIEW; Schema: app_analytics; Owner: -
--

CREATE VIEW app_analytics.conversion_daily WITH (security_barrier='true') AS
 SELECT d.day,
    d.event_id,
    d.organizer,
    d.category,
    d.bookings,
    d.confirmed AS paid,
    round(((d.confirmed)::numeric / (NULLIF(d.bookings, 0))::numeric), 4) AS conversion
   FROM app_analytics.booking_daily d;


--
-- Name: VIEW conversion_daily; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON VIEW app_analytics.conversion_daily IS 'Share of the bookings made that day for the event that ended up paid (confirmed): paid / bookings, null when none. Sum bookings and paid before dividing when grouping.';


--
-- Name: COLUMN conversion_daily.day; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.conversion_daily.day IS 'UTC calendar day (booking_daily, conversion_daily: booked; revenue_daily: paid; refund_daily: refunded; event_occupancy: the event starts).';


--
-- Name: COLUMN conversion_daily.event_id; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.conversion_daily.event_id IS 'The event (app_public.event.id; its title and category are public).';


--
-- Name: COLUMN conversion_daily.organizer; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.conversion_daily.organizer IS 'The event''s organizer as a pseudonym: 16 hex digits of a keyed HMAC of their user id, the same in every view, not reversible without app_private.analytics_key.';


--
-- Name: COLUMN conversion_daily.category; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.conversion_daily.category IS 'The event''s category (rafting, kayaking, …).';


--
-- Name: COLUMN conversion_daily.bookings; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.conversion_daily.bookings IS 'Bookings made.';


--
-- Name: COLUMN conversion_daily.paid; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.conversion_daily.paid IS 'Bookings made that day that are paid (confirmed) now.';


--
-- Name: COLUMN conversion_daily.conversion; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.conversion_daily.conversion IS 'paid / bookings (4 decimals); null without bookings.';


--
-- Name: event_occupancy; Type: VIEW; Schema: app_analytics; Owner: -
--

CREATE VIEW app_analytics.event_occupancy AS
SELECT
    NULL::uuid AS event_id,
    NULL::text AS organizer,
    NULL::text AS title,
    NULL::text AS category,
    NULL::date AS day,
    NULL::app_public.event_status AS status,
    NULL::integer AS capacity,
    NULL::bigint AS seats_confirmed,
    NULL::bigint AS seats_held,
    NULL::numeric AS occupancy;


--
-- Name: VIEW event_occupancy; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON VIEW app_analytics.event_occupancy IS 'Seats sold (confirmed) and held (awaiting payment) of each published, completed or canceled event starting in the last 730 days or later; occupancy = confirmed seats / capacity. day: the event''s start (UTC).';


--
-- Name: COLUMN event_occupancy.event_id; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.event_occupancy.event_id IS 'The event (app_public.event.id; its title and category are public).';


--
-- Name: COLUMN event_occupancy.organizer; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.event_occupancy.organizer IS 'The event''s organizer as a pseudonym: 16 hex digits of a keyed HMAC of their user id, the same in every view, not reversible without app_private.analytics_key.';


--
-- Name: COLUMN event_occupancy.title; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.event_occupancy.title IS 'The event''s public title.';


--
-- Name: COLUMN event_occupancy.category; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.event_occupancy.category IS 'The event''s category (rafting, kayaking, …).';


--
-- Name: COLUMN event_occupancy.day; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.event_occupancy.day IS 'UTC calendar day (booking_daily, conversion_daily: booked; revenue_daily: paid; refund_daily: refunded; event_occupancy: the event starts).';


--
-- Name: COLUMN event_occupancy.status; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.event_occupancy.status IS 'The event''s status now (published, completed, canceled).';


--
-- Name: COLUMN event_occupancy.capacity; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.event_occupancy.capacity IS 'Seats the event offers.';


--
-- Name: COLUMN event_occupancy.seats_confirmed; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.event_occupancy.seats_confirmed IS 'Seats in paid (confirmed) bookings.';


--
-- Name: COLUMN event_occupancy.seats_held; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.event_occupancy.seats_held IS 'Seats in bookings awaiting payment (they expire if unpaid).';


--
-- Name: COLUMN event_occupancy.occupancy; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.event_occupancy.occupancy IS 'seats_confirmed / capacity (4 decimals).';


--
-- Name: refund_daily; Type: VIEW; Schema: app_analytics; Owner: -
--

CREATE VIEW app_analytics.refund_daily WITH (security_barrier='true') AS
 SELECT ((r.created_at AT TIME ZONE 'UTC'::text))::date AS day,
    b.event_id,
    "left"(encode(public.hmac((e.organizer_id)::text, k.key, 'sha256'::text), 'hex'::text), 16) AS organizer,
    r.currency,
    count(*) AS refunds,
    sum(r.amount) AS amount
   FROM ((((app_public.refund r
     JOIN app_public.payment p ON ((p.id = r.payment_id)))
     JOIN app_public.booking b ON ((b.id = p.booking_id)))
     JOIN app_public.event e ON ((e.id = b.event_id)))
     CROSS JOIN app_private.analytics_key k)
  WHERE (r.created_at >= (now() - '730 days'::interval))
  GROUP BY (((r.created_at AT TIME ZONE 'UTC'::text))::date), b.event_id, ("left"(encode(public.hmac((e.organizer_id)::text, k.key, 'sha256'::text), 'hex'::text), 16)), r.currency;


--
-- Name: VIEW refund_daily; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON VIEW app_analytics.refund_daily IS 'Refunds issued per UTC day, event and currency (last 730 days). No reasons (free text may name people), no user ids.';


--
-- Name: COLUMN refund_daily.day; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.refund_daily.day IS 'UTC calendar day (booking_daily, conversion_daily: booked; revenue_daily: paid; refund_daily: refunded; event_occupancy: the event starts).';


--
-- Name: COLUMN refund_daily.event_id; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.refund_daily.event_id IS 'The event (app_public.event.id; its title and category are public).';


--
-- Name: COLUMN refund_daily.organizer; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.refund_daily.organizer IS 'The event''s organizer as a pseudonym: 16 hex digits of a keyed HMAC of their user id, the same in every view, not reversible without app_private.analytics_key.';


--
-- Name: COLUMN refund_daily.currency; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.refund_daily.currency IS 'ISO 4217 currency of the amounts in the row.';


--
-- Name: COLUMN refund_daily.refunds; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.refund_daily.refunds IS 'Refunds issued.';


--
-- Name: COLUMN refund_daily.amount; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.refund_daily.amount IS 'Sum of the refunds issued.';


--
-- Name: revenue_daily; Type: VIEW; Schema: app_analytics; Owner: -
--

CREATE VIEW app_analytics.revenue_daily WITH (security_barrier='true') AS
 SELECT ((p.confirmed_at AT TIME ZONE 'UTC'::text))::date AS day,
    b.event_id,
    "left"(encode(public.hmac((e.organizer_id)::text, k.key, 'sha256'::text), 'hex'::text), 16) AS organizer,
    p.currency,
    count(*) AS payments,
    sum(p.amount) AS gross,
    sum(p.refunded_amount) AS refunded,
    sum((p.amount - p.refunded_amount)) AS net
   FROM (((app_public.payment p
     JOIN app_public.booking b ON ((b.id = p.booking_id)))
     JOIN app_public.event e ON ((e.id = b.event_id)))
     CROSS JOIN app_private.analytics_key k)
  WHERE ((p.confirmed_at IS NOT NULL) AND (p.confirmed_at >= (now() - '730 days'::interval)))
  GROUP BY (((p.confirmed_at AT TIME ZONE 'UTC'::text))::date), b.event_id, ("left"(encode(public.hmac((e.organizer_id)::text, k.key, 'sha256'::text), 'hex'::text), 16)), p.currency;


--
-- Name: VIEW revenue_daily; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON VIEW app_analytics.revenue_daily IS 'Payments confirmed per UTC day, event and currency (last 730 days): gross, refunded so far, net. No gateway references, no payment URLs.';


--
-- Name: COLUMN revenue_daily.day; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.revenue_daily.day IS 'UTC calendar day (booking_daily, conversion_daily: booked; revenue_daily: paid; refund_daily: refunded; event_occupancy: the event starts).';


--
-- Name: COLUMN revenue_daily.event_id; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.revenue_daily.event_id IS 'The event (app_public.event.id; its title and category are public).';


--
-- Name: COLUMN revenue_daily.organizer; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.revenue_daily.organizer IS 'The event''s organizer as a pseudonym: 16 hex digits of a keyed HMAC of their user id, the same in every view, not reversible without app_private.analytics_key.';


--
-- Name: COLUMN revenue_daily.currency; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.revenue_daily.currency IS 'ISO 4217 currency of the amounts in the row.';


--
-- Name: COLUMN revenue_daily.payments; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.revenue_daily.payments IS 'Payments confirmed.';


--
-- Name: COLUMN revenue_daily.gross; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.revenue_daily.gross IS 'Sum of the confirmed payments.';


--
-- Name: COLUMN revenue_daily.refunded; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.revenue_daily.refunded IS 'Sum refunded so far of those payments.';


--
-- Name: COLUMN revenue_daily.net; Type: COMMENT; Schema: app_analytics; Owner: -
--

COMMENT ON COLUMN app_analytics.revenue_daily.net IS 'gross minus refunded.';


--
-- Name: event_stats; Type: TABLE; Schema: app_hidden; Owner: -
--

CREATE TABLE app_hidden.event_stats (
    event_id uuid NOT NULL,
    min_price numeric(12,2),
    currency character(3),
    rating_count integer DEFAULT 0 NOT NULL,
    rating_average double precision,
    one_star integer DEFAULT 0 NOT NULL,
    two_stars integer DEFAULT 0 NOT NULL,
    three_stars integer DEFAULT 0 NOT NULL,
    four_stars integer DEFAULT 0 NOT NULL,
    five_stars integer DEFAULT 0 NOT NULL,
    status app_public.event_status NOT NULL
);


--
-- Name: TABLE event_stats; Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON TABLE app_hidden.event_stats IS 'Per event, kept by triggers: the cheapest tier price and the counts of active review ratings. Lets search filter/sort by price and rating and the rating summary read one row. Public facts of visible events; readable by clients only through search_events and event_rating_summary.';


--
-- Name: COLUMN event_stats.status; Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON COLUMN app_hidden.event_stats.status IS 'The event''s status, kept equal to app_public.event.status by a trigger: lets a rating sort read the ratings of published events from their own index (event_stats_published_rating_idx).';


--
-- Name: audit_log; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.audit_log (
    id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id uuid,
    actor_roles text[] DEFAULT '{}'::text[] NOT NULL,
    action text NOT NULL,
    table_name text NOT NULL,
    row_id text NOT NULL,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    request_id text,
    CONSTRAINT audit_log_action_check CHECK ((action ~ '^[a-z_]+\.[a-z_]+$'::text))
)
PARTITION BY RANGE (occurred_at);


--
-- Name: TABLE audit_log; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON TABLE app_private.audit_log IS 'Who did what to which row, and when: every state change and admin action. Append-only. Partitioned by month (audit_log_YYYY_MM, plus audit_log_default); months older than the setting retention_audit_months are moved to app_archive by retention.';


--
-- Name: COLUMN audit_log.id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.audit_log.id IS 'Order of writing.';


--
-- Name: COLUMN audit_log.occurred_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.audit_log.occurred_at IS 'Transaction time of the change; the partition key.';


--
-- Name: COLUMN audit_log.actor_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.audit_log.actor_id IS 'The caller (JWT sub); null for the system (cron jobs, migrations); a random pseudonym after the caller''s data was erased.';


--
-- Name: COLUMN audit_log.actor_roles; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.audit_log.actor_roles IS 'The caller''s realm roles at the time, e.g. {organizer} or {admin}.';


--
-- Name: COLUMN audit_log.action; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.audit_log.action IS 'What was done, as <object>.<verb>, e.g. event.publish, event_price_tier.add.';


--
-- Name: COLUMN audit_log.table_name; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.audit_log.table_name IS 'Table of the changed row, e.g. event.';


--
-- Name: COLUMN audit_log.row_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.audit_log.row_id IS 'Primary key of the changed row as text (a uuid, or "(a,b)" for a composite key).';


--
-- Name: COLUMN audit_log.details; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.audit_log.details IS 'What changed (the same data as the outbox row).';


--
-- Name: COLUMN audit_log.request_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.audit_log.request_id IS 'The request id of the API call (setting app.request_id), to join with the logs.';


--
-- Name: audit_log_2026_11; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.audit_log_2026_11 (
    id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id uuid,
    actor_roles text[] DEFAULT '{}'::text[] NOT NULL,
    action text NOT NULL,
    table_name text NOT NULL,
    row_id text NOT NULL,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    request_id text,
    CONSTRAINT audit_log_action_check CHECK ((action ~ '^[a-z_]+\.[a-z_]+$'::text))
);


--
-- Name: audit_log_2026_12; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.audit_log_2026_12 (
    id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id uuid,
    actor_roles text[] DEFAULT '{}'::text[] NOT NULL,
    action text NOT NULL,
    table_name text NOT NULL,
    row_id text NOT NULL,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    request_id text,
    CONSTRAINT audit_log_action_check CHECK ((action ~ '^[a-z_]+\.[a-z_]+$'::text))
);


--
-- Name: audit_log_2027_01; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.audit_log_2027_01 (
    id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id uuid,
    actor_roles text[] DEFAULT '{}'::text[] NOT NULL,
    action text NOT NULL,
    table_name text NOT NULL,
    row_id text NOT NULL,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    request_id text,
    CONSTRAINT audit_log_action_check CHECK ((action ~ '^[a-z_]+\.[a-z_]+$'::text))
);


--
-- Name: audit_log_default; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.audit_log_default (
    id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id uuid,
    actor_roles text[] DEFAULT '{}'::text[] NOT NULL,
    action text NOT NULL,
    table_name text NOT NULL,
    row_id text NOT NULL,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    request_id text,
    CONSTRAINT audit_log_action_check CHECK ((action ~ '^[a-z_]+\.[a-z_]+$'::text))
);


--
-- Name: audit_log_id_seq1; Type: SEQUENCE; Schema: app_private; Owner: -
--

ALTER TABLE app_private.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.audit_log_id_seq1
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: business_counts; Type: VIEW; Schema: app_private; Owner: -
--

CREATE VIEW app_private.business_counts AS
 SELECT k.action,
    ( SELECT count(*) AS count
           FROM app_private.audit_log a
          WHERE (a.action = k.action)) AS total
   FROM ( VALUES ('booking.create'::text), ('booking.confirm'::text), ('booking.expire'::text), ('booking.cancel'::text), ('payment.confirm'::text), ('payment.refund'::text)) k(action);


--
-- Name: VIEW business_counts; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON VIEW app_private.business_counts IS 'Business totals over the audit log''s kept window (retention_audit_months), one row per audit action: bookings created, confirmed, expired and canceled, payments confirmed, refunds issued. The worker''s /metrics reports them as aquastream_bookings_total, aquastream_payments_confirmed_total and aquastream_refunds_total; being counted in the database, they are the same from every process. When retention moves a month out they drop, which Prometheus reads as a counter reset.';


--
-- Name: COLUMN business_counts.action; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.business_counts.action IS 'The audit action counted, e.g. booking.create.';


--
-- Name: COLUMN business_counts.total; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.business_counts.total IS 'Audit rows with that action.';


--
-- Name: crew_assignment; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.crew_assignment (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    event_id uuid NOT NULL,
    crew_id uuid NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    assigned_at timestamp with time zone DEFAULT now() NOT NULL,
    release_requested_at timestamp with time zone,
    released_at timestamp with time zone,
    CONSTRAINT crew_assignment_released_at_check CHECK (((released_at IS NULL) OR (release_requested_at IS NOT NULL)))
);


--
-- Name: TABLE crew_assignment; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON TABLE app_private.crew_assignment IS 'Every crew the crew service assigned to an event, with when it was (to be) released. The event''s current crew is also on app_public.event (crew_id). Written only by the app_hidden.record_crew_* functions and the event trigger; no grants to clients.';


--
-- Name: COLUMN crew_assignment.id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.crew_assignment.id IS 'Identifier of the assignment.';


--
-- Name: COLUMN crew_assignment.event_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.crew_assignment.event_id IS 'The event.';


--
-- Name: COLUMN crew_assignment.crew_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.crew_assignment.crew_id IS 'The crew (the crew service''s id).';


--
-- Name: COLUMN crew_assignment.starts_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.crew_assignment.starts_at IS 'Start of the period the crew was assigned for.';


--
-- Name: COLUMN crew_assignment.ends_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.crew_assignment.ends_at IS 'End of that period.';


--
-- Name: COLUMN crew_assignment.assigned_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.crew_assignment.assigned_at IS 'When the assignment was recorded.';


--
-- Name: COLUMN crew_assignment.release_requested_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.crew_assignment.release_requested_at IS 'When the event lost this crew (canceled, new dates, crew no longer required, or the answer came too late); the release_crew job then releases it at the crew service.';


--
-- Name: COLUMN crew_assignment.released_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.crew_assignment.released_at IS 'When the crew service confirmed the release.';


--
-- Name: outbox; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.outbox (
    id uuid DEFAULT app_private.uuid_v7() NOT NULL,
    "position" bigint NOT NULL,
    aggregate_type text NOT NULL,
    aggregate_id uuid NOT NULL,
    event_type text NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id uuid,
    data jsonb DEFAULT '{}'::jsonb NOT NULL,
    published_at timestamp with time zone,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    parked_at timestamp with time zone,
    parked_reason text,
    request_id text DEFAULT NULLIF(current_setting('app.request_id'::text, true), ''::text),
    trace_parent text DEFAULT 
CASE
    WHEN (current_setting('app.traceparent'::text, true) ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$'::text) THEN current_setting('app.traceparent'::text, true)
    ELSE NULL::text
END,
    CONSTRAINT outbox_aggregate_type_check CHECK ((aggregate_type ~ '^[a-z_]+$'::text)),
    CONSTRAINT outbox_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT outbox_event_type_check CHECK ((event_type ~ '^[A-Z][A-Za-z]+$'::text)),
    CONSTRAINT outbox_parked_reason_check CHECK (((parked_at IS NULL) = (parked_reason IS NULL))),
    CONSTRAINT outbox_version_check CHECK ((version > 0))
)
WITH (autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='1000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='5000');


--
-- Name: TABLE outbox; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON TABLE app_private.outbox IS 'Domain events written in the same transaction as the change they announce; the relay sends them to Kafka in `position` order, keyed by aggregate_id.';


--
-- Name: COLUMN outbox.id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.id IS 'The envelope id: unique per message, consumers de-duplicate on it (delivery is at least once).';


--
-- Name: COLUMN outbox."position"; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox."position" IS 'Commit-independent writing order; the relay reads unpublished rows by position.';


--
-- Name: COLUMN outbox.aggregate_type; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.aggregate_type IS 'Kind of the aggregate the event is about: event, booking, …';


--
-- Name: COLUMN outbox.aggregate_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.aggregate_id IS 'Id of that aggregate; the Kafka message key (keeps order per aggregate).';


--
-- Name: COLUMN outbox.event_type; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.event_type IS 'EventCreated, EventUpdated, EventPublished, EventCanceled, EventCompleted, FavoriteAdded, FavoriteRemoved, …';


--
-- Name: COLUMN outbox.version; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.version IS 'Schema version of `data` for this event_type.';


--
-- Name: COLUMN outbox.occurred_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.occurred_at IS 'Transaction time of the change.';


--
-- Name: COLUMN outbox.actor_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.actor_id IS 'The caller who caused it; null for the system.';


--
-- Name: COLUMN outbox.data; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.data IS 'The event payload (camelCase keys).';


--
-- Name: COLUMN outbox.published_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.published_at IS 'When the relay got the broker''s acknowledgement; null while waiting.';


--
-- Name: COLUMN outbox.attempts; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.attempts IS 'Relay attempts so far.';


--
-- Name: COLUMN outbox.last_error; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.last_error IS 'The relay''s last failure, for operators.';


--
-- Name: COLUMN outbox.parked_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.parked_at IS 'When the relay set this row aside because it can never be sent (too large, malformed); null otherwise. A parked row is not retried: fix or delete it, then set parked_at and parked_reason back to null to send it.';


--
-- Name: COLUMN outbox.parked_reason; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.parked_reason IS 'Why the relay parked the row, e.g. "envelope is 2100000 bytes, above the 1048576-byte limit".';


--
-- Name: COLUMN outbox.request_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.request_id IS 'The request id of the API call that wrote the row (setting app.request_id), as in the audit log and the logs; sent as the Kafka header request-id.';


--
-- Name: COLUMN outbox.trace_parent; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox.trace_parent IS 'W3C traceparent of the span that wrote the row (setting app.traceparent, set by the API when tracing is on); sent as the Kafka header traceparent so the trace continues across the outbox. Null when tracing is off.';


--
-- Name: outbox_backlog; Type: VIEW; Schema: app_private; Owner: -
--

CREATE VIEW app_private.outbox_backlog AS
 SELECT count(*) FILTER (WHERE (o.parked_at IS NULL)) AS unpublished,
    (COALESCE(EXTRACT(epoch FROM (now() - min(o.occurred_at) FILTER (WHERE (o.parked_at IS NULL)))), (0)::numeric))::double precision AS oldest_unpublished_age_seconds,
    count(*) FILTER (WHERE (o.parked_at IS NOT NULL)) AS parked,
    max(o.attempts) FILTER (WHERE (o.parked_at IS NULL)) AS max_attempts,
    (array_agg(o.last_error ORDER BY o."position" DESC) FILTER (WHERE ((o.parked_at IS NULL) AND (o.last_error IS NOT NULL))))[1] AS last_error
   FROM app_private.outbox o
  WHERE (o.published_at IS NULL);


--
-- Name: VIEW outbox_backlog; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON VIEW app_private.outbox_backlog IS 'How far behind the Kafka relay is, in one row: rows waiting to be sent, the age of the oldest, rows parked as unsendable (need an operator), the most attempts of a waiting row and the latest relay error. Alert when unpublished or oldest_unpublished_age_seconds keeps growing, or parked > 0.';


--
-- Name: COLUMN outbox_backlog.unpublished; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox_backlog.unpublished IS 'Rows not yet acknowledged by Kafka (parked rows excluded).';


--
-- Name: COLUMN outbox_backlog.oldest_unpublished_age_seconds; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox_backlog.oldest_unpublished_age_seconds IS 'Seconds since the oldest waiting row was written; 0 when nothing waits.';


--
-- Name: COLUMN outbox_backlog.parked; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox_backlog.parked IS 'Rows the relay set aside as unsendable (see parked_reason); they are never retried by themselves.';


--
-- Name: COLUMN outbox_backlog.max_attempts; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox_backlog.max_attempts IS 'Most relay attempts of a waiting row (grows while Kafka is down).';


--
-- Name: COLUMN outbox_backlog.last_error; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.outbox_backlog.last_error IS 'The latest relay error recorded on a waiting row.';


--
-- Name: outbox_position_seq; Type: SEQUENCE; Schema: app_private; Owner: -
--

ALTER TABLE app_private.outbox ALTER COLUMN "position" ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.outbox_position_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: pseudonym; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.pseudonym (
    pseudonym uuid NOT NULL,
    reason text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT pseudonym_reason_check CHECK ((reason = ANY (ARRAY['retention'::text, 'erasure'::text])))
);


--
-- Name: TABLE pseudonym; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON TABLE app_private.pseudonym IS 'Random ids that replaced user ids (retention of ended bookings, erasure of a person). Holds no link to the original id, by design.';


--
-- Name: COLUMN pseudonym.pseudonym; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.pseudonym.pseudonym IS 'The random id now found in place of a user id.';


--
-- Name: COLUMN pseudonym.reason; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.pseudonym.reason IS 'retention (ended bookings reduced) or erasure (erase_user_data).';


--
-- Name: COLUMN pseudonym.created_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.pseudonym.created_at IS 'When it was handed out.';


--
-- Name: rate_limit_counter; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.rate_limit_counter (
    key character varying(255) NOT NULL,
    points integer DEFAULT 0 NOT NULL,
    expire bigint
);


--
-- Name: TABLE rate_limit_counter; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON TABLE app_private.rate_limit_counter IS 'Per-caller mutation counters of the API (rate-limiter-flexible, PostgreSQL store): one row per caller key and window. Expired rows are overwritten by the next count; any row may be deleted at any time (the caller''s budget resets).';


--
-- Name: COLUMN rate_limit_counter.key; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.rate_limit_counter.key IS '"mutation:sub:<user id>" or "mutation:ip:<address>".';


--
-- Name: COLUMN rate_limit_counter.points; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.rate_limit_counter.points IS 'Points spent in the current window.';


--
-- Name: COLUMN rate_limit_counter.expire; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.rate_limit_counter.expire IS 'End of the current window, in milliseconds since the Unix epoch.';


--
-- Name: review_helpful_vote; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.review_helpful_vote (
    review_id uuid NOT NULL,
    user_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE review_helpful_vote; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.review_helpful_vote IS '@behavior -insert -update -delete
A user found a review helpful: one row per user per review, never by its author. Each user sees only their own votes. Changed through mark_review_helpful and unmark_review_helpful.';


--
-- Name: COLUMN review_helpful_vote.review_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review_helpful_vote.review_id IS 'The review voted for.';


--
-- Name: COLUMN review_helpful_vote.user_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review_helpful_vote.user_id IS 'The voter (Keycloak user id).';


--
-- Name: COLUMN review_helpful_vote.created_at; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.review_helpful_vote.created_at IS 'When the vote was cast.';


--
-- Name: review_helpful_drift; Type: VIEW; Schema: app_private; Owner: -
--

CREATE VIEW app_private.review_helpful_drift WITH (security_invoker='true') AS
 SELECT r.id,
    r.helpful_count AS counted,
    (( SELECT count(*) AS count
           FROM app_public.review_helpful_vote v
          WHERE (v.review_id = r.id)))::integer AS actual
   FROM app_public.review r
  WHERE (r.helpful_count <> ( SELECT count(*) AS count
           FROM app_public.review_helpful_vote v
          WHERE (v.review_id = r.id)));


--
-- Name: VIEW review_helpful_drift; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON VIEW app_private.review_helpful_drift IS 'Reviews whose helpful_count differs from their number of votes. Must return nothing; a row means the table was changed behind the triggers'' back. For DBAs (scans every review).';


--
-- Name: event_seat_counter; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.event_seat_counter (
    event_id uuid NOT NULL,
    capacity integer NOT NULL,
    seats_taken integer DEFAULT 0 NOT NULL,
    bookable_until timestamp with time zone,
    CONSTRAINT event_seat_counter_seats_taken_check CHECK (((seats_taken >= 0) AND (seats_taken <= capacity)))
)
WITH (fillfactor='50');


--
-- Name: TABLE event_seat_counter; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.event_seat_counter IS '@behavior -*
The seats held on an event, on a row of its own that bookings update (one per event; no triggers, nothing refers to it). capacity and bookable_until follow the event row by trigger. Read it through event_seats_taken / event_seats_available.';


--
-- Name: COLUMN event_seat_counter.event_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_seat_counter.event_id IS 'The event.';


--
-- Name: COLUMN event_seat_counter.capacity; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_seat_counter.capacity IS 'The event''s capacity (kept equal to event.capacity by trigger).';


--
-- Name: COLUMN event_seat_counter.seats_taken; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_seat_counter.seats_taken IS 'Seats held by pending and confirmed bookings; never above capacity. Not indexed, on purpose.';


--
-- Name: COLUMN event_seat_counter.bookable_until; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_seat_counter.bookable_until IS 'Bookings are taken while now() is before this (start minus booking_deadline_hours); null when the event is not published.';


--
-- Name: price_tier_seat_counter; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.price_tier_seat_counter (
    price_tier_id uuid NOT NULL,
    event_id uuid NOT NULL,
    quota integer,
    seats_taken integer DEFAULT 0 NOT NULL,
    CONSTRAINT price_tier_seat_counter_seats_taken_check CHECK (((seats_taken >= 0) AND ((quota IS NULL) OR (seats_taken <= quota))))
)
WITH (fillfactor='50');


--
-- Name: TABLE price_tier_seat_counter; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.price_tier_seat_counter IS '@behavior -*
The seats held in a price tier, on a row of its own that bookings update. quota follows the tier row by trigger. Read it through event_price_tier_seats_taken / event_price_tier_seats_available.';


--
-- Name: COLUMN price_tier_seat_counter.price_tier_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.price_tier_seat_counter.price_tier_id IS 'The price tier.';


--
-- Name: COLUMN price_tier_seat_counter.event_id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.price_tier_seat_counter.event_id IS 'The tier''s event (for the visibility policy and joins).';


--
-- Name: COLUMN price_tier_seat_counter.quota; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.price_tier_seat_counter.quota IS 'The tier''s quota (kept equal to event_price_tier.quota by trigger); null: the event capacity only.';


--
-- Name: COLUMN price_tier_seat_counter.seats_taken; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.price_tier_seat_counter.seats_taken IS 'Seats held in this tier by pending and confirmed bookings. Not indexed, on purpose.';


--
-- Name: seat_drift; Type: VIEW; Schema: app_private; Owner: -
--

CREATE VIEW app_private.seat_drift WITH (security_invoker='true') AS
 SELECT 'event'::text AS counter,
    c.event_id AS id,
    c.seats_taken AS counted,
    ((COALESCE(( SELECT sum(b.quantity) AS sum
           FROM app_public.booking b
          WHERE ((b.event_id = c.event_id) AND (b.status = ANY (ARRAY['pending_payment'::app_public.booking_status, 'confirmed'::app_public.booking_status])))), (0)::bigint) + COALESCE(( SELECT sum(w.offered_seats) AS sum
           FROM app_public.waitlist_entry w
          WHERE ((w.event_id = c.event_id) AND (w.status = 'offered'::app_public.waitlist_status))), (0)::bigint)))::integer AS actual
   FROM app_public.event_seat_counter c
UNION ALL
 SELECT 'event_price_tier'::text AS counter,
    c.price_tier_id AS id,
    c.seats_taken AS counted,
    ((COALESCE(( SELECT sum(b.quantity) AS sum
           FROM app_public.booking b
          WHERE ((b.price_tier_id = c.price_tier_id) AND (b.status = ANY (ARRAY['pending_payment'::app_public.booking_status, 'confirmed'::app_public.booking_status])))), (0)::bigint) + COALESCE(( SELECT sum(w.offered_seats) AS sum
           FROM app_public.waitlist_entry w
          WHERE ((w.price_tier_id = c.price_tier_id) AND (w.status = 'offered'::app_public.waitlist_status))), (0)::bigint)))::integer AS actual
   FROM app_public.price_tier_seat_counter c
UNION ALL
 SELECT 'promo_code'::text AS counter,
    pc.id,
    pc.uses AS counted,
    (( SELECT count(*) AS count
           FROM app_public.booking b
          WHERE ((b.promo_code_id = pc.id) AND (b.status = ANY (ARRAY['pending_payment'::app_public.booking_status, 'confirmed'::app_public.booking_status])))))::integer AS actual
   FROM app_public.promo_code pc;


--
-- Name: VIEW seat_drift; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON VIEW app_private.seat_drift IS 'Every seat and promo-use counter next to what the live bookings and open waiting-list offers add up to. `select * from app_private.seat_drift where counted <> actual` must return nothing; a row means a counter was changed behind the functions'' back. For DBAs (scans everything).';


--
-- Name: setting; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.setting (
    key text NOT NULL,
    value text NOT NULL,
    description text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT setting_key_check CHECK ((key ~ '^[a-z][a-z0-9_]*$'::text)),
    CONSTRAINT setting_value_check CHECK (
CASE key
    WHEN 'booking_hold_minutes'::text THEN ((value ~ '^[0-9]{1,4}$'::text) AND (((value)::integer >= 1) AND ((value)::integer <= 1440)))
    WHEN 'payment_url_base'::text THEN (value ~ '^https?://'::text)
    WHEN 'review_moderation'::text THEN (value = ANY (ARRAY['on'::text, 'off'::text]))
    WHEN 'booking_max_pending_per_user'::text THEN ((value ~ '^[0-9]{1,4}$'::text) AND (((value)::integer >= 1) AND ((value)::integer <= 1000)))
    WHEN 'booking_max_pending_per_organizer'::text THEN ((value ~ '^[0-9]{1,4}$'::text) AND (((value)::integer >= 1) AND ((value)::integer <= 1000)))
    WHEN 'booking_max_seats_default'::text THEN ((value ~ '^[0-9]{1,2}$'::text) AND (((value)::integer >= 1) AND ((value)::integer <= 20)))
    WHEN 'booking_cooldown_after'::text THEN ((value ~ '^[0-9]{1,3}$'::text) AND (((value)::integer >= 1) AND ((value)::integer <= 100)))
    WHEN 'booking_cooldown_window_minutes'::text THEN ((value ~ '^[0-9]{1,5}$'::text) AND (((value)::integer >= 1) AND ((value)::integer <= 10080)))
    WHEN 'booking_cooldown_minutes'::text THEN ((value ~ '^[0-9]{1,5}$'::text) AND (((value)::integer >= 0) AND ((value)::integer <= 10080)))
    ELSE true
END)
);


--
-- Name: TABLE setting; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON TABLE app_private.setting IS 'Operator-tunable settings of the business rules, one row per key. Read by the SQL functions (as the owner); clients have no access.';


--
-- Name: COLUMN setting.key; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.setting.key IS 'Setting name, snake_case.';


--
-- Name: COLUMN setting.value; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.setting.value IS 'Value as text; its form is checked per key (setting_value_check).';


--
-- Name: COLUMN setting.description; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.setting.description IS 'What the setting does, for operators.';


--
-- Name: COLUMN setting.updated_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.setting.updated_at IS 'When the row was written.';


--
-- Name: staff_login; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.staff_login (
    login name NOT NULL,
    user_id uuid NOT NULL,
    roles text[] DEFAULT '{}'::text[] NOT NULL,
    note text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT staff_login_known_roles CHECK ((roles <@ ARRAY['user'::text, 'organizer'::text, 'admin'::text, 'payment-gateway'::text]))
);


--
-- Name: TABLE staff_login; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON TABLE app_private.staff_login IS 'Per-person database logins (staff: DBA, support, analyst) and who they are in the application: the user id and realm roles that current_user_id() / current_user_roles() give their psql sessions. Maintained by the owner (docs/database-access.md); a login without a row is nobody (anonymous rights).';


--
-- Name: COLUMN staff_login.login; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.staff_login.login IS 'The PostgreSQL login role (session_user).';


--
-- Name: COLUMN staff_login.user_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.staff_login.user_id IS 'The application user id (Keycloak sub) the login acts as: audit rows name it.';


--
-- Name: COLUMN staff_login.roles; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.staff_login.roles IS 'Realm roles the login holds in SQL (user, organizer, admin, payment-gateway).';


--
-- Name: COLUMN staff_login.note; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.staff_login.note IS 'Who asked for it and why (free text for the next DBA).';


--
-- Name: ticket_metric_fact; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.ticket_metric_fact (
    kind text NOT NULL,
    CONSTRAINT ticket_metric_fact_kind_check CHECK ((kind = ANY (ARRAY['issued'::text, 'voided:booking_canceled'::text, 'voided:reissued'::text, 'checked_in:scan'::text, 'checked_in:batch'::text, 'undone'::text])))
)
WITH (autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='1000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='5000');


--
-- Name: TABLE ticket_metric_fact; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON TABLE app_private.ticket_metric_fact IS 'Ticket facts not yet folded into ticket_metric_total: one row per ticket issued or voided, check-in or undo, appended by triggers on app_public.ticket in the transaction that made it; ticket_metrics() moves them into the totals at each /metrics scrape. Owner only.';


--
-- Name: COLUMN ticket_metric_fact.kind; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.ticket_metric_fact.kind IS 'issued, voided:booking_canceled, voided:reissued, checked_in:scan (online, by code or token), checked_in:batch (an offline batch), undone.';


--
-- Name: ticket_metric_total; Type: TABLE; Schema: app_private; Owner: -
--

CREATE TABLE app_private.ticket_metric_total (
    kind text NOT NULL,
    total bigint NOT NULL,
    CONSTRAINT ticket_metric_total_kind_check CHECK ((kind = ANY (ARRAY['issued'::text, 'voided:booking_canceled'::text, 'voided:reissued'::text, 'checked_in:scan'::text, 'checked_in:batch'::text, 'undone'::text]))),
    CONSTRAINT ticket_metric_total_total_check CHECK ((total >= 0))
);


--
-- Name: TABLE ticket_metric_total; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON TABLE app_private.ticket_metric_total IS 'Ticket facts counted so far (since the tickets were introduced), by kind; ticket_metrics() adds the new facts at each /metrics scrape. Owner only.';


--
-- Name: COLUMN ticket_metric_total.kind; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.ticket_metric_total.kind IS 'The kind of fact (see ticket_metric_fact.kind).';


--
-- Name: COLUMN ticket_metric_total.total; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.ticket_metric_total.total IS 'How many such facts, ever.';


--
-- Name: waitlist_metrics; Type: VIEW; Schema: app_private; Owner: -
--

CREATE VIEW app_private.waitlist_metrics AS
 SELECT 'entries'::text AS series,
    'waiting'::text AS label,
    ( SELECT count(*) AS count
           FROM app_public.waitlist_entry w
          WHERE (w.status = 'waiting'::app_public.waitlist_status)) AS value
UNION ALL
 SELECT 'entries'::text AS series,
    'offered'::text AS label,
    ( SELECT count(*) AS count
           FROM app_public.waitlist_entry w
          WHERE (w.status = 'offered'::app_public.waitlist_status)) AS value
UNION ALL
 SELECT 'seats'::text AS series,
    'waiting'::text AS label,
    ( SELECT COALESCE(sum(w.seats_wanted), (0)::bigint) AS "coalesce"
           FROM app_public.waitlist_entry w
          WHERE (w.status = 'waiting'::app_public.waitlist_status)) AS value
UNION ALL
 SELECT 'seats'::text AS series,
    'offered'::text AS label,
    ( SELECT COALESCE(sum(w.offered_seats), (0)::bigint) AS "coalesce"
           FROM app_public.waitlist_entry w
          WHERE (w.status = 'offered'::app_public.waitlist_status)) AS value
UNION ALL
 SELECT 'offers'::text AS series,
    k.outcome AS label,
    ( SELECT count(*) AS count
           FROM app_private.audit_log a
          WHERE (a.action = k.action)) AS value
   FROM ( VALUES ('made'::text,'waitlist.offer'::text), ('accepted'::text,'waitlist.accept'::text), ('declined'::text,'waitlist.decline'::text), ('expired'::text,'waitlist.expire'::text), ('withdrawn'::text,'waitlist.withdraw'::text)) k(outcome, action);


--
-- Name: VIEW waitlist_metrics; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON VIEW app_private.waitlist_metrics IS 'The waiting lists for /metrics, one row per series: entries and seats of the live list by status (waiting: seats wanted; offered: seats held) and offers by outcome (made, accepted, declined, expired, withdrawn) counted from the audit log. The worker reports them as aquastream_waitlist_entries, aquastream_waitlist_seats and aquastream_waitlist_offers_total; counted in the database, they are the same from every process.';


--
-- Name: COLUMN waitlist_metrics.series; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.waitlist_metrics.series IS 'entries, seats or offers.';


--
-- Name: COLUMN waitlist_metrics.label; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.waitlist_metrics.label IS 'The status (entries, seats) or the outcome (offers).';


--
-- Name: COLUMN waitlist_metrics.value; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.waitlist_metrics.value IS 'The count or sum.';


--
-- Name: event_category; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.event_category (
    id text NOT NULL,
    name text NOT NULL,
    description text,
    sort_order integer DEFAULT 0 NOT NULL,
    CONSTRAINT event_category_description_check CHECK ((char_length(description) <= 1000)),
    CONSTRAINT event_category_description_text_check CHECK (app_hidden.assert_clean_text(description, 'description'::text, true)),
    CONSTRAINT event_category_id_check CHECK ((id ~ '^[a-z][a-z0-9_]{0,29}$'::text)),
    CONSTRAINT event_category_name_check CHECK (((char_length(name) >= 1) AND (char_length(name) <= 100))),
    CONSTRAINT event_category_name_text_check CHECK (app_hidden.assert_clean_text(name, 'name'::text, false))
);


--
-- Name: TABLE event_category; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON TABLE app_public.event_category IS '@behavior -insert -update -delete
Kinds of water-sports events (rafting, kayaking, …). Maintained by migrations.';


--
-- Name: COLUMN event_category.id; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_category.id IS 'Stable slug, e.g. rafting; what events refer to.';


--
-- Name: COLUMN event_category.name; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_category.name IS 'Display name.';


--
-- Name: COLUMN event_category.description; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_category.description IS 'Short description for pickers.';


--
-- Name: COLUMN event_category.sort_order; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_category.sort_order IS 'Position in pickers (ascending).';


--
-- Name: CONSTRAINT event_category_description_text_check ON event_category; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT event_category_description_text_check ON app_public.event_category IS 'User-visible text rule (app_hidden.assert_clean_text, multi-line): TXCHR.';


--
-- Name: CONSTRAINT event_category_name_text_check ON event_category; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT event_category_name_text_check ON app_public.event_category IS 'User-visible text rule (app_hidden.assert_clean_text, single-line): TXCHR.';


--
-- Name: audit_log_2026_11; Type: TABLE ATTACH; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.audit_log ATTACH PARTITION app_private.audit_log_2026_11 FOR VALUES FROM ('2026-11-01 00:00:00+00') TO ('2026-12-01 00:00:00+00');


--
-- Name: audit_log_2026_12; Type: TABLE ATTACH; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.audit_log ATTACH PARTITION app_private.audit_log_2026_12 FOR VALUES FROM ('2026-12-01 00:00:00+00') TO ('2027-01-01 00:00:00+00');


--
-- Name: audit_log_2027_01; Type: TABLE ATTACH; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.audit_log ATTACH PARTITION app_private.audit_log_2027_01 FOR VALUES FROM ('2027-01-01 00:00:00+00') TO ('2027-02-01 00:00:00+00');


--
-- Name: audit_log_default; Type: TABLE ATTACH; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.audit_log ATTACH PARTITION app_private.audit_log_default DEFAULT;


--
-- Name: event_stats event_stats_pkey; Type: CONSTRAINT; Schema: app_hidden; Owner: -
--

ALTER TABLE ONLY app_hidden.event_stats
    ADD CONSTRAINT event_stats_pkey PRIMARY KEY (event_id);


--
-- Name: analytics_key analytics_key_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.analytics_key
    ADD CONSTRAINT analytics_key_pkey PRIMARY KEY (id);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id, occurred_at);


--
-- Name: audit_log_2026_11 audit_log_2026_11_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.audit_log_2026_11
    ADD CONSTRAINT audit_log_2026_11_pkey PRIMARY KEY (id, occurred_at);


--
-- Name: audit_log_2026_12 audit_log_2026_12_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.audit_log_2026_12
    ADD CONSTRAINT audit_log_2026_12_pkey PRIMARY KEY (id, occurred_at);


--
-- Name: audit_log_2027_01 audit_log_2027_01_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.audit_log_2027_01
    ADD CONSTRAINT audit_log_2027_01_pkey PRIMARY KEY (id, occurred_at);


--
-- Name: audit_log_default audit_log_default_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.audit_log_default
    ADD CONSTRAINT audit_log_default_pkey PRIMARY KEY (id, occurred_at);


--
-- Name: crew_assignment crew_assignment_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.crew_assignment
    ADD CONSTRAINT crew_assignment_pkey PRIMARY KEY (id);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);


--
-- Name: outbox outbox_position_key; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.outbox
    ADD CONSTRAINT outbox_position_key UNIQUE ("position");


--
-- Name: pseudonym pseudonym_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.pseudonym
    ADD CONSTRAINT pseudonym_pkey PRIMARY KEY (pseudonym);


--
-- Name: rate_limit_counter rate_limit_counter_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.rate_limit_counter
    ADD CONSTRAINT rate_limit_counter_pkey PRIMARY KEY (key);


--
-- Name: setting setting_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.setting
    ADD CONSTRAINT setting_pkey PRIMARY KEY (key);


--
-- Name: staff_login staff_login_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.staff_login
    ADD CONSTRAINT staff_login_pkey PRIMARY KEY (login);


--
-- Name: ticket_metric_total ticket_metric_total_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.ticket_metric_total
    ADD CONSTRAINT ticket_metric_total_pkey PRIMARY KEY (kind);


--
-- Name: booking booking_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.booking
    ADD CONSTRAINT booking_pkey PRIMARY KEY (id);


--
-- Name: event_category event_category_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.event_category
    ADD CONSTRAINT event_category_pkey PRIMARY KEY (id);


--
-- Name: event event_crew_id_excl; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.event
    ADD CONSTRAINT event_crew_id_excl EXCLUDE USING gist (crew_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (((crew_id IS NOT NULL) AND (status = ANY (ARRAY['draft'::app_public.event_status, 'published'::app_public.event_status]))));


--
-- Name: event event_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.event
    ADD CONSTRAINT event_pkey PRIMARY KEY (id);


--
-- Name: event_price_tier event_price_tier_event_id_id_key; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.event_price_tier
    ADD CONSTRAINT event_price_tier_event_id_id_key UNIQUE (event_id, id);


--
-- Name: CONSTRAINT event_price_tier_event_id_id_key ON event_price_tier; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT event_price_tier_event_id_id_key ON app_public.event_price_tier IS '@behavior -single
Target of booking_event_id_price_tier_id_fkey (a booking''s tier belongs to its event); not a lookup of its own.';


--
-- Name: event_price_tier event_price_tier_event_id_name_key; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.event_price_tier
    ADD CONSTRAINT event_price_tier_event_id_name_key UNIQUE (event_id, name);


--
-- Name: event_price_tier event_price_tier_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.event_price_tier
    ADD CONSTRAINT event_price_tier_pkey PRIMARY KEY (id);


--
-- Name: event_seat_counter event_seat_counter_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.event_seat_counter
    ADD CONSTRAINT event_seat_counter_pkey PRIMARY KEY (event_id);


--
-- Name: favorite favorite_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.favorite
    ADD CONSTRAINT favorite_pkey PRIMARY KEY (user_id, event_id);


--
-- Name: payment payment_gateway_reference_key; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.payment
    ADD CONSTRAINT payment_gateway_reference_key UNIQUE (gateway_reference);


--
-- Name: payment payment_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.payment
    ADD CONSTRAINT payment_pkey PRIMARY KEY (id);


--
-- Name: price_tier_seat_counter price_tier_seat_counter_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.price_tier_seat_counter
    ADD CONSTRAINT price_tier_seat_counter_pkey PRIMARY KEY (price_tier_id);


--
-- Name: promo_code promo_code_event_id_code_key; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.promo_code
    ADD CONSTRAINT promo_code_event_id_code_key UNIQUE NULLS NOT DISTINCT (event_id, code);


--
-- Name: promo_code promo_code_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.promo_code
    ADD CONSTRAINT promo_code_pkey PRIMARY KEY (id);


--
-- Name: refund refund_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.refund
    ADD CONSTRAINT refund_pkey PRIMARY KEY (id);


--
-- Name: review review_event_id_user_id_key; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.review
    ADD CONSTRAINT review_event_id_user_id_key UNIQUE (event_id, user_id);


--
-- Name: review_helpful_vote review_helpful_vote_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.review_helpful_vote
    ADD CONSTRAINT review_helpful_vote_pkey PRIMARY KEY (review_id, user_id);


--
-- Name: review review_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.review
    ADD CONSTRAINT review_pkey PRIMARY KEY (id);


--
-- Name: review_reply review_reply_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.review_reply
    ADD CONSTRAINT review_reply_pkey PRIMARY KEY (id);


--
-- Name: review_reply review_reply_review_id_key; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.review_reply
    ADD CONSTRAINT review_reply_review_id_key UNIQUE (review_id);


--
-- Name: ticket ticket_code_key; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.ticket
    ADD CONSTRAINT ticket_code_key UNIQUE (code);


--
-- Name: ticket ticket_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.ticket
    ADD CONSTRAINT ticket_pkey PRIMARY KEY (id);


--
-- Name: waitlist_entry waitlist_entry_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.waitlist_entry
    ADD CONSTRAINT waitlist_entry_pkey PRIMARY KEY (id);


--
-- Name: event_stats_min_price_desc_idx; Type: INDEX; Schema: app_hidden; Owner: -
--

CREATE INDEX event_stats_min_price_desc_idx ON app_hidden.event_stats USING btree (min_price DESC NULLS LAST, event_id);


--
-- Name: event_stats_min_price_idx; Type: INDEX; Schema: app_hidden; Owner: -
--

CREATE INDEX event_stats_min_price_idx ON app_hidden.event_stats USING btree (min_price, event_id);


--
-- Name: event_stats_published_rating_idx; Type: INDEX; Schema: app_hidden; Owner: -
--

CREATE INDEX event_stats_published_rating_idx ON app_hidden.event_stats USING btree (rating_average DESC NULLS LAST, event_id) WHERE (status = 'published'::app_public.event_status);


--
-- Name: INDEX event_stats_published_rating_idx; Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON INDEX app_hidden.event_stats_published_rating_idx IS 'Ratings of published events, best first: search_events(sort => rating) reads it in order and stops after the page.';


--
-- Name: event_stats_rating_idx; Type: INDEX; Schema: app_hidden; Owner: -
--

CREATE INDEX event_stats_rating_idx ON app_hidden.event_stats USING btree (rating_average DESC NULLS LAST, event_id);


--
-- Name: audit_log_action_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_action_idx ON ONLY app_private.audit_log USING btree (action);


--
-- Name: audit_log_2026_11_action_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_2026_11_action_idx ON app_private.audit_log_2026_11 USING btree (action);


--
-- Name: audit_log_actor_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_actor_id_idx ON ONLY app_private.audit_log USING btree (actor_id);


--
-- Name: audit_log_2026_11_actor_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_2026_11_actor_id_idx ON app_private.audit_log_2026_11 USING btree (actor_id);


--
-- Name: audit_log_occurred_at_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_occurred_at_idx ON ONLY app_private.audit_log USING brin (occurred_at);


--
-- Name: audit_log_2026_11_occurred_at_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_2026_11_occurred_at_idx ON app_private.audit_log_2026_11 USING brin (occurred_at);


--
-- Name: audit_log_table_name_row_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_table_name_row_id_idx ON ONLY app_private.audit_log USING btree (table_name, row_id);


--
-- Name: audit_log_2026_11_table_name_row_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_2026_11_table_name_row_id_idx ON app_private.audit_log_2026_11 USING btree (table_name, row_id);


--
-- Name: audit_log_2026_12_action_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_2026_12_action_idx ON app_private.audit_log_2026_12 USING btree (action);


--
-- Name: audit_log_2026_12_actor_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_2026_12_actor_id_idx ON app_private.audit_log_2026_12 USING btree (actor_id);


--
-- Name: audit_log_2026_12_occurred_at_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_2026_12_occurred_at_idx ON app_private.audit_log_2026_12 USING brin (occurred_at);


--
-- Name: audit_log_2026_12_table_name_row_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_2026_12_table_name_row_id_idx ON app_private.audit_log_2026_12 USING btree (table_name, row_id);


--
-- Name: audit_log_2027_01_action_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_2027_01_action_idx ON app_private.audit_log_2027_01 USING btree (action);


--
-- Name: audit_log_2027_01_actor_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_2027_01_actor_id_idx ON app_private.audit_log_2027_01 USING btree (actor_id);


--
-- Name: audit_log_2027_01_occurred_at_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_2027_01_occurred_at_idx ON app_private.audit_log_2027_01 USING brin (occurred_at);


--
-- Name: audit_log_2027_01_table_name_row_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_2027_01_table_name_row_id_idx ON app_private.audit_log_2027_01 USING btree (table_name, row_id);


--
-- Name: audit_log_default_action_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_default_action_idx ON app_private.audit_log_default USING btree (action);


--
-- Name: audit_log_default_actor_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_default_actor_id_idx ON app_private.audit_log_default USING btree (actor_id);


--
-- Name: audit_log_default_occurred_at_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_default_occurred_at_idx ON app_private.audit_log_default USING brin (occurred_at);


--
-- Name: audit_log_default_table_name_row_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_default_table_name_row_id_idx ON app_private.audit_log_default USING btree (table_name, row_id);


--
-- Name: crew_assignment_event_id_current_key; Type: INDEX; Schema: app_private; Owner: -
--

CREATE UNIQUE INDEX crew_assignment_event_id_current_key ON app_private.crew_assignment USING btree (event_id) WHERE (release_requested_at IS NULL);


--
-- Name: crew_assignment_release_due_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX crew_assignment_release_due_idx ON app_private.crew_assignment USING btree (event_id) WHERE ((release_requested_at IS NOT NULL) AND (released_at IS NULL));


--
-- Name: outbox_aggregate_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX outbox_aggregate_id_idx ON app_private.outbox USING btree (aggregate_id);


--
-- Name: outbox_published_at_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX outbox_published_at_idx ON app_private.outbox USING btree (published_at) WHERE (published_at IS NOT NULL);


--
-- Name: outbox_relay_queue_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX outbox_relay_queue_idx ON app_private.outbox USING btree ("position") WHERE ((published_at IS NULL) AND (parked_at IS NULL));


--
-- Name: outbox_unpublished_position_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX outbox_unpublished_position_idx ON app_private.outbox USING btree ("position") WHERE (published_at IS NULL);


--
-- Name: booking_event_id_status_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX booking_event_id_status_idx ON app_public.booking USING btree (event_id, status);


--
-- Name: booking_event_id_user_id_key; Type: INDEX; Schema: app_public; Owner: -
--

CREATE UNIQUE INDEX booking_event_id_user_id_key ON app_public.booking USING btree (event_id, user_id) WHERE (status = ANY (ARRAY['pending_payment'::app_public.booking_status, 'confirmed'::app_public.booking_status]));


--
-- Name: booking_payment_deadline_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX booking_payment_deadline_idx ON app_public.booking USING btree (payment_deadline) WHERE (status = 'pending_payment'::app_public.booking_status);


--
-- Name: booking_price_tier_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX booking_price_tier_id_idx ON app_public.booking USING btree (price_tier_id);


--
-- Name: booking_promo_code_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX booking_promo_code_id_idx ON app_public.booking USING btree (promo_code_id) WHERE (promo_code_id IS NOT NULL);


--
-- Name: booking_user_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX booking_user_id_idx ON app_public.booking USING btree (user_id, created_at);


--
-- Name: event_category_starts_at_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_category_starts_at_idx ON app_public.event USING btree (category, starts_at);


--
-- Name: event_earth_point_knn_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_earth_point_knn_idx ON app_public.event USING gist (app_hidden.earth_point(latitude, longitude), app_hidden.uuid_part(id, 1), app_hidden.uuid_part(id, 2), app_hidden.uuid_part(id, 3), latitude) WHERE (latitude IS NOT NULL);


--
-- Name: event_organizer_id_starts_at_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_organizer_id_starts_at_idx ON app_public.event USING btree (organizer_id, starts_at, id);


--
-- Name: event_price_tier_event_id_sort_order_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_price_tier_event_id_sort_order_idx ON app_public.event_price_tier USING btree (event_id, sort_order, name);


--
-- Name: event_published_ends_at_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_published_ends_at_idx ON app_public.event USING btree (ends_at, id) WHERE (status = 'published'::app_public.event_status);


--
-- Name: INDEX event_published_ends_at_idx; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON INDEX app_public.event_published_ends_at_idx IS 'Published events in end order: complete_ended_events reads the ended ones only (a range, whatever the statistics).';


--
-- Name: event_published_starts_at_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_published_starts_at_idx ON app_public.event USING btree (starts_at, id) WHERE (status = 'published'::app_public.event_status);


--
-- Name: event_search_vector_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_search_vector_idx ON app_public.event USING gin (search_vector);


--
-- Name: event_starts_at_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_starts_at_id_idx ON app_public.event USING btree (starts_at, id);


--
-- Name: event_starts_on_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_starts_on_idx ON app_public.event USING btree (starts_on, starts_at, id);


--
-- Name: event_status_starts_at_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_status_starts_at_idx ON app_public.event USING btree (status, starts_at);


--
-- Name: event_title_trgm_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_title_trgm_idx ON app_public.event USING gin (app_hidden.search_text(title) public.gin_trgm_ops);


--
-- Name: favorite_event_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX favorite_event_id_idx ON app_public.favorite USING btree (event_id);


--
-- Name: payment_booking_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX payment_booking_id_idx ON app_public.payment USING btree (booking_id);


--
-- Name: payment_booking_id_key; Type: INDEX; Schema: app_public; Owner: -
--

CREATE UNIQUE INDEX payment_booking_id_key ON app_public.payment USING btree (booking_id) WHERE (status <> 'failed'::app_public.payment_status);


--
-- Name: price_tier_seat_counter_event_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX price_tier_seat_counter_event_id_idx ON app_public.price_tier_seat_counter USING btree (event_id);


--
-- Name: promo_code_code_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX promo_code_code_idx ON app_public.promo_code USING btree (code);


--
-- Name: refund_payment_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX refund_payment_id_idx ON app_public.refund USING btree (payment_id);


--
-- Name: review_event_id_created_at_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX review_event_id_created_at_idx ON app_public.review USING btree (event_id, created_at DESC, id DESC) WHERE (status = 'active'::app_public.review_status);


--
-- Name: review_event_id_helpful_count_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX review_event_id_helpful_count_idx ON app_public.review USING btree (event_id, helpful_count DESC, created_at DESC, id DESC) WHERE (status = 'active'::app_public.review_status);


--
-- Name: review_helpful_vote_user_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX review_helpful_vote_user_id_idx ON app_public.review_helpful_vote USING btree (user_id);


--
-- Name: review_reply_organizer_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX review_reply_organizer_id_idx ON app_public.review_reply USING btree (organizer_id);


--
-- Name: review_status_created_at_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX review_status_created_at_idx ON app_public.review USING btree (status, created_at);


--
-- Name: review_user_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX review_user_id_idx ON app_public.review USING btree (user_id, created_at);


--
-- Name: ticket_booking_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX ticket_booking_id_idx ON app_public.ticket USING btree (booking_id);


--
-- Name: ticket_booking_id_seat_no_key; Type: INDEX; Schema: app_public; Owner: -
--

CREATE UNIQUE INDEX ticket_booking_id_seat_no_key ON app_public.ticket USING btree (booking_id, seat_no) WHERE (status = 'valid'::app_public.ticket_status);


--
-- Name: ticket_event_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX ticket_event_id_idx ON app_public.ticket USING btree (event_id) WHERE (status = 'valid'::app_public.ticket_status);


--
-- Name: ticket_event_id_page_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX ticket_event_id_page_idx ON app_public.ticket USING btree (event_id, booking_id, seat_no, version) WHERE (event_id IS NOT NULL);


--
-- Name: INDEX ticket_event_id_page_idx; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON INDEX app_public.ticket_event_id_page_idx IS 'An event''s tickets, void ones included, in ListTickets'' order (booking, seat, version). Partial (on a predicate every row meets) so the GraphQL schema does not change with it.';


--
-- Name: waitlist_entry_booking_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX waitlist_entry_booking_id_idx ON app_public.waitlist_entry USING btree (booking_id);


--
-- Name: waitlist_entry_event_id_joined_at_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX waitlist_entry_event_id_joined_at_idx ON app_public.waitlist_entry USING btree (event_id, joined_at, id);


--
-- Name: waitlist_entry_live_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX waitlist_entry_live_idx ON app_public.waitlist_entry USING btree (status, event_id) INCLUDE (seats_wanted, offered_seats) WHERE (status = ANY (ARRAY['waiting'::app_public.waitlist_status, 'offered'::app_public.waitlist_status]));


--
-- Name: waitlist_entry_live_key; Type: INDEX; Schema: app_public; Owner: -
--

CREATE UNIQUE INDEX waitlist_entry_live_key ON app_public.waitlist_entry USING btree (event_id, user_id) WHERE (status = ANY (ARRAY['waiting'::app_public.waitlist_status, 'offered'::app_public.waitlist_status]));


--
-- Name: waitlist_entry_offer_expires_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX waitlist_entry_offer_expires_idx ON app_public.waitlist_entry USING btree (offer_expires_at) WHERE (status = 'offered'::app_public.waitlist_status);


--
-- Name: waitlist_entry_price_tier_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX waitlist_entry_price_tier_id_idx ON app_public.waitlist_entry USING btree (price_tier_id);


--
-- Name: waitlist_entry_user_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX waitlist_entry_user_id_idx ON app_public.waitlist_entry USING btree (user_id);


--
-- Name: waitlist_entry_waiting_line_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX waitlist_entry_waiting_line_idx ON app_public.waitlist_entry USING btree (event_id, joined_at, id) WHERE (status = 'waiting'::app_public.waitlist_status);


--
-- Name: INDEX waitlist_entry_waiting_line_idx; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON INDEX app_public.waitlist_entry_waiting_line_idx IS 'An event''s waiting entries in line order (offer_freed_seats): the line without the list''s history.';


--
-- Name: audit_log_2026_11_action_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_action_idx ATTACH PARTITION app_private.audit_log_2026_11_action_idx;


--
-- Name: audit_log_2026_11_actor_id_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_actor_id_idx ATTACH PARTITION app_private.audit_log_2026_11_actor_id_idx;


--
-- Name: audit_log_2026_11_occurred_at_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_occurred_at_idx ATTACH PARTITION app_private.audit_log_2026_11_occurred_at_idx;


--
-- Name: audit_log_2026_11_pkey; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_pkey ATTACH PARTITION app_private.audit_log_2026_11_pkey;


--
-- Name: audit_log_2026_11_table_name_row_id_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_table_name_row_id_idx ATTACH PARTITION app_private.audit_log_2026_11_table_name_row_id_idx;


--
-- Name: audit_log_2026_12_action_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_action_idx ATTACH PARTITION app_private.audit_log_2026_12_action_idx;


--
-- Name: audit_log_2026_12_actor_id_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_actor_id_idx ATTACH PARTITION app_private.audit_log_2026_12_actor_id_idx;


--
-- Name: audit_log_2026_12_occurred_at_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_occurred_at_idx ATTACH PARTITION app_private.audit_log_2026_12_occurred_at_idx;


--
-- Name: audit_log_2026_12_pkey; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_pkey ATTACH PARTITION app_private.audit_log_2026_12_pkey;


--
-- Name: audit_log_2026_12_table_name_row_id_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_table_name_row_id_idx ATTACH PARTITION app_private.audit_log_2026_12_table_name_row_id_idx;


--
-- Name: audit_log_2027_01_action_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_action_idx ATTACH PARTITION app_private.audit_log_2027_01_action_idx;


--
-- Name: audit_log_2027_01_actor_id_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_actor_id_idx ATTACH PARTITION app_private.audit_log_2027_01_actor_id_idx;


--
-- Name: audit_log_2027_01_occurred_at_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_occurred_at_idx ATTACH PARTITION app_private.audit_log_2027_01_occurred_at_idx;


--
-- Name: audit_log_2027_01_pkey; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_pkey ATTACH PARTITION app_private.audit_log_2027_01_pkey;


--
-- Name: audit_log_2027_01_table_name_row_id_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_table_name_row_id_idx ATTACH PARTITION app_private.audit_log_2027_01_table_name_row_id_idx;


--
-- Name: audit_log_default_action_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_action_idx ATTACH PARTITION app_private.audit_log_default_action_idx;


--
-- Name: audit_log_default_actor_id_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_actor_id_idx ATTACH PARTITION app_private.audit_log_default_actor_id_idx;


--
-- Name: audit_log_default_occurred_at_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_occurred_at_idx ATTACH PARTITION app_private.audit_log_default_occurred_at_idx;


--
-- Name: audit_log_default_pkey; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_pkey ATTACH PARTITION app_private.audit_log_default_pkey;


--
-- Name: audit_log_default_table_name_row_id_idx; Type: INDEX ATTACH; Schema: app_private; Owner: -
--

ALTER INDEX app_private.audit_log_table_name_row_id_idx ATTACH PARTITION app_private.audit_log_default_table_name_row_id_idx;


--
-- Name: event_occupancy _RETURN; Type: RULE; Schema: app_analytics; Owner: -
--

CREATE OR REPLACE VIEW app_analytics.event_occupancy WITH (security_barrier='true') AS
 SELECT e.id AS event_id,
    "left"(encode(public.hmac((e.organizer_id)::text, k.key, 'sha256'::text), 'hex'::text), 16) AS organizer,
    e.title,
    e.category,
    ((e.starts_at AT TIME ZONE 'UTC'::text))::date AS day,
    e.status,
    e.capacity,
    COALESCE(sum(b.quantity) FILTER (WHERE (b.status = 'confirmed'::app_public.booking_status)), (0)::bigint) AS seats_confirmed,
    COALESCE(sum(b.quantity) FILTER (WHERE (b.status = 'pending_payment'::app_public.booking_status)), (0)::bigint) AS seats_held,
    round(((COALESCE(sum(b.quantity) FILTER (WHERE (b.status = 'confirmed'::app_public.booking_status)), (0)::bigint))::numeric / (NULLIF(e.capacity, 0))::numeric), 4) AS occupancy
   FROM ((app_public.event e
     CROSS JOIN app_private.analytics_key k)
     LEFT JOIN app_public.booking b ON ((b.event_id = e.id)))
  WHERE ((e.status <> 'draft'::app_public.event_status) AND (e.starts_at >= (now() - '730 days'::interval)))
  GROUP BY e.id, k.key;


--
-- Name: refund _100_check_total; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE CONSTRAINT TRIGGER _100_check_total AFTER INSERT ON app_public.refund DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app_private.tg_refund__check_total();


--
-- Name: review_helpful_vote _100_not_author; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _100_not_author BEFORE INSERT OR UPDATE ON app_public.review_helpful_vote FOR EACH ROW EXECUTE FUNCTION app_private.tg_review_helpful_vote__not_author();


--
-- Name: booking _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _100_timestamps BEFORE UPDATE ON app_public.booking FOR EACH ROW EXECUTE FUNCTION app_private.tg__set_updated_at();


--
-- Name: event _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _100_timestamps BEFORE UPDATE ON app_public.event FOR EACH ROW EXECUTE FUNCTION app_private.tg__set_updated_at();


--
-- Name: event_price_tier _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _100_timestamps BEFORE UPDATE ON app_public.event_price_tier FOR EACH ROW EXECUTE FUNCTION app_private.tg__set_updated_at();


--
-- Name: payment _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _100_timestamps BEFORE UPDATE ON app_public.payment FOR EACH ROW EXECUTE FUNCTION app_private.tg__set_updated_at();


--
-- Name: promo_code _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _100_timestamps BEFORE UPDATE ON app_public.promo_code FOR EACH ROW EXECUTE FUNCTION app_private.tg__set_updated_at();


--
-- Name: review _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _100_timestamps BEFORE UPDATE ON app_public.review FOR EACH ROW EXECUTE FUNCTION app_private.tg__set_updated_at();


--
-- Name: review_reply _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _100_timestamps BEFORE UPDATE ON app_public.review_reply FOR EACH ROW EXECUTE FUNCTION app_private.tg__set_updated_at();


--
-- Name: event_price_tier _200_check_event; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE CONSTRAINT TRIGGER _200_check_event AFTER INSERT OR UPDATE OF event_id, name, price, currency, quota ON app_public.event_price_tier NOT DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION app_private.tg_event_price_tier__check_event();


--
-- Name: review_helpful_vote _200_count; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _200_count AFTER INSERT OR DELETE ON app_public.review_helpful_vote FOR EACH ROW EXECUTE FUNCTION app_private.tg_review_helpful_vote__count();


--
-- Name: booking _200_status_transition; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _200_status_transition BEFORE UPDATE OF status ON app_public.booking FOR EACH ROW WHEN ((old.status IS DISTINCT FROM new.status)) EXECUTE FUNCTION app_private.tg_booking__status_transition();


--
-- Name: event _200_status_transition; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _200_status_transition BEFORE UPDATE OF status ON app_public.event FOR EACH ROW WHEN ((old.status IS DISTINCT FROM new.status)) EXECUTE FUNCTION app_private.tg_event__status_transition();


--
-- Name: payment _200_status_transition; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _200_status_transition BEFORE UPDATE OF status ON app_public.payment FOR EACH ROW WHEN ((old.status IS DISTINCT FROM new.status)) EXECUTE FUNCTION app_private.tg_payment__status_transition();


--
-- Name: event_price_tier _300_check_removal; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE CONSTRAINT TRIGGER _300_check_removal AFTER DELETE ON app_public.event_price_tier NOT DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION app_private.tg_event_price_tier__check_removal();


--
-- Name: event _300_freeze_finished; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _300_freeze_finished BEFORE UPDATE ON app_public.event FOR EACH ROW WHEN ((old.status = ANY (ARRAY['completed'::app_public.event_status, 'canceled'::app_public.event_status]))) EXECUTE FUNCTION app_private.tg_event__freeze_finished();


--
-- Name: event _400_check_tier_quota; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE CONSTRAINT TRIGGER _400_check_tier_quota AFTER UPDATE OF capacity ON app_public.event NOT DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW WHEN ((new.capacity < old.capacity)) EXECUTE FUNCTION app_private.tg_event__check_tier_quota();


--
-- Name: event _400_crew_new_period; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _400_crew_new_period BEFORE UPDATE OF starts_at, ends_at ON app_public.event FOR EACH ROW EXECUTE FUNCTION app_private.tg_event__crew_new_period();


--
-- Name: event _500_sync_seat_counter; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _500_sync_seat_counter AFTER INSERT OR UPDATE OF capacity, status, starts_at, booking_deadline_hours ON app_public.event FOR EACH ROW EXECUTE FUNCTION app_private.tg_event__sync_seat_counter();


--
-- Name: event_price_tier _500_sync_seat_counter; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _500_sync_seat_counter AFTER INSERT OR UPDATE OF quota ON app_public.event_price_tier FOR EACH ROW EXECUTE FUNCTION app_private.tg_event_price_tier__sync_seat_counter();


--
-- Name: event _510_end_waitlist; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _510_end_waitlist AFTER UPDATE OF status ON app_public.event FOR EACH ROW WHEN (((new.status = ANY (ARRAY['canceled'::app_public.event_status, 'completed'::app_public.event_status])) AND (old.status IS DISTINCT FROM new.status))) EXECUTE FUNCTION app_private.tg_event__end_waitlist();


--
-- Name: booking _600_tickets; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE CONSTRAINT TRIGGER _600_tickets AFTER INSERT OR UPDATE OF status ON app_public.booking DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((new.status <> 'pending_payment'::app_public.booking_status)) EXECUTE FUNCTION app_private.tg_booking__tickets();


--
-- Name: event _900_enqueue_crew_jobs; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _900_enqueue_crew_jobs AFTER UPDATE ON app_public.event FOR EACH ROW WHEN (((old.status IS DISTINCT FROM new.status) OR (old.crew_status IS DISTINCT FROM new.crew_status) OR (old.crew_id IS DISTINCT FROM new.crew_id))) EXECUTE FUNCTION app_private.tg_event__enqueue_crew_jobs();


--
-- Name: ticket _900_metric_fact_insert; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _900_metric_fact_insert AFTER INSERT ON app_public.ticket FOR EACH ROW EXECUTE FUNCTION app_private.tg_ticket__metric_fact();


--
-- Name: ticket _900_metric_fact_update; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _900_metric_fact_update AFTER UPDATE OF status, checked_in_at ON app_public.ticket FOR EACH ROW WHEN (((old.status IS DISTINCT FROM new.status) OR ((old.checked_in_at IS NULL) <> (new.checked_in_at IS NULL)))) EXECUTE FUNCTION app_private.tg_ticket__metric_fact();


--
-- Name: event_seat_counter _900_offer_freed_seats; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE CONSTRAINT TRIGGER _900_offer_freed_seats AFTER UPDATE ON app_public.event_seat_counter DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (((new.seats_taken < old.seats_taken) OR (new.capacity > old.capacity) OR ((new.bookable_until IS NOT NULL) AND (old.bookable_until IS NULL)))) EXECUTE FUNCTION app_private.tg_seat_counter__offer_freed_seats();


--
-- Name: price_tier_seat_counter _900_offer_freed_seats; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE CONSTRAINT TRIGGER _900_offer_freed_seats AFTER UPDATE ON app_public.price_tier_seat_counter DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (((new.seats_taken < old.seats_taken) OR ((new.quota IS DISTINCT FROM old.quota) AND ((new.quota IS NULL) OR (new.quota > old.quota))))) EXECUTE FUNCTION app_private.tg_seat_counter__offer_freed_seats();


--
-- Name: event _900_stats; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _900_stats AFTER INSERT OR UPDATE OF status ON app_public.event FOR EACH ROW EXECUTE FUNCTION app_private.tg_event__stats();


--
-- Name: event_price_tier _900_stats; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _900_stats AFTER INSERT OR DELETE OR UPDATE OF event_id, price, currency ON app_public.event_price_tier FOR EACH ROW EXECUTE FUNCTION app_private.tg_event_price_tier__stats();


--
-- Name: review _900_stats; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _900_stats AFTER INSERT OR DELETE OR UPDATE OF event_id, rating, status ON app_public.review FOR EACH ROW EXECUTE FUNCTION app_private.tg_review__stats();


--
-- Name: event_stats event_stats_event_id_fkey; Type: FK CONSTRAINT; Schema: app_hidden; Owner: -
--

ALTER TABLE ONLY app_hidden.event_stats
    ADD CONSTRAINT event_stats_event_id_fkey FOREIGN KEY (event_id) REFERENCES app_public.event(id) ON DELETE CASCADE;


--
-- Name: crew_assignment crew_assignment_event_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.crew_assignment
    ADD CONSTRAINT crew_assignment_event_id_fkey FOREIGN KEY (event_id) REFERENCES app_public.event(id) ON DELETE CASCADE;


--
-- Name: booking booking_event_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.booking
    ADD CONSTRAINT booking_event_id_fkey FOREIGN KEY (event_id) REFERENCES app_public.event(id);


--
-- Name: booking booking_event_id_price_tier_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.booking
    ADD CONSTRAINT booking_event_id_price_tier_id_fkey FOREIGN KEY (event_id, price_tier_id) REFERENCES app_public.event_price_tier(event_id, id);


--
-- Name: CONSTRAINT booking_event_id_price_tier_id_fkey ON booking; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON CONSTRAINT booking_event_id_price_tier_id_fkey ON app_public.booking IS '@fieldName eventPriceTierByPriceTierId
The tier is one of the booking''s event''s tiers (named like a single-column relation).';


--
-- Name: booking booking_promo_code_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.booking
    ADD CONSTRAINT booking_promo_code_id_fkey FOREIGN KEY (promo_code_id) REFERENCES app_public.promo_code(id);


--
-- Name: event event_category_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.event
    ADD CONSTRAINT event_category_fkey FOREIGN KEY (category) REFERENCES app_public.event_category(id);


--
-- Name: event_price_tier event_price_tier_event_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.event_price_tier
    ADD CONSTRAINT event_price_tier_event_id_fkey FOREIGN KEY (event_id) REFERENCES app_public.event(id) ON DELETE CASCADE;


--
-- Name: event_seat_counter event_seat_counter_event_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.event_seat_counter
    ADD CONSTRAINT event_seat_counter_event_id_fkey FOREIGN KEY (event_id) REFERENCES app_public.event(id) ON DELETE CASCADE;


--
-- Name: favorite favorite_event_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.favorite
    ADD CONSTRAINT favorite_event_id_fkey FOREIGN KEY (event_id) REFERENCES app_public.event(id) ON DELETE CASCADE;


--
-- Name: payment payment_booking_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.payment
    ADD CONSTRAINT payment_booking_id_fkey FOREIGN KEY (booking_id) REFERENCES app_public.booking(id);


--
-- Name: price_tier_seat_counter price_tier_seat_counter_price_tier_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.price_tier_seat_counter
    ADD CONSTRAINT price_tier_seat_counter_price_tier_id_fkey FOREIGN KEY (price_tier_id) REFERENCES app_public.event_price_tier(id) ON DELETE CASCADE;


--
-- Name: promo_code promo_code_event_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.promo_code
    ADD CONSTRAINT promo_code_event_id_fkey FOREIGN KEY (event_id) REFERENCES app_public.event(id) ON DELETE CASCADE;


--
-- Name: refund refund_payment_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.refund
    ADD CONSTRAINT refund_payment_id_fkey FOREIGN KEY (payment_id) REFERENCES app_public.payment(id);


--
-- Name: review review_event_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.review
    ADD CONSTRAINT review_event_id_fkey FOREIGN KEY (event_id) REFERENCES app_public.event(id) ON DELETE CASCADE;


--
-- Name: review_helpful_vote review_helpful_vote_review_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.review_helpful_vote
    ADD CONSTRAINT review_helpful_vote_review_id_fkey FOREIGN KEY (review_id) REFERENCES app_public.review(id) ON DELETE CASCADE;


--
-- Name: review_reply review_reply_review_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.review_reply
    ADD CONSTRAINT review_reply_review_id_fkey FOREIGN KEY (review_id) REFERENCES app_public.review(id) ON DELETE CASCADE;


--
-- Name: ticket ticket_booking_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.ticket
    ADD CONSTRAINT ticket_booking_id_fkey FOREIGN KEY (booking_id) REFERENCES app_public.booking(id) ON DELETE CASCADE;


--
-- Name: ticket ticket_event_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.ticket
    ADD CONSTRAINT ticket_event_id_fkey FOREIGN KEY (event_id) REFERENCES app_public.event(id) ON DELETE CASCADE;


--
-- Name: waitlist_entry waitlist_entry_booking_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.waitlist_entry
    ADD CONSTRAINT waitlist_entry_booking_id_fkey FOREIGN KEY (booking_id) REFERENCES app_public.booking(id) ON DELETE SET NULL;


--
-- Name: waitlist_entry waitlist_entry_event_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.waitlist_entry
    ADD CONSTRAINT waitlist_entry_event_id_fkey FOREIGN KEY (event_id) REFERENCES app_public.event(id) ON DELETE CASCADE;


--
-- Name: waitlist_entry waitlist_entry_price_tier_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -
--

ALTER TABLE ONLY app_public.waitlist_entry
    ADD CONSTRAINT waitlist_entry_price_tier_id_fkey FOREIGN KEY (price_tier_id) REFERENCES app_public.event_price_tier(id) ON DELETE CASCADE;


--
-- Name: event_stats; Type: ROW SECURITY; Schema: app_hidden; Owner: -
--

ALTER TABLE app_hidden.event_stats ENABLE ROW LEVEL SECURITY;

--
-- Name: event_stats select_visible; Type: POLICY; Schema: app_hidden; Owner: -
--

CREATE POLICY select_visible ON app_hidden.event_stats FOR SELECT USING (true);


--
-- Name: POLICY select_visible ON event_stats; Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON POLICY select_visible ON app_hidden.event_stats IS 'Every row: public aggregates (cheapest price, rating counts) of events, read only joined to events under their RLS.';


--
-- Name: analytics_key; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.analytics_key ENABLE ROW LEVEL SECURITY;

--
-- Name: audit_log; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.audit_log ENABLE ROW LEVEL SECURITY;

--
-- Name: audit_log_2026_11; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.audit_log_2026_11 ENABLE ROW LEVEL SECURITY;

--
-- Name: audit_log_2026_12; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.audit_log_2026_12 ENABLE ROW LEVEL SECURITY;

--
-- Name: audit_log_2027_01; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.audit_log_2027_01 ENABLE ROW LEVEL SECURITY;

--
-- Name: audit_log_default; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.audit_log_default ENABLE ROW LEVEL SECURITY;

--
-- Name: rate_limit_counter authenticator_all; Type: POLICY; Schema: app_private; Owner: -
--

CREATE POLICY authenticator_all ON app_private.rate_limit_counter TO aquastream_authenticator USING (true) WITH CHECK (true);


--
-- Name: crew_assignment; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.crew_assignment ENABLE ROW LEVEL SECURITY;

--
-- Name: outbox; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.outbox ENABLE ROW LEVEL SECURITY;

--
-- Name: pseudonym; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.pseudonym ENABLE ROW LEVEL SECURITY;

--
-- Name: rate_limit_counter; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.rate_limit_counter ENABLE ROW LEVEL SECURITY;

--
-- Name: setting; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.setting ENABLE ROW LEVEL SECURITY;

--
-- Name: staff_login; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.staff_login ENABLE ROW LEVEL SECURITY;

--
-- Name: ticket_metric_fact; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.ticket_metric_fact ENABLE ROW LEVEL SECURITY;

--
-- Name: ticket_metric_total; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.ticket_metric_total ENABLE ROW LEVEL SECURITY;

--
-- Name: booking; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.booking ENABLE ROW LEVEL SECURITY;

--
-- Name: event; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.event ENABLE ROW LEVEL SECURITY;

--
-- Name: event_category; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.event_category ENABLE ROW LEVEL SECURITY;

--
-- Name: event_price_tier; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.event_price_tier ENABLE ROW LEVEL SECURITY;

--
-- Name: event_seat_counter; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.event_seat_counter ENABLE ROW LEVEL SECURITY;

--
-- Name: favorite; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.favorite ENABLE ROW LEVEL SECURITY;

--
-- Name: payment; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.payment ENABLE ROW LEVEL SECURITY;

--
-- Name: price_tier_seat_counter; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.price_tier_seat_counter ENABLE ROW LEVEL SECURITY;

--
-- Name: promo_code; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.promo_code ENABLE ROW LEVEL SECURITY;

--
-- Name: refund; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.refund ENABLE ROW LEVEL SECURITY;

--
-- Name: review; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.review ENABLE ROW LEVEL SECURITY;

--
-- Name: review_helpful_vote; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.review_helpful_vote ENABLE ROW LEVEL SECURITY;

--
-- Name: review_reply; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.review_reply ENABLE ROW LEVEL SECURITY;

--
-- Name: event_category select_all; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_all ON app_public.event_category FOR SELECT USING (true);


--
-- Name: booking select_managed; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_managed ON app_public.booking FOR SELECT TO aquastream_manager USING (((event_id IN ( SELECT e.id
   FROM app_public.event e
  WHERE (e.organizer_id = ( SELECT app_public.current_user_id() AS current_user_id)))) OR ( SELECT app_public.has_role('admin'::text) AS has_role)));


--
-- Name: POLICY select_managed ON booking; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_managed ON app_public.booking IS 'Managers also see the bookings of the events they organize; admins see all.';


--
-- Name: payment select_managed; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_managed ON app_public.payment FOR SELECT TO aquastream_manager USING (((EXISTS ( SELECT
   FROM (app_public.booking b
     JOIN app_public.event e ON ((e.id = b.event_id)))
  WHERE ((b.id = payment.booking_id) AND (e.organizer_id = ( SELECT app_public.current_user_id() AS current_user_id))))) OR ( SELECT app_public.has_role('admin'::text) AS has_role)));


--
-- Name: POLICY select_managed ON payment; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_managed ON app_public.payment IS 'Managers also see the payments of the bookings of the events they organize (the row''s booking and event by primary key); admins see all.';


--
-- Name: refund select_managed; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_managed ON app_public.refund FOR SELECT TO aquastream_manager USING ((EXISTS ( SELECT
   FROM app_public.payment p
  WHERE (p.id = refund.payment_id))));


--
-- Name: POLICY select_managed ON refund; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_managed ON app_public.refund IS 'Managers see a refund when they see its payment (that payment by primary key, under payment''s policies).';


--
-- Name: ticket select_managed; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_managed ON app_public.ticket FOR SELECT TO aquastream_manager USING (((EXISTS ( SELECT
   FROM app_public.event e
  WHERE ((e.id = ticket.event_id) AND (e.organizer_id = ( SELECT app_public.current_user_id() AS current_user_id))))) OR ( SELECT app_public.has_role('admin'::text) AS has_role)));


--
-- Name: POLICY select_managed ON ticket; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_managed ON app_public.ticket IS 'Managers also see the tickets of the events they organize (the ticket''s event by primary key); admins see all.';


--
-- Name: waitlist_entry select_managed; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_managed ON app_public.waitlist_entry FOR SELECT TO aquastream_manager USING (((event_id IN ( SELECT e.id
   FROM app_public.event e
  WHERE (e.organizer_id = ( SELECT app_public.current_user_id() AS current_user_id)))) OR ( SELECT app_public.has_role('admin'::text) AS has_role)));


--
-- Name: POLICY select_managed ON waitlist_entry; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_managed ON app_public.waitlist_entry IS 'Managers also see the waiting lists of the events they organize; admins see all.';


--
-- Name: promo_code select_manager; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_manager ON app_public.promo_code FOR SELECT USING (((event_id IN ( SELECT e.id
   FROM app_public.event e
  WHERE (e.organizer_id = ( SELECT app_public.current_user_id() AS current_user_id)))) OR (created_by IN ( SELECT app_public.current_user_id() AS current_user_id)) OR ( SELECT app_public.has_role('admin'::text) AS has_role)));


--
-- Name: booking select_own; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_own ON app_public.booking FOR SELECT TO aquastream_member USING ((user_id = ( SELECT app_public.current_user_id() AS current_user_id)));


--
-- Name: POLICY select_own ON booking; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_own ON app_public.booking IS 'A member sees their own bookings (booking_user_id_idx).';


--
-- Name: favorite select_own; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_own ON app_public.favorite FOR SELECT USING ((user_id = ( SELECT app_public.current_user_id() AS current_user_id)));


--
-- Name: POLICY select_own ON favorite; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_own ON app_public.favorite IS 'The caller''s own favorites (none for anonymous callers). "= (select ...)": one value, so favorite_pkey serves it.';


--
-- Name: payment select_own; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_own ON app_public.payment FOR SELECT TO aquastream_member USING ((booking_id = ANY (ARRAY( SELECT b.id
   FROM app_public.booking b
  WHERE (b.user_id = ( SELECT app_public.current_user_id() AS current_user_id))))));


--
-- Name: POLICY select_own ON payment; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_own ON app_public.payment IS 'A member sees the payments of their own bookings (the caller''s bookings once by booking_user_id_idx, then payment_booking_id_idx).';


--
-- Name: refund select_own; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_own ON app_public.refund FOR SELECT TO aquastream_member USING ((payment_id = ANY (ARRAY( SELECT p.id
   FROM app_public.payment p
  WHERE (p.booking_id = ANY (ARRAY( SELECT b.id
           FROM app_public.booking b
          WHERE (b.user_id = ( SELECT app_public.current_user_id() AS current_user_id)))))))));


--
-- Name: POLICY select_own ON refund; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_own ON app_public.refund IS 'A member sees the refunds of their own bookings'' payments (their bookings by booking_user_id_idx, the payments by payment_booking_id_idx, the refunds by refund_payment_id_idx).';


--
-- Name: review_helpful_vote select_own; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_own ON app_public.review_helpful_vote FOR SELECT USING ((user_id = ( SELECT app_public.current_user_id() AS current_user_id)));


--
-- Name: POLICY select_own ON review_helpful_vote; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_own ON app_public.review_helpful_vote IS 'A caller sees their own helpful votes (review_helpful_vote_user_id_idx).';


--
-- Name: ticket select_own; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_own ON app_public.ticket FOR SELECT TO aquastream_member USING ((booking_id = ANY (ARRAY( SELECT b.id
   FROM app_public.booking b
  WHERE (b.user_id = ( SELECT app_public.current_user_id() AS current_user_id))))));


--
-- Name: POLICY select_own ON ticket; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_own ON app_public.ticket IS 'A member sees the tickets of their own bookings (the caller''s bookings once by booking_user_id_idx, then ticket_booking_id_idx).';


--
-- Name: waitlist_entry select_own; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_own ON app_public.waitlist_entry FOR SELECT TO aquastream_member USING ((user_id = ( SELECT app_public.current_user_id() AS current_user_id)));


--
-- Name: POLICY select_own ON waitlist_entry; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_own ON app_public.waitlist_entry IS 'A member sees their own waiting-list entries (waitlist_entry_user_id_idx).';


--
-- Name: payment select_payment_gateway; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_payment_gateway ON app_public.payment FOR SELECT TO aquastream_manager USING (( SELECT app_public.has_role('payment-gateway'::text) AS has_role));


--
-- Name: POLICY select_payment_gateway ON payment; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_payment_gateway ON app_public.payment IS 'The payment gateway (role payment-gateway, a manager) reads every payment, e.g. by its gateway_reference to reconcile webhooks; bookings stay hidden from it.';


--
-- Name: event select_visible; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_visible ON app_public.event FOR SELECT USING (((status = ANY (ARRAY['published'::app_public.event_status, 'completed'::app_public.event_status])) OR ((status = 'canceled'::app_public.event_status) AND (published_at IS NOT NULL)) OR (organizer_id IN ( SELECT app_public.current_user_id() AS current_user_id)) OR ( SELECT app_public.has_role('admin'::text) AS has_role)));


--
-- Name: event_price_tier select_visible; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_visible ON app_public.event_price_tier FOR SELECT USING (app_hidden.event_visible(event_id));


--
-- Name: event_seat_counter select_visible; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_visible ON app_public.event_seat_counter FOR SELECT USING (app_hidden.event_visible(event_id));


--
-- Name: price_tier_seat_counter select_visible; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_visible ON app_public.price_tier_seat_counter FOR SELECT USING (app_hidden.event_visible(event_id));


--
-- Name: review select_visible; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_visible ON app_public.review FOR SELECT USING (((status = 'active'::app_public.review_status) OR (user_id IN ( SELECT app_public.current_user_id() AS current_user_id)) OR ( SELECT app_public.has_role('admin'::text) AS has_role)));


--
-- Name: review_reply select_visible; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_visible ON app_public.review_reply FOR SELECT USING ((((status = 'active'::app_public.review_status) AND (review_id IN ( SELECT r.id
   FROM app_public.review r))) OR (organizer_id = ( SELECT app_public.current_user_id() AS current_user_id)) OR ( SELECT app_public.has_role('admin'::text) AS has_role)));


--
-- Name: POLICY select_visible ON review_reply; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON POLICY select_visible ON app_public.review_reply IS 'Active replies to visible reviews for everyone; pending and rejected ones for their author and admins.';


--
-- Name: ticket; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.ticket ENABLE ROW LEVEL SECURITY;

--
-- Name: waitlist_entry; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.waitlist_entry ENABLE ROW LEVEL SECURITY;

--
-- Name: SCHEMA app_analytics; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA app_analytics TO aquastream_analyst;


--
-- Name: SCHEMA app_hidden; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA app_hidden TO aquastream_anonymous;
GRANT USAGE ON SCHEMA app_hidden TO aquastream_member;


--
-- Name: SCHEMA app_private; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA app_private TO aquastream_authenticator;


--
-- Name: SCHEMA app_public; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA app_public TO aquastream_anonymous;
GRANT USAGE ON SCHEMA app_public TO aquastream_member;


--
-- Name: FUNCTION analyze_stale_tables(max_tables integer); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.analyze_stale_tables(max_tables integer) FROM PUBLIC;


--
-- Name: FUNCTION apply_retention(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.apply_retention() FROM PUBLIC;


--
-- Name: FUNCTION assert_clean_text(value text, field text, multiline boolean); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_clean_text(value text, field text, multiline boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.assert_clean_text(value text, field text, multiline boolean) TO aquastream_member;


--
-- Name: FUNCTION hours_before(at timestamp with time zone, hours integer); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.hours_before(at timestamp with time zone, hours integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.hours_before(at timestamp with time zone, hours integer) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.hours_before(at timestamp with time zone, hours integer) TO aquastream_member;


--
-- Name: FUNCTION is_time_zone(name text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.is_time_zone(name text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.is_time_zone(name text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.is_time_zone(name text) TO aquastream_member;


--
-- Name: TABLE event; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.event TO aquastream_anonymous;
GRANT SELECT ON TABLE app_public.event TO aquastream_member;


--
-- Name: FUNCTION assert_booking_limits(e app_public.event, user_id uuid, quantity integer); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_booking_limits(e app_public.event, user_id uuid, quantity integer) FROM PUBLIC;


--
-- Name: FUNCTION assert_event_editable(e app_public.event); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_event_editable(e app_public.event) FROM PUBLIC;


--
-- Name: FUNCTION assert_event_manager(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_event_manager() FROM PUBLIC;


--
-- Name: FUNCTION assert_event_staff(e app_public.event); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_event_staff(e app_public.event) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.assert_event_staff(e app_public.event) TO aquastream_member;


--
-- Name: FUNCTION assert_event_valid(e app_public.event); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_event_valid(e app_public.event) FROM PUBLIC;


--
-- Name: FUNCTION assert_may_manage_user_data(user_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_may_manage_user_data(user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION assert_reply_valid(content text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_reply_valid(content text) FROM PUBLIC;


--
-- Name: FUNCTION assert_review_valid(rating integer, content text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_review_valid(rating integer, content text) FROM PUBLIC;


--
-- Name: FUNCTION assert_search_arguments(query text, starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_search_arguments(query text, starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.assert_search_arguments(query text, starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.assert_search_arguments(query text, starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid) TO aquastream_member;


--
-- Name: FUNCTION assert_signed_in(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_signed_in() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.assert_signed_in() TO aquastream_member;


--
-- Name: FUNCTION uuid_v7(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.uuid_v7() FROM PUBLIC;


--
-- Name: TABLE booking; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.booking TO aquastream_member;


--
-- Name: FUNCTION booking_data(b app_public.booking); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.booking_data(b app_public.booking) FROM PUBLIC;


--
-- Name: FUNCTION booking_for_change(booking_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.booking_for_change(booking_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION booking_hold(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.booking_hold() FROM PUBLIC;


--
-- Name: FUNCTION check_in(code text, scanned_at timestamp with time zone, device text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.check_in(code text, scanned_at timestamp with time zone, device text) FROM PUBLIC;


--
-- Name: FUNCTION check_in_undo_window(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.check_in_undo_window() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.check_in_undo_window() TO aquastream_member;


--
-- Name: FUNCTION claims_trusted(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.claims_trusted() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.claims_trusted() TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.claims_trusted() TO aquastream_member;


--
-- Name: FUNCTION clean_text(value text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.clean_text(value text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.clean_text(value text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.clean_text(value text) TO aquastream_member;


--
-- Name: FUNCTION complete_ended_events(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.complete_ended_events() FROM PUBLIC;


--
-- Name: FUNCTION crew_releases_due(event_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.crew_releases_due(event_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION crew_request(event_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.crew_request(event_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION distance_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.distance_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.distance_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.distance_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision) TO aquastream_member;


--
-- Name: FUNCTION earth_box_km(latitude double precision, longitude double precision, radius_km double precision); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.earth_box_km(latitude double precision, longitude double precision, radius_km double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.earth_box_km(latitude double precision, longitude double precision, radius_km double precision) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.earth_box_km(latitude double precision, longitude double precision, radius_km double precision) TO aquastream_member;


--
-- Name: FUNCTION earth_point(latitude double precision, longitude double precision); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.earth_point(latitude double precision, longitude double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.earth_point(latitude double precision, longitude double precision) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.earth_point(latitude double precision, longitude double precision) TO aquastream_member;


--
-- Name: FUNCTION end_booking(b app_public.booking, new_status app_public.booking_status, reason text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.end_booking(b app_public.booking, new_status app_public.booking_status, reason text) FROM PUBLIC;


--
-- Name: FUNCTION end_closed_waitlists(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.end_closed_waitlists() FROM PUBLIC;


--
-- Name: FUNCTION end_waitlist_entries(event_id uuid, user_id uuid, reason app_public.waitlist_end_reason); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.end_waitlist_entries(event_id uuid, user_id uuid, reason app_public.waitlist_end_reason) FROM PUBLIC;


--
-- Name: TABLE waitlist_entry; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.waitlist_entry TO aquastream_member;


--
-- Name: FUNCTION end_waitlist_entry(entry_id uuid, new_status app_public.waitlist_status, from_status app_public.waitlist_status[]); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.end_waitlist_entry(entry_id uuid, new_status app_public.waitlist_status, from_status app_public.waitlist_status[]) FROM PUBLIC;


--
-- Name: FUNCTION enqueue_crew_job(task text, event_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.enqueue_crew_job(task text, event_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION ensure_audit_partition(month date); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.ensure_audit_partition(month date) FROM PUBLIC;


--
-- Name: FUNCTION event_data(e app_public.event); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_data(e app_public.event) FROM PUBLIC;


--
-- Name: FUNCTION event_for_change(event_id uuid, not_found_message text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_for_change(event_id uuid, not_found_message text) FROM PUBLIC;


--
-- Name: FUNCTION event_for_waitlist_change(event_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_for_waitlist_change(event_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION event_ids_by_text(tsq tsquery, typo text, statuses app_public.event_status[], not_before timestamp with time zone); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_ids_by_text(tsq tsquery, typo text, statuses app_public.event_status[], not_before timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.event_ids_by_text(tsq tsquery, typo text, statuses app_public.event_status[], not_before timestamp with time zone) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.event_ids_by_text(tsq tsquery, typo text, statuses app_public.event_status[], not_before timestamp with time zone) TO aquastream_member;


--
-- Name: FUNCTION event_ids_near(latitude double precision, longitude double precision, radius_km double precision, statuses app_public.event_status[], not_before timestamp with time zone); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_ids_near(latitude double precision, longitude double precision, radius_km double precision, statuses app_public.event_status[], not_before timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.event_ids_near(latitude double precision, longitude double precision, radius_km double precision, statuses app_public.event_status[], not_before timestamp with time zone) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.event_ids_near(latitude double precision, longitude double precision, radius_km double precision, statuses app_public.event_status[], not_before timestamp with time zone) TO aquastream_member;


--
-- Name: FUNCTION event_is_visible(e app_public.event); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_is_visible(e app_public.event) FROM PUBLIC;


--
-- Name: FUNCTION event_price_tiers_data(event_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_price_tiers_data(event_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION event_sort_key(sort app_public.event_sort, event_id uuid, search_vector tsvector, title text, latitude double precision, longitude double precision, min_price numeric, rating_average double precision, tsq tsquery, query text, near_latitude double precision, near_longitude double precision); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_sort_key(sort app_public.event_sort, event_id uuid, search_vector tsvector, title text, latitude double precision, longitude double precision, min_price numeric, rating_average double precision, tsq tsquery, query text, near_latitude double precision, near_longitude double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.event_sort_key(sort app_public.event_sort, event_id uuid, search_vector tsvector, title text, latitude double precision, longitude double precision, min_price numeric, rating_average double precision, tsq tsquery, query text, near_latitude double precision, near_longitude double precision) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.event_sort_key(sort app_public.event_sort, event_id uuid, search_vector tsvector, title text, latitude double precision, longitude double precision, min_price numeric, rating_average double precision, tsq tsquery, query text, near_latitude double precision, near_longitude double precision) TO aquastream_member;


--
-- Name: FUNCTION event_visible(event_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_visible(event_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.event_visible(event_id uuid) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.event_visible(event_id uuid) TO aquastream_member;


--
-- Name: FUNCTION expire_overdue_bookings(batch integer); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.expire_overdue_bookings(batch integer) FROM PUBLIC;


--
-- Name: FUNCTION expire_overdue_offers(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.expire_overdue_offers() FROM PUBLIC;


--
-- Name: TABLE event_price_tier; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.event_price_tier TO aquastream_anonymous;
GRANT SELECT ON TABLE app_public.event_price_tier TO aquastream_member;


--
-- Name: FUNCTION insert_price_tier(for_event app_public.event, name text, price numeric, currency text, quota integer, sort_order integer); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.insert_price_tier(for_event app_public.event, name text, price numeric, currency text, quota integer, sort_order integer) FROM PUBLIC;


--
-- Name: TABLE payment; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.payment TO aquastream_member;


--
-- Name: TABLE refund; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.refund TO aquastream_member;


--
-- Name: FUNCTION issue_refund(p app_public.payment, amount numeric, reason text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.issue_refund(p app_public.payment, amount numeric, reason text) FROM PUBLIC;


--
-- Name: TABLE ticket; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.ticket TO aquastream_member;


--
-- Name: FUNCTION issue_tickets(booking app_public.booking, first_version integer); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.issue_tickets(booking app_public.booking, first_version integer) FROM PUBLIC;


--
-- Name: FUNCTION jsonb_changes(old_value jsonb, new_value jsonb); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.jsonb_changes(old_value jsonb, new_value jsonb) FROM PUBLIC;


--
-- Name: FUNCTION jsonb_replace_id(doc jsonb, old_id uuid, new_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.jsonb_replace_id(doc jsonb, old_id uuid, new_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION latitude_band(latitude double precision, radius_km double precision); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.latitude_band(latitude double precision, radius_km double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.latitude_band(latitude double precision, radius_km double precision) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.latitude_band(latitude double precision, radius_km double precision) TO aquastream_member;


--
-- Name: FUNCTION login_roles(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.login_roles() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.login_roles() TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.login_roles() TO aquastream_member;


--
-- Name: FUNCTION login_user_id(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.login_user_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.login_user_id() TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.login_user_id() TO aquastream_member;


--
-- Name: FUNCTION new_ticket_code(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.new_ticket_code() FROM PUBLIC;


--
-- Name: FUNCTION normalize_ticket_code(code text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.normalize_ticket_code(code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.normalize_ticket_code(code text) TO aquastream_member;


--
-- Name: FUNCTION offer_freed_seats(event_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.offer_freed_seats(event_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION payment_data(p app_public.payment); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.payment_data(p app_public.payment) FROM PUBLIC;


--
-- Name: FUNCTION payment_url_base(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.payment_url_base() FROM PUBLIC;


--
-- Name: FUNCTION price_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.price_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) FROM PUBLIC;


--
-- Name: FUNCTION price_tier_data(t app_public.event_price_tier); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.price_tier_data(t app_public.event_price_tier) FROM PUBLIC;


--
-- Name: TABLE promo_code; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.promo_code TO aquastream_member;


--
-- Name: FUNCTION promo_code_data(p app_public.promo_code); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.promo_code_data(p app_public.promo_code) FROM PUBLIC;


--
-- Name: FUNCTION prune_outbox(retention interval); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.prune_outbox(retention interval) FROM PUBLIC;


--
-- Name: FUNCTION record_change(aggregate_type text, aggregate_id uuid, event_type text, action text, table_name text, data jsonb, row_id text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.record_change(aggregate_type text, aggregate_id uuid, event_type text, action text, table_name text, data jsonb, row_id text) FROM PUBLIC;


--
-- Name: FUNCTION record_crew_assigned(event_id uuid, crew_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.record_crew_assigned(event_id uuid, crew_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) FROM PUBLIC;


--
-- Name: FUNCTION record_crew_assignment_failed(event_id uuid, error text, attempts integer); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.record_crew_assignment_failed(event_id uuid, error text, attempts integer) FROM PUBLIC;


--
-- Name: FUNCTION record_crew_released(assignment_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.record_crew_released(assignment_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION reduce_ended_bookings(ended_before timestamp with time zone); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.reduce_ended_bookings(ended_before timestamp with time zone) FROM PUBLIC;


--
-- Name: FUNCTION refund_data(r app_public.refund); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.refund_data(r app_public.refund) FROM PUBLIC;


--
-- Name: TABLE review; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.review TO aquastream_anonymous;
GRANT SELECT ON TABLE app_public.review TO aquastream_member;


--
-- Name: FUNCTION review_data(r app_public.review); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.review_data(r app_public.review) FROM PUBLIC;


--
-- Name: FUNCTION review_is_visible(r app_public.review); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.review_is_visible(r app_public.review) FROM PUBLIC;


--
-- Name: FUNCTION review_moderation_on(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.review_moderation_on() FROM PUBLIC;


--
-- Name: TABLE review_reply; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.review_reply TO aquastream_anonymous;
GRANT SELECT ON TABLE app_public.review_reply TO aquastream_member;


--
-- Name: FUNCTION review_reply_data(r app_public.review_reply); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.review_reply_data(r app_public.review_reply) FROM PUBLIC;


--
-- Name: FUNCTION schedule_next_expiry(min_delay interval); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.schedule_next_expiry(min_delay interval) FROM PUBLIC;


--
-- Name: FUNCTION schedule_next_offer_expiry(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.schedule_next_offer_expiry() FROM PUBLIC;


--
-- Name: FUNCTION search_query(query text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.search_query(query text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.search_query(query text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.search_query(query text) TO aquastream_member;


--
-- Name: FUNCTION search_text(value text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.search_text(value text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.search_text(value text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.search_text(value text) TO aquastream_member;


--
-- Name: FUNCTION search_typo_text(query text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.search_typo_text(query text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.search_typo_text(query text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.search_typo_text(query text) TO aquastream_member;


--
-- Name: FUNCTION setting_int(key text, fallback integer); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.setting_int(key text, fallback integer) FROM PUBLIC;


--
-- Name: FUNCTION text_violation(value text, multiline boolean); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.text_violation(value text, multiline boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.text_violation(value text, multiline boolean) TO aquastream_member;


--
-- Name: FUNCTION ticket_for_staff(code text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.ticket_for_staff(code text) FROM PUBLIC;


--
-- Name: FUNCTION unaccent(value text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.unaccent(value text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.unaccent(value text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.unaccent(value text) TO aquastream_member;


--
-- Name: FUNCTION unlock_dead_workers(grace interval); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.unlock_dead_workers(grace interval) FROM PUBLIC;


--
-- Name: FUNCTION uuid_part(id uuid, part integer); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.uuid_part(id uuid, part integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.uuid_part(id uuid, part integer) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.uuid_part(id uuid, part integer) TO aquastream_member;


--
-- Name: FUNCTION void_tickets(booking_id uuid, reason app_public.ticket_void_reason); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.void_tickets(booking_id uuid, reason app_public.ticket_void_reason) FROM PUBLIC;


--
-- Name: FUNCTION waitlist_entry_data(w app_public.waitlist_entry); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.waitlist_entry_data(w app_public.waitlist_entry) FROM PUBLIC;


--
-- Name: FUNCTION waitlist_events_to_offer(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.waitlist_events_to_offer() FROM PUBLIC;


--
-- Name: FUNCTION waitlist_offer_hold(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.waitlist_offer_hold() FROM PUBLIC;


--
-- Name: FUNCTION waitlisted_event_ids(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.waitlisted_event_ids() FROM PUBLIC;


--
-- Name: FUNCTION within_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision, radius_km double precision); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.within_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision, radius_km double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.within_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision, radius_km double precision) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.within_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision, radius_km double precision) TO aquastream_member;


--
-- Name: FUNCTION add_event_rating(event_id uuid, rating integer, delta integer); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.add_event_rating(event_id uuid, rating integer, delta integer) FROM PUBLIC;


--
-- Name: FUNCTION applied_migrations(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.applied_migrations() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.applied_migrations() TO aquastream_authenticator;


--
-- Name: FUNCTION refresh_event_price(event_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.refresh_event_price(event_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION refresh_event_rating(event_id uuid); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.refresh_event_rating(event_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION take_mutation_points(p_key text, p_points integer, p_limit integer, p_window_ms integer); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.take_mutation_points(p_key text, p_points integer, p_limit integer, p_window_ms integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.take_mutation_points(p_key text, p_points integer, p_limit integer, p_window_ms integer) TO aquastream_authenticator;


--
-- Name: FUNCTION tg__set_updated_at(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg__set_updated_at() FROM PUBLIC;


--
-- Name: FUNCTION tg_booking__status_transition(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_booking__status_transition() FROM PUBLIC;


--
-- Name: FUNCTION tg_booking__tickets(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_booking__tickets() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__check_tier_quota(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__check_tier_quota() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__crew_new_period(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__crew_new_period() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__end_waitlist(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__end_waitlist() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__enqueue_crew_jobs(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__enqueue_crew_jobs() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__freeze_finished(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__freeze_finished() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__stats(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__stats() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__status_transition(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__status_transition() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__sync_seat_counter(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__sync_seat_counter() FROM PUBLIC;


--
-- Name: FUNCTION tg_event_price_tier__check_event(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event_price_tier__check_event() FROM PUBLIC;


--
-- Name: FUNCTION tg_event_price_tier__check_removal(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event_price_tier__check_removal() FROM PUBLIC;


--
-- Name: FUNCTION tg_event_price_tier__stats(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event_price_tier__stats() FROM PUBLIC;


--
-- Name: FUNCTION tg_event_price_tier__sync_seat_counter(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event_price_tier__sync_seat_counter() FROM PUBLIC;


--
-- Name: FUNCTION tg_payment__status_transition(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_payment__status_transition() FROM PUBLIC;


--
-- Name: FUNCTION tg_refund__check_total(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_refund__check_total() FROM PUBLIC;


--
-- Name: FUNCTION tg_review__stats(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_review__stats() FROM PUBLIC;


--
-- Name: FUNCTION tg_review_helpful_vote__count(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_review_helpful_vote__count() FROM PUBLIC;


--
-- Name: FUNCTION tg_review_helpful_vote__not_author(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_review_helpful_vote__not_author() FROM PUBLIC;


--
-- Name: FUNCTION tg_seat_counter__offer_freed_seats(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_seat_counter__offer_freed_seats() FROM PUBLIC;


--
-- Name: FUNCTION tg_ticket__metric_fact(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_ticket__metric_fact() FROM PUBLIC;


--
-- Name: FUNCTION ticket_metrics(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.ticket_metrics() FROM PUBLIC;


--
-- Name: FUNCTION accept_offer(id uuid, price_tier_id uuid, promo_code text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.accept_offer(id uuid, price_tier_id uuid, promo_code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.accept_offer(id uuid, price_tier_id uuid, promo_code text) TO aquastream_member;


--
-- Name: TABLE favorite; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.favorite TO aquastream_member;


--
-- Name: FUNCTION add_favorite(event_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.add_favorite(event_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.add_favorite(event_id uuid) TO aquastream_member;


--
-- Name: FUNCTION add_price_tier(event_id uuid, name text, price numeric, currency text, quota integer); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.add_price_tier(event_id uuid, name text, price numeric, currency text, quota integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.add_price_tier(event_id uuid, name text, price numeric, currency text, quota integer) TO aquastream_member;


--
-- Name: FUNCTION assign_crew_manually(id uuid, crew_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.assign_crew_manually(id uuid, crew_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.assign_crew_manually(id uuid, crew_id uuid) TO aquastream_member;


--
-- Name: FUNCTION cancel_booking(id uuid, reason text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.cancel_booking(id uuid, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.cancel_booking(id uuid, reason text) TO aquastream_member;


--
-- Name: FUNCTION cancel_event(id uuid, reason text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.cancel_event(id uuid, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.cancel_event(id uuid, reason text) TO aquastream_member;


--
-- Name: FUNCTION check_in_batch(scans app_public.ticket_scan_input[]); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.check_in_batch(scans app_public.ticket_scan_input[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.check_in_batch(scans app_public.ticket_scan_input[]) TO aquastream_member;


--
-- Name: FUNCTION check_in_ticket(code text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.check_in_ticket(code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.check_in_ticket(code text) TO aquastream_member;


--
-- Name: FUNCTION confirm_payment(gateway_reference text, payment_id uuid, amount numeric); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.confirm_payment(gateway_reference text, payment_id uuid, amount numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.confirm_payment(gateway_reference text, payment_id uuid, amount numeric) TO aquastream_member;


--
-- Name: FUNCTION create_admin_review(event_id uuid, rating integer, content text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.create_admin_review(event_id uuid, rating integer, content text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_admin_review(event_id uuid, rating integer, content text) TO aquastream_member;


--
-- Name: FUNCTION create_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.create_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) TO aquastream_member;


--
-- Name: FUNCTION create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean, price_tiers app_public.price_tier_input[], time_zone text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean, price_tiers app_public.price_tier_input[], time_zone text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean, price_tiers app_public.price_tier_input[], time_zone text) TO aquastream_member;


--
-- Name: FUNCTION create_promo_code(code text, event_id uuid, percent_off integer, amount_off numeric, currency text, valid_from timestamp with time zone, valid_until timestamp with time zone, max_uses integer); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.create_promo_code(code text, event_id uuid, percent_off integer, amount_off numeric, currency text, valid_from timestamp with time zone, valid_until timestamp with time zone, max_uses integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_promo_code(code text, event_id uuid, percent_off integer, amount_off numeric, currency text, valid_from timestamp with time zone, valid_until timestamp with time zone, max_uses integer) TO aquastream_member;


--
-- Name: FUNCTION create_review(event_id uuid, rating integer, content text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.create_review(event_id uuid, rating integer, content text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_review(event_id uuid, rating integer, content text) TO aquastream_member;


--
-- Name: FUNCTION current_user_id(); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.current_user_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_user_id() TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.current_user_id() TO aquastream_member;


--
-- Name: FUNCTION current_user_roles(); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.current_user_roles() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_user_roles() TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.current_user_roles() TO aquastream_member;


--
-- Name: FUNCTION deactivate_promo_code(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.deactivate_promo_code(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.deactivate_promo_code(id uuid) TO aquastream_member;


--
-- Name: FUNCTION decline_offer(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.decline_offer(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.decline_offer(id uuid) TO aquastream_member;


--
-- Name: FUNCTION delete_review(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.delete_review(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.delete_review(id uuid) TO aquastream_member;


--
-- Name: FUNCTION delete_review_reply(review_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.delete_review_reply(review_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.delete_review_reply(review_id uuid) TO aquastream_member;


--
-- Name: FUNCTION erase_user_data(user_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.erase_user_data(user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.erase_user_data(user_id uuid) TO aquastream_member;


--
-- Name: FUNCTION event_checked_in_count(e app_public.event); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.event_checked_in_count(e app_public.event) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.event_checked_in_count(e app_public.event) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.event_checked_in_count(e app_public.event) TO aquastream_member;


--
-- Name: FUNCTION event_distance_km(e app_public.event, latitude double precision, longitude double precision); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.event_distance_km(e app_public.event, latitude double precision, longitude double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.event_distance_km(e app_public.event, latitude double precision, longitude double precision) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.event_distance_km(e app_public.event, latitude double precision, longitude double precision) TO aquastream_member;


--
-- Name: FUNCTION event_is_favorite(e app_public.event); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.event_is_favorite(e app_public.event) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.event_is_favorite(e app_public.event) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.event_is_favorite(e app_public.event) TO aquastream_member;


--
-- Name: FUNCTION event_min_price(e app_public.event); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.event_min_price(e app_public.event) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.event_min_price(e app_public.event) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.event_min_price(e app_public.event) TO aquastream_member;


--
-- Name: FUNCTION event_my_booking(e app_public.event); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.event_my_booking(e app_public.event) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.event_my_booking(e app_public.event) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.event_my_booking(e app_public.event) TO aquastream_member;


--
-- Name: FUNCTION event_my_review(e app_public.event); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.event_my_review(e app_public.event) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.event_my_review(e app_public.event) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.event_my_review(e app_public.event) TO aquastream_member;


--
-- Name: FUNCTION event_price_tier_seats_available(t app_public.event_price_tier); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.event_price_tier_seats_available(t app_public.event_price_tier) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.event_price_tier_seats_available(t app_public.event_price_tier) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.event_price_tier_seats_available(t app_public.event_price_tier) TO aquastream_member;


--
-- Name: FUNCTION event_price_tier_seats_taken(t app_public.event_price_tier); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.event_price_tier_seats_taken(t app_public.event_price_tier) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.event_price_tier_seats_taken(t app_public.event_price_tier) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.event_price_tier_seats_taken(t app_public.event_price_tier) TO aquastream_member;


--
-- Name: FUNCTION event_rating_summary(e app_public.event); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.event_rating_summary(e app_public.event) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.event_rating_summary(e app_public.event) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.event_rating_summary(e app_public.event) TO aquastream_member;


--
-- Name: FUNCTION event_seats_available(e app_public.event); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.event_seats_available(e app_public.event) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.event_seats_available(e app_public.event) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.event_seats_available(e app_public.event) TO aquastream_member;


--
-- Name: FUNCTION event_seats_taken(e app_public.event); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.event_seats_taken(e app_public.event) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.event_seats_taken(e app_public.event) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.event_seats_taken(e app_public.event) TO aquastream_member;


--
-- Name: FUNCTION event_tickets_valid(e app_public.event); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.event_tickets_valid(e app_public.event) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.event_tickets_valid(e app_public.event) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.event_tickets_valid(e app_public.event) TO aquastream_member;


--
-- Name: FUNCTION export_user_data(user_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.export_user_data(user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.export_user_data(user_id uuid) TO aquastream_member;


--
-- Name: FUNCTION fail_payment(payment_id uuid, reason text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.fail_payment(payment_id uuid, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.fail_payment(payment_id uuid, reason text) TO aquastream_member;


--
-- Name: FUNCTION has_role(role text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.has_role(role text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.has_role(role text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.has_role(role text) TO aquastream_member;


--
-- Name: FUNCTION initiate_payment(booking_id uuid, method app_public.payment_method); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.initiate_payment(booking_id uuid, method app_public.payment_method) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.initiate_payment(booking_id uuid, method app_public.payment_method) TO aquastream_member;


--
-- Name: FUNCTION join_waitlist(event_id uuid, seats_wanted integer, price_tier_id uuid, accepts_fewer boolean); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.join_waitlist(event_id uuid, seats_wanted integer, price_tier_id uuid, accepts_fewer boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.join_waitlist(event_id uuid, seats_wanted integer, price_tier_id uuid, accepts_fewer boolean) TO aquastream_member;


--
-- Name: FUNCTION leave_waitlist(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.leave_waitlist(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.leave_waitlist(id uuid) TO aquastream_member;


--
-- Name: FUNCTION mark_review_helpful(review_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.mark_review_helpful(review_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.mark_review_helpful(review_id uuid) TO aquastream_member;


--
-- Name: FUNCTION moderate_review(id uuid, status app_public.review_status, note text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.moderate_review(id uuid, status app_public.review_status, note text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.moderate_review(id uuid, status app_public.review_status, note text) TO aquastream_member;


--
-- Name: FUNCTION moderate_review_reply(review_id uuid, status app_public.review_status, note text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.moderate_review_reply(review_id uuid, status app_public.review_status, note text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.moderate_review_reply(review_id uuid, status app_public.review_status, note text) TO aquastream_member;


--
-- Name: FUNCTION my_favorite_events(); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.my_favorite_events() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.my_favorite_events() TO aquastream_member;


--
-- Name: FUNCTION pause_waitlist_offers(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.pause_waitlist_offers(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.pause_waitlist_offers(id uuid) TO aquastream_member;


--
-- Name: FUNCTION promo_code_uses_left(p app_public.promo_code); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.promo_code_uses_left(p app_public.promo_code) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.promo_code_uses_left(p app_public.promo_code) TO aquastream_member;


--
-- Name: FUNCTION publish_event(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.publish_event(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.publish_event(id uuid) TO aquastream_member;


--
-- Name: FUNCTION quote_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.quote_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.quote_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) TO aquastream_member;


--
-- Name: FUNCTION refund_payment(payment_id uuid, reason text, amount numeric); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.refund_payment(payment_id uuid, reason text, amount numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.refund_payment(payment_id uuid, reason text, amount numeric) TO aquastream_member;


--
-- Name: FUNCTION reissue_tickets(booking_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.reissue_tickets(booking_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.reissue_tickets(booking_id uuid) TO aquastream_member;


--
-- Name: FUNCTION remove_favorite(event_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.remove_favorite(event_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.remove_favorite(event_id uuid) TO aquastream_member;


--
-- Name: FUNCTION remove_price_tier(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.remove_price_tier(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.remove_price_tier(id uuid) TO aquastream_member;


--
-- Name: FUNCTION reply_to_review(review_id uuid, content text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.reply_to_review(review_id uuid, content text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.reply_to_review(review_id uuid, content text) TO aquastream_member;


--
-- Name: FUNCTION resume_waitlist_offers(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.resume_waitlist_offers(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.resume_waitlist_offers(id uuid) TO aquastream_member;


--
-- Name: FUNCTION retry_crew_assignment(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.retry_crew_assignment(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.retry_crew_assignment(id uuid) TO aquastream_member;


--
-- Name: FUNCTION review_is_marked_helpful(r app_public.review); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.review_is_marked_helpful(r app_public.review) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.review_is_marked_helpful(r app_public.review) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.review_is_marked_helpful(r app_public.review) TO aquastream_member;


--
-- Name: FUNCTION search_events(query text, category text, statuses app_public.event_status[], starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, only_available boolean, organizer_id uuid, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.search_events(query text, category text, statuses app_public.event_status[], starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, only_available boolean, organizer_id uuid, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.search_events(query text, category text, statuses app_public.event_status[], starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, only_available boolean, organizer_id uuid, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.search_events(query text, category text, statuses app_public.event_status[], starts_from timestamp with time zone, starts_to timestamp with time zone, date_from date, date_to date, min_price numeric, max_price numeric, only_available boolean, organizer_id uuid, near_latitude double precision, near_longitude double precision, radius_km double precision, sort app_public.event_sort, after_event_id uuid) TO aquastream_member;


--
-- Name: FUNCTION search_reviews(event_id uuid, status app_public.review_status, sort app_public.review_sort, only_mine boolean); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.search_reviews(event_id uuid, status app_public.review_status, sort app_public.review_sort, only_mine boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.search_reviews(event_id uuid, status app_public.review_status, sort app_public.review_sort, only_mine boolean) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.search_reviews(event_id uuid, status app_public.review_status, sort app_public.review_sort, only_mine boolean) TO aquastream_member;


--
-- Name: FUNCTION set_event_max_seats_per_booking(id uuid, max_seats_per_booking integer); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.set_event_max_seats_per_booking(id uuid, max_seats_per_booking integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.set_event_max_seats_per_booking(id uuid, max_seats_per_booking integer) TO aquastream_member;


--
-- Name: FUNCTION set_event_time_zone(id uuid, time_zone text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.set_event_time_zone(id uuid, time_zone text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.set_event_time_zone(id uuid, time_zone text) TO aquastream_member;


--
-- Name: FUNCTION set_waitlist_policy(id uuid, policy app_public.waitlist_policy); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.set_waitlist_policy(id uuid, policy app_public.waitlist_policy) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.set_waitlist_policy(id uuid, policy app_public.waitlist_policy) TO aquastream_member;


--
-- Name: FUNCTION undo_check_in(code text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.undo_check_in(code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.undo_check_in(code text) TO aquastream_member;


--
-- Name: FUNCTION unmark_review_helpful(review_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.unmark_review_helpful(review_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.unmark_review_helpful(review_id uuid) TO aquastream_member;


--
-- Name: FUNCTION update_event(id uuid, title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.update_event(id uuid, title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.update_event(id uuid, title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean) TO aquastream_member;


--
-- Name: FUNCTION update_price_tier(id uuid, name text, price numeric, quota integer, remove_quota boolean); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.update_price_tier(id uuid, name text, price numeric, quota integer, remove_quota boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.update_price_tier(id uuid, name text, price numeric, quota integer, remove_quota boolean) TO aquastream_member;


--
-- Name: FUNCTION update_review(id uuid, rating integer, content text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.update_review(id uuid, rating integer, content text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.update_review(id uuid, rating integer, content text) TO aquastream_member;


--
-- Name: TABLE booking_daily; Type: ACL; Schema: app_analytics; Owner: -
--

GRANT SELECT ON TABLE app_analytics.booking_daily TO aquastream_analyst;


--
-- Name: TABLE conversion_daily; Type: ACL; Schema: app_analytics; Owner: -
--

GRANT SELECT ON TABLE app_analytics.conversion_daily TO aquastream_analyst;


--
-- Name: TABLE event_occupancy; Type: ACL; Schema: app_analytics; Owner: -
--

GRANT SELECT ON TABLE app_analytics.event_occupancy TO aquastream_analyst;


--
-- Name: TABLE refund_daily; Type: ACL; Schema: app_analytics; Owner: -
--

GRANT SELECT ON TABLE app_analytics.refund_daily TO aquastream_analyst;


--
-- Name: TABLE revenue_daily; Type: ACL; Schema: app_analytics; Owner: -
--

GRANT SELECT ON TABLE app_analytics.revenue_daily TO aquastream_analyst;


--
-- Name: TABLE event_stats; Type: ACL; Schema: app_hidden; Owner: -
--

GRANT SELECT ON TABLE app_hidden.event_stats TO aquastream_anonymous;
GRANT SELECT ON TABLE app_hidden.event_stats TO aquastream_member;


--
-- Name: TABLE rate_limit_counter; Type: ACL; Schema: app_private; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE app_private.rate_limit_counter TO aquastream_authenticator;


--
-- Name: TABLE review_helpful_vote; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.review_helpful_vote TO aquastream_member;


--
-- Name: TABLE event_seat_counter; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.event_seat_counter TO aquastream_anonymous;
GRANT SELECT ON TABLE app_public.event_seat_counter TO aquastream_member;


--
-- Name: TABLE price_tier_seat_counter; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.price_tier_seat_counter TO aquastream_anonymous;
GRANT SELECT ON TABLE app_public.price_tier_seat_counter TO aquastream_member;


--
-- Name: TABLE event_category; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.event_category TO aquastream_anonymous;
GRANT SELECT ON TABLE app_public.event_category TO aquastream_member;


--
-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: -; Owner: -
--

ALTER DEFAULT PRIVILEGES FOR ROLE postgres REVOKE ALL ON FUNCTIONS  FROM PUBLIC;


--
-- PostgreSQL database dump complete
--


