/*
 * Attack: dodging the mutation rate limit. One point per executed mutation
 * field however the document is written: inline fragments on the root,
 * named fragments (spread more than once), aliases, @include; batched
 * requests (a JSON array of operations) are refused outright. Over real
 * HTTP against the real app; "nothing written" is checked on a committed
 * booking that the refused mutations try to cancel.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { useTestApi } from "../helpers/api.ts";
import { committingUser } from "../db/factories.ts";
import { bookingTrace, committedBooking, expectResponsive, post } from "./helpers.ts";

const root = new pg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
afterAll(() => root.end());

const cancel = (alias: string, id: string) =>
  `${alias}: cancelBooking(input: { id: "${id}", reason: "dodging" }) { clientMutationId }`;

async function pointsOf(sub: string): Promise<number> {
  const { rows } = await root.query("select points from app_private.rate_limit_counter where key = $1", [`mutation:sub:${sub}`]);
  return (rows[0]?.points as number | undefined) ?? 0;
}

describe("attack: the mutation budget counts every executed mutation field", () => {
  const api = useTestApi({ env: { RATE_LIMIT_MUTATIONS: "20", RATE_LIMIT_WINDOW_SECONDS: "600" } });

  it("25 aliased mutations inside `... on Mutation { }` → 429 LMRAT, the booking untouched", async () => {
    const { user, bookingId } = await committedBooking(root);
    const before = await bookingTrace(root, bookingId);
    const fields = Array.from({ length: 25 }, (_, i) => cancel(`c${i}`, bookingId)).join("\n");
    const answer = await post(api.url, { query: `mutation { ... on Mutation { ${fields} } }` }, { authorization: `Bearer ${await api.token(user)}` });
    expect(answer.status).toBe(429);
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: "LMRAT", status: "RESOURCE_EXHAUSTED" });
    expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await bookingTrace(root, bookingId)).toEqual(before);
  });

  it("a named fragment of 7 mutations spread 3 times costs 21 points → 429", async () => {
    const { user, bookingId } = await committedBooking(root);
    const before = await bookingTrace(root, bookingId);
    const fields = Array.from({ length: 7 }, (_, i) => cancel(`c${i}`, bookingId)).join("\n");
    const query = `mutation { ...Seven ... on Mutation { ...Seven } ...Seven }
                   fragment Seven on Mutation { ${fields} }`;
    const answer = await post(api.url, { query }, { authorization: `Bearer ${await api.token(user)}` });
    expect(answer.status).toBe(429);
    expect(answer.errors?.[0]?.extensions?.code).toBe("LMRAT");
    expect(await bookingTrace(root, bookingId)).toEqual(before);
  });

  it("counts exactly what runs: 5 fields through fragments cost 5 points; a skipped one costs nothing", async () => {
    const user = committingUser("user");
    const ids = Array.from({ length: 6 }, () => randomUUID());
    const query = `mutation($no: Boolean!) {
        ${cancel("a", ids[0]!)}
        ... on Mutation { ${cancel("b", ids[1]!)} ${cancel("c", ids[2]!)} }
        ...Two
        ${cancel("skipped", ids[5]!).replace("{ clientMutationId }", "@include(if: $no) { clientMutationId }")}
      }
      fragment Two on Mutation { ${cancel("d", ids[3]!)} ${cancel("e", ids[4]!)} }`;
    const answer = await post(api.url, { query, variables: { no: false } }, { authorization: `Bearer ${await api.token(user)}` });
    expect(answer.status).toBe(200);
    // Each ran and was refused by SQL (no such booking).
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(["P0002", "P0002", "P0002", "P0002", "P0002"]);
    expect(await pointsOf(user.sub)).toBe(5);
  });

  it("a batched request (a JSON array of operations) is refused with 400: nothing runs, nothing is counted", async () => {
    const { user, bookingId } = await committedBooking(root);
    const before = await bookingTrace(root, bookingId);
    const batch = Array.from({ length: 30 }, () => ({ query: `mutation { ${cancel("c", bookingId)} }` }));
    const answer = await post(api.url, batch, { authorization: `Bearer ${await api.token(user)}` });
    expect(answer.status).toBe(400);
    expect(answer.data ?? undefined).toBeUndefined();
    expect(await bookingTrace(root, bookingId)).toEqual(before);
    expect(await pointsOf(user.sub)).toBe(0);
    await expectResponsive(api.url);
  });
});
