/*
 * A real API server for end-to-end tests: the same createHttpApi() as
 * production, on a random port, over the test database, with the development
 * issuer (its own key in a temporary DATA_DIR) signing tokens for test users.
 */
import { mkdtempSync } from "node:fs";
import { loadTicketSigner } from "../../src/tickets/token.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../../src/config/env.ts";
import { createPool } from "../../src/db/pool.ts";
import { createVerifier } from "../../src/auth/verifier.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { createHttpApi, type HttpApi } from "../../src/http/app.ts";
import { makeReadinessCheck } from "../../src/http/readiness.ts";
import { apiDatabaseUrl, type TestUser } from "./db.ts";
import type pg from "pg";

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: unknown[] }[];
}

export interface TestApi {
  url: string;
  token(user: TestUser): Promise<string>;
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    as?: TestUser | string | null,
  ): Promise<GraphQLResult<T>>;
  /**
   * The data of a call that must succeed: any errors fail the test, with the
   * errors as the message. (Every flow test needed this; a method so that
   * `const { ok } = api` works.)
   */
  ok<T = Record<string, unknown>>(query: string, variables: Record<string, unknown>, as: TestUser | null): Promise<T>;
}

export interface TestApiOptions {
  /** Extra environment for loadConfig, e.g. limits ({ RATE_LIMIT_MUTATIONS: "5" }). */
  env?: Record<string, string>;
  poolSize?: number;
  /** Sees the API's pool before the server starts (e.g. to record its statements). */
  observePool?: (pool: pg.Pool) => void;
}

/** Starts one server for the file (beforeAll) and stops it afterwards. */
export function useTestApi(options: TestApiOptions = {}): TestApi {
  const config = loadConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), "aquastream-api-")),
    LOG_LEVEL: "silent",
    ...options.env,
  });
  const issuer = loadDevIssuer(config);
  let http: HttpApi | undefined;
  let url = "";
  // As the service: the authenticator serves requests and answers readiness (no owner connection).
  const pool = createPool(apiDatabaseUrl(), options.poolSize ?? 10, "test-api", config.limits.poolQueueTimeoutMs);
  options.observePool?.(pool);

  beforeAll(async () => {
    http = await createHttpApi({
      pool,
      verifier: createVerifier(config),
      graphiql: false,
      limits: config.limits,
      // As in production: TICKET_SIGNING_KEY_FILE / TICKET_PREVIOUS_KEY_FILES from options.env, else a development key.
      ticketSigner: loadTicketSigner({
        keyFile: config.ticketSigningKeyFile,
        previousKeyFiles: config.ticketPreviousKeyFiles,
        dataDir: config.dataDir,
        production: false,
      }),
      readiness: makeReadinessCheck(pool),
    });
    await new Promise<void>((resolve) => http!.server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await http?.close();
    await pool.end();
  });

  const api: TestApi = {
    get url() {
      return url;
    },
    token: (user) => issuer.signDevToken({ role: user.roles, sub: user.sub }),
    async graphql(query, variables = {}, as = null) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (as) headers.authorization = `Bearer ${typeof as === "string" ? as : await api.token(as)}`;
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    async ok<T>(query: string, variables: Record<string, unknown>, as: TestUser | null): Promise<T> {
      const response = await api.graphql<T>(query, variables, as);
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      return response.data!;
    },
  };
  return api;
}
