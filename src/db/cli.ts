/*
 * Developer commands over the database the configuration points at
 * (the embedded default when DATABASE_URL is unset):
 *
 *   npm run db:migrate     bootstrap + committed migrations
 *   npm run db:reset       drop, recreate, committed + current/
 *   npm run db:current     apply db/migrations/current/ again (idempotent)
 *   npm run db:commit      move current/ into committed/ (checked on a shadow database)
 *   npm run db:bootstrap   roles, extensions, grants only (DBA, once per server)
 *   npm run db:backup -- <file>    pg_dump of the whole database (docs/backups.md)
 *   npm run db:restore -- <file>   into an empty database, then migrations and integrity checks
 */
import { loadConfigOrExit } from "../config/env.ts";
import { openDatabase } from "./database.ts";
import { applyCurrent, bootstrap, commitCurrent, migrateDatabase, resetDatabase } from "./migrations.ts";
import { dumpSchema } from "./dump-schema.ts";
import { BackupError, backupDatabase, checkIntegrity, restoreDatabase } from "./backup.ts";

const [command, ...rest] = process.argv.slice(2);
const db = await openDatabase(loadConfigOrExit());
try {
  switch (command) {
    case "migrate":
      await migrateDatabase(db);
      break;
    case "bootstrap":
      await bootstrap(db);
      break;
    case "reset":
      await resetDatabase(db);
      await dumpSchema(db.databaseUrl);
      break;
    case "current":
      await applyCurrent(db);
      await dumpSchema(db.databaseUrl);
      break;
    case "commit":
      await commitCurrent(db, rest.join(" ") || undefined);
      await dumpSchema(db.databaseUrl);
      break;
    case "dump":
      await dumpSchema(db.databaseUrl);
      break;
    case "backup":
    case "restore":
      await backupCommand(command, rest[0]);
      break;
    default:
      console.error("usage: tsx src/db/cli.ts migrate|bootstrap|reset|current|commit|dump|backup <file>|restore <file>");
      process.exitCode = 2;
  }
} finally {
  await db.stop();
}

async function backupCommand(command: "backup" | "restore", file: string | undefined): Promise<void> {
  if (!file) {
    console.error(`usage: npm run db:${command} -- <file>`);
    process.exitCode = 2;
    return;
  }
  try {
    if (command === "backup") {
      const result = await backupDatabase(db.databaseUrl, file);
      console.log(`backup written: ${result.file} (${result.bytes} bytes), holds everything committed before ${result.startedAt}`);
      return;
    }
    await restoreDatabase(db, file);
    const findings = await checkIntegrity(db.databaseUrl);
    for (const f of findings) console.error(`integrity: ${f.check}: ${f.detail}`);
    if (findings.length) {
      process.exitCode = 1;
      return;
    }
    console.log(`restored ${file}; migrations applied; integrity checks passed`);
  } catch (error) {
    if (error instanceof BackupError) {
      console.error(`${command} refused: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}
