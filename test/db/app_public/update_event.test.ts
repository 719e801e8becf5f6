/*
 * app_public.update_event: partial updates of draft/published events by their
 * organizer or an admin, announcing exactly the changed fields.
 */
import { describe, expect, it } from "vitest";
import { becomeUser, expectPgError, newUser, withRootTx } from "../../helpers/db.ts";
import {
  auditFor,
  createEvent,
  createPublishedEvent,
  inDays,
  outboxFor,
  rootQuery,
  rowCounts,
} from "../factories.ts";

const update = "select * from app_public.update_event(id => $1, title => $2, capacity => $3)";

describe("update_event", () => {
  it("changes only what is given and announces the changes", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createEvent(tx, organizer);
      const { rows } = await tx.query(update, [event.id, "  New title ", 30]);
      expect(rows[0]).toMatchObject({
        title: "New title",
        capacity: 30,
        description: event.description,
        starts_at: event.starts_at,
        location_name: event.location_name,
      });
      // updated_at moves (by at least a microsecond, below what a JS Date shows).
      const [moved] = await rootQuery(tx, "select updated_at > created_at as moved from app_public.event where id = $1", [
        event.id,
      ]);
      expect(moved).toEqual({ moved: true });

      const outbox = await outboxFor(tx, event.id);
      expect(outbox.map((r) => r.event_type)).toEqual(["EventCreated", "EventUpdated"]);
      expect(outbox[1]!.data.changes).toEqual({
        title: { from: event.title, to: "New title" },
        capacity: { from: 20, to: 30 },
      });
      expect(outbox[1]!.data.event).toMatchObject({ id: event.id, title: "New title", capacity: 30 });
      const audit = await auditFor(tx, event.id);
      expect(audit.map((r) => r.action)).toEqual(["event.create", "event.update"]);
    });
  });

  it("a call that changes nothing writes nothing", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createEvent(tx, organizer);
      const before = await rowCounts(tx);
      const { rows } = await tx.query(update, [event.id, event.title, null]);
      expect(rows[0].updated_at).toEqual(event.updated_at);
      expect(await rowCounts(tx)).toEqual(before);
    });
  });

  it("a blank description clears it; dates, place and crew change on published events", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      const { rows } = await tx.query(
        `select * from app_public.update_event(id => $1, description => '', category => 'sup', location_name => 'Lake',
           latitude => 10, longitude => 20, starts_at => $2, ends_at => $3, booking_deadline_hours => 0, crew_required => true)`,
        [event.id, inDays(20), inDays(21)],
      );
      expect(rows[0]).toMatchObject({
        description: null,
        category: "sup",
        location_name: "Lake",
        latitude: 10,
        longitude: 20,
        booking_deadline_hours: 0,
        crew_required: true,
        crew_status: "pending",
        status: "published",
      });
      const { rows: off } = await tx.query("select * from app_public.update_event(id => $1, crew_required => false)", [
        event.id,
      ]);
      expect(off[0]).toMatchObject({ crew_required: false, crew_status: "not_required", crew_id: null });
    });
  });

  it("admins may update any event, even another organizer's draft", async () => {
    await withRootTx(async (tx) => {
      const event = await createEvent(tx, newUser("organizer"));
      const admin = newUser("admin");
      await becomeUser(tx, admin);
      const { rows } = await tx.query(update, [event.id, "Admin fixed", null]);
      expect(rows[0].title).toBe("Admin fixed");
      const outbox = await outboxFor(tx, event.id);
      expect(outbox[1]).toMatchObject({ event_type: "EventUpdated", actor_id: admin.sub });
    });
  });

  describe("refuses, writing nothing", () => {
    it.each([
      ["a short title", "select * from app_public.update_event(id => $1, title => 'ab')", "22023", "title must be 3"],
      ["a blank title", "select * from app_public.update_event(id => $1, title => '  ')", "22023", "title must be 3"],
      ["an unknown category", "select * from app_public.update_event(id => $1, category => 'golf')", "22023", "unknown category"],
      ["a blank location", "select * from app_public.update_event(id => $1, location_name => '')", "22023", "location_name"],
      ["latitude out of range", "select * from app_public.update_event(id => $1, latitude => -91)", "22023", "latitude must"],
      ["capacity 0", "select * from app_public.update_event(id => $1, capacity => 0)", "22023", "capacity must be"],
      ["a bad deadline", "select * from app_public.update_event(id => $1, booking_deadline_hours => 9000)", "22023", "booking_deadline_hours"],
      [
        "an end before the start",
        "select * from app_public.update_event(id => $1, ends_at => now() + interval '1 day')",
        "EVDAT",
        "ends_at must be after starts_at",
      ],
      [
        "more than 30 days",
        "select * from app_public.update_event(id => $1, ends_at => now() + interval '60 days')",
        "EVDUR",
        "at most 30 days",
      ],
      [
        "a new start in the past",
        "select * from app_public.update_event(id => $1, starts_at => now() - interval '1 hour')",
        "EVPST",
        "starts_at must be in the future",
      ],
    ])("%s", async (_label, sql, code, message) => {
      await withRootTx(async (tx) => {
        const event = await createEvent(tx, newUser("organizer"));
        const before = await rowCounts(tx);
        const error = await expectPgError(tx, sql, [event.id]);
        expect(error.code).toBe(code);
        expect(error.message).toContain(message);
        expect(await rowCounts(tx)).toEqual(before);
        const [row] = await rootQuery(tx, "select title, updated_at from app_public.event where id = $1", [event.id]);
        expect(row).toEqual({ title: event.title, updated_at: event.updated_at });
      });
    });

    it("capacity below the seats taken (EVCAP)", async () => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"));
        // Seats are taken by bookings (a later issue); fake them as the owner.
        await rootQuery(tx, "update app_public.event_seat_counter set seats_taken = 8 where event_id = $1", [event.id]);
        const error = await expectPgError(tx, update, [event.id, null, 7]);
        expect(error).toMatchObject({ code: "EVCAP", message: "capacity 7 is below the 8 seats already taken" });
        await tx.query(update, [event.id, null, 8]);
      });
    });

    it("capacity below a tier quota (TRQTA)", async () => {
      await withRootTx(async (tx) => {
        const event = await createEvent(tx, newUser("organizer"), {
          priceTiers: [{ name: "Early bird", price: 10, currency: "EUR", quota: 15 }],
        });
        const error = await expectPgError(tx, update, [event.id, null, 14]);
        expect(error).toMatchObject({ code: "TRQTA", message: 'capacity 14 is below the quota 15 of price tier "Early bird"' });
      });
    });

    it("unknown ids and other organizers' drafts look the same (P0002)", async () => {
      await withRootTx(async (tx) => {
        const draft = await createEvent(tx, newUser("organizer"));
        await becomeUser(tx, newUser("organizer"));
        const hidden = await expectPgError(tx, update, [draft.id, "Mine now", null]);
        const missing = await expectPgError(tx, update, ["00000000-0000-4000-8000-000000000000", "Mine now", null]);
        expect(hidden).toEqual(missing);
        expect(hidden).toMatchObject({ code: "P0002", message: "event not found" });
      });
    });

    it("another organizer's published event (42501)", async () => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"));
        const before = await rowCounts(tx);
        await becomeUser(tx, newUser("organizer"));
        const error = await expectPgError(tx, update, [event.id, "Hijacked", null]);
        expect(error).toMatchObject({ code: "42501", message: "only the organizer of this event or an admin may change it" });
        expect(await rowCounts(tx)).toEqual(before);
      });
    });

    it("a plain user (42501)", async () => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"));
        await becomeUser(tx, newUser("user"));
        const error = await expectPgError(tx, update, [event.id, "Hijacked", null]);
        expect(error).toMatchObject({ code: "42501", message: "only organizers and admins may manage events" });
      });
    });

    it("canceled and completed events (55000)", async () => {
      await withRootTx(async (tx) => {
        const organizer = newUser("organizer");
        const canceled = await createPublishedEvent(tx, organizer);
        await tx.query("select app_public.cancel_event($1, 'storm warning')", [canceled.id]);
        const error = await expectPgError(tx, update, [canceled.id, "Revived", null]);
        expect(error).toMatchObject({ code: "55000", message: "a canceled event can no longer be changed" });

        const completed = await createPublishedEvent(tx, organizer);
        await rootQuery(tx, "update app_public.event set status = 'completed' where id = $1", [completed.id]);
        const error2 = await expectPgError(tx, update, [completed.id, "Revived", null]);
        expect(error2).toMatchObject({ code: "55000", message: "a completed event can no longer be changed" });
      });
    });
  });

  describe("direct writes", () => {
    it("a member cannot update event columns directly (no update grant)", async () => {
      await withRootTx(async (tx) => {
        const organizer = newUser("organizer");
        const event = await createEvent(tx, organizer);
        for (const set of ["title = 'Direct'", "status = 'published'", "crew_status = 'assigned'"]) {
          const error = await expectPgError(tx, `update app_public.event set ${set} where id = $1`, [event.id]);
          expect(error.code).toBe("42501");
          expect(error.message).toContain("permission denied for table event");
        }
        const counterError = await expectPgError(tx, "update app_public.event_seat_counter set seats_taken = 0 where event_id = $1", [
          event.id,
        ]);
        expect(counterError.code).toBe("42501");
        expect(counterError.message).toContain("permission denied for table event_seat_counter");
        const deleteError = await expectPgError(tx, "delete from app_public.event where id = $1", [event.id]);
        expect(deleteError.code).toBe("42501");
      });
    });

    it("the owner cannot lower capacity below a quota or edit finished events", async () => {
      await withRootTx(async (tx) => {
        const organizer = newUser("organizer");
        const event = await createPublishedEvent(tx, organizer, {
          priceTiers: [{ name: "Group", price: 10, currency: "EUR", quota: 15 }],
        });
        await tx.query("reset role");
        const quotaError = await expectPgError(tx, "update app_public.event set capacity = 10 where id = $1", [event.id]);
        expect(quotaError.code).toBe("TRQTA");
        await tx.query("update app_public.event set status = 'completed' where id = $1", [event.id]);
        const frozen = await expectPgError(tx, "update app_public.event set title = 'Rewritten' where id = $1", [event.id]);
        expect(frozen).toMatchObject({ code: "55000", message: "a completed event can no longer be changed" });
        // Seat counters still move (they live beside the frozen row, e.g. refunds after the fact).
        await tx.query("update app_public.event_seat_counter set seats_taken = 1 where event_id = $1", [event.id]);
      });
    });
  });
});
