/*
 * A worker that starts with crew assignment on runs waiting crew jobs at once
 * (#17, src/crew/wake.ts). The real runner of src/worker/runner.ts (the one
 * npm start runs) against the test database and the stub crew server: a
 * first worker with assignment off leaves the event pending and its job
 * waiting 10 minutes (CREW_RETRY_MAX_MS); stopped, and a second worker
 * started with the crew service configured assigns it within the test's
 * wait: only the wake-up on start can explain that. Crew test files take
 * turns on an advisory lock (they share one job queue).
 */
import pg from "pg";
import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { setCrewConfig } from "../../src/crew/jobs.ts";
import { startCrewStub, type CrewStub } from "../../src/crew/stub-server.ts";
import type { CrewConfig } from "../../src/crew/config.ts";
import { startWorker } from "../../src/worker/runner.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import { committingUser } from "../db/factories.ts";
import { eventually } from "../helpers/eventually.ts";
import { useGrpcApi } from "../grpc/helpers.ts";

const api = useGrpcApi();
let turn: pg.Client | undefined;
let stub: CrewStub | undefined;
let worker: Runner | undefined;

const settings = (address: string | undefined): CrewConfig => ({
  address,
  deadlineMs: 2_000,
  assignAttempts: 3,
  retryBaseMs: 600_000,
  retryMaxMs: 600_000, // a waiting job comes back in 10 minutes, far beyond the test's wait
  serviceToken: "crew-client-token",
  tokenClient: undefined,
});

beforeAll(async () => {
  turn = new pg.Client({ connectionString: inject("databaseUrl"), application_name: "crew-tests-turn" });
  await turn.connect();
  await turn.query("select pg_advisory_lock(hashtext('aquastream crew tests'))");
  stub = await startCrewStub({ crewCount: 2 });
});

afterAll(async () => {
  await worker?.stop();
  setCrewConfig(undefined);
  await stub?.close();
  await turn?.end();
});

describe("crew assignment turned on by a restart", () => {
  it("an event waiting with assignment off is assigned as soon as a worker starts with the crew service configured", async () => {
    setCrewConfig(settings(undefined));
    worker = await startWorker(api.pool, 1, { crontab: false });

    const organizer = committingUser("organizer");
    const start = new Date(Date.UTC(2033, 2, 3, 8));
    const created = await api.call(
      api.client.createEvent,
      {
        title: "Diving at Cape Tolstoy",
        description: "",
        category: "diving",
        locationName: "Cape Tolstoy, Sea of Japan",
        startsAt: toTimestamp(start),
        endsAt: toTimestamp(new Date(start.getTime() + 5 * 3600_000)),
        capacity: 4,
        bookingDeadlineHours: 24,
        crewRequired: true,
        priceTiers: [{ name: "Standard", price: "9000", currency: "RUB" }],
      },
      organizer,
    );
    const eventId = created.response!.event!.id;
    expect((await api.call(api.client.publishEvent, { id: eventId }, organizer)).error).toBeUndefined();

    // The first worker ran the job, found assignment off and put it back for 10 minutes.
    await eventually(async () => {
      const { rows } = await api.pool.query(
        "select 1 from graphile_worker._private_jobs where key = $1 and locked_at is null and run_at > now() + interval '5 minutes'",
        [`assign_crew:${eventId}`],
      );
      return rows[0];
    }, "the assign_crew job waiting 10 minutes");
    await worker.stop();
    worker = undefined;
    expect(stub!.calls.filter((c) => c.eventId === eventId)).toEqual([]);

    // Restart with the crew service configured.
    setCrewConfig(settings(`127.0.0.1:${stub!.port}`));
    worker = await startWorker(api.pool, 1, { crontab: false });
    const assigned = await eventually(async () => {
      const { rows } = await api.pool.query<{ crew_status: string; crew_id: string | null }>(
        "select crew_status, crew_id from app_public.event where id = $1",
        [eventId],
      );
      return rows[0]!.crew_status === "assigned" ? rows[0] : undefined;
    }, "the event's crew assigned after the restart");
    expect(assigned!.crew_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(stub!.calls.filter((c) => c.eventId === eventId).map((c) => c.method)).toEqual(["AssignCrew"]);
  });
});
