/*
 * What the attack suite needs beside the real servers (test/helpers/api.ts,
 * test/grpc/helpers.ts): raw HTTP posts (bodies and headers exactly as an
 * attacker sends them), a committed booking to try to change, and the
 * "is the process still serving others" probe.
 */
import type pg from "pg";
import { expect } from "vitest";
import { becomeUser, type TestUser } from "../helpers/db.ts";
import { committingUser, CREATE_BOOKING } from "../db/factories.ts";
import { committedPublishedEvent } from "../helpers/locks.ts";

export interface RawAnswer {
  status: number;
  retryAfter: string | null;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: unknown[] }[];
}

/** POST /graphql with a JSON body (or a raw string) and any headers, as sent. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> | [string, string][] = {},
): Promise<RawAnswer> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: Array.isArray(headers)
      ? [["content-type", "application/json"], ...headers]
      : { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: object = {};
  try {
    json = JSON.parse(text) as object;
  } catch {
    /* not JSON */
  }
  return { status: response.status, retryAfter: response.headers.get("retry-after"), ...json };
}

/** A refusal: a 4xx with no data and exactly this code (and field, when given). */
export function expectRefused(answer: RawAnswer, code: string, field?: string): void {
  expect(answer.status, JSON.stringify(answer)).toBeGreaterThanOrEqual(400);
  expect(answer.status).toBeLessThan(500);
  expect(answer.data ?? undefined).toBeUndefined();
  expect(answer.errors?.[0]?.extensions, JSON.stringify(answer)).toMatchObject({ code, ...(field ? { field } : {}) });
}

/** A published event, committed, with a pending booking of a fresh user. */
export async function committedBooking(
  root: pg.Pool,
): Promise<{ organizer: TestUser; user: TestUser; eventId: string; tierId: string; bookingId: string }> {
  const organizer = committingUser("organizer");
  const user = committingUser("user");
  const eventId = await committedPublishedEvent(root, organizer);
  const { rows: tiers } = await root.query("select id from app_public.event_price_tier where event_id = $1 limit 1", [eventId]);
  const tierId = tiers[0]!.id as string;
  const client = await root.connect();
  try {
    await client.query("begin");
    await becomeUser(client, user);
    const { rows } = await client.query(CREATE_BOOKING, [eventId, tierId, 1, null]);
    await client.query("commit");
    return { organizer, user, eventId, tierId, bookingId: rows[0]!.id as string };
  } finally {
    client.release();
  }
}

/** The booking's status and the number of audit rows about it, as the owner sees them. */
export async function bookingTrace(root: pg.Pool, bookingId: string): Promise<{ status: string; audits: number }> {
  const { rows } = await root.query(
    `select b.status::text as status,
            (select count(*)::int from app_private.audit_log a where a.row_id = b.id::text) as audits
       from app_public.booking b where b.id = $1`,
    [bookingId],
  );
  return rows[0] as { status: string; audits: number };
}

/** /healthz still answers, and an ordinary query still runs: the process serves others. */
export async function expectResponsive(url: string): Promise<void> {
  const health = await fetch(`${url}/healthz`);
  expect(health.status).toBe(200);
  const ordinary = await post(url, { query: "{ allEvents(first: 1) { totalCount } }" });
  expect(ordinary.status).toBe(200);
  expect(ordinary.errors).toBeUndefined();
}
