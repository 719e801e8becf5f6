/*
 * Acting as a caller the way the API does: one statement sets the role and
 * the claims for the transaction (src/auth/claims.ts), then one call to the
 * use case's SQL function.
 */
import type pg from "pg";
import { claimsToPgSettings } from "../src/auth/claims.ts";
import type { Role } from "../src/auth/claims.ts";

export async function inTransactionAs<T>(
  client: pg.PoolClient,
  sub: string,
  roles: Role[],
  sql: string,
  params: unknown[],
): Promise<T> {
  const settings = claimsToPgSettings({ sub, roles, raw: {} });
  const keys = Object.keys(settings);
  await client.query("begin");
  try {
    await client.query(
      `select ${keys.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(", ")}`,
      keys.flatMap((k) => [k, settings[k]]),
    );
    const { rows } = await client.query(sql, params);
    await client.query("commit");
    return rows[0] as T;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  }
}
