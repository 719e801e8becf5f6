/*
 * remove_price_tier asks whether the tier has bookings (a friendly TRSEA
 * before the foreign key would refuse). In a session that had run it more
 * than five times, PL/pgSQL kept a generic plan of "exists (select from
 * booking where price_tier_id = $1)", and after ANALYZE that plan expected
 * thousands of bookings for any tier (one tier had 40,000) and chose a
 * sequential scan that stops at the first match: the whole booking table for
 * a tier without bookings, the usual case of a removal
 * (test/db/app_public/member_paths_scaling.test.ts: 78 -> 902 buffers). The
 * function now plans each statement with its values (a custom plan: the
 * tier at hand has no bookings in the statistics, booking_price_tier_id_idx
 * answers), a plan per call of an organizer's rare edit.
 */
alter function app_public.remove_price_tier(uuid) set plan_cache_mode = force_custom_plan;
