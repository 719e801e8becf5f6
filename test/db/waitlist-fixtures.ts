/*
 * Shared by the waiting-list tests. The deferred trigger that offers freed
 * seats fires at COMMIT, so these tests commit (race users, see RACE_PREFIX
 * in factories.ts) and clean up their own rows afterwards.
 */
import type pg from "pg";
import { expect } from "vitest";
import { withCommittedTx, type TestUser } from "../helpers/db.ts";
import type { Racer } from "../helpers/race.ts";
import { createEventCall, type EventInput, type Row } from "./factories.ts";

export const JOIN =
  "select * from app_public.join_waitlist(event_id => $1, seats_wanted => $2, price_tier_id => $3, accepts_fewer => $4)";
export const BOOK = "select * from app_public.create_booking(event_id => $1, price_tier_id => $2, quantity => $3)";
export const CANCEL = "select * from app_public.cancel_booking($1, 'plans changed')";
export const ACCEPT = "select * from app_public.accept_offer(id => $1, price_tier_id => $2, promo_code => $3)";

export async function publishedEvent(
  racer: Racer,
  organizer: TestUser,
  overrides: Partial<EventInput> = {},
): Promise<{ event: Row; tier: Row }> {
  const [sql, params] = createEventCall(overrides);
  const [event] = await racer.must(organizer, sql, params);
  await racer.must(organizer, "select app_public.publish_event($1)", [event!.id]);
  const tier = await racer.one("select * from app_public.event_price_tier where event_id = $1 order by sort_order limit 1", [
    event!.id,
  ]);
  return { event: event!, tier };
}

/** The event's counter next to what bookings and offers add up to. */
export async function seats(racer: Racer, eventId: string): Promise<{ taken: number; capacity: number; booked: number; offered: number }> {
  return (await racer.one(
    `select c.seats_taken as taken, c.capacity,
            (select coalesce(sum(b.quantity), 0) from app_public.booking b
             where b.event_id = c.event_id and b.status in ('pending_payment', 'confirmed'))::int as booked,
            (select coalesce(sum(w.offered_seats), 0) from app_public.waitlist_entry w
             where w.event_id = c.event_id and w.status = 'offered')::int as offered
     from app_public.event_seat_counter c where c.event_id = $1`,
    [eventId],
  )) as { taken: number; capacity: number; booked: number; offered: number };
}

/** Every counter of the organizer's events equals its bookings plus offers. */
export async function expectNoDrift(pool: pg.Pool, organizer: TestUser): Promise<void> {
  const drift = await pool.query(
    `select * from app_private.seat_drift d
     where d.counted <> d.actual
       and (d.id in (select id from app_public.event where organizer_id = $1)
         or d.id in (select t.id from app_public.event_price_tier t join app_public.event e on e.id = t.event_id where e.organizer_id = $1))`,
    [organizer.sub],
  );
  expect(drift.rows).toEqual([]);
}

/** Deletes everything about the organizer's events (they committed). */
export async function cleanUp(pool: pg.Pool, organizer: TestUser, racePrefix: string): Promise<void> {
  await withCommittedTx(pool, async (tx) => {
    await tx.query("create temp table race_event on commit drop as select id from app_public.event where organizer_id = $1", [
      organizer.sub,
    ]);
    await tx.query(`create temp table race_booking on commit drop as
      select id from app_public.booking where event_id in (select id from race_event)`);
    await tx.query(`create temp table race_entry on commit drop as
      select id from app_public.waitlist_entry where event_id in (select id from race_event)`);
    await tx.query(`delete from app_private.outbox where aggregate_id in
      (select id from race_event union all select id from race_booking union all select id from race_entry)`);
    await tx.query(
      `delete from app_private.audit_log where actor_id::text like $1 || '%'
         or row_id in (select id::text from race_event union all select id::text from race_booking union all select id::text from race_entry)`,
      [racePrefix],
    );
    await tx.query("delete from app_public.waitlist_entry where id in (select id from race_entry)");
    await tx.query("delete from app_public.booking where id in (select id from race_booking)");
    await tx.query("delete from app_public.event where id in (select id from race_event)");
  });
}
