/*
 * /readyz: the database answers and its schema is at the latest committed
 * migration (a replica started before the migration Job finished is not
 * ready). The migration check is cached briefly: probes come every few seconds.
 */
import type pg from "pg";
import { pendingMigrations } from "../db/migrations.ts";

export interface Readiness {
  ready: boolean;
  checks: { database: string; migrations: string };
}

/**
 * @param pool     the API's pool (is the database reachable for requests?)
 * @param ownerPool a connection allowed to read graphile_migrate's bookkeeping
 */
export function makeReadinessCheck(pool: pg.Pool, ownerPool: pg.Pool, cacheMs = 5_000) {
  let migrationsOkUntil = 0;
  return async function check(): Promise<Readiness> {
    const checks = { database: "ok", migrations: "ok" };
    try {
      await pool.query("select 1");
    } catch (error) {
      checks.database = `unreachable: ${(error as Error).message}`;
    }
    if (checks.database === "ok" && Date.now() >= migrationsOkUntil) {
      try {
        const pending = await pendingMigrations(ownerPool);
        if (pending.length) checks.migrations = `pending: ${pending.join(", ")}`;
        else migrationsOkUntil = Date.now() + cacheMs;
      } catch (error) {
        checks.migrations = `unknown: ${(error as Error).message}`;
      }
    } else if (checks.database !== "ok") {
      checks.migrations = "unknown";
    }
    return { ready: checks.database === "ok" && checks.migrations === "ok", checks };
  };
}
