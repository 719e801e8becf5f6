/*
 * Small factories for the database tests: build events through the real SQL
 * functions (never by inserting rows behind their back, except where a test
 * needs a state the API cannot produce yet, e.g. seats taken or a past start,
 * and then as root, said so at the call site).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { becomeUser, newUser, type TestUser, type Tx } from "../helpers/db.ts";

export { newUser };

// Rows come back from pg as plain objects; tests read a few columns of each.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Row = Record<string, any>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A point in time `days` (+ `hours`) from now. */
export function inDays(days: number, hours = 0): Date {
  return new Date(Date.now() + days * DAY + hours * HOUR);
}

export interface TierInput {
  name: string | null;
  price: number | string | null;
  currency: string | null;
  quota?: number | null;
}

export interface EventInput {
  title: string | null;
  description: string | null;
  category: string | null;
  locationName: string | null;
  latitude: number | null;
  longitude: number | null;
  startsAt: Date | null;
  endsAt: Date | null;
  capacity: number | null;
  bookingDeadlineHours: number | null;
  crewRequired: boolean | null;
  priceTiers: TierInput[] | null;
  /** IANA zone; left out of the call when undefined (the default zone). */
  timeZone?: string | null;
}

export function eventInput(overrides: Partial<EventInput> = {}): EventInput {
  const startsAt = overrides.startsAt ?? inDays(10);
  return {
    title: "Chusovaya rafting weekend",
    description: "Two days on the river with an experienced guide.",
    category: "rafting",
    locationName: "Ust-Utka",
    latitude: 57.55,
    longitude: 59.05,
    startsAt,
    endsAt: startsAt ? new Date(startsAt.getTime() + 2 * DAY) : null,
    capacity: 20,
    bookingDeadlineHours: 24,
    crewRequired: false,
    priceTiers: [{ name: "Adult", price: 120, currency: "EUR", quota: null }],
    ...overrides,
  };
}

/** The SQL and parameters of one create_event call (for expectPgError too). */
export function createEventCall(overrides: Partial<EventInput> = {}): [string, unknown[]] {
  const e = eventInput(overrides);
  const sql = `
    select * from app_public.create_event(
      title => $1, description => $2, category => $3, location_name => $4,
      latitude => $5, longitude => $6, starts_at => $7, ends_at => $8, capacity => $9,
      booking_deadline_hours => $10, crew_required => $11,
      price_tiers => (
        select array_agg(jsonb_populate_record(null::app_public.price_tier_input, t.value) order by t.ordinality)
        from jsonb_array_elements($12::jsonb) with ordinality as t
      )${e.timeZone === undefined ? "" : ", time_zone => $13"}
    )`;
  return [
    sql,
    [
      e.title,
      e.description,
      e.category,
      e.locationName,
      e.latitude,
      e.longitude,
      e.startsAt,
      e.endsAt,
      e.capacity,
      e.bookingDeadlineHours,
      e.crewRequired,
      JSON.stringify(e.priceTiers ?? []),
      ...(e.timeZone === undefined ? [] : [e.timeZone]),
    ],
  ];
}

/** Creates a draft event as `organizer` (the transaction stays as that user). */
export async function createEvent(tx: Tx, organizer: TestUser, overrides: Partial<EventInput> = {}): Promise<Row> {
  await becomeUser(tx, organizer);
  const [sql, params] = createEventCall(overrides);
  const { rows } = await tx.query(sql, params);
  return rows[0]!;
}

/** Creates and publishes an event as `organizer`. */
export async function createPublishedEvent(
  tx: Tx,
  organizer: TestUser,
  overrides: Partial<EventInput> = {},
): Promise<Row> {
  const event = await createEvent(tx, organizer, overrides);
  const { rows } = await tx.query("select * from app_public.publish_event($1)", [event.id]);
  return rows[0]!;
}

/**
 * Runs `fn` as the owner (bypassing RLS, e.g. to count rows or to fake a state),
 * then switches back to whatever role and claims the transaction had.
 */
export async function asRoot<T>(tx: Tx, fn: () => Promise<T>): Promise<T> {
  const { rows } = await tx.query("select current_user as role");
  const role = rows[0]!.role as string;
  await tx.query("reset role");
  try {
    return await fn();
  } finally {
    await tx.query(`set local role ${pg.escapeIdentifier(role)}`);
  }
}

export interface RowCounts {
  event: number;
  tier: number;
  favorite: number;
  outbox: number;
  audit: number;
  booking: number;
  payment: number;
  refund: number;
  promo: number;
  review: number;
  /** Helpful votes. */
  vote: number;
  /** Sum of seats_taken over events, tiers, and promo uses: any seat or use taken shows here. */
  seats: number;
}

/**
 * The users of the race tests (races.test.ts, booking_races.test.ts), which
 * commit on separate connections while other files run. Every race user's id
 * starts with RACE_PREFIX; rowCounts() leaves their rows out (and the rows
 * about their events and bookings), so a race committing or cleaning up
 * between two counts of another test cannot make it flaky (each count is one
 * statement, hence one snapshot).
 */
export const RACE_PREFIX = "00000000-0000-4000-8000-";
export const raceOrganizer: TestUser = { sub: "00000000-0000-4000-8000-00000000ace1", roles: ["organizer"] };
export const raceUser: TestUser = { sub: "00000000-0000-4000-8000-00000000ace2", roles: ["user"] };

/**
 * A fresh user whose rows rowCounts() leaves out, for tests that commit
 * outside the race files (the GraphQL end-to-end tests): their commits must
 * not change the counts of a db test running beside them.
 */
export function committingUser(...roles: TestUser["roles"]): TestUser {
  const hex = randomBytes(6).toString("hex");
  return { sub: `${RACE_PREFIX}${hex}`, roles: roles.length ? roles : ["user"] };
}

/** A race user with a recognisable id (see RACE_PREFIX). */
export function raceUserNo(n: number, ...roles: TestUser["roles"]): TestUser {
  return { sub: `${RACE_PREFIX}${(0xb00000000000 + n).toString(16)}`, roles: roles.length ? roles : ["user"] };
}

/** Row counts of every table a use case writes (seen by the owner, through no RLS; race-test rows left out). */
export async function rowCounts(tx: Tx): Promise<RowCounts> {
  return asRoot(tx, async () => {
    const { rows } = await tx.query(
      `with race_event as (select id from app_public.event where organizer_id::text like $1 || '%'),
      race_booking as (select id from app_public.booking where event_id in (select id from race_event)),
      race_payment as (select id from app_public.payment where booking_id in (select id from race_booking)),
      race_id as (
        select id from race_event union all select id from race_booking union all select id from race_payment
        union all select id from app_public.refund where payment_id in (select id from race_payment)
        union all select id from app_public.event_price_tier where event_id in (select id from race_event)
        union all select id from app_public.review where event_id in (select id from race_event)
        union all select id from app_private.crew_assignment where event_id in (select id from race_event)
        union all select id from app_public.waitlist_entry where event_id in (select id from race_event)
      )
      select
        (select count(*) from app_public.event where id not in (select id from race_event))::int as event,
        (select count(*) from app_public.event_price_tier where event_id not in (select id from race_event))::int as tier,
        (select count(*) from app_public.favorite where event_id not in (select id from race_event))::int as favorite,
        (select count(*) from app_private.outbox
          where (actor_id is null or actor_id::text not like $1 || '%') and aggregate_id not in (select id from race_id))::int as outbox,
        (select count(*) from app_private.audit_log
          where (actor_id is null or actor_id::text not like $1 || '%') and row_id not in (select id::text from race_id))::int as audit,
        (select count(*) from app_public.booking where id not in (select id from race_booking))::int as booking,
        (select count(*) from app_public.payment where id not in (select id from race_payment))::int as payment,
        (select count(*) from app_public.refund where payment_id not in (select id from race_payment))::int as refund,
        (select count(*) from app_public.promo_code where event_id is null or event_id not in (select id from race_event))::int as promo,
        (select count(*) from app_public.review where event_id not in (select id from race_event))::int as review,
        (select count(*) from app_public.review_helpful_vote v join app_public.review r on r.id = v.review_id
          where r.event_id not in (select id from race_event))::int as vote,
        ((select coalesce(sum(seats_taken), 0) from app_public.event_seat_counter where event_id not in (select id from race_event))
          + (select coalesce(sum(seats_taken), 0) from app_public.price_tier_seat_counter where event_id not in (select id from race_event))
          + (select coalesce(sum(uses), 0) from app_public.promo_code where event_id is null or event_id not in (select id from race_event)))::int as seats`,
      [RACE_PREFIX],
    );
    return rows[0] as RowCounts;
  });
}

/** Outbox rows about one aggregate, oldest first. */
export async function outboxFor(tx: Tx, aggregateId: string): Promise<Row[]> {
  return asRoot(tx, async () => {
    const { rows } = await tx.query(
      "select * from app_private.outbox where aggregate_id = $1 order by position",
      [aggregateId],
    );
    return rows;
  });
}

/** Audit rows with this row id, oldest first. */
export async function auditFor(tx: Tx, rowId: string): Promise<Row[]> {
  return asRoot(tx, async () => {
    const { rows } = await tx.query("select * from app_private.audit_log where row_id = $1 order by id", [rowId]);
    return rows;
  });
}

/** Runs a statement as the owner (to fake states the API cannot produce yet). */
export async function rootQuery(tx: Tx, sql: string, params: unknown[] = []): Promise<Row[]> {
  return asRoot(tx, async () => (await tx.query(sql, params)).rows);
}

/** The first price tier of an event (by sort order). */
export async function firstTier(tx: Tx, eventId: string): Promise<Row> {
  const [tier] = await rootQuery(tx, "select * from app_public.event_price_tier where event_id = $1 order by sort_order limit 1", [
    eventId,
  ]);
  return tier!;
}

export const CREATE_BOOKING =
  "select * from app_public.create_booking(event_id => $1, price_tier_id => $2, quantity => $3, promo_code => $4)";

/** Books as `user` (the transaction stays as that user). */
export async function createBooking(
  tx: Tx,
  user: TestUser,
  eventId: string,
  tierId: string,
  quantity = 1,
  promoCode: string | null = null,
): Promise<Row> {
  await becomeUser(tx, user);
  const { rows } = await tx.query(CREATE_BOOKING, [eventId, tierId, quantity, promoCode]);
  return rows[0]!;
}

/** A published event (organizer given or fresh) and a pending booking of it by a fresh user. */
export async function bookedEvent(
  tx: Tx,
  options: { organizer?: TestUser; user?: TestUser; quantity?: number; event?: Partial<EventInput> } = {},
): Promise<{ organizer: TestUser; user: TestUser; event: Row; tier: Row; booking: Row }> {
  const organizer = options.organizer ?? newUser("organizer");
  const user = options.user ?? newUser("user");
  const event = await createPublishedEvent(tx, organizer, options.event);
  const tier = await firstTier(tx, event.id);
  const booking = await createBooking(tx, user, event.id, tier.id, options.quantity ?? 1);
  return { organizer, user, event, tier, booking };
}

export const gateway: TestUser = { sub: "0000000a-0000-4000-8000-00000000ca7e", roles: ["payment-gateway"] };

/** initiate_payment as the booking's user, then confirm_payment as the gateway. */
export async function payBooking(tx: Tx, user: TestUser, bookingId: string, reference?: string): Promise<Row> {
  await becomeUser(tx, user);
  const payment = (await tx.query("select * from app_public.initiate_payment($1, 'card')", [bookingId])).rows[0]!;
  await becomeUser(tx, gateway);
  const { rows } = await tx.query("select * from app_public.confirm_payment($1, $2)", [
    reference ?? `gw-${payment.id}`,
    payment.id,
  ]);
  return rows[0]!;
}

/** Moves an event into the past (as the owner: the API cannot), so it has ended. */
export async function endEvent(tx: Tx, eventId: string): Promise<void> {
  await rootQuery(
    tx,
    "update app_public.event set starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' where id = $1",
    [eventId],
  );
}

/**
 * A published event whose `participants` booked and paid (confirmed
 * bookings), then ended: what a review needs. The transaction is left as the
 * owner.
 */
export async function attendedEvent(
  tx: Tx,
  participants: TestUser[],
  options: { organizer?: TestUser; event?: Partial<EventInput> } = {},
): Promise<{ organizer: TestUser; event: Row; tier: Row; bookings: Row[] }> {
  const organizer = options.organizer ?? newUser("organizer");
  const event = await createPublishedEvent(tx, organizer, options.event);
  const tier = await firstTier(tx, event.id);
  const bookings: Row[] = [];
  for (const user of participants) {
    const booking = await createBooking(tx, user, event.id, tier.id);
    await payBooking(tx, user, booking.id);
    bookings.push(booking);
  }
  await endEvent(tx, event.id);
  await tx.query("reset role");
  return { organizer, event, tier, bookings };
}
