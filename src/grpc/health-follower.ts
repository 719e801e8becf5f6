/*
 * gRPC health follows the database, as /readyz does: a load balancer or
 * `grpc_health_probe` asking the standard health service during a database
 * outage hears NOT_SERVING (and Watch streams are told at once), SERVING
 * again once the readiness check passes. The check (src/http/readiness.ts:
 * the database answers through the API's pool, the migrations are applied)
 * runs every `intervalMs`, never two at a time; once the server is closing
 * the status stays NOT_SERVING.
 */
import type { HealthImplementation } from "grpc-health-check";
import { logger } from "../log/logger.ts";
import type { Readiness } from "../http/readiness.ts";

/** The overall status ("") and the service's own name, both answered by the health service. */
export const HEALTH_SERVICES = ["", "aquastream.event.v1.EventService"] as const;

export interface HealthFollower {
  /** Runs one check now (tests, start-up) and sets the status from it. */
  checkNow(): Promise<boolean>;
  /** Stops following and leaves the status NOT_SERVING (shutdown). */
  stop(): void;
}

export function followReadiness(
  health: HealthImplementation,
  check: () => Promise<Readiness>,
  intervalMs = 2_000,
): HealthFollower {
  let stopped = false;
  let running: Promise<boolean> | undefined;
  // The server starts SERVING (it is only started once the API is up).
  let serving: boolean | undefined = true;
  const set = (ok: boolean) => {
    // Only changes: every setStatus is sent to every Watch stream.
    if (stopped || serving === ok) return;
    if (serving !== undefined || !ok) logger.warn(ok ? "gRPC health SERVING again" : "gRPC health NOT_SERVING: not ready");
    serving = ok;
    for (const service of HEALTH_SERVICES) health.setStatus(service, ok ? "SERVING" : "NOT_SERVING");
  };
  const checkNow = () =>
    (running ??= check()
      .then((result) => result.ready)
      .catch(() => false)
      .then((ok) => {
        set(ok);
        return ok;
      })
      .finally(() => {
        running = undefined;
      }));
  const timer = setInterval(() => void checkNow(), intervalMs);
  timer.unref();
  return {
    checkNow,
    stop() {
      clearInterval(timer);
      stopped = true;
      for (const service of HEALTH_SERVICES) health.setStatus(service, "NOT_SERVING");
    },
  };
}
