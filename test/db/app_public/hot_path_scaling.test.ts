/*
 * The booking path's work does not grow with the tables, with or without
 * planner statistics.
 *
 * A server with autovacuum off (this project's CI machine has it off) or a
 * database just restored never analyzes its tables, and the planner then
 * guesses. One such guess made every create_booking read all of
 * booking_event_id_user_id_key (every live booking of every event) through a
 * bitmap OR in the anti-hoarding counts: ~5 ms per booking at 110k bookings.
 * So each call of the hot path is measured in shared buffers touched
 * (EXPLAIN (ANALYZE, BUFFERS) counts the nested statements of the function it
 * runs), first on a nearly empty database, then after 60,000 bookings were
 * added — never analyzed — and again after ANALYZE. Buffers, not time: the
 * figure does not depend on the machine's load.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { becomeRoot, becomeUser, newUser, type TestUser } from "../../helpers/db.ts";
import { createOwnDatabase } from "../../helpers/own-database.ts";
import { createPublishedEvent, firstTier, gateway } from "../factories.ts";
import { explainBuffers, expectNoGrowth, measure as measureWith, type Buffers as BuffersOf } from "../../helpers/plan-buffers.ts";

type Step =
  | "quote_booking"
  | "create_booking"
  | "my_bookings"
  | "initiate_payment"
  | "confirm_payment"
  | "cancel_booking"
  | "expire_overdue_bookings";
type Buffers = BuffersOf<Step>;

const ADDED_BOOKINGS = { livePerOtherEvent: 40_000, expiredOnTarget: 10_000, canceledOnTarget: 10_000 };

let pool: pg.Pool;
let target: { eventId: string; tierId: string };

async function idOf(client: pg.PoolClient, sql: string, params: unknown[]): Promise<string> {
  await becomeRoot(client);
  const { rows } = await client.query(sql, params);
  return rows[0].id;
}

/** One pass over the hot path as two new users, in a transaction rolled back: buffers per call. */
async function onePass(client: pg.PoolClient): Promise<Buffers> {
  const { eventId, tierId } = target;
  const buyer: TestUser = newUser("user");
  const canceler: TestUser = newUser("user");
  const bookingArgs = [eventId, tierId, 1, null];
  await client.query("begin");
  try {
    await becomeUser(client, buyer);
    const quote = await explainBuffers(client, "select * from app_public.quote_booking($1, $2, $3, $4)", bookingArgs);
    const create = await explainBuffers(client, "select * from app_public.create_booking($1, $2, $3, $4)", bookingArgs);
    const bookingId = await idOf(client, "select id from app_public.booking where user_id = $1", [buyer.sub]);
    await becomeUser(client, buyer);
    // GraphQL's allBookings(condition: { userId }, orderBy: CREATED_AT_DESC, first: 20), under RLS.
    const mine = await explainBuffers(
      client,
      "select b.* from app_public.booking b where b.user_id = $1 order by b.created_at desc, b.id desc limit 20",
      [buyer.sub],
    );
    const initiate = await explainBuffers(client, "select * from app_public.initiate_payment($1, 'card')", [bookingId]);
    const paymentId = await idOf(client, "select id from app_public.payment where booking_id = $1", [bookingId]);
    await becomeUser(client, gateway);
    const confirm = await explainBuffers(client, "select * from app_public.confirm_payment($1, $2)", [`ref-${paymentId}`, paymentId]);
    await becomeUser(client, canceler);
    await client.query("select * from app_public.create_booking($1, $2, $3, $4)", bookingArgs);
    const toCancel = await idOf(client, "select id from app_public.booking where user_id = $1", [canceler.sub]);
    await becomeUser(client, canceler);
    const cancel = await explainBuffers(client, "select * from app_public.cancel_booking($1, 'plans changed')", [toCancel]);
    // The worker's expiry batch (as the owner) with the buyer's booking overdue: it finds that one.
    await becomeRoot(client);
    const overdue = newUser("user");
    await becomeUser(client, overdue);
    await client.query("select * from app_public.create_booking($1, $2, $3, $4)", bookingArgs);
    await becomeRoot(client);
    await client.query("update app_public.booking set payment_deadline = now() - interval '1 minute' where user_id = $1", [overdue.sub]);
    const expire = await explainBuffers(client, "select app_hidden.expire_overdue_bookings(500)", []);
    return {
      quote_booking: quote,
      create_booking: create,
      my_bookings: mine,
      initiate_payment: initiate,
      confirm_payment: confirm,
      cancel_booking: cancel,
      expire_overdue_bookings: expire,
    };
  } finally {
    await client.query("rollback");
  }
}

async function measure(): Promise<Buffers> {
  return measureWith(pool, onePass);
}

async function addBookings(): Promise<void> {
  const organizer = newUser("organizer");
  const client = await pool.connect();
  try {
    await client.query("begin");
    await becomeUser(client, organizer);
    const other = await createPublishedEvent(client, organizer, { capacity: 100_000 });
    const otherTier = await firstTier(client, other.id);
    await becomeRoot(client);
    // As root, behind the functions' back (seat counters untouched): the
    // state a busy season leaves, which the API would take hours to build.
    const columns = `event_id, user_id, price_tier_id, quantity, unit_price, subtotal, total_amount, currency, status, payment_deadline`;
    await client.query(
      `insert into app_public.booking (${columns})
       select $1, gen_random_uuid(), $2, 1, 120, 120, 120, 'EUR', 'pending_payment', now() + interval '1 hour'
       from generate_series(1, $3)`,
      [other.id, otherTier.id, ADDED_BOOKINGS.livePerOtherEvent],
    );
    await client.query(
      `insert into app_public.booking (${columns}, expired_at)
       select $1, gen_random_uuid(), $2, 1, 120, 120, 120, 'EUR', 'expired', now() - interval '1 hour', now() - interval '5 minutes'
       from generate_series(1, $3)`,
      [target.eventId, target.tierId, ADDED_BOOKINGS.expiredOnTarget],
    );
    await client.query(
      `insert into app_public.booking (${columns}, canceled_at, canceled_by, cancel_reason)
       select $1, u, $2, 1, 120, 120, 120, 'EUR', 'canceled', now() + interval '1 hour', now() - interval '5 minutes', u, 'plans changed'
       from generate_series(1, $3), gen_random_uuid() as u`,
      [target.eventId, target.tierId, ADDED_BOOKINGS.canceledOnTarget],
    );
    await client.query("commit");
  } finally {
    client.release();
  }
}

describe("hot path work with the size of the tables", () => {
  let small: Buffers;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: await createOwnDatabase("hot_path_scaling"), max: 2 });
    const organizer = newUser("organizer");
    const client = await pool.connect();
    try {
      await client.query("begin");
      await becomeUser(client, organizer);
      const event = await createPublishedEvent(client, organizer, { capacity: 100_000 });
      target = { eventId: event.id, tierId: (await firstTier(client, event.id)).id };
      await client.query("commit");
    } finally {
      client.release();
    }
    small = await measure();
    await addBookings();
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
  });

  it("60,000 more bookings, never analyzed (autovacuum off, a fresh restore): no call reads more than a B-tree level more", async () => {
    const { rows } = await pool.query("select reltuples from pg_class where oid = 'app_public.booking'::regclass");
    expect(rows[0].reltuples).toBeLessThan(1000); // the planner has not been told about the new rows
    expectNoGrowth(small, await measure());
  });

  it("the same after ANALYZE", async () => {
    await pool.query("analyze app_public.booking, app_public.payment, app_public.event");
    expectNoGrowth(small, await measure());
  });
});
