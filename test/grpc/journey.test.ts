/*
 * The whole journey a gateway drives over gRPC, with a real gRPC client, a
 * real server, development tokens, the real worker and the stub crew
 * service: the organizer creates and publishes an event (a crew is
 * assigned), a user books, pays, the payment gateway confirms, the organizer
 * refunds part, the user cancels (the rest is refunded, the seats come
 * back), another user books, and each lists their bookings. Then every
 * status code a caller's mistake can earn, from a real bad call, and the
 * health service answering SERVING.
 */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { describe, expect, it } from "vitest";
import {
  BookingStatus,
  CrewStatus,
  EventStatus,
  PaymentMethod,
  PaymentStatus,
  type Event,
} from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import { committingUser } from "../db/factories.ts";
import { eventually } from "../helpers/eventually.ts";
import { useCrewWorker } from "../crew/helpers.ts";
import { errorCode, errorField, useGrpcApi } from "./helpers.ts";

const api = useGrpcApi();
const { call } = api;
useCrewWorker(api.pool);

const organizer = committingUser("organizer");
const alice = committingUser("user");
const bob = committingUser("user");
const gateway = committingUser("payment-gateway");

describe("a gateway's journey over gRPC", () => {
  let event: Event;
  let bookingId: string;
  let paymentId: string;

  it("the organizer creates and publishes an event; the crew service assigns a crew", async () => {
    const start = new Date(Date.UTC(2032, 5, 1, 7));
    const created = await call(
      api.client.createEvent,
      {
        title: "Rafting on the Chuya",
        description: "Two days of class III rapids with an instructor in every raft.",
        category: "rafting",
        locationName: "Chuya river, Altai",
        latitude: 50.1,
        longitude: 87.6,
        startsAt: toTimestamp(start),
        endsAt: toTimestamp(new Date(start.getTime() + 34 * 3600_000)),
        capacity: 2,
        bookingDeadlineHours: 24,
        crewRequired: true,
        priceTiers: [{ name: "Standard", price: "15000", currency: "RUB" }],
      },
      organizer,
    );
    expect(created.error).toBeUndefined();
    const published = await call(api.client.publishEvent, { id: created.response!.event!.id }, organizer);
    expect(published.response!.event).toMatchObject({
      status: EventStatus.EVENT_STATUS_PUBLISHED,
      crewStatus: CrewStatus.CREW_STATUS_PENDING,
    });
    event = await eventually(async () => {
      const got = await call(api.client.getEvent, { id: created.response!.event!.id }, alice);
      return got.response!.event!.crewStatus === CrewStatus.CREW_STATUS_ASSIGNED ? got.response!.event! : undefined;
    }, "the crew assigned");
    expect(event.crewId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a user books, pays, and the payment gateway confirms", async () => {
    const tierId = event.priceTiers[0]!.id;
    const quote = await call(api.client.quoteBooking, { eventId: event.id, priceTierId: tierId, quantity: 2 }, alice);
    expect(quote.response!.quote).toMatchObject({ totalAmount: "30000.00", currency: "RUB" });

    const booked = await call(api.client.createBooking, { eventId: event.id, priceTierId: tierId, quantity: 2 }, alice);
    expect(booked.response!.booking).toMatchObject({ status: BookingStatus.BOOKING_STATUS_PENDING_PAYMENT, totalAmount: "30000.00" });
    bookingId = booked.response!.booking!.id;

    const initiated = await call(api.client.initiatePayment, { bookingId, method: PaymentMethod.PAYMENT_METHOD_CARD }, alice);
    paymentId = initiated.response!.payment!.id;
    const confirmed = await call(
      api.client.confirmPayment,
      { paymentId, gatewayReference: `gw-${paymentId}`, amount: "30000.00" },
      gateway,
    );
    expect(confirmed.response!.payment!.status).toBe(PaymentStatus.PAYMENT_STATUS_COMPLETED);
    const got = await call(api.client.getBooking, { id: bookingId }, alice);
    expect(got.response!.booking!.status).toBe(BookingStatus.BOOKING_STATUS_CONFIRMED);
  });

  it("the event is sold out for anyone else", async () => {
    const full = await call(api.client.createBooking, { eventId: event.id, priceTierId: event.priceTiers[0]!.id }, bob);
    expect([full.error?.code, errorCode(full.error)]).toEqual([grpc.status.RESOURCE_EXHAUSTED, "BKFUL"]);
  });

  it("the organizer refunds part; the user cancels and gets the rest back; another user books the freed seat", async () => {
    const refund = await call(api.client.refundPayment, { paymentId, amount: "5000", reason: "late start" }, organizer);
    expect(refund.response!.payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_PARTIALLY_REFUNDED, refundedAmount: "5000.00" });

    const canceled = await call(api.client.cancelBooking, { id: bookingId, reason: "plans changed" }, alice);
    expect(canceled.response!.booking!.status).toBe(BookingStatus.BOOKING_STATUS_CANCELED);
    const got = await call(api.client.getBooking, { id: bookingId }, alice);
    expect(got.response!.payments[0]).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_REFUNDED, refundedAmount: "30000.00" });

    const bobs = await call(api.client.createBooking, { eventId: event.id, priceTierId: event.priceTiers[0]!.id }, bob);
    expect(bobs.response!.booking!.status).toBe(BookingStatus.BOOKING_STATUS_PENDING_PAYMENT);
  });

  it("each lists their own bookings; the organizer lists the event's", async () => {
    const alices = await call(api.client.listBookings, { pageSize: 10, pageToken: "" }, alice);
    expect(alices.response!.bookings.map((b) => [b.id, b.status])).toEqual([[bookingId, BookingStatus.BOOKING_STATUS_CANCELED]]);
    const bobs = await call(api.client.listBookings, { pageSize: 10, pageToken: "" }, bob);
    expect(bobs.response!.bookings.map((b) => b.userId)).toEqual([bob.sub]);
    const all = await call(api.client.listBookings, { eventId: event.id, pageSize: 10, pageToken: "" }, organizer);
    expect(all.response!.bookings.map((b) => b.userId)).toEqual([bob.sub, alice.sub]);
  });

  it("every caller mistake gets its status code, with the SQLSTATE and the field", async () => {
    const tierId = event.priceTiers[0]!.id;

    const anonymous = await call(api.client.createBooking, { eventId: event.id, priceTierId: tierId }, null);
    expect([anonymous.error?.code, errorCode(anonymous.error)]).toEqual([grpc.status.UNAUTHENTICATED, "28000"]);
    const expired = await call(api.client.getBooking, { id: bookingId }, `Bearer ${await api.expiredToken(alice)}`);
    expect(expired.error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(expired.error?.details).toMatch(/expired/);

    const notTheGateway = await call(api.client.confirmPayment, { paymentId, gatewayReference: "mine" }, alice);
    expect([notTheGateway.error?.code, errorCode(notTheGateway.error)]).toEqual([grpc.status.PERMISSION_DENIED, "42501"]);
    const userRefund = await call(api.client.refundPayment, { paymentId, reason: "I want it" }, bob);
    expect([userRefund.error?.code, errorCode(userRefund.error)]).toEqual([grpc.status.PERMISSION_DENIED, "42501"]);

    const shortReason = await call(api.client.cancelEvent, { id: event.id, reason: "x" }, organizer);
    expect(shortReason.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(shortReason.error)).toBe("reason");
    const badUuid = await call(api.client.getBooking, { id: "booking-1" }, alice);
    expect([badUuid.error?.code, errorField(badUuid.error)]).toEqual([grpc.status.INVALID_ARGUMENT, "id"]);

    const unknown = await call(api.client.getBooking, { id: randomUUID() }, alice);
    expect(unknown.error?.code).toBe(grpc.status.NOT_FOUND);
    const othersBooking = await call(api.client.cancelBooking, { id: bookingId, reason: "not mine" }, bob);
    expect([othersBooking.error?.code, errorCode(othersBooking.error)]).toEqual([grpc.status.NOT_FOUND, "P0002"]);

    const payCanceled = await call(api.client.initiatePayment, { bookingId, method: PaymentMethod.PAYMENT_METHOD_CARD }, alice);
    expect([payCanceled.error?.code, errorCode(payCanceled.error)]).toEqual([grpc.status.FAILED_PRECONDITION, "55000"]);
    const again = await call(api.client.createBooking, { eventId: event.id, priceTierId: tierId }, bob);
    expect([again.error?.code, errorCode(again.error)]).toEqual([grpc.status.ALREADY_EXISTS, "BKDUP"]);
  });

  it("canceling the event releases its crew; the health service answers SERVING", async () => {
    const canceled = await call(api.client.cancelEvent, { id: event.id, reason: "storm warning" }, organizer);
    expect(canceled.response!.event!.status).toBe(EventStatus.EVENT_STATUS_CANCELED);
    await eventually(async () => {
      const { rows } = await api.pool.query(
        "select 1 from app_private.outbox where aggregate_id = $1 and event_type = 'CrewReleased'",
        [event.id],
      );
      return rows.length === 1;
    }, "CrewReleased");

    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client & {
        check(req: { service: string }, cb: (e: grpc.ServiceError | null, r: { status: string }) => void): void;
      } } } };
    };
    const health = new pkg.grpc.health.v1.Health(`127.0.0.1:${api.port}`, grpc.credentials.createInsecure());
    try {
      const status = await new Promise<string>((resolve, reject) =>
        health.check({ service: "" }, (error, response) => (error ? reject(error) : resolve(response.status))),
      );
      expect(status).toBe("SERVING");
    } finally {
      health.close();
    }
  });
});
