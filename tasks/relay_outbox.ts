/*
 * Sends waiting outbox rows to Kafka (src/outbox/relay.ts does the work).
 *
 * Enqueued by the trigger on app_private.outbox in the inserting transaction
 * (so it runs right after the commit) and by the minute sweep in the crontab.
 * Relay jobs share the named queue `relay_outbox`, so they run one at a time.
 *
 * Kafka down: relayOutbox throws, this task throws, and graphile-worker
 * retries the job with backoff (the sweep caps it at a minute). With no
 * KAFKA_BROKERS the relay is off: the task returns and the rows wait.
 */
import type { Task } from "graphile-worker";
import { ConfigError } from "../src/config/env.ts";
import { loadOutboxConfig, type OutboxConfig } from "../src/outbox/config.ts";
import { relayOutbox } from "../src/outbox/relay.ts";

let config: OutboxConfig | undefined;

/** The relay's settings, read once per process (tests may set them first). */
export function relayConfig(): OutboxConfig {
  config ??= loadOutboxConfig();
  return config;
}

/** For tests: use these settings instead of the environment's. */
export function setRelayConfig(next: OutboxConfig | undefined): void {
  config = next;
}

const JOB_SPEC = { queueName: "relay_outbox", jobKey: "relay_outbox", jobKeyMode: "preserve_run_at" } as const;

const task: Task = async (_payload, helpers) => {
  let settings: OutboxConfig;
  try {
    settings = relayConfig();
  } catch (error) {
    if (error instanceof ConfigError) helpers.logger.error(`outbox relay misconfigured: ${error.message}`);
    throw error;
  }
  if (settings.brokers.length === 0) return; // relay off: rows wait in the outbox

  let result;
  try {
    result = await helpers.withPgClient((client) => relayOutbox(client, settings));
  } catch (error) {
    // When rows were inserted while this job ran, graphile-worker already
    // added a newer relay job (and marked this one as out of attempts): let
    // that one do the retrying instead of leaving a permanently failed job.
    const { rows } = await helpers.query<{ key: string | null }>(
      "select key from graphile_worker.jobs where id = $1",
      [helpers.job.id],
    );
    if (helpers.job.key && rows[0] && rows[0].key === null) {
      helpers.logger.warn(`outbox relay failed; a newer relay job will retry: ${(error as Error).message}`);
      return;
    }
    throw error;
  }
  if (result.published > 0 || result.parked > 0) {
    helpers.logger.info(`outbox relay: ${result.published} published, ${result.parked} parked`);
  }
  if (result.busy || result.more) {
    // Busy: another relay (outside the job queue) holds the lock; more: this
    // run hit its batch limit. Either way, come back soon.
    await helpers.addJob("relay_outbox", {}, { ...JOB_SPEC, runAt: new Date(Date.now() + (result.busy ? 2_000 : 0)) });
  }
};

export default task;
