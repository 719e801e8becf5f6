/*
 * Where the database is: the servers named by DATABASE_URL (and friends), or
 * the embedded default started here.
 */
import type { Config } from "../config/env.ts";
import { startEmbeddedPostgres } from "./embedded.ts";
import { bootstrap, releaseMigrationPools, type DatabaseUrls } from "./migrations.ts";
import { authenticatorLogin } from "./authenticator.ts";

export const EMBEDDED_DATABASE = "aquastream";

export interface Database extends DatabaseUrls {
  /** Connection used by the API: the authenticator role (src/db/authenticator.ts checks it at start-up). */
  apiUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) {
    return {
      databaseUrl: config.databaseUrl,
      apiUrl: config.databaseApiUrl ?? config.databaseUrl,
      rootUrl: config.rootDatabaseUrl,
      shadowUrl: config.shadowDatabaseUrl,
      embedded: false,
      stop: async () => {},
    };
  }
  const cluster = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
  await cluster.ensureDatabase(EMBEDDED_DATABASE);
  const databaseUrl = cluster.url(EMBEDDED_DATABASE);
  // The roles exist before the API logs in (the bootstrap is idempotent and
  // migrating runs it again), then the API's login gets its own password.
  await bootstrap({ databaseUrl, rootUrl: cluster.rootUrl });
  releaseMigrationPools();
  const apiUrl = await authenticatorLogin(cluster.rootUrl, databaseUrl, config.dataDir);
  return {
    databaseUrl,
    apiUrl,
    rootUrl: cluster.rootUrl,
    shadowUrl: cluster.url(`${EMBEDDED_DATABASE}_shadow`),
    embedded: true,
    stop: async () => {
      releaseMigrationPools();
      await cluster.stop();
    },
  };
}
