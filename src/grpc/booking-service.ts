/*
 * EventService handlers for bookings, payments and promo codes. Each write
 * calls the SQL function GraphQL calls (migration 2, docs/bookings.md);
 * reads go through the tables under RLS, so a caller sees exactly the rows
 * GraphQL and psql would show. Nothing is checked here but wire formats.
 */
import {
  BookingStatus,
  PaymentMethod,
  type EventServiceServer,
  type Payment,
  type PromoCode,
} from "../gen/aquastream/event/v1/event_service.ts";
import type * as api from "../gen/aquastream/event/v1/event_service.ts";
import { unary, type CallContext, type Tx } from "./call.ts";
import { fromTimestamp, toLabel } from "./convert.ts";
import {
  toBooking,
  toPayment,
  toPromoCode,
  toQuote,
  toRefund,
  type BookingRow,
  type PaymentRow,
  type PromoCodeRow,
  type QuoteRow,
  type RefundRow,
} from "./booking-convert.ts";
import { callFunction, optionalUuid, queryPage, uuid } from "./sql.ts";
import { InvalidArgument, NotFound } from "./status.ts";

type BookingHandlers = Pick<
  EventServiceServer,
  | "quoteBooking"
  | "createBooking"
  | "getBooking"
  | "listBookings"
  | "cancelBooking"
  | "initiatePayment"
  | "confirmPayment"
  | "failPayment"
  | "refundPayment"
  | "createPromoCode"
  | "listPromoCodes"
  | "deactivatePromoCode"
  | "getPaymentByGatewayReference"
>;

/** Promo code rows always come with their computed uses_left (as GraphQL's usesLeft). */
const PROMO_COLUMNS = "r.*, app_public.promo_code_uses_left(r) as uses_left";

async function loadPayment(tx: Tx, id: string): Promise<Payment> {
  const { rows } = await tx.query<PaymentRow>("select * from app_public.payment where id = $1", [id]);
  if (!rows[0]) throw new NotFound("payment not found");
  return toPayment(rows[0]);
}

const paymentResult = async (rows: PaymentRow[]) => ({ payment: toPayment(rows[0]!) });
const promoResult = async (rows: PromoCodeRow[]): Promise<{ promoCode: PromoCode }> => ({ promoCode: toPromoCode(rows[0]!) });

/** The booking arguments QuoteBooking and CreateBooking share. */
const bookingArgs = (req: api.QuoteBookingRequest | api.CreateBookingRequest) => ({
  event_id: [uuid(req.eventId, "event_id"), "uuid"] as [string, string],
  price_tier_id: [uuid(req.priceTierId, "price_tier_id"), "uuid"] as [string, string],
  quantity: [req.quantity, "integer"] as [number | undefined, string],
  promo_code: [req.promoCode, "text"] as [string | undefined, string],
});

/** ListBookings: $1 event, $2 user, $3 statuses (each may be null), $4 limit, $5 offset; without event or user, the caller's own (booking_user_id_idx). */
export const LIST_BOOKINGS_SQL = `
  select b.* from app_public.booking b
  where ($1::uuid is not null or $2::uuid is not null or b.user_id = app_public.current_user_id())
    and ($1::uuid is null or b.event_id = $1::uuid)
    and ($2::uuid is null or b.user_id = $2::uuid)
    and ($3::app_public.booking_status[] is null or b.status = any($3::app_public.booking_status[]))
  order by b.created_at desc, b.id desc
  limit $4 offset $5`;

export function bookingHandlers(ctx: CallContext): BookingHandlers {
  return {
    quoteBooking: unary(ctx, "QuoteBooking", async (tx, req: api.QuoteBookingRequest) => {
      const [row] = await callFunction<QuoteRow>(tx, "quote_booking", bookingArgs(req));
      return { quote: toQuote(row!) };
    }),

    createBooking: unary(ctx, "CreateBooking", async (tx, req: api.CreateBookingRequest) => {
      const [row] = await callFunction<BookingRow>(tx, "create_booking", bookingArgs(req));
      return { booking: toBooking(row!) };
    }),

    getBooking: unary(ctx, "GetBooking", async (tx, req: api.GetBookingRequest) => {
      const id = uuid(req.id, "id");
      const [booking, payments] = await Promise.all([
        tx.query<BookingRow>("select * from app_public.booking where id = $1", [id]),
        tx.query<PaymentRow>("select * from app_public.payment where booking_id = $1 order by created_at, id", [id]),
      ]);
      if (!booking.rows[0]) throw new NotFound("booking not found");
      return { booking: toBooking(booking.rows[0]), payments: payments.rows.map(toPayment) };
    }),

    listBookings: unary(ctx, "ListBookings", async (tx, req: api.ListBookingsRequest) => {
      const statuses = req.statuses.map((status, i) => {
        const label = toLabel(BookingStatus, "BOOKING_STATUS", status, "statuses");
        if (label === undefined) throw new InvalidArgument(`statuses[${i}] must be a booking status`, "statuses");
        return label;
      });
      // Anonymous → UNAUTHENTICATED, before any filter could make the page empty.
      await tx.query("select app_hidden.assert_signed_in()");
      // RLS on booking decides what the filters can reach (GraphQL's allBookings sees the same rows).
      const { rows, nextPageToken } = await queryPage<BookingRow>(
        tx,
        req,
        LIST_BOOKINGS_SQL,
        [
          optionalUuid(req.eventId, "event_id") ?? null,
          optionalUuid(req.userId, "user_id") ?? null,
          statuses.length > 0 ? statuses : null,
        ],
      );
      return { bookings: rows.map(toBooking), nextPageToken };
    }),

    cancelBooking: unary(ctx, "CancelBooking", async (tx, req: api.CancelBookingRequest) => {
      const [row] = await callFunction<BookingRow>(tx, "cancel_booking", {
        id: [uuid(req.id, "id"), "uuid"],
        reason: [req.reason, "text"],
      });
      return { booking: toBooking(row!) };
    }),

    initiatePayment: unary(ctx, "InitiatePayment", async (tx, req: api.InitiatePaymentRequest) =>
      paymentResult(
        await callFunction<PaymentRow>(tx, "initiate_payment", {
          booking_id: [uuid(req.bookingId, "booking_id"), "uuid"],
          // UNSPECIFIED: not passed, so the SQL default (card) applies.
          method: [toLabel(PaymentMethod, "PAYMENT_METHOD", req.method, "method"), "app_public.payment_method"],
        }),
      ),
    ),

    confirmPayment: unary(ctx, "ConfirmPayment", async (tx, req: api.ConfirmPaymentRequest) =>
      paymentResult(
        await callFunction<PaymentRow>(tx, "confirm_payment", {
          gateway_reference: [req.gatewayReference, "text"],
          payment_id: [uuid(req.paymentId, "payment_id"), "uuid"],
          amount: [req.amount, "numeric"],
        }),
      ),
    ),

    failPayment: unary(ctx, "FailPayment", async (tx, req: api.FailPaymentRequest) =>
      paymentResult(
        await callFunction<PaymentRow>(tx, "fail_payment", {
          payment_id: [uuid(req.paymentId, "payment_id"), "uuid"],
          reason: [req.reason, "text"],
        }),
      ),
    ),

    refundPayment: unary(ctx, "RefundPayment", async (tx, req: api.RefundPaymentRequest) => {
      const [refund] = await callFunction<RefundRow>(tx, "refund_payment", {
        payment_id: [uuid(req.paymentId, "payment_id"), "uuid"],
        reason: [req.reason, "text"],
        amount: [req.amount, "numeric"],
      });
      return { refund: toRefund(refund!), payment: await loadPayment(tx, refund!.payment_id) };
    }),

    getPaymentByGatewayReference: unary(
      ctx,
      "GetPaymentByGatewayReference",
      async (tx, req: api.GetPaymentByGatewayReferenceRequest) => {
        if (req.gatewayReference === "") throw new InvalidArgument("gateway_reference is required", "gateway_reference");
        // The same unique lookup as GraphQL's paymentByGatewayReference, under RLS.
        const { rows } = await tx.query<PaymentRow>("select * from app_public.payment where gateway_reference = $1", [
          req.gatewayReference,
        ]);
        if (!rows[0]) throw new NotFound("payment not found");
        const refunds = await tx.query<RefundRow>(
          "select * from app_public.refund where payment_id = $1 order by created_at, id",
          [rows[0].id],
        );
        return { payment: toPayment(rows[0]), refunds: refunds.rows.map(toRefund) };
      },
    ),

    createPromoCode: unary(ctx, "CreatePromoCode", async (tx, req: api.CreatePromoCodeRequest) =>
      promoResult(
        await callFunction<PromoCodeRow>(
          tx,
          "create_promo_code",
          {
            code: [req.code, "text"],
            event_id: [optionalUuid(req.eventId, "event_id"), "uuid"],
            percent_off: [req.percentOff, "integer"],
            amount_off: [req.amountOff, "numeric"],
            currency: [req.currency, "text"],
            valid_from: [fromTimestamp(req.validFrom) ?? undefined, "timestamptz"],
            valid_until: [fromTimestamp(req.validUntil) ?? undefined, "timestamptz"],
            max_uses: [req.maxUses, "integer"],
          },
          PROMO_COLUMNS,
        ),
      ),
    ),

    listPromoCodes: unary(ctx, "ListPromoCodes", async (tx, req: api.ListPromoCodesRequest) => {
      const { rows, nextPageToken } = await queryPage<PromoCodeRow>(
        tx,
        req,
        `select ${PROMO_COLUMNS} from app_public.promo_code r, app_hidden.assert_signed_in() me
          where $1::uuid is null or r.event_id = $1::uuid
          order by r.created_at desc, r.id desc
          limit $2 offset $3`,
        [optionalUuid(req.eventId, "event_id") ?? null],
      );
      return { promoCodes: rows.map(toPromoCode), nextPageToken };
    }),

    deactivatePromoCode: unary(ctx, "DeactivatePromoCode", async (tx, req: api.DeactivatePromoCodeRequest) =>
      promoResult(
        await callFunction<PromoCodeRow>(tx, "deactivate_promo_code", { id: [uuid(req.id, "id"), "uuid"] }, PROMO_COLUMNS),
      ),
    ),
  };
}
