/*
 * Opening a request's transaction in ONE round trip, for both transports
 * (GraphQL's pg service, src/graphql/retrying-pg-service.ts, and the gRPC
 * call wrapper, src/grpc/call.ts): the mutation rate limit's count (when the
 * request must pay one), `begin`, and the caller's settings (role, claims,
 * timeouts, request id) travel as one simple-protocol message:
 *
 *   begin; set local synchronous_commit = off;
 *   select … from app_private.take_mutation_points(…); commit;
 *   begin; select set_config(…) from json_array_elements(…)
 *
 * Before (issue #21) a GraphQL mutation cost five round trips and two
 * synchronous commits: the limiter's upsert, begin, set_config, the
 * mutation, commit. Now three (this message, the mutation, commit) and one
 * commit that waits for the disk.
 *
 * Why the count is a transaction of its own, committed first, and not part of
 * the request's transaction: a mutation that fails (or a request the count
 * refuses) rolls its transaction back, and its attempt must still count; and
 * one caller's parallel requests lock its counter row only for the upsert,
 * not for the whole mutation. Its commit skips the WAL flush: the request's
 * own commit comes later in the WAL and flushes it (docs/limits.md).
 *
 * A simple-protocol message carries no parameters, so every value is a
 * literal escaped by node-postgres (escapeLiteral); the settings go as one
 * JSON literal, read by set_config like @dataplan/pg's own statement.
 */
import type pg from "pg";
import type { RateLimitCharge, RateLimitDecision, RateLimiter, TakenPoints } from "../limits/rate-limiter.ts";

export interface RequestCharge {
  limiter: RateLimiter;
  charge: RateLimitCharge;
}

/**
 * Sends the opening message on `client` (which holds no transaction). Returns
 * the rate limit's decision when `charge` was given (the count is committed
 * either way); the request's transaction is open in both cases, so a refused
 * request must still roll back. Throws what PostgreSQL answered, after
 * rolling back what the message left open.
 */
export async function openRequestTransaction(
  client: pg.PoolClient,
  settings: Record<string, string>,
  charge?: RequestCharge,
  prelude: readonly string[] = [],
): Promise<RateLimitDecision | undefined> {
  const escape = (value: string) => client.escapeLiteral(value);
  const statements = [...prelude];
  let countAt = -1;
  if (charge) {
    statements.push("begin", "set local synchronous_commit = off");
    countAt = statements.push(charge.limiter.takeStatement(charge.charge, escape)) - 1;
    statements.push("commit");
  }
  statements.push(
    "begin",
    `select set_config(el->>0, el->>1, true) from json_array_elements(${escape(JSON.stringify(Object.entries(settings)))}::json) el`,
  );
  let results: pg.QueryResult[];
  try {
    results = (await client.query(statements.join(";\n"))) as unknown as pg.QueryResult[];
  } catch (error) {
    // A failed statement skips the rest of the message and leaves its block aborted.
    await client.query("rollback").catch(() => {});
    throw error;
  }
  if (!charge) return undefined;
  return charge.limiter.decide(charge.charge, results[countAt]!.rows[0] as TakenPoints | undefined);
}
