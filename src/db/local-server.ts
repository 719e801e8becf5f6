/*
 * Finds a PostgreSQL server for the test suite and the benchmarks (never for
 * the service itself, whose database comes from src/config/env.ts):
 * `explicitUrl`'s server if given; else the local server at 127.0.0.1:5432
 * (trust auth, user postgres); else an embedded PostgreSQL in `embeddedDir`.
 */
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedCluster } from "./embedded.ts";

const LOCAL = "postgres://postgres@127.0.0.1:5432/postgres";

export interface LocalServer {
  /** A superuser connection to the `postgres` database of that server. */
  rootUrl: string;
  /** Set when an embedded server was started: stop it when done. */
  embedded?: EmbeddedCluster;
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function findLocalServer(
  explicitUrl: string | undefined,
  embeddedDir: string,
  embeddedPort: number,
): Promise<LocalServer> {
  if (explicitUrl) return { rootUrl: withDatabase(explicitUrl, "postgres") };
  if (await reachable(LOCAL)) return { rootUrl: LOCAL };
  const embedded = await startEmbeddedPostgres(embeddedDir, embeddedPort);
  return { rootUrl: embedded.rootUrl, embedded };
}
