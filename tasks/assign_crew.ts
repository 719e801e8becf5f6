/*
 * Asks the crew service for a crew for an event, and records the answer.
 *
 * Enqueued by the event trigger (db/migrations: publishing an event with
 * crew_required, new dates, an admin's retry) in the same transaction as the
 * change. Runs in the named queue `crew`. A failed call is tried again with
 * exponential backoff (src/crew/jobs.ts); after CREW_ASSIGN_ATTEMPTS the
 * event's crew_status becomes failed and CrewAssignmentFailed is written for
 * admins. Idempotent: the crew service answers the same crew for the same
 * event, and record_crew_assigned records it once.
 */
import * as grpc from "@grpc/grpc-js";
import type { Task } from "graphile-worker";
import { retryDelayMs } from "../src/crew/config.ts";
import { crewClient, crewConfig, isGrpcError, readPayload, retryLater } from "../src/crew/jobs.ts";
import { toTimestamp } from "../src/grpc/convert.ts";

interface CrewRequestRow {
  event_id: string;
  starts_at: Date;
  ends_at: Date;
  location: string;
  participants: number;
}

const task: Task = async (raw, helpers) => {
  const payload = readPayload(raw);
  const settings = crewConfig();
  const { rows } = await helpers.query<CrewRequestRow>("select * from app_hidden.crew_request($1)", [payload.eventId]);
  const request = rows[0];
  if (!request) return; // canceled, already assigned, or no longer needs a crew

  const { address } = settings;
  if (!address) {
    // Assignment off: the event stays pending and the job waits (not an attempt).
    helpers.logger.info(`crew assignment off (no CREW_SERVICE_ADDRESS): event ${payload.eventId} waits`);
    await retryLater(helpers, "assign_crew", payload, payload.attempt, settings.retryMaxMs);
    return;
  }

  let failure: string;
  let final = false;
  try {
    const crewId = await crewClient({ ...settings, address }).assignCrew(
      {
        eventId: request.event_id,
        startsAt: toTimestamp(request.starts_at),
        endsAt: toTimestamp(request.ends_at),
        location: request.location,
        participants: request.participants,
      },
      { onBehalfOf: payload.requestedBy },
    );
    try {
      const { rows: recorded } = await helpers.query<{ kept: boolean }>(
        "select app_hidden.record_crew_assigned($1, $2, $3, $4) as kept",
        [request.event_id, crewId, request.starts_at, request.ends_at],
      );
      helpers.logger.info(
        recorded[0]!.kept
          ? `crew ${crewId} assigned to event ${payload.eventId}`
          : `crew ${crewId} came for event ${payload.eventId}, which no longer wants it: queued for release`,
      );
      return;
    } catch (error) {
      // 23P01: the crew service gave a crew that is on an overlapping event here.
      if ((error as { code?: string }).code !== "23P01") throw error;
      failure = `the crew service assigned crew ${crewId}, which is already on an overlapping event`;
    }
  } catch (error) {
    if (!isGrpcError(error)) throw error;
    failure = `${grpc.status[error.code] ?? error.code}: ${error.details}`;
    // A request the crew service calls malformed will not get better by asking again.
    final = error.code === grpc.status.INVALID_ARGUMENT;
  }

  if (!final && payload.attempt < settings.assignAttempts) {
    const delay = retryDelayMs(settings, payload.attempt + 1);
    helpers.logger.warn(
      `crew assignment for event ${payload.eventId} failed (attempt ${payload.attempt} of ${settings.assignAttempts}): ${failure}; again in ${delay} ms`,
    );
    await retryLater(helpers, "assign_crew", payload, payload.attempt + 1, delay);
    return;
  }
  await helpers.query("select app_hidden.record_crew_assignment_failed($1, $2, $3)", [
    payload.eventId,
    failure,
    payload.attempt,
  ]);
  helpers.logger.error(`crew assignment for event ${payload.eventId} failed after ${payload.attempt} attempt(s): ${failure}`);
};

export default task;
