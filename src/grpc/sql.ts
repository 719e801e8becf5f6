/*
 * Calling an app_public function from a handler with named arguments. An
 * argument left undefined is not passed at all, so the function's own SQL
 * default applies (e.g. create_booking's quantity = 1): defaults live in SQL,
 * never copied here. Ids are checked to be uuids before the call so the
 * caller hears which field is malformed (a wire-format check, not a rule).
 */
import type { QueryResultRow } from "pg";
import type { Tx } from "./call.ts";
import { InvalidArgument } from "./status.ts";
import { nextPageToken, readPage } from "./convert.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The value if it is a uuid; INVALID_ARGUMENT naming the field otherwise. */
export function uuid(value: string, field: string): string {
  if (!UUID.test(value)) {
    throw new InvalidArgument(value === "" ? `${field} is required` : `${field} must be a uuid, got "${value}"`, field);
  }
  return value;
}

/** An optional uuid: undefined stays undefined (not passed). */
export function optionalUuid(value: string | undefined, field: string): string | undefined {
  return value === undefined ? undefined : uuid(value, field);
}

/** A named argument: its value and the SQL type to cast the parameter to. */
export type Arg = [value: unknown, type: string] | undefined;

/** `name => $1::type, …` for the defined arguments, numbered from 1, with their values. */
export function namedArgs(args: Record<string, Arg>): { sql: string; values: unknown[] } {
  const names: string[] = [];
  const values: unknown[] = [];
  for (const [name, arg] of Object.entries(args)) {
    if (arg === undefined || arg[0] === undefined) continue;
    values.push(arg[0]);
    names.push(`${name} => $${values.length}::${arg[1]}`);
  }
  return { sql: names.join(", "), values };
}

/**
 * `select <columns> from app_public.<fn>(name => $1::type, …) r` with the
 * defined arguments; returns the rows (a function returning one composite
 * gives one row). `columns` may add computed columns of `r`.
 */
export async function callFunction<Row extends QueryResultRow>(
  tx: Tx,
  fn: string,
  args: Record<string, Arg>,
  columns = "r.*",
): Promise<Row[]> {
  const { sql, values } = namedArgs(args);
  const { rows } = await tx.query<Row>(`select ${columns} from app_public.${fn}(${sql}) r`, values);
  return rows;
}

/**
 * One page of a list query: `sql` ends with `limit $n offset $n+1`, the two
 * parameters this adds after `params`. Fetches one row more than the page to
 * know whether a next page exists.
 */
export async function queryPage<Row extends QueryResultRow>(
  tx: Tx,
  request: { pageSize: number; pageToken: string },
  sql: string,
  params: unknown[],
): Promise<{ rows: Row[]; nextPageToken: string }> {
  const page = readPage(request.pageSize, request.pageToken);
  const { rows } = await tx.query<Row>(sql, [...params, page.limit + 1, page.offset]);
  return { rows: rows.slice(0, page.limit), nextPageToken: nextPageToken(page, rows.length) };
}
