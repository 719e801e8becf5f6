/*
 * Work of one statement in shared buffers, for the tests that check a call's
 * work does not grow with rows that are not its own (hot_path_scaling and
 * its siblings in test/db/app_public/*_scaling.test.ts).
 *
 * EXPLAIN (ANALYZE, BUFFERS) counts the buffers of the statements nested in
 * the function it runs in its top node, and the figure does not depend on the
 * machine's load (unlike a time). A pass runs every call once in a
 * transaction that is rolled back; measure() takes each call's least figure
 * over passes 6 to 8 of a fresh session (generic plans by then, warm caches).
 */
import type pg from "pg";
import { expect } from "vitest";

/**
 * What a call may read more on the grown database: B-tree depth grows by a
 * level per index on the way from 0 to tens of thousands of rows, so each
 * index a call descends (to read or to insert) costs a buffer more; a call
 * that writes several rows through many indexes (accept_offer: a booking,
 * an entry, two outbox and two audit rows, some 30 index descents) grows by
 * about a third. A scan of a grown table is hundreds.
 */
export function allowedGrowth(small: number): number {
  return 40 + Math.ceil(small / 3);
}

export type Buffers<Step extends string> = Record<Step, number>;

/** Shared buffers (hit + read) of one statement, nested function statements included. */
export async function explainBuffers(client: pg.ClientBase, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await client.query(`explain (analyze, buffers, format json) ${sql}`, params);
  const plan = rows[0]["QUERY PLAN"][0].Plan;
  return plan["Shared Hit Blocks"] + plan["Shared Read Blocks"];
}

/**
 * A fresh session of `pool` (no cached plans), warmed by five passes; then
 * each call's least figure over three more passes. The least, because a
 * session whose catalog caches were reset meanwhile (the shared invalidation
 * queue overflows when other databases of the server run migrations) reads
 * the catalog again inside whatever call comes next: hundreds of buffers
 * that are not the call's work. A plan that reads a table reads it in every
 * pass.
 */
export async function measure<Step extends string>(
  pool: pg.Pool,
  onePass: (client: pg.PoolClient) => Promise<Buffers<Step>>,
): Promise<Buffers<Step>> {
  const client = await pool.connect();
  try {
    // Five passes first: PL/pgSQL caches a statement's plan and, from its
    // sixth execution in a session, may keep a generic one (planned without
    // the argument's value), as in the API's and worker's long-lived sessions.
    for (let i = 0; i < 5; i++) await onePass(client);
    const passes = [await onePass(client), await onePass(client), await onePass(client)];
    const least = { ...passes[0]! };
    for (const pass of passes.slice(1)) {
      for (const step of Object.keys(least) as Step[]) least[step] = Math.min(least[step], pass[step]);
    }
    return least;
  } finally {
    client.release(true);
  }
}

/**
 * Every call within allowedGrowth of its figure on the small database (the
 * failure lists the calls that grew). `exempt`: calls known to need planner
 * statistics, left out of the never-analyzed check only (say why at the call).
 */
export function expectNoGrowth<Step extends string>(before: Buffers<Step>, after: Buffers<Step>, exempt: readonly Step[] = []): void {
  const grown = (Object.keys(before) as Step[])
    .filter((step) => !exempt.includes(step))
    .filter((step) => after[step] > before[step] + allowedGrowth(before[step]))
    .map((step) => `${step}: ${before[step]} -> ${after[step]} buffers`);
  expect(grown).toEqual([]);
}

/** Whether the planner has not been told about the rows added (reltuples still small): the never-analyzed case. */
export async function expectNeverAnalyzed(pool: pg.Pool, tables: string[]): Promise<void> {
  const { rows } = await pool.query<{ relname: string; reltuples: number }>(
    "select c.oid::regclass::text as relname, c.reltuples from pg_class c where c.oid = any($1::regclass[])",
    [tables],
  );
  expect(rows.filter((r) => r.reltuples >= 1000).map((r) => r.relname)).toEqual([]);
}
