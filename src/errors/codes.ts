/*
 * The one error table for both transports.
 *
 * SQL functions raise a human message with a SQLSTATE: a standard one where it
 * fits, else one of the project's own five-letter codes (never starting with a
 * digit or F/H/P/X, so they cannot collide with PostgreSQL's classes). Each
 * code maps to one caller-facing status, used as the gRPC status and as
 * `extensions.status` in GraphQL; `extensions.code` is the SQLSTATE itself.
 * docs/error-codes.md documents the same list for clients.
 */

export type ErrorStatus =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "FAILED_PRECONDITION"
  | "PERMISSION_DENIED"
  | "UNAUTHENTICATED"
  | "RESOURCE_EXHAUSTED"
  | "DEADLINE_EXCEEDED"
  | "UNAVAILABLE";

export interface ErrorCode {
  status: ErrorStatus;
  meaning: string;
}

/** Standard SQLSTATEs the project raises on purpose (or that constraints raise). */
const standard: Record<string, ErrorCode> = {
  "22001": { status: "INVALID_ARGUMENT", meaning: "a value is longer than its column allows" },
  "22003": { status: "INVALID_ARGUMENT", meaning: "a number is out of range" },
  "22007": { status: "INVALID_ARGUMENT", meaning: "a date/time is malformed" },
  "22008": { status: "INVALID_ARGUMENT", meaning: "a date/time is out of range" },
  "22021": { status: "INVALID_ARGUMENT", meaning: "a text contains a NUL character (or bytes that are not UTF-8)" },
  "22023": { status: "INVALID_ARGUMENT", meaning: "an argument is invalid (the message names it)" },
  "22P02": { status: "INVALID_ARGUMENT", meaning: "a value has the wrong form (e.g. not a uuid)" },
  "23502": { status: "INVALID_ARGUMENT", meaning: "a required value is missing" },
  "23503": { status: "NOT_FOUND", meaning: "a referenced row does not exist" },
  "23505": { status: "ALREADY_EXISTS", meaning: "the row already exists (unique constraint)" },
  "23514": { status: "INVALID_ARGUMENT", meaning: "a check constraint refused the value" },
  "23P01": { status: "FAILED_PRECONDITION", meaning: "conflicts with another row (exclusion constraint)" },
  "28000": { status: "UNAUTHENTICATED", meaning: "the call needs a signed-in caller" },
  "40001": { status: "UNAVAILABLE", meaning: "serialization failure: rolled back, rerun server-side, still conflicting; retry shortly" },
  "40P01": { status: "UNAVAILABLE", meaning: "deadlock: rolled back, rerun server-side, still conflicting; retry shortly" },
  "42501": { status: "PERMISSION_DENIED", meaning: "the caller may not do this" },
  "55000": { status: "FAILED_PRECONDITION", meaning: "the object is not in a state that allows this" },
  "57014": { status: "DEADLINE_EXCEEDED", meaning: "the statement ran longer than the request's statement_timeout and was canceled" },
  P0002: { status: "NOT_FOUND", meaning: "no such row (or not visible to the caller)" },
};

/** The project's own codes (see docs/error-codes.md). */
const own: Record<string, ErrorCode> = {
  // Events
  EVDAT: { status: "INVALID_ARGUMENT", meaning: "a time range is out of order (ends_at not after starts_at, starts_to before starts_from)" },
  EVDUR: { status: "INVALID_ARGUMENT", meaning: "an event lasts longer than 30 days" },
  EVTZN: { status: "INVALID_ARGUMENT", meaning: "a time zone is not an IANA name (Europe/Moscow, Asia/Irkutsk)" },
  EVPST: { status: "INVALID_ARGUMENT", meaning: "starts_at is not in the future" },
  EVSTR: { status: "FAILED_PRECONDITION", meaning: "the event has already started, so it cannot be published" },
  EVCAP: { status: "FAILED_PRECONDITION", meaning: "capacity would fall below the seats already taken" },
  EVTIR: { status: "FAILED_PRECONDITION", meaning: "a published event needs at least one price tier" },
  // Price tiers
  TRQTA: { status: "INVALID_ARGUMENT", meaning: "a tier quota exceeds the event capacity" },
  TRCUR: { status: "INVALID_ARGUMENT", meaning: "a tier's currency differs from the event's other tiers" },
  TRSEA: { status: "FAILED_PRECONDITION", meaning: "seats are taken in the tier (quota below them, or removal)" },
  // Bookings
  BKQTY: { status: "INVALID_ARGUMENT", meaning: "quantity must be between 1 and 20" },
  BKTEV: { status: "INVALID_ARGUMENT", meaning: "the price tier belongs to another event" },
  BKOWN: { status: "PERMISSION_DENIED", meaning: "organizers cannot book their own event" },
  BKCLO: { status: "FAILED_PRECONDITION", meaning: "bookings for the event are closed (booking deadline passed)" },
  BKDUP: { status: "ALREADY_EXISTS", meaning: "the caller already has a live booking for the event" },
  BKFUL: { status: "RESOURCE_EXHAUSTED", meaning: "not enough free seats in the event" },
  BKTQF: { status: "RESOURCE_EXHAUSTED", meaning: "not enough free seats in the price tier's quota" },
  BKEXP: { status: "FAILED_PRECONDITION", meaning: "the booking's payment deadline has passed" },
  BKSTR: { status: "FAILED_PRECONDITION", meaning: "the event has started: its user can no longer cancel the booking" },
  // Promo codes
  CPUNK: { status: "NOT_FOUND", meaning: "unknown promo code (for this event)" },
  CPINA: { status: "FAILED_PRECONDITION", meaning: "the promo code has been deactivated" },
  CPEXP: { status: "FAILED_PRECONDITION", meaning: "the promo code is not valid now (expired or not yet valid)" },
  CPUSE: { status: "RESOURCE_EXHAUSTED", meaning: "the promo code has reached its usage limit" },
  CPCUR: { status: "INVALID_ARGUMENT", meaning: "the promo code's currency differs from the price's" },
  // Waiting list
  WLFRE: { status: "FAILED_PRECONDITION", meaning: "enough seats are free: book them instead of joining the waiting list" },
  WLDUP: { status: "ALREADY_EXISTS", meaning: "the caller is already on the event's waiting list" },
  WLEND: { status: "FAILED_PRECONDITION", meaning: "the waiting-list entry is no longer on the list (accepted, declined, expired or left)" },
  WLNOF: { status: "FAILED_PRECONDITION", meaning: "the waiting-list entry has no open offer" },
  WLOEX: { status: "FAILED_PRECONDITION", meaning: "the waiting-list offer has expired" },
  // Payments (the gateway) and refunds
  GWREF: { status: "FAILED_PRECONDITION", meaning: "the payment was already confirmed with another gateway reference" },
  GWAMT: { status: "INVALID_ARGUMENT", meaning: "the confirmed amount differs from the payment amount" },
  GWLAT: {
    status: "FAILED_PRECONDITION",
    meaning: "the payment was confirmed after its booking expired or was canceled; refunded in full (payment.error_code, not raised)",
  },
  GWFAI: { status: "FAILED_PRECONDITION", meaning: "the gateway reported the payment failed (payment.error_code, not raised)" },
  RFAMT: { status: "FAILED_PRECONDITION", meaning: "the refund exceeds what is left to refund of the payment" },
  // Reviews
  RVNBK: { status: "PERMISSION_DENIED", meaning: "only participants with a confirmed booking of the event may review it" },
  RVEND: { status: "FAILED_PRECONDITION", meaning: "the event has not ended yet, so it cannot be reviewed" },
  RVDUP: { status: "ALREADY_EXISTS", meaning: "the caller has already reviewed the event" },
  RVRAT: { status: "INVALID_ARGUMENT", meaning: "rating must be a whole number from 1 to 5" },
  RVLEN: { status: "INVALID_ARGUMENT", meaning: "review text is blank or longer than 4000 characters" },
  RVCTL: { status: "INVALID_ARGUMENT", meaning: "text contains control characters (only tab, line feed, carriage return are allowed)" },
  RVOWN: { status: "PERMISSION_DENIED", meaning: "the author cannot mark their own review helpful" },
  // Text hygiene (every user-visible text column)
  TXCHR: {
    status: "INVALID_ARGUMENT",
    meaning: "a text contains a character it may not hold (control character, bidi override/isolate, zero-width character)",
  },
  // Anti-hoarding limits (rows of app_private.setting, docs/limits.md)
  BKPEN: { status: "RESOURCE_EXHAUSTED", meaning: "the caller already holds the maximum number of unpaid bookings" },
  BKPOR: { status: "RESOURCE_EXHAUSTED", meaning: "the caller already holds the maximum number of unpaid bookings for this organizer's events" },
  BKMAX: { status: "INVALID_ARGUMENT", meaning: "quantity exceeds the event's maximum seats per booking" },
  ERORG: { status: "FAILED_PRECONDITION", meaning: "the user organizes events that have not ended: cancel them before erasing the user's data" },
  ERPEN: { status: "FAILED_PRECONDITION", meaning: "the user has bookings waiting for payment: cancel them before erasing the user's data" },
  BKCDN: { status: "RESOURCE_EXHAUSTED", meaning: "too many canceled or lapsed bookings for this event lately: wait for the cool-down" },
  // Tickets and check-in (185-tickets of migration 000009, docs/tickets.md)
  TKFMT: { status: "INVALID_ARGUMENT", meaning: "a ticket code is not 8 characters of 23456789ABCDEFGHJKLMNPQRSTUVWXYZ" },
  TKNOT: { status: "NOT_FOUND", meaning: "no ticket has this code" },
  TKORG: { status: "PERMISSION_DENIED", meaning: "the ticket is for another organizer's event" },
  TKCAN: { status: "FAILED_PRECONDITION", meaning: "the ticket's booking was canceled (or refunded and canceled): it admits nobody" },
  TKVOD: { status: "FAILED_PRECONDITION", meaning: "the ticket was replaced by a reissue: scan the new one" },
  TKNCI: { status: "FAILED_PRECONDITION", meaning: "the ticket is not checked in, so there is nothing to undo" },
  TKUND: { status: "FAILED_PRECONDITION", meaning: "the check-in is older than check_in_undo_minutes and can no longer be undone" },
  TKBKS: { status: "FAILED_PRECONDITION", meaning: "only a confirmed booking has tickets" },
  TKSIG: { status: "INVALID_ARGUMENT", meaning: "a ticket token is malformed, not signed by this service's key, or altered" },
  TKCHK: { status: "FAILED_PRECONDITION", meaning: "a ticket of the booking is checked in: undo the check-in before reissuing" },
  // Limits of the API process itself (raised by the glue, not by SQL)
  LMRAT: { status: "RESOURCE_EXHAUSTED", meaning: "too many mutations from this caller: wait Retry-After seconds" },
  LMDEP: { status: "INVALID_ARGUMENT", meaning: "the GraphQL document is nested deeper than GRAPHQL_MAX_DEPTH" },
  LMCST: { status: "INVALID_ARGUMENT", meaning: "the GraphQL document costs more than GRAPHQL_MAX_COST" },
  LMBSY: { status: "UNAVAILABLE", meaning: "every database connection is busy: retry shortly" },
  LMTOK: { status: "INVALID_ARGUMENT", meaning: "the GraphQL document has more tokens than GRAPHQL_MAX_TOKENS" },
  LMALS: { status: "INVALID_ARGUMENT", meaning: "the GraphQL operation has more aliases than GRAPHQL_MAX_ALIASES" },
  LMDIR: { status: "INVALID_ARGUMENT", meaning: "the GraphQL operation has more directives than GRAPHQL_MAX_DIRECTIVES" },
  LMINP: { status: "INVALID_ARGUMENT", meaning: "an argument's input is nested deeper than GRAPHQL_MAX_INPUT_DEPTH" },
  LMLST: { status: "INVALID_ARGUMENT", meaning: "a list in an argument is longer than GRAPHQL_MAX_LIST_LENGTH" },
  LMFLT: { status: "INVALID_ARGUMENT", meaning: "the request's filters have more conditions than GRAPHQL_MAX_FILTER_CONDITIONS" },
  // The database itself (src/db/transient.ts)
  DBUNA: { status: "UNAVAILABLE", meaning: "the database is unavailable (restarting, failing over, unreachable): retry shortly" },
};

export const errorCodes: Readonly<Record<string, ErrorCode>> = { ...standard, ...own };

/** Maps a SQLSTATE to its entry; undefined means "unexpected": log it and answer INTERNAL. */
export function lookupErrorCode(sqlstate: string | undefined): ErrorCode | undefined {
  return sqlstate ? errorCodes[sqlstate] : undefined;
}
