/*
 * Booking, payment, refund and promo code rows ↔ messages: shape only
 * (amounts stay decimal strings as PostgreSQL prints them; enums by name).
 */
import {
  BookingStatus,
  DiscountKind,
  PaymentMethod,
  PaymentStatus,
  type Booking,
  type BookingQuote,
  type Payment,
  type PromoCode,
  type Refund,
} from "../gen/aquastream/event/v1/event_service.ts";
import { fromLabel, toTimestamp } from "./convert.ts";

type Timestamp = Date | null;
const opt = <T>(value: T | null): T | undefined => value ?? undefined;

export interface BookingRow {
  id: string;
  event_id: string;
  user_id: string;
  price_tier_id: string;
  quantity: number;
  unit_price: string;
  subtotal: string;
  discount_amount: string;
  total_amount: string;
  currency: string;
  promo_code_id: string | null;
  status: string;
  payment_deadline: Date;
  confirmed_at: Timestamp;
  canceled_at: Timestamp;
  canceled_by: string | null;
  cancel_reason: string | null;
  expired_at: Timestamp;
  created_at: Date;
  updated_at: Date;
}

export type QuoteRow = Pick<
  BookingRow,
  | "event_id"
  | "price_tier_id"
  | "quantity"
  | "unit_price"
  | "subtotal"
  | "discount_amount"
  | "total_amount"
  | "currency"
  | "promo_code_id"
  | "payment_deadline"
>;

/** A quote is what a booking of the same seats records: one conversion for both. */
export const toQuote = (row: QuoteRow): BookingQuote => ({
  eventId: row.event_id,
  priceTierId: row.price_tier_id,
  quantity: row.quantity,
  unitPrice: row.unit_price,
  subtotal: row.subtotal,
  discountAmount: row.discount_amount,
  totalAmount: row.total_amount,
  currency: row.currency,
  promoCodeId: opt(row.promo_code_id),
  paymentDeadline: toTimestamp(row.payment_deadline),
});

export const toBooking = (row: BookingRow): Booking => ({
  ...toQuote(row),
  id: row.id,
  userId: row.user_id,
  status: fromLabel(BookingStatus, "BOOKING_STATUS", row.status),
  confirmedAt: toTimestamp(row.confirmed_at),
  canceledAt: toTimestamp(row.canceled_at),
  canceledBy: opt(row.canceled_by),
  cancelReason: opt(row.cancel_reason),
  expiredAt: toTimestamp(row.expired_at),
  createdAt: toTimestamp(row.created_at),
  updatedAt: toTimestamp(row.updated_at),
});

export interface PaymentRow {
  id: string;
  booking_id: string;
  amount: string;
  currency: string;
  method: string;
  status: string;
  payment_url: string;
  gateway_reference: string | null;
  refunded_amount: string;
  error_code: string | null;
  error_message: string | null;
  initiated_by: string;
  confirmed_at: Timestamp;
  failed_at: Timestamp;
  created_at: Date;
  updated_at: Date;
}

export const toPayment = (row: PaymentRow): Payment => ({
  id: row.id,
  bookingId: row.booking_id,
  amount: row.amount,
  currency: row.currency,
  method: fromLabel(PaymentMethod, "PAYMENT_METHOD", row.method),
  status: fromLabel(PaymentStatus, "PAYMENT_STATUS", row.status),
  paymentUrl: row.payment_url,
  gatewayReference: opt(row.gateway_reference),
  refundedAmount: row.refunded_amount,
  errorCode: opt(row.error_code),
  errorMessage: opt(row.error_message),
  initiatedBy: row.initiated_by,
  confirmedAt: toTimestamp(row.confirmed_at),
  failedAt: toTimestamp(row.failed_at),
  createdAt: toTimestamp(row.created_at),
  updatedAt: toTimestamp(row.updated_at),
});

export interface RefundRow {
  id: string;
  payment_id: string;
  amount: string;
  currency: string;
  reason: string;
  created_by: string | null;
  created_at: Date;
}

export const toRefund = (row: RefundRow): Refund => ({
  id: row.id,
  paymentId: row.payment_id,
  amount: row.amount,
  currency: row.currency,
  reason: row.reason,
  createdBy: opt(row.created_by),
  createdAt: toTimestamp(row.created_at),
});

export interface PromoCodeRow {
  id: string;
  code: string;
  event_id: string | null;
  created_by: string;
  discount_kind: string;
  percent_off: number | null;
  amount_off: string | null;
  currency: string | null;
  valid_from: Timestamp;
  valid_until: Timestamp;
  max_uses: number | null;
  uses: number;
  /** app_public.promo_code_uses_left(r), selected with the row. */
  uses_left: number | null;
  is_active: boolean;
  deactivated_at: Timestamp;
  created_at: Date;
  updated_at: Date;
}

export const toPromoCode = (row: PromoCodeRow): PromoCode => ({
  id: row.id,
  code: row.code,
  eventId: opt(row.event_id),
  createdBy: row.created_by,
  discountKind: fromLabel(DiscountKind, "DISCOUNT_KIND", row.discount_kind),
  percentOff: opt(row.percent_off),
  amountOff: opt(row.amount_off),
  currency: opt(row.currency),
  validFrom: toTimestamp(row.valid_from),
  validUntil: toTimestamp(row.valid_until),
  maxUses: opt(row.max_uses),
  uses: row.uses,
  usesLeft: opt(row.uses_left),
  isActive: row.is_active,
  deactivatedAt: toTimestamp(row.deactivated_at),
  createdAt: toTimestamp(row.created_at),
  updatedAt: toTimestamp(row.updated_at),
});
