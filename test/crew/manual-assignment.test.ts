/*
 * An admin assigns a crew by hand (#17, assign_crew_manually) over gRPC
 * (AssignCrewManually) and GraphQL (assignCrewManually): the event waiting
 * for a crew gets it, CrewAssigned says "manual", and the crew service is
 * never called. Bad input and the wrong role are refused with the documented
 * codes. No crew worker runs meanwhile: this file takes the crew tests' turn
 * (advisory lock), so nobody else's worker assigns these events first.
 */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CrewStatus } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import { committingUser } from "../db/factories.ts";
import type { TestUser } from "../helpers/db.ts";
import { useTestApi } from "../helpers/api.ts";
import { errorCode, errorField, useGrpcApi } from "../grpc/helpers.ts";

const api = useGrpcApi();
const http = useTestApi();
const { call } = api;
let turn: pg.Client | undefined;

beforeAll(async () => {
  turn = new pg.Client({ connectionString: inject("databaseUrl"), application_name: "crew-tests-turn" });
  await turn.connect();
  await turn.query("select pg_advisory_lock(hashtext('aquastream crew tests'))");
});
afterAll(async () => {
  await turn?.end();
});

let day = 0;
async function crewEvent(organizer: TestUser, publish = true) {
  const start = new Date(Date.UTC(2034, 4, 1 + 3 * day++, 8));
  const created = await call(
    api.client.createEvent,
    {
      title: "Sailing to Kronstadt",
      description: "",
      category: "sailing",
      locationName: "Strelna",
      startsAt: toTimestamp(start),
      endsAt: toTimestamp(new Date(start.getTime() + 8 * 3600_000)),
      capacity: 6,
      bookingDeadlineHours: 24,
      crewRequired: true,
      priceTiers: [{ name: "Standard", price: "8000", currency: "RUB" }],
    },
    organizer,
  );
  if (!publish) return created.response!.event!;
  return (await call(api.client.publishEvent, { id: created.response!.event!.id }, organizer)).response!.event!;
}

const ASSIGN = /* GraphQL */ `
  mutation($id: UUID!, $crew: UUID) { assignCrewManually(input: { id: $id, crewId: $crew }) { result { crewId crewStatus } } }
`;

describe("an admin assigns a crew by hand", () => {
  it("over gRPC: the pending event gets the crew, CrewAssigned (manual), no crew-service job left to do", async () => {
    const admin = committingUser("admin");
    const event = await crewEvent(committingUser("organizer"));
    expect(event.crewStatus).toBe(CrewStatus.CREW_STATUS_PENDING);
    const crewId = randomUUID();
    const assigned = await call(api.client.assignCrewManually, { id: event.id, crewId }, admin);
    expect(assigned.error).toBeUndefined();
    expect(assigned.response!.event).toMatchObject({ crewId, crewStatus: CrewStatus.CREW_STATUS_ASSIGNED });

    const { rows } = await api.pool.query(
      "select event_type, data from app_private.outbox where aggregate_id = $1 and aggregate_type = 'crew' order by position",
      [event.id],
    );
    expect(rows).toEqual([
      { event_type: "CrewAssigned", data: expect.objectContaining({ crewId, manual: true, assignedBy: admin.sub, fromStatus: "pending" }) },
    ]);
    // The crew service is not asked for it: its request for the event is gone.
    const request = await api.pool.query("select * from app_hidden.crew_request($1)", [event.id]);
    expect(request.rows).toEqual([]);

    const twice = await call(api.client.assignCrewManually, { id: event.id, crewId: randomUUID() }, admin);
    expect(twice.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(errorCode(twice.error)).toBe("55000");
  });

  it("over gRPC: wrong role, bad ids, a draft, and a crew on an overlapping event are refused", async () => {
    const admin = committingUser("admin");
    const organizer = committingUser("organizer");
    const event = await crewEvent(organizer);
    const crewId = randomUUID();

    expect((await call(api.client.assignCrewManually, { id: event.id, crewId }, organizer)).error?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await call(api.client.assignCrewManually, { id: event.id, crewId }, null)).error?.code).toBe(grpc.status.UNAUTHENTICATED);
    const badCrew = await call(api.client.assignCrewManually, { id: event.id, crewId: "crew-7" }, admin);
    expect(badCrew.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorField(badCrew.error)).toBe("crew_id");
    const unknown = await call(api.client.assignCrewManually, { id: randomUUID(), crewId }, admin);
    expect(unknown.error?.code).toBe(grpc.status.NOT_FOUND);
    const draft = await crewEvent(organizer, false);
    expect(errorCode((await call(api.client.assignCrewManually, { id: draft.id, crewId }, admin)).error)).toBe("55000");

    // The same crew on an event at the same time: the exclusion constraint refuses it.
    expect((await call(api.client.assignCrewManually, { id: event.id, crewId }, admin)).error).toBeUndefined();
    const overlapping = await api.pool.query(
      `update app_public.event set starts_at = (select starts_at from app_public.event where id = $1),
              ends_at = (select ends_at from app_public.event where id = $1)
        where id = $2 returning id`,
      [event.id, (await crewEvent(organizer)).id],
    );
    const clash = await call(api.client.assignCrewManually, { id: overlapping.rows[0]!.id, crewId }, admin);
    expect(clash.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(errorCode(clash.error)).toBe("23P01");
    const { rows } = await api.pool.query("select crew_status from app_public.event where id = $1", [overlapping.rows[0]!.id]);
    expect(rows[0]!.crew_status).toBe("pending");
  });

  it("over GraphQL: the same function; refusals carry the same codes", async () => {
    const admin = committingUser("admin");
    const event = await crewEvent(committingUser("organizer"));
    const crewId = randomUUID();
    const wrongRole = await http.graphql(ASSIGN, { id: event.id, crew: crewId }, committingUser("organizer"));
    expect(wrongRole.errors?.[0]?.extensions).toMatchObject({ code: "42501", status: "PERMISSION_DENIED" });
    const missingCrew = await http.graphql(ASSIGN, { id: event.id, crew: null }, admin);
    expect(missingCrew.errors?.[0]?.extensions).toMatchObject({ code: "22023", field: "crew_id" });
    const assigned = await http.graphql<{ assignCrewManually: { result: { crewId: string; crewStatus: string } } }>(
      ASSIGN,
      { id: event.id, crew: crewId },
      admin,
    );
    expect(assigned.errors).toBeUndefined();
    expect(assigned.data!.assignCrewManually.result).toEqual({ crewId, crewStatus: "assigned" });
  });
});
