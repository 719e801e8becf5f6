/*
 * Caller lookups that used to fail as INTERNAL: a promo code by its text
 * (promoCodeByEventIdAndCode, allPromoCodes(condition: { code })) compares
 * citext values, so the client roles need the citext type and operators.
 * The organizer of the event finds its code, case-insensitively; another
 * user finds nothing (RLS), an anonymous caller is told to sign in; never
 * an internal error. (The client roles need USAGE on schema public, where
 * the extensions live: db/afterReset.sql grants it on bootstrap, and
 * 130-api-hardening of migration 000009 for databases bootstrapped before.)
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useTestApi } from "../helpers/api.ts";
import { committingUser } from "../db/factories.ts";
import type { TestUser } from "../helpers/db.ts";
import { committedPublishedEvent } from "../helpers/locks.ts";

const root = new pg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
afterAll(() => root.end());

describe("promo code lookups by text", () => {
  const api = useTestApi();
  let organizer: TestUser;
  let eventId: string;
  const code = `SUMMER${Date.now() % 100000}`;

  beforeAll(async () => {
    organizer = committingUser("organizer");
    eventId = await committedPublishedEvent(root, organizer);
    const created = await api.graphql(
      `mutation($e: UUID!, $c: String!) { createPromoCode(input: { eventId: $e, code: $c, percentOff: 10 }) { result { rowId } } }`,
      { e: eventId, c: code },
      organizer,
    );
    expect(created.errors, JSON.stringify(created.errors)).toBeUndefined();
  });

  it("promoCodeByEventIdAndCode finds the organizer's code, in any letter case", async () => {
    for (const text of [code, code.toLowerCase()]) {
      const answer = await api.graphql<{ promoCodeByEventIdAndCode: { code: string } | null }>(
        `query($e: UUID!, $c: String!) { promoCodeByEventIdAndCode(eventId: $e, code: $c) { code } }`,
        { e: eventId, c: text },
        organizer,
      );
      expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
      expect(answer.data!.promoCodeByEventIdAndCode).toEqual({ code });
    }
  });

  it("allPromoCodes(condition: { code }) finds it; another user and anonymous callers see nothing", async () => {
    const query = `query($c: String!) { allPromoCodes(condition: { code: $c }) { nodes { code } } }`;
    const mine = await api.graphql<{ allPromoCodes: { nodes: { code: string }[] } }>(query, { c: code.toLowerCase() }, organizer);
    expect(mine.errors, JSON.stringify(mine.errors)).toBeUndefined();
    expect(mine.data!.allPromoCodes.nodes).toEqual([{ code }]);
    const other = await api.graphql<{ allPromoCodes: { nodes: unknown[] } }>(query, { c: code }, committingUser("user"));
    expect(other.errors, JSON.stringify(other.errors)).toBeUndefined();
    expect(other.data!.allPromoCodes.nodes).toEqual([]);
    // Anonymous: the documented "sign in first", not an internal error.
    const anonymous = await api.graphql(query, { c: code });
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: "28000", status: "UNAUTHENTICATED" });
  });
});
