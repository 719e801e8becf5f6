/*
 * `npm run schema:export`: writes schema.graphql from the database the
 * configuration points at (after `npm run db:reset`, or the test database via
 * DATABASE_URL). Commit it with the migration that changed it.
 */
import "../env-defaults.ts";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfigOrExit } from "../config/env.ts";
import { openDatabase } from "../db/database.ts";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/migrations.ts";
import { printApiSchema } from "./print-schema.ts";

const db = await openDatabase(loadConfigOrExit());
const pool = createPool(db.databaseUrl, 2, "schema-export");
try {
  writeFileSync(resolve(projectRoot, "schema.graphql"), await printApiSchema(pool));
  console.log("wrote schema.graphql");
} finally {
  await pool.end();
  await db.stop();
}
