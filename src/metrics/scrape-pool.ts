/*
 * The one-connection pool a set of database-read metrics queries on when
 * Prometheus scrapes. Short connect and statement timeouts: a slow database
 * makes a scrape miss (or repeat) those series instead of hanging it, and the
 * scrape never takes a connection from the pools that serve requests or jobs.
 */
import pg from "pg";
import { logger } from "../log/logger.ts";
import { observePool } from "./pools.ts";

const SCRAPE_TIMEOUT_MS = 2_000;

/** A pool named `name` (application_name aquastream-event:<name>, pool metrics under that name). */
export function scrapePool(connectionString: string, name: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: 1,
    application_name: `aquastream-event:${name}`,
    connectionTimeoutMillis: SCRAPE_TIMEOUT_MS,
    statement_timeout: SCRAPE_TIMEOUT_MS,
    idleTimeoutMillis: 60_000,
  });
  pool.on("error", (err) => logger.warn({ pool: name, err: err.message }, "idle database connection lost"));
  observePool(name, pool);
  return pool;
}
