/*
 * Attack: one caller spreading a flood of mutations over two API processes
 * (real `npm run start:api` processes, sharing one issuer key) and both
 * transports at once, all in parallel, and a replica killed with SIGKILL in
 * the middle. The mutation rate limit is counted in PostgreSQL in the message
 * that opens each request's transaction (issue #21: no round trip of its
 * own), so:
 *
 * - exactly the budget passes, however the requests are spread;
 * - failing mutations count (every attempt here fails in SQL: no such
 *   booking, no such event), so failing is no way around the limit, and a
 *   mutation that would succeed is refused once failures spent the budget;
 * - the refusal is the documented one: GraphQL 429 + Retry-After, code LMRAT;
 *   gRPC RESOURCE_EXHAUSTED with retry-after and aquastream-error-code LMRAT;
 * - a replica killed mid-flood loses nothing: what it counted is in the
 *   database, the survivor lets through only what is left, and the killed
 *   replica, started again, still refuses.
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import http from "node:http";
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { EventServiceClient } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { committingUser } from "../db/factories.ts";
import type { TestUser } from "../helpers/db.ts";
import { committedPublishedEvent } from "../helpers/locks.ts";
import { startApiProcess, type ServiceProcess } from "../ops/service-process.ts";

const BUDGET = 30;
// A long pool wait: the flood queues for connections on a loaded machine, and "busy" is not what is tested here.
const ENV = { RATE_LIMIT_MUTATIONS: String(BUDGET), RATE_LIMIT_WINDOW_SECONDS: "600", DATABASE_POOL_TIMEOUT_MS: "60000" };

const root = new pg.Pool({ connectionString: inject("databaseUrl"), max: 2 });
let a: ServiceProcess;
let b: ServiceProcess;
let grpcA: EventServiceClient;
let grpcB: EventServiceClient;
let sign: (user: TestUser) => Promise<string>;
/** The development issuer's key, shared by the replicas (A's DATA_DIR). */
let keyDir: string;

beforeAll(async () => {
  a = await startApiProcess(28410, ENV);
  // The same DATA_DIR: both replicas verify the same development issuer's tokens.
  keyDir = a.dataDir;
  b = await startApiProcess(28420, { ...ENV, DATA_DIR: keyDir });
  grpcA = new EventServiceClient(a.grpcAddress, grpc.credentials.createInsecure());
  grpcB = new EventServiceClient(b.grpcAddress, grpc.credentials.createInsecure());
  const issuer = loadDevIssuer(loadConfig({ DATA_DIR: a.dataDir }));
  sign = (user) => issuer.signDevToken({ role: user.roles, sub: user.sub });
}, 300_000);

afterAll(async () => {
  grpcA?.close();
  grpcB?.close();
  await b?.stop();
  await a?.stop();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  await root.end();
});

type Outcome =
  | { kind: "ran"; code: string }
  | { kind: "limited"; retryAfter: number; code: string }
  | { kind: "lost"; detail: string };

/**
 * A GraphQL cancelBooking of a booking that does not exist: it fails in SQL
 * (P0002) when it runs. Each on a connection of its own (no keep-alive): a
 * pooled idle connection the server closes at the moment it is reused would
 * look like a lost request.
 */
function graphqlMutation(apiUrl: string, token: string): Promise<Outcome> {
  const body = JSON.stringify({
    query: `mutation($id: UUID!) { cancelBooking(input: { id: $id, reason: "flood" }) { clientMutationId } }`,
    variables: { id: randomUUID() },
  });
  return new Promise((resolve) => {
    const request = http.request(
      `${apiUrl}/graphql`,
      { method: "POST", agent: false, headers: { "content-type": "application/json", authorization: `Bearer ${token}` } },
      (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => (text += chunk.toString()));
        response.on("error", (error) => resolve({ kind: "lost", detail: String(error) }));
        response.on("end", () => {
          const answer = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
          const code = String(answer.errors?.[0]?.extensions?.code);
          if (response.statusCode === 429) resolve({ kind: "limited", retryAfter: Number(response.headers["retry-after"]), code });
          else resolve({ kind: "ran", code });
        });
      },
    );
    request.on("error", (error) => resolve({ kind: "lost", detail: String(error) })); // the replica was killed under it
    request.end(body);
  });
}

/** A gRPC AddFavorite of an event that does not exist: it fails in SQL (NOT_FOUND) when it runs. */
function grpcMutation(client: EventServiceClient, token: string): Promise<Outcome> {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return new Promise((resolve) =>
    client.addFavorite({ eventId: randomUUID() }, metadata, { deadline: Date.now() + 60_000 }, (error) => {
      if (!error) return resolve({ kind: "ran", code: "OK" });
      if (error.code === grpc.status.RESOURCE_EXHAUSTED) {
        return resolve({
          kind: "limited",
          retryAfter: Number(error.metadata.get("retry-after")[0]),
          code: String(error.metadata.get("aquastream-error-code")[0]),
        });
      }
      if (error.code === grpc.status.UNAVAILABLE) return resolve({ kind: "lost", detail: error.details });
      resolve({ kind: "ran", code: grpc.status[error.code] });
    }),
  );
}

async function pointsOf(user: TestUser): Promise<number> {
  const { rows } = await root.query("select points from app_private.rate_limit_counter where key = $1", [`mutation:sub:${user.sub}`]);
  return (rows[0]?.points as number | undefined) ?? 0;
}

function expectDocumentedRefusal(outcomes: Outcome[]): void {
  for (const o of outcomes) {
    if (o.kind !== "limited") continue;
    expect(o.code).toBe("LMRAT");
    expect(o.retryAfter).toBeGreaterThanOrEqual(1);
    expect(o.retryAfter).toBeLessThanOrEqual(600);
  }
}

describe("attack: one caller's mutations spread over two API replicas and both transports", () => {
  it(`200 parallel failing mutations (GraphQL and gRPC, on both replicas): exactly ${BUDGET} run, the rest are refused as documented`, async () => {
    const user = committingUser("user");
    const token = await sign(user);
    const senders = [
      () => graphqlMutation(a.apiUrl, token),
      () => graphqlMutation(b.apiUrl, token),
      () => grpcMutation(grpcA, token),
      () => grpcMutation(grpcB, token),
    ];
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => senders[i % senders.length]!()));
    expect(outcomes.filter((o) => o.kind === "lost")).toEqual([]);
    const ran = outcomes.filter((o) => o.kind === "ran");
    expect(ran).toHaveLength(BUDGET);
    // Every one that ran reached SQL and failed there: failures are what was
    // counted (P0002 over GraphQL, NOT_FOUND over gRPC). Which transport's
    // requests took the budget is up to the scheduler: a CI run once gave all
    // 30 to GraphQL, so the test asks for each code to be one of the two, not both.
    for (const o of ran) expect(["P0002", "NOT_FOUND"]).toContain((o as { code: string }).code);
    expect(outcomes.filter((o) => o.kind === "limited")).toHaveLength(200 - BUDGET);
    expectDocumentedRefusal(outcomes);
    // The shared count holds every attempt that ran, and refusals the database made.
    expect(await pointsOf(user)).toBeGreaterThanOrEqual(BUDGET);
  });

  it("failing mutations spend the budget: after them, a mutation that would succeed is refused on the other replica", async () => {
    const user = committingUser("user");
    const token = await sign(user);
    const failures = await Promise.all(Array.from({ length: BUDGET }, () => graphqlMutation(a.apiUrl, token)));
    expect(failures.every((o) => o.kind === "ran" && o.code === "P0002")).toBe(true);
    expect(await pointsOf(user)).toBe(BUDGET);
    // A valid mutation (a favorite of a real published event) on replica B: refused, writes nothing.
    const eventId = await committedPublishedEvent(root, committingUser("organizer"));
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      grpcB.addFavorite({ eventId: eventId! }, metadata, (e) => resolve(e)),
    );
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.metadata.get("aquastream-error-code")).toEqual(["LMRAT"]);
    expect(Number(error?.metadata.get("retry-after")[0])).toBeGreaterThanOrEqual(1);
    const favorites = await root.query("select 1 from app_public.favorite where user_id = $1", [user.sub]);
    expect(favorites.rows).toHaveLength(0);
  });

  it("a replica killed with SIGKILL mid-flood: its counts stay, the survivor passes only the rest, and the restarted replica still refuses", { timeout: 300_000 }, async () => {
    const user = committingUser("user");
    const token = await sign(user);
    // A flood on A (both transports), and A killed while it is under way.
    const flood = Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? graphqlMutation(a.apiUrl, token) : grpcMutation(grpcA, token))),
    );
    for (let i = 0; i < 400 && (await pointsOf(user)) < 5; i++) await new Promise((r) => setTimeout(r, 10));
    process.kill(a.pid, "SIGKILL");
    await a.exited;
    const onA = await flood;
    const counted = await pointsOf(user);
    const ranOnA = onA.filter((o) => o.kind === "ran").length;
    // Nothing ran that was not counted first.
    expect(ranOnA).toBeLessThanOrEqual(Math.min(counted, BUDGET));

    // The survivor lets through exactly what the shared count has left.
    const onB = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? graphqlMutation(b.apiUrl, token) : grpcMutation(grpcB, token))),
    );
    expect(onB.filter((o) => o.kind === "ran")).toHaveLength(Math.max(0, BUDGET - counted));
    expect(onB.filter((o) => o.kind === "limited")).toHaveLength(60 - Math.max(0, BUDGET - counted));
    expectDocumentedRefusal(onB);

    // A started again (the same issuer key) remembers nothing in its memory, and still refuses.
    a = await startApiProcess(28430, { ...ENV, DATA_DIR: keyDir });
    grpcA.close();
    grpcA = new EventServiceClient(a.grpcAddress, grpc.credentials.createInsecure());
    const again = await Promise.all([graphqlMutation(a.apiUrl, token), grpcMutation(grpcA, token)]);
    expect(again.map((o) => o.kind)).toEqual(["limited", "limited"]);
    expectDocumentedRefusal(again);
  });
});
