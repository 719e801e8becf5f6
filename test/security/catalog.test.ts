/*
 * The catalog check: the least-privilege rules of issue #14, read from
 * PostgreSQL's catalogs of the migrated test database, so a new table, view
 * or function that breaks one fails CI (npm test, .ci/run) with what to fix.
 *
 * Application schemas: app_public (GraphQL, gRPC, psql), app_hidden (helpers
 * callable where granted), app_private (owner only), app_analytics (analysts).
 * Client roles: aquastream_anonymous, aquastream_member, aquastream_analyst
 * (staff logins are members or analysts); aquastream_authenticator logs in.
 */
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { roles } from "../../src/db/roles.ts";

const db = new pg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
afterAll(() => db.end());

const APP_SCHEMAS = ["app_public", "app_hidden", "app_private", "app_analytics"];
/** Schemas whose objects anonymous and member callers reach. */
const EXPOSED_SCHEMAS = ["app_public", "app_hidden"];
const CLIENTS = [roles.anonymous, roles.member, roles.analyst];

/**
 * What anonymous callers may read: the published catalog and public reviews
 * (RLS narrows each to what is public). A new table joins this list only if
 * its every row is meant for the public under its RLS policy.
 */
const ANONYMOUS_TABLES = [
  "app_public.event",
  "app_public.event_category",
  "app_public.event_price_tier",
  "app_public.review",
  // Seats taken per event and tier (190-hot-path), visible exactly when the event is.
  "app_public.event_seat_counter",
  "app_public.price_tier_seat_counter",
  // Cheapest price and rating counts per event (200-catalog), visible exactly when the event is.
  "app_hidden.event_stats",
  // Organizers' replies to reviews (170-grpc-parity): public when active and their review is.
  "app_public.review_reply",
];

/** Grants outside the client roles' normal shape, each with its reason. */
const PRIVATE_GRANTS_ALLOWED = [
  // The API's rate-limit counters (RATE_LIMIT_STORE=postgres), used by the authenticator itself.
  `app_private.rate_limit_counter:${roles.authenticator}`,
];

/** Where the checks read the catalogs: the test database, or a probe transaction (below). */
let client: pg.Pool | pg.PoolClient = db;

async function rows<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await client.query<T>(sql, params)).rows;
}

/** Offenders seen by the checks; in a probe run, every check's findings are collected instead of asserted. */
let collected: string[] | undefined;

async function offenders(sql: string, params: unknown[] = []): Promise<string[]> {
  const found = (await rows<{ offender: string }>(sql, params)).map((row) => row.offender).sort();
  if (collected) {
    collected.push(...found);
    return [];
  }
  return found;
}

const checks: [string, () => Promise<void>][] = [];
const check = (name: string, body: () => Promise<void>) => checks.push([name, body]);

  check("every table of the application schemas has row-level security enabled", async () => {
    const found = await offenders(
      `select c.oid::regclass::text as offender from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any($1) and c.relkind in ('r', 'p') and not c.relrowsecurity`,
      [APP_SCHEMAS],
    );
    expect(found, "add `alter table <t> enable row level security;` and the policies its readers need (no policy: owner only)").toEqual([]);
  });

  check("a table granted to a client role has a policy that applies to it (policy before grant)", async () => {
    const found = await offenders(
      `select distinct c.oid::regclass::text || ' granted to ' || r.rolname as offender
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         cross join pg_roles r
        where n.nspname = any($1) and c.relkind in ('r', 'p') and r.rolname = any($2)
          and has_table_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE')
          and not exists (select from pg_policy p where p.polrelid = c.oid
                            and (p.polroles = '{0}' or exists (select from unnest(p.polroles) pr where pg_has_role(r.oid, pr, 'MEMBER'))))`,
      [APP_SCHEMAS, [...CLIENTS, roles.authenticator]],
    );
    expect(found, "write the RLS policy (create policy … to <role>) before granting the table to a client role").toEqual([]);
  });

  check("anonymous callers read only the published catalog and public reviews, and write no table", async () => {
    const found = await offenders(
      `select c.oid::regclass::text || ': ' || string_agg(priv, ', ') as offender
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) priv
        where n.nspname = any($1) and c.relkind in ('r', 'p', 'v', 'm', 'f')
          and has_table_privilege($2, c.oid, priv)
          and not (priv = 'SELECT' and c.oid::regclass::text = any($3))
        group by c.oid`,
      [APP_SCHEMAS, roles.anonymous, ANONYMOUS_TABLES],
    );
    expect(
      found,
      `revoke these from ${roles.anonymous}: anonymous reads only ${ANONYMOUS_TABLES.join(", ")}. ` +
        "If a new table is public catalog data under its RLS policy, add it to ANONYMOUS_TABLES in test/security/catalog.test.ts",
    ).toEqual([]);
  });

  check("members read app_public tables and write none (every write is a function)", async () => {
    const writes = await offenders(
      `select c.oid::regclass::text || ': ' || priv as offender
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         cross join unnest(array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) priv
        where n.nspname = any($1) and c.relkind in ('r', 'p', 'v', 'm', 'f') and has_table_privilege($2, c.oid, priv)`,
      [APP_SCHEMAS, roles.member],
    );
    expect(writes, `revoke these from ${roles.member}: writes go through SECURITY DEFINER functions that check the caller`).toEqual([]);
    // The transports answer PostgreSQL's own "permission denied" as "sign in"
    // (src/errors/pg-error.ts): true only while members can read every exposed table.
    const unreadable = await offenders(
      `select c.oid::regclass::text as offender from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'app_public' and c.relkind in ('r', 'p', 'v', 'm') and not has_table_privilege($1, c.oid, 'SELECT')`,
      [roles.member],
    );
    expect(unreadable, `grant select (under an RLS policy) to ${roles.member}, or move the table out of app_public`).toEqual([]);
  });

  check("no client role reaches app_private (the authenticator only its rate-limit counters)", async () => {
    const found = await offenders(
      `select c.oid::regclass::text || ':' || r.rolname as offender
         from pg_class c join pg_namespace n on n.oid = c.relnamespace cross join pg_roles r
        where n.nspname = 'app_private' and r.rolname = any($1)
          and (has_table_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')
               or (c.relkind = 'S' and has_sequence_privilege(r.oid, c.oid, 'USAGE, SELECT, UPDATE')))
          and not (c.oid::regclass::text || ':' || r.rolname) = any($2)`,
      [[...CLIENTS, roles.authenticator], PRIVATE_GRANTS_ALLOWED],
    );
    expect(found, "app_private is the owner's: revoke the grant, or read it through a SECURITY DEFINER function").toEqual([]);
    const usage = await offenders(
      `select r.rolname as offender from pg_roles r where r.rolname = any($1) and has_schema_privilege(r.oid, 'app_private', 'USAGE')`,
      [CLIENTS],
    );
    expect(usage, "revoke usage on schema app_private from these roles").toEqual([]);
  });

  check("no client role may create objects in the application schemas or in public", async () => {
    const found = await offenders(
      `select r.rolname || ' on ' || s as offender from pg_roles r cross join unnest($1::text[]) s
        where r.rolname = any($2) and has_schema_privilege(r.oid, s, 'CREATE')`,
      [[...APP_SCHEMAS, "public"], [...CLIENTS, roles.authenticator]],
    );
    expect(found, "revoke create on schema … from these roles").toEqual([]);
  });

  check("every SECURITY DEFINER function pins its search_path", async () => {
    const found = await offenders(
      `select p.oid::regprocedure::text as offender from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any($1) and p.prosecdef
          and not exists (select from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')`,
      [APP_SCHEMAS],
    );
    expect(found, "add `set search_path = pg_catalog, public, pg_temp` to these SECURITY DEFINER functions").toEqual([]);
  });

  check("no function of the application schemas is executable by PUBLIC", async () => {
    const found = await offenders(
      `select p.oid::regprocedure::text as offender from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any($1)
          and exists (select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                       where a.grantee = 0 and a.privilege_type = 'EXECUTE')`,
      [APP_SCHEMAS],
    );
    expect(found, "revoke execute on function … from public; then grant execute to the roles that call it").toEqual([]);
  });

  check("anonymous callers may execute no function that writes", async () => {
    const found = await offenders(
      `select p.oid::regprocedure::text as offender from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any($1) and p.provolatile = 'v' and has_function_privilege($2, p.oid, 'EXECUTE')`,
      [APP_SCHEMAS, roles.anonymous],
    );
    expect(found, `revoke execute on these from ${roles.anonymous}: only signed-in callers change anything`).toEqual([]);
  });

  check("members may execute every app_public function (the role checks are inside, by has_role)", async () => {
    const found = await offenders(
      `select p.oid::regprocedure::text as offender from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'app_public' and not has_function_privilege($1, p.oid, 'EXECUTE')`,
      [roles.member],
    );
    expect(found, `grant execute on these to ${roles.member} (a GraphQL field nobody may call is a bug), or move them to app_hidden`).toEqual([]);
  });

  check("views of the exposed schemas run with the caller's rights (security_invoker)", async () => {
    const found = await offenders(
      `select c.oid::regclass::text as offender from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any($1) and c.relkind = 'v'
          and not coalesce('security_invoker=true' = any(c.reloptions) or 'security_invoker=on' = any(c.reloptions), false)`,
      [EXPOSED_SCHEMAS],
    );
    expect(found, "create the view `with (security_invoker = true)` so RLS applies to its reader, not its owner").toEqual([]);
  });

  check("identity comes only from current_user_id()/current_user_roles(): no other function reads jwt.claims", async () => {
    const found = await offenders(
      `select p.oid::regprocedure::text as offender from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any($1) and p.prosrc like '%jwt.claims%'
          and p.oid not in ('app_public.current_user_id()'::regprocedure, 'app_public.current_user_roles()'::regprocedure)`,
      [APP_SCHEMAS],
    );
    expect(found, "call app_public.current_user_id() / has_role() instead: they ignore claims a psql session sets itself").toEqual([]);
  });

  check("analysts read only app_analytics, whose views carry no personal data and are documented", async () => {
    const outside = await offenders(
      `select c.oid::regclass::text as offender from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname <> 'app_analytics' and n.nspname = any($1) and has_table_privilege($2, c.oid, 'SELECT')`,
      [APP_SCHEMAS, roles.analyst],
    );
    expect(outside, `revoke these from ${roles.analyst}: analysts read the aggregate views of app_analytics only`).toEqual([]);
    const personal = await offenders(
      `select a.attrelid::regclass::text || '.' || a.attname as offender
         from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'app_analytics' and a.attnum > 0 and not a.attisdropped
          and a.attname ~ '(user_id|organizer_id|_by|email|phone|name|gateway_reference|payment_url|reason|error_message|description)$'
          and a.attname <> 'title'`,
    );
    expect(personal, "analytics views carry no personal data: aggregate, or pseudonymize the user id as `organizer` does").toEqual([]);
    const writable = await offenders(
      `select c.oid::regclass::text as offender from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'app_analytics' and has_table_privilege($1, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')`,
      [roles.analyst],
    );
    expect(writable, "analysts are read-only").toEqual([]);
    const undocumented = await offenders(
      `select c.oid::regclass::text as offender from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'app_analytics' and c.relkind in ('v', 'm') and obj_description(c.oid, 'pg_class') is null`,
    );
    expect(undocumented, "add COMMENT ON VIEW: analysts read what a view means from it").toEqual([]);
    const undocumentedColumns = await offenders(
      `select a.attrelid::regclass::text || '.' || a.attname as offender
         from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'app_analytics' and c.relkind in ('v', 'm') and a.attnum > 0 and not a.attisdropped
          and col_description(c.oid, a.attnum) is null`,
    );
    expect(undocumentedColumns, "add COMMENT ON COLUMN for these analytics columns").toEqual([]);
  });

  check("the API's login is LOGIN NOINHERIT, neither superuser nor BYPASSRLS", async () => {
    const [role] = await rows<{ rolcanlogin: boolean; rolinherit: boolean; rolsuper: boolean; rolbypassrls: boolean }>(
      "select rolcanlogin, rolinherit, rolsuper, rolbypassrls from pg_roles where rolname = $1",
      [roles.authenticator],
    );
    expect(role).toEqual({ rolcanlogin: true, rolinherit: false, rolsuper: false, rolbypassrls: false });
  });

describe("catalog check: least privilege", () => {
  it.each(checks)("%s", async (_name, body) => {
    await body();
  });

  it("the checks catch a table, view and functions that break the rules (a probe, rolled back)", async () => {
    const tx = await db.connect();
    try {
      await tx.query("begin");
      await tx.query(`
        create table app_public.catalog_probe (id int);
        grant select, insert on app_public.catalog_probe to ${roles.anonymous}, ${roles.member};
        create view app_public.catalog_probe_view as select id from app_public.catalog_probe;
        grant select on app_public.catalog_probe_view to ${roles.member};
        create function app_public.catalog_probe_write() returns void language sql volatile security definer
          as $$ select pg_catalog.current_setting('jwt.claims.sub', true) $$;
        grant execute on function app_public.catalog_probe_write() to public;`);
      client = tx;
      collected = [];
      for (const [, body] of checks) await body();
      expect(collected).toEqual(
        expect.arrayContaining([
          "app_public.catalog_probe", // RLS off
          "app_public.catalog_probe granted to aquastream_anonymous", // no policy
          "app_public.catalog_probe: SELECT, INSERT", // anonymous beyond the catalog
          "app_public.catalog_probe: INSERT", // members write a table
          "app_public.catalog_probe_view", // no security_invoker
          "app_public.catalog_probe_write()", // search_path, PUBLIC, anonymous write, jwt.claims
        ]),
      );
      // The function is named by four checks: search_path, PUBLIC, anonymous write, jwt.claims.
      expect(collected.filter((o) => o === "app_public.catalog_probe_write()")).toHaveLength(4);
    } finally {
      client = db;
      collected = undefined;
      await tx.query("rollback");
      tx.release();
    }
  });
});
