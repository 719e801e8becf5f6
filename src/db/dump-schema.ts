/*
 * Writes db/schema.sql: the whole schema as pg_dump sees it, committed beside
 * each migration so a reviewer reads the resulting tables, policies and
 * functions rather than only the diff that produced them.
 *
 * Needs a pg_dump at least as new as the server; when the machine has none
 * (e.g. the embedded PostgreSQL 18 ships without one) it says so and skips.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { logger } from "../log/logger.ts";
import { projectRoot } from "./migrations.ts";

const exec = promisify(execFile);

export async function dumpSchema(databaseUrl: string): Promise<boolean> {
  try {
    const { stdout } = await exec(
      "pg_dump",
      [
        "--schema-only",
        "--no-owner",
        "--exclude-schema=graphile_migrate",
        "--exclude-schema=graphile_worker",
        "--exclude-schema=public",
        databaseUrl,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    // Drop pg_dump's version banner and \restrict lines so the file changes only when the schema does.
    const body = stdout
      .split("\n")
      .filter((line) => !/^-- Dumped (from|by)|^\\(un)?restrict /.test(line))
      .join("\n");
    writeFileSync(resolve(projectRoot, "db/schema.sql"), body);
    return true;
  } catch (error) {
    logger.warn({ err: (error as Error).message.split("\n")[0] }, "db/schema.sql not written (pg_dump unavailable or older than the server)");
    return false;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.env.GM_DBURL ?? process.env.DATABASE_URL;
  if (!url) throw new Error("set DATABASE_URL");
  await dumpSchema(url);
}
