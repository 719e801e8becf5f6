/*
 * Personal data on request (export_user_data, erase_user_data) through SQL
 * as the API calls it: who may, what comes out, what is left after an
 * erasure (nothing that names the person, every accounting fact unchanged),
 * idempotency and the refusals. Each test runs in a rolled-back transaction.
 */
import { describe, expect, it } from "vitest";
import {
  attendedEvent,
  createBooking,
  createPublishedEvent,
  firstTier,
  rootQuery,
  type Row,
} from "../db/factories.ts";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx, type TestUser, type Tx } from "../helpers/db.ts";

/** A person with a paid booking, a canceled one, a review, a vote on someone else's review and a favorite. */
async function busyPerson(tx: Tx) {
  const person = newUser("user");
  const other = newUser("user");
  const { event, bookings } = await attendedEvent(tx, [person, other]);
  // Run the deferred triggers now (ticket issuing at commit), as a commit would.
  await tx.query("set constraints all immediate");
  await becomeUser(tx, person);
  const review = (await tx.query("select * from app_public.create_review($1, 4, 'Great rapids, cold water')", [event.id])).rows[0]!;
  await becomeUser(tx, other);
  const othersReview = (await tx.query("select * from app_public.create_review($1, 2, 'Too cold for me')", [event.id])).rows[0]!;
  await becomeUser(tx, person);
  await tx.query("select app_public.mark_review_helpful($1)", [othersReview.id]);

  const organizer = newUser("organizer");
  const later = await createPublishedEvent(tx, organizer, { title: "Later trip" });
  const tier = await firstTier(tx, later.id);
  const canceled = await createBooking(tx, person, later.id, tier.id);
  await tx.query("select app_public.cancel_booking($1, 'my phone is +7 900 000-00-00')", [canceled.id]);
  await tx.query("select app_public.add_favorite($1)", [later.id]);

  // A sold-out event the person waits for.
  const full = await createPublishedEvent(tx, organizer, { title: "Full trip", capacity: 1 });
  await createBooking(tx, other, full.id, (await firstTier(tx, full.id)).id);
  await becomeUser(tx, person);
  const entry = (await tx.query("select * from app_public.join_waitlist(event_id => $1)", [full.id])).rows[0]!;
  await tx.query("reset role");
  return { person, other, event, later, review, othersReview, paid: bookings[0]!, canceled, entry };
}

/** Every row of every application table, as text, that mentions `id`. */
async function rowsNaming(tx: Tx, id: string): Promise<string[]> {
  const tables = await rootQuery(
    tx,
    `select format('%I.%I', n.nspname, c.relname) as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('app_public', 'app_private') and c.relkind in ('r', 'p') and not c.relispartition`,
  );
  const found: string[] = [];
  for (const { t } of tables) {
    const rows = await rootQuery(tx, `select x::text as row from ${t} x where x::text like '%' || $1 || '%'`, [id]);
    found.push(...rows.map((r) => `${t}: ${r.row}`));
  }
  return found;
}

/**
 * What must not change when a person is erased, over the events the test
 * made (other test files commit bookings of their own meanwhile).
 */
async function accounts(tx: Tx, eventIds: string[]): Promise<Row> {
  const [facts] = await rootQuery(
    tx,
    `with b as (select * from app_public.booking where event_id = any($1::uuid[]))
     select (select sum(total_amount) from b) as booked,
            (select count(*) from b) as bookings,
            (select sum(p.amount) from app_public.payment p join b on b.id = p.booking_id where p.status = 'completed') as paid,
            (select jsonb_agg(helpful_count order by id) from app_public.review where event_id = any($1::uuid[])) as helpful,
            (select to_jsonb(app_public.event_rating_summary(e)) from app_public.event e where e.id = $1[1]) as rating,
            (select count(*) from app_private.seat_drift d
              where counted <> actual
                and (d.id = any($1::uuid[]) or d.id in (select id from app_public.event_price_tier where event_id = any($1::uuid[])))) as drift`,
    [eventIds],
  );
  return facts!;
}

describe("export_user_data", () => {
  it("gives the person everything the service holds about them", async () => {
    await withRootTx(async (tx) => {
      const { person, paid, canceled, review } = await busyPerson(tx);
      await becomeUser(tx, person);
      const data = (await tx.query("select app_public.export_user_data($1) as d", [person.sub])).rows[0]!.d;
      expect(data.userId).toBe(person.sub);
      expect(data.bookings.map((b: Row) => b.id).sort()).toEqual([paid.id, canceled.id].sort());
      expect(data.payments).toHaveLength(1);
      expect(data.payments[0]).not.toHaveProperty("payment_url");
      expect(data.reviews.map((r: Row) => r.id)).toEqual([review.id]);
      expect(data.helpfulVotes).toHaveLength(1);
      expect(data.favorites).toHaveLength(1);
      expect(data.waitlistEntries).toHaveLength(1);
      expect(data.tickets.map((t: Row) => t.bookingId)).toEqual([paid.id]);
      expect(data.tickets[0]).not.toHaveProperty("code");
      expect(data.auditTrail.map((a: Row) => a.action)).toEqual(
        expect.arrayContaining(["booking.create", "review.create", "favorite.add", "booking.cancel"]),
      );
    });
  });

  it("is refused to others and to anonymous callers (42501: not theirs / not even callable); admins may", async () => {
    await withRootTx(async (tx) => {
      const { person } = await busyPerson(tx);
      await becomeUser(tx, newUser("user"));
      expect((await expectPgError(tx, "select app_public.export_user_data($1)", [person.sub])).code).toBe("42501");
      await becomeAnonymous(tx);
      expect((await expectPgError(tx, "select app_public.export_user_data($1)", [person.sub])).code).toBe("42501");
      await becomeUser(tx, newUser("admin"));
      const data = (await tx.query("select app_public.export_user_data($1) as d", [person.sub])).rows[0]!.d;
      expect(data.bookings).toHaveLength(2);
    });
  });
});

describe("erase_user_data", () => {
  it("leaves no row that names the person, keeps every amount, count and rating, and announces it", async () => {
    await withRootTx(async (tx) => {
      const { person, event, later, entry, review, paid, canceled } = await busyPerson(tx);
      const eventIds = [event.id, later.id, entry.event_id];
      const before = await accounts(tx, eventIds);
      expect((await rowsNaming(tx, person.sub)).length).toBeGreaterThan(10);

      await becomeUser(tx, person);
      const result = (await tx.query("select app_public.erase_user_data($1) as r", [person.sub])).rows[0]!.r;
      expect(result.erased).toMatchObject({ bookings: 2, payments: 1, reviews: 1, helpfulVotes: 1, favorites: 1, waitlistEntries: 1 });

      await tx.query("reset role");
      // The one row that still names the id is the announcement other services erase by.
      expect(await rowsNaming(tx, person.sub)).toEqual([expect.stringMatching(/^app_private\.outbox: .*UserDataErased/)]);
      const [announced] = await rootQuery(
        tx,
        "select aggregate_type, data from app_private.outbox where event_type = 'UserDataErased' and aggregate_id = $1",
        [person.sub],
      );
      expect(announced).toMatchObject({ aggregate_type: "user", data: { userId: person.sub } });
      // The facts stay right.
      expect(await accounts(tx, eventIds)).toEqual(before);
      const [kept] = await rootQuery(tx, "select rating, content, user_id from app_public.review where id = $1", [review.id]);
      expect(kept).toMatchObject({ rating: 4, content: "[erased]" });
      expect(kept!.user_id).not.toBe(person.sub);
      // One pseudonym for all the person's rows, so what counted per person still does.
      const aliases = await rootQuery(tx, "select distinct user_id from app_public.booking where id = any($1::uuid[])", [
        [paid.id, canceled.id],
      ]);
      expect(aliases).toEqual([{ user_id: kept!.user_id }]);
    });
  });

  it("is idempotent: a second erasure finds nothing left and announces again", async () => {
    await withRootTx(async (tx) => {
      const { person } = await busyPerson(tx);
      await becomeUser(tx, newUser("admin"));
      await tx.query("select app_public.erase_user_data($1)", [person.sub]);
      const again = (await tx.query("select app_public.erase_user_data($1) as r", [person.sub])).rows[0]!.r;
      expect(Object.values(again.erased).every((n) => n === 0)).toBe(true);
      await tx.query("reset role");
      expect(await rootQuery(tx, "select 1 from app_private.outbox where event_type = 'UserDataErased' and aggregate_id = $1", [person.sub])).toHaveLength(2);
    });
  });

  it("refuses an organizer with events ahead (ERORG) and a person with bookings waiting for payment (ERPEN), changing nothing", async () => {
    await withRootTx(async (tx) => {
      const organizer: TestUser = newUser("organizer");
      await createPublishedEvent(tx, organizer);
      const waiting = newUser("user");
      const other = await createPublishedEvent(tx, newUser("organizer"));
      const pending = await createBooking(tx, waiting, other.id, (await firstTier(tx, other.id)).id);

      await becomeUser(tx, organizer);
      expect((await expectPgError(tx, "select app_public.erase_user_data($1)", [organizer.sub])).code).toBe("ERORG");
      await becomeUser(tx, waiting);
      expect((await expectPgError(tx, "select app_public.erase_user_data($1)", [waiting.sub])).code).toBe("ERPEN");
      await tx.query("reset role");
      const [still] = await rootQuery(tx, "select user_id from app_public.booking where id = $1", [pending.id]);
      expect(still!.user_id).toBe(waiting.sub);
    });
  });

  it("is refused to other users (42501)", async () => {
    await withRootTx(async (tx) => {
      const { person } = await busyPerson(tx);
      await becomeUser(tx, newUser("user"));
      expect((await expectPgError(tx, "select app_public.erase_user_data($1)", [person.sub])).code).toBe("42501");
    });
  });
});
