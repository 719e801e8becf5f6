/*
 * Lock order between accepting an offer and changing its event. Functions
 * that change an event (cancel_event, update_event, … through
 * app_hidden.event_for_change) lock the event row FOR UPDATE and then the
 * seat counter. accept_offer locks the counter and then books, and the
 * booking's foreign key takes a key-share lock on the event row: had it taken
 * the counter first, the two would wait for each other (40P01). The
 * interleaving is forced here, not left to timing: the event row is held
 * first, the acceptance is seen waiting on a lock, then the cancellation runs.
 */
import pg from "pg";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { becomeUser, type TestUser } from "../../helpers/db.ts";
import { eventually } from "../../helpers/eventually.ts";
import { racer } from "../../helpers/race.ts";
import { raceUserNo, RACE_PREFIX } from "../factories.ts";
import { BOOK, CANCEL, JOIN, cleanUp, expectNoDrift, publishedEvent, seats } from "../waitlist-fixtures.ts";

const organizer = raceUserNo(18090, "organizer");
const holder = raceUserNo(18091);
const waiter = raceUserNo(18092);
const r = racer(4);
// Two connections of this file's own, each holding a transaction open.
const sessions = new pg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
const clients: pg.PoolClient[] = [];

async function openTx(user: TestUser | null): Promise<pg.PoolClient> {
  const client = await sessions.connect();
  clients.push(client);
  await client.query("begin");
  if (user) await becomeUser(client, user);
  return client;
}

afterEach(async () => {
  await expectNoDrift(r.pool, organizer);
  await cleanUp(r.pool, organizer, RACE_PREFIX);
});
afterAll(async () => {
  for (const c of clients) c.release(true);
  await sessions.end();
});

describe("accept_offer against an event change", () => {
  it("an acceptance waiting behind a cancellation's event lock never deadlocks it", async () => {
    const { event, tier } = await publishedEvent(r, organizer, { capacity: 1 });
    const [booking] = await r.must(holder, BOOK, [event.id, tier.id, 1]);
    const [entry] = await r.must(waiter, JOIN, [event.id, 1, null, false]);
    await r.must(holder, CANCEL, [booking!.id]);
    expect((await r.one("select status from app_public.waitlist_entry where id = $1", [entry!.id])).status).toBe("offered");

    // The cancellation's first step (event_for_change): the event row, for update.
    const canceler = await openTx(null);
    await canceler.query("select 1 from app_public.event where id = $1 for update", [event.id]);
    const acceptor = await openTx(waiter);
    const acceptorPid = (await acceptor.query("select pg_backend_pid() as pid")).rows[0]!.pid;
    const accepting = acceptor
      .query("select * from app_public.accept_offer(id => $1, price_tier_id => $2)", [entry!.id, tier.id])
      .then(
        () => ({ ok: true as const }),
        (e: pg.DatabaseError) => ({ ok: false as const, code: e.code }),
      );
    await eventually(async () => {
      if ((await Promise.race([accepting, new Promise((ok) => setTimeout(() => ok("pending"), 10))])) !== "pending") {
        throw new Error(`accept_offer ended before the cancellation: ${JSON.stringify(await accepting)}`);
      }
      const { rows } = await r.pool.query("select wait_event_type from pg_stat_activity where pid = $1", [acceptorPid]);
      return rows[0]?.wait_event_type === "Lock";
    }, "accept_offer waiting on a lock");

    // The rest of the cancellation: it needs the counter row next.
    await becomeUser(canceler, organizer);
    await canceler.query("select app_public.cancel_event($1, 'river too high')", [event.id]);
    await canceler.query("commit");

    const accepted = await accepting;
    await acceptor.query("rollback");
    // Refused as a client error (the list ended with its event), not a deadlock.
    expect(accepted).toEqual({ ok: false, code: "WLNOF" });
    const after = await r.one("select status, end_reason from app_public.waitlist_entry where id = $1", [entry!.id]);
    expect(after).toMatchObject({ status: "ended", end_reason: "event_canceled" });
    expect(await seats(r, event.id)).toMatchObject({ taken: 0, booked: 0, offered: 0 });
  });
});
