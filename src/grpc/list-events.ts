/*
 * ListEvents: the request's filters become search_events' named arguments
 * (the rules, defaults and sorts live in SQL); this file only checks wire
 * formats (enum values, "YYYY-MM-DD", decimal strings, uuids) and speaks
 * the keyset page token: base64url("k:<id of the last event shown>"), which
 * search_events takes as after_event_id. A keyset page costs the same at
 * any depth and never shifts when events are added while a client pages.
 */
import type * as api from "../gen/aquastream/event/v1/event_service.ts";
import { EventSort, EventStatus } from "../gen/aquastream/event/v1/event_service.ts";
import type { Tx } from "./call.ts";
import { fromTimestamp, toLabel } from "./convert.ts";
import { namedArgs, optionalUuid, type Arg } from "./sql.ts";
import { InvalidArgument } from "./status.ts";

const KEYSET = /^k:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function afterEventId(pageToken: string): string | undefined {
  if (!pageToken) return undefined;
  const match = KEYSET.exec(Buffer.from(pageToken, "base64url").toString());
  if (!match) throw new InvalidArgument("page_token is not a token this service issued", "page_token");
  return match[1];
}

function localDay(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const parsed = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value) {
    throw new InvalidArgument(`${field} must be a calendar day YYYY-MM-DD, got "${value}"`, field);
  }
  return value;
}

function price(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,10}(\.\d{1,2})?$/.test(value)) {
    throw new InvalidArgument(`${field} must be a decimal amount such as 1500 or 1500.50, got "${value}"`, field);
  }
  return value;
}

function statuses(values: EventStatus[]): string[] | undefined {
  if (values.length === 0) return undefined;
  return values.map((value) => {
    const label = toLabel(EventStatus, "EVENT_STATUS", value);
    if (!label) throw new InvalidArgument(`statuses has an unknown or unspecified value ${value}`, "statuses");
    return label;
  });
}

function sort(value: EventSort): string | undefined {
  if (value === EventSort.EVENT_SORT_UNSPECIFIED) return undefined;
  const label = toLabel(EventSort, "EVENT_SORT", value);
  if (!label) throw new InvalidArgument(`sort has an unknown value ${value}`, "sort");
  return label;
}

export interface EventPage {
  ids: string[];
  /** Great-circle distance in km from the request's point, by event id (when it gave one). */
  distances: Map<string, number>;
  nextPageToken: string;
}

/** One page of search_events for a ListEvents request. */
export async function listEventPage(tx: Tx, req: api.ListEventsRequest): Promise<EventPage> {
  if (req.pageSize < 0 || req.pageSize > 100) throw new InvalidArgument("page_size must be between 1 and 100", "page_size");
  const limit = req.pageSize || 20;
  const args: Record<string, Arg> = {
    query: [req.query, "text"],
    category: [req.category, "text"],
    statuses: [statuses(req.statuses), "app_public.event_status[]"],
    starts_from: [fromTimestamp(req.startsFrom) ?? undefined, "timestamptz"],
    starts_to: [fromTimestamp(req.startsTo) ?? undefined, "timestamptz"],
    date_from: [localDay(req.dateFrom, "date_from"), "date"],
    date_to: [localDay(req.dateTo, "date_to"), "date"],
    min_price: [price(req.minPrice, "min_price"), "numeric"],
    max_price: [price(req.maxPrice, "max_price"), "numeric"],
    only_available: [req.onlyAvailable || undefined, "boolean"],
    organizer_id: [optionalUuid(req.organizerId, "organizer_id"), "uuid"],
    near_latitude: [req.nearLatitude, "float8"],
    near_longitude: [req.nearLongitude, "float8"],
    radius_km: [req.radiusKm, "float8"],
    sort: [sort(req.sort), "app_public.event_sort"],
    after_event_id: [afterEventId(req.pageToken), "uuid"],
  };
  const { sql, values } = namedArgs(args);
  const near = req.nearLatitude !== undefined && req.nearLongitude !== undefined;
  // The distance is computed for the page only, after LIMIT.
  const distance = near
    ? `app_public.event_distance_km(r, $${values.length + 2}::float8, $${values.length + 3}::float8)`
    : "null::float8";
  const { rows } = await tx.query<{ id: string; distance_km: number | null }>(
    `select r.id, ${distance} as distance_km
     from (select * from app_public.search_events(${sql}) limit $${values.length + 1}) r`,
    [...values, limit + 1, ...(near ? [req.nearLatitude, req.nearLongitude] : [])],
  );
  const page = rows.slice(0, limit);
  return {
    ids: page.map((row) => row.id),
    distances: new Map(page.filter((row) => row.distance_km !== null).map((row) => [row.id, row.distance_km!])),
    nextPageToken: rows.length > limit ? Buffer.from(`k:${page.at(-1)!.id}`).toString("base64url") : "",
  };
}
