/*
 * The limit variables (src/config/limits.ts): documented defaults, production
 * defaults, and refusals that name the variable.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { configRefusal } from "../helpers/config.ts";

describe("limits configuration", () => {
  it("has the documented defaults", () => {
    expect(loadConfig({}).limits).toEqual({
      rateLimitPoints: 60,
      rateLimitWindowSeconds: 60,
      rateLimitStore: "postgres",
      graphqlMaxPageSize: 100,
      graphqlMaxDepth: 12,
      graphqlMaxCost: 5000,
      graphqlMaxTokens: 2000,
      graphqlMaxAliases: 30,
      graphqlMaxDirectives: 20,
      graphqlMaxInputDepth: 10,
      graphqlMaxListLength: 100,
      graphqlMaxFilterConditions: 50,
      graphqlIntrospection: true,
      trustedDocumentsDir: undefined,
      trustedDocumentsAllowOthers: false,
      httpTrustProxy: 0,
      httpMaxBodyBytes: 100_000,
      grpcMaxMessageBytes: 4 * 1024 * 1024,
      grpcMaxConcurrentStreams: 100,
      grpcDefaultDeadlineMs: 10_000,
      statementTimeoutMs: 10_000,
      idleInTransactionTimeoutMs: 30_000,
      poolQueueTimeoutMs: 5_000,
      rateLimitRequests: 600,
      rateLimitRequestWindowSeconds: 60,
      grpcTrustForwardedFor: false,
      graphqlMaxTotalCount: 1_000,
      graphqlMaxOffset: 10_000,
      graphqlMaxRows: 20_000,
      httpHeadersTimeoutMs: 10_000,
      httpRequestTimeoutMs: 30_000,
      httpKeepAliveTimeoutMs: 5_000,
      httpMaxConnections: 4_000,
      httpMaxConnectionsPerClient: 100,
      grpcMaxConnections: 1_000,
      grpcMaxConnectionsPerClient: 100,
      grpcHandshakeTimeoutMs: 10_000,
      grpcRequestTimeoutMs: 30_000,
      grpcMaxConnectionIdleMs: 300_000,
      grpcMaxConnectionAgeMs: 1_800_000,
      grpcMaxConnectionAgeGraceMs: 30_000,
    });
  });

  it("caps connections per client only where clients connect directly: behind a trusted proxy or gateway, unless set", () => {
    expect(loadConfig({ HTTP_TRUST_PROXY: "1" }).limits.httpMaxConnectionsPerClient).toBe(0);
    expect(loadConfig({ HTTP_TRUST_PROXY: "1", HTTP_MAX_CONNECTIONS_PER_CLIENT: "500" }).limits.httpMaxConnectionsPerClient).toBe(500);
    expect(loadConfig({ GRPC_TRUST_FORWARDED_FOR: "true" }).limits.grpcMaxConnectionsPerClient).toBe(0);
    expect(loadConfig({ GRPC_TRUST_FORWARDED_FOR: "true", GRPC_MAX_CONNECTIONS_PER_CLIENT: "50" }).limits.grpcMaxConnectionsPerClient).toBe(50);
  });

  it("turns introspection off in production unless enabled", () => {
    const production = { NODE_ENV: "production", DATABASE_URL: "postgres://u@h/db", KEYCLOAK_ISSUER: "https://sso/realms/a" };
    expect(loadConfig(production).limits.graphqlIntrospection).toBe(false);
    expect(loadConfig({ ...production, GRAPHQL_INTROSPECTION: "true" }).limits.graphqlIntrospection).toBe(true);
  });

  it.each([
    [{ RATE_LIMIT_MUTATIONS: "0" }, "RATE_LIMIT_MUTATIONS", "between 1 and"],
    [{ RATE_LIMIT_WINDOW_SECONDS: "soon" }, "RATE_LIMIT_WINDOW_SECONDS", "whole number"],
    [{ RATE_LIMIT_STORE: "redis" }, "RATE_LIMIT_STORE", "postgres, memory"],
    [{ GRAPHQL_MAX_PAGE_SIZE: "0" }, "GRAPHQL_MAX_PAGE_SIZE", "between 1 and"],
    [{ GRAPHQL_MAX_DEPTH: "1" }, "GRAPHQL_MAX_DEPTH", "between 2 and"],
    [{ GRAPHQL_MAX_COST: "x" }, "GRAPHQL_MAX_COST", "whole number"],
    [{ GRAPHQL_MAX_TOKENS: "10" }, "GRAPHQL_MAX_TOKENS", "between 50 and"],
    [{ GRAPHQL_MAX_ALIASES: "0" }, "GRAPHQL_MAX_ALIASES", "between 1 and"],
    [{ GRAPHQL_MAX_DIRECTIVES: "many" }, "GRAPHQL_MAX_DIRECTIVES", "whole number"],
    [{ GRAPHQL_MAX_INPUT_DEPTH: "1" }, "GRAPHQL_MAX_INPUT_DEPTH", "between 2 and"],
    [{ GRAPHQL_MAX_LIST_LENGTH: "0" }, "GRAPHQL_MAX_LIST_LENGTH", "between 1 and"],
    [{ GRAPHQL_MAX_FILTER_CONDITIONS: "0" }, "GRAPHQL_MAX_FILTER_CONDITIONS", "between 1 and"],
    [{ GRAPHQL_INTROSPECTION: "maybe" }, "GRAPHQL_INTROSPECTION", "true or false"],
    [{ TRUSTED_DOCUMENTS_ALLOW_OTHERS: "true" }, "TRUSTED_DOCUMENTS_ALLOW_OTHERS", "needs TRUSTED_DOCUMENTS_DIR"],
    [{ HTTP_TRUST_PROXY: "11" }, "HTTP_TRUST_PROXY", "between 0 and 10"],
    [{ HTTP_MAX_BODY_BYTES: "10" }, "HTTP_MAX_BODY_BYTES", "between 1000 and"],
    [{ GRPC_MAX_MESSAGE_BYTES: "1" }, "GRPC_MAX_MESSAGE_BYTES", "between 1024 and"],
    [{ GRPC_MAX_CONCURRENT_STREAMS: "0" }, "GRPC_MAX_CONCURRENT_STREAMS", "between 1 and"],
    [{ GRPC_DEFAULT_DEADLINE_MS: "5" }, "GRPC_DEFAULT_DEADLINE_MS", "between 100 and"],
    [{ DATABASE_STATEMENT_TIMEOUT_MS: "-1" }, "DATABASE_STATEMENT_TIMEOUT_MS", "whole number"],
    [{ DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: "0" }, "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", "between 100 and"],
    [{ DATABASE_POOL_TIMEOUT_MS: "1" }, "DATABASE_POOL_TIMEOUT_MS", "between 100 and"],
    [{ HTTP_HEADERS_TIMEOUT_MS: "10" }, "HTTP_HEADERS_TIMEOUT_MS", "between 1000 and"],
    [{ HTTP_HEADERS_TIMEOUT_MS: "20000", HTTP_REQUEST_TIMEOUT_MS: "10000" }, "HTTP_REQUEST_TIMEOUT_MS", "at least HTTP_HEADERS_TIMEOUT_MS"],
    [{ HTTP_KEEP_ALIVE_TIMEOUT_MS: "soon" }, "HTTP_KEEP_ALIVE_TIMEOUT_MS", "whole number"],
    [{ HTTP_MAX_CONNECTIONS: "0" }, "HTTP_MAX_CONNECTIONS", "between 1 and"],
    [{ HTTP_MAX_CONNECTIONS_PER_CLIENT: "-1" }, "HTTP_MAX_CONNECTIONS_PER_CLIENT", "whole number"],
    [{ GRPC_MAX_CONNECTIONS: "0" }, "GRPC_MAX_CONNECTIONS", "between 1 and"],
    [{ GRPC_HANDSHAKE_TIMEOUT_MS: "5" }, "GRPC_HANDSHAKE_TIMEOUT_MS", "between 100 and"],
    [{ GRPC_REQUEST_TIMEOUT_MS: "0" }, "GRPC_REQUEST_TIMEOUT_MS", "between 100 and"],
    [{ GRPC_MAX_CONNECTION_IDLE_MS: "x" }, "GRPC_MAX_CONNECTION_IDLE_MS", "whole number"],
  ])("refuses %j naming %s", (env, variable, fragment) => {
    const error = configRefusal(loadConfig, env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(fragment);
  });
});

describe("docs/configuration.md", () => {
  it("documents every limit variable in the configuration table", () => {
    const source = readFileSync("src/config/limits.ts", "utf8");
    const variables = [...source.matchAll(/\(env, "([A-Z_]+)"/g)].map((m) => m[1]!);
    expect(variables.length).toBeGreaterThan(10);
    const table = readFileSync("docs/configuration.md", "utf8");
    for (const variable of variables) expect(table, variable).toContain(`| \`${variable}\` |`);
  });
});
