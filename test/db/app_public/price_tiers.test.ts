/*
 * add_price_tier, update_price_tier, remove_price_tier: tiers of draft and
 * published events, one currency per event, quotas within capacity, no
 * removal of sold tiers, a published event keeps one tier.
 */
import { describe, expect, it } from "vitest";
import { becomeUser, expectPgError, newUser, withRootTx, type Tx } from "../../helpers/db.ts";
import {
  auditFor,
  createEvent,
  createPublishedEvent,
  outboxFor,
  rootQuery,
  rowCounts,
  type EventInput,
  type Row,
} from "../factories.ts";

const add = "select * from app_public.add_price_tier(event_id => $1, name => $2, price => $3, currency => $4, quota => $5)";
const updateTier = "select * from app_public.update_price_tier(id => $1, name => $2, price => $3, quota => $4)";
const remove = "select * from app_public.remove_price_tier($1)";

/** An event input with two tiers ("Adult" first, then "Child") at one price: one to act on, one left over. */
const ADULT_AND_CHILD: Partial<EventInput> = {
  priceTiers: [
    { name: "Adult", price: 1, currency: "EUR" },
    { name: "Child", price: 1, currency: "EUR" },
  ],
};

async function tiersOf(tx: Tx, eventId: string): Promise<Row[]> {
  const { rows } = await tx.query(
    "select id, name, price, currency, quota, sort_order from app_public.event_price_tier where event_id = $1 order by sort_order",
    [eventId],
  );
  return rows;
}

describe("add_price_tier", () => {
  it("adds a tier at the end and announces EventUpdated", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      const { rows } = await tx.query(add, [event.id, " Child ", 60, "eur", 5]);
      expect(rows[0]).toMatchObject({ event_id: event.id, name: "Child", price: "60.00", currency: "EUR", quota: 5, sort_order: 2 });
      const outbox = await outboxFor(tx, event.id);
      expect(outbox.at(-1)).toMatchObject({ event_type: "EventUpdated", actor_id: organizer.sub });
      expect(outbox.at(-1)!.data.priceTierAdded).toMatchObject({ id: rows[0].id, name: "Child", currency: "EUR" });
      const audit = await auditFor(tx, rows[0].id);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: "event_price_tier.add", table_name: "event_price_tier" });
    });
  });

  describe("refuses, writing nothing", () => {
    it.each([
      ["another currency", ["Child", 10, "USD", null], "TRCUR", "currency USD differs from the event's currency EUR"],
      ["a quota above capacity", ["Child", 10, "EUR", 21], "TRQTA", "quota 21 exceeds the event capacity 20"],
      ["a taken name", ["Adult", 10, "EUR", null], "23505", 'a price tier named "Adult" already exists'],
      ["a negative price", ["Child", -5, "EUR", null], "22023", "price must be 0 or more"],
      ["a bad currency", ["Child", 5, "E1R", null], "22023", "currency must be an ISO 4217 code"],
      ["a zero quota", ["Child", 5, "EUR", 0], "22023", "quota must be at least 1"],
      ["a long name", ["x".repeat(101), 5, "EUR", null], "22023", "price tier name must be 1 to 100"],
    ])("%s", async (_label, args, code, message) => {
      await withRootTx(async (tx) => {
        const event = await createEvent(tx, newUser("organizer"));
        const before = await rowCounts(tx);
        const error = await expectPgError(tx, add, [event.id, ...args]);
        expect(error.code).toBe(code);
        expect(error.message).toContain(message);
        expect(await rowCounts(tx)).toEqual(before);
      });
    });

    it("tiers of canceled events (55000), others' drafts (P0002), others' events (42501)", async () => {
      await withRootTx(async (tx) => {
        const owner = newUser("organizer");
        const canceled = await createEvent(tx, owner);
        await tx.query("select app_public.cancel_event($1, 'no guide')", [canceled.id]);
        expect(await expectPgError(tx, add, [canceled.id, "Late", 1, "EUR", null])).toMatchObject({
          code: "55000",
          message: "a canceled event can no longer be changed",
        });
        const draft = await createEvent(tx, owner);
        const published = await createPublishedEvent(tx, owner);
        await becomeUser(tx, newUser("organizer"));
        expect((await expectPgError(tx, add, [draft.id, "Mine", 1, "EUR", null])).code).toBe("P0002");
        expect((await expectPgError(tx, add, [published.id, "Mine", 1, "EUR", null])).code).toBe("42501");
      });
    });
  });

  it("the owner cannot mix currencies or exceed capacity either (constraint trigger)", async () => {
    await withRootTx(async (tx) => {
      const event = await createEvent(tx, newUser("organizer"));
      await tx.query("reset role");
      const insert = "insert into app_public.event_price_tier (event_id, name, price, currency, quota) values ($1, $2, 1, $3, $4)";
      expect((await expectPgError(tx, insert, [event.id, "B", "USD", null])).code).toBe("TRCUR");
      expect((await expectPgError(tx, insert, [event.id, "C", "EUR", 21])).code).toBe("TRQTA");
      expect(await expectPgError(tx, insert, [event.id, "Adult", "EUR", null])).toMatchObject({
        code: "23505",
        constraint: "event_price_tier_event_id_name_key",
      });
      expect(await expectPgError(tx, insert, [event.id, "D", "eur", null])).toMatchObject({
        code: "23514",
        constraint: "event_price_tier_currency_check",
      });
    });
  });
});

describe("update_price_tier", () => {
  it("changes name, price and quota and announces the changes", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      const [tier] = await tiersOf(tx, event.id);
      const { rows } = await tx.query(updateTier, [tier!.id, "Adult (18+)", "99.90", 12]);
      expect(rows[0]).toMatchObject({ name: "Adult (18+)", price: "99.90", quota: 12, currency: "EUR" });
      const outbox = await outboxFor(tx, event.id);
      expect(outbox.at(-1)!.event_type).toBe("EventUpdated");
      expect(outbox.at(-1)!.data.changes).toEqual({
        name: { from: "Adult", to: "Adult (18+)" },
        price: { from: 120, to: 99.9 },
        quota: { from: null, to: 12 },
      });
      const { rows: unlimited } = await tx.query("select * from app_public.update_price_tier(id => $1, remove_quota => true)", [
        tier!.id,
      ]);
      expect(unlimited[0].quota).toBeNull();
    });
  });

  it("a call that changes nothing writes nothing", async () => {
    await withRootTx(async (tx) => {
      const event = await createEvent(tx, newUser("organizer"));
      const [tier] = await tiersOf(tx, event.id);
      const before = await rowCounts(tx);
      await tx.query(updateTier, [tier!.id, "Adult", 120, null]);
      expect(await rowCounts(tx)).toEqual(before);
    });
  });

  describe("refuses, writing nothing", () => {
    it("a quota below the seats taken in the tier (TRSEA) or above capacity (TRQTA)", async () => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"));
        const [tier] = await tiersOf(tx, event.id);
        await rootQuery(tx, "update app_public.price_tier_seat_counter set seats_taken = 4 where price_tier_id = $1", [tier!.id]);
        const before = await rowCounts(tx);
        expect(await expectPgError(tx, updateTier, [tier!.id, null, null, 3])).toMatchObject({
          code: "TRSEA",
          message: "quota 3 is below the 4 seats already taken in this tier",
        });
        expect(await expectPgError(tx, updateTier, [tier!.id, null, null, 21])).toMatchObject({
          code: "TRQTA",
          message: "quota 21 exceeds the event capacity 20",
        });
        expect(await rowCounts(tx)).toEqual(before);
      });
    });

    it("bad values (22023) and a taken name (23505)", async () => {
      await withRootTx(async (tx) => {
        const event = await createEvent(tx, newUser("organizer"), ADULT_AND_CHILD);
        const [adult] = await tiersOf(tx, event.id);
        expect((await expectPgError(tx, updateTier, [adult!.id, "Child", null, null])).code).toBe("23505");
        expect((await expectPgError(tx, updateTier, [adult!.id, " ", null, null])).code).toBe("22023");
        expect((await expectPgError(tx, updateTier, [adult!.id, null, -1, null])).code).toBe("22023");
        expect((await expectPgError(tx, updateTier, [adult!.id, null, "0.001", null])).code).toBe("22023");
        expect((await expectPgError(tx, updateTier, [adult!.id, null, null, 0])).code).toBe("22023");
        const both = await expectPgError(
          tx,
          "select app_public.update_price_tier(id => $1, quota => 3, remove_quota => true)",
          [adult!.id],
        );
        expect(both).toMatchObject({ code: "22023", message: "give either quota or remove_quota, not both" });
      });
    });

    it("unknown tiers and tiers of others' drafts look the same (P0002)", async () => {
      await withRootTx(async (tx) => {
        const event = await createEvent(tx, newUser("organizer"));
        const [tier] = await tiersOf(tx, event.id);
        await becomeUser(tx, newUser("organizer"));
        const hidden = await expectPgError(tx, updateTier, [tier!.id, "X", null, null]);
        const missing = await expectPgError(tx, updateTier, ["00000000-0000-4000-8000-000000000000", "X", null, null]);
        expect(hidden).toEqual(missing);
        expect(hidden).toMatchObject({ code: "P0002", message: "price tier not found" });
      });
    });
  });
});

describe("remove_price_tier", () => {
  it("removes a tier, returns the event and announces EventUpdated", async () => {
    await withRootTx(async (tx) => {
      const event = await createPublishedEvent(tx, newUser("organizer"), ADULT_AND_CHILD);
      const [, child] = await tiersOf(tx, event.id);
      const { rows } = await tx.query(remove, [child!.id]);
      expect(rows[0].id).toBe(event.id);
      expect((await tiersOf(tx, event.id)).map((t) => t.name)).toEqual(["Adult"]);
      const outbox = await outboxFor(tx, event.id);
      expect(outbox.at(-1)!.data.priceTierRemoved).toMatchObject({ id: child!.id, name: "Child" });
      expect((await auditFor(tx, child!.id)).map((a) => a.action)).toEqual(["event_price_tier.remove"]);
    });
  });

  it("a draft may lose its last tier", async () => {
    await withRootTx(async (tx) => {
      const event = await createEvent(tx, newUser("organizer"));
      const [tier] = await tiersOf(tx, event.id);
      await tx.query(remove, [tier!.id]);
      expect(await tiersOf(tx, event.id)).toEqual([]);
    });
  });

  describe("refuses, writing nothing", () => {
    it("the last tier of a published event (EVTIR)", async () => {
      await withRootTx(async (tx) => {
        const event = await createPublishedEvent(tx, newUser("organizer"));
        const [tier] = await tiersOf(tx, event.id);
        const before = await rowCounts(tx);
        expect(await expectPgError(tx, remove, [tier!.id])).toMatchObject({
          code: "EVTIR",
          message: "a published event must keep at least one price tier",
        });
        expect(await rowCounts(tx)).toEqual(before);
        // The owner is held to it too.
        await tx.query("reset role");
        expect((await expectPgError(tx, "delete from app_public.event_price_tier where id = $1", [tier!.id])).code).toBe(
          "EVTIR",
        );
      });
    });

    it("a tier with seats taken (TRSEA)", async () => {
      await withRootTx(async (tx) => {
        const event = await createEvent(tx, newUser("organizer"), ADULT_AND_CHILD);
        const [adult] = await tiersOf(tx, event.id);
        await rootQuery(tx, "update app_public.price_tier_seat_counter set seats_taken = 1 where price_tier_id = $1", [adult!.id]);
        const before = await rowCounts(tx);
        expect(await expectPgError(tx, remove, [adult!.id])).toMatchObject({
          code: "TRSEA",
          message: 'price tier "Adult" has 1 seats taken and cannot be removed',
        });
        expect(await rowCounts(tx)).toEqual(before);
      });
    });

    it("tiers of canceled events (55000) and someone else's (42501)", async () => {
      await withRootTx(async (tx) => {
        const owner = newUser("organizer");
        const event = await createPublishedEvent(tx, owner, ADULT_AND_CHILD);
        const [adult] = await tiersOf(tx, event.id);
        await becomeUser(tx, newUser("organizer"));
        expect((await expectPgError(tx, remove, [adult!.id])).code).toBe("42501");
        await becomeUser(tx, owner);
        await tx.query("select app_public.cancel_event($1, 'low water')", [event.id]);
        expect((await expectPgError(tx, remove, [adult!.id])).code).toBe("55000");
        await tx.query("reset role");
        expect((await expectPgError(tx, "delete from app_public.event_price_tier where id = $1", [adult!.id])).code).toBe(
          "55000",
        );
      });
    });

    it("a member cannot write tiers directly", async () => {
      await withRootTx(async (tx) => {
        const event = await createEvent(tx, newUser("organizer"));
        const [tier] = await tiersOf(tx, event.id);
        for (const sql of [
          "update app_public.event_price_tier set price = 0 where id = $1",
          "delete from app_public.event_price_tier where id = $1",
        ]) {
          const error = await expectPgError(tx, sql, [tier!.id]);
          expect(error.code).toBe("42501");
          expect(error.message).toContain("permission denied for table event_price_tier");
        }
      });
    });
  });

  it("deleting an event as the owner removes its tiers (cascade) without tripping the tier rules", async () => {
    await withRootTx(async (tx) => {
      const event = await createPublishedEvent(tx, newUser("organizer"));
      await tx.query("reset role");
      await tx.query("delete from app_public.event where id = $1", [event.id]);
      const { rows } = await tx.query("select count(*)::int as n from app_public.event_price_tier where event_id = $1", [
        event.id,
      ]);
      expect(rows[0].n).toBe(0);
    });
  });
});
