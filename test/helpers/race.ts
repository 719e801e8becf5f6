/*
 * Helpers for race tests: each call is its own committed transaction on its
 * own pooled connection, so Promise.all over many calls really runs them at
 * once against PostgreSQL. Refusals come back as outcomes, not throws, so a
 * test can count them by error code.
 */
import pg from "pg";
import { afterAll, inject } from "vitest";
import type { Row } from "../db/factories.ts";
import { becomeUser, type TestUser } from "./db.ts";

export type Outcome = { ok: true; rows: Row[] } | { ok: false; code: string; message: string };

export interface Racer {
  pool: pg.Pool;
  /** One committed transaction as `user` (null: the owner without claims, like the worker). */
  call(user: TestUser | null, sql: string, params?: unknown[]): Promise<Outcome>;
  /** Like call, but a refusal fails the test. */
  must(user: TestUser | null, sql: string, params?: unknown[]): Promise<Row[]>;
  /** The first row of a query as the owner, outside any transaction. */
  one(sql: string, params?: unknown[]): Promise<Row>;
}

/**
 * A pool of `connections` for this file (closed after it) and the calls over
 * it; on the test database, or on `databaseUrl()` (a database of the file's
 * own, known only once beforeAll made it).
 */
export function racer(connections: number, databaseUrl?: () => string): Racer {
  let own: pg.Pool | undefined;
  const shared = databaseUrl ? undefined : new pg.Pool({ connectionString: inject("databaseUrl"), max: connections });
  const poolOf = () => (shared ?? (own ??= new pg.Pool({ connectionString: databaseUrl!(), max: connections })));
  afterAll(() => (shared ?? own)?.end());

  async function call(user: TestUser | null, sql: string, params: unknown[] = []): Promise<Outcome> {
    const client = await poolOf().connect();
    try {
      await client.query("begin");
      if (user) await becomeUser(client, user);
      const { rows } = await client.query(sql, params);
      await client.query("commit");
      return { ok: true, rows };
    } catch (error) {
      await client.query("rollback").catch(() => {});
      const e = error as pg.DatabaseError;
      return { ok: false, code: e.code ?? "", message: e.message };
    } finally {
      client.release();
    }
  }

  async function must(user: TestUser | null, sql: string, params: unknown[] = []): Promise<Row[]> {
    const outcome = await call(user, sql, params);
    if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.message}`);
    return outcome.rows;
  }

  async function one(sql: string, params: unknown[] = []): Promise<Row> {
    return (await poolOf().query(sql, params)).rows[0]!;
  }

  return {
    get pool() {
      return poolOf();
    },
    call,
    must,
    one,
  };
}

/** How many outcomes succeeded ("ok") and how many failed with each code. */
export function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.ok ? "ok" : o.code;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
