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
 * @param ownerPool only for a schema older than that function (see
 *             apiReadsMigrations): an owner connection that may read the table.
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

/**
 * Whether the API's own login may read the applied migrations
 * (app_private.applied_migrations(), 260-hardening). Only a schema older than
 * that function needs an owner connection for readiness (main.ts then opens
 * one and says so); once the migration is applied the API holds none.
 */
export async function apiReadsMigrations(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ ok: boolean }>(
    `select coalesce(has_function_privilege(to_regprocedure('app_private.applied_migrations()'), 'execute'), false) as ok`,
  );
  return rows[0]?.ok === true;
}
