/*
 * A deadlock (40P01) is rerun server-side and the caller gets its answer.
 *
 * A real deadlock in PostgreSQL, made on purpose: confirm_payment locks the
 * booking, then the payment. This test's own transaction first locks the
 * payment (the API's call waits for it), then the booking (now each waits for
 * the other). This session's deadlock_timeout is longer than the API's, so
 * PostgreSQL breaks the cycle by rolling back the API's transaction; the API
 * reruns it, it waits until this transaction rolls back, then succeeds. The
 * caller sees only the success; the retry counter shows the rerun.
 *
 * If this machine is so slow that the API's one deadlock check (1 s after it
 * starts waiting) runs before this session closed the cycle, PostgreSQL
 * breaks the cycle on this side instead: then the scenario is repeated with
 * a fresh payment (the test asserts what happened, never how fast).
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { committingUser, createEventCall, gateway } from "../db/factories.ts";
import { racer } from "../helpers/race.ts";
import { eventually } from "../helpers/eventually.ts";
import { useTestApi } from "../helpers/api.ts";
import { useGrpcApi } from "../grpc/helpers.ts";
import { registry } from "../../src/metrics/registry.ts";

const race = racer(4);
const api = useTestApi();
const grpcApi = useGrpcApi();

/** A pending payment of a fresh booking, committed. */
async function pendingPayment(): Promise<{ paymentId: string; bookingId: string }> {
  const organizer = committingUser("organizer");
  const user = committingUser("user");
  const [sql, params] = createEventCall();
  const [event] = await race.must(organizer, sql, params);
  await race.must(organizer, "select app_public.publish_event($1)", [event!.id]);
  const [tier] = await race.must(null, "select id from app_public.event_price_tier where event_id = $1 limit 1", [event!.id]);
  const [booking] = await race.must(user, "select id from app_public.create_booking(event_id => $1, price_tier_id => $2)", [
    event!.id,
    tier!.id,
  ]);
  const [payment] = await race.must(user, "select id from app_public.initiate_payment($1, 'card')", [booking!.id]);
  return { paymentId: payment!.id, bookingId: booking!.id };
}

async function retries(transport: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === "aquastream_database_retries_total");
  return (metric?.values ?? [])
    .filter((v) => v.labels.transport === transport && v.labels.code === "40P01")
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * Holds the payment's lock while `confirm` runs, then closes the deadlock.
 * Returns what `confirm` answered and whether PostgreSQL chose the API's
 * transaction as the victim (false: it chose ours; the caller tries again).
 */
async function deadlockAround<T>(
  applicationName: string,
  ids: { paymentId: string; bookingId: string },
  confirm: () => Promise<T>,
): Promise<{ answer: T; apiWasVictim: boolean }> {
  const ours = await race.pool.connect();
  try {
    await ours.query("begin");
    await ours.query("set local deadlock_timeout = '5s'");
    await ours.query("select 1 from app_public.payment where id = $1 for update", [ids.paymentId]);
    const answer = confirm();
    // The API's backend now waits for our lock on the payment (holding the booking).
    await eventually(async () => {
      const { rows } = await race.pool.query(
        "select 1 from pg_stat_activity where application_name = $1 and $2 = any(pg_blocking_pids(pid))",
        [applicationName, (ours as pg.PoolClient & { processID: number }).processID],
      );
      return rows.length > 0;
    }, "the API's transaction waits for the payment lock");
    let apiWasVictim = true;
    try {
      await ours.query("select 1 from app_public.booking where id = $1 for update", [ids.bookingId]);
    } catch (error) {
      if ((error as pg.DatabaseError).code !== "40P01") throw error;
      apiWasVictim = false;
    }
    await ours.query("rollback");
    return { answer: await answer, apiWasVictim };
  } finally {
    ours.release();
  }
}

describe("a deadlock is rerun server-side", () => {
  it("GraphQL: the mutation's transaction is rolled back by the deadlock, rerun, and the caller gets the success", { timeout: 120_000 }, async () => {
    const token = await api.token(gateway);
    for (let attempt = 1; ; attempt++) {
      const before = await retries("graphql");
      const ids = await pendingPayment();
      const { answer, apiWasVictim } = await deadlockAround("aquastream-event:test-api", ids, () =>
        api.graphql<{ confirmPayment: { result: { status: string } } }>(
          `mutation($id: UUID!, $ref: String!) { confirmPayment(input: { paymentId: $id, gatewayReference: $ref }) { result { status } } }`,
          { id: ids.paymentId, ref: `gw-${ids.paymentId}` },
          token,
        ),
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.status).toBe(200);
      expect(answer.data?.confirmPayment.result.status).toBe("completed");
      if (!apiWasVictim && attempt < 3) continue;
      expect(apiWasVictim).toBe(true);
      expect(await retries("graphql")).toBe(before + 1);
      const [payment] = await race.must(null, "select status, gateway_reference from app_public.payment where id = $1", [ids.paymentId]);
      expect(payment).toEqual({ status: "completed", gateway_reference: `gw-${ids.paymentId}` });
      break;
    }
  });

  it("gRPC: the call's transaction is rolled back by the deadlock, rerun, and the caller gets the success", { timeout: 120_000 }, async () => {
    for (let attempt = 1; ; attempt++) {
      const before = await retries("grpc");
      const ids = await pendingPayment();
      const { answer, apiWasVictim } = await deadlockAround("aquastream-event:test-grpc", ids, () =>
        grpcApi.call(grpcApi.client.confirmPayment, { paymentId: ids.paymentId, gatewayReference: `gw-${ids.paymentId}` }, gateway),
      );
      expect(answer.error).toBeUndefined();
      expect(answer.response?.payment?.status).toBeDefined();
      if (!apiWasVictim && attempt < 3) continue;
      expect(apiWasVictim).toBe(true);
      expect(await retries("grpc")).toBe(before + 1);
      const [payment] = await race.must(null, "select status from app_public.payment where id = $1", [ids.paymentId]);
      expect(payment).toEqual({ status: "completed" });
      break;
    }
  });
});
