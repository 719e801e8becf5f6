/*
 * EventService handlers: each calls the SQL function of the same use case
 * and shapes its result. No rule is checked here; SQL refuses, and the
 * refusal becomes a status in status.ts.
 */
import type * as api from "../gen/aquastream/event/v1/event_service.ts";
import { unary, type CallContext, type Tx } from "./call.ts";
import { fromTimestamp, nextPageToken, readPage, toEvent, toTimestamp, type EventRow, type TierRow } from "./convert.ts";
import { NotFound } from "./status.ts";
import { listEventPage } from "./list-events.ts";
import { uuid } from "./sql.ts";
import { bookingHandlers } from "./booking-service.ts";
import { reviewHandlers } from "./review-service.ts";
import { ticketHandlers } from "./ticket-service.ts";
import { priceTierHandlers } from "./price-tier-service.ts";
import { personalDataHandlers } from "./personal-data-service.ts";
import { waitlistHandlers } from "./waitlist-service.ts";
import { crewAdminHandlers } from "./crew-admin-service.ts";

/** The events with these ids (in this order) with their tiers, as the caller may see them. */
export async function loadEvents(tx: Tx, ids: string[]): Promise<api.Event[]> {
  if (ids.length === 0) return [];
  const [events, tiers] = await Promise.all([
    tx.query<EventRow>(
      // The rating summary as GraphQL's ratingSummary computes it.
      // Seats live on counter rows of their own (the `190-hot-path` part of db/migrations/committed/000009-hardening-identity-recovery-data-tickets-waitlist-catalog.sql).
      `select e.*, app_public.event_seats_taken(e) as seats_taken,
              app_public.event_seats_available(e) as seats_available,
              to_jsonb(app_public.event_rating_summary(e)) as rating_summary,
              -- Local wall-clock times as text: pg would read a timestamp without
              -- time zone in this process's zone.
              to_char(e.starts_at_local, 'YYYY-MM-DD"T"HH24:MI:SS') as starts_at_local_text,
              to_char(e.ends_at_local, 'YYYY-MM-DD"T"HH24:MI:SS') as ends_at_local_text,
              app_public.event_min_price(e)::text as min_price
       from app_public.event e where e.id = any($1::uuid[])`,
      [ids],
    ),
    tx.query<TierRow>(
      `select t.*, app_public.event_price_tier_seats_taken(t) as seats_taken,
              app_public.event_price_tier_seats_available(t) as seats_available
       from app_public.event_price_tier t where t.event_id = any($1::uuid[]) order by t.sort_order, t.name`,
      [ids],
    ),
  ]);
  const byId = new Map(events.rows.map((row) => [row.id, row]));
  return ids
    .filter((id) => byId.has(id))
    .map((id) => toEvent(byId.get(id)!, tiers.rows.filter((tier) => tier.event_id === id)));
}

export async function loadEvent(tx: Tx, id: string): Promise<api.Event> {
  const [event] = await loadEvents(tx, [id]);
  if (!event) throw new NotFound("event not found");
  return event;
}

/** Runs a function returning app_public.event and answers with the whole event. */
async function eventResult(tx: Tx, sql: string, params: unknown[]): Promise<{ event: api.Event }> {
  const { rows } = await tx.query<{ id: string }>(sql, params);
  return { event: await loadEvent(tx, rows[0]!.id) };
}

const optional = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

export function eventServiceHandlers(ctx: CallContext): api.EventServiceServer {
  return {
    ...bookingHandlers(ctx),
    ...reviewHandlers(ctx),
    ...priceTierHandlers(ctx),
    ...personalDataHandlers(ctx),
    ...crewAdminHandlers(ctx),
    ...waitlistHandlers(ctx),
    ...ticketHandlers(ctx),

    createEvent: unary(ctx, "CreateEvent", (tx, req: api.CreateEventRequest) =>
      eventResult(
        tx,
        `select (app_public.create_event(
           title => $1, description => $2, category => $3, location_name => $4,
           latitude => $5, longitude => $6, starts_at => $7, ends_at => $8,
           capacity => $9, booking_deadline_hours => $10, crew_required => $11,
           price_tiers => array(
             select t from jsonb_populate_recordset(null::app_public.price_tier_input, $12::jsonb) t
           ),
           time_zone => $13
         )).id`,
        [
          req.title,
          req.description,
          req.category,
          req.locationName,
          optional(req.latitude),
          optional(req.longitude),
          fromTimestamp(req.startsAt),
          fromTimestamp(req.endsAt),
          req.capacity,
          req.bookingDeadlineHours,
          req.crewRequired,
          JSON.stringify(req.priceTiers.map((t) => ({ ...t, quota: t.quota ?? null }))),
          optional(req.timeZone),
        ],
      ),
    ),

    updateEvent: unary(ctx, "UpdateEvent", (tx, req: api.UpdateEventRequest) =>
      eventResult(
        tx,
        `select (app_public.update_event(
           id => $1, title => $2, description => $3, category => $4, location_name => $5,
           latitude => $6, longitude => $7, starts_at => $8, ends_at => $9, capacity => $10,
           booking_deadline_hours => $11, crew_required => $12
         )).id`,
        [
          req.id,
          optional(req.title),
          optional(req.description),
          optional(req.category),
          optional(req.locationName),
          optional(req.latitude),
          optional(req.longitude),
          fromTimestamp(req.startsAt),
          fromTimestamp(req.endsAt),
          optional(req.capacity),
          optional(req.bookingDeadlineHours),
          optional(req.crewRequired),
        ],
      ),
    ),

    getEvent: unary(ctx, "GetEvent", async (tx, req: api.GetEventRequest) => ({ event: await loadEvent(tx, req.id) })),

    listEvents: unary(ctx, "ListEvents", async (tx, req: api.ListEventsRequest) => {
      const page = await listEventPage(tx, req);
      const events = (await loadEvents(tx, page.ids)).map((event) => ({
        ...event,
        distanceKm: page.distances.get(event.id),
      }));
      return { events, nextPageToken: page.nextPageToken };
    }),

    setEventTimeZone: unary(ctx, "SetEventTimeZone", (tx, req: api.SetEventTimeZoneRequest) =>
      eventResult(tx, "select (app_public.set_event_time_zone($1, $2)).id", [uuid(req.id, "id"), req.timeZone]),
    ),

    publishEvent: unary(ctx, "PublishEvent", (tx, req: api.PublishEventRequest) =>
      eventResult(tx, "select (app_public.publish_event($1)).id", [req.id]),
    ),

    cancelEvent: unary(ctx, "CancelEvent", (tx, req: api.CancelEventRequest) =>
      eventResult(tx, "select (app_public.cancel_event($1, $2)).id", [req.id, req.reason]),
    ),

    retryCrewAssignment: unary(ctx, "RetryCrewAssignment", (tx, req: api.RetryCrewAssignmentRequest) =>
      eventResult(tx, "select (app_public.retry_crew_assignment($1)).id", [req.id]),
    ),

    addFavorite: unary(ctx, "AddFavorite", async (tx, req: api.AddFavoriteRequest) => {
      const { rows } = await tx.query<{ created_at: Date }>(
        "select (app_public.add_favorite($1)).created_at",
        [req.eventId],
      );
      return { createdAt: toTimestamp(rows[0]!.created_at) };
    }),

    removeFavorite: unary(ctx, "RemoveFavorite", async (tx, req: api.RemoveFavoriteRequest) => {
      const { rows } = await tx.query<{ removed: boolean }>("select app_public.remove_favorite($1) as removed", [
        req.eventId,
      ]);
      return { removed: rows[0]!.removed };
    }),

    listFavorites: unary(ctx, "ListFavorites", async (tx, req: api.ListFavoritesRequest) => {
      const page = readPage(req.pageSize, req.pageToken);
      const { rows } = await tx.query<{ id: string }>(
        "select e.id from app_public.my_favorite_events() e limit $1 offset $2",
        [page.limit + 1, page.offset],
      );
      const ids = rows.slice(0, page.limit).map((row) => row.id);
      return { events: await loadEvents(tx, ids), nextPageToken: nextPageToken(page, rows.length) };
    }),
  };
}
