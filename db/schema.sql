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
-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;


--
-- Name: EXTENSION pgcrypto; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';


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
    seats_taken integer DEFAULT 0 NOT NULL,
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
    search_vector tsvector GENERATED ALWAYS AS (((setweight(to_tsvector('simple'::regconfig, title), 'A'::"char") || setweight(to_tsvector('simple'::regconfig, location_name), 'B'::"char")) || setweight(to_tsvector('simple'::regconfig, COALESCE(description, ''::text)), 'C'::"char"))) STORED NOT NULL,
    max_seats_per_booking integer,
    CONSTRAINT event_booking_deadline_hours_check CHECK (((booking_deadline_hours >= 0) AND (booking_deadline_hours <= 8760))),
    CONSTRAINT event_cancel_reason_check CHECK (((char_length(cancel_reason) >= 3) AND (char_length(cancel_reason) <= 1000))),
    CONSTRAINT event_canceled_at_check CHECK ((((status = 'canceled'::app_public.event_status) = (canceled_at IS NOT NULL)) AND ((status = 'canceled'::app_public.event_status) = (cancel_reason IS NOT NULL)))),
    CONSTRAINT event_capacity_check CHECK (((capacity >= 1) AND (capacity <= 100000))),
    CONSTRAINT event_crew_id_check CHECK (((crew_id IS NOT NULL) = (crew_status = 'assigned'::app_public.crew_status))),
    CONSTRAINT event_crew_status_check CHECK ((crew_required = (crew_status <> 'not_required'::app_public.crew_status))),
    CONSTRAINT event_description_check CHECK (((char_length(description) >= 1) AND (char_length(description) <= 10000))),
    CONSTRAINT event_ends_at_check CHECK ((ends_at > starts_at)),
    CONSTRAINT event_ends_at_duration_check CHECK (((ends_at - starts_at) <= '30 days'::interval)),
    CONSTRAINT event_latitude_check CHECK (((latitude >= ('-90'::integer)::double precision) AND (latitude <= (90)::double precision))),
    CONSTRAINT event_latitude_longitude_check CHECK (((latitude IS NULL) = (longitude IS NULL))),
    CONSTRAINT event_location_name_check CHECK ((((char_length(location_name) >= 1) AND (char_length(location_name) <= 200)) AND (location_name !~ '^\s|\s$'::text))),
    CONSTRAINT event_longitude_check CHECK (((longitude >= ('-180'::integer)::double precision) AND (longitude <= (180)::double precision))),
    CONSTRAINT event_max_seats_per_booking_check CHECK (((max_seats_per_booking >= 1) AND (max_seats_per_booking <= 20))),
    CONSTRAINT event_published_at_check CHECK (((status <> ALL (ARRAY['published'::app_public.event_status, 'completed'::app_public.event_status])) OR (published_at IS NOT NULL))),
    CONSTRAINT event_seats_taken_check CHECK (((seats_taken >= 0) AND (seats_taken <= capacity))),
    CONSTRAINT event_title_check CHECK ((((char_length(title) >= 3) AND (char_length(title) <= 200)) AND (title !~ '^\s|\s$'::text)))
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
-- Name: COLUMN event.seats_taken; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.seats_taken IS 'Seats held by pending and confirmed bookings; never above capacity.';


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
-- Name: COLUMN event.search_vector; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.search_vector IS '@behavior -*
Full-text index of title (A), location (B) and description (C); used by search_events.';


--
-- Name: COLUMN event.max_seats_per_booking; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event.max_seats_per_booking IS 'Most seats one booking may take; null: the operators'' default (setting booking_max_seats_default, 10).';


--
-- Name: assert_booking_limits(app_public.event, uuid, integer); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.assert_booking_limits(e app_public.event, user_id uuid, quantity integer) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
declare
  v_max_seats integer := coalesce(e.max_seats_per_booking, app_hidden.setting_int('booking_max_seats_default', 10));
  v_max_pending integer := app_hidden.setting_int('booking_max_pending_per_user', 5);
  v_max_pending_organizer integer := app_hidden.setting_int('booking_max_pending_per_organizer', 3);
  v_cooldown_after integer := app_hidden.setting_int('booking_cooldown_after', 3);
  v_window interval := make_interval(mins => app_hidden.setting_int('booking_cooldown_window_minutes', 60));
  v_cooldown interval := make_interval(mins => app_hidden.setting_int('booking_cooldown_minutes', 30));
  v_pending integer;
  v_recent integer;
  v_last_end timestamptz;
begin
  if assert_booking_limits.quantity > v_max_seats then
    raise exception 'at most % seat(s) per booking for this event', v_max_seats
      using errcode = 'BKMAX', column = 'quantity', hint = 'Book fewer seats.';
  end if;

  -- Book, cancel, book again: counted per event, only what the user ended
  -- (canceled themselves) or let lapse; an organizer's cancellation does not count.
  if v_cooldown > interval '0' then
    select count(*), max(coalesce(b.canceled_at, b.expired_at)) into v_recent, v_last_end
    from app_public.booking b
    where b.event_id = e.id and b.user_id = assert_booking_limits.user_id
      and ((b.status = 'canceled' and b.canceled_by = assert_booking_limits.user_id and b.canceled_at > now() - v_window)
        or (b.status = 'expired' and b.expired_at > now() - v_window));
    if v_recent >= v_cooldown_after and v_last_end + v_cooldown > now() then
      raise exception 'you canceled or let lapse % bookings of this event lately: you can book it again from %',
        v_recent, v_last_end + v_cooldown
        using errcode = 'BKCDN', hint = 'Wait for the cool-down to end.';
    end if;
  end if;

  -- Unpaid holds: those past their payment deadline are about to expire and do not count.
  select count(*) into v_pending
  from app_public.booking b
  where b.user_id = assert_booking_limits.user_id and b.status = 'pending_payment' and b.payment_deadline > now();
  if v_pending >= v_max_pending then
    raise exception 'you already hold % unpaid booking(s), the most allowed at once', v_pending
      using errcode = 'BKPEN', hint = 'Pay or cancel one of them first.';
  end if;
  select count(*) into v_pending
  from app_public.booking b
  join app_public.event pe on pe.id = b.event_id
  where b.user_id = assert_booking_limits.user_id and b.status = 'pending_payment' and b.payment_deadline > now()
    and pe.organizer_id = e.organizer_id;
  if v_pending >= v_max_pending_organizer then
    raise exception 'you already hold % unpaid booking(s) for this organizer''s events, the most allowed at once', v_pending
      using errcode = 'BKPOR', hint = 'Pay or cancel one of them first.';
  end if;
end;
$$;


--
-- Name: FUNCTION assert_booking_limits(e app_public.event, user_id uuid, quantity integer); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.assert_booking_limits(e app_public.event, user_id uuid, quantity integer) IS 'The anti-hoarding rules of a new booking, from app_private.setting: BKMAX (seats per booking), BKCDN (cool-down after repeated cancel/lapse on the event), BKPEN (unpaid bookings overall), BKPOR (unpaid bookings for the organizer''s events). Reads only; create_booking serializes a user''s bookings first so the counts hold under concurrency.';


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
-- Name: booking; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.booking (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
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
    LANGUAGE sql STABLE
    AS $$
  select make_interval(mins => coalesce(
    (select s.value::integer from app_private.setting s where s.key = 'booking_hold_minutes'),
    30
  ));
$$;


--
-- Name: FUNCTION booking_hold(); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.booking_hold() IS 'How long a new booking holds its seats for payment: setting booking_hold_minutes (default 30 minutes).';


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
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
  -- Haversine great-circle distance on a sphere of radius 6371 km (no PostGIS needed;
  -- error below 0.5 % is fine for "events near me").
  select 2 * 6371.0 * asin(least(1.0, sqrt(
    power(sin(radians(latitude2 - latitude1) / 2), 2)
    + cos(radians(latitude1)) * cos(radians(latitude2)) * power(sin(radians(longitude2 - longitude1) / 2), 2)
  )));
$$;


--
-- Name: FUNCTION distance_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.distance_km(latitude1 double precision, longitude1 double precision, latitude2 double precision, longitude2 double precision) IS 'Great-circle (haversine) distance in kilometres between two points given in degrees.';


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
  update app_public.event e set seats_taken = e.seats_taken - b.quantity where e.id = b.event_id;
  update app_public.event_price_tier t set seats_taken = t.seats_taken - b.quantity where t.id = b.price_tier_id;
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

COMMENT ON FUNCTION app_hidden.end_booking(b app_public.booking, new_status app_public.booking_status, reason text) IS 'Cancels or expires a locked live booking: frees its seats (event and tier), gives its promo use back, announces BookingCanceled/BookingExpired, refunds the paid remainder when canceled. Owner only.';


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
    'capacity', e.capacity,
    'seatsTaken', e.seats_taken,
    'bookingDeadlineHours', e.booking_deadline_hours,
    'status', e.status,
    'crewRequired', e.crew_required,
    'crewId', e.crew_id,
    'crewStatus', e.crew_status,
    'publishedAt', e.published_at,
    'canceledAt', e.canceled_at,
    'canceledBy', e.canceled_by,
    'cancelReason', e.cancel_reason
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
-- Name: expire_overdue_bookings(integer); Type: FUNCTION; Schema: app_hidden; Owner: -
--

CREATE FUNCTION app_hidden.expire_overdue_bookings(batch integer DEFAULT 100) RETURNS integer
    LANGUAGE plpgsql
    AS $$
declare
  v_candidate record;
  v_booking app_public.booking;
  v_count integer := 0;
begin
  -- Candidates ordered by event so that concurrent runs lock events in one
  -- order; each event is locked before its bookings (lock order event →
  -- booking), bookings with skip locked: a booking that another run, or a
  -- payment confirmation, holds right now is left to them.
  for v_candidate in
    select b.id, b.event_id
    from app_public.booking b
    where b.status = 'pending_payment' and b.payment_deadline <= now()
    order by b.event_id, b.payment_deadline, b.id
    limit greatest(coalesce(expire_overdue_bookings.batch, 100), 1)
  loop
    perform from app_public.event e where e.id = v_candidate.event_id for no key update;
    select * into v_booking from app_public.booking b
    where b.id = v_candidate.id and b.status = 'pending_payment' and b.payment_deadline <= now()
    for update skip locked;
    continue when not found;
    perform app_hidden.end_booking(v_booking, 'expired', null);
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;


--
-- Name: FUNCTION expire_overdue_bookings(batch integer); Type: COMMENT; Schema: app_hidden; Owner: -
--

COMMENT ON FUNCTION app_hidden.expire_overdue_bookings(batch integer) IS 'Expires up to `batch` pending bookings whose payment deadline has passed (seats and promo uses given back, BookingExpired each); returns how many. Safe to run in several workers at once. Run by the worker''s cron as the owner.';


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
    seats_taken integer DEFAULT 0 NOT NULL,
    sort_order integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT event_price_tier_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT event_price_tier_name_check CHECK ((((char_length(name) >= 1) AND (char_length(name) <= 100)) AND (name !~ '^\s|\s$'::text))),
    CONSTRAINT event_price_tier_price_check CHECK ((price >= (0)::numeric)),
    CONSTRAINT event_price_tier_quota_check CHECK ((quota > 0)),
    CONSTRAINT event_price_tier_seats_taken_check CHECK (((seats_taken >= 0) AND ((quota IS NULL) OR (seats_taken <= quota))))
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
-- Name: COLUMN event_price_tier.seats_taken; Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON COLUMN app_public.event_price_tier.seats_taken IS 'Seats held in this tier by pending and confirmed bookings.';


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
    CONSTRAINT refund_reason_check CHECK (((char_length(reason) >= 3) AND (char_length(reason) <= 1000)))
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
  if not found or not exists (
    select from app_public.event e where e.id = v_tier.event_id and app_hidden.event_is_visible(e)
  ) then
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
  if v_event.seats_taken + price_booking.quantity > v_event.capacity then
    raise exception 'sold out: % seat(s) requested, % left', price_booking.quantity, v_event.capacity - v_event.seats_taken
      using errcode = 'BKFUL';
  end if;
  if v_tier.seats_taken + price_booking.quantity > v_tier.quota then
    raise exception 'price tier "%" is sold out: % seat(s) requested, % left', v_tier.name,
      price_booking.quantity, v_tier.quota - v_tier.seats_taken
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

COMMENT ON FUNCTION app_hidden.price_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) IS 'Checks every booking rule for the caller (including the anti-hoarding limits of assert_booking_limits) and computes the price (tier price × quantity − promo discount, never below zero) and the payment deadline. Writes nothing. Shared by quote_booking and create_booking.';


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
    'seatsTaken', t.seats_taken,
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
    CONSTRAINT review_helpful_count_check CHECK ((helpful_count >= 0)),
    CONSTRAINT review_moderated_at_check CHECK ((((moderated_at IS NULL) = (moderated_by IS NULL)) AND ((moderation_note IS NULL) OR (moderated_at IS NOT NULL)) AND ((status <> 'rejected'::app_public.review_status) OR (moderated_at IS NOT NULL)))),
    CONSTRAINT review_moderation_note_check CHECK (((char_length(moderation_note) >= 1) AND (char_length(moderation_note) <= 1000))),
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
begin
  select * into v_event from app_public.event e where e.id = old.event_id for no key update;
  if not found then
    return null; -- the event itself is being deleted (cascade)
  end if;
  if v_event.status in ('completed', 'canceled') then
    raise exception 'the price tiers of a % event can no longer be changed', v_event.status
      using errcode = '55000';
  end if;
  if old.seats_taken > 0 then
    raise exception 'price tier "%" has % seats taken and cannot be removed', old.name, old.seats_taken
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
-- Name: tg_outbox__enqueue_relay(); Type: FUNCTION; Schema: app_private; Owner: -
--

CREATE FUNCTION app_private.tg_outbox__enqueue_relay() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
begin
  -- A relay job already waiting (due now, or backing off while Kafka is
  -- down) will see these rows too: leave it alone, so a burst of inserts
  -- costs one indexed lookup each and an outage keeps its backoff (the
  -- minute sweep in tasks/crontab caps that backoff at a minute).
  if exists (
    select from graphile_worker.jobs j
    where j.key = 'relay_outbox' and j.locked_at is null and j.attempts < j.max_attempts
  ) then
    return null;
  end if;
  -- Otherwise one job for any number of inserts: job_key makes concurrent
  -- callers share one job. If the relay is running right now, graphile-worker
  -- adds a fresh job, so rows committed during a run are sent right after it;
  -- the named queue runs relay jobs one at a time across all workers.
  perform graphile_worker.add_job(
    'relay_outbox',
    queue_name := 'relay_outbox',
    job_key := 'relay_outbox',
    job_key_mode := 'preserve_run_at',
    run_at := now()
  );
  return null;
end;
$$;


--
-- Name: FUNCTION tg_outbox__enqueue_relay(); Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON FUNCTION app_private.tg_outbox__enqueue_relay() IS 'Trigger: after rows are inserted into the outbox, enqueues the relay_outbox job (one pending job however many rows) in the same transaction.';


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
begin
  -- Lock order: user (advisory) → event → tier → promo code → booking.
  -- 7301 namespaces the key ("a user's bookings") among advisory locks.
  perform pg_advisory_xact_lock(7301, hashtext(v_user_id::text));
  v_quote := app_hidden.price_booking(
    create_booking.event_id, create_booking.price_tier_id, create_booking.quantity, create_booking.promo_code
  );

  update app_public.event e
  set seats_taken = e.seats_taken + v_quote.quantity
  where e.id = v_quote.event_id
    and e.status = 'published'
    and e.seats_taken + v_quote.quantity <= e.capacity
    and now() < e.starts_at - make_interval(hours => e.booking_deadline_hours)
  returning * into v_event;
  if not found then
    -- Someone else got there first (this statement saw their commit): say what changed.
    select * into v_event from app_public.event e where e.id = v_quote.event_id;
    if v_event.status <> 'published' then
      raise exception 'bookings are closed: the event is %', v_event.status using errcode = '55000', column = 'status';
    elsif now() >= v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours) then
      raise exception 'bookings for this event closed at %', v_event.starts_at - make_interval(hours => v_event.booking_deadline_hours)
        using errcode = 'BKCLO';
    end if;
    raise exception 'sold out: % seat(s) requested, % left', v_quote.quantity, v_event.capacity - v_event.seats_taken
      using errcode = 'BKFUL';
  end if;

  update app_public.event_price_tier t
  set seats_taken = t.seats_taken + v_quote.quantity
  where t.id = v_quote.price_tier_id and (t.quota is null or t.seats_taken + v_quote.quantity <= t.quota);
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
  return v_booking;
end;
$$;


--
-- Name: FUNCTION create_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.create_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) IS 'Books seats of a price tier of a published event for the caller, optionally with a promo code. The booking holds its seats as pending_payment until payment_deadline (a booking with nothing to pay is confirmed at once). One live booking per user per event; organizers cannot book their own events; bookings close booking_deadline_hours before the start; the anti-hoarding limits of app_private.setting apply (docs/limits.md). Errors: 28000, P0002 (event or tier), BKOWN, BKQTY, BKMAX, BKTEV, CPUNK, 55000 (not published), BKCLO, BKDUP, BKCDN, BKPEN, BKPOR, BKFUL, BKTQF, CPINA, CPEXP, CPCUR, CPUSE.';


--
-- Name: create_event(text, text, text, text, double precision, double precision, timestamp with time zone, timestamp with time zone, integer, integer, boolean, app_public.price_tier_input[]); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer DEFAULT 0, crew_required boolean DEFAULT false, price_tiers app_public.price_tier_input[] DEFAULT '{}'::app_public.price_tier_input[]) RETURNS app_public.event
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

  insert into app_public.event (
    organizer_id, title, description, category, location_name, latitude, longitude,
    starts_at, ends_at, capacity, booking_deadline_hours, crew_required, crew_status
  ) values (
    v_event.organizer_id, v_event.title, v_event.description, v_event.category, v_event.location_name,
    v_event.latitude, v_event.longitude, v_event.starts_at, v_event.ends_at, v_event.capacity,
    v_event.booking_deadline_hours, v_event.crew_required,
    case when v_event.crew_required then 'pending' else 'not_required' end::app_public.crew_status
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
-- Name: FUNCTION create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean, price_tiers app_public.price_tier_input[]); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean, price_tiers app_public.price_tier_input[]) IS 'Creates a draft event organized by the caller (role organizer or admin), with its price tiers. Only its organizer and admins see it until publish_event. Errors: 28000, 42501, 22023 (argument named), EVDAT, EVDUR, EVPST, TRQTA, TRCUR, 23505 (duplicate tier name).';


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
  select nullif(pg_catalog.current_setting('jwt.claims.sub', true), '')::uuid;
$$;


--
-- Name: FUNCTION current_user_id(); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.current_user_id() IS 'The signed-in caller (the Keycloak `sub` of the JWT), or null for an anonymous caller.';


--
-- Name: current_user_roles(); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.current_user_roles() RETURNS text[]
    LANGUAGE sql STABLE
    AS $$
  select coalesce(
    pg_catalog.string_to_array(nullif(pg_catalog.current_setting('jwt.claims.roles', true), ''), ','),
    '{}'::text[]
  );
$$;


--
-- Name: FUNCTION current_user_roles(); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.current_user_roles() IS 'The caller''s realm roles (user, organizer, admin, payment-gateway) from the JWT; empty for an anonymous caller.';


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

COMMENT ON FUNCTION app_public.event_distance_km(e app_public.event, latitude double precision, longitude double precision) IS 'Distance in kilometres from the given point to the event''s meeting point; null when the event has no coordinates.';


--
-- Name: event_is_favorite(app_public.event); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_is_favorite(e app_public.event) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select exists (
    select from app_public.favorite f
    where f.event_id = e.id and f.user_id = app_public.current_user_id()
  );
$$;


--
-- Name: FUNCTION event_is_favorite(e app_public.event); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_is_favorite(e app_public.event) IS 'Whether the caller keeps this event in their favorites (false for anonymous callers).';


--
-- Name: event_my_booking(app_public.event); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_my_booking(e app_public.event) RETURNS app_public.booking
    LANGUAGE sql STABLE
    AS $$
  select b.* from app_public.booking b
  where b.event_id = e.id and b.user_id = app_public.current_user_id()
    and b.status in ('pending_payment', 'confirmed');
$$;


--
-- Name: FUNCTION event_my_booking(e app_public.event); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_my_booking(e app_public.event) IS 'The caller''s live booking of this event, if any.';


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
  select t.quota - t.seats_taken;
$$;


--
-- Name: FUNCTION event_price_tier_seats_available(t app_public.event_price_tier); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_price_tier_seats_available(t app_public.event_price_tier) IS 'Seats this tier may still sell under its own quota; null when the tier has no quota (the event''s free seats apply).';


--
-- Name: event_rating_summary(app_public.event); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.event_rating_summary(e app_public.event) RETURNS app_public.rating_summary
    LANGUAGE sql STABLE
    AS $$
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
  select greatest(e.capacity - e.seats_taken, 0);
$$;


--
-- Name: FUNCTION event_seats_available(e app_public.event); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.event_seats_available(e app_public.event) IS 'Seats still free (capacity minus seats taken).';


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
    join app_public.event e on e.id = f.event_id
    where f.user_id = app_public.current_user_id()
    order by f.created_at desc, e.id;
end;
$$;


--
-- Name: FUNCTION my_favorite_events(); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.my_favorite_events() IS 'The caller''s favorite events that they can still see, most recently added first. Errors: 28000.';


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
    AS $$
declare
  v_event_id uuid := (select t.event_id from app_public.event_price_tier t where t.id = remove_price_tier.id);
  v_event app_public.event;
  v_tier app_public.event_price_tier;
begin
  v_event := app_hidden.event_for_change(v_event_id, 'price tier not found');
  select * into v_tier from app_public.event_price_tier t where t.id = remove_price_tier.id for update;
  if not found then
    raise exception 'price tier not found' using errcode = 'P0002';
  end if;
  perform app_hidden.assert_event_editable(v_event);
  if v_tier.seats_taken > 0 then
    raise exception 'price tier "%" has % seats taken and cannot be removed', v_tier.name, v_tier.seats_taken
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
    LANGUAGE sql STABLE
    AS $$
  select exists (
    select from app_public.review_helpful_vote v
    where v.review_id = r.id and v.user_id = app_public.current_user_id()
  );
$$;


--
-- Name: FUNCTION review_is_marked_helpful(r app_public.review); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.review_is_marked_helpful(r app_public.review) IS 'Whether the caller has marked this review helpful (false for anonymous callers).';


--
-- Name: search_events(text, timestamp with time zone, timestamp with time zone, text, double precision, double precision, double precision, boolean); Type: FUNCTION; Schema: app_public; Owner: -
--

CREATE FUNCTION app_public.search_events(category text DEFAULT NULL::text, starts_from timestamp with time zone DEFAULT NULL::timestamp with time zone, starts_to timestamp with time zone DEFAULT NULL::timestamp with time zone, query text DEFAULT NULL::text, near_latitude double precision DEFAULT NULL::double precision, near_longitude double precision DEFAULT NULL::double precision, radius_km double precision DEFAULT NULL::double precision, only_available boolean DEFAULT false) RETURNS SETOF app_public.event
    LANGUAGE plpgsql STABLE
    AS $$
declare
  v_query text := app_hidden.clean_text(search_events.query);
  v_near boolean := coalesce(near_latitude, near_longitude, radius_km) is not null;
begin
  if char_length(v_query) > 200 then
    raise exception 'query must be at most 200 characters long' using errcode = '22023', column = 'query';
  end if;
  if starts_from > starts_to then
    raise exception 'starts_to must not be before starts_from' using errcode = 'EVDAT', column = 'starts_to';
  end if;
  if v_near then
    if near_latitude is null or near_longitude is null or radius_km is null then
      raise exception 'near_latitude, near_longitude and radius_km must be given together'
        using errcode = '22023', column = 'radius_km';
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
  end if;

  -- Visibility is RLS's business: this function runs as the caller.
  return query
    select e.*
    from app_public.event e
    where (search_events.category is null or e.category = search_events.category)
      and (search_events.starts_from is null or e.starts_at >= search_events.starts_from)
      and (search_events.starts_to is null or e.starts_at <= search_events.starts_to)
      and (v_query is null or e.search_vector @@ websearch_to_tsquery('simple'::regconfig, v_query))
      and (not v_near or (
        e.latitude is not null
        and app_hidden.distance_km(near_latitude, near_longitude, e.latitude, e.longitude) <= radius_km
      ))
      and (not coalesce(only_available, false) or (e.status = 'published' and e.seats_taken < e.capacity))
    order by e.starts_at, e.id;
end;
$$;


--
-- Name: FUNCTION search_events(category text, starts_from timestamp with time zone, starts_to timestamp with time zone, query text, near_latitude double precision, near_longitude double precision, radius_km double precision, only_available boolean); Type: COMMENT; Schema: app_public; Owner: -
--

COMMENT ON FUNCTION app_public.search_events(category text, starts_from timestamp with time zone, starts_to timestamp with time zone, query text, near_latitude double precision, near_longitude double precision, radius_km double precision, only_available boolean) IS 'The catalog: events the caller may see, ordered by start time. Filters (all optional): category id; start time between starts_from and starts_to (inclusive); free text in title, location and description (web-search syntax: words, "quoted phrase", -not, or); within radius_km of a point; only_available = published events with free seats. Errors: 22023 (argument named), EVDAT (starts_to before starts_from).';


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
  if v_new.capacity < v_old.seats_taken then
    raise exception 'capacity % is below the % seats already taken', v_new.capacity, v_old.seats_taken
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
begin
  -- Lock order event → tier, as everywhere.
  v_event := app_hidden.event_for_change(v_event_id, 'price tier not found');
  select * into v_old from app_public.event_price_tier t where t.id = update_price_tier.id for update;
  if not found then
    raise exception 'price tier not found' using errcode = 'P0002';
  end if;
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
    if update_price_tier.quota < v_old.seats_taken then
      raise exception 'quota % is below the % seats already taken in this tier', update_price_tier.quota, v_old.seats_taken
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
);


--
-- Name: TABLE audit_log; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON TABLE app_private.audit_log IS 'Who did what to which row, and when: every state change and admin action. Append-only.';


--
-- Name: COLUMN audit_log.id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.audit_log.id IS 'Order of writing.';


--
-- Name: COLUMN audit_log.occurred_at; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.audit_log.occurred_at IS 'Transaction time of the change.';


--
-- Name: COLUMN audit_log.actor_id; Type: COMMENT; Schema: app_private; Owner: -
--

COMMENT ON COLUMN app_private.audit_log.actor_id IS 'The caller (JWT sub); null for the system (cron jobs, migrations).';


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
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: app_private; Owner: -
--

ALTER TABLE app_private.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.audit_log_id_seq
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

COMMENT ON VIEW app_private.business_counts IS 'Business totals since the start of the audit log, one row per audit action: bookings created, confirmed, expired and canceled, payments confirmed, refunds issued. The worker''s /metrics reports them as aquastream_bookings_total, aquastream_payments_confirmed_total and aquastream_refunds_total; being counted in the database, they are the same from every process.';


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
    id uuid DEFAULT gen_random_uuid() NOT NULL,
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
);


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
-- Name: seat_drift; Type: VIEW; Schema: app_private; Owner: -
--

CREATE VIEW app_private.seat_drift WITH (security_invoker='true') AS
 SELECT 'event'::text AS counter,
    e.id,
    e.seats_taken AS counted,
    (COALESCE(( SELECT sum(b.quantity) AS sum
           FROM app_public.booking b
          WHERE ((b.event_id = e.id) AND (b.status = ANY (ARRAY['pending_payment'::app_public.booking_status, 'confirmed'::app_public.booking_status])))), (0)::bigint))::integer AS actual
   FROM app_public.event e
UNION ALL
 SELECT 'event_price_tier'::text AS counter,
    t.id,
    t.seats_taken AS counted,
    (COALESCE(( SELECT sum(b.quantity) AS sum
           FROM app_public.booking b
          WHERE ((b.price_tier_id = t.id) AND (b.status = ANY (ARRAY['pending_payment'::app_public.booking_status, 'confirmed'::app_public.booking_status])))), (0)::bigint))::integer AS actual
   FROM app_public.event_price_tier t
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

COMMENT ON VIEW app_private.seat_drift IS 'Every seat and promo-use counter next to what the live bookings add up to. `select * from app_private.seat_drift where counted <> actual` must return nothing; a row means a counter was changed behind the functions'' back. For DBAs (scans everything).';


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
-- Name: event_category; Type: TABLE; Schema: app_public; Owner: -
--

CREATE TABLE app_public.event_category (
    id text NOT NULL,
    name text NOT NULL,
    description text,
    sort_order integer DEFAULT 0 NOT NULL,
    CONSTRAINT event_category_description_check CHECK ((char_length(description) <= 1000)),
    CONSTRAINT event_category_id_check CHECK ((id ~ '^[a-z][a-z0-9_]{0,29}$'::text)),
    CONSTRAINT event_category_name_check CHECK (((char_length(name) >= 1) AND (char_length(name) <= 100)))
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
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -
--

ALTER TABLE ONLY app_private.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


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
-- Name: audit_log_action_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_action_idx ON app_private.audit_log USING btree (action);


--
-- Name: audit_log_actor_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_actor_id_idx ON app_private.audit_log USING btree (actor_id);


--
-- Name: audit_log_occurred_at_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_occurred_at_idx ON app_private.audit_log USING brin (occurred_at);


--
-- Name: audit_log_table_name_row_id_idx; Type: INDEX; Schema: app_private; Owner: -
--

CREATE INDEX audit_log_table_name_row_id_idx ON app_private.audit_log USING btree (table_name, row_id);


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
-- Name: event_organizer_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_organizer_id_idx ON app_public.event USING btree (organizer_id);


--
-- Name: event_search_vector_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_search_vector_idx ON app_public.event USING gin (search_vector);


--
-- Name: event_status_starts_at_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX event_status_starts_at_idx ON app_public.event USING btree (status, starts_at);


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
-- Name: review_status_created_at_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX review_status_created_at_idx ON app_public.review USING btree (status, created_at);


--
-- Name: review_user_id_idx; Type: INDEX; Schema: app_public; Owner: -
--

CREATE INDEX review_user_id_idx ON app_public.review USING btree (user_id, created_at);


--
-- Name: outbox _900_enqueue_relay; Type: TRIGGER; Schema: app_private; Owner: -
--

CREATE TRIGGER _900_enqueue_relay AFTER INSERT ON app_private.outbox FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_outbox__enqueue_relay();


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
-- Name: event _900_enqueue_crew_jobs; Type: TRIGGER; Schema: app_public; Owner: -
--

CREATE TRIGGER _900_enqueue_crew_jobs AFTER UPDATE ON app_public.event FOR EACH ROW WHEN (((old.status IS DISTINCT FROM new.status) OR (old.crew_status IS DISTINCT FROM new.crew_status) OR (old.crew_id IS DISTINCT FROM new.crew_id))) EXECUTE FUNCTION app_private.tg_event__enqueue_crew_jobs();


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
-- Name: audit_log; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.audit_log ENABLE ROW LEVEL SECURITY;

--
-- Name: rate_limit_counter authenticator_all; Type: POLICY; Schema: app_private; Owner: -
--

CREATE POLICY authenticator_all ON app_private.rate_limit_counter TO aquastream_authenticator USING (true) WITH CHECK (true);


--
-- Name: outbox; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.outbox ENABLE ROW LEVEL SECURITY;

--
-- Name: rate_limit_counter; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.rate_limit_counter ENABLE ROW LEVEL SECURITY;

--
-- Name: setting; Type: ROW SECURITY; Schema: app_private; Owner: -
--

ALTER TABLE app_private.setting ENABLE ROW LEVEL SECURITY;

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
-- Name: favorite; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.favorite ENABLE ROW LEVEL SECURITY;

--
-- Name: payment; Type: ROW SECURITY; Schema: app_public; Owner: -
--

ALTER TABLE app_public.payment ENABLE ROW LEVEL SECURITY;

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
-- Name: event_category select_all; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_all ON app_public.event_category FOR SELECT USING (true);


--
-- Name: promo_code select_manager; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_manager ON app_public.promo_code FOR SELECT USING (((event_id IN ( SELECT e.id
   FROM app_public.event e
  WHERE (e.organizer_id = ( SELECT app_public.current_user_id() AS current_user_id)))) OR (created_by IN ( SELECT app_public.current_user_id() AS current_user_id)) OR ( SELECT app_public.has_role('admin'::text) AS has_role)));


--
-- Name: favorite select_own; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_own ON app_public.favorite FOR SELECT USING ((user_id IN ( SELECT app_public.current_user_id() AS current_user_id)));


--
-- Name: review_helpful_vote select_own; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_own ON app_public.review_helpful_vote FOR SELECT USING ((user_id IN ( SELECT app_public.current_user_id() AS current_user_id)));


--
-- Name: booking select_own_or_managed; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_own_or_managed ON app_public.booking FOR SELECT USING (((user_id IN ( SELECT app_public.current_user_id() AS current_user_id)) OR (event_id IN ( SELECT e.id
   FROM app_public.event e
  WHERE (e.organizer_id = ( SELECT app_public.current_user_id() AS current_user_id)))) OR ( SELECT app_public.has_role('admin'::text) AS has_role)));


--
-- Name: event select_visible; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_visible ON app_public.event FOR SELECT USING (((status = ANY (ARRAY['published'::app_public.event_status, 'completed'::app_public.event_status])) OR ((status = 'canceled'::app_public.event_status) AND (published_at IS NOT NULL)) OR (organizer_id IN ( SELECT app_public.current_user_id() AS current_user_id)) OR ( SELECT app_public.has_role('admin'::text) AS has_role)));


--
-- Name: event_price_tier select_visible; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_visible ON app_public.event_price_tier FOR SELECT USING ((event_id IN ( SELECT e.id
   FROM app_public.event e)));


--
-- Name: payment select_visible; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_visible ON app_public.payment FOR SELECT USING ((booking_id IN ( SELECT b.id
   FROM app_public.booking b)));


--
-- Name: refund select_visible; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_visible ON app_public.refund FOR SELECT USING ((payment_id IN ( SELECT p.id
   FROM app_public.payment p)));


--
-- Name: review select_visible; Type: POLICY; Schema: app_public; Owner: -
--

CREATE POLICY select_visible ON app_public.review FOR SELECT USING (((status = 'active'::app_public.review_status) OR (user_id IN ( SELECT app_public.current_user_id() AS current_user_id)) OR ( SELECT app_public.has_role('admin'::text) AS has_role)));


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
-- Name: FUNCTION assert_event_valid(e app_public.event); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_event_valid(e app_public.event) FROM PUBLIC;


--
-- Name: FUNCTION assert_review_valid(rating integer, content text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_review_valid(rating integer, content text) FROM PUBLIC;


--
-- Name: FUNCTION assert_signed_in(); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.assert_signed_in() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.assert_signed_in() TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_hidden.assert_signed_in() TO aquastream_member;


--
-- Name: TABLE booking; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.booking TO aquastream_anonymous;
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
-- Name: FUNCTION end_booking(b app_public.booking, new_status app_public.booking_status, reason text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.end_booking(b app_public.booking, new_status app_public.booking_status, reason text) FROM PUBLIC;


--
-- Name: FUNCTION enqueue_crew_job(task text, event_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.enqueue_crew_job(task text, event_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION event_data(e app_public.event); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_data(e app_public.event) FROM PUBLIC;


--
-- Name: FUNCTION event_for_change(event_id uuid, not_found_message text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_for_change(event_id uuid, not_found_message text) FROM PUBLIC;


--
-- Name: FUNCTION event_is_visible(e app_public.event); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_is_visible(e app_public.event) FROM PUBLIC;


--
-- Name: FUNCTION event_price_tiers_data(event_id uuid); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.event_price_tiers_data(event_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION expire_overdue_bookings(batch integer); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.expire_overdue_bookings(batch integer) FROM PUBLIC;


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

GRANT SELECT ON TABLE app_public.payment TO aquastream_anonymous;
GRANT SELECT ON TABLE app_public.payment TO aquastream_member;


--
-- Name: TABLE refund; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.refund TO aquastream_anonymous;
GRANT SELECT ON TABLE app_public.refund TO aquastream_member;


--
-- Name: FUNCTION issue_refund(p app_public.payment, amount numeric, reason text); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.issue_refund(p app_public.payment, amount numeric, reason text) FROM PUBLIC;


--
-- Name: FUNCTION jsonb_changes(old_value jsonb, new_value jsonb); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.jsonb_changes(old_value jsonb, new_value jsonb) FROM PUBLIC;


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

GRANT SELECT ON TABLE app_public.promo_code TO aquastream_anonymous;
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
-- Name: FUNCTION setting_int(key text, fallback integer); Type: ACL; Schema: app_hidden; Owner: -
--

REVOKE ALL ON FUNCTION app_hidden.setting_int(key text, fallback integer) FROM PUBLIC;


--
-- Name: FUNCTION tg__set_updated_at(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg__set_updated_at() FROM PUBLIC;


--
-- Name: FUNCTION tg_booking__status_transition(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_booking__status_transition() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__check_tier_quota(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__check_tier_quota() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__crew_new_period(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__crew_new_period() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__enqueue_crew_jobs(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__enqueue_crew_jobs() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__freeze_finished(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__freeze_finished() FROM PUBLIC;


--
-- Name: FUNCTION tg_event__status_transition(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event__status_transition() FROM PUBLIC;


--
-- Name: FUNCTION tg_event_price_tier__check_event(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event_price_tier__check_event() FROM PUBLIC;


--
-- Name: FUNCTION tg_event_price_tier__check_removal(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_event_price_tier__check_removal() FROM PUBLIC;


--
-- Name: FUNCTION tg_outbox__enqueue_relay(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_outbox__enqueue_relay() FROM PUBLIC;


--
-- Name: FUNCTION tg_payment__status_transition(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_payment__status_transition() FROM PUBLIC;


--
-- Name: FUNCTION tg_refund__check_total(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_refund__check_total() FROM PUBLIC;


--
-- Name: FUNCTION tg_review_helpful_vote__count(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_review_helpful_vote__count() FROM PUBLIC;


--
-- Name: FUNCTION tg_review_helpful_vote__not_author(); Type: ACL; Schema: app_private; Owner: -
--

REVOKE ALL ON FUNCTION app_private.tg_review_helpful_vote__not_author() FROM PUBLIC;


--
-- Name: TABLE favorite; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.favorite TO aquastream_anonymous;
GRANT SELECT ON TABLE app_public.favorite TO aquastream_member;


--
-- Name: FUNCTION add_favorite(event_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.add_favorite(event_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.add_favorite(event_id uuid) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.add_favorite(event_id uuid) TO aquastream_member;


--
-- Name: FUNCTION add_price_tier(event_id uuid, name text, price numeric, currency text, quota integer); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.add_price_tier(event_id uuid, name text, price numeric, currency text, quota integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.add_price_tier(event_id uuid, name text, price numeric, currency text, quota integer) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.add_price_tier(event_id uuid, name text, price numeric, currency text, quota integer) TO aquastream_member;


--
-- Name: FUNCTION cancel_booking(id uuid, reason text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.cancel_booking(id uuid, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.cancel_booking(id uuid, reason text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.cancel_booking(id uuid, reason text) TO aquastream_member;


--
-- Name: FUNCTION cancel_event(id uuid, reason text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.cancel_event(id uuid, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.cancel_event(id uuid, reason text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.cancel_event(id uuid, reason text) TO aquastream_member;


--
-- Name: FUNCTION confirm_payment(gateway_reference text, payment_id uuid, amount numeric); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.confirm_payment(gateway_reference text, payment_id uuid, amount numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.confirm_payment(gateway_reference text, payment_id uuid, amount numeric) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.confirm_payment(gateway_reference text, payment_id uuid, amount numeric) TO aquastream_member;


--
-- Name: FUNCTION create_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.create_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.create_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) TO aquastream_member;


--
-- Name: FUNCTION create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean, price_tiers app_public.price_tier_input[]); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean, price_tiers app_public.price_tier_input[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean, price_tiers app_public.price_tier_input[]) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.create_event(title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean, price_tiers app_public.price_tier_input[]) TO aquastream_member;


--
-- Name: FUNCTION create_promo_code(code text, event_id uuid, percent_off integer, amount_off numeric, currency text, valid_from timestamp with time zone, valid_until timestamp with time zone, max_uses integer); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.create_promo_code(code text, event_id uuid, percent_off integer, amount_off numeric, currency text, valid_from timestamp with time zone, valid_until timestamp with time zone, max_uses integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_promo_code(code text, event_id uuid, percent_off integer, amount_off numeric, currency text, valid_from timestamp with time zone, valid_until timestamp with time zone, max_uses integer) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.create_promo_code(code text, event_id uuid, percent_off integer, amount_off numeric, currency text, valid_from timestamp with time zone, valid_until timestamp with time zone, max_uses integer) TO aquastream_member;


--
-- Name: FUNCTION create_review(event_id uuid, rating integer, content text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.create_review(event_id uuid, rating integer, content text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_review(event_id uuid, rating integer, content text) TO aquastream_anonymous;
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
GRANT ALL ON FUNCTION app_public.deactivate_promo_code(id uuid) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.deactivate_promo_code(id uuid) TO aquastream_member;


--
-- Name: FUNCTION delete_review(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.delete_review(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.delete_review(id uuid) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.delete_review(id uuid) TO aquastream_member;


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
-- Name: FUNCTION fail_payment(payment_id uuid, reason text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.fail_payment(payment_id uuid, reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.fail_payment(payment_id uuid, reason text) TO aquastream_anonymous;
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
GRANT ALL ON FUNCTION app_public.initiate_payment(booking_id uuid, method app_public.payment_method) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.initiate_payment(booking_id uuid, method app_public.payment_method) TO aquastream_member;


--
-- Name: FUNCTION mark_review_helpful(review_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.mark_review_helpful(review_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.mark_review_helpful(review_id uuid) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.mark_review_helpful(review_id uuid) TO aquastream_member;


--
-- Name: FUNCTION moderate_review(id uuid, status app_public.review_status, note text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.moderate_review(id uuid, status app_public.review_status, note text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.moderate_review(id uuid, status app_public.review_status, note text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.moderate_review(id uuid, status app_public.review_status, note text) TO aquastream_member;


--
-- Name: FUNCTION my_favorite_events(); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.my_favorite_events() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.my_favorite_events() TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.my_favorite_events() TO aquastream_member;


--
-- Name: FUNCTION promo_code_uses_left(p app_public.promo_code); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.promo_code_uses_left(p app_public.promo_code) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.promo_code_uses_left(p app_public.promo_code) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.promo_code_uses_left(p app_public.promo_code) TO aquastream_member;


--
-- Name: FUNCTION publish_event(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.publish_event(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.publish_event(id uuid) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.publish_event(id uuid) TO aquastream_member;


--
-- Name: FUNCTION quote_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.quote_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.quote_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.quote_booking(event_id uuid, price_tier_id uuid, quantity integer, promo_code text) TO aquastream_member;


--
-- Name: FUNCTION refund_payment(payment_id uuid, reason text, amount numeric); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.refund_payment(payment_id uuid, reason text, amount numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.refund_payment(payment_id uuid, reason text, amount numeric) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.refund_payment(payment_id uuid, reason text, amount numeric) TO aquastream_member;


--
-- Name: FUNCTION remove_favorite(event_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.remove_favorite(event_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.remove_favorite(event_id uuid) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.remove_favorite(event_id uuid) TO aquastream_member;


--
-- Name: FUNCTION remove_price_tier(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.remove_price_tier(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.remove_price_tier(id uuid) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.remove_price_tier(id uuid) TO aquastream_member;


--
-- Name: FUNCTION retry_crew_assignment(id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.retry_crew_assignment(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.retry_crew_assignment(id uuid) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.retry_crew_assignment(id uuid) TO aquastream_member;


--
-- Name: FUNCTION review_is_marked_helpful(r app_public.review); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.review_is_marked_helpful(r app_public.review) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.review_is_marked_helpful(r app_public.review) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.review_is_marked_helpful(r app_public.review) TO aquastream_member;


--
-- Name: FUNCTION search_events(category text, starts_from timestamp with time zone, starts_to timestamp with time zone, query text, near_latitude double precision, near_longitude double precision, radius_km double precision, only_available boolean); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.search_events(category text, starts_from timestamp with time zone, starts_to timestamp with time zone, query text, near_latitude double precision, near_longitude double precision, radius_km double precision, only_available boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.search_events(category text, starts_from timestamp with time zone, starts_to timestamp with time zone, query text, near_latitude double precision, near_longitude double precision, radius_km double precision, only_available boolean) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.search_events(category text, starts_from timestamp with time zone, starts_to timestamp with time zone, query text, near_latitude double precision, near_longitude double precision, radius_km double precision, only_available boolean) TO aquastream_member;


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
-- Name: FUNCTION unmark_review_helpful(review_id uuid); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.unmark_review_helpful(review_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.unmark_review_helpful(review_id uuid) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.unmark_review_helpful(review_id uuid) TO aquastream_member;


--
-- Name: FUNCTION update_event(id uuid, title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.update_event(id uuid, title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.update_event(id uuid, title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.update_event(id uuid, title text, description text, category text, location_name text, latitude double precision, longitude double precision, starts_at timestamp with time zone, ends_at timestamp with time zone, capacity integer, booking_deadline_hours integer, crew_required boolean) TO aquastream_member;


--
-- Name: FUNCTION update_price_tier(id uuid, name text, price numeric, quota integer, remove_quota boolean); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.update_price_tier(id uuid, name text, price numeric, quota integer, remove_quota boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.update_price_tier(id uuid, name text, price numeric, quota integer, remove_quota boolean) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.update_price_tier(id uuid, name text, price numeric, quota integer, remove_quota boolean) TO aquastream_member;


--
-- Name: FUNCTION update_review(id uuid, rating integer, content text); Type: ACL; Schema: app_public; Owner: -
--

REVOKE ALL ON FUNCTION app_public.update_review(id uuid, rating integer, content text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.update_review(id uuid, rating integer, content text) TO aquastream_anonymous;
GRANT ALL ON FUNCTION app_public.update_review(id uuid, rating integer, content text) TO aquastream_member;


--
-- Name: TABLE rate_limit_counter; Type: ACL; Schema: app_private; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE app_private.rate_limit_counter TO aquastream_authenticator;


--
-- Name: TABLE review_helpful_vote; Type: ACL; Schema: app_public; Owner: -
--

GRANT SELECT ON TABLE app_public.review_helpful_vote TO aquastream_anonymous;
GRANT SELECT ON TABLE app_public.review_helpful_vote TO aquastream_member;


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


