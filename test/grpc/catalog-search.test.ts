/*
 * ListEvents over a real gRPC connection (issue 20): the same search_events
 * as GraphQL, so the same Russian word forms, ё = е, prefix and typo
 * matching, ranking, distance, defaults, time zones; keyset page tokens that
 * stay stable while events are added; INVALID_ARGUMENT for bad input. One
 * fresh organizer's events; every request filters on that organizer.
 */
import * as grpc from "@grpc/grpc-js";
import { beforeAll, describe, expect, it } from "vitest";
import {
  EventSort,
  EventStatus,
  type Event,
  type ListEventsRequest,
} from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import { committingUser } from "../db/factories.ts";
import { errorCode, useGrpcApi } from "./helpers.ts";

const api = useGrpcApi();
const call = api.call;
const organizer = committingUser("organizer");
const DAY = 86_400_000;

function at(days: number, utcHour: number): Date {
  const d = new Date(Date.now() + days * DAY);
  d.setUTCHours(utcHour, 0, 0, 0);
  return d;
}

const specs = [
  { key: "chusovaya", title: "Сплав по реке Чусовая", description: "Ночёвка в палатках.", place: "Усть-Утка", lat: 57.55, lon: 59.05, zone: "Asia/Yekaterinburg", start: at(10, 4), price: "5000" },
  { key: "katun", title: "Катамараны на Катуни", description: "Спокойные сплавы, река широкая.", place: "Чемал", lat: 51.41, lon: 86.0, zone: "Asia/Barnaul", start: at(20, 3), price: "12000" },
  { key: "neva", title: "Kayak tour on the Neva", description: "Sea kayaking at sunset.", place: "Санкт-Петербург", lat: 59.94, lon: 30.31, zone: "Europe/Moscow", start: at(5, 15), price: "3000" },
  { key: "volga", title: "Рыбалка на Волге", description: "Осенью едем на чусовую.", place: "Нижний Новгород", lat: 56.33, lon: 44.0, zone: "Europe/Moscow", start: at(15, 6), price: "2000" },
];
const ids: Record<string, string> = {};
const keyOf = (id: string) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? id;

function request(overrides: Partial<ListEventsRequest> = {}): ListEventsRequest {
  return { pageSize: 20, pageToken: "", onlyAvailable: false, statuses: [], sort: EventSort.EVENT_SORT_UNSPECIFIED, organizerId: organizer.sub, ...overrides };
}

async function list(overrides: Partial<ListEventsRequest> = {}): Promise<Event[]> {
  const { response, error } = await call(api.client.listEvents, request(overrides), null);
  expect(error).toBeUndefined();
  return response!.events;
}

const keys = async (overrides: Partial<ListEventsRequest> = {}) => (await list(overrides)).map((e) => keyOf(e.id));

beforeAll(async () => {
  for (const s of specs) {
    const created = await call(
      api.client.createEvent,
      {
        title: s.title,
        description: s.description,
        category: "rafting",
        locationName: s.place,
        latitude: s.lat,
        longitude: s.lon,
        startsAt: toTimestamp(s.start),
        endsAt: toTimestamp(new Date(s.start.getTime() + 8 * 3600_000)),
        capacity: 10,
        bookingDeadlineHours: 2,
        crewRequired: false,
        priceTiers: [{ name: "Стандарт", price: s.price, currency: "RUB" }],
        // The zone at creation; Katun's is set afterwards (SetEventTimeZone), so both ways are used.
        ...(s.key === "katun" ? {} : { timeZone: s.zone }),
      },
      organizer,
    );
    expect(created.error).toBeUndefined();
    const id = created.response!.event!.id;
    ids[s.key] = id;
    if (s.key === "katun") {
      const zoned = await call(api.client.setEventTimeZone, { id, timeZone: s.zone }, organizer);
      expect(zoned.error).toBeUndefined();
    } else {
      expect(created.response!.event!.timeZone).toBe(s.zone);
    }
    expect((await call(api.client.publishEvent, { id }, organizer)).error).toBeUndefined();
  }
});

describe("ListEvents: Russian and English search", () => {
  it("finds word forms, ё = е, prefixes and typos, title matches first", async () => {
    expect(new Set(await keys({ query: "сплавы" }))).toEqual(new Set(["chusovaya", "katun"]));
    expect(new Set(await keys({ query: "реки" }))).toEqual(new Set(["chusovaya", "katun"]));
    expect(await keys({ query: "катамаран" })).toEqual(["katun"]);
    expect(await keys({ query: "чусовой" })).toEqual(["chusovaya", "volga"]);
    expect(await keys({ query: "ночевка" })).toEqual(["chusovaya"]);
    expect(await keys({ query: "катама" })).toEqual(["katun"]);
    expect(await keys({ query: "катамраны" })).toEqual(["katun"]);
    expect(await keys({ query: "kayaks" })).toEqual(["neva"]);
  });
});

describe("ListEvents: defaults, distance, time zones", () => {
  it("lists published upcoming events soonest first by default", async () => {
    expect(await keys()).toEqual(["neva", "chusovaya", "volga", "katun"]);
    expect(await keys({ statuses: [EventStatus.EVENT_STATUS_DRAFT] })).toEqual([]);
  });

  it("sorts by exact great-circle distance and answers it", async () => {
    const events = await list({ nearLatitude: 55.75, nearLongitude: 37.62, sort: EventSort.EVENT_SORT_DISTANCE });
    expect(events.map((e) => keyOf(e.id))).toEqual(["volga", "neva", "chusovaya", "katun"]);
    const neva = events[1]!;
    expect(neva.distanceKm).toBeGreaterThan(625);
    expect(neva.distanceKm).toBeLessThan(645);
    expect(await keys({ nearLatitude: 57.5, nearLongitude: 59.0, radiusKm: 100 })).toEqual(["chusovaya"]);
  });

  it("carries the IANA zone and the local wall-clock time; filters local days", async () => {
    const [event] = await list({ query: "чусовая", sort: EventSort.EVENT_SORT_START, pageSize: 1 });
    expect(event!.timeZone).toBe("Asia/Yekaterinburg");
    expect(event!.startsAtLocal).toMatch(/T09:00:00$/);
    expect(event!.minPrice).toBe("5000.00");
    const day = event!.startsAtLocal.slice(0, 10);
    expect(await keys({ dateFrom: day, dateTo: day })).toEqual(["chusovaya"]);
  });

  it("sorts by price both ways and filters a price range", async () => {
    expect(await keys({ sort: EventSort.EVENT_SORT_PRICE })).toEqual(["volga", "neva", "chusovaya", "katun"]);
    expect(await keys({ sort: EventSort.EVENT_SORT_PRICE_DESC, minPrice: "2500", maxPrice: "6000" })).toEqual(["chusovaya", "neva"]);
  });
});

describe("ListEvents: keyset paging", () => {
  it("pages with tokens that stay stable when an earlier event appears meanwhile", async () => {
    const first = await call(api.client.listEvents, request({ pageSize: 2 }), null);
    expect(first.response!.events.map((e) => keyOf(e.id))).toEqual(["neva", "chusovaya"]);
    const token = first.response!.nextPageToken;
    expect(token).not.toBe("");

    // Published between the two pages, starting before everything shown: no shift.
    const created = await call(
      api.client.createEvent,
      {
        title: "Ранний сплав",
        description: "",
        category: "rafting",
        locationName: "Чусовая",
        startsAt: toTimestamp(new Date(Date.now() + 2 * DAY)),
        endsAt: toTimestamp(new Date(Date.now() + 2 * DAY + 3600_000)),
        capacity: 5,
        bookingDeadlineHours: 0,
        crewRequired: false,
        priceTiers: [{ name: "Стандарт", price: "100", currency: "RUB" }],
      },
      organizer,
    );
    await call(api.client.publishEvent, { id: created.response!.event!.id }, organizer);

    const second = await call(api.client.listEvents, request({ pageSize: 2, pageToken: token }), null);
    expect(second.response!.events.map((e) => keyOf(e.id))).toEqual(["volga", "katun"]);
    expect(second.response!.nextPageToken).toBe("");
  });
});

describe("ListEvents: bad input", () => {
  it("answers INVALID_ARGUMENT naming the field", async () => {
    const cases: [Partial<ListEventsRequest>, string, string][] = [
      [{ pageToken: "bm90LWEtdG9rZW4" }, "22023", "page_token"],
      [{ dateFrom: "2026-02-30" }, "22023", "date_from"],
      [{ minPrice: "12,5" }, "22023", "min_price"],
      [{ sort: EventSort.EVENT_SORT_DISTANCE }, "22023", "sort"],
      [{ radiusKm: 10 }, "22023", "radius_km"],
      [{ dateFrom: "2030-01-02", dateTo: "2030-01-01" }, "EVDAT", "date_to"],
      [{ organizerId: "nope" }, "22023", "organizer_id"],
    ];
    for (const [overrides, code, field] of cases) {
      const { error } = await call(api.client.listEvents, request(overrides), null);
      expect(error?.code, JSON.stringify(overrides)).toBe(grpc.status.INVALID_ARGUMENT);
      expect(errorCode(error), JSON.stringify(overrides)).toBe(code);
      expect(error?.metadata.get("aquastream-error-field")[0], JSON.stringify(overrides)).toBe(field);
    }
    const zone = await call(api.client.setEventTimeZone, { id: ids.volga!, timeZone: "UTC+3" }, organizer);
    expect(zone.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCode(zone.error)).toBe("EVTZN");
  });

  it("CreateEvent: Europe/Moscow without a zone; INVALID_ARGUMENT (EVTZN) for a zone that is not an IANA name", async () => {
    // Another organizer: the listings here filter on the first one's events.
    const other = committingUser("organizer");
    const input = (timeZone?: string) => ({
      title: "Закат на Байкале",
      description: "",
      category: "sup",
      locationName: "Листвянка",
      startsAt: toTimestamp(new Date("2030-07-01T12:00:00Z")),
      endsAt: toTimestamp(new Date("2030-07-01T15:00:00Z")),
      capacity: 5,
      bookingDeadlineHours: 0,
      crewRequired: false,
      priceTiers: [],
      ...(timeZone === undefined ? {} : { timeZone }),
    });
    const moscow = await call(api.client.createEvent, input(), other);
    expect(moscow.error).toBeUndefined();
    expect(moscow.response!.event!.timeZone).toBe("Europe/Moscow");
    const irkutsk = await call(api.client.createEvent, input("Asia/Irkutsk"), other);
    expect(irkutsk.response!.event).toMatchObject({ timeZone: "Asia/Irkutsk", startsAtLocal: expect.stringMatching(/^2030-07-01T20:00:00/) });
    for (const bad of ["MSK", "UTC+3", ""]) {
      const { error } = await call(api.client.createEvent, input(bad), other);
      expect(error?.code, bad).toBe(grpc.status.INVALID_ARGUMENT);
      expect(errorCode(error), bad).toBe("EVTZN");
      expect(error?.metadata.get("aquastream-error-field")[0], bad).toBe("time_zone");
    }
  });
});
