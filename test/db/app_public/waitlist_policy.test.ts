/*
 * The organizer's side of the waiting list, in SQL (210-waitlist-policy):
 * the per-event policy (list_first / first_come), pausing and resuming
 * offers, the list ending with its event (canceled, completed) and with a
 * person's erasure. Committed transactions: offers are made at commit.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TestUser } from "../../helpers/db.ts";
import { racer } from "../../helpers/race.ts";
import { raceUserNo, RACE_PREFIX } from "../factories.ts";
import { ACCEPT, BOOK, CANCEL, JOIN, cleanUp, expectNoDrift, publishedEvent, seats } from "../waitlist-fixtures.ts";

const organizer = raceUserNo(21001, "organizer");
const admin = raceUserNo(21002, "admin");
const user = (n: number): TestUser => raceUserNo(21100 + n);
const r = racer(4);

const POLICY = "select * from app_public.set_waitlist_policy(id => $1, policy => $2)";
const PAUSE = "select * from app_public.pause_waitlist_offers(id => $1)";
const RESUME = "select * from app_public.resume_waitlist_offers(id => $1)";
/** What the offer_waitlist_seats task does (tasks/offer_waitlist_seats.ts), for these tests' events only. */
const OFFER_TASK = "select coalesce(sum(app_hidden.offer_freed_seats(id)), 0)::int as offers from app_hidden.waitlist_events_to_offer() id where id = $1";

afterEach(async () => {
  await expectNoDrift(r.pool, organizer);
  await cleanUp(r.pool, organizer, RACE_PREFIX);
  await r.pool.query("delete from app_private.audit_log where actor_id = $1", [admin.sub]);
});

async function outbox(aggregateId: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const { rows } = await r.pool.query("select event_type as type, data from app_private.outbox where aggregate_id = $1 order by position", [
    aggregateId,
  ]);
  return rows as { type: string; data: Record<string, unknown> }[];
}

async function statuses(eventId: string): Promise<string[]> {
  const { rows } = await r.pool.query("select status from app_public.waitlist_entry where event_id = $1 order by joined_at", [eventId]);
  return rows.map((row) => row.status as string);
}

/** A sold-out event (one 1-seat booking per holder) with `waiting` 1-seat entries in line. */
async function soldOut(capacity: number, waiting: number, base: number) {
  const { event, tier } = await publishedEvent(r, organizer, { capacity });
  const bookings = [];
  for (let i = 0; i < capacity; i++) bookings.push((await r.must(user(base + i), BOOK, [event.id, tier.id, 1]))[0]!);
  const entries = [];
  for (let i = 0; i < waiting; i++) entries.push((await r.must(user(base + 50 + i), JOIN, [event.id, 1, null, false]))[0]!);
  const holder = (i: number) => user(base + i);
  return { event, tier, bookings, entries, holder };
}

describe("set_waitlist_policy", () => {
  it("list_first by default; the organizer or an admin sets it; others, bad input and ended events are refused", async () => {
    const { event } = await publishedEvent(r, organizer, { capacity: 2 });
    expect(event.waitlist_policy).toBe("list_first");
    expect(event.waitlist_paused_at).toBeNull();

    const [set] = await r.must(organizer, POLICY, [event.id, "first_come"]);
    expect(set).toMatchObject({ id: event.id, waitlist_policy: "first_come" });
    const updated = (await outbox(event.id)).filter((m) => m.type === "EventUpdated");
    expect(updated.at(-1)!.data.changes).toEqual({ waitlistPolicy: { from: "list_first", to: "first_come" } });
    // The same again writes nothing.
    await r.must(organizer, POLICY, [event.id, "first_come"]);
    expect((await outbox(event.id)).filter((m) => m.type === "EventUpdated")).toHaveLength(updated.length);
    expect(await r.must(admin, POLICY, [event.id, "list_first"])).toMatchObject([{ waitlist_policy: "list_first" }]);

    expect(await r.call(user(1), POLICY, [event.id, "first_come"])).toMatchObject({ ok: false, code: "42501" });
    expect(await r.call(raceUserNo(21003, "organizer"), POLICY, [event.id, "first_come"])).toMatchObject({ ok: false, code: "42501" });
    expect(await r.call(null, POLICY, [event.id, "first_come"])).toMatchObject({ ok: false, code: "28000" });
    expect(await r.call(organizer, POLICY, [event.id, null])).toMatchObject({ ok: false, code: "22023" });
    expect(await r.call(organizer, POLICY, [event.id, "whoever"])).toMatchObject({ ok: false, code: "22P02" });
    expect(await r.call(organizer, POLICY, ["00000000-0000-4000-8000-000000000000", "first_come"])).toMatchObject({
      ok: false,
      code: "P0002",
    });
    await r.must(organizer, "select app_public.cancel_event($1, 'river too high')", [event.id]);
    expect(await r.call(organizer, POLICY, [event.id, "first_come"])).toMatchObject({ ok: false, code: "55000" });
    expect(await r.call(organizer, PAUSE, [event.id])).toMatchObject({ ok: false, code: "55000" });
  });

  it("first_come: a freed seat is anyone's at once; the offer task gives the list what is still free, in its order", async () => {
    const { event, tier, bookings, entries, holder } = await soldOut(3, 3, 0);
    await r.must(organizer, POLICY, [event.id, "first_come"]);

    // Two seats free up: nothing is offered at commit, a direct booking takes one.
    await r.must(holder(0), CANCEL, [bookings[0]!.id]);
    await r.must(holder(1), CANCEL, [bookings[1]!.id]);
    expect(await statuses(event.id)).toEqual(["waiting", "waiting", "waiting"]);
    await r.must(user(40), BOOK, [event.id, tier.id, 1]);
    expect(await seats(r, event.id)).toEqual({ taken: 2, capacity: 3, booked: 2, offered: 0 });

    // The task's run: the one seat left goes to the first in line.
    expect((await r.one(OFFER_TASK, [event.id])).offers).toBe(1);
    expect(await statuses(event.id)).toEqual(["offered", "waiting", "waiting"]);
    expect((await outbox(entries[0]!.id)).map((m) => m.type)).toEqual(["WaitlistJoined", "SeatsOffered"]);
    expect(await seats(r, event.id)).toEqual({ taken: 3, capacity: 3, booked: 2, offered: 1 });
    // Nothing left: the event is no longer a candidate.
    expect((await r.one(OFFER_TASK, [event.id])).offers).toBe(0);

    // A declined offer's seat stays free for anyone too (first come), until the task runs.
    await r.must(user(50), "select * from app_public.decline_offer($1)", [entries[0]!.id]);
    expect(await statuses(event.id)).toEqual(["declined", "waiting", "waiting"]);
    expect(await seats(r, event.id)).toMatchObject({ taken: 2, offered: 0 });

    // Back to list_first: what is free goes to the list at once.
    await r.must(organizer, POLICY, [event.id, "list_first"]);
    expect(await statuses(event.id)).toEqual(["declined", "offered", "waiting"]);
    await r.must(holder(2), CANCEL, [bookings[2]!.id]);
    expect(await statuses(event.id)).toEqual(["declined", "offered", "offered"]);
    expect(await r.call(user(41), BOOK, [event.id, tier.id, 1])).toMatchObject({ ok: false, code: "BKFUL" });
  });
});

describe("pause_waitlist_offers / resume_waitlist_offers", () => {
  it("paused: no new offers (open ones stay valid, freed seats stay free); resumed: what is free is offered at once, in line order", async () => {
    const { event, tier, bookings, entries, holder } = await soldOut(4, 4, 100);
    await r.must(holder(0), CANCEL, [bookings[0]!.id]);
    expect(await statuses(event.id)).toEqual(["offered", "waiting", "waiting", "waiting"]);

    const [paused] = await r.must(organizer, PAUSE, [event.id]);
    expect(paused!.waitlist_paused_at).not.toBeNull();
    const pausedMessage = (await outbox(event.id)).find((m) => m.type === "WaitlistOffersPaused");
    expect(pausedMessage!.data).toMatchObject({ eventId: event.id, openOffers: 1 });
    // Pausing again changes nothing.
    const [again] = await r.must(organizer, PAUSE, [event.id]);
    expect(again!.waitlist_paused_at).toEqual(paused!.waitlist_paused_at);
    expect(await r.call(user(1), PAUSE, [event.id])).toMatchObject({ ok: false, code: "42501" });

    // Two seats free up while paused: nobody in line is offered them.
    await r.must(holder(1), CANCEL, [bookings[1]!.id]);
    await r.must(holder(2), CANCEL, [bookings[2]!.id]);
    expect(await statuses(event.id)).toEqual(["offered", "waiting", "waiting", "waiting"]);
    expect(await seats(r, event.id)).toEqual({ taken: 2, capacity: 4, booked: 1, offered: 1 });
    // The open offer is still good.
    const [booking] = await r.must(user(150), ACCEPT, [entries[0]!.id, tier.id, null]);
    expect(booking).toMatchObject({ quantity: 1, status: "pending_payment" });
    // The offer task leaves a paused first_come event alone too.
    await r.must(organizer, POLICY, [event.id, "first_come"]);
    expect((await r.one(OFFER_TASK, [event.id])).offers).toBe(0);
    await r.must(organizer, POLICY, [event.id, "list_first"]);
    expect(await statuses(event.id)).toEqual(["accepted", "waiting", "waiting", "waiting"]);

    // Resume: the two free seats go to the next two in line, at once.
    const [resumed] = await r.must(organizer, RESUME, [event.id]);
    expect(resumed!.waitlist_paused_at).toBeNull();
    expect(await statuses(event.id)).toEqual(["accepted", "offered", "offered", "waiting"]);
    const resumedMessage = (await outbox(event.id)).find((m) => m.type === "WaitlistOffersResumed");
    expect(resumedMessage!.data).toMatchObject({ eventId: event.id, offersMade: 2, pausedAt: expect.any(String) });
    expect(await seats(r, event.id)).toEqual({ taken: 4, capacity: 4, booked: 2, offered: 2 });
    // Resuming again changes nothing; an admin may pause too.
    await r.must(organizer, RESUME, [event.id]);
    expect((await outbox(event.id)).filter((m) => m.type === "WaitlistOffersResumed")).toHaveLength(1);
    expect(await r.must(admin, PAUSE, [event.id])).toMatchObject([{ id: event.id }]);
  });
});

describe("the list ends with its event", () => {
  it("canceled: waiting entries end, open offers are withdrawn, their seats released; the counters are exact and nothing is offered", async () => {
    const { event, tier, bookings, entries, holder } = await soldOut(3, 4, 200);
    // Two seats free up: the first two in line are offered them.
    await r.must(holder(0), CANCEL, [bookings[0]!.id]);
    await r.must(holder(1), CANCEL, [bookings[1]!.id]);
    expect(await statuses(event.id)).toEqual(["offered", "offered", "waiting", "waiting"]);
    expect(await seats(r, event.id)).toEqual({ taken: 3, capacity: 3, booked: 1, offered: 2 });

    await r.must(organizer, "select app_public.cancel_event($1, 'river too high')", [event.id]);
    const { rows } = await r.pool.query(
      "select status, end_reason, offered_seats, ended_at is not null as ended from app_public.waitlist_entry where event_id = $1 order by joined_at",
      [event.id],
    );
    expect(rows).toEqual([
      { status: "ended", end_reason: "event_canceled", offered_seats: 1, ended: true },
      { status: "ended", end_reason: "event_canceled", offered_seats: 1, ended: true },
      { status: "ended", end_reason: "event_canceled", offered_seats: null, ended: true },
      { status: "ended", end_reason: "event_canceled", offered_seats: null, ended: true },
    ]);
    // Every seat is released: the offers' and the last booking's.
    expect(await seats(r, event.id)).toEqual({ taken: 0, capacity: 3, booked: 0, offered: 0 });
    expect((await outbox(entries[0]!.id)).map((m) => m.type)).toEqual(["WaitlistJoined", "SeatsOffered", "OfferWithdrawn"]);
    expect((await outbox(entries[2]!.id)).map((m) => m.type)).toEqual(["WaitlistJoined", "WaitlistEnded"]);
    expect((await outbox(entries[2]!.id)).at(-1)!.data).toMatchObject({ status: "ended", endReason: "event_canceled" });
    // The ended entries cannot be accepted, declined or left any more.
    expect(await r.call(user(250), ACCEPT, [entries[0]!.id, tier.id, null])).toMatchObject({ ok: false, code: "WLNOF" });
    expect(await r.call(user(252), "select * from app_public.leave_waitlist($1)", [entries[2]!.id])).toMatchObject({
      ok: false,
      code: "WLEND",
    });
  });

  it("completed: the entries still waiting end with event_completed", async () => {
    const { event, entries } = await soldOut(1, 2, 300);
    // What complete_ended_events does to an event whose end has passed.
    await r.pool.query("update app_public.event set status = 'completed' where id = $1", [event.id]);
    expect(await statuses(event.id)).toEqual(["ended", "ended"]);
    expect((await outbox(entries[1]!.id)).at(-1)).toMatchObject({ type: "WaitlistEnded", data: { endReason: "event_completed" } });
  });
});

describe("nothing is offered for an event not taking bookings", () => {
  it("past its booking deadline: a freed seat is not offered, not by the task, not on resume", async () => {
    const { event, bookings, holder } = await soldOut(1, 1, 500);
    // The booking deadline passes (as the owner: start in an hour, bookings close 24 h before).
    await r.pool.query("update app_public.event set starts_at = now() + interval '1 hour', ends_at = now() + interval '3 hours' where id = $1", [
      event.id,
    ]);
    await r.must(holder(0), CANCEL, [bookings[0]!.id]);
    expect(await statuses(event.id)).toEqual(["waiting"]);
    await r.must(organizer, POLICY, [event.id, "first_come"]);
    expect((await r.one(OFFER_TASK, [event.id])).offers).toBe(0);
    await r.must(organizer, PAUSE, [event.id]);
    await r.must(organizer, RESUME, [event.id]);
    expect(await statuses(event.id)).toEqual(["waiting"]);
    expect(await seats(r, event.id)).toEqual({ taken: 0, capacity: 1, booked: 0, offered: 0 });
    // The expiry task's sweep ends the entries still waiting: nothing can be offered to them any more.
    await r.must(null, "select app_hidden.end_closed_waitlists()");
    const [ended] = await r.pool.query("select id, status, end_reason from app_public.waitlist_entry where event_id = $1", [event.id]).then((q) => q.rows);
    expect(ended).toMatchObject({ status: "ended", end_reason: "bookings_closed" });
    expect((await outbox(ended!.id)).at(-1)).toMatchObject({ type: "WaitlistEnded", data: { endReason: "bookings_closed" } });
  });
});

describe("erase_user_data and the waiting list", () => {
  it("ends the person's live entries (an open offer's seats go to the next in line) and leaves no row naming them", async () => {
    const { event, bookings, entries, holder } = await soldOut(1, 2, 400);
    await r.must(holder(0), CANCEL, [bookings[0]!.id]);
    expect(await statuses(event.id)).toEqual(["offered", "waiting"]);
    const person = user(450);

    const [{ r: result }] = (await r.must(person, "select app_public.erase_user_data($1) as r", [person.sub])) as [{ r: { erased: Record<string, number> } }];
    expect(result.erased).toMatchObject({ waitlistEntries: 1 });
    const { rows } = await r.pool.query("select status, end_reason, user_id from app_public.waitlist_entry where event_id = $1 order by joined_at", [
      event.id,
    ]);
    // The person's offer was withdrawn and its seat offered to the next in line at commit.
    expect(rows.map((row) => [row.status, row.end_reason])).toEqual([
      ["ended", "user_erased"],
      ["offered", null],
    ]);
    expect(rows[0]!.user_id).not.toBe(person.sub);
    expect(await seats(r, event.id)).toEqual({ taken: 1, capacity: 1, booked: 0, offered: 1 });
    expect((await outbox(entries[0]!.id)).map((m) => m.type)).toEqual(["WaitlistJoined", "SeatsOffered", "OfferWithdrawn"]);

    // No table names the person any more, except the announcement other services erase by.
    const tables = await r.pool.query(
      `select format('%I.%I', n.nspname, c.relname) as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('app_public', 'app_private') and c.relkind in ('r', 'p') and not c.relispartition`,
    );
    const naming: string[] = [];
    for (const { t } of tables.rows) {
      const found = await r.pool.query(`select x::text as row from ${t} x where x::text like '%' || $1 || '%'`, [person.sub]);
      naming.push(...found.rows.map((f) => `${t}: ${f.row}`));
    }
    expect(naming).toEqual([expect.stringMatching(/^app_private\.outbox: .*UserDataErased/)]);
    await r.pool.query("delete from app_private.outbox where aggregate_id = $1", [person.sub]);
  });
});
