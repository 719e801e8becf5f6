/*
 * Connection pool gauges, read from the pg.Pool counters at scrape time.
 * createPool() registers every pool under its name (api, worker, readiness…).
 */
import type pg from "pg";
import client from "prom-client";
import { registry } from "./registry.ts";

const pools = new Map<string, pg.Pool>();

/** Reports this pool's connections on /metrics until it ends. */
export function observePool(name: string, pool: pg.Pool): void {
  pools.set(name, pool);
}

/** The pools still open (an ended pool drops out, so tests' pools come and go). */
function openPools(): [string, pg.Pool][] {
  for (const [name, pool] of pools) if (pool.ending || pool.ended) pools.delete(name);
  return [...pools];
}

new client.Gauge({
  name: "aquastream_db_pool_connections",
  help: "Database connections of a pool by state: in_use (checked out), idle.",
  labelNames: ["pool", "state"] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [name, pool] of openPools()) {
      this.set({ pool: name, state: "in_use" }, pool.totalCount - pool.idleCount);
      this.set({ pool: name, state: "idle" }, pool.idleCount);
    }
  },
});

new client.Gauge({
  name: "aquastream_db_pool_waiting",
  help: "Callers waiting for a connection of a pool (the pool is exhausted when this stays above 0).",
  labelNames: ["pool"] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [name, pool] of openPools()) this.set({ pool: name }, pool.waitingCount);
  },
});

new client.Gauge({
  name: "aquastream_db_pool_max",
  help: "Configured size of a pool.",
  labelNames: ["pool"] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [name, pool] of openPools()) this.set({ pool: name }, pool.options.max ?? 10);
  },
});
