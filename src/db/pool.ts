/*
 * pg pools. One per connection string per process: the API's pool (role
 * switched per transaction) and the owner's pool (worker, readiness).
 */
import pg from "pg";
import { logger } from "../log/logger.ts";
import { observePool } from "../metrics/pools.ts";

export function createPool(connectionString: string, max: number, name: string, queueTimeoutMs = 5_000): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: `aquastream-event:${name}`,
    // Fail fast instead of hanging when the database is unreachable or every
    // connection is taken (DATABASE_POOL_TIMEOUT_MS for the API's pool).
    connectionTimeoutMillis: queueTimeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process.
  pool.on("error", (err) => logger.warn({ pool: name, err: err.message }, "idle database connection lost"));
  // A checked-out client whose server goes away emits 'error' too; its query
  // fails and the caller sees that, so the event itself only needs logging.
  pool.on("connect", (client) => {
    client.on("error", (err) => logger.warn({ pool: name, err: err.message }, "database connection lost"));
  });
  observePool(name, pool);
  return pool;
}

/**
 * pg-pool's refusal when no connection came free (or could be opened) within
 * connectionTimeoutMillis: the transports answer it as "busy, retry shortly"
 * (GraphQL 503 + code LMBSY, gRPC UNAVAILABLE) instead of an internal error.
 */
export function isPoolTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === "timeout exceeded when trying to connect";
}
