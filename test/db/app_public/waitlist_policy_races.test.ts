/*
 * The per-event waiting-list policy under a rush, for real: many connections
 * at once, each call its own committed transaction (210-waitlist-policy).
 * list_first: a seat freed while direct bookings hammer the event goes to the
 * list (never to the rush while an entry waits). first_come: the rush gets
 * it; the offer task gives the list only what is still free. The rush keeps
 * trying until every cancellation has committed (and once after), so the
 * counts asserted are exact, not a matter of timing.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TestUser } from "../../helpers/db.ts";
import { racer, tally, type Outcome } from "../../helpers/race.ts";
import { raceUserNo, RACE_PREFIX, type Row } from "../factories.ts";
import { BOOK, CANCEL, JOIN, cleanUp, expectNoDrift, publishedEvent, seats } from "../waitlist-fixtures.ts";

const CONNECTIONS = 24;
const organizer = raceUserNo(21004, "organizer");
const users = (n: number, offset: number): TestUser[] => Array.from({ length: n }, (_, i) => raceUserNo(23000 + offset + i));
const r = racer(CONNECTIONS);
const OFFER_TASK = "select coalesce(sum(app_hidden.offer_freed_seats(id)), 0)::int as offers from app_hidden.waitlist_events_to_offer() id where id = $1";

afterEach(async () => {
  await expectNoDrift(r.pool, organizer);
  await cleanUp(r.pool, organizer, RACE_PREFIX);
});

/** A full event of `policy` (1-seat bookings) with `waiting` 1-seat entries in joined order. */
async function fullEvent(policy: string, capacity: number, waiting: number, offset: number) {
  const { event, tier } = await publishedEvent(r, organizer, { capacity });
  await r.must(organizer, "select app_public.set_waitlist_policy($1, $2)", [event.id, policy]);
  const holders = users(capacity, offset);
  const bookings: Row[] = [];
  for (const h of holders) bookings.push((await r.must(h, BOOK, [event.id, tier.id, 1]))[0]!);
  const entries: Row[] = [];
  for (const w of users(waiting, offset + 50)) entries.push((await r.must(w, JOIN, [event.id, 1, null, false]))[0]!);
  return { event, tier, holders, bookings, entries };
}

/** Books one seat, again and again while seats may still free up, and once more after `done()`. */
async function rush(u: TestUser, eventId: string, tierId: string, done: () => boolean): Promise<Outcome> {
  for (;;) {
    const last = done();
    const outcome = await r.call(u, BOOK, [eventId, tierId, 1]);
    if (outcome.ok || outcome.code !== "BKFUL" || last) return outcome;
  }
}

async function statuses(eventId: string): Promise<string[]> {
  const { rows } = await r.pool.query("select status from app_public.waitlist_entry where event_id = $1 order by joined_at, id", [eventId]);
  return rows.map((row) => row.status as string);
}

describe("waiting-list policy races", () => {
  it("the same rush on two events: list_first never lets a direct booking take a freed seat, first_come lets it take every one", async () => {
    const CAPACITY = 10;
    const FREED = 6;
    const WAITING = 8;
    const RUSH = 10;
    const listFirst = await fullEvent("list_first", CAPACITY, WAITING, 0);
    const firstCome = await fullEvent("first_come", CAPACITY, WAITING, 100);
    let cancelsLeft = 2 * FREED;
    const done = () => cancelsLeft === 0;
    const cancel = async (holder: TestUser, booking: Row) => {
      const outcome = await r.call(holder, CANCEL, [booking.id]);
      cancelsLeft -= 1;
      return outcome;
    };

    const outcomes = await Promise.all<Outcome>([
      ...[listFirst, firstCome].flatMap((e) => e.bookings.slice(0, FREED).map((b, i) => cancel(e.holders[i]!, b))),
      ...users(RUSH, 200).map((u) => rush(u, listFirst.event.id, listFirst.tier.id, done)),
      ...users(RUSH, 300).map((u) => rush(u, firstCome.event.id, firstCome.tier.id, done)),
    ]);
    expect(tally(outcomes.slice(0, 2 * FREED))).toEqual({ ok: 2 * FREED });
    const listRush = outcomes.slice(2 * FREED, 2 * FREED + RUSH);
    const comeRush = outcomes.slice(2 * FREED + RUSH);

    // list_first: every freed seat went to the list, the head of the line first.
    expect(tally(listRush)).toEqual({ BKFUL: RUSH });
    expect(await statuses(listFirst.event.id)).toEqual([...Array(FREED).fill("offered"), ...Array(WAITING - FREED).fill("waiting")]);
    expect(await seats(r, listFirst.event.id)).toEqual({ taken: CAPACITY, capacity: CAPACITY, booked: CAPACITY - FREED, offered: FREED });

    // first_come: the rush took every freed seat; the list was offered none, and nothing is left for the task.
    expect(tally(comeRush)).toEqual({ ok: FREED, BKFUL: RUSH - FREED });
    expect(await statuses(firstCome.event.id)).toEqual(Array(WAITING).fill("waiting"));
    expect(await seats(r, firstCome.event.id)).toEqual({ taken: CAPACITY, capacity: CAPACITY, booked: CAPACITY, offered: 0 });
    expect((await r.one(OFFER_TASK, [firstCome.event.id])).offers).toBe(0);
  });

  it("first_come with two offer-task runs (two workers) racing direct bookings: capacity holds, offers go to the head of the line, each seat once", async () => {
    const CAPACITY = 10;
    const FREED = 8;
    const WAITING = 10;
    const RUSH = 4;
    const e = await fullEvent("first_come", CAPACITY, WAITING, 400);
    let cancelsLeft = FREED;
    const done = () => cancelsLeft === 0;

    const outcomes = await Promise.all<Outcome>([
      ...e.bookings.slice(0, FREED).map(async (b, i) => {
        const outcome = await r.call(e.holders[i]!, CANCEL, [b.id]);
        cancelsLeft -= 1;
        return outcome;
      }),
      ...users(RUSH, 500).map((u) => rush(u, e.event.id, e.tier.id, done)),
      r.call(null, OFFER_TASK, [e.event.id]),
      r.call(null, OFFER_TASK, [e.event.id]),
    ]);
    expect(tally(outcomes.slice(0, FREED))).toEqual({ ok: FREED });
    const direct = outcomes.slice(FREED, FREED + RUSH).filter((o) => o.ok).length;
    expect(tally(outcomes.slice(FREED + RUSH))).toEqual({ ok: 2 });
    // A last run, as the next minute's: every seat is now booked or offered.
    await r.must(null, OFFER_TASK, [e.event.id]);

    const offered = FREED - direct;
    expect(await statuses(e.event.id)).toEqual([...Array(offered).fill("offered"), ...Array(WAITING - offered).fill("waiting")]);
    expect(await seats(r, e.event.id)).toEqual({ taken: CAPACITY, capacity: CAPACITY, booked: CAPACITY - FREED + direct, offered });
  });
  it("a pause racing cancellations: every offer was written before the pause, none after; resume offers the rest in line order", async () => {
    const CAPACITY = 10;
    const e = await fullEvent("list_first", CAPACITY, CAPACITY, 600);
    const outcomes = await Promise.all<Outcome>([
      ...e.bookings.map((b, i) => r.call(e.holders[i]!, CANCEL, [b.id])),
      r.call(organizer, "select * from app_public.pause_waitlist_offers($1)", [e.event.id]),
    ]);
    expect(tally(outcomes)).toEqual({ ok: CAPACITY + 1 });

    // The pause waits for an offer in flight (it takes the seat counter): every
    // SeatsOffered row was written before the pause's own row, and none after.
    const { rows } = await r.pool.query(
      `select o.event_type, o.position from app_private.outbox o
        where o.aggregate_id = $1 and o.event_type = 'WaitlistOffersPaused'
           or o.aggregate_id in (select id from app_public.waitlist_entry where event_id = $1) and o.event_type = 'SeatsOffered'`,
      [e.event.id],
    );
    const pausedAt = Number(rows.find((m) => m.event_type === "WaitlistOffersPaused")!.position);
    const offers = rows.filter((m) => m.event_type === "SeatsOffered").map((m) => Number(m.position));
    expect(offers.every((p) => p < pausedAt)).toBe(true);
    // What was not offered stayed free, and the offers went to the head of the line.
    const offered = offers.length;
    expect(await statuses(e.event.id)).toEqual([...Array(offered).fill("offered"), ...Array(CAPACITY - offered).fill("waiting")]);
    expect(await seats(r, e.event.id)).toEqual({ taken: offered, capacity: CAPACITY, booked: 0, offered });

    // Resume: the rest, at once, in line order.
    await r.must(organizer, "select * from app_public.resume_waitlist_offers($1)", [e.event.id]);
    expect(await statuses(e.event.id)).toEqual(Array(CAPACITY).fill("offered"));
    expect(await seats(r, e.event.id)).toEqual({ taken: CAPACITY, capacity: CAPACITY, booked: 0, offered: CAPACITY });
  });
});
