/*
 * Tickets (185-tickets of migration 000009): issued per seat when a booking is confirmed,
 * voided when it is canceled, seen by holder/organizer/admin only; check-in
 * by code (idempotent, refusals with their codes), undo within the window,
 * offline batches with conflicts, the per-event counts.
 */
import { describe, expect, it } from "vitest";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx as withRolledBackTx, type Tx } from "../../helpers/db.ts";
import {
  bookedEvent,
  createBooking,
  createPublishedEvent,
  firstTier,
  outboxFor,
  payBooking,
  rootQuery,
  type Row,
} from "../factories.ts";

const CHECK_IN = "select * from app_public.check_in_ticket($1)";
const UNDO = "select * from app_public.undo_check_in($1)";
const BATCH = `select * from app_public.check_in_batch(
  (select array_agg(jsonb_populate_record(null::app_public.ticket_scan_input, s.value) order by s.ordinality)
     from jsonb_array_elements($1::jsonb) with ordinality as s))`;

/**
 * These transactions are rolled back, never committed: the ticket trigger is
 * deferred to commit, so it is made immediate here to see the tickets at all
 * (check_in_races.test.ts shows the committed order of the outbox).
 */
async function withRootTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return withRolledBackTx(async (tx) => {
    await tx.query("set constraints app_public._600_tickets immediate");
    return fn(tx);
  });
}

/** A published event and a confirmed (paid) booking of `quantity` seats; the transaction is left as the holder. */
async function confirmedBooking(tx: Tx, quantity = 2) {
  const setup = await bookedEvent(tx, { quantity });
  await payBooking(tx, setup.user, setup.booking.id);
  await becomeUser(tx, setup.user);
  return setup;
}

async function ticketsOf(tx: Tx, bookingId: string): Promise<Row[]> {
  return rootQuery(tx, "select * from app_public.ticket where booking_id = $1 order by status, seat_no", [bookingId]);
}

describe("tickets", () => {
  it("a confirmed booking gets one valid ticket per seat with a unique 8-character code, and TicketsIssued", async () => {
    await withRootTx(async (tx) => {
      const { booking, event } = await bookedEvent(tx, { quantity: 3 });
      expect(await ticketsOf(tx, booking.id)).toEqual([]); // pending: no tickets yet
      const { user } = { user: (await rootQuery(tx, "select user_id from app_public.booking where id = $1", [booking.id]))[0]! };
      await payBooking(tx, { sub: user.user_id, roles: ["user"] }, booking.id);
      const tickets = await ticketsOf(tx, booking.id);
      expect(tickets.map((t) => [t.seat_no, t.status, t.version, t.event_id])).toEqual([
        [1, "valid", 1, event.id],
        [2, "valid", 1, event.id],
        [3, "valid", 1, event.id],
      ]);
      for (const t of tickets) expect(t.code).toMatch(/^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$/);
      expect(new Set(tickets.map((t) => t.code)).size).toBe(3);
      const issued = (await outboxFor(tx, booking.id)).filter((r) => r.event_type === "TicketsIssued");
      expect(issued).toHaveLength(1);
      expect(issued[0]!.data.tickets.map((t: Row) => t.ticketId).sort()).toEqual(tickets.map((t) => t.id).sort());
      expect(JSON.stringify(issued[0]!.data)).not.toContain(tickets[0]!.code); // codes stay off Kafka
    });
  });

  it("a free booking (confirmed at once) gets its tickets in the same call", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer, { priceTiers: [{ name: "Free", price: 0, currency: "EUR" }] });
      const tier = await firstTier(tx, event.id);
      const booking = await createBooking(tx, newUser("user"), event.id, tier.id, 2);
      expect(booking.status).toBe("confirmed");
      expect((await ticketsOf(tx, booking.id)).map((t) => t.status)).toEqual(["valid", "valid"]);
    });
  });

  it("the holder, the organizer and admins see the tickets; another user and anonymous do not", async () => {
    await withRootTx(async (tx) => {
      const { organizer, user, booking } = await confirmedBooking(tx, 2);
      const visible = async () => (await tx.query("select id from app_public.ticket where booking_id = $1", [booking.id])).rowCount;
      await becomeUser(tx, user);
      expect(await visible()).toBe(2);
      await becomeUser(tx, organizer);
      expect(await visible()).toBe(2);
      await becomeUser(tx, newUser("admin"));
      expect(await visible()).toBe(2);
      await becomeUser(tx, newUser("organizer"));
      expect(await visible()).toBe(0);
      await becomeAnonymous(tx);
      expect((await expectPgError(tx, "select id from app_public.ticket")).code).toBe("42501");
    });
  });

  it("canceling a confirmed booking voids its tickets (TicketsVoided); scanning one answers TKCAN", async () => {
    await withRootTx(async (tx) => {
      const { organizer, user, booking } = await confirmedBooking(tx, 2);
      const [first] = await ticketsOf(tx, booking.id);
      await becomeUser(tx, user);
      await tx.query("select app_public.cancel_booking($1, 'cannot come')", [booking.id]);
      const tickets = await ticketsOf(tx, booking.id);
      expect(tickets.map((t) => [t.status, t.void_reason])).toEqual([
        ["void", "booking_canceled"],
        ["void", "booking_canceled"],
      ]);
      expect((await outboxFor(tx, booking.id)).map((r) => r.event_type)).toContain("TicketsVoided");
      await becomeUser(tx, organizer);
      expect((await expectPgError(tx, CHECK_IN, [first!.code])).code).toBe("TKCAN");
    });
  });

  it("reissue voids the old tickets and issues new codes with the next version; the old code answers TKVOD", async () => {
    await withRootTx(async (tx) => {
      const { user, organizer, booking } = await confirmedBooking(tx, 1);
      const [old] = await ticketsOf(tx, booking.id);
      await becomeUser(tx, user);
      const fresh = (await tx.query("select * from app_public.reissue_tickets($1)", [booking.id])).rows;
      expect(fresh).toHaveLength(1);
      expect(fresh[0]).toMatchObject({ seat_no: 1, version: 2, status: "valid" });
      expect(fresh[0]!.code).not.toBe(old!.code);
      await becomeUser(tx, organizer);
      expect((await expectPgError(tx, CHECK_IN, [old!.code])).code).toBe("TKVOD");
      await becomeUser(tx, newUser("user"));
      expect((await expectPgError(tx, "select * from app_public.reissue_tickets($1)", [booking.id])).code).toBe("P0002");
    });
  });
});

describe("check_in_ticket", () => {
  it("checks a ticket in once; a second scan answers already_checked_in with when and by whom", async () => {
    await withRootTx(async (tx) => {
      const { organizer, booking, event } = await confirmedBooking(tx, 2);
      const [ticket] = await ticketsOf(tx, booking.id);
      await becomeUser(tx, organizer);
      const first = (await tx.query(CHECK_IN, [ticket!.code.toLowerCase().replace(/^(....)/, "$1-")])).rows[0]!;
      expect(first).toMatchObject({ ticket_id: ticket!.id, outcome: "checked_in", checked_in_by: organizer.sub, seat_no: 1 });
      const second = (await tx.query(CHECK_IN, [ticket!.code])).rows[0]!;
      expect(second).toMatchObject({ outcome: "already_checked_in", checked_in_by: organizer.sub });
      expect(second.checked_in_at).toEqual(first.checked_in_at);
      expect((await outboxFor(tx, ticket!.id)).map((r) => r.event_type)).toEqual(["TicketCheckedIn"]);
      const [counts] = (
        await tx.query("select app_public.event_checked_in_count(e) as came, app_public.event_tickets_valid(e) as expected from app_public.event e where id = $1", [
          event.id,
        ])
      ).rows;
      expect(counts).toEqual({ came: 1, expected: 2 });
      // Nobody but its organizer and admins sees the counts.
      await becomeUser(tx, newUser("user"));
      const [hidden] = (await tx.query("select app_public.event_checked_in_count(e) as came from app_public.event e where id = $1", [event.id])).rows;
      expect(hidden).toEqual({ came: null });
    });
  });

  it("refuses callers who are not organizer staff, other organizers, unknown and malformed codes", async () => {
    await withRootTx(async (tx) => {
      const { user, booking } = await confirmedBooking(tx, 1);
      const [ticket] = await ticketsOf(tx, booking.id);
      await becomeUser(tx, user);
      expect((await expectPgError(tx, CHECK_IN, [ticket!.code])).code).toBe("42501");
      await becomeAnonymous(tx);
      expect((await expectPgError(tx, CHECK_IN, [ticket!.code])).code).toBe("42501"); // anonymous may not even call it
      await becomeUser(tx, newUser("organizer"));
      expect((await expectPgError(tx, CHECK_IN, [ticket!.code])).code).toBe("TKORG");
      expect((await expectPgError(tx, CHECK_IN, ["22222222"])).code).toBe("TKNOT");
      expect((await expectPgError(tx, CHECK_IN, ["O0I1O0I1"])).code).toBe("TKFMT");
      expect((await expectPgError(tx, CHECK_IN, [null])).code).toBe("TKFMT");
      // An admin may check in any event's ticket.
      await becomeUser(tx, newUser("admin"));
      expect((await tx.query(CHECK_IN, [ticket!.code])).rows[0]!.outcome).toBe("checked_in");
    });
  });

  it("undo within the window clears the check-in (CheckInUndone); after the window TKUND; not checked in TKNCI", async () => {
    await withRootTx(async (tx) => {
      const { organizer, booking } = await confirmedBooking(tx, 1);
      const [ticket] = await ticketsOf(tx, booking.id);
      await becomeUser(tx, organizer);
      expect((await expectPgError(tx, UNDO, [ticket!.code])).code).toBe("TKNCI");
      await tx.query(CHECK_IN, [ticket!.code]);
      const undone = (await tx.query(UNDO, [ticket!.code])).rows[0]!;
      expect(undone).toMatchObject({ checked_in_at: null, checked_in_by: null, status: "valid" });
      expect((await outboxFor(tx, ticket!.id)).map((r) => r.event_type)).toEqual(["TicketCheckedIn", "CheckInUndone"]);
      // Checked in again, then the check-in is older than the window.
      await tx.query(CHECK_IN, [ticket!.code]);
      await rootQuery(tx, "update app_public.ticket set checked_in_at = now() - interval '6 minutes' where id = $1", [ticket!.id]);
      expect((await expectPgError(tx, UNDO, [ticket!.code])).code).toBe("TKUND");
      await rootQuery(tx, "update app_private.setting set value = '10' where key = 'check_in_undo_minutes'");
      expect((await tx.query(UNDO, [ticket!.code])).rows[0]!.checked_in_at).toBeNull();
    });
  });
});

describe("check_in_batch", () => {
  it("applies offline scans in scanned-at order: one check-in, conflicts from other devices, refusals reported", async () => {
    await withRootTx(async (tx) => {
      const { organizer, booking } = await confirmedBooking(tx, 2);
      const [a, b] = await ticketsOf(tx, booking.id);
      await becomeUser(tx, organizer);
      const t0 = Date.now() - 60_000;
      const at = (s: number) => new Date(t0 + s * 1000).toISOString();
      // Uploaded out of order: gate-2 scanned ticket a after gate-1 did.
      const results = (
        await tx.query(BATCH, [
          JSON.stringify([
            { code: a!.code, scanned_at: at(20), device: "gate-2" },
            { code: a!.code, scanned_at: at(10), device: "gate-1" },
            { code: b!.code, scanned_at: at(15), device: "gate-1" },
            { code: b!.code, scanned_at: at(16), device: "gate-1" },
            { code: "22222222", scanned_at: at(17), device: "gate-1" },
          ]),
        ])
      ).rows;
      expect(results.map((r) => [r.code, r.device, r.outcome, r.error_code])).toEqual([
        [a!.code, "gate-1", "checked_in", null],
        [b!.code, "gate-1", "checked_in", null],
        [b!.code, "gate-1", "already_checked_in", null],
        ["22222222", "gate-1", "refused", "TKNOT"],
        [a!.code, "gate-2", "conflict", null],
      ]);
      expect(new Date(results[4]!.checked_in_at).toISOString()).toBe(at(10));
      expect(results[4]!.checked_in_device).toBe("gate-1");
      const [row] = await rootQuery(tx, "select checked_in_at, checked_in_device from app_public.ticket where id = $1", [a!.id]);
      expect(row).toEqual({ checked_in_at: new Date(at(10)), checked_in_device: "gate-1" });
      // A second upload of the same batch changes nothing.
      const again = (await tx.query(BATCH, [JSON.stringify([{ code: a!.code, scanned_at: at(10), device: "gate-1" }])])).rows;
      expect(again[0]).toMatchObject({ outcome: "already_checked_in" });
      expect((await outboxFor(tx, a!.id)).map((r) => r.event_type)).toEqual(["TicketCheckedIn"]);
    });
  });

  it("refuses a malformed batch whole (future scan, bad device, empty), nothing written", async () => {
    await withRootTx(async (tx) => {
      const { organizer, booking } = await confirmedBooking(tx, 1);
      const [a] = await ticketsOf(tx, booking.id);
      await becomeUser(tx, organizer);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const past = new Date(Date.now() - 1000).toISOString();
      expect((await expectPgError(tx, BATCH, [JSON.stringify([{ code: a!.code, scanned_at: past, device: "g1" }, { code: a!.code, scanned_at: future, device: "g1" }])])).code).toBe("22023");
      expect((await expectPgError(tx, BATCH, [JSON.stringify([{ code: a!.code, scanned_at: past, device: "gate 1\u202e" }])])).code).toBe("22023");
      expect((await expectPgError(tx, "select * from app_public.check_in_batch('{}')")).code).toBe("22023");
      const [row] = await rootQuery(tx, "select checked_in_at from app_public.ticket where id = $1", [a!.id]);
      expect(row!.checked_in_at).toBeNull();
    });
  });
});
