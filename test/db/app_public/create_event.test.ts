/*
 * app_public.create_event: organizers (and admins) create drafts with price
 * tiers; every bad input has its own code and writes nothing.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx } from "../../helpers/db.ts";
import {
  auditFor,
  createEvent,
  createEventCall,
  inDays,
  outboxFor,
  rootQuery,
  rowCounts,
  type EventInput,
} from "../factories.ts";

describe("create_event", () => {
  it("creates a draft owned by the caller, with its tiers, and announces EventCreated", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const event = await createEvent(tx, organizer, {
        title: "  Kayak sunset tour  ",
        crewRequired: true,
        priceTiers: [
          { name: "Adult", price: 49.5, currency: "eur", quota: 10 },
          { name: " Child ", price: 20, currency: "EUR" },
        ],
      });
      expect(event).toMatchObject({
        organizer_id: organizer.sub,
        title: "Kayak sunset tour",
        status: "draft",
        crew_required: true,
        crew_status: "pending",
        crew_id: null,
        published_at: null,
      });

      const { rows: tiers } = await tx.query(
        "select name, price, currency, quota, sort_order from app_public.event_price_tier where event_id = $1 order by sort_order",
        [event.id],
      );
      expect(tiers).toEqual([
        { name: "Adult", price: "49.50", currency: "EUR", quota: 10, sort_order: 1 },
        { name: "Child", price: "20.00", currency: "EUR", quota: null, sort_order: 2 },
      ]);

      const outbox = await outboxFor(tx, event.id);
      expect(outbox).toHaveLength(1);
      expect(outbox[0]).toMatchObject({
        aggregate_type: "event",
        event_type: "EventCreated",
        version: 1,
        actor_id: organizer.sub,
        published_at: null,
        attempts: 0,
      });
      expect(outbox[0]!.data).toMatchObject({
        id: event.id,
        organizerId: organizer.sub,
        title: "Kayak sunset tour",
        status: "draft",
        crewStatus: "pending",
        timeZone: "Europe/Moscow",
        waitlistPolicy: "list_first",
        waitlistPausedAt: null,
      });
      expect(outbox[0]!.data.priceTiers.map((t: { name: string }) => t.name)).toEqual(["Adult", "Child"]);

      const audit = await auditFor(tx, event.id);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        action: "event.create",
        table_name: "event",
        actor_id: organizer.sub,
        actor_roles: ["organizer"],
      });
    });
  });

  it("crew_status is not_required without a crew; a draft may have no tier yet", async () => {
    await withRootTx(async (tx) => {
      const event = await createEvent(tx, newUser("organizer"), { priceTiers: [], crewRequired: false });
      expect(event.crew_status).toBe("not_required");
      const { rows } = await tx.query("select count(*)::int as n from app_public.event_price_tier where event_id = $1", [
        event.id,
      ]);
      expect(rows[0].n).toBe(0);
    });
  });

  it("takes the event's IANA time zone, Europe/Moscow when not given", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      // 2030-07-01 17:30 UTC is 01:30 on 2 July in Irkutsk (UTC+8): the local day is the next one.
      const startsAt = new Date("2030-07-01T17:30:00Z");
      const zoned = await createEvent(tx, organizer, { startsAt, timeZone: " Asia/Irkutsk " });
      expect(zoned.time_zone).toBe("Asia/Irkutsk");
      const { rows } = await tx.query(
        "select starts_at_local::text as local, starts_on::text as day from app_public.event where id = $1",
        [zoned.id],
      );
      expect(rows[0]).toEqual({ local: "2030-07-02 01:30:00", day: "2030-07-02" });
      expect((await createEvent(tx, organizer, {})).time_zone).toBe("Europe/Moscow");
      expect((await createEvent(tx, organizer, { timeZone: null })).time_zone).toBe("Europe/Moscow");
    });
  });

  it("admins may create events too; the request id reaches the audit row", async () => {
    await withRootTx(async (tx) => {
      const admin = newUser("admin");
      await becomeUser(tx, admin);
      await tx.query("select set_config('app.request_id', 'req-42', true)");
      const [sql, params] = createEventCall();
      const { rows } = await tx.query(sql, params);
      expect(rows[0].organizer_id).toBe(admin.sub);
      const audit = await auditFor(tx, rows[0].id);
      expect(audit[0]).toMatchObject({ request_id: "req-42", actor_roles: ["admin"] });
    });
  });

  describe("refuses, writing nothing", () => {
    const cases: [string, Partial<EventInput>, string, string][] = [
      ["a short title", { title: "ab" }, "22023", "title must be 3 to 200 characters"],
      ["a blank title", { title: "    " }, "22023", "title must be 3 to 200 characters"],
      ["a long title", { title: "x".repeat(201) }, "22023", "title must be 3 to 200 characters"],
      ["a long description", { description: "x".repeat(10001) }, "22023", "description must be at most 10000"],
      ["an unknown category", { category: "surfing" }, "22023", 'unknown category "surfing"'],
      ["a missing category", { category: null }, "22023", "category is required"],
      ["a blank location", { locationName: " " }, "22023", "location_name must be 1 to 200"],
      ["a long location", { locationName: "x".repeat(201) }, "22023", "location_name must be 1 to 200"],
      ["latitude out of range", { latitude: 90.5 }, "22023", "latitude must be between -90 and 90"],
      ["longitude out of range", { longitude: -180.5 }, "22023", "longitude must be between -180 and 180"],
      ["latitude without longitude", { longitude: null }, "22023", "latitude and longitude must be given together"],
      ["no start", { startsAt: null, endsAt: inDays(3) }, "22023", "starts_at is required"],
      ["no end", { endsAt: null }, "22023", "ends_at is required"],
      ["an end before the start", { startsAt: inDays(5), endsAt: inDays(4) }, "EVDAT", "ends_at must be after starts_at"],
      ["an end equal to the start", { startsAt: inDays(5), endsAt: inDays(5) }, "EVDAT", "ends_at must be after"],
      ["more than 30 days", { startsAt: inDays(5), endsAt: inDays(35, 1) }, "EVDUR", "at most 30 days"],
      ["a start in the past", { startsAt: inDays(-1), endsAt: inDays(1) }, "EVPST", "starts_at must be in the future"],
      ["capacity 0", { capacity: 0 }, "22023", "capacity must be between 1 and 100000"],
      ["capacity above 100000", { capacity: 100001 }, "22023", "capacity must be between 1 and 100000"],
      ["a negative deadline", { bookingDeadlineHours: -1 }, "22023", "booking_deadline_hours must be between 0 and 8760"],
      ["a deadline above a year", { bookingDeadlineHours: 8761 }, "22023", "booking_deadline_hours must be between"],
      ["a zone abbreviation", { timeZone: "MSK" }, "EVTZN", "time_zone must be an IANA time zone name"],
      ["a zone offset", { timeZone: "UTC+3" }, "EVTZN", "time_zone must be an IANA time zone name"],
      ["an unknown zone", { timeZone: "Europe/Atlantis" }, "EVTZN", "time_zone must be an IANA time zone name"],
      ["a blank zone", { timeZone: "  " }, "EVTZN", "time_zone must be an IANA time zone name"],
      ["a nameless tier", { priceTiers: [{ name: " ", price: 1, currency: "EUR" }] }, "22023", "price tier name"],
      ["a negative price", { priceTiers: [{ name: "A", price: -1, currency: "EUR" }] }, "22023", "price must be 0 or more"],
      ["a missing price", { priceTiers: [{ name: "A", price: null, currency: "EUR" }] }, "22023", "price must be 0"],
      ["three decimals", { priceTiers: [{ name: "A", price: "1.005", currency: "EUR" }] }, "22023", "two decimals"],
      ["a huge price", { priceTiers: [{ name: "A", price: "10000000000", currency: "EUR" }] }, "22023", "below"],
      ["a bad currency", { priceTiers: [{ name: "A", price: 1, currency: "EURO" }] }, "22023", "currency must be an ISO 4217"],
      ["a missing currency", { priceTiers: [{ name: "A", price: 1, currency: null }] }, "22023", "currency must be"],
      ["quota 0", { priceTiers: [{ name: "A", price: 1, currency: "EUR", quota: 0 }] }, "22023", "quota must be at least 1"],
      [
        "a quota above capacity",
        { capacity: 10, priceTiers: [{ name: "A", price: 1, currency: "EUR", quota: 11 }] },
        "TRQTA",
        "quota 11 exceeds the event capacity 10",
      ],
      [
        "two currencies",
        {
          priceTiers: [
            { name: "A", price: 1, currency: "EUR" },
            { name: "B", price: 1, currency: "USD" },
          ],
        },
        "TRCUR",
        "currency USD differs from the event's currency EUR",
      ],
      [
        "a duplicate tier name",
        {
          priceTiers: [
            { name: "A", price: 1, currency: "EUR" },
            { name: "A ", price: 2, currency: "EUR" },
          ],
        },
        "23505",
        'a price tier named "A" already exists',
      ],
    ];

    it.each(cases)("%s", async (_label, overrides, code, message) => {
      await withRootTx(async (tx) => {
        const before = await rowCounts(tx);
        await becomeUser(tx, newUser("organizer"));
        const [sql, params] = createEventCall(overrides);
        const error = await expectPgError(tx, sql, params);
        expect(error.code).toBe(code);
        expect(error.message).toContain(message);
        expect(await rowCounts(tx)).toEqual(before);
      });
    });

    it("a plain user (42501)", async () => {
      await withRootTx(async (tx) => {
        const before = await rowCounts(tx);
        await becomeUser(tx, newUser("user"));
        const error = await expectPgError(tx, ...createEventCall());
        expect(error).toMatchObject({ code: "42501", message: "only organizers and admins may manage events" });
        expect(await rowCounts(tx)).toEqual(before);
      });
    });

    it("a member without a user id (28000)", async () => {
      await withRootTx(async (tx) => {
        await tx.query("set local role aquastream_member");
        const error = await expectPgError(tx, ...createEventCall());
        expect(error).toMatchObject({ code: "28000", message: "sign in first" });
      });
    });

    it("anonymous callers, even with forged claims (no EXECUTE: 42501, answered 28000 by the transports)", async () => {
      await withRootTx(async (tx) => {
        const before = await rowCounts(tx);
        await becomeAnonymous(tx);
        const refused = { code: "42501", message: "permission denied for function create_event" };
        expect(await expectPgError(tx, ...createEventCall())).toMatchObject(refused);
        // Claims without the member role change nothing: the anonymous role never acts.
        await tx.query("select set_config('jwt.claims.sub', gen_random_uuid()::text, true)");
        await tx.query("select set_config('jwt.claims.roles', 'admin', true)");
        expect(await expectPgError(tx, ...createEventCall())).toMatchObject(refused);
        expect(await rowCounts(tx)).toEqual(before);
      });
    });

    it("a direct insert by a member (no insert grant)", async () => {
      await withRootTx(async (tx) => {
        const organizer = newUser("organizer");
        await becomeUser(tx, organizer);
        const error = await expectPgError(
          tx,
          `insert into app_public.event (organizer_id, title, category, location_name, starts_at, ends_at, capacity)
           values ($1, 'Sneaky', 'other', 'Here', now() + interval '1 day', now() + interval '2 days', 5)`,
          [organizer.sub],
        );
        expect(error.code).toBe("42501");
        expect(error.message).toContain("permission denied for table event");
      });
    });
  });

  describe("constraints hold for the owner too", () => {
    const insert = (columns: string) => `
      insert into app_public.event (organizer_id, title, category, location_name, starts_at, ends_at, capacity ${columns})
      select gen_random_uuid(), $1, $2, $3, $4, $5, $6`;
    const base = (): unknown[] => ["Valid title", "other", "Somewhere", inDays(1), inDays(2), 10];

    it.each([
      ["event_title_check", ["  padded  ", "other", "Somewhere", inDays(1), inDays(2), 10]],
      ["event_category_fkey", ["Valid title", "nope", "Somewhere", inDays(1), inDays(2), 10]],
      ["event_ends_at_check", ["Valid title", "other", "Somewhere", inDays(2), inDays(1), 10]],
      ["event_ends_at_duration_check", ["Valid title", "other", "Somewhere", inDays(1), inDays(40), 10]],
      ["event_capacity_check", ["Valid title", "other", "Somewhere", inDays(1), inDays(2), 0]],
    ])("%s", async (constraint, params) => {
      await withRootTx(async (tx) => {
        const error = await expectPgError(tx, insert(""), params);
        expect(error.constraint).toBe(constraint);
        expect(["23514", "23503"]).toContain(error.code);
      });
    });

    it("coordinates come in pairs", async () => {
      await withRootTx(async (tx) => {
        expect((await expectPgError(tx, insert(", latitude") + ", 10", base())).constraint).toBe(
          "event_latitude_longitude_check",
        );
        expect((await expectPgError(tx, insert(", crew_required") + ", true", base())).constraint).toBe(
          "event_crew_status_check",
        );
        expect(
          (await expectPgError(tx, insert(", status") + ", 'published'", base())).constraint,
        ).toBe("event_published_at_check");
      });
    });

    it("one crew cannot work two overlapping live events (23P01)", async () => {
      await withRootTx(async (tx) => {
        const crew = randomUUID();
        const add = (from: Date, to: Date, status = "draft") =>
          tx.query(
            `insert into app_public.event (organizer_id, title, category, location_name, starts_at, ends_at, capacity,
               crew_required, crew_status, crew_id, status, canceled_at, cancel_reason)
             values (gen_random_uuid(), 'Crew test', 'other', 'Here', $1, $2, 5, true, 'assigned', $3, $4::text::app_public.event_status,
               case when $4::text = 'canceled' then now() end, case when $4::text = 'canceled' then 'gone' end)`,
            [from, to, crew, status],
          );
        await add(inDays(1), inDays(2));
        const error = await expectPgError(
          tx,
          `insert into app_public.event (organizer_id, title, category, location_name, starts_at, ends_at, capacity,
             crew_required, crew_status, crew_id)
           values (gen_random_uuid(), 'Crew clash', 'other', 'Here', $1, $2, 5, true, 'assigned', $3)`,
          [inDays(1, 12), inDays(3), crew],
        );
        expect(error).toMatchObject({ code: "23P01", constraint: "event_crew_id_excl" });
        // Back to back is fine ([) ranges), and so is a canceled event.
        await add(inDays(2), inDays(3));
        await add(inDays(1), inDays(3), "canceled");
        const rows = await rootQuery(tx, "select count(*)::int as n from app_public.event where crew_id = $1", [crew]);
        expect(rows[0]!.n).toBe(3);
      });
    });
  });
});
