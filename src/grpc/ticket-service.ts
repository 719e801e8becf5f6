/*
 * EventService handlers for tickets and check-in (185-tickets of migration 000009,
 * docs/tickets.md): each calls the SQL function GraphQL calls; ListTickets
 * reads the ticket table as the caller, so RLS decides whose tickets show.
 */
import {
  CheckInOutcome,
  TicketStatus,
  TicketVoidReason,
  type CheckInResult,
  type EventServiceServer,
  type Ticket,
} from "../gen/aquastream/event/v1/event_service.ts";
import type * as api from "../gen/aquastream/event/v1/event_service.ts";
import { unary, type CallContext } from "./call.ts";
import { fromLabel, fromTimestamp, toTimestamp } from "./convert.ts";
import { callFunction, optionalUuid, queryPage, uuid } from "./sql.ts";
import { NotFound } from "./status.ts";
import type { TicketSigner } from "../tickets/token.ts";
import { checkInByToken, type CheckInRow } from "../tickets/check-in-by-token.ts";

type TicketHandlers = Pick<
  EventServiceServer,
  "listTickets" | "reissueTickets" | "scanTicket" | "undoCheckIn" | "uploadScans" | "getCheckInCounts"
>;

interface TicketRow {
  id: string;
  booking_id: string;
  event_id: string;
  seat_no: number;
  code: string;
  version: number;
  status: string;
  void_reason: string | null;
  issued_at: Date;
  voided_at: Date | null;
  checked_in_at: Date | null;
  checked_in_by: string | null;
  checked_in_device: string | null;
}

const toTicket = (row: TicketRow, signer?: TicketSigner): Ticket => ({
  id: row.id,
  bookingId: row.booking_id,
  eventId: row.event_id,
  seatNo: row.seat_no,
  code: row.code,
  version: row.version,
  status: fromLabel(TicketStatus, "TICKET_STATUS", row.status),
  voidReason: row.void_reason
    ? fromLabel(TicketVoidReason, "TICKET_VOID_REASON", row.void_reason)
    : TicketVoidReason.TICKET_VOID_REASON_UNSPECIFIED,
  issuedAt: toTimestamp(row.issued_at),
  voidedAt: toTimestamp(row.voided_at),
  checkedInAt: toTimestamp(row.checked_in_at),
  checkedInBy: row.checked_in_by ?? undefined,
  checkedInDevice: row.checked_in_device ?? undefined,
  token:
    signer && row.status === "valid"
      ? signer.sign({ ticketId: row.id, eventId: row.event_id, code: row.code, version: row.version })
      : undefined,
});

const toCheckInResult = (row: CheckInRow): CheckInResult => ({
  ticketId: row.ticket_id ?? undefined,
  eventId: row.event_id ?? undefined,
  code: row.code,
  seatNo: row.seat_no ?? 0,
  outcome: fromLabel(CheckInOutcome, "CHECK_IN_OUTCOME", row.outcome),
  checkedInAt: toTimestamp(row.checked_in_at),
  checkedInBy: row.checked_in_by ?? undefined,
  checkedInDevice: row.checked_in_device ?? undefined,
  errorCode: row.error_code ?? undefined,
  errorMessage: row.error_message ?? undefined,
  scannedAt: toTimestamp(row.scanned_at),
  device: row.device ?? undefined,
});

/** ListTickets of a booking or an event: $1 booking, $2 event (one at least), $3 include void, $4 limit, $5 offset (RLS decides). */
export const LIST_TICKETS_SQL = `
  select t.* from app_public.ticket t
  where ($1::uuid is null or t.booking_id = $1) and ($2::uuid is null or t.event_id = $2)
    and ($3 or t.status = 'valid')
  order by t.booking_id, t.seat_no, t.version
  limit $4 offset $5`;

/**
 * ListTickets without a booking or event: $1 include void, $2 limit, $3
 * offset. What RLS lets the caller see, gathered in parts an index serves,
 * since a scan under the policy alone reads every ticket: the tickets of the
 * caller's bookings (booking_user_id_idx, then ticket_booking_id_idx), the
 * first limit + offset tickets of each event they organize
 * (ticket_event_id_page_idx, event by event), everything for an admin.
 * One of the member and admin parts runs (the other stops at its constant
 * condition); the member parts do not overlap. The caller's tickets are a
 * join from their bookings, not "booking_id = any(array)": beside the member
 * policy's own array condition, a planner without statistics read every
 * valid ticket for the two (614 shared buffers at 40,000 tickets).
 */
export const LIST_VISIBLE_TICKETS_SQL = `
  select t.* from (
    select x.* from app_public.booking b
    join app_public.ticket x on x.booking_id = b.id
    where not (select app_public.has_role('admin'))
      and b.user_id = app_public.current_user_id()
      and ($1::boolean or x.status = 'valid')
    union all
    select x.*
    from app_public.event e
    cross join lateral (
      select y.* from app_public.ticket y
      where y.event_id = e.id and ($1::boolean or y.status = 'valid')
        and not y.booking_id = any (array(select b.id from app_public.booking b where b.user_id = app_public.current_user_id()))
      order by y.booking_id, y.seat_no, y.version
      limit $2::bigint + $3::bigint
    ) x
    where not (select app_public.has_role('admin')) and e.organizer_id = app_public.current_user_id()
    union all
    select x.* from app_public.ticket x
    where (select app_public.has_role('admin')) and ($1::boolean or x.status = 'valid')
  ) t
  order by t.booking_id, t.seat_no, t.version
  limit $2 offset $3`;

export function ticketHandlers(ctx: CallContext): TicketHandlers {
  return {
    listTickets: unary(ctx, "ListTickets", async (tx, req: api.ListTicketsRequest) => {
      const bookingId = optionalUuid(req.bookingId, "booking_id") ?? null;
      const eventId = optionalUuid(req.eventId, "event_id") ?? null;
      const filtered = bookingId !== null || eventId !== null;
      const { rows, nextPageToken } = await queryPage<TicketRow>(
        tx,
        req,
        filtered ? LIST_TICKETS_SQL : LIST_VISIBLE_TICKETS_SQL,
        filtered ? [bookingId, eventId, req.includeVoid] : [req.includeVoid],
      );
      return { tickets: rows.map((row) => toTicket(row, ctx.ticketSigner)), nextPageToken };
    }),

    reissueTickets: unary(ctx, "ReissueTickets", async (tx, req: api.ReissueTicketsRequest) => {
      const rows = await callFunction<TicketRow>(tx, "reissue_tickets", {
        booking_id: [uuid(req.bookingId, "booking_id"), "uuid"],
      });
      return { tickets: rows.map((row) => toTicket(row, ctx.ticketSigner)) };
    }),

    scanTicket: unary(ctx, "ScanTicket", async (tx, req: api.ScanTicketRequest) => {
      // A token goes through the path GraphQL's checkInTicketByToken takes
      // (signature first, then the one check-in rule); a code straight to SQL.
      const row =
        req.token !== undefined
          ? await checkInByToken((text, values) => tx.query(text, values).then((r) => r.rows), ctx.ticketSigner, req.token)
          : (await callFunction<CheckInRow>(tx, "check_in_ticket", { code: [req.code, "text"] }))[0]!;
      return { result: toCheckInResult(row) };
    }),

    undoCheckIn: unary(ctx, "UndoCheckIn", async (tx, req: api.UndoCheckInRequest) => {
      const [row] = await callFunction<TicketRow>(tx, "undo_check_in", { code: [req.code, "text"] });
      return { ticket: toTicket(row!, ctx.ticketSigner) };
    }),

    uploadScans: unary(ctx, "UploadScans", async (tx, req: api.UploadScansRequest) => {
      // The scans travel as JSON and become ticket_scan_input rows in SQL,
      // which validates them (size, scanned_at, device) like GraphQL's.
      const scans = req.scans.map((s) => ({
        code: s.code,
        scanned_at: fromTimestamp(s.scannedAt)?.toISOString() ?? null,
        device: s.device,
      }));
      const { rows } = await tx.query<CheckInRow>(
        `select r.* from app_public.check_in_batch(
           (select array_agg(jsonb_populate_record(null::app_public.ticket_scan_input, s.value) order by s.ordinality)
              from jsonb_array_elements($1::jsonb) with ordinality as s)) r`,
        [JSON.stringify(scans)],
      );
      return { results: rows.map(toCheckInResult) };
    }),

    getCheckInCounts: unary(ctx, "GetCheckInCounts", async (tx, req: api.GetCheckInCountsRequest) => {
      // RLS hides events the caller cannot see (NOT_FOUND); assert_event_staff
      // refuses everyone but the organizer and admins (the columns' null).
      const { rows } = await tx.query<{ tickets_valid: number; checked_in: number }>(
        `select app_public.event_tickets_valid(e) as tickets_valid, app_public.event_checked_in_count(e) as checked_in
           from app_public.event e where e.id = $1 and app_hidden.assert_event_staff(e)`,
        [uuid(req.eventId, "event_id")],
      );
      if (!rows[0]) throw new NotFound("event not found");
      return { ticketsValid: rows[0]!.tickets_valid, checkedIn: rows[0]!.checked_in };
    }),
  };
}
