/*
 * PostGraphile's pg service, with each of its transactions rerun when
 * PostgreSQL rolled it back for a conflict (40001/40P01), at most
 * CONFLICT_ATTEMPTS times (src/db/transient.ts).
 *
 * Why here: @dataplan/pg runs every withPgClient() that carries pgSettings
 * (ours always do: role, claims, timeouts) as one `begin … commit`, and a
 * root mutation field is one such call, so this is exactly "one whole
 * transaction that rolled back", rerun with the same SQL. A document with
 * several mutation fields runs them one after another, each its own
 * transaction: only the one that failed is rerun, never one that committed.
 * A withPgClient without settings runs outside a transaction and is never
 * rerun (an earlier statement of it may have committed).
 */
import { makePgService, type NodePostgresPgClient } from "postgraphile/adaptors/pg";
import type { WithPgClient } from "postgraphile/@dataplan/pg";
import { withConflictRetry } from "../db/transient.ts";

type PgServiceOptions = Parameters<typeof makePgService>[0];

function retrying(inner: WithPgClient<NodePostgresPgClient>): WithPgClient<NodePostgresPgClient> {
  const withPgClient = (<T>(
    pgSettings: Record<string, string | undefined> | null,
    callback: (client: NodePostgresPgClient) => T | Promise<T>,
  ): Promise<T> => {
    const inTransaction = pgSettings != null && Object.values(pgSettings).some((value) => value != null);
    return inTransaction ? withConflictRetry("graphql", () => inner(pgSettings, callback)) : inner(pgSettings, callback);
  }) as WithPgClient<NodePostgresPgClient>;
  if (inner.release) withPgClient.release = () => inner.release!();
  return withPgClient;
}

export function makeRetryingPgService(options: PgServiceOptions): ReturnType<typeof makePgService> {
  const service = makePgService(options);
  const adaptor = service.adaptor;
  return {
    ...service,
    adaptor: {
      ...adaptor,
      createWithPgClient: async (...args: Parameters<typeof adaptor.createWithPgClient>) =>
        retrying(await adaptor.createWithPgClient(...args)),
    },
  };
}
