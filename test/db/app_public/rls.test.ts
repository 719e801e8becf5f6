/*
 * Who sees and touches what, through plain SQL as the API's roles (GraphQL
 * and gRPC switch to the same roles): RLS on events and tiers, closed private
 * schema, owner-only helpers.
 */
import { describe, expect, it } from "vitest";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx, type Tx } from "../../helpers/db.ts";
import { createEvent, createPublishedEvent, rootQuery } from "../factories.ts";

async function visibleIds(tx: Tx, table: "event" | "event_price_tier", ids: string[]): Promise<string[]> {
  const column = table === "event" ? "id" : "event_id";
  const { rows } = await tx.query(
    `select distinct ${column} as id from app_public.${table} where ${column} = any($1::uuid[]) order by 1`,
    [ids],
  );
  return rows.map((r) => r.id);
}

describe("row-level security", () => {
  it("events: published, completed and canceled-after-publishing for all; drafts for their organizer and admins", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const draft = await createEvent(tx, organizer, { title: "Draft" });
      const canceledDraft = await createEvent(tx, organizer, { title: "Canceled draft" });
      await tx.query("select app_public.cancel_event($1, 'never mind')", [canceledDraft.id]);
      const published = await createPublishedEvent(tx, organizer, { title: "Published" });
      const canceled = await createPublishedEvent(tx, organizer, { title: "Canceled" });
      await tx.query("select app_public.cancel_event($1, 'storm')", [canceled.id]);
      const completed = await createPublishedEvent(tx, organizer, { title: "Completed" });
      await rootQuery(tx, "update app_public.event set status = 'completed' where id = $1", [completed.id]);

      const all = [draft, canceledDraft, published, canceled, completed].map((e) => e.id as string);
      const everyone = [published.id, canceled.id, completed.id].sort();

      for (const [who, become] of [
        ["anonymous", () => becomeAnonymous(tx)],
        ["a user", () => becomeUser(tx, newUser("user"))],
        ["another organizer", () => becomeUser(tx, newUser("organizer"))],
      ] as const) {
        await become();
        expect(await visibleIds(tx, "event", all), who).toEqual(everyone);
        expect(await visibleIds(tx, "event_price_tier", all), who).toEqual(everyone);
        // Even by id, a draft is simply not there.
        expect((await tx.query("select * from app_public.event where id = $1", [draft.id])).rows, who).toEqual([]);
      }

      for (const user of [organizer, newUser("admin")]) {
        await becomeUser(tx, user);
        expect(await visibleIds(tx, "event", all)).toEqual([...all].sort());
        expect(await visibleIds(tx, "event_price_tier", all)).toEqual([...all].sort());
      }
    });
  });

  it("categories are readable by anyone, seeded with the six kinds", async () => {
    await withRootTx(async (tx) => {
      await becomeAnonymous(tx);
      const { rows } = await tx.query("select id from app_public.event_category order by sort_order");
      expect(rows.map((r) => r.id)).toEqual(["rafting", "kayaking", "sup", "sailing", "diving", "other"]);
      expect((await expectPgError(tx, "insert into app_public.event_category (id, name) values ('golf', 'Golf')")).code).toBe(
        "42501",
      );
    });
  });

  it("a user cannot update or cancel someone else's event", async () => {
    await withRootTx(async (tx) => {
      const event = await createPublishedEvent(tx, newUser("organizer"));
      for (const user of [newUser("user"), newUser("organizer"), newUser("payment-gateway")]) {
        await becomeUser(tx, user);
        for (const sql of [
          "select app_public.update_event(id => $1, title => 'Taken over')",
          "select app_public.cancel_event($1, 'because I can')",
          "select app_public.publish_event($1)",
          "select app_public.add_price_tier($1, 'Free', 0, 'EUR')",
        ]) {
          expect((await expectPgError(tx, sql, [event.id])).code).toBe("42501");
        }
      }
      const [row] = await rootQuery(tx, "select title, status from app_public.event where id = $1", [event.id]);
      expect(row).toEqual({ title: event.title, status: "published" });
    });
  });

  it("the private schema and the owner-only helpers are closed to clients", async () => {
    await withRootTx(async (tx) => {
      const event = await createPublishedEvent(tx, newUser("organizer"));
      for (const become of [() => becomeAnonymous(tx), () => becomeUser(tx, newUser("admin"))]) {
        await become();
        for (const sql of ["select * from app_private.outbox", "select * from app_private.audit_log"]) {
          const error = await expectPgError(tx, sql);
          expect(error.code).toBe("42501");
          expect(error.message).toContain("permission denied for schema app_private");
        }
        const forged = await expectPgError(
          tx,
          "select app_hidden.record_change('event', $1, 'EventPublished', 'event.publish', 'event', '{}')",
          [event.id],
        );
        expect(forged.code).toBe("42501");
        expect(forged.message).toContain("permission denied for function record_change");
        expect((await expectPgError(tx, "select app_hidden.complete_ended_events()")).code).toBe("42501");
        expect((await expectPgError(tx, "select app_hidden.event_for_change($1)", [event.id])).code).toBe("42501");
      }
    });
  });

  it("identity helpers read the claims", async () => {
    await withRootTx(async (tx) => {
      const user = newUser("organizer", "admin");
      await becomeUser(tx, user);
      const { rows } = await tx.query(
        "select app_public.current_user_id() as id, app_public.current_user_roles() as roles, app_public.has_role('admin') as admin, app_public.has_role('user') as plain",
      );
      expect(rows[0]).toEqual({ id: user.sub, roles: ["organizer", "admin"], admin: true, plain: false });
      await becomeAnonymous(tx);
      const anon = await tx.query("select app_public.current_user_id() as id, app_public.current_user_roles() as roles");
      expect(anon.rows[0]).toEqual({ id: null, roles: [] });
    });
  });
});
