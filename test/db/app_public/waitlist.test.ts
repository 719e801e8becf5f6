/*
 * The waiting list, use case by use case: joining (only when sold out, one
 * live entry, the quantity rules), leaving, offers made at the commit of the
 * transaction that freed seats (in joined order, fitting entries only, fewer
 * seats only with accepts_fewer), accepting (a normal booking, seats counted
 * once), declining and expiry passing seats on, a raised capacity, and who
 * sees the list. Real PostgreSQL, committed transactions (the offers are made
 * by a deferred trigger at commit).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TestUser } from "../../helpers/db.ts";
import { racer } from "../../helpers/race.ts";
import { raceUserNo, RACE_PREFIX } from "../factories.ts";
import { ACCEPT, BOOK, CANCEL, JOIN, cleanUp, expectNoDrift, publishedEvent, seats } from "../waitlist-fixtures.ts";

const organizer = raceUserNo(18001, "organizer");
const user = (n: number): TestUser => raceUserNo(18100 + n);
const r = racer(4);

afterEach(async () => {
  await expectNoDrift(r.pool, organizer);
  await cleanUp(r.pool, organizer, RACE_PREFIX);
});

async function outboxTypes(entryId: string): Promise<string[]> {
  const { rows } = await r.pool.query("select event_type from app_private.outbox where aggregate_id = $1 order by position", [entryId]);
  return rows.map((row) => row.event_type as string);
}

async function entry(id: string) {
  return r.one("select * from app_public.waitlist_entry where id = $1", [id]);
}

describe("join_waitlist / leave_waitlist", () => {
  it("joins only a sold-out event, once, within the quantity rules; leaving ends the entry", async () => {
    const { event, tier } = await publishedEvent(r, organizer, { capacity: 3 });
    // Seats free: book them instead.
    expect(await r.call(user(1), JOIN, [event.id, 2, null, false])).toMatchObject({ ok: false, code: "WLFRE" });
    await r.must(user(1), BOOK, [event.id, tier.id, 2]);
    // One seat left: enough for 1, not for 2.
    expect(await r.call(user(2), JOIN, [event.id, 1, null, false])).toMatchObject({ ok: false, code: "WLFRE" });
    const [joined] = await r.must(user(2), JOIN, [event.id, 2, null, true]);
    expect(joined).toMatchObject({ status: "waiting", seats_wanted: 2, accepts_fewer: true, user_id: user(2).sub });
    expect(await outboxTypes(joined!.id)).toEqual(["WaitlistJoined"]);

    expect(await r.call(user(2), JOIN, [event.id, 2, null, false])).toMatchObject({ ok: false, code: "WLDUP" });
    expect(await r.call(user(1), JOIN, [event.id, 2, null, false])).toMatchObject({ ok: false, code: "BKDUP" });
    expect(await r.call(organizer, JOIN, [event.id, 2, null, false])).toMatchObject({ ok: false, code: "BKOWN" });
    expect(await r.call(user(3), JOIN, [event.id, 0, null, false])).toMatchObject({ ok: false, code: "BKQTY" });
    expect(await r.call(user(3), JOIN, [event.id, 11, null, false])).toMatchObject({ ok: false, code: "BKMAX" });
    expect(await r.call(null, JOIN, [event.id, 2, null, false])).toMatchObject({ ok: false, code: "28000" });

    const [left] = await r.must(user(2), "select * from app_public.leave_waitlist($1)", [joined!.id]);
    expect(left).toMatchObject({ status: "left" });
    expect(left!.ended_at).not.toBeNull();
    expect(await outboxTypes(joined!.id)).toEqual(["WaitlistJoined", "WaitlistLeft"]);
    expect(await r.call(user(2), "select * from app_public.leave_waitlist($1)", [joined!.id])).toMatchObject({ ok: false, code: "WLEND" });
    // Someone else's entry does not exist for them.
    expect(await r.call(user(3), "select * from app_public.leave_waitlist($1)", [joined!.id])).toMatchObject({ ok: false, code: "P0002" });
    // After leaving, joining again is a new entry.
    const [again] = await r.must(user(2), JOIN, [event.id, 2, null, false]);
    expect(again!.id).not.toBe(joined!.id);
  });

  it("a tier entry needs the tier sold out; a tier of another event is refused", async () => {
    const { event, tier } = await publishedEvent(r, organizer, {
      capacity: 10,
      priceTiers: [
        { name: "Early", price: 50, currency: "EUR", quota: 2 },
        { name: "Adult", price: 120, currency: "EUR", quota: null },
      ],
    });
    const other = await publishedEvent(r, organizer, { capacity: 5 });
    await r.must(user(1), BOOK, [event.id, tier.id, 2]);
    expect(await r.call(user(2), JOIN, [event.id, 1, other.tier.id, false])).toMatchObject({ ok: false, code: "BKTEV" });
    const [joined] = await r.must(user(2), JOIN, [event.id, 1, tier.id, false]);
    expect(joined).toMatchObject({ price_tier_id: tier.id, status: "waiting" });
  });
});

describe("offers", () => {
  it("a cancellation offers the freed seats in joined order, to entries that fit; fewer seats only with accepts_fewer", async () => {
    const { event, tier } = await publishedEvent(r, organizer, { capacity: 4 });
    const [b1] = await r.must(user(1), BOOK, [event.id, tier.id, 3]);
    await r.must(user(2), BOOK, [event.id, tier.id, 1]);
    const [wants4] = await r.must(user(3), JOIN, [event.id, 4, null, false]); // never fits 3 free seats
    const [wants2] = await r.must(user(4), JOIN, [event.id, 2, null, false]);
    const [wants2fewer] = await r.must(user(5), JOIN, [event.id, 2, null, true]);
    const [wants1] = await r.must(user(6), JOIN, [event.id, 1, null, false]);

    await r.must(user(1), CANCEL, [b1!.id]);
    // 3 seats freed: wants4 skipped (does not fit, no fewer), wants2 gets 2, wants2fewer gets the last 1.
    expect(await entry(wants4!.id)).toMatchObject({ status: "waiting", offered_seats: null });
    expect(await entry(wants2!.id)).toMatchObject({ status: "offered", offered_seats: 2 });
    expect(await entry(wants2fewer!.id)).toMatchObject({ status: "offered", offered_seats: 1 });
    expect(await entry(wants1!.id)).toMatchObject({ status: "waiting" });
    expect(await seats(r, event.id)).toEqual({ taken: 4, capacity: 4, booked: 1, offered: 3 });
    expect(await outboxTypes(wants2!.id)).toEqual(["WaitlistJoined", "SeatsOffered"]);
    const offered = await entry(wants2!.id);
    // The hold: setting waitlist_offer_hold_minutes (default 120).
    const holdMs = new Date(offered.offer_expires_at).getTime() - new Date(offered.offered_at).getTime();
    expect(holdMs).toBe(120 * 60 * 1000);

    // Held seats are not bookable by anyone else.
    expect(await r.call(user(7), BOOK, [event.id, tier.id, 1])).toMatchObject({ ok: false, code: "BKFUL" });

    // Accepting: a normal pending-payment booking for the offered seats, counted once.
    const [booking] = await r.must(user(4), ACCEPT, [wants2!.id, tier.id, null]);
    expect(booking).toMatchObject({ status: "pending_payment", quantity: 2, user_id: user(4).sub, price_tier_id: tier.id });
    expect(await entry(wants2!.id)).toMatchObject({ status: "accepted", booking_id: booking!.id });
    expect(await seats(r, event.id)).toEqual({ taken: 4, capacity: 4, booked: 3, offered: 1 });
    expect(await outboxTypes(wants2!.id)).toEqual(["WaitlistJoined", "SeatsOffered", "OfferAccepted"]);
    expect(await r.call(user(4), ACCEPT, [wants2!.id, tier.id, null])).toMatchObject({ ok: false, code: "WLNOF" });

    // Declining passes the seat on: wants4 still does not fit, wants1 does.
    const [declined] = await r.must(user(5), "select * from app_public.decline_offer($1)", [wants2fewer!.id]);
    expect(declined).toMatchObject({ status: "declined" });
    expect(await entry(wants1!.id)).toMatchObject({ status: "offered", offered_seats: 1 });
    expect(await entry(wants4!.id)).toMatchObject({ status: "waiting" });
    expect(await seats(r, event.id)).toEqual({ taken: 4, capacity: 4, booked: 3, offered: 1 });
    expect(await outboxTypes(wants2fewer!.id)).toEqual(["WaitlistJoined", "SeatsOffered", "OfferDeclined"]);
  });

  it("an any-tier entry names its tier when accepting; a tier entry's offer holds the tier's quota too", async () => {
    const { event, tier } = await publishedEvent(r, organizer, {
      capacity: 2,
      priceTiers: [
        { name: "Adult", price: 120, currency: "EUR", quota: 1 },
        { name: "Child", price: 60, currency: "EUR", quota: null },
      ],
    });
    const child = await r.one("select * from app_public.event_price_tier where event_id = $1 and name = 'Child'", [event.id]);
    const [adultBooking] = await r.must(user(1), BOOK, [event.id, tier.id, 1]);
    const [childBooking] = await r.must(user(2), BOOK, [event.id, child.id, 1]);
    const [anyTier] = await r.must(user(3), JOIN, [event.id, 1, null, false]);
    const [adultOnly] = await r.must(user(4), JOIN, [event.id, 1, tier.id, false]);

    await r.must(user(2), CANCEL, [childBooking!.id]);
    // The first in line (any tier) gets the seat.
    expect(await entry(anyTier!.id)).toMatchObject({ status: "offered", offered_seats: 1 });
    expect(await r.call(user(3), ACCEPT, [anyTier!.id, null, null])).toMatchObject({ ok: false, code: "22023" });
    // The Adult quota (1) is full: accepting into it is refused and the offer stays.
    expect(await r.call(user(3), ACCEPT, [anyTier!.id, tier.id, null])).toMatchObject({ ok: false, code: "BKTQF" });
    expect(await entry(anyTier!.id)).toMatchObject({ status: "offered" });
    await r.must(user(3), ACCEPT, [anyTier!.id, child.id, null]);

    // An Adult seat frees: the Adult entry's offer holds the event and the tier counter.
    await r.must(user(1), CANCEL, [adultBooking!.id]);
    expect(await entry(adultOnly!.id)).toMatchObject({ status: "offered", offered_seats: 1 });
    const tierCounter = await r.one("select seats_taken from app_public.price_tier_seat_counter where price_tier_id = $1", [tier.id]);
    expect(tierCounter.seats_taken).toBe(1);
    expect(await r.call(user(4), ACCEPT, [adultOnly!.id, child.id, null])).toMatchObject({ ok: false, code: "BKTEV" });
    const [booking] = await r.must(user(4), ACCEPT, [adultOnly!.id, null, null]);
    expect(booking).toMatchObject({ price_tier_id: tier.id, quantity: 1 });
  });

  it("an expired offer passes its seats on (the expiry job's SQL); accepting after the hold time is refused", async () => {
    const { event, tier } = await publishedEvent(r, organizer, { capacity: 1 });
    const [b] = await r.must(user(1), BOOK, [event.id, tier.id, 1]);
    const [first] = await r.must(user(2), JOIN, [event.id, 1, null, false]);
    const [second] = await r.must(user(3), JOIN, [event.id, 1, null, false]);
    await r.must(user(1), CANCEL, [b!.id]);
    expect(await entry(first!.id)).toMatchObject({ status: "offered" });
    // The hold has run out (faked: moved into the past).
    await r.must(null, "update app_public.waitlist_entry set offer_expires_at = now() - interval '1 second' where id = $1", [first!.id]);
    expect(await r.call(user(2), ACCEPT, [first!.id, tier.id, null])).toMatchObject({ ok: false, code: "WLOEX" });

    const [{ expired }] = (await r.must(null, "select app_hidden.expire_overdue_offers() as expired")) as [{ expired: number }];
    expect(expired).toBeGreaterThanOrEqual(1);
    expect(await entry(first!.id)).toMatchObject({ status: "expired" });
    expect(await entry(second!.id)).toMatchObject({ status: "offered", offered_seats: 1 });
    expect(await seats(r, event.id)).toEqual({ taken: 1, capacity: 1, booked: 0, offered: 1 });
    expect(await outboxTypes(first!.id)).toEqual(["WaitlistJoined", "SeatsOffered", "OfferExpired"]);
  });

  it("a raised capacity offers the new seats; leaving with an open offer gives them up", async () => {
    const { event, tier } = await publishedEvent(r, organizer, { capacity: 1 });
    await r.must(user(1), BOOK, [event.id, tier.id, 1]);
    const [first] = await r.must(user(2), JOIN, [event.id, 2, null, false]);
    const [second] = await r.must(user(3), JOIN, [event.id, 1, null, false]);
    await r.must(organizer, "select app_public.update_event(id => $1, capacity => 3)", [event.id]);
    expect(await entry(first!.id)).toMatchObject({ status: "offered", offered_seats: 2 });
    expect(await entry(second!.id)).toMatchObject({ status: "waiting" });
    await r.must(user(2), "select * from app_public.leave_waitlist($1)", [first!.id]);
    expect(await entry(first!.id)).toMatchObject({ status: "left" });
    expect(await entry(second!.id)).toMatchObject({ status: "offered", offered_seats: 1 });
    expect(await seats(r, event.id)).toEqual({ taken: 2, capacity: 3, booked: 1, offered: 1 });
  });
});

describe("who sees the list", () => {
  it("the user sees their own entry, the organizer the event's list, others nothing", async () => {
    const { event, tier } = await publishedEvent(r, organizer, { capacity: 1 });
    await r.must(user(1), BOOK, [event.id, tier.id, 1]);
    await r.must(user(2), JOIN, [event.id, 1, null, false]);
    await r.must(user(3), JOIN, [event.id, 1, null, false]);
    const list = "select user_id from app_public.waitlist_entry where event_id = $1 order by joined_at";
    expect(await r.must(user(2), list, [event.id])).toEqual([{ user_id: user(2).sub }]);
    expect(await r.must(user(1), list, [event.id])).toEqual([]);
    expect(await r.must(organizer, list, [event.id])).toEqual([{ user_id: user(2).sub }, { user_id: user(3).sub }]);
    // No direct writes.
    expect(await r.call(user(2), "update app_public.waitlist_entry set seats_wanted = 1")).toMatchObject({ ok: false, code: "42501" });
    expect(
      await r.call(user(4), "insert into app_public.waitlist_entry (event_id, user_id, seats_wanted) values ($1, $2, 1)", [event.id, user(4).sub]),
    ).toMatchObject({ ok: false, code: "42501" });
  });
});
