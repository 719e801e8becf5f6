/*
 * Catalog discovery through GraphQL (issue 20): Russian word forms, ё = е,
 * prefix and typo matching, ranking, distance, defaults, time zones, keyset
 * paging and the codes of bad input. A real server and PostgreSQL; the events
 * are committed by one fresh organizer, and every search filters on that
 * organizer so events of other tests never interfere.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { committingUser } from "../db/factories.ts";
import { testPool } from "../helpers/db.ts";
import { useTestApi } from "../helpers/api.ts";

const api = useTestApi();
const organizer = committingUser("organizer");
const DAY = 86_400_000;

interface Spec {
  key: string;
  title: string;
  description: string;
  locationName: string;
  latitude: number;
  longitude: number;
  timeZone: string;
  startsAt: Date;
  price: string;
  publish?: boolean;
}

/** A whole hour `days` from now (UTC), so local times are easy to state. */
function hoursAhead(days: number, utcHour: number): Date {
  const d = new Date(Date.now() + days * DAY);
  d.setUTCHours(utcHour, 0, 0, 0);
  return d;
}

const specs: Spec[] = [
  {
    key: "chusovaya",
    title: "Сплав по реке Чусовая",
    description: "Ночёвка в палатках на берегу, ужин у костра.",
    locationName: "Усть-Утка",
    latitude: 57.55,
    longitude: 59.05,
    timeZone: "Asia/Yekaterinburg",
    startsAt: hoursAhead(10, 4), // 09:00 in Yekaterinburg (+05)
    price: "5000",
  },
  {
    key: "katun",
    title: "Катамараны на Катуни",
    description: "Спокойные сплавы для семей: река широкая, пороги простые.",
    locationName: "Чемал",
    latitude: 51.41,
    longitude: 86.0,
    timeZone: "Asia/Barnaul",
    startsAt: hoursAhead(20, 3),
    price: "12000",
  },
  {
    key: "neva",
    title: "Kayak tour on the Neva",
    description: "Sea kayaking at sunset past the bridges.",
    locationName: "Санкт-Петербург",
    latitude: 59.94,
    longitude: 30.31,
    timeZone: "Europe/Moscow",
    startsAt: hoursAhead(5, 15),
    price: "3000",
  },
  {
    key: "volga",
    title: "Рыбалка на Волге",
    description: "Рыбалка с лодки; осенью едем на чусовую.",
    locationName: "Нижний Новгород",
    latitude: 56.33,
    longitude: 44.0,
    timeZone: "Europe/Moscow",
    startsAt: hoursAhead(15, 6),
    price: "2000",
  },
  {
    key: "baikal",
    title: "Яхтинг на Байкале",
    description: "Парусный день на озере.",
    locationName: "Листвянка",
    latitude: 51.85,
    longitude: 104.87,
    timeZone: "Asia/Irkutsk",
    startsAt: hoursAhead(25, 16), // 00:00 the NEXT local day in Irkutsk (+08)
    price: "8000",
  },
  {
    key: "draft",
    title: "Черновик: сплав по Белой",
    description: "Ещё не опубликован.",
    locationName: "Башкирия",
    latitude: 53.9,
    longitude: 57.3,
    timeZone: "Asia/Yekaterinburg",
    startsAt: hoursAhead(12, 5),
    price: "4000",
    publish: false,
  },
];

const ids: Record<string, string> = {};
const keyOf = (rowId: string) => Object.entries(ids).find(([, id]) => id === rowId)?.[0] ?? rowId;

const SEARCH = /* GraphQL */ `
  query Search(
    $query: String, $organizerId: UUID, $sort: EventSort, $afterEventId: UUID, $first: Int,
    $nearLatitude: Float, $nearLongitude: Float, $radiusKm: Float, $statuses: [EventStatus],
    $dateFrom: Date, $dateTo: Date, $minPrice: BigFloat, $maxPrice: BigFloat, $startsFrom: Datetime
  ) {
    searchEvents(
      query: $query, organizerId: $organizerId, sort: $sort, afterEventId: $afterEventId, first: $first,
      nearLatitude: $nearLatitude, nearLongitude: $nearLongitude, radiusKm: $radiusKm, statuses: $statuses,
      dateFrom: $dateFrom, dateTo: $dateTo, minPrice: $minPrice, maxPrice: $maxPrice, startsFrom: $startsFrom
    ) {
      nodes { rowId }
    }
  }
`;

type SearchResult = { searchEvents: { nodes: { rowId: string }[] } };

async function search(variables: Record<string, unknown>, as: typeof organizer | null = null) {
  const response = await api.graphql<SearchResult>(SEARCH, { organizerId: organizer.sub, ...variables }, as);
  return response;
}

async function found(variables: Record<string, unknown>, as: typeof organizer | null = null): Promise<string[]> {
  const response = await search(variables, as);
  expect(response.errors).toBeUndefined();
  return response.data!.searchEvents.nodes.map((n) => keyOf(n.rowId));
}

async function mutate(query: string, variables: Record<string, unknown>) {
  const response = await api.graphql<Record<string, { result: { rowId: string } }>>(query, variables, organizer);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

beforeAll(async () => {
  for (const spec of specs) {
    const created = await mutate(
      `mutation($input: CreateEventInput!) { createEvent(input: $input) { result { rowId } } }`,
      {
        input: {
          title: spec.title,
          description: spec.description,
          category: "rafting",
          locationName: spec.locationName,
          latitude: spec.latitude,
          longitude: spec.longitude,
          startsAt: spec.startsAt.toISOString(),
          endsAt: new Date(spec.startsAt.getTime() + 8 * 3600_000).toISOString(),
          capacity: 10,
          bookingDeadlineHours: 2,
          priceTiers: [{ name: "Стандарт", price: spec.price, currency: "RUB" }],
          // The zone at creation; Katun's is set afterwards (setEventTimeZone), so both ways are used.
          ...(spec.key === "katun" ? {} : { timeZone: spec.timeZone }),
        },
      },
    );
    const id = created.createEvent!.result.rowId;
    ids[spec.key] = id;
    if (spec.key === "katun") {
      await mutate(
        `mutation($id: UUID!, $tz: String!) { setEventTimeZone(input: { id: $id, timeZone: $tz }) { result { rowId } } }`,
        { id, tz: spec.timeZone },
      );
    }
    if (spec.publish !== false) {
      await mutate(`mutation($id: UUID!) { publishEvent(input: { id: $id }) { result { rowId } } }`, { id });
    }
  }
});

describe("Russian and English full-text search", () => {
  it("finds every form of a word: сплавы → сплав, реки → реке/река, катамаран, чусовой → Чусовая", async () => {
    expect(new Set(await found({ query: "сплавы" }))).toEqual(new Set(["chusovaya", "katun"]));
    expect(new Set(await found({ query: "реки" }))).toEqual(new Set(["chusovaya", "katun"]));
    expect(await found({ query: "катамаран" })).toEqual(["katun"]);
    expect(new Set(await found({ query: "чусовой" }))).toEqual(new Set(["chusovaya", "volga"]));
    expect(new Set(await found({ query: "ЧУСОВАЯ" }))).toEqual(new Set(["chusovaya", "volga"]));
    expect(await found({ query: "kayaks" })).toEqual(["neva"]);
  });

  it("treats ё and е alike, both ways", async () => {
    expect(await found({ query: "ночевка" })).toEqual(["chusovaya"]);
    expect(await found({ query: "ночёвки" })).toEqual(["chusovaya"]);
  });

  it("matches the last word typed as a prefix", async () => {
    expect(await found({ query: "катама" })).toEqual(["katun"]);
    expect(await found({ query: "сплав по реке чус" })).toEqual(["chusovaya"]);
  });

  it("takes a prefix only from 3 characters on (a 1–2 letter prefix would match most of a big catalog)", async () => {
    expect(await found({ query: "кат" })).toContain("katun");
    expect(await found({ query: "ка" })).toEqual([]);
  });

  it("tolerates a typo in a short query (close spelling of the title)", async () => {
    expect(await found({ query: "катамраны" })).toEqual(["katun"]);
    expect(await found({ query: "яхтинк" })).toEqual(["baikal"]);
  });

  it("ranks a match in the title above a match in the description", async () => {
    expect(await found({ query: "чусовая" })).toEqual(["chusovaya", "volga"]);
  });

  it("honours web-search syntax when used", async () => {
    expect(await found({ query: "сплав -катуни" })).toEqual(["chusovaya"]);
  });
});

describe("defaults, filters and sorts", () => {
  it("lists only published upcoming events, soonest first, by default; drafts only on request to their organizer", async () => {
    expect(await found({})).toEqual(["neva", "chusovaya", "volga", "katun", "baikal"]);
    expect(await found({ statuses: ["draft"] })).toEqual([]);
    expect(await found({ statuses: ["draft"] }, organizer)).toEqual(["draft"]);
  });

  it("leaves out events that have started unless a start range is given", async () => {
    const pool = testPool();
    // A state the API cannot produce (starts in the past): set as root.
    const started = specs.find((s) => s.key === "volga")!;
    await pool.query("update app_public.event set starts_at = now() - interval '1 hour', ends_at = now() + interval '5 hours' where id = $1", [ids.volga]);
    try {
      expect(await found({})).not.toContain("volga");
      expect(await found({ startsFrom: new Date(Date.now() - DAY).toISOString() })).toContain("volga");
    } finally {
      await pool.query("update app_public.event set starts_at = $2, ends_at = $3 where id = $1", [
        ids.volga,
        started.startsAt,
        new Date(started.startsAt.getTime() + 8 * 3600_000),
      ]);
    }
  });

  it("filters by the price of the cheapest tier and sorts by price both ways", async () => {
    expect(await found({ minPrice: "3000", maxPrice: "8000", sort: "price" })).toEqual(["neva", "chusovaya", "baikal"]);
    expect(await found({ sort: "price_desc" })).toEqual(["katun", "baikal", "chusovaya", "neva", "volga"]);
  });

  it("finds events within a radius and sorts by exact great-circle distance", async () => {
    const response = await api.graphql<{
      searchEvents: { nodes: { rowId: string; distanceKm: number }[] };
    }>(
      `query($org: UUID) {
         searchEvents(organizerId: $org, nearLatitude: 55.75, nearLongitude: 37.62, sort: distance) {
           nodes { rowId distanceKm(latitude: 55.75, longitude: 37.62) }
         }
       }`,
      { org: organizer.sub },
    );
    expect(response.errors).toBeUndefined();
    const nodes = response.data!.searchEvents.nodes;
    expect(nodes.map((n) => keyOf(n.rowId))).toEqual(["volga", "neva", "chusovaya", "katun", "baikal"]);
    // Moscow → St Petersburg is about 634 km along the great circle.
    expect(nodes[1]!.distanceKm).toBeGreaterThan(625);
    expect(nodes[1]!.distanceKm).toBeLessThan(645);
    expect(await found({ nearLatitude: 57.5, nearLongitude: 59.0, radiusKm: 100 })).toEqual(["chusovaya"]);
    expect(await found({ nearLatitude: 55.75, nearLongitude: 37.62, radiusKm: 700, sort: "distance" })).toEqual(["volga", "neva"]);
  });
});

describe("time zones", () => {
  it("answers the instant with its offset and the local wall-clock time of the event's zone", async () => {
    const response = await api.graphql<{
      eventByRowId: { startsAt: string; startsAtLocal: string; timeZone: string; startsOn: string };
    }>(`query($id: UUID!) { eventByRowId(rowId: $id) { startsAt startsAtLocal timeZone startsOn } }`, { id: ids.chusovaya });
    expect(response.errors).toBeUndefined();
    const event = response.data!.eventByRowId;
    expect(event.timeZone).toBe("Asia/Yekaterinburg");
    expect(new Date(event.startsAt).getTime()).toBe(specs[0]!.startsAt.getTime());
    expect(event.startsAt).toMatch(/(Z|[+-]\d\d:\d\d)$/);
    expect(event.startsAtLocal).toMatch(/T09:00:00(\.0+)?$/);
  });

  it("filters whole local days in each event's own time zone", async () => {
    // Baikal starts at 16:00 UTC, which is already 00:00 of the next day in Irkutsk.
    const baikal = specs.find((s) => s.key === "baikal")!.startsAt;
    const utcDay = baikal.toISOString().slice(0, 10);
    const localDay = new Date(baikal.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    expect(localDay).not.toBe(utcDay);
    expect(await found({ dateFrom: localDay, dateTo: localDay })).toEqual(["baikal"]);
    expect(await found({ dateFrom: utcDay, dateTo: utcDay })).toEqual([]);
  });

  it("refuses a name that is not an IANA time zone", async () => {
    const response = await api.graphql(
      `mutation($id: UUID!) { setEventTimeZone(input: { id: $id, timeZone: "MSK" }) { result { rowId } } }`,
      { id: ids.draft },
      organizer,
    );
    expect(response.errors?.[0]?.extensions?.code).toBe("EVTZN");
  });

  it("creates an event in the zone given, Europe/Moscow without one, and refuses a non-IANA zone", async () => {
    // Another organizer: the searches here filter on the first one's events.
    const other = committingUser("organizer");
    const create = (timeZone?: string) =>
      api.graphql<{ createEvent: { result: { rowId: string; timeZone: string; startsAtLocal: string } } }>(
        `mutation($input: CreateEventInput!) { createEvent(input: $input) { result { rowId timeZone startsAtLocal } } }`,
        {
          input: {
            title: "Закат на Байкале",
            category: "sup",
            locationName: "Листвянка",
            startsAt: "2030-07-01T12:00:00Z",
            endsAt: "2030-07-01T15:00:00Z",
            capacity: 5,
            ...(timeZone === undefined ? {} : { timeZone }),
          },
        },
        other,
      );
    const irkutsk = await create("Asia/Irkutsk");
    expect(irkutsk.errors).toBeUndefined();
    expect(irkutsk.data!.createEvent.result).toMatchObject({ timeZone: "Asia/Irkutsk" });
    expect(irkutsk.data!.createEvent.result.startsAtLocal).toMatch(/^2030-07-01T20:00:00(\.0+)?$/);
    const moscow = await create();
    expect(moscow.errors).toBeUndefined();
    expect(moscow.data!.createEvent.result.timeZone).toBe("Europe/Moscow");
    for (const bad of ["MSK", "UTC+3", ""]) {
      const refused = await create(bad);
      expect(refused.errors?.[0]?.extensions?.code).toBe("EVTZN");
      expect(refused.data?.createEvent ?? null).toBeNull();
    }
  });
});

describe("keyset paging", () => {
  async function allPages(sort: string, pageSize: number, between?: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const response = await search({ sort, first: pageSize, afterEventId: after });
      expect(response.errors).toBeUndefined();
      const nodes = response.data!.searchEvents.nodes;
      if (nodes.length === 0) break;
      seen.push(...nodes.map((n) => keyOf(n.rowId)));
      after = nodes.at(-1)!.rowId;
      if (page === 0 && between) await between();
    }
    return seen;
  }

  it("pages through every sort without gaps or repeats, the same as one big page", async () => {
    for (const sort of ["start", "price", "price_desc", "rating", "popularity"]) {
      const whole = await found({ sort });
      expect(whole).toHaveLength(5);
      expect(await allPages(sort, 2)).toEqual(whole);
    }
  });

  it("stays stable when an event is published before the cursor while paging", async () => {
    const pages = await allPages("start", 2, async () => {
      // A new event of the same organizer starting before everything already shown.
      const created = await mutate(
        `mutation($input: CreateEventInput!) { createEvent(input: $input) { result { rowId } } }`,
        {
          input: {
            title: "Ранний сплав",
            category: "rafting",
            locationName: "Чусовая",
            startsAt: new Date(Date.now() + 2 * DAY).toISOString(),
            endsAt: new Date(Date.now() + 2 * DAY + 3600_000).toISOString(),
            capacity: 5,
            priceTiers: [{ name: "Стандарт", price: "100", currency: "RUB" }],
          },
        },
      );
      await mutate(`mutation($id: UUID!) { publishEvent(input: { id: $id }) { result { rowId } } }`, {
        id: created.createEvent!.result.rowId,
      });
    });
    // The pages after the first go on where it ended: nothing shown twice or skipped.
    expect(pages).toEqual(["neva", "chusovaya", "volga", "katun", "baikal"]);
  });
});

describe("bad input", () => {
  it("refuses each mistake with its own code", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ radiusKm: 10 }, "22023"],
      [{ sort: "distance" }, "22023"],
      [{ sort: "relevance" }, "22023"],
      [{ nearLatitude: 91, nearLongitude: 0, radiusKm: 5 }, "22023"],
      [{ minPrice: "500", maxPrice: "100" }, "22023"],
      [{ dateFrom: "2030-01-02", dateTo: "2030-01-01" }, "EVDAT"],
      [{ afterEventId: "00000000-0000-4000-8000-000000000000" }, "22023"],
    ];
    for (const [variables, code] of cases) {
      const response = await search(variables);
      expect(response.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe(code);
    }
  });

  it("refuses a date-time without an offset instead of guessing one", async () => {
    const response = await search({ startsFrom: "2030-01-01T10:00:00" });
    expect(response.errors?.[0]?.extensions?.code).toBe("22007");
    expect(response.errors?.[0]?.message).toMatch(/offset/i);
  });
});
