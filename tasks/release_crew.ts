/*
 * Releases at the crew service the crews an event no longer has (canceled,
 * new dates, crew no longer required, or an answer that came too late), and
 * records each release (CrewReleased).
 *
 * Enqueued by the event trigger in the same transaction as the change; runs
 * in the named queue `crew`, so it goes before an assignment asked for after
 * it. A crew stays booked at the crew service until released, so a failing
 * release is retried with backoff for as long as it takes (capped at
 * CREW_RETRY_MAX_MS between attempts; logged as an error after
 * CREW_ASSIGN_ATTEMPTS). Idempotent: ReleaseCrew may be repeated, and
 * record_crew_released records each assignment once.
 */
import type { Task } from "graphile-worker";
import { retryDelayMs } from "../src/crew/config.ts";
import { crewClient, crewConfig, isGrpcError, readPayload, retryLater } from "../src/crew/jobs.ts";

const task: Task = async (raw, helpers) => {
  const payload = readPayload(raw);
  const settings = crewConfig();
  const { rows } = await helpers.query<{ assignment_id: string; crew_id: string }>(
    "select * from app_hidden.crew_releases_due($1)",
    [payload.eventId],
  );
  if (rows.length === 0) return;

  const { address } = settings;
  if (!address) {
    helpers.logger.info(`crew assignment off (no CREW_SERVICE_ADDRESS): release for event ${payload.eventId} waits`);
    await retryLater(helpers, "release_crew", payload, payload.attempt, settings.retryMaxMs);
    return;
  }

  try {
    for (const row of rows) {
      await crewClient({ ...settings, address }).releaseCrew(
        { eventId: payload.eventId, crewId: row.crew_id },
        { onBehalfOf: payload.requestedBy },
      );
      await helpers.query("select app_hidden.record_crew_released($1)", [row.assignment_id]);
      helpers.logger.info(`crew ${row.crew_id} released from event ${payload.eventId}`);
    }
  } catch (error) {
    if (!isGrpcError(error)) throw error;
    const delay = retryDelayMs(settings, payload.attempt + 1);
    const message = `crew release for event ${payload.eventId} failed (attempt ${payload.attempt}): ${error.message}; again in ${delay} ms`;
    if (payload.attempt >= settings.assignAttempts) helpers.logger.error(message);
    else helpers.logger.warn(message);
    await retryLater(helpers, "release_crew", payload, payload.attempt + 1, delay);
  }
};

export default task;
