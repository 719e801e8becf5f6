/*
 * app_hidden.complete_ended_events: the worker's cron marks ended published
 * events completed, each with EventCompleted; only the owner may run it.
 */
import { describe, expect, it } from "vitest";
import { becomeRoot, becomeUser, expectPgError, newUser, withRootTx, type Tx } from "../../helpers/db.ts";
import { auditFor, createEvent, createPublishedEvent, outboxFor, rootQuery } from "../factories.ts";

async function moveIntoPast(tx: Tx, id: string): Promise<void> {
  await rootQuery(
    tx,
    "update app_public.event set starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' where id = $1",
    [id],
  );
}

describe("complete_ended_events", () => {
  it("completes ended published events only, each with EventCompleted by the system", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const ended = await createPublishedEvent(tx, organizer);
      const ongoing = await createPublishedEvent(tx, organizer);
      const endedDraft = await createEvent(tx, organizer);
      await moveIntoPast(tx, ended.id);
      await moveIntoPast(tx, endedDraft.id);

      // The worker runs as the owner with no claims at all.
      await becomeRoot(tx);
      await tx.query("select set_config('jwt.claims.sub', '', true), set_config('jwt.claims.roles', '', true)");
      const { rows } = await tx.query("select app_hidden.complete_ended_events() as n");
      expect(rows[0].n).toBe(1);
      const statuses = await tx.query("select id, status from app_public.event where id = any($1)", [
        [ended.id, ongoing.id, endedDraft.id],
      ]);
      expect(Object.fromEntries(statuses.rows.map((r) => [r.id, r.status]))).toEqual({
        [ended.id]: "completed",
        [ongoing.id]: "published",
        [endedDraft.id]: "draft",
      });

      const outbox = await outboxFor(tx, ended.id);
      expect(outbox.at(-1)).toMatchObject({ event_type: "EventCompleted", actor_id: null, data: { status: "completed" } });
      expect((await auditFor(tx, ended.id)).at(-1)).toMatchObject({ action: "event.complete", actor_id: null, actor_roles: [] });

      // Running again finds nothing to do.
      expect((await tx.query("select app_hidden.complete_ended_events() as n")).rows[0].n).toBe(0);
    });
  });

  it("completed events are history: no updates, no cancellation", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      await moveIntoPast(tx, event.id);
      await rootQuery(tx, "select app_hidden.complete_ended_events()");
      await becomeUser(tx, organizer);
      expect((await expectPgError(tx, "select app_public.update_event(id => $1, title => 'Again')", [event.id])).code).toBe(
        "55000",
      );
      expect((await expectPgError(tx, "select app_public.cancel_event($1, 'too late')", [event.id])).code).toBe("55000");
      // Still public.
      expect((await tx.query("select status from app_public.event where id = $1", [event.id])).rows).toEqual([
        { status: "completed" },
      ]);
    });
  });

  it("clients cannot run it (42501)", async () => {
    await withRootTx(async (tx) => {
      await becomeUser(tx, newUser("admin"));
      const error = await expectPgError(tx, "select app_hidden.complete_ended_events()");
      expect(error.code).toBe("42501");
      expect(error.message).toContain("permission denied for function complete_ended_events");
    });
  });
});
