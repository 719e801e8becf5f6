/*
 * Reviews under real concurrency: many connections at once (Promise.all over
 * separate pool clients, each call its own committed transaction), against
 * real PostgreSQL. A helpful vote is a row, and the count is updated under
 * the review's row lock in the voting transaction, so the count is exact, not
 * "usually right"; one review per user per event is a unique constraint.
 *
 * These tests commit, so they use race users (ids starting with RACE_PREFIX,
 * left out of rowCounts; numbers 5000+ so they never meet booking_races.test.ts's)
 * and delete their rows afterwards.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { becomeUser, withCommittedTx, type TestUser } from "../../helpers/db.ts";
import { racer, tally, type Outcome } from "../../helpers/race.ts";
import { createEventCall, raceUserNo, type Row } from "../factories.ts";

const CONNECTIONS = 32;

const organizer = raceUserNo(5000, "organizer");
const gateway = raceUserNo(5001, "payment-gateway");
const voters = (n: number, offset: number): TestUser[] => Array.from({ length: n }, (_, i) => raceUserNo(6000 + offset + i));

const { pool, call, must, one } = racer(CONNECTIONS);

/** A published event `participant` booked and paid, then ended (moved into the past and completed as the owner). */
async function attendedEvent(participant: TestUser): Promise<Row> {
  const [sql, params] = createEventCall();
  const [event] = await must(organizer, sql, params);
  await must(organizer, "select app_public.publish_event($1)", [event!.id]);
  const tier = await one("select id from app_public.event_price_tier where event_id = $1", [event!.id]);
  const [booking] = await must(participant, "select * from app_public.create_booking($1, $2)", [event!.id, tier.id]);
  const [payment] = await must(participant, "select * from app_public.initiate_payment($1, 'card')", [booking!.id]);
  await must(gateway, "select app_public.confirm_payment($1, $2)", [`gw-${payment!.id}`, payment!.id]);
  // Ended and completed in one statement (as the cron would): an ended but still published event, committed,
  // would be completed by complete_ended_events.test.ts running beside this file.
  await must(
    null,
    "update app_public.event set starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour', status = 'completed' where id = $1",
    [event!.id],
  );
  return event!;
}

async function reviewBy(author: TestUser): Promise<Row> {
  const event = await attendedEvent(author);
  const [review] = await must(author, "select * from app_public.create_review($1, 4, 'Cold water, warm people.')", [event.id]);
  return review!;
}

const MARK = "select * from app_public.mark_review_helpful($1)";
const UNMARK = "select * from app_public.unmark_review_helpful($1)";

async function state(reviewId: string): Promise<Row> {
  return one(
    `select r.helpful_count,
            (select count(*)::int from app_public.review_helpful_vote v where v.review_id = r.id) as votes,
            (select count(*)::int from app_private.outbox o where o.aggregate_id = r.id and o.event_type = 'ReviewMarkedHelpful') as marked,
            (select count(*)::int from app_private.outbox o where o.aggregate_id = r.id and o.event_type = 'ReviewUnmarkedHelpful') as unmarked
     from app_public.review r where r.id = $1`,
    [reviewId],
  );
}

afterEach(async () => {
  // Whatever raced, every count still equals its votes.
  const drift = await pool.query(
    `select d.* from app_private.review_helpful_drift d join app_public.review r on r.id = d.id
     join app_public.event e on e.id = r.event_id where e.organizer_id = $1`,
    [organizer.sub],
  );
  expect(drift.rows).toEqual([]);

  await withCommittedTx(pool, async (client) => {
    await client.query("create temp table race_event on commit drop as select id from app_public.event where organizer_id = $1", [
      organizer.sub,
    ]);
    await client.query(
      "create temp table race_row on commit drop as select id from race_event union all select id from app_public.booking where event_id in (select id from race_event) union all select id from app_public.review where event_id in (select id from race_event)",
    );
    await client.query(
      "create temp table race_payment on commit drop as select id from app_public.payment where booking_id in (select id from race_row)",
    );
    await client.query("delete from app_private.outbox where aggregate_id in (select id from race_row)");
    await client.query(
      `delete from app_private.audit_log
       where row_id in (select id::text from race_row union all select id::text from race_payment)
          or row_id like any (select '(' || id || ',%' from race_row)`,
    );
    await client.query("delete from app_public.review where event_id in (select id from race_event)");
    await client.query("delete from app_public.refund where payment_id in (select id from race_payment)");
    await client.query("delete from app_public.payment where id in (select id from race_payment)");
    await client.query("delete from app_public.booking where event_id in (select id from race_event)");
    await client.query("delete from app_public.event where id in (select id from race_event)");
  });
});

describe("review races (real concurrent connections)", () => {
  it("100 users mark a review helpful at once: count 100, each vote saw its own count; the same 100 again change nothing", async () => {
    const author = raceUserNo(5100);
    const review = await reviewBy(author);
    const crowd = voters(100, 0);

    const first = await Promise.all(crowd.map((u) => call(u, MARK, [review.id])));
    expect(tally(first)).toEqual({ ok: 100 });
    // Every vote returned the count right after its own: 1..100, each once (no lost update, no double count).
    const seen = first.map((o) => (o as { rows: Row[] }).rows[0]!.helpful_count as number).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await state(review.id)).toEqual({ helpful_count: 100, votes: 100, marked: 100, unmarked: 0 });

    // Everyone votes again at once, and the author tries too.
    const again = await Promise.all([...crowd.map((u) => call(u, MARK, [review.id])), call(author, MARK, [review.id])]);
    expect(tally(again)).toEqual({ ok: 100, RVOWN: 1 });
    expect(new Set(again.filter((o) => o.ok).map((o) => (o as { rows: Row[] }).rows[0]!.helpful_count))).toEqual(new Set([100]));
    expect(await state(review.id)).toEqual({ helpful_count: 100, votes: 100, marked: 100, unmarked: 0 });
  });

  it("one user's 20 simultaneous votes count once", async () => {
    const review = await reviewBy(raceUserNo(5101));
    const [fan] = voters(1, 200);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => call(fan!, MARK, [review.id])));
    expect(tally(outcomes)).toEqual({ ok: 20 });
    expect(await state(review.id)).toEqual({ helpful_count: 1, votes: 1, marked: 1, unmarked: 0 });
  });

  it("votes and withdrawals at once, while the author edits: the count equals the rows", async () => {
    const author = raceUserNo(5102);
    const review = await reviewBy(author);
    const early = voters(60, 300);
    expect(tally(await Promise.all(early.map((u) => call(u, MARK, [review.id]))))).toEqual({ ok: 60 });

    const late = voters(40, 400);
    const withdrawing = early.slice(0, 30);
    const outcomes = await Promise.all([
      ...late.map((u) => call(u, MARK, [review.id])),
      ...withdrawing.map((u) => call(u, UNMARK, [review.id])),
      ...Array.from({ length: 5 }, (_, i) => call(author, "select * from app_public.update_review($1, $2)", [review.id, 1 + i])),
    ]);
    expect(tally(outcomes)).toEqual({ ok: 75 });
    expect(await state(review.id)).toEqual({ helpful_count: 70, votes: 70, marked: 100, unmarked: 30 });
  });

  it("a vote racing the review's deletion waits for it, then answers P0002 (not a foreign-key error)", async () => {
    const author = raceUserNo(5104);
    const review = await reviewBy(author);
    const [voter] = voters(1, 500);
    const deleter = await pool.connect();
    const votingClient = await pool.connect();
    try {
      // The author's deletion is under way (row locked and deleted, not committed yet) …
      await deleter.query("begin");
      await becomeUser(deleter, author);
      await deleter.query("select app_public.delete_review($1)", [review.id]);
      // … when the vote arrives: it must wait for the deletion, not read the row around it.
      await votingClient.query("begin");
      await becomeUser(votingClient, voter!);
      const voterPid = (await votingClient.query("select pg_backend_pid() as pid")).rows[0]!.pid as number;
      const deleterPid = (await deleter.query("select pg_backend_pid() as pid")).rows[0]!.pid as number;
      const vote = votingClient.query(MARK, [review.id]).then(
        () => ({ ok: true as const }),
        (error: pg.DatabaseError) => ({ ok: false as const, code: error.code, message: error.message }),
      );
      // Wait until the server reports the vote blocked by the deleter (polling the server, no timing assumption).
      while (!(await pool.query("select $2::int = any(pg_blocking_pids($1)) as b", [voterPid, deleterPid])).rows[0]!.b) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await deleter.query("commit");
      expect(await vote).toEqual({ ok: false, code: "P0002", message: "review not found" });
      await votingClient.query("rollback");
    } finally {
      await deleter.query("rollback").catch(() => {});
      deleter.release();
      votingClient.release();
    }
    expect(await one("select count(*)::int as n from app_public.review_helpful_vote where review_id = $1", [review.id])).toEqual({ n: 0 });
  });

  it("one user creating a review of one event 10 times at once gets exactly one review (RVDUP for the rest)", async () => {
    const author = raceUserNo(5103);
    const event = await attendedEvent(author);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call(author, "select * from app_public.create_review($1, 5, $2)", [event.id, `Attempt ${i}`])),
    );
    expect(tally(outcomes)).toEqual({ ok: 1, RVDUP: 9 });
    expect(
      await one(
        `select count(*)::int as reviews,
                (select count(*)::int from app_private.outbox o join app_public.review r on r.id = o.aggregate_id
                  where r.event_id = $1 and o.event_type = 'ReviewCreated') as created
         from app_public.review where event_id = $1`,
        [event.id],
      ),
    ).toEqual({ reviews: 1, created: 1 });
  });
});
