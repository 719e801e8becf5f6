/*
 * The two baselines every scenario is compared with, measured in every round
 * beside the scenarios (issue #21): the single hot row, which is what all
 * bookings of one event contend on, and the same update spread over 200 rows,
 * what bookings spread over 200 events can at best do. Plain pgbench, the
 * statement autocommitted.
 */
import type { BenchContext, Measurement } from "./scenario.ts";

export const HOT_ROW = "UPDATE bench.hot SET n = n + 1 WHERE id = 1;\n";
export const SPREAD = "\\set id random(1, 200)\nUPDATE bench.hot SET n = n + 1 WHERE id = :id;\n";

export async function setupBaselines(ctx: BenchContext): Promise<void> {
  await ctx.pool.query("create schema if not exists bench");
  await ctx.pool.query("drop table if exists bench.hot");
  await ctx.pool.query("create table bench.hot (id int primary key, n bigint not null default 0)");
  await ctx.pool.query("insert into bench.hot (id) select g from generate_series(1, 200) g");
}

export function hotRow(ctx: BenchContext, clients: number): Promise<Measurement> {
  return ctx.pgbench.run(HOT_ROW, clients, ctx.seconds);
}

export function spreadUpdate(ctx: BenchContext, clients: number): Promise<Measurement> {
  return ctx.pgbench.run(SPREAD, clients, ctx.seconds);
}
