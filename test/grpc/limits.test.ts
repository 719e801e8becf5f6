/*
 * The process limits over a real gRPC connection (startGrpcServer, real
 * PostgreSQL, development-issuer tokens): the mutation rate limit
 * (RESOURCE_EXHAUSTED + retry-after), the message size limit, the page-size
 * cap, the default deadline for calls that bring none, and the busy pool
 * (UNAVAILABLE). Blocked statements are real: a test connection holds a row
 * lock an UpdateEvent waits for.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { createPool } from "../../src/db/pool.ts";
import { apiDatabaseUrl } from "../helpers/db.ts";
import { createVerifier } from "../../src/auth/verifier.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { startGrpcServer, type GrpcServer } from "../../src/grpc/server.ts";
import { EventServiceClient } from "../../src/gen/aquastream/event/v1/event_service.ts";
import type { TestUser } from "../helpers/db.ts";
import { committingUser } from "../db/factories.ts";
import { committedPublishedEvent, lockEvent } from "../helpers/locks.ts";

const root = new pg.Pool({ connectionString: inject("databaseUrl"), max: 3 });
afterAll(() => root.end());

interface Served {
  client: EventServiceClient;
  /** host:port of the server, for a second connection. */
  address(): string;
  token(user: TestUser): Promise<string>;
}

/** A gRPC server with these limits (env as for loadConfig) and a client, for the enclosing describe. */
function useServer(env: Record<string, string>, poolSize = 5): Served {
  const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "aquastream-grpc-")), LOG_LEVEL: "silent", ...env });
  const issuer = loadDevIssuer(config);
  const pool = createPool(apiDatabaseUrl(), poolSize, "test-grpc-limits", config.limits.poolQueueTimeoutMs);
  let server: GrpcServer;
  const served = {
    client: undefined as unknown as EventServiceClient,
    token: (user: TestUser) => issuer.signDevToken({ role: user.roles, sub: user.sub }),
    address: () => `127.0.0.1:${server.port}`,
  };
  beforeAll(async () => {
    server = await startGrpcServer("127.0.0.1", 0, { pool, verifier: createVerifier(config), limits: config.limits });
    served.client = new EventServiceClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    served.client.close();
    await server.close(1000);
    await pool.end();
  });
  return served;
}

type Unary<Req, Res> = (
  req: Req,
  md: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  cb: (err: grpc.ServiceError | null, res: Res) => void,
) => unknown;

async function call<Req, Res>(
  served: Served,
  method: (c: EventServiceClient) => Unary<Req, Res>,
  request: Req,
  as: TestUser | null,
  options: Partial<grpc.CallOptions> = {},
): Promise<{ response?: Res; error?: grpc.ServiceError }> {
  const md = new grpc.Metadata();
  if (as) md.set("authorization", `Bearer ${await served.token(as)}`);
  return new Promise((resolve) =>
    method(served.client).call(served.client, request, md, options, (error: grpc.ServiceError | null, response: Res) =>
      resolve(error ? { error } : { response }),
    ),
  );
}



describe("gRPC limits", () => {
  const served = useServer({
    RATE_LIMIT_MUTATIONS: "5",
    RATE_LIMIT_WINDOW_SECONDS: "600",
    GRPC_MAX_MESSAGE_BYTES: "4096",
    GRPC_DEFAULT_DEADLINE_MS: "800",
    DATABASE_STATEMENT_TIMEOUT_MS: "30000",
  });

  it("rate-limits mutations per subject: RESOURCE_EXHAUSTED with retry-after after the budget; reads and other subjects unaffected", async () => {
    const user = committingUser("user");
    const codes: grpc.status[] = [];
    let limited: grpc.ServiceError | undefined;
    for (let i = 0; i < 12; i++) {
      const { error } = await call(served, (c) => c.addFavorite, { eventId: randomUUID() }, user);
      codes.push(error!.code);
      if (error!.code === grpc.status.RESOURCE_EXHAUSTED) limited = error;
    }
    // The first five reach SQL (no such event), the rest are refused before any database work.
    expect(codes).toEqual([...Array(5).fill(grpc.status.NOT_FOUND), ...Array(7).fill(grpc.status.RESOURCE_EXHAUSTED)]);
    expect(limited!.details).toMatch(/^too many requests: try again in \d+ s$/);
    expect(limited!.metadata.get("aquastream-error-code")).toEqual(["LMRAT"]);
    expect(Number(limited!.metadata.get("retry-after")[0])).toBeGreaterThanOrEqual(1);

    const read = await call(served, (c) => c.listFavorites, { pageSize: 5, pageToken: "" }, user);
    expect(read.error).toBeUndefined();
    const other = await call(served, (c) => c.addFavorite, { eventId: randomUUID() }, committingUser("user"));
    expect(other.error!.code).toBe(grpc.status.NOT_FOUND);
  });

  it("never rate-limits the payment gateway (its confirmations are money already moved)", async () => {
    const gateway = committingUser("payment-gateway");
    const codes = new Set<grpc.status>();
    for (let i = 0; i < 8; i++) {
      const { error } = await call(served, (c) => c.addFavorite, { eventId: randomUUID() }, gateway);
      codes.add(error!.code);
    }
    expect(codes).toEqual(new Set([grpc.status.NOT_FOUND]));
  });

  it("refuses a message over GRPC_MAX_MESSAGE_BYTES with RESOURCE_EXHAUSTED", async () => {
    const organizer = committingUser("organizer");
    const eventId = await committedPublishedEvent(root, organizer);
    const { error } = await call(served, (c) => c.updateEvent, { id: eventId, description: "x".repeat(10_000) }, organizer);
    expect(error!.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error!.details).toMatch(/larger than max/i);
    const { rows } = await root.query("select description from app_public.event where id = $1", [eventId]);
    expect(rows[0]!.description).not.toBe("x".repeat(10_000));
  });

  it("caps page_size at 100 (INVALID_ARGUMENT)", async () => {
    const { error } = await call(served, (c) => c.listEvents, { pageSize: 101, pageToken: "", onlyAvailable: false, statuses: [], sort: 0 }, null);
    expect(error!.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error!.metadata.get("aquastream-error-field")).toEqual(["page_size"]);
  });

  it("gives a call without a deadline GRPC_DEFAULT_DEADLINE_MS: a blocked statement ends DEADLINE_EXCEEDED", async () => {
    const organizer = committingUser("organizer");
    const eventId = await committedPublishedEvent(root, organizer);
    const lock = await lockEvent(root, eventId);
    let outcome;
    try {
      outcome = await call(served, (c) => c.updateEvent, { id: eventId, title: "Renamed while locked" }, organizer);
    } finally {
      await lock.release();
    }
    expect(outcome.error!.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(outcome.error!.metadata.get("aquastream-error-code")).toEqual(["57014"]);
    const { rows } = await root.query("select title from app_public.event where id = $1", [eventId]);
    expect(rows[0]!.title).not.toBe("Renamed while locked");
  });
});

describe("gRPC concurrent streams", () => {
  const served = useServer({ GRPC_MAX_CONCURRENT_STREAMS: "1", DATABASE_STATEMENT_TIMEOUT_MS: "20000" });

  it("one connection runs at most GRPC_MAX_CONCURRENT_STREAMS calls at once; another connection is served", async () => {
    const organizer = committingUser("organizer");
    const eventId = await committedPublishedEvent(root, organizer);
    const lock = await lockEvent(root, eventId);
    const blocked = call(served, (c) => c.updateEvent, { id: eventId, title: "Renamed after the wait" }, organizer, {
      deadline: Date.now() + 15_000,
    });
    let second;
    let otherConnection;
    try {
      await lock.untilSomeoneWaits();
      // Same connection: the only stream is taken, so this call cannot start before its deadline.
      second = await call(served, (c) => c.getEvent, { id: eventId }, null, { deadline: Date.now() + 1_500 });
      // Its own HTTP/2 connection (grpc-js would otherwise share the subchannel of the same target).
      const other = new EventServiceClient(served.address(), grpc.credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
      });
      try {
        otherConnection = await new Promise<grpc.ServiceError | null>((resolve) =>
          other.getEvent({ id: eventId }, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error) => resolve(error)),
        );
      } finally {
        other.close();
      }
    } finally {
      await lock.release();
    }
    expect(second.error).toBeDefined();
    expect([grpc.status.DEADLINE_EXCEEDED, grpc.status.UNAVAILABLE]).toContain(second.error!.code);
    expect(otherConnection).toBeNull();
    expect((await blocked).error).toBeUndefined();
  });
});

describe("gRPC with a busy pool", () => {
  const served = useServer({ DATABASE_POOL_TIMEOUT_MS: "300", DATABASE_STATEMENT_TIMEOUT_MS: "20000" }, 1);

  it("answers UNAVAILABLE (LMBSY) while every connection is taken, and serves again afterwards", async () => {
    const organizer = committingUser("organizer");
    const eventId = await committedPublishedEvent(root, organizer);
    const lock = await lockEvent(root, eventId);
    const blocked = call(served, (c) => c.updateEvent, { id: eventId, title: "Renamed after the wait" }, organizer, {
      deadline: Date.now() + 15_000,
    });
    let busy;
    try {
      await lock.untilSomeoneWaits();
      busy = await call(served, (c) => c.getEvent, { id: eventId }, null);
    } finally {
      await lock.release();
    }
    expect(busy.error!.code).toBe(grpc.status.UNAVAILABLE);
    expect(busy.error!.metadata.get("aquastream-error-code")).toEqual(["LMBSY"]);
    expect((await blocked).error).toBeUndefined();
    expect((await call(served, (c) => c.getEvent, { id: eventId }, null)).error).toBeUndefined();
  });
});
