/*
 * `npm run contract:release`: records what this release's code needs from the
 * database and the GraphQL schema it serves, into contract/released/, so the
 * next releases are checked against it (test/contract/released.test.ts,
 * docs/upgrades.md). Run it on a database built from the committed
 * migrations only (`npm run db:migrate` on the embedded default, or
 * DATABASE_URL=<such a database>) when you tag a release, and commit the files.
 */
import "../env-defaults.ts";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import pg from "pg";
import { loadConfigOrExit } from "../config/env.ts";
import { openDatabase } from "./database.ts";
import { migrateDatabase, projectRoot } from "./migrations.ts";
import { hiddenFunctionsCalled, readDbContract, serializeContract } from "./api-contract.ts";

/** The TypeScript sources of this release (src/ and tasks/). */
export function releaseSources(): string[] {
  return ["src", "tasks"].flatMap((dir) =>
    (readdirSync(resolve(projectRoot, dir), { recursive: true }) as string[])
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(resolve(projectRoot, dir, f), "utf8")),
  );
}

const db = await openDatabase(loadConfigOrExit());
const client = new pg.Client({ connectionString: db.databaseUrl });
try {
  await migrateDatabase(db);
  await client.connect();
  const dir = resolve(projectRoot, "contract/released");
  mkdirSync(dir, { recursive: true });
  const contract = await readDbContract(client, hiddenFunctionsCalled(releaseSources()));
  writeFileSync(resolve(dir, "db.json"), serializeContract(contract));
  copyFileSync(resolve(projectRoot, "schema.graphql"), resolve(dir, "schema.graphql"));
  console.log("wrote contract/released/db.json and contract/released/schema.graphql");
} finally {
  await client.end();
  await db.stop();
}
