/*
 * Helpful votes (mark/unmark_review_helpful, review.is_marked_helpful),
 * listing (search_reviews: who sees which reviews, in which order) and the
 * rating summary (event.rating_summary), as the API's roles.
 */
import { describe, expect, it } from "vitest";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx, type TestUser, type Tx } from "../../helpers/db.ts";
import { attendedEvent, auditFor, outboxFor, rootQuery, rowCounts, type Row } from "../factories.ts";

const MARK = "select * from app_public.mark_review_helpful($1)";
const UNMARK = "select * from app_public.unmark_review_helpful($1)";
const SEARCH =
  "select r.id, r.status from app_public.search_reviews(event_id => $1, status => $2, sort => $3, only_mine => $4) r";

async function review(tx: Tx, user: TestUser, eventId: string, rating = 5, content = "Good trip"): Promise<Row> {
  await becomeUser(tx, user);
  return (await tx.query("select * from app_public.create_review($1, $2, $3)", [eventId, rating, content])).rows[0]!;
}

async function moderate(tx: Tx, id: string, status: "active" | "rejected"): Promise<void> {
  await becomeUser(tx, newUser("admin"));
  await tx.query("select app_public.moderate_review($1, $2)", [id, status]);
}

describe("helpful votes", () => {
  it("one vote per user: counted once, announced once; unmarking takes it back", async () => {
    await withRootTx(async (tx) => {
      const author = newUser("user");
      const { event } = await attendedEvent(tx, [author]);
      const created = await review(tx, author, event.id);
      const [fan, other] = [newUser("user"), newUser("organizer")];

      await becomeUser(tx, fan);
      const marked = (await tx.query(MARK, [created.id])).rows[0]!;
      expect(marked).toMatchObject({ id: created.id, helpful_count: 1 });
      expect((await tx.query("select app_public.review_is_marked_helpful(r) as m from app_public.review r where id = $1", [created.id])).rows[0])
        .toEqual({ m: true });

      // Again: nothing changes, nothing is written.
      const before = await rowCounts(tx);
      expect((await tx.query(MARK, [created.id])).rows[0]).toEqual(marked);
      expect(await rowCounts(tx)).toEqual(before);

      await becomeUser(tx, other);
      expect((await tx.query(MARK, [created.id])).rows[0]).toMatchObject({ helpful_count: 2 });
      expect((await tx.query("select app_public.review_is_marked_helpful(r) as m from app_public.review r where id = $1", [created.id])).rows[0])
        .toEqual({ m: true });
      // Each voter sees their own vote rows only.
      expect((await tx.query("select user_id from app_public.review_helpful_vote where review_id = $1", [created.id])).rows).toEqual([
        { user_id: other.sub },
      ]);

      await becomeUser(tx, fan);
      expect((await tx.query(UNMARK, [created.id])).rows[0]).toMatchObject({ helpful_count: 1 });
      const afterUnmark = await rowCounts(tx);
      expect((await tx.query(UNMARK, [created.id])).rows[0]).toMatchObject({ helpful_count: 1 });
      expect(await rowCounts(tx)).toEqual(afterUnmark);

      const types = (await outboxFor(tx, created.id)).map((o) => [o.event_type, o.actor_id, o.data.helpfulCount]);
      expect(types).toEqual([
        ["ReviewCreated", author.sub, 0],
        ["ReviewMarkedHelpful", fan.sub, 1],
        ["ReviewMarkedHelpful", other.sub, 2],
        ["ReviewUnmarkedHelpful", fan.sub, 1],
      ]);
      expect((await auditFor(tx, `(${created.id},${fan.sub})`)).map((a) => a.action)).toEqual(["review.mark_helpful", "review.unmark_helpful"]);
      expect(await rootQuery(tx, "select * from app_private.review_helpful_drift")).toEqual([]);
    });
  });

  it("the author cannot vote for their own review (RVOWN); anonymous callers must sign in; nothing written", async () => {
    await withRootTx(async (tx) => {
      const author = newUser("user");
      const { event } = await attendedEvent(tx, [author]);
      const created = await review(tx, author, event.id);
      const before = await rowCounts(tx);
      expect(await expectPgError(tx, MARK, [created.id])).toMatchObject({
        code: "RVOWN",
        message: "you cannot mark your own review helpful",
      });
      await becomeAnonymous(tx);
      // Anonymous holds no EXECUTE on write functions: PostgreSQL refuses the call (the transports answer 28000).
      expect(await expectPgError(tx, MARK, [created.id])).toMatchObject({ code: "42501", message: "permission denied for function mark_review_helpful" });
      expect(await expectPgError(tx, UNMARK, [created.id])).toMatchObject({ code: "42501", message: "permission denied for function unmark_review_helpful" });
      expect(
        (await tx.query("select app_public.review_is_marked_helpful(r) as m from app_public.review r where id = $1", [created.id])).rows[0],
      ).toEqual({ m: false });
      expect(await rowCounts(tx)).toEqual(before);
    });
  });

  it("only active reviews take votes: a hidden one is P0002 for users, 55000 for admins", async () => {
    await withRootTx(async (tx) => {
      const author = newUser("user");
      const { event } = await attendedEvent(tx, [author]);
      const created = await review(tx, author, event.id);
      await moderate(tx, created.id, "rejected");
      await becomeUser(tx, newUser("user"));
      expect(await expectPgError(tx, MARK, [created.id])).toMatchObject({ code: "P0002", message: "review not found" });
      await becomeUser(tx, newUser("admin"));
      expect(await expectPgError(tx, MARK, [created.id])).toMatchObject({
        code: "55000",
        message: "only active reviews can be marked helpful; this one is rejected",
      });
      expect((await expectPgError(tx, MARK, ["00000000-0000-4000-8000-000000000000"])).code).toBe("P0002");
    });
  });
});

describe("search_reviews", () => {
  it("the public sees active reviews, newest or most helpful first; pending and rejected only by their author and admins", async () => {
    await withRootTx(async (tx) => {
      const users = [newUser("user"), newUser("user"), newUser("user"), newUser("user")];
      const [a, b, c, d] = users as [TestUser, TestUser, TestUser, TestUser];
      const { event } = await attendedEvent(tx, users);
      const ra = await review(tx, a, event.id, 5, "A");
      const rb = await review(tx, b, event.id, 4, "B");
      const rc = await review(tx, c, event.id, 2, "C");
      const rd = await review(tx, d, event.id, 1, "D");
      // Distinct creation times (one transaction has one now()).
      await rootQuery(
        tx,
        "update app_public.review set created_at = now() - make_interval(mins => array_position($1::uuid[], id)) where id = any($1)",
        [[rd.id, rc.id, rb.id, ra.id]],
      );
      // Newest: d, c, b, a. Votes: b 3, a 1, c 1 (c is newer than a).
      for (const [target, n] of [[rb, 3], [ra, 1], [rc, 1]] as const) {
        for (let i = 0; i < n; i++) {
          await becomeUser(tx, newUser("user"));
          await tx.query(MARK, [target.id]);
        }
      }
      await moderate(tx, rd.id, "rejected");

      await becomeAnonymous(tx);
      const ids = async (status: string | null, sort: string, mine = false) =>
        (await tx.query(SEARCH, [event.id, status, sort, mine])).rows.map((r) => r.id);
      expect(await ids("active", "newest")).toEqual([rc.id, rb.id, ra.id]);
      expect(await ids("active", "oldest")).toEqual([ra.id, rb.id, rc.id]);
      expect(await ids("active", "most_helpful")).toEqual([rb.id, rc.id, ra.id]);
      expect(await ids("rejected", "newest")).toEqual([]);
      expect(await ids(null, "newest")).toEqual([rc.id, rb.id, ra.id]);
      // The defaults: active, newest.
      expect((await tx.query("select id from app_public.search_reviews(event_id => $1)", [event.id])).rows.map((r) => r.id)).toEqual([
        rc.id,
        rb.id,
        ra.id,
      ]);

      await becomeUser(tx, newUser("user"));
      expect(await ids("rejected", "newest")).toEqual([]);
      expect(await ids(null, "newest")).toEqual([rc.id, rb.id, ra.id]);

      // The author sees their own rejected review; only_mine narrows to it.
      await becomeUser(tx, d);
      expect(await ids("rejected", "newest")).toEqual([rd.id]);
      expect(await ids(null, "newest")).toEqual([rd.id, rc.id, rb.id, ra.id]);
      expect(await ids(null, "newest", true)).toEqual([rd.id]);

      // Admins filter by status (the moderation queue, across events with event_id null).
      await becomeUser(tx, newUser("admin"));
      expect(await ids("rejected", "newest")).toEqual([rd.id]);
      const queue = (await tx.query(SEARCH, [null, "rejected", "oldest", false])).rows.map((r) => r.id);
      expect(queue).toContain(rd.id);
      expect(queue).not.toContain(ra.id);
    });
  });

  it("event.my_review: the caller's own review in any status", async () => {
    await withRootTx(async (tx) => {
      const author = newUser("user");
      const { event } = await attendedEvent(tx, [author]);
      const created = await review(tx, author, event.id);
      await moderate(tx, created.id, "rejected");
      const mine = "select (app_public.event_my_review(e)).id as id from app_public.event e where e.id = $1";
      await becomeUser(tx, author);
      expect((await tx.query(mine, [event.id])).rows[0]).toEqual({ id: created.id });
      await becomeUser(tx, newUser("user"));
      expect((await tx.query(mine, [event.id])).rows[0]).toEqual({ id: null });
      await becomeAnonymous(tx);
      expect((await tx.query(mine, [event.id])).rows[0]).toEqual({ id: null });
    });
  });
});

describe("event.rating_summary", () => {
  it("average, count and count per star of the active reviews, the same for every caller", async () => {
    await withRootTx(async (tx) => {
      const users = Array.from({ length: 6 }, () => newUser("user"));
      const { event } = await attendedEvent(tx, users);
      const summary = async (who: TestUser | null) => {
        if (who) await becomeUser(tx, who);
        else await becomeAnonymous(tx);
        return (await tx.query("select (app_public.event_rating_summary(e)).* from app_public.event e where e.id = $1", [event.id])).rows[0];
      };
      expect(await summary(null)).toEqual({
        average: null,
        count: 0,
        one_star: 0,
        two_stars: 0,
        three_stars: 0,
        four_stars: 0,
        five_stars: 0,
      });

      const ratings = [5, 5, 4, 2, 1, 3];
      const reviews: Row[] = [];
      for (const [i, user] of users.entries()) reviews.push(await review(tx, user, event.id, ratings[i]));
      // A rejected review (the 1) and a pending one (the 3, after an edit with moderation on) do not count.
      await moderate(tx, reviews[4]!.id, "rejected");
      await rootQuery(tx, "update app_private.setting set value = 'on' where key = 'review_moderation'");
      await becomeUser(tx, users[5]!);
      await tx.query("select app_public.update_review($1, 3, 'Edited')", [reviews[5]!.id]);

      const expected = { average: 4, count: 4, one_star: 0, two_stars: 1, three_stars: 0, four_stars: 1, five_stars: 2 };
      expect(await summary(null)).toEqual(expected);
      expect(await summary(users[4]!)).toEqual(expected);
      expect(await summary(newUser("admin"))).toEqual(expected);

      // Approving the 3 → 19 / 5 = 3.8; making it a 5 → 4.2; approving the 1 as well → 22 / 6 = 3.67 (two decimals).
      await rootQuery(tx, "update app_private.setting set value = 'off' where key = 'review_moderation'");
      await moderate(tx, reviews[5]!.id, "active"); // the 3
      expect((await summary(null)).average).toBe(3.8);
      await rootQuery(tx, "update app_public.review set rating = 5 where id = $1", [reviews[5]!.id]);
      expect((await summary(null)).average).toBe(4.2);
      await moderate(tx, reviews[4]!.id, "active"); // the 1
      expect(await summary(null)).toMatchObject({ average: 3.67, count: 6, one_star: 1, five_stars: 3 });
    });
  });
});
