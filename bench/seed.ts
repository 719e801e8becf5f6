/*
 * Seeding for the scenarios: published events with one tier, created and
 * published through the same SQL functions the API calls.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { inTransactionAs } from "./as-user.ts";

export const ORGANIZER = randomUUID();
const DAY = 86_400_000;

export interface Target {
  eventId: string;
  tierId: string;
}

/** Creates and publishes `count` events as one organizer, each with one tier (price 100 EUR, no quota). */
export async function seedEvents(pool: pg.Pool, count: number, capacity: number, organizer = ORGANIZER): Promise<Target[]> {
  const client = await pool.connect();
  try {
    const targets: Target[] = [];
    for (let i = 0; i < count; i++) {
      const startsAt = new Date(Date.now() + 30 * DAY);
      const event = await inTransactionAs<{ id: string }>(
        client,
        organizer,
        ["organizer"],
        `select id from app_public.create_event(
           title => $1, description => 'Benchmark event', category => 'rafting', location_name => 'Chusovaya',
           latitude => 57.5, longitude => 59.0, starts_at => $2, ends_at => $3, capacity => $4,
           price_tiers => array[row('Adult', 100, 'EUR', null)::app_public.price_tier_input])`,
        [`Bench event ${i}`, startsAt, new Date(startsAt.getTime() + DAY), capacity],
      );
      await inTransactionAs(client, organizer, ["organizer"], "select app_public.publish_event($1)", [event.id]);
      const { rows } = await client.query("select id from app_public.event_price_tier where event_id = $1", [event.id]);
      targets.push({ eventId: event.id, tierId: rows[0].id });
    }
    return targets;
  } finally {
    client.release();
  }
}

/** A table bench.<name>(n, event_id, tier_id) of targets numbered from 1, readable by the client roles (pgbench picks rows by n). */
export async function targetTable(pool: pg.Pool, name: string, targets: Target[]): Promise<void> {
  await pool.query("create schema if not exists bench");
  await pool.query(`drop table if exists bench.${name}`);
  await pool.query(`create table bench.${name} (n int primary key, event_id uuid not null, tier_id uuid not null)`);
  await pool.query(
    `insert into bench.${name} select i, e, t from unnest($1::uuid[], $2::uuid[]) with ordinality as x(e, t, i)`,
    [targets.map((t) => t.eventId), targets.map((t) => t.tierId)],
  );
  await pool.query("grant usage on schema bench to aquastream_member, aquastream_anonymous");
  await pool.query(`grant select on bench.${name} to aquastream_member, aquastream_anonymous`);
}

/**
 * The API's transaction shape in pgbench (src/db/request-transaction.ts):
 * `begin` and one statement setting role and claims (src/auth/claims.ts; a
 * fresh user id each time unless `sub` is a pgbench expression) sent as ONE
 * message, the use case's SQL, `commit`: three round trips, as PostGraphile
 * and the gRPC handlers make them since the opening message (without the
 * API's rate-limit count, which the API scenario measures).
 * `separateOpen` sends `begin` on its own (a compound `\;` message is
 * simple-protocol only; the pipelined scenario uses the extended protocol).
 */
export function asUser(sql: string, { role = "user", sub = "gen_random_uuid()::text", separateOpen = false } = {}): string {
  const settings = `SELECT set_config('role', 'aquastream_member', true), set_config('jwt.claims.sub', ${sub}, true), set_config('jwt.claims.roles', '${role}', true);`;
  return [
    ...(separateOpen ? ["BEGIN;", settings] : [`BEGIN \\; ${settings}`]),
    // A query ending in pgbench's \gset (keep its result in variables) takes no semicolon.
    /\\gset$/.test(sql.trim()) ? sql.trim() : sql.trim().replace(/;?$/, ";"),
    "COMMIT;",
    "",
  ].join("\n");
}
