/*
 * complete_ended_events finds the published events that have ended by an
 * index of published events in end order, whatever the statistics.
 *
 * Before: no index had ends_at, so each run (every minute) read every
 * published event through event_status_starts_at_idx and filtered on
 * ends_at: work growing with the catalog of events still ahead
 * (test/db/app_public/member_paths_scaling.test.ts: 116 -> 338 buffers with
 * 3,000 published events ahead never analyzed, 497 analyzed). The partial
 * index holds published events only, so its range "ends_at <= now()" is the
 * ended ones and nothing else, in the function's order (ends_at, id).
 */
create index if not exists event_published_ends_at_idx on app_public.event (ends_at, id)
  where status = 'published';
comment on index app_public.event_published_ends_at_idx is
  E'Published events in end order: complete_ended_events reads the ended ones only (a range, whatever the statistics).';
