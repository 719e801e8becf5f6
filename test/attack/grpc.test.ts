/*
 * Attack over gRPC, against the real server (startGrpcServer, real
 * PostgreSQL): bytes that are no message, enum numbers the API does not
 * define, an empty bearer token. Each must be a
 * client status (INVALID_ARGUMENT / UNAUTHENTICATED), never INTERNAL or a
 * silent default; nothing written; the server keeps answering.
 */
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { errorCode, errorField, useGrpcApi } from "../grpc/helpers.ts";
import { committingUser } from "../db/factories.ts";
import { committedBooking } from "./helpers.ts";
import { ListBookingsRequest, ListReviewsRequest } from "../../src/gen/aquastream/event/v1/event_service.ts";

const root = new pg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
afterAll(() => root.end());

const SERVICE = "/aquastream.event.v1.EventService";

describe("attack: gRPC", () => {
  const api = useGrpcApi();

  /** A unary call with raw request bytes (no encoding by us). */
  function rawCall(method: string, bytes: Buffer, metadata = new grpc.Metadata()): Promise<grpc.ServiceError | Buffer> {
    const client = new grpc.Client(`127.0.0.1:${api.port}`, grpc.credentials.createInsecure());
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        `${SERVICE}/${method}`,
        (value: Buffer) => value,
        (value: Buffer) => value,
        bytes,
        metadata,
        { deadline: Date.now() + 10_000 },
        (error, response) => {
          client.close();
          resolve(error ?? response!);
        },
      );
    });
  }

  async function stillServing(): Promise<void> {
    const answer = await api.call(api.client.listCategories, {});
    expect(answer.error).toBeUndefined();
  }

  it("undecodable request bytes → INVALID_ARGUMENT (22023), for reads and writes; nothing written", async () => {
    const { bookingId } = await committedBooking(root);
    const garbage = [
      Buffer.from([0xff, 0xff, 0xff, 0xff]), // field number 0 / wire type 7
      Buffer.from([0x0a, 0x7f, 0x41]), // a string field claiming 127 bytes, carrying 1
      Buffer.from([0x0f]), // wire type 7
    ];
    for (const bytes of garbage) {
      for (const method of ["GetEvent", "CancelBooking"]) {
        const answer = await rawCall(method, bytes);
        expect(answer).toBeInstanceOf(Error);
        const error = answer as grpc.ServiceError;
        expect(error.code, `${method} ${bytes.toString("hex")}: ${error.details}`).toBe(grpc.status.INVALID_ARGUMENT);
        expect(errorCode(error)).toBe("22023");
      }
    }
    const { rows } = await root.query("select status::text from app_public.booking where id = $1", [bookingId]);
    expect(rows[0]!.status).toBe("pending_payment");
    await stillServing();
  });

  it("an unknown payment method is refused (INVALID_ARGUMENT, field method), not paid by card", async () => {
    const { user, bookingId } = await committedBooking(root);
    const answer = await api.call(api.client.initiatePayment, { bookingId, method: 99 as never }, user);
    expect(answer.error?.code, answer.error?.details).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(answer.error)).toBe("method");
    const { rows } = await root.query("select count(*)::int as n from app_public.payment where booking_id = $1", [bookingId]);
    expect(rows[0]!.n).toBe(0);
  });

  it("unknown review sort / status / booking status numbers → INVALID_ARGUMENT naming the field", async () => {
    const user = committingUser("user");
    const reviews = ListReviewsRequest.fromPartial({});
    const sort = await api.call(api.client.listReviews, { ...reviews, sort: 42 as never }, user);
    expect(sort.error?.code, sort.error?.details).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(sort.error)).toBe("sort");
    const status = await api.call(api.client.listReviews, { ...reviews, status: -3 as never }, user);
    expect(status.error?.code, status.error?.details).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(status.error)).toBe("status");
    const statuses = await api.call(api.client.listBookings, { ...ListBookingsRequest.fromPartial({}), statuses: [1, 77] as never }, user);
    expect(statuses.error?.code, statuses.error?.details).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(statuses.error)).toBe("statuses");
    await stillServing();
  });

  it("`authorization: Bearer ` (empty token) → UNAUTHENTICATED, never anonymous", async () => {
    for (const value of ["Bearer ", "Bearer", "bearer  ", ""]) {
      const answer = await api.call(api.client.listCategories, {}, value);
      expect(answer.error?.code, JSON.stringify(value) + answer.error?.details).toBe(grpc.status.UNAUTHENTICATED);
    }
  });
});
