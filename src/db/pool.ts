/*
 * pg pools. One per connection string per process: the API's pool (role
 * switched per transaction) and the owner's pool (worker, readiness).
 */
import pg from "pg";
import { logger } from "../log/logger.ts";

export function createPool(connectionString: string, max: number, name: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: `aquastream-event:${name}`,
    // Fail fast instead of hanging when the database is unreachable.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process.
  pool.on("error", (err) => logger.warn({ pool: name, err: err.message }, "idle database connection lost"));
  // A checked-out client whose server goes away emits 'error' too; its query
  // fails and the caller sees that, so the event itself only needs logging.
  pool.on("connect", (client) => {
    client.on("error", (err) => logger.warn({ pool: name, err: err.message }, "database connection lost"));
  });
  return pool;
}
