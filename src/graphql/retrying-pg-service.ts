/*
 * PostGraphile's pg service, with two changes to how it runs a transaction:
 *
 * 1. Fewer round trips. @dataplan/pg opens a transaction with `begin` and
 *    then a `set_config` statement (two round trips); here both, and the
 *    request's mutation rate-limit count when it has one to pay, are one
 *    message (src/db/request-transaction.ts). A GraphQL mutation costs three
 *    round trips (open, the mutation's statement, commit) instead of five.
 *    What runs inside is @dataplan/pg's own client over that transaction
 *    (makeWithPgClientViaPgClientAlreadyInTransaction: its statements,
 *    prepared-statement cache and savepoints unchanged).
 *
 * 2. Each transaction is rerun when PostgreSQL rolled it back for a conflict
 *    (40001/40P01), at most CONFLICT_ATTEMPTS times (src/db/transient.ts).
 *    @dataplan/pg runs every withPgClient() that carries pgSettings (ours
 *    always do: role, claims, timeouts) as one transaction, and a root
 *    mutation field is one such call, so this is exactly "one whole
 *    transaction that rolled back", rerun with the same SQL. A document with
 *    several mutation fields runs them one after another, each its own
 *    transaction: only the one that failed is rerun, never one that
 *    committed. The rate-limit count, committed on its own, is not paid
 *    again by a rerun. A withPgClient without settings runs outside a
 *    transaction, as @dataplan/pg does, and is never rerun.
 */
import type pg from "pg";
import {
  makePgService,
  makeWithPgClientViaPgClientAlreadyInTransaction,
  type NodePostgresPgClient,
} from "postgraphile/adaptors/pg";
import type { WithPgClient } from "postgraphile/@dataplan/pg";
import { databaseUnavailableReason, withConflictRetry } from "../db/transient.ts";
import { openRequestTransaction } from "../db/request-transaction.ts";
import { rateLimitedError, requestCharge } from "./limits-plugin.ts";

type PgServiceOptions = Parameters<typeof makePgService>[0] & { pool: pg.Pool };

// @dataplan/pg turns off JIT optimization on each connection it uses (its
// queries are short; the optimizer's cost misleads it); kept, per transaction.
const JIT_OFF: [string, string] = ["jit_optimize_above_cost", "-1"];

function requestTransactions(pool: pg.Pool, inner: WithPgClient<NodePostgresPgClient>): WithPgClient<NodePostgresPgClient> {
  const withPgClient = (async <T>(
    pgSettings: Record<string, string | undefined> | null,
    callback: (client: NodePostgresPgClient) => T | Promise<T>,
  ): Promise<T> => {
    const entries = Object.entries(pgSettings ?? {}).filter((entry): entry is [string, string] => entry[1] != null);
    if (entries.length === 0) return inner(pgSettings, callback);
    const pending = requestCharge();
    if (pending?.refusal) throw rateLimitedError(pending.refusal.retryAfterSeconds);
    const settings = Object.fromEntries([JIT_OFF, ...entries.map(([key, value]) => [key, String(value)])]);
    return withConflictRetry("graphql", async () => {
      const client = await pool.connect();
      let broken = false;
      try {
        const charge = pending && !pending.spent ? pending : undefined;
        const decision = await openRequestTransaction(client, settings, charge && { limiter: charge.limiter, charge: charge.charge });
        if (charge) charge.spent = true;
        if (decision && !decision.allowed) {
          charge!.refusal = decision;
          await client.query("rollback");
          throw rateLimitedError(decision.retryAfterSeconds);
        }
        try {
          const result = await makeWithPgClientViaPgClientAlreadyInTransaction(client, true)(null, callback);
          await client.query("commit");
          return result;
        } catch (error) {
          await client.query("rollback").catch(() => (broken = true));
          throw error;
        }
      } catch (error) {
        // A connection that failed under us is closed, never handed to the next request.
        if (databaseUnavailableReason(error)) broken = true;
        throw error;
      } finally {
        client.release(broken || undefined);
      }
    });
  }) as WithPgClient<NodePostgresPgClient>;
  if (inner.release) withPgClient.release = () => inner.release!();
  return withPgClient;
}

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
      createWithPgClient: async (...args: Parameters<typeof adaptor.createWithPgClient>) => {
        const inner = await adaptor.createWithPgClient(...args);
        // The superuser variant (not used by the API) keeps @dataplan/pg's own transactions.
        return args[1] === "SUPERUSER" ? retrying(inner) : requestTransactions(options.pool, inner);
      },
    },
  };
}
