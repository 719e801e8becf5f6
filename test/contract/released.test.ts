/*
 * A rolling update runs the previous release's pods against the newest
 * schema for a while (docs/upgrades.md). This fails when the migrations or
 * the GraphQL schema break what the previous release (contract/released/)
 * relies on, unless the change is listed, with its reason, in
 * contract/accepted-breaking.json.
 *
 * Database: every function the old code calls still answers the same call,
 * every column it knew is there with its type (src/db/api-contract.ts).
 * GraphQL: graphql-js's own findBreakingChanges between the released
 * schema and the current one (which test/graphql/schema.test.ts keeps equal
 * to what the migrations build).
 */
import { readFileSync } from "node:fs";
import { buildSchema, findBreakingChanges } from "postgraphile/graphql";
import { describe, expect, it } from "vitest";
import { breakingChanges, readArgDefaults, readDbContract, type DbContract } from "../../src/db/api-contract.ts";
import { testPool } from "../helpers/db.ts";

const released = JSON.parse(readFileSync("contract/released/db.json", "utf8")) as DbContract;
const accepted = JSON.parse(readFileSync("contract/accepted-breaking.json", "utf8")) as {
  db: { change: string; why: string }[];
  graphql: { change: string; why: string }[];
};

function unaccepted(found: string[], list: { change: string; why: string }[]) {
  const ok = new Set(list.map((a) => a.change));
  return {
    breaking: found.filter((f) => !ok.has(f)),
    // An acceptance that matches nothing is stale: remove it.
    stale: [...ok].filter((a) => !found.includes(a)),
  };
}

describe("the previous release keeps working against the newest schema", () => {
  it("database: every function and column the released code uses is still there and answers the same", async () => {
    const client = await testPool().connect();
    try {
      const hidden = Object.keys(released.functions)
        .filter((k) => k.startsWith("app_hidden."))
        .map((k) => k.slice("app_hidden.".length, k.indexOf("(")));
      const current = await readDbContract(client, hidden);
      const found = breakingChanges(released, current, await readArgDefaults(client));
      expect(unaccepted(found, accepted.db)).toEqual({ breaking: [], stale: [] });
    } finally {
      client.release();
    }
  });

  it("GraphQL: no breaking change against the released schema", () => {
    const before = buildSchema(readFileSync("contract/released/schema.graphql", "utf8"));
    const now = buildSchema(readFileSync("schema.graphql", "utf8"));
    const found = findBreakingChanges(before, now).map((c) => `${c.type}: ${c.description}`);
    expect(unaccepted(found, accepted.graphql)).toEqual({ breaking: [], stale: [] });
  });

  it("the check finds what it must (a dropped function, a changed column, a new argument without default, a moved row argument)", () => {
    const sample: DbContract = {
      functions: {
        "app_public.f(a uuid)": { args: [{ name: "a", type: "uuid" }], returns: "integer" },
        "app_public.g(a uuid)": { args: [{ name: "a", type: "uuid" }], returns: "integer" },
        "app_public.h(a uuid)": { args: [{ name: "a", type: "uuid" }], returns: "integer" },
        "app_public.k(a uuid, b text)": { args: [{ name: "a", type: "uuid" }, { name: "b", type: "text" }], returns: "integer" },
        "app_public.c(e app_public.event)": { args: [{ name: "e", type: "app_public.event" }], returns: "integer" },
      },
      columns: { "event.title": "text", "event.capacity": "integer" },
    };
    const next: DbContract = {
      functions: {
        // g gained an argument with a default: old calls still work.
        "app_public.g(a uuid, b text)": { args: [{ name: "a", type: "uuid" }, { name: "b", type: "text" }], returns: "integer" },
        // h gained one without a default: old calls fail.
        "app_public.h(a uuid, b text)": { args: [{ name: "a", type: "uuid" }, { name: "b", type: "text" }], returns: "integer" },
        // k's arguments changed order and gained a defaulted one: calls by name still work.
        "app_public.k(x int, b text, a uuid)": {
          args: [{ name: "x", type: "integer" }, { name: "b", type: "text" }, { name: "a", type: "uuid" }],
          returns: "integer",
        },
        // c's row argument is no longer first: a computed column call breaks.
        "app_public.c(n int, e app_public.event)": {
          args: [{ name: "n", type: "integer" }, { name: "e", type: "app_public.event" }],
          returns: "integer",
        },
      },
      columns: { "event.title": "text", "event.capacity": "bigint" },
    };
    const defaults = {
      "app_public.g(a uuid, b text)": 1,
      "app_public.h(a uuid, b text)": 0,
      // every argument of k has a default (as search_events's do)
      "app_public.k(x int, b text, a uuid)": 3,
      "app_public.c(n int, e app_public.event)": 2,
    };
    expect(breakingChanges(sample, next, defaults)).toEqual([
      "function app_public.f(a uuid) returning integer is gone or answers differently",
      "function app_public.h(a uuid) returning integer is gone or answers differently",
      "function app_public.c(e app_public.event) returning integer is gone or answers differently",
      "column event.capacity changed type from integer to bigint",
    ]);
  });
});
