/*
 * Planner statistics when the server's autovacuum does not keep them.
 *
 * A server with autovacuum off (this project's CI machine has it off; some
 * managed or hand-tuned servers do) never analyzes a table, and the planner
 * then guesses from page counts and default selectivities: plans that scan
 * whole indexes on every call (test/db/app_public/hot_path_scaling.test.ts
 * shows one such call). The worker's analyze_stale_tables task (every
 * minute, tasks/crontab) runs this function, which analyzes the service's
 * tables that autovacuum would have analyzed: those it does not look after
 * (off for the server, or for the table by its storage parameter) and that
 * changed past autovacuum's own analyze threshold (autovacuum_analyze_threshold
 * + autovacuum_analyze_scale_factor × rows, the server's settings). Where
 * autovacuum runs, this does nothing.
 *
 * ANALYZE takes a SHARE UPDATE EXCLUSIVE lock (reads and writes go on) and
 * samples at most 300 × default_statistics_target rows, so a run is bounded by
 * max_tables whatever the tables' sizes. It does not VACUUM (not possible in a
 * function, nor the worker's business): dead rows still need autovacuum or a
 * DBA's VACUUM (docs/database.md).
 */
create or replace function app_hidden.analyze_stale_tables(max_tables integer default 5) returns setof regclass
  language plpgsql volatile
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_server_autovacuum boolean := current_setting('autovacuum')::boolean;
  v_threshold real := current_setting('autovacuum_analyze_threshold')::real;
  v_scale real := current_setting('autovacuum_analyze_scale_factor')::real;
  v_table regclass;
begin
  if max_tables is null or max_tables < 1 then
    raise exception 'max_tables must be at least 1' using errcode = '22023', column = 'max_tables';
  end if;
  for v_table in
    select s.relid::regclass
    from pg_stat_user_tables s
    join pg_class c on c.oid = s.relid
    where s.schemaname in ('app_public', 'app_private')
      and c.relkind = 'r'
      and not (v_server_autovacuum and coalesce(
        (select o.option_value::boolean
         from pg_options_to_table(c.reloptions) o
         where o.option_name = 'autovacuum_enabled'), true))
      and s.n_mod_since_analyze > v_threshold + v_scale * greatest(c.reltuples, 0)
    order by s.n_mod_since_analyze desc
    limit max_tables
  loop
    execute format('analyze %s', v_table);
    return next v_table;
  end loop;
end;
$$;
comment on function app_hidden.analyze_stale_tables(integer) is
  E'Analyzes (at most max_tables of) the service''s tables that autovacuum does not look after (off for the server or the table) and that changed past the server''s autovacuum analyze threshold; returns them. Does nothing where autovacuum runs. Run every minute by the worker''s analyze_stale_tables task as the owner.';
