/*
 * What one request costs the database, counted on the API's own pool (every
 * statement a connection sends is one round trip): issue #21 found five
 * round trips and two synchronous commits per GraphQL mutation (the rate
 * limiter's own upsert, begin, set_config, the mutation, commit). Now the
 * count, `begin` and the settings are one message
 * (src/db/request-transaction.ts), the count's own commit does not wait for
 * the disk, and a caller this process saw spend its budget is refused
 * without any statement. The same over gRPC (in-process server on the same
 * kind of pool).
 */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { afterAll, describe, expect, inject, it } from "vitest";
import { useTestApi } from "../helpers/api.ts";
import { useLimitedGrpcServer } from "../helpers/limited-grpc.ts";
import { committingUser } from "../db/factories.ts";
import { committedPublishedEvent } from "../helpers/locks.ts";
import { recordStatements } from "../helpers/statement-recorder.ts";
import rootPg from "pg";

const BUDGET = 3;
const ENV = { RATE_LIMIT_MUTATIONS: String(BUDGET), RATE_LIMIT_WINDOW_SECONDS: "600" };

const isOpening = (sql: string) => /^begin;\s*set local synchronous_commit = off;\s*select .* from app_private\.take_mutation_points\(.*\);\s*commit;\s*begin;\s*select set_config\(/s.test(sql);

const root = new rootPg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
afterAll(() => root.end());

describe("round trips of a GraphQL mutation", () => {
  const statements = recordStatements();
  const api = useTestApi({ env: ENV, poolSize: 2, observePool: (pool) => statements.observe(pool) });

  it("three: the opening message (rate-limit count, committed without waiting for the disk; begin; settings), the mutation, commit", async () => {
    const eventId = await committedPublishedEvent(root, committingUser("organizer"));
    const user = committingUser("user");
    const token = await api.token(user);
    let answer: Awaited<ReturnType<typeof api.graphql>> | undefined;
    const sent = await statements.during(async () => {
      answer = await api.graphql(`mutation($e: UUID!) { addFavorite(input: { eventId: $e }) { clientMutationId } }`, { e: eventId }, token);
    });
    expect(answer!.errors).toBeUndefined();
    expect(sent).toHaveLength(3);
    expect(isOpening(sent[0]!)).toBe(true);
    expect(sent[1]).toMatch(/add_favorite/);
    expect(sent[2]).toBe("commit");
  });

  it("a failing mutation: three as well (rollback instead of commit), and it counted", async () => {
    const user = committingUser("user");
    const token = await api.token(user);
    const sent = await statements.during(() =>
      api.graphql(`mutation($id: UUID!) { cancelBooking(input: { id: $id, reason: "no" }) { clientMutationId } }`, { id: randomUUID() }, token),
    );
    expect(sent).toHaveLength(3);
    expect(isOpening(sent[0]!)).toBe(true);
    expect(sent[2]).toBe("rollback");
    const { rows } = await root.query("select points from app_private.rate_limit_counter where key = $1", [`mutation:sub:${user.sub}`]);
    expect(rows).toEqual([{ points: 1 }]);
  });

  it("a mutation that never reaches a transaction (refused by validation) still counts, with one statement of its own", async () => {
    const user = committingUser("user");
    let answer: Awaited<ReturnType<typeof api.graphql>> | undefined;
    const sent = await statements.during(async () => {
      answer = await api.graphql(`mutation { noSuchMutation(input: {}) { clientMutationId } }`, {}, await api.token(user));
    });
    expect(answer!.errors?.length).toBeGreaterThan(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/take_mutation_points/);
    const { rows } = await root.query("select points from app_private.rate_limit_counter where key = $1", [`mutation:sub:${user.sub}`]);
    expect(rows).toEqual([{ points: 1 }]);
  });

  it("a query: three (the opening message without a count, the query, commit) where @dataplan/pg sends four", async () => {
    const sent = await statements.during(() => api.graphql(`{ allEvents(first: 1) { nodes { rowId } } }`));
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatch(/^begin;\s*select set_config\(/);
    expect(sent[0]).not.toMatch(/take_mutation_points/);
    expect(sent[2]).toBe("commit");
  });

  it("over budget: refused as documented, and once this process saw the budget spent, a refusal costs no statement at all", async () => {
    const user = committingUser("user");
    const token = await api.token(user);
    const cancel = () =>
      api.graphql(`mutation($id: UUID!) { cancelBooking(input: { id: $id, reason: "no" }) { clientMutationId } }`, { id: randomUUID() }, token);
    for (let i = 0; i < BUDGET - 1; i++) await cancel();
    // The last point of the budget: this process now knows the window is spent.
    expect((await cancel()).errors?.[0]?.extensions?.code).toBe("P0002");
    let refused: Awaited<ReturnType<typeof cancel>> | undefined;
    const sent = await statements.during(async () => {
      refused = await cancel();
    });
    expect(refused!.status).toBe(429);
    expect(refused!.errors?.[0]?.extensions?.code).toBe("LMRAT");
    expect(sent).toEqual([]);
  });
});

describe("round trips of a gRPC mutation", () => {
  const statements = recordStatements();
  const server = useLimitedGrpcServer({ env: ENV, poolSize: 2, poolName: "test-round-trips", observePool: statements.observe });

  it("the count travels in the opening message: no statement of its own, one begin", async () => {
    const eventId = await committedPublishedEvent(root, committingUser("organizer"));
    const user = committingUser("user");
    const metadata = await server.metadataFor(user);
    let error: grpc.ServiceError | null = null;
    const sent = await statements.during(
      () => new Promise<void>((resolve) => server.client.addFavorite({ eventId }, metadata, (e) => ((error = e), resolve()))),
    );
    expect(error).toBeNull();
    expect(isOpening(sent[0]!)).toBe(true);
    expect(sent.filter((sql) => /take_mutation_points/.test(sql))).toHaveLength(1);
    expect(sent.filter((sql) => /^\s*begin\b/.test(sql))).toHaveLength(1);
    expect(sent.at(-1)).toBe("commit");
  });
});
