/*
 * create_promo_code / deactivate_promo_code and who sees which codes.
 */
import { describe, expect, it } from "vitest";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx } from "../../helpers/db.ts";
import { auditFor, createPublishedEvent, outboxFor, rowCounts } from "../factories.ts";

const CREATE = `select * from app_public.create_promo_code(
  code => $1, event_id => $2, percent_off => $3, amount_off => $4, currency => $5,
  valid_from => $6, valid_until => $7, max_uses => $8)`;

describe("promo codes", () => {
  it("an organizer creates codes for an own event: percent, or fixed in the event's currency; PromoCodeCreated", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      const until = new Date(Date.now() + 86_400_000);
      const pct = (await tx.query(CREATE, [" Early-Bird ", event.id, 25, null, null, null, until, 50])).rows[0];
      expect(pct).toMatchObject({
        code: "Early-Bird",
        event_id: event.id,
        created_by: organizer.sub,
        discount_kind: "percent",
        percent_off: 25,
        amount_off: null,
        currency: null,
        max_uses: 50,
        uses: 0,
        is_active: true,
      });
      const fixed = (await tx.query(CREATE, ["minus10", event.id, null, "10", null, null, null, null])).rows[0];
      expect(fixed).toMatchObject({ discount_kind: "fixed", amount_off: "10.00", currency: "EUR" });
      expect((await outboxFor(tx, pct.id))[0]).toMatchObject({
        event_type: "PromoCodeCreated",
        aggregate_type: "promo_code",
        data: { code: "Early-Bird", percentOff: 25 },
      });
      expect((await auditFor(tx, pct.id))[0]).toMatchObject({ action: "promo_code.create", actor_id: organizer.sub });
      // Codes are case-insensitive and unique per event.
      expect(await expectPgError(tx, CREATE, ["EARLY-BIRD", event.id, 5, null, null, null, null, null])).toMatchObject({
        code: "23505",
        constraint: "promo_code_event_id_code_key",
        message: 'promo code "EARLY-BIRD" already exists for this event',
      });
      // ...but the same text may exist for another event.
      const other = await createPublishedEvent(tx, organizer);
      expect((await tx.query(CREATE, ["early-bird", other.id, 5, null, null, null, null, null])).rows[0].code).toBe("early-bird");
    });
  });

  it("deactivate: PromoCodeDeactivated once; again returns it unchanged", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      const code = (await tx.query(CREATE, ["stopme", event.id, 10, null, null, null, null, null])).rows[0];
      await becomeUser(tx, newUser("organizer"));
      expect(await expectPgError(tx, "select app_public.deactivate_promo_code($1)", [code.id])).toMatchObject({ code: "P0002" });
      await becomeUser(tx, organizer);
      const off = (await tx.query("select * from app_public.deactivate_promo_code($1)", [code.id])).rows[0];
      expect(off).toMatchObject({ is_active: false, deactivated_by: organizer.sub });
      const before = await rowCounts(tx);
      expect((await tx.query("select * from app_public.deactivate_promo_code($1)", [code.id])).rows[0]).toEqual(off);
      expect(await rowCounts(tx)).toEqual(before);
      expect((await outboxFor(tx, code.id)).map((r) => r.event_type)).toEqual(["PromoCodeCreated", "PromoCodeDeactivated"]);
    });
  });

  it("global codes are for admins only", async () => {
    await withRootTx(async (tx) => {
      await becomeUser(tx, newUser("organizer"));
      expect(await expectPgError(tx, CREATE, ["global1", null, 10, null, null, null, null, null])).toMatchObject({
        code: "42501",
        message: "only admins may create global promo codes",
      });
      await becomeUser(tx, newUser("admin"));
      const g = (await tx.query(CREATE, ["global1", null, null, "5", "usd", null, null, 3])).rows[0];
      expect(g).toMatchObject({ event_id: null, currency: "USD", amount_off: "5.00" });
      expect(await expectPgError(tx, CREATE, ["GLOBAL1", null, 10, null, null, null, null, null])).toMatchObject({
        code: "23505",
        message: 'promo code "GLOBAL1" already exists among the global codes',
      });
    });
  });

  it.each([
    ["a bad code", ["a", 10, null, null, null, null, null], "code"],
    ["no discount", ["code1", null, null, null, null, null, null], "percent_off"],
    ["both discounts", ["code1", 10, "5", null, null, null, null], "percent_off"],
    ["percent over 100", ["code1", 101, null, null, null, null, null], "percent_off"],
    ["percent 0", ["code1", 0, null, null, null, null, null], "percent_off"],
    ["negative amount", ["code1", null, "-1", null, null, null, null], "amount_off"],
    ["currency with percent", ["code1", 10, null, "EUR", null, null, null], "currency"],
    ["a past end", ["code1", 10, null, null, null, new Date(Date.now() - 1000), null], "valid_until"],
    ["zero uses", ["code1", 10, null, null, null, null, 0], "max_uses"],
  ])("refuses %s (22023), writing nothing", async (_label, args, column) => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      const [code, ...rest] = args as unknown[];
      const before = await rowCounts(tx);
      const error = await expectPgError(tx, CREATE, [code, event.id, ...rest]);
      expect(error.code).toBe("22023");
      expect(error.message).toContain(column);
      expect(await rowCounts(tx)).toEqual(before);
    });
  });

  it("refuses a fixed amount in another currency than the event's (CPCUR), other people's events (42501), users (42501)", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      expect(await expectPgError(tx, CREATE, ["usd5", event.id, null, "5", "USD", null, null, null])).toMatchObject({
        code: "CPCUR",
        message: "currency USD differs from the event's currency EUR",
      });
      await becomeUser(tx, newUser("organizer"));
      expect((await expectPgError(tx, CREATE, ["mine", event.id, 5, null, null, null, null, null])).code).toBe("42501");
      await becomeUser(tx, newUser("user"));
      expect((await expectPgError(tx, CREATE, ["mine", event.id, 5, null, null, null, null, null])).code).toBe("42501");
    });
  });

  it("visibility: the organizer sees own events' codes, admins all, users and anonymous none", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createPublishedEvent(tx, organizer);
      const own = (await tx.query(CREATE, ["seeme", event.id, 10, null, null, null, null, null])).rows[0];
      await becomeUser(tx, newUser("admin"));
      const global = (await tx.query(CREATE, ["seeglobal", null, 10, null, null, null, null, null])).rows[0];
      const ids = [own.id, global.id];
      const visible = async () =>
        (await tx.query("select id from app_public.promo_code where id = any($1) order by code", [ids])).rows.map((r) => r.id);

      expect(await visible()).toEqual([global.id, own.id]);
      await becomeUser(tx, organizer);
      expect(await visible()).toEqual([own.id]);
      await becomeUser(tx, newUser("organizer"));
      expect(await visible()).toEqual([]);
      await becomeUser(tx, newUser("user"));
      expect(await visible()).toEqual([]);
      // Anonymous holds no grant on promo codes at all (not just an empty RLS answer).
      await becomeAnonymous(tx);
      expect((await expectPgError(tx, "select id from app_public.promo_code")).code).toBe("42501");
    });
  });
});
