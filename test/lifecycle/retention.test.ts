/*
 * Retention: the daily apply_retention task (tasks/apply_retention.ts →
 * app_hidden.apply_retention) with the settings of app_private.setting. Run
 * with the task helpers' query bound to a rolled-back test transaction (the
 * partition DDL is transactional too, so nothing is left behind).
 */
import { readFileSync } from "node:fs";
import { parseCrontab } from "graphile-worker";
import { describe, expect, it } from "vitest";
import { taskList } from "../../tasks/index.ts";
import { bookedEvent, rootQuery } from "../db/factories.ts";
import { becomeRoot, becomeUser, withRootTx, type Tx } from "../helpers/db.ts";
import { helpersFor } from "../db/task-harness.ts";

async function runRetention(tx: Tx): Promise<Record<string, any>> {
  await becomeRoot(tx);
  const log: string[] = [];
  await taskList.apply_retention!({}, helpersFor(tx, log));
  expect(log).toHaveLength(1);
  return JSON.parse(log[0]!.replace(/^retention: /, ""));
}

const monthName = async (tx: Tx, shift: string) =>
  (await rootQuery(tx, `select 'audit_log_' || to_char(now() + $1::interval, 'YYYY_MM') as name`, [shift]))[0]!.name as string;

describe("apply_retention", () => {
  it("is scheduled daily and in the task list", () => {
    const item = parseCrontab(readFileSync("tasks/crontab", "utf8")).find((i) => i.task === "apply_retention");
    expect(item).toBeDefined();
    expect(item!.match({ min: 45, hour: 3, date: 5, month: 6, dow: 2 })).toBe(true);
    expect(item!.match({ min: 45, hour: 4, date: 5, month: 6, dow: 2 })).toBe(false);
    expect(taskList.apply_retention).toBeTypeOf("function");
  });

  it("moves audit months older than retention_audit_months to app_archive and keeps the rest", async () => {
    await withRootTx(async (tx) => {
      const old = await monthName(tx, "-30 months");
      await rootQuery(tx, "select app_hidden.ensure_audit_partition((now() - interval '30 months')::date)");
      await rootQuery(
        tx,
        `insert into app_private.audit_log (occurred_at, action, table_name, row_id)
         values (now() - interval '30 months', 'event.publish', 'event', 'old'), (now(), 'event.publish', 'event', 'new')`,
      );
      const result = await runRetention(tx);
      expect(result.auditMonthsMoved).toContain(old);
      expect(await rootQuery(tx, "select row_id from app_private.audit_log where row_id in ('old', 'new')")).toEqual([{ row_id: "new" }]);
      expect(await rootQuery(tx, `select row_id from app_archive.${old}`)).toEqual([{ row_id: "old" }]);
      // Run again: nothing more to move; the month stays archived.
      expect((await runRetention(tx)).auditMonthsMoved).toEqual([]);
    });
  });

  it("keeps partitions a year ahead, and a month that landed in the default partition gets its own", async () => {
    await withRootTx(async (tx) => {
      await runRetention(tx);
      const ahead = await monthName(tx, "12 months");
      expect(await rootQuery(tx, "select to_regclass($1) is not null as exists", [`app_private.${ahead}`])).toEqual([{ exists: true }]);

      const far = await monthName(tx, "20 months");
      await rootQuery(tx, "insert into app_private.audit_log (occurred_at, action, table_name, row_id) values (now() + interval '20 months', 'event.publish', 'event', 'stray')");
      expect(await rootQuery(tx, "select tableoid::regclass::text as part from app_private.audit_log where row_id = 'stray'")).toEqual([
        { part: "app_private.audit_log_default" },
      ]);
      await rootQuery(tx, "select app_hidden.ensure_audit_partition((now() + interval '20 months')::date)");
      expect(await rootQuery(tx, "select tableoid::regclass::text as part from app_private.audit_log where row_id = 'stray'")).toEqual([
        { part: `app_private.${far}` },
      ]);
    });
  });

  it("deletes jobs that ran out of attempts long ago and rate-limit counters whose window is over", async () => {
    await withRootTx(async (tx) => {
      const jobs = await rootQuery(
        tx,
        `select (graphile_worker.add_job('expire_bookings', '{}', queue_name => q, max_attempts => 1)).id
           from unnest(array['retention-old', 'retention-recent']) q`,
      );
      await rootQuery(
        tx,
        `update graphile_worker._private_jobs set attempts = 1,
           updated_at = case when id = $1 then now() - interval '40 days' else now() end
         where id = any($2::bigint[])`,
        [jobs[0]!.id, jobs.map((j) => j.id)],
      );
      await rootQuery(
        tx,
        `insert into app_private.rate_limit_counter (key, points, expire) values
           ('retention-test-over', 3, (extract(epoch from now() - interval '1 minute') * 1000)::bigint),
           ('retention-test-live', 3, (extract(epoch from now() + interval '1 minute') * 1000)::bigint)`,
      );
      const result = await runRetention(tx);
      expect(result.failedJobsDeleted).toBeGreaterThanOrEqual(1);
      expect(await rootQuery(tx, "select id from graphile_worker._private_jobs where id = any($1::bigint[])", [jobs.map((j) => j.id)])).toEqual([
        { id: jobs[1]!.id },
      ]);
      expect(await rootQuery(tx, "select key from app_private.rate_limit_counter where key like 'retention-test-%'")).toEqual([
        { key: "retention-test-live" },
      ]);
    });
  });

  it("reduces the personal fields of bookings that ended longer ago than retention_booking_personal_days, totals unchanged", async () => {
    await withRootTx(async (tx) => {
      const oldOne = await bookedEvent(tx);
      await becomeUser(tx, oldOne.user);
      await tx.query("select app_public.cancel_booking($1, 'personal reason')", [oldOne.booking.id]);
      const recent = await bookedEvent(tx);
      await becomeUser(tx, recent.user);
      await tx.query("select app_public.cancel_booking($1, 'personal reason')", [recent.booking.id]);
      await rootQuery(tx, "update app_public.booking set canceled_at = now() - interval '800 days' where id = $1", [oldOne.booking.id]);
      const sum = async () => (await rootQuery(tx, "select sum(total_amount)::text as s, count(*)::int as n from app_public.booking"))[0];
      const before = await sum();

      const result = await runRetention(tx);
      expect(result.bookingsReduced).toBeGreaterThanOrEqual(1);
      const rows = await rootQuery(tx, "select id, user_id, cancel_reason, total_amount from app_public.booking where id = any($1)", [
        [oldOne.booking.id, recent.booking.id],
      ]);
      const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
      expect(byId[oldOne.booking.id]).toMatchObject({ cancel_reason: "[erased]", total_amount: oldOne.booking.total_amount });
      expect(byId[oldOne.booking.id]!.user_id).not.toBe(oldOne.user.sub);
      expect(await rootQuery(tx, "select reason from app_private.pseudonym where pseudonym = $1", [byId[oldOne.booking.id]!.user_id])).toEqual([
        { reason: "retention" },
      ]);
      expect(byId[recent.booking.id]).toMatchObject({ user_id: recent.user.sub, cancel_reason: "personal reason" });
      expect(await sum()).toEqual(before);
      // Idempotent: the reduced booking is not reduced again.
      await runRetention(tx);
      expect(await rootQuery(tx, "select user_id from app_public.booking where id = $1", [oldOne.booking.id])).toEqual([
        { user_id: byId[oldOne.booking.id]!.user_id },
      ]);
    });
  });
});
