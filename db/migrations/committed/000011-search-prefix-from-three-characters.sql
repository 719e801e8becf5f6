--! Previous: sha1:0524533661eaa646789dd2e1b883fd5428e0c98a
--! Hash: sha1:df3d7d4dc2885296bbbb2c44ed9682de8b1e86d7
--! Message: search prefix from three characters

--! split: 1-current.sql
-- Enter migration here
-- One file per topic beside this one (NNN-topic.sql, applied in number order);
-- npm run db:commit joins them into the next committed migration.

--! split: 300-search-prefix.sql
/*
 * The last word typed matches as a prefix only from 3 characters on, like
 * the typo tolerance (search_typo_text). A one- or two-letter prefix ("к",
 * "ка") matches most of a large catalog: the GIN index then hands back tens of
 * thousands of ids that search_events must rank and page, so one cheap
 * anonymous request did the work of a full scan. Shorter last words match as
 * whole words, as the others always do.
 */
create or replace function app_hidden.search_query(query text) returns tsquery
  language plpgsql immutable parallel safe
  set search_path to pg_catalog, public
as $$
declare
  v_text text := app_hidden.search_text(query);
  v_words text[];
  v_result tsquery;
  v_part tsquery;
  v_last integer;
  i integer;
begin
  if v_text is null then
    return null;
  end if;
  if v_text ~ '"|(^|\s)-\S|\sor\s' then
    v_result := websearch_to_tsquery('app_hidden.catalog_search', v_text);
  else
    v_words := array(select m[1] from regexp_matches(v_text, '([[:alnum:]]+)', 'g') as m);
    v_last := coalesce(array_length(v_words, 1), 0);
    for i in 1 .. v_last loop
      v_part := to_tsquery('app_hidden.catalog_search',
        v_words[i] || case when i = v_last and char_length(v_words[i]) >= 3 then ':*' else '' end);
      v_result := case when v_result is null then v_part else v_result && v_part end;
    end loop;
  end if;
  return case when numnode(v_result) = 0 then null else v_result end;
end;
$$;
comment on function app_hidden.search_query(text) is
  E'The catalog tsquery of a search box text: all words stemmed (ru/en, ё = е), the last one also as a prefix when it has 3 characters or more; web-search syntax when used. Null when nothing is left (only stop words or punctuation).';
