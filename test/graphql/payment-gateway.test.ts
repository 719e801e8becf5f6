/*
 * The payment gateway's lookup of a payment by its own transaction reference
 * over GraphQL (paymentByGatewayReference), which #17 found answering null for
 * the very role it is for: the policy select_payment_gateway (migration
 * 170-grpc-parity) lets the role read payments, not bookings. The gRPC twin
 * (GetPaymentByGatewayReference) is in test/grpc/gateway-parity.test.ts.
 */
import { describe, expect, it } from "vitest";
import { committingUser as newUser } from "../db/factories.ts";
import { useTestApi } from "../helpers/api.ts";
import { createAndPublishOverGraphql } from "../helpers/graphql-events.ts";

const api = useTestApi();
const { ok } = api;

const BY_REFERENCE = /* GraphQL */ `
  query($r: String!) {
    paymentByGatewayReference(gatewayReference: $r) {
      rowId status gatewayReference amount
      bookingByBookingId { rowId }
    }
  }
`;

type ByReference = {
  paymentByGatewayReference: {
    rowId: string;
    status: string;
    gatewayReference: string;
    amount: string;
    bookingByBookingId: { rowId: string } | null;
  } | null;
};

describe("paymentByGatewayReference over GraphQL", () => {
  it("the payment gateway reads the payment it confirmed (not the booking); a stranger gets null", async () => {
    const organizer = newUser("organizer");
    const ann = newUser("user");
    const gateway = newUser("payment-gateway");
    const startsAt = new Date(Date.now() + 9 * 86400_000);
    const { eventId, tiers } = await createAndPublishOverGraphql(api, organizer, {
      title: "Sailing the Gulf of Finland",
      category: "sailing",
      locationName: "Strelna marina",
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 5 * 3600_000).toISOString(),
      capacity: 6,
      priceTiers: [{ name: "Deck", price: "7000", currency: "RUB" }],
    });
    const booked = await ok<{ createBooking: { result: { rowId: string } } }>(
      `mutation($e: UUID!, $t: UUID!) { createBooking(input: { eventId: $e, priceTierId: $t }) { result { rowId } } }`,
      { e: eventId, t: tiers[0]!.rowId },
      ann,
    );
    const paying = await ok<{ initiatePayment: { result: { rowId: string } } }>(
      `mutation($b: UUID!) { initiatePayment(input: { bookingId: $b }) { result { rowId } } }`,
      { b: booked.createBooking.result.rowId },
      ann,
    );
    const reference = `gql-${paying.initiatePayment.result.rowId}`;
    await ok(
      `mutation($p: UUID!, $r: String!) { confirmPayment(input: { gatewayReference: $r, paymentId: $p }) { result { status } } }`,
      { p: paying.initiatePayment.result.rowId, r: reference },
      gateway,
    );

    const byGateway = await ok<ByReference>(BY_REFERENCE, { r: reference }, gateway);
    expect(byGateway.paymentByGatewayReference).toMatchObject({
      rowId: paying.initiatePayment.result.rowId,
      status: "completed",
      gatewayReference: reference,
      amount: "7000.00",
      // The gateway reads payments, never bookings.
      bookingByBookingId: null,
    });
    expect((await ok<ByReference>(BY_REFERENCE, { r: reference }, ann)).paymentByGatewayReference?.bookingByBookingId).toEqual({
      rowId: booked.createBooking.result.rowId,
    });
    expect((await ok<ByReference>(BY_REFERENCE, { r: reference }, newUser("user"))).paymentByGatewayReference).toBeNull();
    expect((await ok<ByReference>(BY_REFERENCE, { r: reference }, newUser("organizer"))).paymentByGatewayReference).toBeNull();
    // Anonymous callers hold no grant on payments at all (#14): told to sign in.
    const anonymous = await api.graphql(BY_REFERENCE, { r: reference }, null);
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: "28000", status: "UNAUTHENTICATED" });
  });
});
