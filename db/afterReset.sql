/*
 * Runs once, as the superuser, on a freshly created database (graphile-migrate
 * `afterReset`, and src/db/migrations.ts before the first migration).
 *
 * Roles are cluster-wide, so they are created only when missing: several
 * databases (dev, test, shadow) on one server share them.
 *
 *   owner          the role in DATABASE_URL; owns every object, runs migrations
 *                  and the worker.
 *   authenticator  LOGIN NOINHERIT: the API may connect as it; it can do
 *                  nothing until it switches (SET LOCAL ROLE) per transaction.
 *   anonymous      a caller without a token.
 *   member         a caller with a valid token; what it may do is decided by
 *                  RLS and the SQL functions from jwt.claims.sub / .roles
 *                  (trusted only in the authenticator's sessions). Staff psql
 *                  logins are members too; their identity comes from
 *                  app_private.staff_login (docs/database-access.md).
 *   manager        a member who manages others' rows (organizer, admin,
 *                  payment gateway claims; staff logins of such people):
 *                  member's grants, plus the policies that show what it
 *                  manages. Plain members' policies on the big tables are
 *                  then one indexed condition (the caller's own rows).
 *   analyst        read-only group of the analysts' logins: the aggregate,
 *                  pseudonymous views of app_analytics, nothing else.
 */
do $$
begin
  if not exists (select from pg_roles where rolname = ':DATABASE_ANONYMOUS') then
    create role :DATABASE_ANONYMOUS nologin;
  end if;
  if not exists (select from pg_roles where rolname = ':DATABASE_MEMBER') then
    create role :DATABASE_MEMBER nologin;
  end if;
  if not exists (select from pg_roles where rolname = ':DATABASE_MANAGER') then
    create role :DATABASE_MANAGER nologin;
  end if;
  if not exists (select from pg_roles where rolname = ':DATABASE_ANALYST') then
    create role :DATABASE_ANALYST nologin;
  end if;
  if not exists (select from pg_roles where rolname = ':DATABASE_AUTHENTICATOR') then
    create role :DATABASE_AUTHENTICATOR login noinherit;
  end if;
end
$$;

-- A manager is a member (all of member's grants and policies) whose extra
-- policies show what it manages; it holds no grant of its own.
grant :DATABASE_MEMBER to :DATABASE_MANAGER;

-- The authenticator and the owner may become any caller role.
grant :DATABASE_ANONYMOUS to :DATABASE_AUTHENTICATOR;
grant :DATABASE_MEMBER to :DATABASE_AUTHENTICATOR;
grant :DATABASE_MANAGER to :DATABASE_AUTHENTICATOR;
grant :DATABASE_ANONYMOUS to :DATABASE_OWNER;
grant :DATABASE_MEMBER to :DATABASE_OWNER;
grant :DATABASE_MANAGER to :DATABASE_OWNER;

-- Analysts' sessions are read-only and bounded. A role setting applies to
-- sessions that log in as that very role, so the DBA repeats both on each
-- analyst's own login (docs/database-access.md).
alter role :DATABASE_ANALYST set statement_timeout = '30s';
alter role :DATABASE_ANALYST set default_transaction_read_only = on;

-- The API's login: the last line of defence. Every API transaction sets its
-- own, shorter statement_timeout and idle_in_transaction_session_timeout
-- (DATABASE_STATEMENT_TIMEOUT_MS, …); these hold for whatever the API's
-- login runs outside them (readiness, rate-limit counters) or if a code path
-- ever forgets. Per database, so other databases on the server are untouched.
alter role :DATABASE_AUTHENTICATOR in database :DATABASE_NAME set statement_timeout = '30s';
alter role :DATABASE_AUTHENTICATOR in database :DATABASE_NAME set idle_in_transaction_session_timeout = '60s';

-- Nobody but the owner creates objects or connects by default.
revoke all on database :DATABASE_NAME from public;
grant connect on database :DATABASE_NAME to :DATABASE_OWNER, :DATABASE_AUTHENTICATOR;
-- Staff and analyst logins connect through their group roles.
grant connect on database :DATABASE_NAME to :DATABASE_MEMBER, :DATABASE_ANALYST;
alter database :DATABASE_NAME owner to :DATABASE_OWNER;
revoke all on schema public from public;
grant all on schema public to :DATABASE_OWNER;

-- Extensions live in `public`, installed once here (they need a superuser).
create extension if not exists citext with schema public;
create extension if not exists pgcrypto with schema public;
create extension if not exists btree_gist with schema public;
-- Catalog search (the 200-catalog part of db/migrations/committed/000009-*.sql): stemming with ё = е
-- (unaccent), typo tolerance (pg_trgm), distance by a GiST index (cube +
-- earthdistance). All four ship with both the embedded PostgreSQL and a stock server.
create extension if not exists unaccent with schema public;
create extension if not exists pg_trgm with schema public;
create extension if not exists cube with schema public;
create extension if not exists earthdistance with schema public;
-- search_events runs as the caller and names these extensions' functions and
-- operators (public.%>, public.<@, public.ll_to_earth): the client roles may
-- resolve names in `public` (USAGE only; they still create nothing there).
grant usage on schema public to :DATABASE_ANONYMOUS, :DATABASE_MEMBER;
