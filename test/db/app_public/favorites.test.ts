/*
 * add_favorite (idempotent), remove_favorite, my_favorite_events and the
 * favorite table's RLS: each user sees only their own favorites.
 */
import { describe, expect, it } from "vitest";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx } from "../../helpers/db.ts";
import { auditFor, createEvent, createPublishedEvent, outboxFor, rowCounts } from "../factories.ts";

const addFavorite = "select * from app_public.add_favorite($1)";
const removeFavorite = "select app_public.remove_favorite($1) as removed";

describe("add_favorite", () => {
  it("adds a visible event once; the second call returns the same row and announces nothing", async () => {
    await withRootTx(async (tx) => {
      const event = await createPublishedEvent(tx, newUser("organizer"));
      const fan = newUser("user");
      await becomeUser(tx, fan);
      const first = (await tx.query(addFavorite, [event.id])).rows[0];
      expect(first).toMatchObject({ user_id: fan.sub, event_id: event.id });
      const before = await rowCounts(tx);
      const second = (await tx.query(addFavorite, [event.id])).rows[0];
      expect(second).toEqual(first);
      expect(await rowCounts(tx)).toEqual(before);

      const outbox = (await outboxFor(tx, event.id)).filter((r) => r.event_type.startsWith("Favorite"));
      expect(outbox).toHaveLength(1);
      expect(outbox[0]).toMatchObject({
        event_type: "FavoriteAdded",
        aggregate_type: "event",
        actor_id: fan.sub,
        data: { userId: fan.sub, eventId: event.id },
      });
      const audit = await auditFor(tx, `(${fan.sub},${event.id})`);
      expect(audit.map((a) => a.action)).toEqual(["favorite.add"]);
    });
  });

  it("refuses events the caller cannot see, like missing ones (P0002)", async () => {
    await withRootTx(async (tx) => {
      const draft = await createEvent(tx, newUser("organizer"));
      await becomeUser(tx, newUser("user"));
      const before = await rowCounts(tx);
      const hidden = await expectPgError(tx, addFavorite, [draft.id]);
      const missing = await expectPgError(tx, addFavorite, ["00000000-0000-4000-8000-000000000000"]);
      expect(hidden).toEqual(missing);
      expect(hidden).toMatchObject({ code: "P0002", message: "event not found" });
      expect(await rowCounts(tx)).toEqual(before);
    });
  });

  it("organizers may favorite their own draft", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const draft = await createEvent(tx, organizer);
      const { rows } = await tx.query(addFavorite, [draft.id]);
      expect(rows[0].user_id).toBe(organizer.sub);
    });
  });

  it("anonymous callers may not call (42501; 28000 over the transports), members without a user id must sign in (28000)", async () => {
    await withRootTx(async (tx) => {
      const event = await createPublishedEvent(tx, newUser("organizer"));
      await becomeAnonymous(tx);
      expect(await expectPgError(tx, addFavorite, [event.id])).toMatchObject({ code: "42501", message: "permission denied for function add_favorite" });
      expect(await expectPgError(tx, removeFavorite, [event.id])).toMatchObject({ code: "42501" });
      await tx.query("reset role");
      await tx.query("select set_config('jwt.claims.sub', '', true)");
      await tx.query("set local role aquastream_member");
      expect(await expectPgError(tx, addFavorite, [event.id])).toMatchObject({ code: "28000", message: "sign in first" });
    });
  });
});

describe("remove_favorite", () => {
  it("removes once (true, FavoriteRemoved), then answers false and writes nothing", async () => {
    await withRootTx(async (tx) => {
      const event = await createPublishedEvent(tx, newUser("organizer"));
      const fan = newUser("user");
      await becomeUser(tx, fan);
      await tx.query(addFavorite, [event.id]);
      expect((await tx.query(removeFavorite, [event.id])).rows[0].removed).toBe(true);
      const before = await rowCounts(tx);
      expect((await tx.query(removeFavorite, [event.id])).rows[0].removed).toBe(false);
      expect(await rowCounts(tx)).toEqual(before);
      const outbox = await outboxFor(tx, event.id);
      expect(outbox.at(-1)).toMatchObject({ event_type: "FavoriteRemoved", data: { userId: fan.sub, eventId: event.id } });
    });
  });

  it("does not touch another user's favorite", async () => {
    await withRootTx(async (tx) => {
      const event = await createPublishedEvent(tx, newUser("organizer"));
      const alice = newUser("user");
      await becomeUser(tx, alice);
      await tx.query(addFavorite, [event.id]);
      await becomeUser(tx, newUser("user"));
      expect((await tx.query(removeFavorite, [event.id])).rows[0].removed).toBe(false);
      await becomeUser(tx, alice);
      expect((await tx.query("select count(*)::int as n from app_public.favorite")).rows[0].n).toBe(1);
    });
  });
});

describe("reading favorites", () => {
  it("each user sees only their own (table, my_favorite_events, event_is_favorite)", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const early = await createPublishedEvent(tx, organizer, { title: "First trip" });
      const late = await createPublishedEvent(tx, organizer, { title: "Second trip" });
      const alice = newUser("user");
      const bob = newUser("user");
      await becomeUser(tx, alice);
      await tx.query(addFavorite, [early.id]);
      await tx.query(addFavorite, [late.id]);
      await becomeUser(tx, bob);
      await tx.query(addFavorite, [late.id]);

      await becomeUser(tx, alice);
      const mine = await tx.query("select event_id from app_public.favorite order by event_id");
      expect(mine.rows.map((r) => r.event_id).sort()).toEqual([early.id, late.id].sort());
      const list = await tx.query("select id, app_public.event_is_favorite(e) as fav from app_public.my_favorite_events() e");
      expect(list.rows.map((r) => r.id).sort()).toEqual([early.id, late.id].sort());
      expect(list.rows.every((r) => r.fav === true)).toBe(true);

      await becomeUser(tx, bob);
      expect((await tx.query("select event_id from app_public.favorite")).rows).toEqual([{ event_id: late.id }]);
      const flags = await tx.query(
        "select e.id, app_public.event_is_favorite(e) as fav from app_public.event e where e.id = any($1) order by e.starts_at",
        [[early.id, late.id]],
      );
      expect(Object.fromEntries(flags.rows.map((r) => [r.id, r.fav]))).toEqual({ [early.id]: false, [late.id]: true });

      await becomeAnonymous(tx);
      // No grant at all on favorites for anonymous (not just an empty RLS answer).
      expect((await expectPgError(tx, "select * from app_public.favorite")).code).toBe("42501");
      const anon = await tx.query("select app_public.event_is_favorite(e) as fav from app_public.event e where e.id = $1", [
        late.id,
      ]);
      expect(anon.rows).toEqual([{ fav: false }]);
      expect((await expectPgError(tx, "select * from app_public.my_favorite_events()")).code).toBe("42501");
    });
  });

  it("a member cannot insert or delete favorites directly", async () => {
    await withRootTx(async (tx) => {
      const event = await createPublishedEvent(tx, newUser("organizer"));
      const fan = newUser("user");
      await becomeUser(tx, fan);
      const error = await expectPgError(tx, "insert into app_public.favorite (user_id, event_id) values ($1, $2)", [
        fan.sub,
        event.id,
      ]);
      expect(error.code).toBe("42501");
      expect((await expectPgError(tx, "delete from app_public.favorite")).code).toBe("42501");
    });
  });
});
