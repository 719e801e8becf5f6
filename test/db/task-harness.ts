/*
 * Runs worker tasks (tasks/*.ts) inside a rolled-back test transaction: the
 * task tests all need the same stand-in for graphile-worker's JobHelpers (its
 * query bound to the test transaction, its log lines collected) and check
 * their schedule in tasks/crontab the same way.
 */
import { readFileSync } from "node:fs";
import { parseCrontab, type JobHelpers } from "graphile-worker";
import type pg from "pg";
import { expect } from "vitest";
import { taskList } from "../../tasks/index.ts";
import type { Tx } from "../helpers/db.ts";

/** JobHelpers whose query runs in `tx` (a test transaction, or a pool for tasks that need committed rows) and whose logger.info appends to `log`. */
export function helpersFor(tx: Pick<Tx, "query"> | pg.Pool, log: string[]): JobHelpers {
  return {
    query: (sql: string, params?: unknown[]) => tx.query(sql, params),
    logger: { info: (message: string) => log.push(message) },
  } as unknown as JobHelpers;
}

/** The task is in tasks/crontab for every minute of any hour, and in the task list. */
export function expectScheduledEveryMinute(task: string): void {
  const item = parseCrontab(readFileSync("tasks/crontab", "utf8")).find((i) => i.task === task);
  expect(item).toBeDefined();
  expect([0, 1, 17, 59].every((min) => item!.match({ min, hour: 3, date: 5, month: 6, dow: 2 }))).toBe(true);
  expect(taskList[task]).toBeTypeOf("function");
}
