/*
 * Developer commands over the database the configuration points at
 * (the embedded default when DATABASE_URL is unset):
 *
 *   npm run db:migrate     bootstrap + committed migrations
 *   npm run db:reset       drop, recreate, committed + current/
 *   npm run db:current     apply db/migrations/current/ again (idempotent)
 *   npm run db:commit      move current/ into committed/ (checked on a shadow database)
 *   npm run db:bootstrap   roles, extensions, grants only (DBA, once per server)
 */
import { ConfigError, loadConfig } from "../config/env.ts";
import { openDatabase } from "./database.ts";
import { applyCurrent, bootstrap, commitCurrent, migrateDatabase, resetDatabase } from "./migrations.ts";
import { dumpSchema } from "./dump-schema.ts";

const [command, ...rest] = process.argv.slice(2);
let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
const db = await openDatabase(config);
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
    default:
      console.error("usage: tsx src/db/cli.ts migrate|bootstrap|reset|current|commit|dump");
      process.exitCode = 2;
  }
} finally {
  await db.stop();
}
