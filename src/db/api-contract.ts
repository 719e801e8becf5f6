/*
 * The database contract of a release: what the previous release's code calls
 * in the database, so a migration that breaks it is caught before a rolling
 * update runs old pods against the new schema (docs/upgrades.md).
 *
 * Old API pods call app_public functions by name with named arguments
 * (PostGraphile and the gRPC handlers) and read app_public columns; old
 * workers call app_hidden functions. A release keeps working against a newer
 * database when every function it knew still answers the same call (same
 * name, the same arguments by name and type — calls are by name — any new
 * ones with defaults, same result type) and every column it knew is still
 * there with its type.
 */
import type pg from "pg";

export interface DbContract {
  functions: Record<string, { args: { name: string; type: string }[]; returns: string }>;
  columns: Record<string, string>;
}

/**
 * app_public functions and columns of the connected database, and the
 * app_hidden functions named in `hiddenCalled` (those the TypeScript code
 * calls; the rest are internal and free to change).
 */
export async function readDbContract(client: pg.ClientBase, hiddenCalled: string[]): Promise<DbContract> {
  const { rows: fns } = await client.query<{ key: string; args: { name: string; type: string }[]; returns: string }>(`
    select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as key,
           coalesce((select json_agg(json_build_object('name', a.name, 'type', format_type(a.type, null)) order by a.ord)
                     from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]),
                                 coalesce(p.proargmodes, array_fill('i'::"char", array[p.pronargs::int])),
                                 coalesce(p.proargnames, array_fill(''::text, array[coalesce(cardinality(p.proallargtypes), p.pronargs::int)])))
                          with ordinality as a(type, mode, name, ord)
                     where a.mode in ('i', 'b', 'v')), '[]') as args,
           case when p.proretset then 'setof ' else '' end || format_type(p.prorettype, null) as returns
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where (n.nspname = 'app_public' or (n.nspname = 'app_hidden' and p.proname = any($1::text[])))
      and p.prokind = 'f'
      and not exists (select from pg_depend d where d.objid = p.oid and d.deptype = 'e')
    order by 1`, [hiddenCalled]);
  const { rows: cols } = await client.query<{ key: string; type: string }>(`
    select c.relname || '.' || a.attname as key, format_type(a.atttypid, a.atttypmod) as type
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'app_public' and c.relkind in ('r', 'v', 'm', 'p') and a.attnum > 0 and not a.attisdropped
    order by 1`);
  return {
    functions: Object.fromEntries(fns.map((f) => [f.key, { args: f.args, returns: f.returns }])),
    columns: Object.fromEntries(cols.map((c) => [c.key, c.type])),
  };
}

/** How many trailing arguments of each function have defaults, by the same keys. */
export async function readArgDefaults(client: pg.ClientBase): Promise<Record<string, number>> {
  const { rows } = await client.query<{ key: string; n: number }>(`
    select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as key,
           p.pronargdefaults::int as n
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('app_public', 'app_hidden') and p.prokind = 'f'`);
  return Object.fromEntries(rows.map((r) => [r.key, r.n]));
}

/** The app_hidden functions the code under `dirs` calls (a release's worker and API). */
export function hiddenFunctionsCalled(sources: string[]): string[] {
  const names = new Set<string>();
  for (const text of sources) for (const m of text.matchAll(/app_hidden\.([a-z_0-9]+)/g)) names.add(m[1]!);
  return [...names].sort();
}

/** One line per function and per column, so a release's diff reads well in review. */
export function serializeContract(contract: DbContract): string {
  const fns = Object.entries(contract.functions).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  const cols = Object.entries(contract.columns).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n  "functions": {\n${fns.join(",\n")}\n  },\n  "columns": {\n${cols.join(",\n")}\n  }\n}\n`;
}

const nameOf = (key: string) => key.slice(0, key.indexOf("("));

type Arg = { name: string; type: string };

/**
 * Whether a function with arguments `now` (the last `withDefaults` of them
 * defaulted) answers every call the old code made to one with `old`. Both
 * PostGraphile and our gRPC handlers call by name (`arg := value` /
 * `arg => value`), so order does not matter, except for a computed column's
 * row, which comes first; an argument the old code never sent needs a default.
 */
function answersOldCall(old: Arg[], now: Arg[], withDefaults: number): boolean {
  const sameAs = (a: Arg) => (b: Arg | undefined) => b !== undefined && b.name === a.name && b.type === a.type;
  const positional = old.filter((a, i) => a.name === "" || (i === 0 && a.type.startsWith("app_public.")));
  if (!positional.every((a) => sameAs(a)(now[old.indexOf(a)]))) return false;
  if (!old.every((a) => now.some(sameAs(a)))) return false;
  const firstDefaulted = now.length - withDefaults;
  return now.every((b, i) => i >= firstDefaulted || old.some((a) => sameAs(a)(b)));
}

/**
 * What in `released` the `current` database no longer answers, one sentence
 * each (empty: compatible). `defaults` is readArgDefaults of the current database.
 */
export function breakingChanges(released: DbContract, current: DbContract, defaults: Record<string, number>): string[] {
  const problems: string[] = [];
  for (const [key, old] of Object.entries(released.functions)) {
    if (current.functions[key]?.returns === old.returns) continue;
    const compatible = Object.entries(current.functions).some(
      ([newKey, now]) => nameOf(newKey) === nameOf(key) && now.returns === old.returns && answersOldCall(old.args, now.args, defaults[newKey] ?? 0),
    );
    if (!compatible) problems.push(`function ${key} returning ${old.returns} is gone or answers differently`);
  }
  for (const [key, type] of Object.entries(released.columns)) {
    if (!(key in current.columns)) problems.push(`column ${key} (${type}) is gone`);
    else if (current.columns[key] !== type) problems.push(`column ${key} changed type from ${type} to ${current.columns[key]}`);
  }
  return problems;
}
