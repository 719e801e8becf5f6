/*
 * app_public.publish_event: draft → published, by the organizer or an admin,
 * only with a price tier and a start in the future; the status machine holds
 * for direct updates too.
 */
import { describe, expect, it } from "vitest";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx } from "../../helpers/db.ts";
import { auditFor, createEvent, createPublishedEvent, outboxFor, rootQuery, rowCounts } from "../factories.ts";

const publish = "select * from app_public.publish_event($1)";

describe("publish_event", () => {
  it("publishes a draft, makes it public and announces EventPublished with its tiers", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createEvent(tx, organizer);
      await becomeAnonymous(tx);
      expect((await tx.query("select id from app_public.event where id = $1", [event.id])).rows).toHaveLength(0);

      await becomeUser(tx, organizer);
      const { rows } = await tx.query(publish, [event.id]);
      expect(rows[0]).toMatchObject({ id: event.id, status: "published" });
      expect(rows[0].published_at).toBeInstanceOf(Date);

      await becomeAnonymous(tx);
      expect((await tx.query("select status from app_public.event where id = $1", [event.id])).rows).toEqual([
        { status: "published" },
      ]);

      const outbox = await outboxFor(tx, event.id);
      expect(outbox.map((r) => r.event_type)).toEqual(["EventCreated", "EventPublished"]);
      expect(outbox[1]!.actor_id).toBe(organizer.sub);
      expect(outbox[1]!.data).toMatchObject({ id: event.id, status: "published" });
      expect(outbox[1]!.data.priceTiers).toHaveLength(1);
      const audit = await auditFor(tx, event.id);
      expect(audit.map((r) => r.action)).toEqual(["event.create", "event.publish"]);
    });
  });

  it("admins may publish another organizer's draft", async () => {
    await withRootTx(async (tx) => {
      const event = await createEvent(tx, newUser("organizer"));
      await becomeUser(tx, newUser("admin"));
      const { rows } = await tx.query(publish, [event.id]);
      expect(rows[0].status).toBe("published");
    });
  });

  describe("refuses, writing nothing", () => {
    it("an event without a price tier (EVTIR)", async () => {
      await withRootTx(async (tx) => {
        const event = await createEvent(tx, newUser("organizer"), { priceTiers: [] });
        const before = await rowCounts(tx);
        const error = await expectPgError(tx, publish, [event.id]);
        expect(error).toMatchObject({ code: "EVTIR", message: "an event needs at least one price tier to be published" });
        expect(await rowCounts(tx)).toEqual(before);
      });
    });

    it("an event that has already started (EVSTR)", async () => {
      await withRootTx(async (tx) => {
        const event = await createEvent(tx, newUser("organizer"));
        // Time passes: move the draft's start into the past as the owner.
        await rootQuery(
          tx,
          "update app_public.event set starts_at = now() - interval '1 hour', ends_at = now() + interval '1 hour' where id = $1",
          [event.id],
        );
        const before = await rowCounts(tx);
        const error = await expectPgError(tx, publish, [event.id]);
        expect(error).toMatchObject({ code: "EVSTR", message: "the event has already started and cannot be published" });
        expect(await rowCounts(tx)).toEqual(before);
      });
    });

    it("an event that is not a draft (55000)", async () => {
      await withRootTx(async (tx) => {
        const organizer = newUser("organizer");
        const event = await createPublishedEvent(tx, organizer);
        const error = await expectPgError(tx, publish, [event.id]);
        expect(error).toMatchObject({ code: "55000", message: "only draft events can be published; this event is published" });
        await tx.query("select app_public.cancel_event($1, 'not enough people')", [event.id]);
        const canceled = await expectPgError(tx, publish, [event.id]);
        expect(canceled.message).toContain("this event is canceled");
      });
    });

    it("another organizer's draft is not found (P0002), a plain user is refused (42501)", async () => {
      await withRootTx(async (tx) => {
        const event = await createEvent(tx, newUser("organizer"));
        const before = await rowCounts(tx);
        await becomeUser(tx, newUser("organizer"));
        expect(await expectPgError(tx, publish, [event.id])).toMatchObject({ code: "P0002", message: "event not found" });
        await becomeUser(tx, newUser("user"));
        expect((await expectPgError(tx, publish, [event.id])).code).toBe("42501");
        expect(await rowCounts(tx)).toEqual(before);
      });
    });
  });

  describe("the status machine holds for direct updates", () => {
    it("a member cannot set the status directly", async () => {
      await withRootTx(async (tx) => {
        const organizer = newUser("organizer");
        const event = await createEvent(tx, organizer);
        const error = await expectPgError(tx, "update app_public.event set status = 'published' where id = $1", [event.id]);
        expect(error.code).toBe("42501");
        expect(error.message).toContain("permission denied for table event");
      });
    });

    it.each([
      ["published", "draft"],
      ["canceled", "published"],
      ["completed", "published"],
      ["completed", "canceled"],
    ])("the owner cannot go from %s to %s (55000)", async (from, to) => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"));
        await tx.query("reset role");
        if (from === "canceled") {
          await tx.query(
            "update app_public.event set status = 'canceled', cancel_reason = 'test' where id = $1",
            [event.id],
          );
        } else if (from === "completed") {
          await tx.query("update app_public.event set status = 'completed' where id = $1", [event.id]);
        }
        const error = await expectPgError(tx, `update app_public.event set status = '${to}' where id = $1`, [event.id]);
        expect(error).toMatchObject({ code: "55000", message: `event status cannot change from ${from} to ${to}` });
      });
    });

    it("the owner cannot publish a draft without tiers (EVTIR) and gets published_at set", async () => {
      await withRootTx(async (tx) => {
        const bare = await createEvent(tx, newUser("organizer"), { priceTiers: [] });
        const withTier = await createEvent(tx, newUser("organizer"));
        await tx.query("reset role");
        const error = await expectPgError(tx, "update app_public.event set status = 'published' where id = $1", [bare.id]);
        expect(error.code).toBe("EVTIR");
        const { rows } = await tx.query(
          "update app_public.event set status = 'published' where id = $1 returning published_at",
          [withTier.id],
        );
        expect(rows[0].published_at).toBeInstanceOf(Date);
      });
    });
  });
});
