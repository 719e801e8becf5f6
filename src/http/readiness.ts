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
 * @param pool the API's pool (the authenticator): is the database reachable
 *             for requests, and are the migrations applied (read through
 *             app_private.applied_migrations(), so no owner connection is needed)?
 * @param ownerPool TEMPORARY, until 260-hardening.sql is committed: `npm start`
 *             migrates committed files only, so the function is not there yet.
 */
export function makeReadinessCheck(pool: pg.Pool, cacheMs = 5_000, ownerPool?: pg.Pool) {
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
        const pending = await (ownerPool ? pendingMigrations(ownerPool) : pendingMigrations(pool, { asApi: true }));
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
