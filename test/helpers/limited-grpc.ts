/*
 * A gRPC server with the rate limits of `env` on a small pool of its own, and
 * a client for it. The request-budget attack tests and the round-trip tests
 * need what test/grpc/helpers.ts (useGrpcApi) does not give: limits from the
 * environment, and the server's pool to observe. Both built it the same way.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { createPool } from "../../src/db/pool.ts";
import { createVerifier } from "../../src/auth/verifier.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { startGrpcServer, type GrpcServer } from "../../src/grpc/server.ts";
import { EventServiceClient } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { apiDatabaseUrl, type TestUser } from "./db.ts";

export interface LimitedGrpcOptions {
  /** Environment for loadConfig: the limits (RATE_LIMIT_*, GRPC_TRUST_FORWARDED_FOR). */
  env: Record<string, string>;
  poolSize: number;
  /** The pool's name (its application_name). */
  poolName: string;
  /** Sees the server's pool before the server starts (e.g. to record its statements). */
  observePool?: (pool: pg.Pool) => void;
}

export interface LimitedGrpc {
  /** The client (from beforeAll on). */
  readonly client: EventServiceClient;
  /** Metadata with a development token for `as` (none for null), then the `extra` entries. */
  metadataFor(as: TestUser | null, extra?: Record<string, string>): Promise<grpc.Metadata>;
}

/** Starts the server and client for the file or describe block (beforeAll) and stops them afterwards. */
export function useLimitedGrpcServer(options: LimitedGrpcOptions): LimitedGrpc {
  const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "aquastream-grpc-limits-")), LOG_LEVEL: "silent", ...options.env });
  const issuer = loadDevIssuer(config);
  const pool = createPool(apiDatabaseUrl(), options.poolSize, options.poolName, config.limits.poolQueueTimeoutMs);
  options.observePool?.(pool);
  let server: GrpcServer;
  let client: EventServiceClient;
  beforeAll(async () => {
    server = await startGrpcServer("127.0.0.1", 0, { pool, verifier: createVerifier(config), limits: config.limits });
    client = new EventServiceClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await server.close(1000);
    await pool.end();
  });
  return {
    get client() {
      return client;
    },
    async metadataFor(as, extra = {}) {
      const md = new grpc.Metadata();
      if (as) md.set("authorization", `Bearer ${await issuer.signDevToken({ role: as.roles, sub: as.sub })}`);
      for (const [key, value] of Object.entries(extra)) md.set(key, value);
      return md;
    },
  };
}
