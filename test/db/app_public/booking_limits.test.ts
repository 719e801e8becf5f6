/*
 * The anti-hoarding limits of create_booking / quote_booking: unpaid bookings
 * per user and per organizer, seats per booking per event, the cool-down
 * after repeated cancel/lapse cycles. Each refusal has its own code, writes
 * nothing, and each limit follows its app_private.setting row at once.
 */
import { describe, expect, it } from "vitest";
import { becomeUser, expectPgError, newUser, withRootTx, type TestUser, type Tx } from "../../helpers/db.ts";
import { CREATE_BOOKING, createBooking, createPublishedEvent, firstTier, rootQuery, rowCounts, type Row } from "../factories.ts";

const QUOTE = "select * from app_public.quote_booking(event_id => $1, price_tier_id => $2, quantity => $3, promo_code => $4)";
const CANCEL = "select * from app_public.cancel_booking($1, 'changed my mind')";

async function setting(tx: Tx, key: string, value: string): Promise<void> {
  await rootQuery(tx, "update app_private.setting set value = $2, updated_at = now() where key = $1", [key, value]);
}

async function eventWithTier(tx: Tx, organizer: TestUser = newUser("organizer")): Promise<{ event: Row; tier: Row }> {
  const event = await createPublishedEvent(tx, organizer, { capacity: 50 });
  return { event, tier: await firstTier(tx, event.id) };
}

/** The call is refused with `code`, and nothing at all was written. */
async function refusedWithNothingWritten(tx: Tx, user: TestUser, params: unknown[], code: string): Promise<string> {
  const before = await rowCounts(tx);
  await becomeUser(tx, user);
  const quote = await expectPgError(tx, QUOTE, params);
  expect(quote.code).toBe(code);
  const error = await expectPgError(tx, CREATE_BOOKING, params);
  expect(error.code).toBe(code);
  expect(await rowCounts(tx)).toEqual(before);
  return error.message;
}

describe("unpaid bookings per user (BKPEN)", () => {
  it("the default allows 5 unpaid bookings; the 6th is refused and writes nothing", async () => {
    await withRootTx(async (tx) => {
      const user = newUser("user");
      for (let i = 0; i < 5; i++) {
        const { event, tier } = await eventWithTier(tx); // a new organizer each: BKPOR stays out of the way
        expect((await createBooking(tx, user, event.id, tier.id)).status).toBe("pending_payment");
      }
      const { event, tier } = await eventWithTier(tx);
      const message = await refusedWithNothingWritten(tx, user, [event.id, tier.id, 1, null], "BKPEN");
      expect(message).toBe("you already hold 5 unpaid booking(s), the most allowed at once");
    });
  });

  it("follows the setting at once; paid, canceled and overdue bookings do not count", async () => {
    await withRootTx(async (tx) => {
      await setting(tx, "booking_max_pending_per_user", "2");
      const user = newUser("user");
      const a = await eventWithTier(tx);
      const b = await eventWithTier(tx);
      const c = await eventWithTier(tx);
      const first = await createBooking(tx, user, a.event.id, a.tier.id);
      await createBooking(tx, user, b.event.id, b.tier.id);
      await refusedWithNothingWritten(tx, user, [c.event.id, c.tier.id, 1, null], "BKPEN");

      // A hold past its payment deadline is about to expire: it no longer counts.
      await rootQuery(tx, "update app_public.booking set payment_deadline = now() - interval '1 minute' where id = $1", [first.id]);
      await becomeUser(tx, user);
      expect((await createBooking(tx, user, c.event.id, c.tier.id)).status).toBe("pending_payment");

      const d = await eventWithTier(tx);
      await refusedWithNothingWritten(tx, user, [d.event.id, d.tier.id, 1, null], "BKPEN");
      await setting(tx, "booking_max_pending_per_user", "3");
      expect((await createBooking(tx, user, d.event.id, d.tier.id)).status).toBe("pending_payment");
    });
  });

  it("a canceled booking frees its place in the count", async () => {
    await withRootTx(async (tx) => {
      await setting(tx, "booking_max_pending_per_user", "1");
      const user = newUser("user");
      const a = await eventWithTier(tx);
      const b = await eventWithTier(tx);
      const booking = await createBooking(tx, user, a.event.id, a.tier.id);
      await refusedWithNothingWritten(tx, user, [b.event.id, b.tier.id, 1, null], "BKPEN");
      await tx.query(CANCEL, [booking.id]);
      expect((await createBooking(tx, user, b.event.id, b.tier.id)).status).toBe("pending_payment");
    });
  });
});

describe("unpaid bookings per organizer (BKPOR)", () => {
  it("the default allows 3 unpaid bookings of one organizer's events; other organizers are unaffected", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const user = newUser("user");
      for (let i = 0; i < 3; i++) {
        const { event, tier } = await eventWithTier(tx, organizer);
        await createBooking(tx, user, event.id, tier.id);
      }
      const fourth = await eventWithTier(tx, organizer);
      const message = await refusedWithNothingWritten(tx, user, [fourth.event.id, fourth.tier.id, 1, null], "BKPOR");
      expect(message).toBe("you already hold 3 unpaid booking(s) for this organizer's events, the most allowed at once");

      const elsewhere = await eventWithTier(tx);
      expect((await createBooking(tx, user, elsewhere.event.id, elsewhere.tier.id)).status).toBe("pending_payment");
    });
  });
});

describe("seats per booking (BKMAX)", () => {
  it("defaults to the setting (10), then follows the event's own max_seats_per_booking", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const { event, tier } = await eventWithTier(tx, organizer);
      const message = await refusedWithNothingWritten(tx, newUser("user"), [event.id, tier.id, 11, null], "BKMAX");
      expect(message).toBe("at most 10 seat(s) per booking for this event");
      // 21 stays the general quantity rule (1..20) whatever the limits say.
      await refusedWithNothingWritten(tx, newUser("user"), [event.id, tier.id, 21, null], "BKQTY");

      await setting(tx, "booking_max_seats_default", "4");
      await refusedWithNothingWritten(tx, newUser("user"), [event.id, tier.id, 5, null], "BKMAX");

      await becomeUser(tx, organizer);
      const { rows } = await tx.query("select * from app_public.set_event_max_seats_per_booking($1, 2)", [event.id]);
      expect(rows[0]!.max_seats_per_booking).toBe(2);
      await refusedWithNothingWritten(tx, newUser("user"), [event.id, tier.id, 3, null], "BKMAX");
      expect((await createBooking(tx, newUser("user"), event.id, tier.id, 2)).quantity).toBe(2);
    });
  });

  it("only the event's organizer or an admin sets it, within 1..20, and the change is announced", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const { event } = await eventWithTier(tx, organizer);
      await becomeUser(tx, newUser("organizer"));
      expect((await expectPgError(tx, "select app_public.set_event_max_seats_per_booking($1, 2)", [event.id])).code).toBe("42501");
      await becomeUser(tx, newUser("user"));
      expect((await expectPgError(tx, "select app_public.set_event_max_seats_per_booking($1, 2)", [event.id])).code).toBe("42501");
      await becomeUser(tx, organizer);
      const bad = await expectPgError(tx, "select app_public.set_event_max_seats_per_booking($1, 21)", [event.id]);
      expect(bad).toMatchObject({ code: "22023", message: "max_seats_per_booking must be between 1 and 20" });

      await becomeUser(tx, newUser("admin"));
      await tx.query("select app_public.set_event_max_seats_per_booking($1, 6)", [event.id]);
      const outbox = await rootQuery(
        tx,
        "select data from app_private.outbox where aggregate_id = $1 and event_type = 'EventUpdated' order by position",
        [event.id],
      );
      expect(outbox.at(-1)!.data.changes).toEqual({ maxSeatsPerBooking: 6 });
    });
  });
});

describe("cool-down after repeated cancel cycles (BKCDN)", () => {
  it("after 3 bookings of one event canceled by the user, the 4th attempt waits; other events are unaffected", async () => {
    await withRootTx(async (tx) => {
      const user = newUser("user");
      const { event, tier } = await eventWithTier(tx);
      for (let i = 0; i < 3; i++) {
        const booking = await createBooking(tx, user, event.id, tier.id);
        await tx.query(CANCEL, [booking.id]);
      }
      const message = await refusedWithNothingWritten(tx, user, [event.id, tier.id, 1, null], "BKCDN");
      expect(message).toMatch(/^you canceled or let lapse 3 bookings of this event lately: you can book it again from /);

      const other = await eventWithTier(tx);
      expect((await createBooking(tx, user, other.event.id, other.tier.id)).status).toBe("pending_payment");

      // Turning the cool-down off (0 minutes) lets the user book at once.
      await setting(tx, "booking_cooldown_minutes", "0");
      expect((await createBooking(tx, user, event.id, tier.id)).status).toBe("pending_payment");
    });
  });

  it("lapsed (expired) bookings count; cancellations by the organizer and old ones do not", async () => {
    await withRootTx(async (tx) => {
      await setting(tx, "booking_cooldown_after", "2");
      const organizer = newUser("organizer");
      const user = newUser("user");
      const { event, tier } = await eventWithTier(tx, organizer);

      const canceledByOrganizer = await createBooking(tx, user, event.id, tier.id);
      await becomeUser(tx, organizer);
      await tx.query(CANCEL, [canceledByOrganizer.id]);

      const lapsed = await createBooking(tx, user, event.id, tier.id);
      await rootQuery(tx, "select app_hidden.end_booking(b, 'expired', null) from app_public.booking b where b.id = $1", [lapsed.id]);

      // One lapse + one organizer cancellation: below the threshold of 2.
      const canceled = await createBooking(tx, user, event.id, tier.id);
      await tx.query(CANCEL, [canceled.id]);
      // Now one lapse + one own cancellation: the threshold is reached.
      await refusedWithNothingWritten(tx, user, [event.id, tier.id, 1, null], "BKCDN");

      // Outside the window they no longer count.
      await rootQuery(
        tx,
        `update app_public.booking set canceled_at = canceled_at - interval '2 hours', expired_at = expired_at - interval '2 hours'
         where event_id = $1 and user_id = $2`,
        [event.id, user.sub],
      );
      await becomeUser(tx, user);
      expect((await createBooking(tx, user, event.id, tier.id)).status).toBe("pending_payment");
    });
  });
});

describe("settings", () => {
  it("refuses values out of range (the check constraint)", async () => {
    await withRootTx(async (tx) => {
      for (const [key, value] of [
        ["booking_max_pending_per_user", "0"],
        ["booking_max_pending_per_organizer", "many"],
        ["booking_max_seats_default", "21"],
        ["booking_cooldown_after", "0"],
        ["booking_cooldown_window_minutes", "0"],
        ["booking_cooldown_minutes", "-1"],
      ]) {
        const error = await expectPgError(tx, "update app_private.setting set value = $2 where key = $1", [key, value]);
        expect(error, `${key} = ${value}`).toMatchObject({ code: "23514", constraint: "setting_value_check" });
      }
    });
  });
});
