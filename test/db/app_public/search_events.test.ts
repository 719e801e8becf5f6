/*
 * app_public.search_events: the catalog listing, filtered by category, start
 * range, full text, distance and free seats, ordered by start; RLS decides
 * what each caller sees. (Russian search, sorts, time zones and keyset paging
 * end to end: test/graphql/catalog-search.test.ts, test/grpc/catalog-search.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx, type Tx } from "../../helpers/db.ts";
import { createEvent, createPublishedEvent, inDays, rootQuery, type Row } from "../factories.ts";

// Each test only looks at the events it made (other files run alongside, in their own transactions).
async function search(tx: Tx, ids: string[], args: string, params: unknown[] = []): Promise<string[]> {
  const offset = params.length;
  const { rows } = await tx.query(
    `select s.id from app_public.search_events(${args}) s where s.id = any($${offset + 1}::uuid[])`,
    [...params, ids],
  );
  return rows.map((r) => r.id);
}

/** The test's events (`ids`) walked in keyset pages of two (after_event_id), at most five pages, until `count` are seen. */
async function keysetPagesOfTwo(tx: Tx, ids: string[], args: string, count: number): Promise<string[]> {
  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 5 && seen.length < count; page++) {
    const { rows } = await tx.query(
      `select id from app_public.search_events(${args}, after_event_id => $1) where id = any($2::uuid[]) limit 2`,
      [after, ids],
    );
    seen.push(...rows.map((r) => r.id as string));
    after = seen.at(-1)!;
  }
  return seen;
}

async function catalog(tx: Tx) {
  const organizer = newUser("organizer");
  // Moscow, Saint Petersburg, Sochi: far apart on purpose.
  const rafting = await createPublishedEvent(tx, organizer, {
    title: "Wild water rafting",
    category: "rafting",
    description: "Class III rapids, helmets included",
    locationName: "Moscow river",
    latitude: 55.75,
    longitude: 37.62,
    startsAt: inDays(3),
  });
  const sailing = await createPublishedEvent(tx, organizer, {
    title: "Sailing regatta",
    category: "sailing",
    description: "A calm day on the Gulf of Finland",
    locationName: "Saint Petersburg",
    latitude: 59.93,
    longitude: 30.34,
    startsAt: inDays(1),
  });
  const diving = await createPublishedEvent(tx, organizer, {
    title: "Night diving",
    category: "diving",
    description: "Black Sea reef",
    locationName: "Sochi",
    latitude: 43.6,
    longitude: 39.73,
    startsAt: inDays(7),
    capacity: 2,
  });
  const noPlace = await createPublishedEvent(tx, organizer, {
    title: "Mystery SUP tour",
    category: "sup",
    latitude: null,
    longitude: null,
    locationName: "Announced later",
    startsAt: inDays(5),
  });
  const draft = await createEvent(tx, organizer, { title: "Secret rafting draft", startsAt: inDays(2) });
  const all = [rafting, sailing, diving, noPlace, draft].map((e: Row) => e.id as string);
  return { organizer, rafting, sailing, diving, noPlace, draft, all };
}

describe("search_events", () => {
  it("lists visible events ordered by start; drafts only for their organizer", async () => {
    await withRootTx(async (tx) => {
      const c = await catalog(tx);
      await becomeAnonymous(tx);
      expect(await search(tx, c.all, "")).toEqual([c.sailing.id, c.rafting.id, c.noPlace.id, c.diving.id]);
      // Published events by default; other statuses on request, drafts only for their organizer and admins.
      await becomeUser(tx, c.organizer);
      expect(await search(tx, c.all, "")).not.toContain(c.draft.id);
      const withDrafts = "statuses => '{draft,published}'";
      expect(await search(tx, c.all, withDrafts)).toEqual([c.sailing.id, c.draft.id, c.rafting.id, c.noPlace.id, c.diving.id]);
      await becomeUser(tx, newUser("admin"));
      expect(await search(tx, c.all, withDrafts)).toHaveLength(5);
      await becomeUser(tx, newUser("organizer"));
      expect(await search(tx, c.all, withDrafts)).not.toContain(c.draft.id);
    });
  });

  it("filters by category and start range (inclusive)", async () => {
    await withRootTx(async (tx) => {
      const c = await catalog(tx);
      await becomeAnonymous(tx);
      expect(await search(tx, c.all, "category => 'diving'")).toEqual([c.diving.id]);
      expect(await search(tx, c.all, "category => 'kayaking'")).toEqual([]);
      expect(await search(tx, c.all, "starts_from => $1, starts_to => $2", [c.rafting.starts_at, c.noPlace.starts_at])).toEqual([
        c.rafting.id,
        c.noPlace.id,
      ]);
      expect(await search(tx, c.all, "starts_from => $1", [inDays(6)])).toEqual([c.diving.id]);
    });
  });

  it("finds free text in title, location and description (web-search syntax)", async () => {
    await withRootTx(async (tx) => {
      const c = await catalog(tx);
      await becomeAnonymous(tx);
      expect(await search(tx, c.all, "query => 'RAFTING'")).toEqual([c.rafting.id]);
      expect(await search(tx, c.all, "query => 'petersburg'")).toEqual([c.sailing.id]);
      expect(await search(tx, c.all, "query => 'reef'")).toEqual([c.diving.id]);
      expect(await search(tx, c.all, `query => '"night diving"'`)).toEqual([c.diving.id]);
      expect(await search(tx, c.all, "query => 'diving or sailing', sort => 'start'")).toEqual([c.sailing.id, c.diving.id]);
      expect(await search(tx, c.all, "query => 'water -rafting'")).toEqual([]);
      expect(await search(tx, c.all, "query => '   '")).toHaveLength(4);
    });
  });

  it("finds events within a radius of a point", async () => {
    await withRootTx(async (tx) => {
      const c = await catalog(tx);
      await becomeAnonymous(tx);
      // Tver: ~160 km from Moscow, ~480 km from Saint Petersburg.
      const near = "near_latitude => 56.86, near_longitude => 35.9, radius_km => $1";
      expect(await search(tx, c.all, near, [200])).toEqual([c.rafting.id]);
      expect(await search(tx, c.all, near, [600])).toEqual([c.sailing.id, c.rafting.id]);
      expect(await search(tx, c.all, near, [100])).toEqual([]);
      const { rows } = await tx.query(
        "select round(app_public.event_distance_km(e, 56.86, 35.9)::numeric) as km from app_public.event e where id = $1",
        [c.rafting.id],
      );
      expect(Number(rows[0].km)).toBeGreaterThan(150);
      expect(Number(rows[0].km)).toBeLessThan(170);
    });
  });

  it("sorts nearest first within a radius, across the antimeridian and around a pole, as the other sorts filter", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const at = async (title: string, latitude: number, longitude: number) =>
        (await createPublishedEvent(tx, organizer, { title, latitude, longitude, startsAt: inDays(4) })).id as string;
      // Chukotka, around 180°: the circle of a point at 179.95° E reaches past -180°.
      const east = await at("East of the line", 65.0, 179.9); // ~2 km
      const west = await at("West of the line", 65.0, -179.8); // ~12 km, the other side of ±180°
      const farther = await at("Farther west", 65.0, 178.0); // ~92 km
      // Around the North Pole: 0.05° from it on the far side, ~17 km from (89.9, 0).
      const pole = await at("Across the pole", 89.95, 179.0);
      const ids = [east, west, farther, pole];
      await becomeAnonymous(tx);
      const chukotka = (radius: number, sort: string) =>
        search(tx, ids, `near_latitude => 65.0, near_longitude => 179.95, radius_km => $1, sort => '${sort}'`, [radius]);
      expect(await chukotka(50, "distance")).toEqual([east, west]);
      expect(await chukotka(100, "distance")).toEqual([east, west, farther]);
      expect(await chukotka(10, "distance")).toEqual([east]);
      // The nearest-first path (index band, then the exact test) and the path of
      // the other sorts (event_ids_near) agree on what lies inside.
      for (const radius of [1, 10, 12, 50, 91, 93, 100, 5000]) {
        expect(new Set(await chukotka(radius, "distance"))).toEqual(new Set(await chukotka(radius, "start")));
      }
      const polar = (radius: number, sort: string) =>
        search(tx, ids, `near_latitude => 89.9, near_longitude => 0, radius_km => $1, sort => '${sort}'`, [radius]);
      expect(await polar(20, "distance")).toEqual([pole]);
      expect(await polar(20, "start")).toEqual([pole]);
      expect(await polar(10, "distance")).toEqual([]);
      // An event exactly on the circle's edge is in or out the same way on both paths.
      const { rows } = await tx.query("select app_public.event_distance_km(e, 65.0, 179.95) as km from app_public.event e where id = $1", [west]);
      const edge = Number(rows[0].km);
      for (const radius of [edge, edge - 1e-9, edge + 1e-9]) {
        expect(new Set(await chukotka(radius, "distance"))).toEqual(new Set(await chukotka(radius, "start")));
      }
      // Without a radius: every event with a place, nearest first.
      expect(await search(tx, ids, "near_latitude => 65.0, near_longitude => 179.95, sort => 'distance'")).toEqual([east, west, farther, pole]);
    });
  });

  it("orders ties (one meeting point) by id when the GiST index delivers the order, pages included", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const at = async (latitude: number, longitude: number) =>
        (await createPublishedEvent(tx, organizer, { latitude, longitude, startsAt: inDays(4) })).id as string;
      const base = [];
      for (let i = 0; i < 5; i++) base.push(await at(57.55, 59.05)); // five events at one base
      const nearer = await at(57.5, 59.0);
      const farther = await at(57.6, 59.3);
      const ids = [...base, nearer, farther];
      const expected = [nearer, ...[...base].sort(), farther];
      await becomeAnonymous(tx);
      // Make the planner take the KNN index scan even on a tiny table, and check it did.
      await tx.query("set local enable_sort = off; set local enable_bitmapscan = off; set local enable_seqscan = off");
      const args = "near_latitude => 57.5, near_longitude => 59.0, radius_km => 50, sort => 'distance'";
      const { rows: plan } = await tx.query(`explain select id from app_public.search_events(${args}) limit 3`);
      const text = plan.map((r) => r["QUERY PLAN"]).join("\n");
      expect(text).toContain("Index Scan using event_earth_point_knn_idx");
      expect(text).not.toMatch(/\bSort\b/);
      expect(await search(tx, ids, args)).toEqual(expected);
      // Keyset pages of two, each cut inside the tie.
      expect(await keysetPagesOfTwo(tx, ids, args, ids.length)).toEqual(expected);
    });
  });

  it("an organizer's dashboard (organizer_id => current_user_id()) lists their events through the organizer index", async () => {
    await withRootTx(async (tx) => {
      const c = await catalog(tx);
      await becomeUser(tx, c.organizer);
      const mine = "statuses => '{draft,published}', organizer_id => app_public.current_user_id()";
      expect(await search(tx, c.all, mine)).toEqual([c.sailing.id, c.draft.id, c.rafting.id, c.noPlace.id, c.diving.id]);
      expect(await search(tx, c.all, "statuses => '{draft,published}', organizer_id => $1", [c.organizer.sub])).toEqual(
        await search(tx, c.all, mine),
      );
      // An expression the planner cannot fold still reaches the index (a range condition, not `x is null or …`).
      await tx.query("set local enable_seqscan = off");
      const { rows: plan } = await tx.query(`explain select id from app_public.search_events(${mine}) limit 20`);
      expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toMatch(/Index Scan using event_organizer_id_starts_at_idx[\s\S]*Index Cond: \(\(organizer_id >=/);
      // Another organizer's dashboard is empty; no organizer: everyone's.
      await becomeUser(tx, newUser("organizer"));
      expect(await search(tx, c.all, mine)).toEqual([]);
      expect(await search(tx, c.all, "organizer_id => null")).toHaveLength(4);
    });
  });

  it("best rated first reads the published events' rating index and stops after the page: the order of ranking every match", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      // Upcoming published events with these active review ratings ([]: none), a
      // tie at 4.5 and two unrated ones (best first, unrated last, ties by id).
      const ratings = [[5, 4], [2], [], [4, 5], [5], [], [3]];
      const published: { id: string; average: number | null }[] = [];
      for (const r of ratings) {
        const id = (await createPublishedEvent(tx, organizer, { startsAt: inDays(3) })).id as string;
        published.push({ id, average: r.length ? Math.round((r.reduce((a, b) => a + b, 0) / r.length) * 100) / 100 : null });
      }
      // Better rated events the listing must skip: completed, canceled, a draft.
      const completed = (await createPublishedEvent(tx, organizer, { startsAt: inDays(3) })).id as string;
      const canceled = (await createPublishedEvent(tx, organizer, { startsAt: inDays(3) })).id as string;
      const draft = (await createEvent(tx, organizer, { startsAt: inDays(3) })).id as string;
      await rootQuery(tx, "update app_public.event set status = 'completed' where id = $1", [completed]);
      await rootQuery(tx, "update app_public.event set status = 'canceled', cancel_reason = 'wind' where id = $1", [canceled]);
      const review = (eventId: string, rating: number) =>
        rootQuery(tx, "insert into app_public.review (event_id, user_id, rating, content, status) values ($1, gen_random_uuid(), $2, 'ok', 'active')", [
          eventId,
          rating,
        ]);
      for (let i = 0; i < ratings.length; i++) for (const rating of ratings[i]!) await review(published[i]!.id, rating);
      for (const id of [completed, canceled, draft]) await review(id, 5);
      const ids = [...published.map((p) => p.id), completed, canceled, draft];
      // The stats rows carry each event's status (kept by the event trigger).
      expect(
        await rootQuery(tx, "select count(*)::int as n from app_hidden.event_stats s join app_public.event e on e.id = s.event_id where e.id = any($1) and s.status = e.status", [ids]),
      ).toEqual([{ n: ids.length }]);

      const expected = [...published]
        .sort((a, b) => (b.average ?? -1) - (a.average ?? -1) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((p) => p.id);
      await becomeAnonymous(tx);
      const args = "sort => 'rating'";
      // The planner may take the index order (and stop at LIMIT) even on a tiny table: check it can.
      await tx.query("set local enable_sort = off; set local enable_bitmapscan = off; set local enable_seqscan = off");
      const { rows: plan } = await tx.query(`explain select id from app_public.search_events(${args}) limit 3`);
      const text = plan.map((r) => r["QUERY PLAN"]).join("\n");
      expect(text).toMatch(/Index (Only )?Scan using event_stats_published_rating_idx/);
      expect(text).not.toMatch(/\bSort\b/);
      const byIndex = await search(tx, ids, args);
      expect(byIndex).toEqual(expected);
      // Keyset pages of two, one cut inside the 4.5 tie.
      expect(await keysetPagesOfTwo(tx, ids, args, expected.length)).toEqual(expected);
      // Ranking every match instead (no index order at all): the same list.
      await tx.query("set local enable_sort = on; set local enable_indexscan = off; set local enable_indexonlyscan = off; set local enable_bitmapscan = on");
      expect(await search(tx, ids, args)).toEqual(byIndex);
      // Other statuses on request keep ranking every match (the draft is its organizer's).
      await tx.query("reset enable_sort; reset enable_indexscan; reset enable_indexonlyscan; reset enable_bitmapscan; reset enable_seqscan");
      await becomeUser(tx, organizer);
      const everyStatus = [...published, { id: completed, average: 5 }, { id: draft, average: 5 }]
        .sort((a, b) => (b.average ?? -1) - (a.average ?? -1) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((p) => p.id);
      expect(await search(tx, ids, "statuses => '{draft,published,completed}', sort => 'rating'")).toEqual(everyStatus);
    });
  });

  it("the stats row follows its event's status: created, published, canceled, completed", async () => {
    await withRootTx(async (tx) => {
      const organizer = newUser("organizer");
      const status = async (id: string) =>
        (await rootQuery(tx, "select s.status from app_hidden.event_stats s where s.event_id = $1", [id]))[0]!.status as string;
      const a = (await createEvent(tx, organizer, { startsAt: inDays(3) })).id as string;
      expect(await status(a)).toBe("draft");
      await tx.query("select app_public.publish_event($1)", [a]);
      expect(await status(a)).toBe("published");
      await tx.query("select app_public.cancel_event($1, 'wind')", [a]);
      expect(await status(a)).toBe("canceled");
      const b = (await createPublishedEvent(tx, organizer, { startsAt: inDays(3) })).id as string;
      await rootQuery(tx, "update app_public.event set status = 'completed' where id = $1", [b]);
      expect(await status(b)).toBe("completed");
      // A rating or price change keeps it (the refresh functions); deleting the
      // event deletes its row (the refresh functions insert nothing for it).
      await rootQuery(tx, "insert into app_public.review (event_id, user_id, rating, content, status) values ($1, gen_random_uuid(), 4, 'ok', 'active')", [b]);
      expect(await rootQuery(tx, "select status, rating_count from app_hidden.event_stats where event_id = $1", [b])).toEqual([
        { status: "completed", rating_count: 1 },
      ]);
      const c = (await createEvent(tx, organizer, { startsAt: inDays(3) })).id as string;
      await rootQuery(tx, "update app_public.event_price_tier set price = 99 where event_id = $1", [c]);
      await rootQuery(tx, "insert into app_public.review (event_id, user_id, rating, content, status) values ($1, gen_random_uuid(), 2, 'ok', 'active')", [c]);
      expect(await rootQuery(tx, "select status, min_price, rating_count from app_hidden.event_stats where event_id = $1", [c])).toEqual([
        { status: "draft", min_price: "99.00", rating_count: 1 },
      ]);
      await rootQuery(tx, "delete from app_public.event where id = $1", [c]);
      expect(await rootQuery(tx, "select 1 from app_hidden.event_stats where event_id = $1", [c])).toEqual([]);
    });
  });

  it("only_available keeps published events with free seats", async () => {
    await withRootTx(async (tx) => {
      const c = await catalog(tx);
      await rootQuery(tx, "update app_public.event_seat_counter set seats_taken = capacity where event_id = $1", [c.diving.id]);
      await rootQuery(tx, "update app_public.event set status = 'canceled', cancel_reason = 'wind' where id = $1", [
        c.sailing.id,
      ]);
      await becomeUser(tx, c.organizer);
      expect(await search(tx, c.all, "only_available => true")).toEqual([c.rafting.id, c.noPlace.id]);
      const { rows } = await tx.query("select app_public.event_seats_available(e) as n from app_public.event e where id = $1", [
        c.diving.id,
      ]);
      expect(rows[0].n).toBe(0);
    });
  });

  describe("refuses bad arguments", () => {
    it.each([
      ["a long query", "query => repeat('a', 201)", "22023", "query must be at most 200 characters"],
      ["a reversed range", "starts_from => now() + interval '2 days', starts_to => now()", "EVDAT", "starts_to must not be before starts_from"],
      ["a latitude without longitude", "near_latitude => 1", "22023", "must be given together"],
      ["a distance sort without point", "sort => 'distance'", "22023", "sort distance needs near_latitude"],
      ["a relevance sort without query", "sort => 'relevance'", "22023", "sort relevance needs a query"],
      ["a reversed day range", "date_from => '2030-01-02', date_to => '2030-01-01'", "EVDAT", "date_to must not be before date_from"],
      ["a reversed price range", "min_price => 10, max_price => 5", "22023", "max_price must not be below min_price"],
      ["an unknown cursor", "after_event_id => gen_random_uuid()", "22023", "after_event_id is not an event you can see"],
      ["a radius without point", "radius_km => 5", "22023", "must be given together"],
      ["a zero radius", "near_latitude => 1, near_longitude => 2, radius_km => 0", "22023", "radius_km must be more than 0"],
      ["a huge radius", "near_latitude => 1, near_longitude => 2, radius_km => 20001", "22023", "at most 20000"],
      ["a bad latitude", "near_latitude => 91, near_longitude => 2, radius_km => 5", "22023", "near_latitude must be between"],
      ["a bad longitude", "near_latitude => 1, near_longitude => 181, radius_km => 5", "22023", "near_longitude must be between"],
    ])("%s", async (_label, args, code, message) => {
      await withRootTx(async (tx) => {
        await becomeAnonymous(tx);
        const error = await expectPgError(tx, `select * from app_public.search_events(${args})`);
        expect(error.code).toBe(code);
        expect(error.message).toContain(message);
      });
    });
  });
});
