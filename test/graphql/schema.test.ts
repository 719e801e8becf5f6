/*
 * schema.graphql is committed so API changes show in review; this fails when
 * it no longer matches what the migrations produce.
 * Fix: DATABASE_URL=<test db> npm run schema:export (docs/database.md).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { printApiSchema } from "../../src/graphql/print-schema.ts";
import { testPool } from "../helpers/db.ts";

describe("schema.graphql", () => {
  it("matches the schema PostGraphile builds from the migrations", async () => {
    const committed = readFileSync("schema.graphql", "utf8");
    expect(await printApiSchema(testPool())).toBe(committed);
  });
});
