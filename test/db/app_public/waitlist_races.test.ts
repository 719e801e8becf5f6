/*
 * The waiting list under a rush, for real: many connections at once, each
 * call its own committed transaction. Freed seats go to the list at the
 * commit of the transaction that freed them, while it still holds the
 * counter row, so a direct booking racing the cancellations can only get a
 * seat no waiting entry fits; offers and acceptances count each seat once.
 * The counts asserted are exact: the database settles them (row locks,
 * guarded counter updates, check constraints), not timing.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TestUser } from "../../helpers/db.ts";
import { racer, tally, type Outcome } from "../../helpers/race.ts";
import { raceUserNo, RACE_PREFIX, type Row } from "../factories.ts";
import { ACCEPT, BOOK, CANCEL, JOIN, cleanUp, expectNoDrift, publishedEvent, seats } from "../waitlist-fixtures.ts";

const CONNECTIONS = 24;
const organizer = raceUserNo(18002, "organizer");
const users = (n: number, offset: number): TestUser[] => Array.from({ length: n }, (_, i) => raceUserNo(18300 + offset + i));
const r = racer(CONNECTIONS);

afterEach(async () => {
  await expectNoDrift(r.pool, organizer);
  await cleanUp(r.pool, organizer, RACE_PREFIX);
});

/** Fills the event: one 1-seat booking per holder. */
async function fill(eventId: string, tierId: string, holders: TestUser[]): Promise<Row[]> {
  const bookings: Row[] = [];
  for (const holder of holders) bookings.push((await r.must(holder, BOOK, [eventId, tierId, 1]))[0]!);
  return bookings;
}

/** Joins one after another, so joined order is the array's order. */
async function line(eventId: string, waiting: TestUser[]): Promise<Row[]> {
  const entries: Row[] = [];
  for (const w of waiting) entries.push((await r.must(w, JOIN, [eventId, 1, null, false]))[0]!);
  return entries;
}

describe("waiting list races", () => {
  it("cancellations racing direct bookings: the list gets the freed seats first, in joined order; the rest go to the rush", async () => {
    const CAPACITY = 10;
    const WAITING = 6;
    const { event, tier } = await publishedEvent(r, organizer, { capacity: CAPACITY });
    const holders = users(CAPACITY, 0);
    const bookings = await fill(event.id, tier.id, holders);
    const entries = await line(event.id, users(WAITING, 100));
    const rush = users(12, 200);

    const outcomes = await Promise.all<Outcome>([
      ...bookings.map((b, i) => r.call(holders[i]!, CANCEL, [b.id])),
      ...rush.map((u) => r.call(u, BOOK, [event.id, tier.id, 1])),
    ]);
    const cancels = outcomes.slice(0, CAPACITY);
    const direct = outcomes.slice(CAPACITY);
    expect(tally(cancels)).toEqual({ ok: CAPACITY });
    // Every waiting entry was offered a seat, whatever order the calls ran in.
    const states = await r.pool.query("select id, status, offered_seats from app_public.waitlist_entry where event_id = $1", [event.id]);
    expect(states.rows.map((s) => s.status)).toEqual(Array(WAITING).fill("offered"));
    // Exactly the seats no entry wanted went to the rush; the others were refused.
    const directOk = direct.filter((o) => o.ok).length;
    expect(directOk).toBeLessThanOrEqual(CAPACITY - WAITING);
    const refused = direct.filter((o) => !o.ok);
    expect(refused.every((o) => !o.ok && o.code === "BKFUL")).toBe(true);
    expect(refused).toHaveLength(rush.length - directOk);
    const s = await seats(r, event.id);
    expect(s).toEqual({ taken: WAITING + directOk, capacity: CAPACITY, booked: directOk, offered: WAITING });
    expect(entries).toHaveLength(WAITING);
  });

  it("offers go in joined order when fewer seats free up than entries wait", async () => {
    const CAPACITY = 8;
    const { event, tier } = await publishedEvent(r, organizer, { capacity: CAPACITY });
    const holders = users(CAPACITY, 300);
    const bookings = await fill(event.id, tier.id, holders);
    const entries = await line(event.id, users(10, 400));

    // 5 cancellations at once, with 10 direct bookings racing them.
    const rush = users(10, 500);
    const outcomes = await Promise.all<Outcome>([
      ...bookings.slice(0, 5).map((b, i) => r.call(holders[i]!, CANCEL, [b.id])),
      ...rush.map((u) => r.call(u, BOOK, [event.id, tier.id, 1])),
    ]);
    expect(tally(outcomes.slice(0, 5))).toEqual({ ok: 5 });
    expect(tally(outcomes.slice(5))).toEqual({ BKFUL: 10 });
    const { rows } = await r.pool.query("select id, status from app_public.waitlist_entry where event_id = $1", [event.id]);
    const status = new Map(rows.map((row) => [row.id as string, row.status as string]));
    // The 5 longest-waiting are offered, the later 5 still wait.
    expect(entries.map((e) => status.get(e.id))).toEqual([...Array(5).fill("offered"), ...Array(5).fill("waiting")]);
    expect(await seats(r, event.id)).toEqual({ taken: CAPACITY, capacity: CAPACITY, booked: 3, offered: 5 });
  });

  it("acceptances, declines, cancellations and direct bookings at once: capacity holds, every seat counted once", async () => {
    const CAPACITY = 10;
    const { event, tier } = await publishedEvent(r, organizer, { capacity: CAPACITY });
    const holders = users(CAPACITY, 600);
    const bookings = await fill(event.id, tier.id, holders);
    const waiting = users(12, 700);
    const entries = await line(event.id, waiting);
    // 6 seats free up: the first 6 entries are offered.
    for (let i = 0; i < 6; i++) await r.must(holders[i]!, CANCEL, [bookings[i]!.id]);

    const rush = users(10, 800);
    const outcomes = await Promise.all<Outcome>([
      // The first 4 accept, entries 5 and 6 decline (their seats go to entries 7 and 8) …
      ...entries.slice(0, 4).map((e, i) => r.call(waiting[i]!, ACCEPT, [e.id, tier.id, null])),
      ...entries.slice(4, 6).map((e, i) => r.call(waiting[4 + i]!, "select * from app_public.decline_offer($1)", [e.id])),
      // … 2 more holders cancel (seats to entries 9 and 10, or to 7/8 first, in joined order) …
      ...bookings.slice(6, 8).map((b, i) => r.call(holders[6 + i]!, CANCEL, [b.id])),
      // … and the rush tries to book.
      ...rush.map((u) => r.call(u, BOOK, [event.id, tier.id, 1])),
    ]);
    expect(tally(outcomes.slice(0, 4))).toEqual({ ok: 4 });
    expect(tally(outcomes.slice(4, 8))).toEqual({ ok: 4 });
    expect(tally(outcomes.slice(8))).toEqual({ BKFUL: 10 });

    const { rows } = await r.pool.query("select id, status from app_public.waitlist_entry where event_id = $1", [event.id]);
    const status = new Map(rows.map((row) => [row.id as string, row.status as string]));
    expect(entries.map((e) => status.get(e.id))).toEqual([
      ...Array(4).fill("accepted"),
      ...Array(2).fill("declined"),
      ...Array(4).fill("offered"),
      ...Array(2).fill("waiting"),
    ]);
    // 2 holders left + 4 accepted bookings + 4 open offers = capacity.
    expect(await seats(r, event.id)).toEqual({ taken: CAPACITY, capacity: CAPACITY, booked: 6, offered: 4 });
  });
});
