/*
 * Crew assignment end to end: events published over gRPC, the real
 * graphile-worker running the crew tasks against the test database, and the
 * real stub crew server over gRPC, told to fail, to be slow, or to be down.
 * Retries run with short backoff settings (CREW_RETRY_BASE_MS 50 ms); the
 * tests wait for what the worker writes, never for a fixed time.
 */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { setCrewConfig } from "../../src/crew/jobs.ts";
import { CrewStatus, EventStatus } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import { committingUser } from "../db/factories.ts";
import { eventually } from "../helpers/eventually.ts";
import type { TestUser } from "../helpers/db.ts";
import { errorCode, useGrpcApi } from "../grpc/helpers.ts";
import { useCrewWorker } from "./helpers.ts";

const api = useGrpcApi();
const { call } = api;
const crew = useCrewWorker(api.pool);
const settings = crew.settings;

/** Each test its own days, so events never overlap another test's (the stub has 2 crews). */
let day = 0;
async function crewEvent(organizer: TestUser, publish = true) {
  const start = new Date(Date.UTC(2031, 0, 1 + 3 * day++, 8));
  const created = await call(
    api.client.createEvent,
    {
      title: "Sailing with a skipper",
      description: "",
      category: "sailing",
      locationName: "Pirogovo reservoir",
      startsAt: toTimestamp(start),
      endsAt: toTimestamp(new Date(start.getTime() + 8 * 3600_000)),
      capacity: 6,
      bookingDeadlineHours: 24,
      crewRequired: true,
      priceTiers: [{ name: "Standard", price: "7000", currency: "RUB" }],
    },
    organizer,
  );
  expect(created.error).toBeUndefined();
  expect(created.response!.event!.crewStatus).toBe(CrewStatus.CREW_STATUS_PENDING);
  if (!publish) return created.response!.event!;
  const published = await call(api.client.publishEvent, { id: created.response!.event!.id }, organizer);
  expect(published.error).toBeUndefined();
  return published.response!.event!;
}

async function crewState(eventId: string) {
  const { rows } = await api.pool.query<{ crew_status: string; crew_id: string | null }>(
    "select crew_status, crew_id from app_public.event where id = $1",
    [eventId],
  );
  return rows[0]!;
}

const until = (eventId: string, status: string) =>
  eventually(async () => {
    const state = await crewState(eventId);
    return state.crew_status === status ? state : undefined;
  }, `crew_status ${status} for ${eventId}`);

async function crewMessages(eventId: string) {
  const { rows } = await api.pool.query<{ event_type: string; aggregate_type: string; data: Record<string, unknown>; actor_id: string | null }>(
    "select event_type, aggregate_type, data, actor_id from app_private.outbox where aggregate_id = $1 and aggregate_type = 'crew' order by position",
    [eventId],
  );
  return rows;
}

const callsFor = (eventId: string, method?: "AssignCrew" | "ReleaseCrew") =>
  crew.stub.calls.filter((c) => c.eventId === eventId && (!method || c.method === method));

describe("crew assignment through the crew service", () => {
  it("publishing assigns a crew: crew_id recorded, CrewAssigned, the service token and the publisher forwarded", async () => {
    const organizer = committingUser("organizer");
    const event = await crewEvent(organizer);
    const state = await until(event.id, "assigned");
    expect(crew.stub.crews).toContain(state.crew_id);
    expect(crew.stub.assignments().find((a) => a.eventId === event.id)?.crewId).toBe(state.crew_id);

    const messages = await crewMessages(event.id);
    expect(messages.map((m) => m.event_type)).toEqual(["CrewAssigned"]);
    expect(messages[0]!.data).toMatchObject({ eventId: event.id, crewId: state.crew_id });
    expect(messages[0]!.actor_id).toBeNull(); // the worker (system) recorded it

    expect(callsFor(event.id, "AssignCrew")).toEqual([
      expect.objectContaining({ authorization: "Bearer crew-client-token", onBehalfOf: organizer.sub }),
    ]);
    // Over gRPC the event shows it too.
    const got = await call(api.client.getEvent, { id: event.id }, null);
    expect(got.response!.event).toMatchObject({ crewStatus: CrewStatus.CREW_STATUS_ASSIGNED, crewId: state.crew_id });
  });

  it("a crew service failing twice is retried with backoff, then the crew is assigned once", async () => {
    crew.stub.behaviour.failTimes = 2;
    const event = await crewEvent(committingUser("organizer"));
    await until(event.id, "assigned");
    expect(callsFor(event.id, "AssignCrew")).toHaveLength(3);
    expect((await crewMessages(event.id)).map((m) => m.event_type)).toEqual(["CrewAssigned"]);
  });

  it("a slow crew service runs into the deadline; the next attempt succeeds", async () => {
    crew.stub.behaviour.delayMs = 3_000; // above the 2 s deadline
    const event = await crewEvent(committingUser("organizer"));
    await eventually(async () => callsFor(event.id, "AssignCrew").length >= 1, "the first, slow AssignCrew");
    crew.stub.behaviour.delayMs = 0;
    await until(event.id, "assigned");
    // However many slow calls ran, one assignment and one message.
    expect((await crewMessages(event.id)).map((m) => m.event_type)).toEqual(["CrewAssigned"]);
    expect(crew.stub.assignments().filter((a) => a.eventId === event.id)).toHaveLength(1);
  });

  it("a crew service down for every attempt → crew_status failed + CrewAssignmentFailed; an admin's retry then assigns", async () => {
    await crew.stub.down();
    try {
      const event = await crewEvent(committingUser("organizer"));
      await until(event.id, "failed");
      const messages = await crewMessages(event.id);
      expect(messages.map((m) => m.event_type)).toEqual(["CrewAssignmentFailed"]);
      expect(messages[0]!.data).toMatchObject({ eventId: event.id, attempts: 3, error: expect.stringMatching(/UNAVAILABLE/) });
      const got = await call(api.client.getEvent, { id: event.id }, null);
      expect(got.response!.event!.crewStatus).toBe(CrewStatus.CREW_STATUS_FAILED);

      await crew.stub.up();
      // A fresh client, as a restarted worker would have: the old channel is
      // in gRPC's reconnect backoff (≥ 1 s), longer than this test's retries.
      setCrewConfig(settings());
      const retried = await call(api.client.retryCrewAssignment, { id: event.id }, committingUser("organizer"));
      expect([retried.error?.code, errorCode(retried.error)]).toEqual([grpc.status.PERMISSION_DENIED, "42501"]);
      const byAdmin = await call(api.client.retryCrewAssignment, { id: event.id }, committingUser("admin"));
      expect(byAdmin.response!.event!.crewStatus).toBe(CrewStatus.CREW_STATUS_PENDING);
      await until(event.id, "assigned");
      expect((await crewMessages(event.id)).map((m) => m.event_type)).toEqual(["CrewAssignmentFailed", "CrewAssigned"]);
      const again = await call(api.client.retryCrewAssignment, { id: event.id }, committingUser("admin"));
      expect(again.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    } finally {
      await crew.stub.up().catch(() => {});
    }
  });

  it("canceling the event releases its crew at the crew service (CrewReleased), once", async () => {
    const organizer = committingUser("organizer");
    const event = await crewEvent(organizer);
    const { crew_id: crewId } = await until(event.id, "assigned");
    const canceled = await call(api.client.cancelEvent, { id: event.id, reason: "storm warning" }, organizer);
    expect(canceled.response!.event!.status).toBe(EventStatus.EVENT_STATUS_CANCELED);
    await eventually(async () => (await crewMessages(event.id)).some((m) => m.event_type === "CrewReleased"), "CrewReleased");
    expect(crew.stub.assignments().some((a) => a.eventId === event.id)).toBe(false);
    expect(callsFor(event.id, "ReleaseCrew")).toEqual([
      expect.objectContaining({ authorization: "Bearer crew-client-token", onBehalfOf: organizer.sub }),
    ]);
    const messages = await crewMessages(event.id);
    expect(messages.map((m) => m.event_type)).toEqual(["CrewAssigned", "CrewReleased"]);
    expect(messages[1]!.data).toMatchObject({ eventId: event.id, crewId });
    const { rows } = await api.pool.query(
      "select released_at is not null as released from app_private.crew_assignment where event_id = $1",
      [event.id],
    );
    expect(rows).toEqual([{ released: true }]);
  });

  it("new dates release the old crew and assign one for the new period", async () => {
    const organizer = committingUser("organizer");
    const event = await crewEvent(organizer);
    await until(event.id, "assigned");
    const start = new Date(Date.UTC(2031, 0, 1 + 3 * day++, 8));
    const moved = await call(
      api.client.updateEvent,
      { id: event.id, startsAt: toTimestamp(start), endsAt: toTimestamp(new Date(start.getTime() + 4 * 3600_000)) },
      organizer,
    );
    expect(moved.response!.event!.crewStatus).toBe(CrewStatus.CREW_STATUS_PENDING);
    await until(event.id, "assigned");
    await eventually(async () => (await crewMessages(event.id)).length === 3, "three crew messages");
    expect((await crewMessages(event.id)).map((m) => m.event_type)).toEqual(["CrewAssigned", "CrewReleased", "CrewAssigned"]);
    const atStub = crew.stub.assignments().filter((a) => a.eventId === event.id);
    expect(atStub).toHaveLength(1);
    expect(atStub[0]!.startsAt).toBe(start.getTime());
  });

  it("dropping crew_required releases the crew; requiring it again on the published event assigns one", async () => {
    const organizer = committingUser("organizer");
    const event = await crewEvent(organizer);
    await until(event.id, "assigned");
    const dropped = await call(api.client.updateEvent, { id: event.id, crewRequired: false }, organizer);
    expect(dropped.response!.event).toMatchObject({ crewStatus: CrewStatus.CREW_STATUS_NOT_REQUIRED, crewId: undefined });
    await eventually(async () => (await crewMessages(event.id)).some((m) => m.event_type === "CrewReleased"), "CrewReleased");
    expect(crew.stub.assignments().some((a) => a.eventId === event.id)).toBe(false);

    const again = await call(api.client.updateEvent, { id: event.id, crewRequired: true }, organizer);
    expect(again.response!.event!.crewStatus).toBe(CrewStatus.CREW_STATUS_PENDING);
    await until(event.id, "assigned");
    expect((await crewMessages(event.id)).map((m) => m.event_type)).toEqual(["CrewAssigned", "CrewReleased", "CrewAssigned"]);
  });

  it("an answer that arrives after the event was canceled is released, not recorded as the event's crew", async () => {
    const organizer = committingUser("organizer");
    crew.stub.behaviour.delayMs = 300;
    const event = await crewEvent(organizer);
    await eventually(async () => callsFor(event.id, "AssignCrew").length === 1, "AssignCrew in flight");
    await call(api.client.cancelEvent, { id: event.id, reason: "not enough people" }, organizer);
    await eventually(async () => (await crewMessages(event.id)).some((m) => m.event_type === "CrewReleased"), "the late crew released");
    expect(crew.stub.assignments().some((a) => a.eventId === event.id)).toBe(false);
    expect(await crewState(event.id)).toEqual({ crew_status: "pending", crew_id: null });
    expect((await crewMessages(event.id)).map((m) => m.event_type)).toEqual(["CrewReleased"]);
  });

  it("recording the same assignment twice records it once", async () => {
    setCrewConfig(settings({ address: undefined })); // the worker leaves this one to us
    const event = await crewEvent(committingUser("organizer"));
    const crewId = randomUUID();
    const { rows } = await api.pool.query<{ starts_at: Date; ends_at: Date }>(
      "select starts_at, ends_at from app_public.event where id = $1",
      [event.id],
    );
    const record = () =>
      api.pool.query<{ kept: boolean }>("select app_hidden.record_crew_assigned($1, $2, $3, $4) as kept", [
        event.id,
        crewId,
        rows[0]!.starts_at,
        rows[0]!.ends_at,
      ]);
    expect((await record()).rows[0]!.kept).toBe(true);
    expect((await record()).rows[0]!.kept).toBe(true);
    expect((await crewMessages(event.id)).map((m) => m.event_type)).toEqual(["CrewAssigned"]);
    const { rows: history } = await api.pool.query("select crew_id from app_private.crew_assignment where event_id = $1", [event.id]);
    expect(history).toEqual([{ crew_id: crewId }]);
  });

  it("with no crew service configured, the event stays pending and its job waits; configured later, it is assigned", async () => {
    setCrewConfig(settings({ address: undefined }));
    const event = await crewEvent(committingUser("organizer"));
    // The job ran (and put itself back): it waits with a later run_at, attempt 1 still.
    const waiting = await eventually(async () => {
      const { rows } = await api.pool.query<{ payload: { attempt?: number }; run_at: Date }>(
        // The public jobs view has no payload; the table behind it does.
        "select payload, run_at from graphile_worker._private_jobs where key = $1 and payload::jsonb ? 'attempt' and run_at > now()",
        [`assign_crew:${event.id}`],
      );
      return rows[0];
    }, "the waiting assign_crew job");
    expect(waiting.payload.attempt).toBe(1);
    expect(await crewState(event.id)).toEqual({ crew_status: "pending", crew_id: null });
    expect(callsFor(event.id)).toEqual([]);

    setCrewConfig(settings());
    await until(event.id, "assigned");
  });

  it("a draft needs no crew yet: creating one enqueues nothing", async () => {
    const event = await crewEvent(committingUser("organizer"), false);
    const { rows } = await api.pool.query("select 1 from graphile_worker.jobs where key like $1", [`%:${event.id}`]);
    expect(rows).toEqual([]);
  });
});
