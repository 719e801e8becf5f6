/*
 * The GraphQL schema as SDL, sorted so that schema.graphql changes only when
 * the API does. Used by `npm run schema:export` and by the test that fails
 * when the committed schema.graphql is stale.
 */
import type pg from "pg";
import { makeSchema } from "postgraphile";
import { lexicographicSortSchema, printSchema } from "postgraphile/graphql";
import { makePreset } from "./preset.ts";
import { loadLimits } from "../config/limits.ts";

export async function printApiSchema(pool: pg.Pool): Promise<string> {
  const { schema } = await makeSchema(makePreset({ pool, graphiql: false, limits: loadLimits({}, "development") }));
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
