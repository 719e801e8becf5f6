/*
 * Rows ↔ messages. Pure shape conversion: no rule is checked here (SQL checks
 * them), only wire formats (Timestamp, enums, page tokens).
 */
import type { Timestamp } from "../gen/google/protobuf/timestamp.ts";
import {
  CrewStatus,
  EventStatus,
  WaitlistPolicy,
  type Event,
  type PriceTier,
  type RatingSummary,
} from "../gen/aquastream/event/v1/event_service.ts";
import { InvalidArgument } from "./status.ts";

export function toTimestamp(value: Date | null | undefined): Timestamp | undefined {
  if (!value) return undefined;
  const ms = value.getTime();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

export function fromTimestamp(value: Timestamp | undefined): Date | null {
  if (!value) return null;
  return new Date(Number(value.seconds) * 1000 + Math.floor(value.nanos / 1_000_000));
}

/** A proto enum value from a SQL enum label: "pending_payment" → BOOKING_STATUS_PENDING_PAYMENT. */
export function fromLabel<E extends Record<string, string | number>>(enumObject: E, prefix: string, label: string): E[keyof E] {
  const value = enumObject[`${prefix}_${label.toUpperCase()}` as keyof E];
  return (value ?? enumObject["UNRECOGNIZED" as keyof E]) as E[keyof E];
}

/**
 * The SQL label of a proto enum value: PAYMENT_METHOD_BANK_TRANSFER →
 * "bank_transfer"; undefined for UNSPECIFIED (not given). A number the enum
 * does not define (a newer client, or a forged message: proto3 keeps unknown
 * enum numbers) is refused with INVALID_ARGUMENT naming the field, never
 * read as "not given" and so silently defaulted.
 */
export function toLabel<E extends Record<string, string | number>>(
  enumObject: E,
  prefix: string,
  value: number,
  field: string = prefix.toLowerCase(),
): string | undefined {
  const name = enumObject[value as unknown as keyof E];
  if (typeof name !== "string" || !name.startsWith(`${prefix}_`)) {
    throw new InvalidArgument(`${field} has no value ${value} (see the ${prefix} enum of the API)`, field);
  }
  if (name.endsWith("_UNSPECIFIED")) return undefined;
  return name.slice(prefix.length + 1).toLowerCase();
}

const eventStatuses: Record<string, EventStatus> = {
  draft: EventStatus.EVENT_STATUS_DRAFT,
  published: EventStatus.EVENT_STATUS_PUBLISHED,
  completed: EventStatus.EVENT_STATUS_COMPLETED,
  canceled: EventStatus.EVENT_STATUS_CANCELED,
};

const crewStatuses: Record<string, CrewStatus> = {
  not_required: CrewStatus.CREW_STATUS_NOT_REQUIRED,
  pending: CrewStatus.CREW_STATUS_PENDING,
  assigned: CrewStatus.CREW_STATUS_ASSIGNED,
  failed: CrewStatus.CREW_STATUS_FAILED,
};

export interface EventRow {
  id: string;
  organizer_id: string;
  title: string;
  description: string | null;
  category: string;
  location_name: string;
  latitude: number | null;
  longitude: number | null;
  starts_at: Date;
  ends_at: Date;
  capacity: number;
  seats_taken: number;
  /** app_public.event_seats_available(e), selected with the row. */
  seats_available: number;
  booking_deadline_hours: number;
  status: string;
  crew_required: boolean;
  crew_id: string | null;
  crew_status: string;
  cancel_reason: string | null;
  published_at: Date | null;
  canceled_at: Date | null;
  created_at: Date;
  updated_at: Date;
  max_seats_per_booking: number | null;
  time_zone: string;
  /** to_char of the stored local start/end ("YYYY-MM-DDTHH:MM:SS"). */
  starts_at_local_text: string;
  ends_at_local_text: string;
  /** app_public.event_min_price(e)::text. */
  min_price: string | null;
  /** to_jsonb(app_public.event_rating_summary(e)), selected with the row. */
  rating_summary: RatingSummaryRow;
  waitlist_policy: string;
  waitlist_paused_at: Date | null;
}

/** to_jsonb(app_public.rating_summary): the columns of the composite. */
export interface RatingSummaryRow {
  average: number | null;
  count: number;
  one_star: number;
  two_stars: number;
  three_stars: number;
  four_stars: number;
  five_stars: number;
}

export function toRatingSummary(row: RatingSummaryRow): RatingSummary {
  return {
    average: row.average ?? undefined,
    count: row.count,
    oneStar: row.one_star,
    twoStars: row.two_stars,
    threeStars: row.three_stars,
    fourStars: row.four_stars,
    fiveStars: row.five_stars,
  };
}

export interface TierRow {
  id: string;
  event_id: string;
  name: string;
  price: string;
  currency: string;
  quota: number | null;
  seats_taken: number;
  /** app_public.event_price_tier_seats_available(t), selected with the row (null without a quota). */
  seats_available: number | null;
}

export function toPriceTier(row: TierRow): PriceTier {
  return {
    id: row.id,
    name: row.name,
    price: row.price,
    currency: row.currency,
    quota: row.quota ?? undefined,
    seatsTaken: row.seats_taken,
    seatsAvailable: row.seats_available ?? undefined,
  };
}

export function toEvent(row: EventRow, tiers: TierRow[]): Event {
  return {
    id: row.id,
    organizerId: row.organizer_id,
    title: row.title,
    description: row.description ?? "",
    category: row.category,
    locationName: row.location_name,
    latitude: row.latitude ?? undefined,
    longitude: row.longitude ?? undefined,
    startsAt: toTimestamp(row.starts_at),
    endsAt: toTimestamp(row.ends_at),
    capacity: row.capacity,
    seatsTaken: row.seats_taken,
    seatsAvailable: row.seats_available,
    bookingDeadlineHours: row.booking_deadline_hours,
    status: eventStatuses[row.status] ?? EventStatus.UNRECOGNIZED,
    crewRequired: row.crew_required,
    crewId: row.crew_id ?? undefined,
    crewStatus: crewStatuses[row.crew_status] ?? CrewStatus.UNRECOGNIZED,
    cancelReason: row.cancel_reason ?? undefined,
    publishedAt: toTimestamp(row.published_at),
    canceledAt: toTimestamp(row.canceled_at),
    createdAt: toTimestamp(row.created_at),
    updatedAt: toTimestamp(row.updated_at),
    priceTiers: tiers.map(toPriceTier),
    ratingSummary: toRatingSummary(row.rating_summary),
    maxSeatsPerBooking: row.max_seats_per_booking ?? undefined,
    timeZone: row.time_zone,
    startsAtLocal: row.starts_at_local_text,
    endsAtLocal: row.ends_at_local_text,
    minPrice: row.min_price ?? undefined,
    waitlistPolicy: fromLabel(WaitlistPolicy, "WAITLIST_POLICY", row.waitlist_policy),
    waitlistPausedAt: toTimestamp(row.waitlist_paused_at),
  };
}

/** Page tokens are opaque to callers: base64url of the next offset. */
export interface Page {
  limit: number;
  offset: number;
}

export function readPage(pageSize: number, pageToken: string): Page {
  if (pageSize < 0 || pageSize > 100) throw new InvalidArgument("page_size must be between 1 and 100", "page_size");
  let offset = 0;
  if (pageToken) {
    const decoded = Buffer.from(pageToken, "base64url").toString();
    const match = /^o:(\d{1,9})$/.exec(decoded);
    if (!match) throw new InvalidArgument("page_token is not a token this service issued", "page_token");
    offset = Number(match[1]);
  }
  return { limit: pageSize || 20, offset };
}

export function nextPageToken(page: Page, fetched: number): string {
  return fetched > page.limit ? Buffer.from(`o:${page.offset + page.limit}`).toString("base64url") : "";
}
