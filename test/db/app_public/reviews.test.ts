/*
 * Reviews: create_review, update_review, delete_review, moderate_review, the
 * moderation setting, and the review table's RLS, as the API's roles with real
 * claims. Every refusal leaves nothing written (rowCounts before = after).
 * Helpful votes, listing and the rating summary: review_votes.test.ts;
 * concurrency: review_races.test.ts.
 */
import { describe, expect, it } from "vitest";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx, type TestUser, type Tx } from "../../helpers/db.ts";
import {
  attendedEvent,
  auditFor,
  createBooking,
  createEvent,
  createPublishedEvent,
  endEvent,
  firstTier,
  outboxFor,
  payBooking,
  rootQuery,
  rowCounts,
  type Row,
} from "../factories.ts";

const CREATE = "select * from app_public.create_review(event_id => $1, rating => $2, content => $3)";
const UPDATE = "select * from app_public.update_review(id => $1, rating => $2, content => $3)";
const DELETE = "select * from app_public.delete_review($1)";
const MODERATE = "select * from app_public.moderate_review(id => $1, status => $2, note => $3)";

async function setModeration(tx: Tx, on: boolean): Promise<void> {
  await rootQuery(tx, "update app_private.setting set value = $1 where key = 'review_moderation'", [on ? "on" : "off"]);
}

async function review(tx: Tx, user: TestUser, eventId: string, rating = 5, content = "Great guides, cold water."): Promise<Row> {
  await becomeUser(tx, user);
  return (await tx.query(CREATE, [eventId, rating, content])).rows[0]!;
}

/** The review ids `who` can read in the table (RLS). */
async function visibleTo(tx: Tx, who: TestUser | null, ids: string[]): Promise<string[]> {
  if (who) await becomeUser(tx, who);
  else await becomeAnonymous(tx);
  const { rows } = await tx.query("select id from app_public.review where id = any($1) order by id", [ids]);
  return rows.map((r) => r.id as string);
}

describe("create_review", () => {
  it("a participant with a confirmed booking reviews the event after it ends: active, ReviewCreated, audited", async () => {
    await withRootTx(async (tx) => {
      const user = newUser("user");
      const { event } = await attendedEvent(tx, [user]);
      const created = await review(tx, user, event.id, 4, "Two days, class III rapids.\nWould go again.");
      expect(created).toMatchObject({
        event_id: event.id,
        user_id: user.sub,
        rating: 4,
        content: "Two days, class III rapids.\nWould go again.",
        status: "active",
        helpful_count: 0,
        moderated_by: null,
        moderated_at: null,
        edited_at: null,
      });
      const outbox = await outboxFor(tx, created.id);
      expect(outbox).toHaveLength(1);
      expect(outbox[0]).toMatchObject({
        aggregate_type: "review",
        event_type: "ReviewCreated",
        actor_id: user.sub,
        data: { id: created.id, eventId: event.id, userId: user.sub, rating: 4, status: "active", helpfulCount: 0 },
      });
      expect((await auditFor(tx, created.id)).map((a) => [a.action, a.actor_id])).toEqual([["review.create", user.sub]]);
    });
  });

  it("stores the text exactly as given: HTML, emoji, tabs, line breaks, spaces at the ends", async () => {
    await withRootTx(async (tx) => {
      const user = newUser("user");
      const { event } = await attendedEvent(tx, [user]);
      const text = "  <script>alert('x')</script> &amp; <b>bold</b>\tПорог «Бурунчи» 👍\r\nend  ";
      const created = await review(tx, user, event.id, 5, text);
      expect(created.content).toBe(text);
    });
  });

  it("accepts exactly 4000 characters (counted as characters, not bytes)", async () => {
    await withRootTx(async (tx) => {
      const user = newUser("user");
      const { event } = await attendedEvent(tx, [user]);
      const created = await review(tx, user, event.id, 3, "ы".repeat(4000));
      expect(created.content).toHaveLength(4000);
    });
  });

  describe("refusals: each its own error, nothing written", () => {
    async function refused(tx: Tx, user: TestUser, params: unknown[]): Promise<{ code: string; message: string }> {
      await becomeUser(tx, user);
      const before = await rowCounts(tx);
      const error = await expectPgError(tx, CREATE, params);
      expect(await rowCounts(tx)).toEqual(before);
      return error;
    }

    it("without any booking: RVNBK", async () => {
      await withRootTx(async (tx) => {
        const participant = newUser("user");
        const { event } = await attendedEvent(tx, [participant]);
        expect(await refused(tx, newUser("user"), [event.id, 5, "I was not there"])).toEqual({
          code: "RVNBK",
          message: "only participants with a confirmed booking may review this event; you have no booking of it",
        });
      });
    });

    it("with only a canceled booking: RVNBK naming the booking's status", async () => {
      await withRootTx(async (tx) => {
        const user = newUser("user");
        const event = await createPublishedEvent(tx, newUser("organizer"));
        const tier = await firstTier(tx, event.id);
        const booking = await createBooking(tx, user, event.id, tier.id);
        await payBooking(tx, user, booking.id);
        await becomeUser(tx, user);
        await tx.query("select app_public.cancel_booking($1, 'plans changed')", [booking.id]);
        await endEvent(tx, event.id);
        expect(await refused(tx, user, [event.id, 5, "Canceled, but still"])).toEqual({
          code: "RVNBK",
          message: "only participants with a confirmed booking may review this event; your booking is canceled",
        });
      });
    });

    it("with an unpaid (pending) booking: RVNBK", async () => {
      await withRootTx(async (tx) => {
        const user = newUser("user");
        const event = await createPublishedEvent(tx, newUser("organizer"));
        await createBooking(tx, user, event.id, (await firstTier(tx, event.id)).id);
        await endEvent(tx, event.id);
        expect((await refused(tx, user, [event.id, 5, "Never paid"])).message).toMatch(/your booking is pending_payment$/);
      });
    });

    it("before the event has ended (even while it runs): RVEND", async () => {
      await withRootTx(async (tx) => {
        const user = newUser("user");
        const event = await createPublishedEvent(tx, newUser("organizer"));
        const booking = await createBooking(tx, user, event.id, (await firstTier(tx, event.id)).id);
        await payBooking(tx, user, booking.id);
        const error = await refused(tx, user, [event.id, 5, "Looking forward"]);
        expect(error.code).toBe("RVEND");
        expect(error.message).toMatch(/^the event has not ended yet; reviews open at /);
        // Started but not ended yet.
        await rootQuery(tx, "update app_public.event set starts_at = now() - interval '1 hour', ends_at = now() + interval '1 hour' where id = $1", [
          event.id,
        ]);
        expect((await refused(tx, user, [event.id, 5, "Halfway there"])).code).toBe("RVEND");
      });
    });

    it("a second review of the same event: RVDUP", async () => {
      await withRootTx(async (tx) => {
        const user = newUser("user");
        const { event } = await attendedEvent(tx, [user]);
        await review(tx, user, event.id);
        expect(await refused(tx, user, [event.id, 1, "Changed my mind"])).toMatchObject({
          code: "RVDUP",
          message: "you have already reviewed this event",
        });
      });
    });

    it("rating 0, 6, -1 or none: RVRAT", async () => {
      await withRootTx(async (tx) => {
        const user = newUser("user");
        const { event } = await attendedEvent(tx, [user]);
        for (const rating of [0, 6, -1, null]) {
          expect(await refused(tx, user, [event.id, rating, "Fine"]), String(rating)).toEqual({
            code: "RVRAT",
            message: "rating must be a whole number from 1 to 5",
          });
        }
        // A fraction is not an integer at all: PostgreSQL refuses the argument's form.
        expect((await refused(tx, user, [event.id, "4.5", "Fine"])).code).toBe("22P02");
      });
    });

    it("text over 4000 characters, empty, blank (also only invisible spaces) or missing: RVLEN", async () => {
      await withRootTx(async (tx) => {
        const user = newUser("user");
        const { event } = await attendedEvent(tx, [user]);
        expect(await refused(tx, user, [event.id, 5, "x".repeat(4001)])).toEqual({
          code: "RVLEN",
          message: "content must be at most 4000 characters long; it has 4001",
        });
        // Invisible spaces are blank too: no-break, zero-width, ideographic, byte-order mark.
        for (const content of ["", " \n\t ", "\u00a0\u200b\u3000\ufeff", null]) {
          expect(await refused(tx, user, [event.id, 5, content])).toEqual({ code: "RVLEN", message: "content must not be empty" });
        }
      });
    });

    it("control characters (other than tab, line feed, carriage return): RVCTL", async () => {
      await withRootTx(async (tx) => {
        const user = newUser("user");
        const { event } = await attendedEvent(tx, [user]);
        for (const content of ["bell\u0007", "escape \u001b[31mred", "del\u007f", "c1 \u0085 next line", "\u000bvertical tab"]) {
          expect((await refused(tx, user, [event.id, 5, content])).code, JSON.stringify(content)).toBe("RVCTL");
        }
      });
    });

    it("an event the caller cannot see (a draft) answers like a missing one: P0002", async () => {
      await withRootTx(async (tx) => {
        const draft = await createEvent(tx, newUser("organizer"));
        const user = newUser("user");
        const hidden = await refused(tx, user, [draft.id, 5, "Hidden"]);
        const missing = await refused(tx, user, ["00000000-0000-4000-8000-000000000000", 5, "Missing"]);
        expect(hidden).toEqual(missing);
        expect(hidden).toEqual({ code: "P0002", message: "event not found" });
      });
    });

    it("a canceled event cannot be reviewed: 55000", async () => {
      await withRootTx(async (tx) => {
        const user = newUser("user");
        const organizer = newUser("organizer");
        const event = await createPublishedEvent(tx, organizer);
        const booking = await createBooking(tx, user, event.id, (await firstTier(tx, event.id)).id);
        await payBooking(tx, user, booking.id);
        // Ended, not yet completed by the cron job: the organizer may still cancel it (canceled events are frozen).
        await endEvent(tx, event.id);
        await becomeUser(tx, organizer);
        await tx.query("select app_public.cancel_event($1, 'storm warning')", [event.id]);
        expect(await refused(tx, user, [event.id, 1, "Nobody went"])).toEqual({
          code: "55000",
          message: "the event was canceled; it cannot be reviewed",
        });
      });
    });

    it("the organizer of the event (who cannot book it) gets RVNBK; anonymous callers must sign in", async () => {
      await withRootTx(async (tx) => {
        const { organizer, event } = await attendedEvent(tx, [newUser("user")]);
        expect((await refused(tx, organizer, [event.id, 5, "My own event is great"])).code).toBe("RVNBK");
        await becomeAnonymous(tx);
        expect(await expectPgError(tx, CREATE, [event.id, 5, "Anonymous"])).toMatchObject({ code: "42501", message: "permission denied for function create_review" });
      });
    });
  });

  it("with moderation on, a new review is pending: only its author and admins see it", async () => {
    await withRootTx(async (tx) => {
      const user = newUser("user");
      const { event } = await attendedEvent(tx, [user]);
      await setModeration(tx, true);
      const created = await review(tx, user, event.id);
      expect(created.status).toBe("pending");
      expect(await visibleTo(tx, user, [created.id])).toEqual([created.id]);
      expect(await visibleTo(tx, newUser("admin"), [created.id])).toEqual([created.id]);
      expect(await visibleTo(tx, newUser("user"), [created.id])).toEqual([]);
      expect(await visibleTo(tx, newUser("organizer"), [created.id])).toEqual([]);
      expect(await visibleTo(tx, null, [created.id])).toEqual([]);
    });
  });

  it("the moderation setting accepts only on and off", async () => {
    await withRootTx(async (tx) => {
      const error = await expectPgError(tx, "update app_private.setting set value = 'yes' where key = 'review_moderation'");
      expect(error).toMatchObject({ code: "23514", constraint: "setting_value_check" });
      const [row] = await rootQuery(tx, "select value from app_private.setting where key = 'review_moderation'");
      expect(row!.value).toBe("off"); // the default
    });
  });
});

describe("moderate_review", () => {
  it("an admin rejects a review: hidden from the public and other users at once, who and when recorded, ReviewModerated", async () => {
    await withRootTx(async (tx) => {
      const [author, other] = [newUser("user"), newUser("user")];
      const { event } = await attendedEvent(tx, [author]);
      const created = await review(tx, author, event.id, 1, "Spam spam spam");
      expect(await visibleTo(tx, null, [created.id])).toEqual([created.id]);

      const admin = newUser("admin");
      await becomeUser(tx, admin);
      const rejected = (await tx.query(MODERATE, [created.id, "rejected", "  Advertising is not a review.  "])).rows[0]!;
      expect(rejected).toMatchObject({ status: "rejected", moderated_by: admin.sub, moderation_note: "Advertising is not a review." });
      expect(rejected.moderated_at).toBeInstanceOf(Date);

      expect(await visibleTo(tx, null, [created.id])).toEqual([]);
      expect(await visibleTo(tx, other, [created.id])).toEqual([]);
      expect(await visibleTo(tx, newUser("organizer"), [created.id])).toEqual([]);
      expect(await visibleTo(tx, author, [created.id])).toEqual([created.id]); // the author sees why
      expect(await visibleTo(tx, newUser("admin"), [created.id])).toEqual([created.id]);

      const outbox = await outboxFor(tx, created.id);
      expect(outbox.at(-1)).toMatchObject({
        event_type: "ReviewModerated",
        actor_id: admin.sub,
        data: { fromStatus: "active", review: { status: "rejected", moderatedBy: admin.sub, moderationNote: "Advertising is not a review." } },
      });
      expect((await auditFor(tx, created.id)).map((a) => a.action)).toEqual(["review.create", "review.moderate"]);

      // The same decision again records nothing; another one does.
      await becomeUser(tx, admin);
      const before = await rowCounts(tx);
      expect((await tx.query(MODERATE, [created.id, "rejected", "Advertising is not a review."])).rows[0]).toEqual(rejected);
      expect(await rowCounts(tx)).toEqual(before);
      const approved = (await tx.query(MODERATE, [created.id, "active", null])).rows[0]!;
      expect(approved).toMatchObject({ status: "active", moderation_note: null, moderated_by: admin.sub });
      expect(await visibleTo(tx, null, [created.id])).toEqual([created.id]);
    });
  });

  it("approves a pending review (moderation on): it becomes public", async () => {
    await withRootTx(async (tx) => {
      const author = newUser("user");
      const { event } = await attendedEvent(tx, [author]);
      await setModeration(tx, true);
      const created = await review(tx, author, event.id);
      await becomeUser(tx, newUser("admin"));
      expect((await tx.query(MODERATE, [created.id, "active", null])).rows[0]).toMatchObject({ status: "active" });
      expect(await visibleTo(tx, null, [created.id])).toEqual([created.id]);
    });
  });

  it("refused to everyone but admins, and for bad arguments; nothing written", async () => {
    await withRootTx(async (tx) => {
      const author = newUser("user");
      const { organizer, event } = await attendedEvent(tx, [author]);
      const created = await review(tx, author, event.id);
      const before = await rowCounts(tx);
      for (const who of [author, newUser("user"), organizer, newUser("payment-gateway")]) {
        await becomeUser(tx, who);
        expect(await expectPgError(tx, MODERATE, [created.id, "rejected", null])).toEqual({
          code: "42501",
          message: "only admins may moderate reviews",
          constraint: undefined,
        });
      }
      await becomeAnonymous(tx);
      expect((await expectPgError(tx, MODERATE, [created.id, "rejected", null])).code).toBe("42501");

      await becomeUser(tx, newUser("admin"));
      expect(await expectPgError(tx, MODERATE, [created.id, "pending", null])).toMatchObject({
        code: "22023",
        message: "status must be active or rejected",
      });
      expect((await expectPgError(tx, MODERATE, [created.id, null, null])).code).toBe("22023");
      expect((await expectPgError(tx, MODERATE, [created.id, "rejected", "n".repeat(1001)])).code).toBe("22023");
      expect((await expectPgError(tx, MODERATE, [created.id, "rejected", "bell\u0007"])).code).toBe("RVCTL");
      expect((await expectPgError(tx, MODERATE, ["00000000-0000-4000-8000-000000000000", "rejected", null])).code).toBe("P0002");
      expect(await rowCounts(tx)).toEqual(before);
    });
  });
});

describe("update_review", () => {
  it("its author changes rating and text: edited_at set, ReviewUpdated with the changes, still active (moderation off)", async () => {
    await withRootTx(async (tx) => {
      const author = newUser("user");
      const { event } = await attendedEvent(tx, [author]);
      const created = await review(tx, author, event.id, 5, "Great");
      const updated = (await tx.query(UPDATE, [created.id, 3, null])).rows[0]!;
      expect(updated).toMatchObject({ rating: 3, content: "Great", status: "active" });
      expect(updated.edited_at).toBeInstanceOf(Date);
      expect((await outboxFor(tx, created.id)).at(-1)).toMatchObject({
        event_type: "ReviewUpdated",
        data: { changes: { rating: { from: 5, to: 3 } }, review: { rating: 3, status: "active" } },
      });

      // A call that changes nothing writes nothing.
      await becomeUser(tx, author);
      const before = await rowCounts(tx);
      expect((await tx.query(UPDATE, [created.id, 3, "Great"])).rows[0]).toEqual(updated);
      expect((await tx.query(UPDATE, [created.id, null, null])).rows[0]).toEqual(updated);
      expect(await rowCounts(tx)).toEqual(before);
      expect((await auditFor(tx, created.id)).map((a) => a.action)).toEqual(["review.create", "review.update"]);
    });
  });

  it("with moderation on, an edit of an active (moderated) review goes back to pending and out of public view", async () => {
    await withRootTx(async (tx) => {
      const author = newUser("user");
      const { event } = await attendedEvent(tx, [author]);
      await setModeration(tx, true);
      const created = await review(tx, author, event.id);
      await becomeUser(tx, newUser("admin"));
      await tx.query(MODERATE, [created.id, "active", null]);
      await becomeUser(tx, author);
      const edited = (await tx.query(UPDATE, [created.id, null, "Actually, the food was cold."])).rows[0]!;
      expect(edited.status).toBe("pending");
      expect(await visibleTo(tx, null, [created.id])).toEqual([]);
      expect((await outboxFor(tx, created.id)).at(-1)).toMatchObject({
        event_type: "ReviewUpdated",
        data: { changes: { status: { from: "active", to: "pending" } } },
      });
    });
  });

  it("an edit never makes a rejected review public: it goes to pending even with moderation off", async () => {
    await withRootTx(async (tx) => {
      const author = newUser("user");
      const { event } = await attendedEvent(tx, [author]);
      const created = await review(tx, author, event.id, 1, "Rude words");
      await becomeUser(tx, newUser("admin"));
      await tx.query(MODERATE, [created.id, "rejected", "Please keep it polite."]);
      await becomeUser(tx, author);
      const edited = (await tx.query(UPDATE, [created.id, 2, "Not my kind of trip."])).rows[0]!;
      expect(edited).toMatchObject({ status: "pending", moderation_note: "Please keep it polite." });
      expect(await visibleTo(tx, null, [created.id])).toEqual([]);
    });
  });

  it("only its author: others get 42501 for a visible review, P0002 for a hidden one; the same validation as create", async () => {
    await withRootTx(async (tx) => {
      const [author, second] = [newUser("user"), newUser("user")];
      const { event } = await attendedEvent(tx, [author, second]);
      const created = await review(tx, author, event.id);
      const before = await rowCounts(tx);
      for (const who of [second, newUser("admin"), newUser("organizer")]) {
        await becomeUser(tx, who);
        expect(await expectPgError(tx, UPDATE, [created.id, 1, null])).toMatchObject({
          code: "42501",
          message: "only its author may change a review",
        });
      }
      await becomeUser(tx, author);
      expect((await expectPgError(tx, UPDATE, [created.id, 0, null])).code).toBe("RVRAT");
      expect((await expectPgError(tx, UPDATE, [created.id, null, "x".repeat(4001)])).code).toBe("RVLEN");
      expect((await expectPgError(tx, UPDATE, [created.id, null, "   "])).code).toBe("RVLEN");
      expect((await expectPgError(tx, UPDATE, [created.id, null, "fine but \u0002"])).code).toBe("RVCTL");
      await becomeAnonymous(tx);
      expect((await expectPgError(tx, UPDATE, [created.id, 1, null])).code).toBe("42501");
      expect(await rowCounts(tx)).toEqual(before);

      // A rejected review is hidden from other users: P0002, like a missing id.
      await becomeUser(tx, newUser("admin"));
      await tx.query(MODERATE, [created.id, "rejected", null]);
      await becomeUser(tx, second);
      expect((await expectPgError(tx, UPDATE, [created.id, 1, null])).code).toBe("P0002");
    });
  });
});

describe("delete_review", () => {
  it("its author deletes it with its votes (ReviewDeleted), and may then review the event again", async () => {
    await withRootTx(async (tx) => {
      const [author, voter] = [newUser("user"), newUser("user")];
      const { event } = await attendedEvent(tx, [author]);
      const created = await review(tx, author, event.id);
      await becomeUser(tx, voter);
      await tx.query("select app_public.mark_review_helpful($1)", [created.id]);
      await becomeUser(tx, author);
      const deleted = (await tx.query(DELETE, [created.id])).rows[0]!;
      expect(deleted).toMatchObject({ id: created.id, helpful_count: 1 });
      expect(await rootQuery(tx, "select * from app_public.review where id = $1", [created.id])).toEqual([]);
      expect(await rootQuery(tx, "select * from app_public.review_helpful_vote where review_id = $1", [created.id])).toEqual([]);
      expect((await outboxFor(tx, created.id)).at(-1)).toMatchObject({
        event_type: "ReviewDeleted",
        actor_id: author.sub,
        data: { deletedBy: author.sub, review: { id: created.id, content: created.content } },
      });
      expect((await auditFor(tx, created.id)).map((a) => a.action)).toEqual(["review.create", "review.delete"]);
      expect((await review(tx, author, event.id, 2, "Second thoughts")).status).toBe("active");
    });
  });

  it("an admin deletes any review; other users, the organizer and anonymous callers cannot", async () => {
    await withRootTx(async (tx) => {
      const author = newUser("user");
      const { organizer, event } = await attendedEvent(tx, [author]);
      const created = await review(tx, author, event.id);
      const before = await rowCounts(tx);
      for (const who of [newUser("user"), organizer]) {
        await becomeUser(tx, who);
        expect(await expectPgError(tx, DELETE, [created.id])).toMatchObject({
          code: "42501",
          message: "only its author or an admin may delete a review",
        });
      }
      await becomeAnonymous(tx);
      expect((await expectPgError(tx, DELETE, [created.id])).code).toBe("42501");
      expect(await rowCounts(tx)).toEqual(before);
      const admin = newUser("admin");
      await becomeUser(tx, admin);
      await tx.query(DELETE, [created.id]);
      expect((await outboxFor(tx, created.id)).at(-1)).toMatchObject({ event_type: "ReviewDeleted", data: { deletedBy: admin.sub } });
      expect((await expectPgError(tx, DELETE, [created.id])).code).toBe("P0002");
    });
  });
});

describe("row-level security of reviews", () => {
  it("nobody writes the tables directly; the settings stay closed", async () => {
    await withRootTx(async (tx) => {
      const author = newUser("user");
      const { event } = await attendedEvent(tx, [author]);
      const created = await review(tx, author, event.id);
      for (const sql of [
        "update app_public.review set status = 'active', rating = 5 where id = $1",
        "delete from app_public.review where id = $1",
        "insert into app_public.review_helpful_vote (review_id, user_id) values ($1, gen_random_uuid())",
        "update app_public.review set helpful_count = 1000 where id = $1",
      ]) {
        expect((await expectPgError(tx, sql, [created.id])).code, sql).toBe("42501");
      }
      await becomeUser(tx, newUser("admin"));
      expect((await expectPgError(tx, "update app_private.setting set value = 'on' where key = 'review_moderation'")).code).toBe("42501");
    });
  });

  it("the table's checks back the functions' rules (even the owner in psql cannot break them)", async () => {
    await withRootTx(async (tx) => {
      const author = newUser("user");
      const { event } = await attendedEvent(tx, [author]);
      const created = await review(tx, author, event.id);
      await tx.query("reset role");
      const cases: [string, string][] = [
        ["update app_public.review set rating = 6 where id = $1", "review_rating_check"],
        ["update app_public.review set content = repeat('x', 4001) where id = $1", "review_content_check"],
        ["update app_public.review set content = E'\\u00a0\\u200b' where id = $1", "review_content_check"],
        ["update app_public.review set content = E'a\\x07' where id = $1", "review_content_control_check"],
        ["update app_public.review set status = 'rejected' where id = $1", "review_moderated_at_check"],
        ["update app_public.review set helpful_count = -1 where id = $1", "review_helpful_count_check"],
      ];
      for (const [sql, constraint] of cases) {
        expect(await expectPgError(tx, sql, [created.id]), constraint).toMatchObject({ code: "23514", constraint });
      }
      expect(
        await expectPgError(tx, "insert into app_public.review (event_id, user_id, rating, content, status) values ($1, $2, 5, 'again', 'active')", [
          event.id,
          author.sub,
        ]),
      ).toMatchObject({ code: "23505", constraint: "review_event_id_user_id_key" });
      expect(
        await expectPgError(tx, "insert into app_public.review_helpful_vote (review_id, user_id) values ($1, $2)", [created.id, author.sub]),
      ).toMatchObject({ code: "RVOWN" });
    });
  });
});
