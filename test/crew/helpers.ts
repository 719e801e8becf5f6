/*
 * A real crew side for tests: the stub crew server over gRPC and a real
 * graphile-worker running the crew tasks against the test database, with
 * short retry settings so retries happen within a test.
 *
 * The crew jobs share one queue in the test database, so two test files
 * with their own workers would take each other's jobs (and call each
 * other's stubs). A file holds an advisory lock for as long as its worker
 * runs, so crew test files take turns.
 */
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { run, Logger, type Runner } from "graphile-worker";
import { afterAll, beforeAll, beforeEach, inject } from "vitest";
import { startCrewStub, type CrewStub } from "../../src/crew/stub-server.ts";
import { setCrewConfig } from "../../src/crew/jobs.ts";
import type { CrewConfig } from "../../src/crew/config.ts";
import assign_crew from "../../tasks/assign_crew.ts";
import release_crew from "../../tasks/release_crew.ts";

export interface CrewSide {
  readonly stub: CrewStub;
  /** The test settings, pointing at the stub, with overrides. */
  settings(overrides?: Partial<CrewConfig>): CrewConfig;
}

/** Starts the stub and a worker for the file; each test starts with a well-behaved stub. */
export function useCrewWorker(pool: pg.Pool, crewCount = 2): CrewSide {
  let stub: CrewStub | undefined;
  let worker: Runner | undefined;
  let turn: pg.Client | undefined;
  const side: CrewSide = {
    get stub() {
      return stub!;
    },
    settings: (overrides = {}) => ({
      address: `127.0.0.1:${stub!.port}`,
      deadlineMs: 2_000, // generous: a loaded CI machine must not turn a healthy call into a failed attempt
      assignAttempts: 3,
      retryBaseMs: 50,
      retryMaxMs: 200,
      serviceToken: "crew-client-token",
      tokenClient: undefined,
      ...overrides,
    }),
  };

  beforeAll(async () => {
    turn = new pg.Client({ connectionString: inject("databaseUrl"), application_name: "crew-tests-turn" });
    await turn.connect();
    await turn.query("select pg_advisory_lock(hashtext('aquastream crew tests'))");
    stub = await startCrewStub({ crewCount });
    setCrewConfig(side.settings());
    worker = await run({
      pgPool: pool,
      concurrency: 1,
      taskList: { assign_crew, release_crew },
      pollInterval: 50,
      noHandleSignals: true,
      logger: new Logger(() => () => {}),
    });
  });

  afterAll(async () => {
    await worker?.stop();
    setCrewConfig(undefined);
    await stub?.close();
    await turn?.end(); // ends the session: the lock goes with it
  });

  beforeEach(() => {
    Object.assign(stub!.behaviour, { failTimes: 0, delayMs: 0, failCode: grpc.status.UNAVAILABLE });
    setCrewConfig(side.settings());
  });

  return side;
}
