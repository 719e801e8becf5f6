/*
 * Database helpers for tests: every test body runs in a transaction that is
 * rolled back, so tests leave nothing behind and can run side by side.
 *
 *   await withRootTx(async (tx) => { ...; await becomeUser(tx, { sub, roles }); ... })
 *
 * becomeUser / becomeAnonymous switch role and claims exactly as the API does
 * (claimsToPgSettings), so RLS and the SQL functions see what they see in
 * production.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { claimsToPgSettings, type Claims, type Role } from "../../src/auth/claims.ts";
import { withLogin } from "../../src/db/authenticator.ts";
import { roles } from "../../src/db/roles.ts";

/**
 * The API's connection to `databaseUrl` (default: the test database): the
 * aquastream_authenticator login, as the service uses it (never the owner).
 */
export function apiDatabaseUrl(databaseUrl: string = inject("databaseUrl")): string {
  return withLogin(databaseUrl, roles.authenticator, inject("authenticatorPassword"));
}

let pool: pg.Pool | undefined;

export function testPool(): pg.Pool {
  if (!pool) {
    pool = new pg.Pool({ connectionString: inject("databaseUrl"), max: 20 });
    afterAll(async () => {
      await pool?.end();
      pool = undefined;
    });
  }
  return pool;
}

export type Tx = pg.PoolClient;

/** Runs `fn` as the database owner inside a transaction that is always rolled back. */
export async function withRootTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await testPool().connect();
  try {
    await client.query("begin");
    return await fn(client);
  } finally {
    await client.query("rollback").catch(() => {});
    client.release();
  }
}

/**
 * Runs `fn` in a transaction on a connection of `pool` and commits it (rolls
 * back if `fn` throws): for tests whose rows other connections (a relay, a
 * server, pg_dump) must see.
 */
export async function withCommittedTx<T>(pool: pg.Pool, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export interface TestUser {
  sub: string;
  roles: Role[];
}

export function newUser(...roles: Role[]): TestUser {
  return { sub: randomUUID(), roles: roles.length ? roles : ["user"] };
}

async function applySettings(tx: Tx, settings: Record<string, string>): Promise<void> {
  const { role, ...rest } = settings;
  await tx.query("reset role");
  for (const key of ["jwt.claims.sub", "jwt.claims.roles"]) {
    await tx.query("select set_config($1, '', true)", [key]);
  }
  for (const [key, value] of Object.entries(rest)) {
    await tx.query("select set_config($1, $2, true)", [key, value]);
  }
  await tx.query(`set local role ${pg.escapeIdentifier(role!)}`);
}

/** Switches the transaction to the member role with this user's claims. */
export async function becomeUser(tx: Tx, user: TestUser): Promise<void> {
  const claims: Claims = { sub: user.sub, roles: user.roles, raw: {} };
  await applySettings(tx, claimsToPgSettings(claims));
}

export async function becomeAnonymous(tx: Tx): Promise<void> {
  await applySettings(tx, claimsToPgSettings(null));
}

/** Back to the owner (to inspect app_private, fix up dates, …). */
export async function becomeRoot(tx: Tx): Promise<void> {
  await tx.query("reset role");
}

/**
 * Runs a query expected to fail and returns the PostgreSQL error, inside a
 * savepoint so the surrounding test transaction stays usable.
 */
export async function expectPgError(
  tx: Tx,
  sql: string,
  params: unknown[] = [],
): Promise<{ code: string; message: string; constraint?: string }> {
  await tx.query("savepoint expect_error");
  try {
    await tx.query(sql, params);
  } catch (error) {
    await tx.query("rollback to savepoint expect_error");
    const e = error as pg.DatabaseError;
    return { code: e.code ?? "", message: e.message, constraint: e.constraint };
  }
  await tx.query("release savepoint expect_error");
  throw new Error(`expected an error from: ${sql}`);
}
