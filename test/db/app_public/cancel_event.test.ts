/*
 * app_public.cancel_event: draft/published → canceled with a reason, by the
 * organizer or an admin; idempotent; canceled-after-publishing stays public.
 */
import { describe, expect, it } from "vitest";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx } from "../../helpers/db.ts";
import { auditFor, createEvent, createPublishedEvent, outboxFor, rootQuery, rowCounts } from "../factories.ts";

const cancel = "select * from app_public.cancel_event($1, $2)";

describe("cancel_event", () => {
  it("cancels a published event, records who and why, announces EventCanceled", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      const { rows } = await tx.query(cancel, [event.id, "  River too high  "]);
      expect(rows[0]).toMatchObject({ status: "canceled", cancel_reason: "River too high", canceled_by: organizer.sub });
      expect(rows[0].canceled_at).toBeInstanceOf(Date);
      expect(rows[0].published_at).toEqual(event.published_at);

      const outbox = await outboxFor(tx, event.id);
      expect(outbox.map((r) => r.event_type)).toEqual(["EventCreated", "EventPublished", "EventCanceled"]);
      expect(outbox[2]!.data).toMatchObject({
        reason: "River too high",
        canceledBy: organizer.sub,
        wasPublished: true,
        event: { id: event.id, status: "canceled" },
      });
      const audit = await auditFor(tx, event.id);
      expect(audit.at(-1)).toMatchObject({ action: "event.cancel", actor_id: organizer.sub });

      // Participants (anyone) still see a canceled event that had been published.
      await becomeAnonymous(tx);
      const visible = await tx.query("select status, cancel_reason from app_public.event where id = $1", [event.id]);
      expect(visible.rows).toEqual([{ status: "canceled", cancel_reason: "River too high" }]);
    });
  });

  it("cancels a draft, which stays hidden from others", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createEvent(tx, organizer);
      const { rows } = await tx.query(cancel, [event.id, "Changed my mind"]);
      expect(rows[0].status).toBe("canceled");
      const outbox = await outboxFor(tx, event.id);
      expect(outbox.at(-1)!.data.wasPublished).toBe(false);
      await becomeAnonymous(tx);
      expect((await tx.query("select 1 from app_public.event where id = $1", [event.id])).rows).toHaveLength(0);
      await becomeUser(tx, organizer);
      expect((await tx.query("select 1 from app_public.event where id = $1", [event.id])).rows).toHaveLength(1);
    });
  });

  it("canceling again changes and announces nothing", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      const first = (await tx.query(cancel, [event.id, "Storm"])).rows[0];
      const before = await rowCounts(tx);
      const again = (await tx.query(cancel, [event.id, "Another reason"])).rows[0];
      expect(again).toEqual(first);
      expect(await rowCounts(tx)).toEqual(before);
    });
  });

  it("admins may cancel any event", async () => {
    await withRootTx(async (tx) => {
      const event = await createPublishedEvent(tx, newUser("organizer"));
      const admin = newUser("admin");
      await becomeUser(tx, admin);
      const { rows } = await tx.query(cancel, [event.id, "Safety inspection failed"]);
      expect(rows[0]).toMatchObject({ status: "canceled", canceled_by: admin.sub });
      const audit = await auditFor(tx, event.id);
      expect(audit.at(-1)).toMatchObject({ action: "event.cancel", actor_roles: ["admin"] });
    });
  });

  describe("refuses, writing nothing", () => {
    it.each([
      ["no reason", null],
      ["a blank reason", "   "],
      ["a short reason", "no"],
      ["a long reason", "x".repeat(1001)],
    ])("%s (22023)", async (_label, reason) => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"));
        const before = await rowCounts(tx);
        const error = await expectPgError(tx, cancel, [event.id, reason]);
        expect(error).toMatchObject({ code: "22023", message: "reason must be 3 to 1000 characters long" });
        expect(await rowCounts(tx)).toEqual(before);
      });
    });

    it("a completed event (55000)", async () => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"));
        await rootQuery(tx, "update app_public.event set status = 'completed' where id = $1", [event.id]);
        const before = await rowCounts(tx);
        const error = await expectPgError(tx, cancel, [event.id, "Too late"]);
        expect(error).toMatchObject({ code: "55000", message: "a completed event cannot be canceled" });
        expect(await rowCounts(tx)).toEqual(before);
      });
    });

    it("someone else's event: 42501 when visible, P0002 when hidden", async () => {
      await withRootTx(async (tx) => {
        const owner = newUser("organizer");
        const published = await createPublishedEvent(tx, owner);
        const draft = await createEvent(tx, owner);
        const before = await rowCounts(tx);

        await becomeUser(tx, newUser("organizer"));
        expect(await expectPgError(tx, cancel, [published.id, "Not mine"])).toMatchObject({
          code: "42501",
          message: "only the organizer of this event or an admin may change it",
        });
        expect(await expectPgError(tx, cancel, [draft.id, "Not mine"])).toMatchObject({
          code: "P0002",
          message: "event not found",
        });

        await becomeUser(tx, newUser("user"));
        expect(await expectPgError(tx, cancel, [published.id, "Not mine"])).toMatchObject({
          code: "42501",
          message: "only organizers and admins may manage events",
        });
        expect(await rowCounts(tx)).toEqual(before);
      });
    });

    it("the owner cannot cancel without a reason (event_canceled_at_check)", async () => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"));
        await tx.query("reset role");
        const error = await expectPgError(tx, "update app_public.event set status = 'canceled' where id = $1", [event.id]);
        expect(error).toMatchObject({ code: "23514", constraint: "event_canceled_at_check" });
      });
    });
  });
});
