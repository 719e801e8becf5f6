/*
 * 260-hardening: the API process holds no owner connection at all.
 *
 * /readyz must know whether the schema is at the latest committed migration,
 * which graphile-migrate records in graphile_migrate.migrations (owned by the
 * owner, unreadable to the API's login). Until now the API kept a one-
 * connection owner pool only for that. Instead the authenticator itself may
 * call this one function, which returns the applied migrations' file names
 * and nothing else (no hashes, no times, no other table), with the owner's
 * rights. Client roles (anonymous, member) may not call it: the grant is to
 * the authenticator login alone, which is NOINHERIT and whose rights its
 * member roles never receive.
 */

create or replace function app_private.applied_migrations()
  returns setof text
  language sql
  stable
  security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select m.filename from graphile_migrate.migrations m order by m.filename
$$;

comment on function app_private.applied_migrations() is
  E'File names of the committed migrations applied to this database (graphile_migrate.migrations.filename, e.g. 000009.sql), for the API''s readiness check (/readyz): the API logs in as the authenticator and holds no owner connection, so it reads the bookkeeping through this function and nothing else of it.';

revoke all on function app_private.applied_migrations() from public;
grant execute on function app_private.applied_migrations() to :DATABASE_AUTHENTICATOR;
