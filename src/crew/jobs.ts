/*
 * What the crew tasks (tasks/assign_crew.ts, tasks/release_crew.ts) share:
 * the settings and the client (one per worker process), the job payload, and
 * retrying later with backoff.
 *
 * Retries are scheduled by the task itself (a new job with a later run_at
 * and the next attempt number in its payload) rather than by throwing, so
 * the number of attempts and the backoff are this service's settings
 * (CREW_ASSIGN_ATTEMPTS, CREW_RETRY_*), and the last attempt can record a
 * visible failure instead of leaving a dead job behind. A task throws only
 * when something other than the crew service failed (e.g. the database);
 * graphile-worker's own retries cover that.
 */
import type { JobHelpers } from "graphile-worker";
import { clientCredentialsTokenProvider } from "../auth/client-credentials.ts";
import { createCrewClient, type CrewClient } from "./client.ts";
import { loadCrewConfig, type CrewConfig } from "./config.ts";

let config: CrewConfig | undefined;
let client: CrewClient | undefined;

/** The crew settings, read once per process (tests may set them first). */
export function crewConfig(): CrewConfig {
  config ??= loadCrewConfig();
  return config;
}

/** For tests: use these settings (and a new client) instead of the environment's. */
export function setCrewConfig(next: CrewConfig | undefined): void {
  client?.close();
  client = undefined;
  config = next;
}

/** The crew service client for the configured address (assignment must be on). */
export function crewClient(settings: CrewConfig & { address: string }): CrewClient {
  client ??= createCrewClient({
    address: settings.address,
    deadlineMs: settings.deadlineMs,
    tls: settings.tls,
    token: settings.tokenClient
      ? clientCredentialsTokenProvider(settings.tokenClient)
      : async () => settings.serviceToken,
  });
  return client;
}

export type CrewTask = "assign_crew" | "release_crew";

export interface CrewJobPayload {
  eventId: string;
  /** Keycloak subject of whoever caused the job (null: the system). */
  requestedBy?: string | null;
  /** 1 for the job SQL enqueued; the task counts up when it retries. */
  attempt?: number;
}

export function readPayload(payload: unknown): CrewJobPayload & { attempt: number } {
  const p = payload as Partial<CrewJobPayload> | null;
  if (!p || typeof p.eventId !== "string" || !/^[0-9a-f-]{36}$/i.test(p.eventId)) {
    throw new Error(`crew job payload needs an eventId (uuid), got ${JSON.stringify(payload)}`);
  }
  return { eventId: p.eventId, requestedBy: p.requestedBy ?? null, attempt: p.attempt ?? 1 };
}

/** Runs the same task again after `delayMs`, as attempt `attempt`. */
export async function retryLater(
  helpers: JobHelpers,
  task: CrewTask,
  payload: CrewJobPayload,
  attempt: number,
  delayMs: number,
): Promise<void> {
  await helpers.addJob(task, { ...payload, attempt }, {
    queueName: "crew",
    // The key SQL uses too: one waiting job per event and task.
    jobKey: `${task}:${payload.eventId}`,
    jobKeyMode: "replace",
    runAt: new Date(Date.now() + delayMs),
  });
}

/** A gRPC status error from the crew service (as opposed to, say, a database error). */
export function isGrpcError(error: unknown): error is { code: number; details: string; message: string } {
  return typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "number" && "details" in error;
}
