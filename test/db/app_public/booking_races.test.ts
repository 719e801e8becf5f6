/*
 * The rush, for real: many connections at once (Promise.all over separate
 * pool clients, each call its own committed transaction), against real
 * PostgreSQL. Oversell, double confirmation, promo overuse and expiry-vs-
 * payment are settled by the database (guarded single-row updates, row
 * locks, unique indexes), so these counts are exact, not "usually right".
 *
 * These tests commit, so they use race users (ids starting with RACE_PREFIX,
 * left out of rowCounts) and delete their rows afterwards. The pool stays
 * well inside max_connections (100 on a default server), shared with the
 * suite running beside it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { withCommittedTx, type TestUser } from "../../helpers/db.ts";
import { racer, tally, type Outcome } from "../../helpers/race.ts";
import { createEventCall, raceUserNo, RACE_PREFIX, type EventInput, type Row } from "../factories.ts";

const CONNECTIONS = 32;

const organizer = raceUserNo(1, "organizer");
const gatewayUser = raceUserNo(2, "payment-gateway");
const users = (n: number, offset: number): TestUser[] => Array.from({ length: n }, (_, i) => raceUserNo(1000 + offset + i));

const { pool, call, must, one } = racer(CONNECTIONS);

async function publishedEvent(overrides: Partial<EventInput> = {}): Promise<{ event: Row; tier: Row }> {
  const [sql, params] = createEventCall(overrides);
  const [event] = await must(organizer, sql, params);
  await must(organizer, "select app_public.publish_event($1)", [event!.id]);
  const tier = await one("select * from app_public.event_price_tier where event_id = $1 order by sort_order limit 1", [event!.id]);
  return { event: event!, tier };
}

const BOOK = "select * from app_public.create_booking(event_id => $1, price_tier_id => $2, quantity => $3, promo_code => $4)";

afterEach(async () => {
  // Whatever raced, every counter still equals what the live bookings add up to.
  const drift = await pool.query(
    `select * from app_private.seat_drift d
     where d.counted <> d.actual
       and (d.id in (select id from app_public.event where organizer_id = $1)
         or d.id in (select t.id from app_public.event_price_tier t join app_public.event e on e.id = t.event_id where e.organizer_id = $1)
         or d.id in (select pc.id from app_public.promo_code pc join app_public.event e on e.id = pc.event_id where e.organizer_id = $1))`,
    [organizer.sub],
  );
  expect(drift.rows).toEqual([]);

  await withCommittedTx(pool, async (client) => {
    await client.query(`
      create temp table race_event on commit drop as
        select id from app_public.event where organizer_id = $1`, [organizer.sub]);
    await client.query(`
      create temp table race_booking on commit drop as
        select id from app_public.booking where event_id in (select id from race_event)`);
    await client.query(`
      create temp table race_payment on commit drop as
        select id from app_public.payment where booking_id in (select id from race_booking)`);
    await client.query(`
      delete from app_private.outbox
      where aggregate_id in (select id from race_event union all select id from race_booking)
         or aggregate_id in (select id from app_public.promo_code where event_id in (select id from race_event))`);
    await client.query(`
      delete from app_private.audit_log
      where actor_id::text like $1 || '%'
         or row_id in (select id::text from race_event union all select id::text from race_booking
                       union all select id::text from race_payment)`, [RACE_PREFIX]);
    await client.query("delete from app_public.refund where payment_id in (select id from race_payment)");
    await client.query("delete from app_public.payment where id in (select id from race_payment)");
    await client.query("delete from app_public.booking where id in (select id from race_booking)");
    await client.query("delete from app_public.promo_code where event_id in (select id from race_event)");
    await client.query("delete from app_public.event where id in (select id from race_event)");
  });
});

describe("booking races (real concurrent connections)", () => {
  it("200 concurrent 1-seat bookings of a 10-seat event: exactly 10 succeed, the rest are sold out", async () => {
    const { event, tier } = await publishedEvent({ capacity: 10 });
    const outcomes = await Promise.all(users(200, 0).map((u) => call(u, BOOK, [event.id, tier.id, 1, null])));
    expect(tally(outcomes)).toEqual({ ok: 10, BKFUL: 190 });
    const refused = outcomes.find((o) => !o.ok) as { message: string };
    expect(refused.message).toMatch(/^sold out: 1 seat\(s\) requested, 0 left$/);
    const state = await one(
      `select app_public.event_seats_taken(e) as seats_taken, app_public.event_price_tier_seats_taken(t) as tier_seats,
              (select count(*)::int from app_public.booking b where b.event_id = e.id) as bookings,
              (select count(*)::int from app_private.outbox o join app_public.booking b on b.id = o.aggregate_id
                where b.event_id = e.id and o.event_type = 'BookingCreated') as created
       from app_public.event e join app_public.event_price_tier t on t.event_id = e.id where e.id = $1`,
      [event.id],
    );
    expect(state).toEqual({ seats_taken: 10, tier_seats: 10, bookings: 10, created: 10 });
  });

  it("200 concurrent bookings against a tier quota of 10: exactly 10 succeed, the rest get BKTQF", async () => {
    const { event, tier } = await publishedEvent({
      capacity: 500,
      priceTiers: [{ name: "Early bird", price: 50, currency: "EUR", quota: 10 }],
    });
    const outcomes = await Promise.all(users(200, 200).map((u) => call(u, BOOK, [event.id, tier.id, 1, null])));
    expect(tally(outcomes)).toEqual({ ok: 10, BKTQF: 190 });
    const state = await one(
      "select app_public.event_seats_taken(e) as seats_taken, app_public.event_price_tier_seats_taken(t) as tier_seats from app_public.event e join app_public.event_price_tier t on t.event_id = e.id where e.id = $1",
      [event.id],
    );
    expect(state).toEqual({ seats_taken: 10, tier_seats: 10 });
  });

  it("200 concurrent bookings of 3 seats each on 10 seats: exactly 3 succeed (9 seats), never 12", async () => {
    const { event, tier } = await publishedEvent({ capacity: 10 });
    const outcomes = await Promise.all(users(200, 400).map((u) => call(u, BOOK, [event.id, tier.id, 3, null])));
    expect(tally(outcomes)).toEqual({ ok: 3, BKFUL: 197 });
    expect(await one("select app_public.event_seats_taken(e) as seats_taken from app_public.event e where id = $1", [event.id])).toEqual({ seats_taken: 9 });
  });

  it("mixed quantities: seats taken equal the booked quantities and never exceed capacity", async () => {
    const { event, tier } = await publishedEvent({ capacity: 25 });
    const outcomes = await Promise.all(users(120, 600).map((u, i) => call(u, BOOK, [event.id, tier.id, 1 + (i % 4), null])));
    const booked = outcomes.filter((o): o is { ok: true; rows: Row[] } => o.ok).reduce((sum, o) => sum + o.rows[0]!.quantity, 0);
    const { seats_taken } = await one("select app_public.event_seats_taken(e) as seats_taken from app_public.event e where id = $1", [event.id]);
    expect(seats_taken).toBe(booked);
    expect(seats_taken).toBeLessThanOrEqual(25);
    expect(seats_taken).toBeGreaterThanOrEqual(22); // only a remainder smaller than every later request may stay free
  });

  it("one user booking 20 times at once gets exactly one booking (BKDUP for the rest)", async () => {
    const { event, tier } = await publishedEvent({ capacity: 100 });
    const user = raceUserNo(900);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => call(user, BOOK, [event.id, tier.id, 1, null])));
    expect(tally(outcomes)).toEqual({ ok: 1, BKDUP: 19 });
    expect(await one("select app_public.event_seats_taken(e) as seats_taken from app_public.event e where id = $1", [event.id])).toEqual({ seats_taken: 1 });
  });

  it("40 concurrent uses of a promo code limited to 5: exactly 5 get it, the rest CPUSE", async () => {
    const { event, tier } = await publishedEvent({ capacity: 100 });
    const [code] = await must(organizer, "select * from app_public.create_promo_code(event_id => $1, code => 'RUSH5', percent_off => 50, max_uses => 5)", [
      event.id,
    ]);
    const outcomes = await Promise.all(users(40, 800).map((u) => call(u, BOOK, [event.id, tier.id, 1, "rush5"])));
    expect(tally(outcomes)).toEqual({ ok: 5, CPUSE: 35 });
    expect(await one("select uses from app_public.promo_code where id = $1", [code!.id])).toEqual({ uses: 5 });
    expect(await one("select count(*)::int as n from app_public.booking where promo_code_id = $1", [code!.id])).toEqual({ n: 5 });
    expect(await one("select app_public.event_seats_taken(e) as seats_taken from app_public.event e where id = $1", [event.id])).toEqual({ seats_taken: 5 });
  });

  it("bookings racing the event's cancellation: each is refused (55000) or canceled with the event, none stays live", async () => {
    // The counter row is where a booking and a status change meet: cancel_event's
    // event update locks it (trigger), so a booking either committed before and
    // is canceled with the event, or re-checks bookable_until after it and is refused.
    const { event, tier } = await publishedEvent({ capacity: 100 });
    const bookings = users(60, 1100).map((u) => call(u, BOOK, [event.id, tier.id, 1, null]));
    const cancel = call(organizer, "select app_public.cancel_event($1, 'storm warning')", [event.id]);
    const outcomes = await Promise.all(bookings);
    expect((await cancel).ok).toBe(true);
    const counts = tally(outcomes);
    expect(Object.keys(counts).filter((k) => k !== "ok" && k !== "55000")).toEqual([]);
    const state = await one(
      `select count(*) filter (where b.status in ('pending_payment', 'confirmed'))::int as live,
              count(*) filter (where b.status = 'canceled')::int as canceled,
              (select app_public.event_seats_taken(e) from app_public.event e where e.id = $1) as seats_taken
       from app_public.booking b where b.event_id = $1`,
      [event.id],
    );
    expect(state).toEqual({ live: 0, canceled: counts.ok ?? 0, seats_taken: 0 });
  });

  it("50 concurrent confirmations of one payment: one confirmation, one PaymentConfirmed, the same answer for all", async () => {
    const { event, tier } = await publishedEvent({ capacity: 10 });
    const [user] = users(1, 850);
    const [booking] = await must(user!, BOOK, [event.id, tier.id, 2, null]);
    const [payment] = await must(user!, "select * from app_public.initiate_payment($1, 'card')", [booking!.id]);
    const confirm = "select * from app_public.confirm_payment(gateway_reference => $1, payment_id => $2)";
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => call(gatewayUser, confirm, ["gw-rush-1", payment!.id])));
    expect(tally(outcomes)).toEqual({ ok: 50 });
    const answers = new Set(outcomes.map((o) => JSON.stringify((o as { rows: Row[] }).rows[0])));
    expect(answers.size).toBe(1);
    const counts = await one(
      `select count(*) filter (where event_type = 'PaymentConfirmed')::int as payment_confirmed,
              count(*) filter (where event_type = 'BookingConfirmed')::int as booking_confirmed
       from app_private.outbox where aggregate_id = $1`,
      [booking!.id],
    );
    expect(counts).toEqual({ payment_confirmed: 1, booking_confirmed: 1 });
    expect(await one("select status from app_public.booking where id = $1", [booking!.id])).toEqual({ status: "confirmed" });
  });

  it("expiry racing confirmations: for each booking exactly one wins, and seats stay consistent", async () => {
    const { event, tier } = await publishedEvent({ capacity: 50 });
    const racers = users(12, 900);
    const started: { booking: Row; payment: Row }[] = [];
    for (const [i, u] of racers.entries()) {
      const [booking] = await must(u, BOOK, [event.id, tier.id, 1 + (i % 3), null]);
      const [payment] = await must(u, "select * from app_public.initiate_payment($1, 'card')", [booking!.id]);
      started.push({ booking: booking!, payment: payment! });
    }
    // All overdue now: the expiry job and the gateway's confirmations arrive together.
    await must(null, "update app_public.booking set payment_deadline = now() - interval '1 second' where event_id = $1", [event.id]);
    const confirm = "select * from app_public.confirm_payment(gateway_reference => $1, payment_id => $2)";
    const outcomes = await Promise.all([
      ...started.map(({ payment }) => call(gatewayUser, confirm, [`gw-${payment.id}`, payment.id])),
      call(null, "select app_hidden.expire_overdue_bookings(5) as n"),
      call(null, "select app_hidden.expire_overdue_bookings(5) as n"),
      call(null, "select app_hidden.expire_overdue_bookings(100) as n"),
    ]);
    expect(tally(outcomes)).toEqual({ ok: started.length + 3 });
    // Whatever the expiry left (its bookings held by a confirmation) is done by a last run.
    await must(null, "select app_hidden.expire_overdue_bookings(100)");

    let live = 0;
    const winners: Record<string, number> = {};
    for (const { booking, payment } of started) {
      const b = await one("select status, quantity from app_public.booking where id = $1", [booking.id]);
      const p = await one("select status, error_code, refunded_amount, amount from app_public.payment where id = $1", [payment.id]);
      const types = (
        await pool.query("select event_type from app_private.outbox where aggregate_id = $1 order by position", [booking.id])
      ).rows.map((r) => r.event_type as string);
      if (b.status === "confirmed") {
        expect(p).toMatchObject({ status: "completed", error_code: null });
        expect(types.filter((t) => t === "BookingExpired")).toHaveLength(0);
        live += b.quantity as number;
      } else {
        expect(b.status).toBe("expired");
        expect(p).toMatchObject({ status: "refunded", error_code: "GWLAT" });
        expect(p.refunded_amount).toBe(p.amount);
        expect(types.filter((t) => t === "BookingConfirmed")).toHaveLength(0);
        expect(types.filter((t) => t === "PaymentRefunded")).toHaveLength(1);
      }
      expect(types.filter((t) => t === "PaymentConfirmed")).toHaveLength(1);
      winners[b.status as string] = (winners[b.status as string] ?? 0) + 1;
    }
    expect((winners.confirmed ?? 0) + (winners.expired ?? 0)).toBe(started.length);
    const seats = await one(
      "select app_public.event_seats_taken(e) as seats_taken, app_public.event_price_tier_seats_taken(t) as tier_seats from app_public.event e join app_public.event_price_tier t on t.event_id = e.id where e.id = $1",
      [event.id],
    );
    expect(seats).toEqual({ seats_taken: live, tier_seats: live });
  });

  it("several expiry workers on one backlog: every overdue booking expired exactly once, seats and promo uses back", async () => {
    const targets = [await publishedEvent({ capacity: 100 }), await publishedEvent({ capacity: 100 }), await publishedEvent({ capacity: 100 })];
    await must(organizer, "select * from app_public.create_promo_code(event_id => $1, code => 'LATE', percent_off => 10, max_uses => 100)", [
      targets[0]!.event.id,
    ]);
    const bookers = users(90, 1200);
    await Promise.all(
      bookers.map((u, i) => {
        const { event, tier } = targets[i % 3]!;
        return must(u, BOOK, [event.id, tier.id, 1 + (i % 2), i % 3 === 0 && i % 2 === 0 ? "late" : null]);
      }),
    );
    const eventIds = targets.map((t) => t.event.id);
    await must(null, "update app_public.booking set payment_deadline = now() - interval '1 second' where event_id = any($1)", [eventIds]);

    // Six workers, small batches, each looping until its batch comes back empty (as the task does).
    const worker = async (): Promise<number> => {
      let total = 0;
      for (;;) {
        const [row] = await must(null, "select app_hidden.expire_overdue_bookings(7) as n");
        total += row!.n as number;
        if (row!.n === 0) return total;
      }
    };
    const totals = await Promise.all(Array.from({ length: 6 }, worker));
    expect(totals.reduce((a, b) => a + b, 0)).toBe(90);

    const state = await one(
      `select count(*) filter (where b.status = 'expired')::int as expired,
              count(*) filter (where b.status <> 'expired')::int as other,
              (select count(*) from app_private.outbox o where o.event_type = 'BookingExpired'
                 and o.aggregate_id in (select id from app_public.booking where event_id = any($1)))::int as announced,
              (select count(distinct o.aggregate_id) from app_private.outbox o where o.event_type = 'BookingExpired'
                 and o.aggregate_id in (select id from app_public.booking where event_id = any($1)))::int as announced_bookings,
              (select count(*) from app_private.audit_log a where a.action = 'booking.expire'
                 and a.row_id in (select id::text from app_public.booking where event_id = any($1)))::int as audited,
              (select sum(c.seats_taken) from app_public.event_seat_counter c where c.event_id = any($1))::int as seats,
              (select sum(c.seats_taken) from app_public.price_tier_seat_counter c where c.event_id = any($1))::int as tier_seats,
              (select uses from app_public.promo_code where event_id = $2) as promo_uses
       from app_public.booking b where b.event_id = any($1)`,
      [eventIds, targets[0]!.event.id],
    );
    expect(state).toEqual({
      expired: 90, other: 0, announced: 90, announced_bookings: 90, audited: 90, seats: 0, tier_seats: 0, promo_uses: 0,
    });
    const [sample] = (await pool.query(
      "select data from app_private.outbox where event_type = 'BookingExpired' and aggregate_id in (select id from app_public.booking where event_id = $1) limit 1",
      [eventIds[0]],
    )).rows;
    expect(sample.data).toMatchObject({ status: "expired", eventId: eventIds[0] });
    expect(sample.data.expiredAt).toBeTruthy();
  });
});
