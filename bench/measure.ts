/*
 * Measuring helpers: run N operations with C at a time on a pool, record
 * each one's latency, and summarise (ops/s and percentiles).
 */
import type pg from "pg";

export interface Result {
  scenario: string;
  ops: number;
  failed: number;
  seconds: number;
  opsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  note?: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Runs op(i) for i in 0..ops-1, `concurrency` at a time, each on its own
 * pooled connection. A failing op is counted (and its error kept for the
 * caller to judge), not retried.
 */
export async function run(
  scenario: string,
  pool: pg.Pool,
  ops: number,
  concurrency: number,
  op: (client: pg.PoolClient, i: number) => Promise<void>,
): Promise<Result & { errors: unknown[] }> {
  const latencies: number[] = [];
  const errors: unknown[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const client = await pool.connect();
      try {
        for (let i = next++; i < ops; i = next++) {
          const t = performance.now();
          try {
            await op(client, i);
          } catch (error) {
            errors.push(error);
            await client.query("rollback").catch(() => {});
          }
          latencies.push(performance.now() - t);
        }
      } finally {
        client.release();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    scenario,
    ops,
    failed: errors.length,
    seconds,
    opsPerSecond: ops / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors,
  };
}

export function printTable(results: Result[]): void {
  const rows = results.map((r) => ({
    scenario: r.scenario,
    ops: r.ops,
    failed: r.failed,
    "ops/s": r.opsPerSecond.toFixed(0),
    "p50 ms": r.p50.toFixed(2),
    "p95 ms": r.p95.toFixed(2),
    "p99 ms": r.p99.toFixed(2),
    note: r.note ?? "",
  }));
  console.table(rows);
}
