/*
 * EventService handlers for the waiting list. Each write calls the SQL
 * function GraphQL calls (195-waitlist of migration 000009, docs/waitlist.md); the list is
 * read from the table under RLS, so a caller sees exactly the entries GraphQL
 * and psql would show. Nothing is checked here but wire formats.
 */
import {
  WaitlistEndReason,
  WaitlistPolicy,
  WaitlistStatus,
  type EventServiceServer,
  type WaitlistEntry,
} from "../gen/aquastream/event/v1/event_service.ts";
import type * as api from "../gen/aquastream/event/v1/event_service.ts";
import { toBooking, type BookingRow } from "./booking-convert.ts";
import { unary, type CallContext } from "./call.ts";
import { fromLabel, toLabel, toTimestamp } from "./convert.ts";
import { loadEvent } from "./event-service.ts";
import { callFunction, optionalUuid, queryPage, uuid } from "./sql.ts";

type WaitlistHandlers = Pick<
  EventServiceServer,
  | "joinWaitlist"
  | "leaveWaitlist"
  | "acceptWaitlistOffer"
  | "declineWaitlistOffer"
  | "listWaitlistEntries"
  | "setWaitlistPolicy"
  | "pauseWaitlistOffers"
  | "resumeWaitlistOffers"
>;

interface WaitlistEntryRow {
  id: string;
  event_id: string;
  price_tier_id: string | null;
  user_id: string;
  seats_wanted: number;
  accepts_fewer: boolean;
  joined_at: Date;
  status: string;
  offered_seats: number | null;
  offered_at: Date | null;
  offer_expires_at: Date | null;
  booking_id: string | null;
  ended_at: Date | null;
  end_reason: string | null;
}

export const toWaitlistEntry = (row: WaitlistEntryRow): WaitlistEntry => ({
  id: row.id,
  eventId: row.event_id,
  priceTierId: row.price_tier_id ?? undefined,
  userId: row.user_id,
  seatsWanted: row.seats_wanted,
  acceptsFewer: row.accepts_fewer,
  joinedAt: toTimestamp(row.joined_at),
  status: fromLabel(WaitlistStatus, "WAITLIST_STATUS", row.status),
  offeredSeats: row.offered_seats ?? undefined,
  offeredAt: toTimestamp(row.offered_at),
  offerExpiresAt: toTimestamp(row.offer_expires_at),
  bookingId: row.booking_id ?? undefined,
  endedAt: toTimestamp(row.ended_at),
  endReason: row.end_reason ? fromLabel(WaitlistEndReason, "WAITLIST_END_REASON", row.end_reason) : WaitlistEndReason.WAITLIST_END_REASON_UNSPECIFIED,
});

const entryResult = async (rows: WaitlistEntryRow[]) => ({ entry: toWaitlistEntry(rows[0]!) });

/** ListWaitlistEntries of one event: $1 event, $2 limit, $3 offset (RLS decides; waitlist_entry_event_id_joined_at_idx serves the page). */
export const LIST_EVENT_WAITLIST_ENTRIES_SQL = `
  select w.* from app_public.waitlist_entry w
  where w.event_id = $1::uuid
  order by w.joined_at, w.id
  limit $2 offset $3`;

/**
 * ListWaitlistEntries without an event: $1 limit, $2 offset. What RLS lets
 * the caller see, gathered in parts an index serves, since a scan under the
 * policy alone reads every entry of every list: the caller's own entries
 * (waitlist_entry_user_id_idx), the first limit + offset entries of each
 * event they organize (waitlist_entry_event_id_joined_at_idx, event by
 * event), everything for an admin. One of the member and admin parts runs
 * (the other stops at its constant condition); the member parts do not
 * overlap.
 */
export const LIST_VISIBLE_WAITLIST_ENTRIES_SQL = `
  select w.* from (
    select x.* from app_public.waitlist_entry x
    where not (select app_public.has_role('admin')) and x.user_id = app_public.current_user_id()
    union all
    select x.*
    from app_public.event e
    cross join lateral (
      select y.* from app_public.waitlist_entry y
      where y.event_id = e.id and y.user_id <> app_public.current_user_id()
      order by y.joined_at, y.id
      limit $1::bigint + $2::bigint
    ) x
    where not (select app_public.has_role('admin')) and e.organizer_id = app_public.current_user_id()
    union all
    select x.* from app_public.waitlist_entry x
    where (select app_public.has_role('admin'))
  ) w
  order by w.joined_at, w.id
  limit $1 offset $2`;

export function waitlistHandlers(ctx: CallContext): WaitlistHandlers {
  return {
    joinWaitlist: unary(ctx, "JoinWaitlist", async (tx, req: api.JoinWaitlistRequest) =>
      entryResult(
        await callFunction<WaitlistEntryRow>(tx, "join_waitlist", {
          event_id: [uuid(req.eventId, "event_id"), "uuid"],
          // 0 (unset): the SQL default, one seat.
          seats_wanted: [req.seatsWanted === 0 ? undefined : req.seatsWanted, "integer"],
          price_tier_id: [optionalUuid(req.priceTierId, "price_tier_id"), "uuid"],
          accepts_fewer: [req.acceptsFewer, "boolean"],
        }),
      ),
    ),

    leaveWaitlist: unary(ctx, "LeaveWaitlist", async (tx, req: api.LeaveWaitlistRequest) =>
      entryResult(await callFunction<WaitlistEntryRow>(tx, "leave_waitlist", { id: [uuid(req.id, "id"), "uuid"] })),
    ),

    acceptWaitlistOffer: unary(ctx, "AcceptWaitlistOffer", async (tx, req: api.AcceptWaitlistOfferRequest) => {
      const [row] = await callFunction<BookingRow>(tx, "accept_offer", {
        id: [uuid(req.id, "id"), "uuid"],
        price_tier_id: [optionalUuid(req.priceTierId, "price_tier_id"), "uuid"],
        promo_code: [req.promoCode, "text"],
      });
      return { booking: toBooking(row!) };
    }),

    declineWaitlistOffer: unary(ctx, "DeclineWaitlistOffer", async (tx, req: api.DeclineWaitlistOfferRequest) =>
      entryResult(await callFunction<WaitlistEntryRow>(tx, "decline_offer", { id: [uuid(req.id, "id"), "uuid"] })),
    ),

    listWaitlistEntries: unary(ctx, "ListWaitlistEntries", async (tx, req: api.ListWaitlistEntriesRequest) => {
      // Anonymous → UNAUTHENTICATED, not an empty page.
      await tx.query("select app_hidden.assert_signed_in()");
      // RLS on waitlist_entry decides what the caller sees (GraphQL's allWaitlistEntries sees the same rows).
      const eventId = optionalUuid(req.eventId, "event_id");
      const { rows, nextPageToken } = await queryPage<WaitlistEntryRow>(
        tx,
        req,
        eventId ? LIST_EVENT_WAITLIST_ENTRIES_SQL : LIST_VISIBLE_WAITLIST_ENTRIES_SQL,
        eventId ? [eventId] : [],
      );
      return { entries: rows.map(toWaitlistEntry), nextPageToken };
    }),

    // The organizer's settings: the SQL functions return the event; answer with the whole event as GetEvent does.
    setWaitlistPolicy: unary(ctx, "SetWaitlistPolicy", async (tx, req: api.SetWaitlistPolicyRequest) => {
      const [row] = await callFunction<{ id: string }>(tx, "set_waitlist_policy", {
        id: [uuid(req.id, "id"), "uuid"],
        policy: [toLabel(WaitlistPolicy, "WAITLIST_POLICY", req.policy, "policy") ?? null, "app_public.waitlist_policy"],
      });
      return { event: await loadEvent(tx, row!.id) };
    }),

    pauseWaitlistOffers: unary(ctx, "PauseWaitlistOffers", async (tx, req: api.PauseWaitlistOffersRequest) => {
      const [row] = await callFunction<{ id: string }>(tx, "pause_waitlist_offers", { id: [uuid(req.id, "id"), "uuid"] });
      return { event: await loadEvent(tx, row!.id) };
    }),

    resumeWaitlistOffers: unary(ctx, "ResumeWaitlistOffers", async (tx, req: api.ResumeWaitlistOffersRequest) => {
      const [row] = await callFunction<{ id: string }>(tx, "resume_waitlist_offers", { id: [uuid(req.id, "id"), "uuid"] });
      return { event: await loadEvent(tx, row!.id) };
    }),
  };
}
