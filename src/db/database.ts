/*
 * Where the database is: the servers named by DATABASE_URL (and friends), or
 * the embedded default started here.
 */
import type { Config } from "../config/env.ts";
import { startEmbeddedPostgres } from "./embedded.ts";
import { releaseMigrationPools, type DatabaseUrls } from "./migrations.ts";

export const EMBEDDED_DATABASE = "aquastream";

export interface Database extends DatabaseUrls {
  /** Connection used by the API (authenticator role in real deployments). */
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
  return {
    databaseUrl: cluster.url(EMBEDDED_DATABASE),
    apiUrl: cluster.url(EMBEDDED_DATABASE),
    rootUrl: cluster.rootUrl,
    shadowUrl: cluster.url(`${EMBEDDED_DATABASE}_shadow`),
    embedded: true,
    stop: async () => {
      releaseMigrationPools();
      await cluster.stop();
    },
  };
}
