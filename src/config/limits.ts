/*
 * Resource limits of the API process, from environment variables, validated
 * like the rest of src/config/env.ts (a wrong value stops start-up naming the
 * variable). They protect the process and the database from clients; the
 * business limits against seat hoarding are rows of app_private.setting in
 * the database instead (docs/limits.md).
 */
import { bool, ConfigError, int, str, type Env } from "./env.ts";

export interface LimitsConfig {
  /** Mutation points (one per executed mutation field, fragments included) a caller may spend per window. */
  rateLimitPoints: number;
  rateLimitWindowSeconds: number;
  /** Where the counters live: PostgreSQL (shared by every replica) or this process's memory. */
  rateLimitStore: "postgres" | "memory";
  /** Largest `first`/`last` a connection accepts; also the page size when neither is given. */
  graphqlMaxPageSize: number;
  graphqlMaxDepth: number;
  graphqlMaxCost: number;
  /** Lexical tokens of one document (graphql-armor max-tokens, at parse). */
  graphqlMaxTokens: number;
  /** Aliases of one operation, fragments included (graphql-armor max-aliases). */
  graphqlMaxAliases: number;
  /** Directives of one operation, fragments included (graphql-armor max-directives). */
  graphqlMaxDirectives: number;
  /** Nesting of input objects and lists in any argument, variables included (src/graphql/input-limits.ts). */
  graphqlMaxInputDepth: number;
  /** Items of any list in an argument, variables included. */
  graphqlMaxListLength: number;
  /** Conditions (object fields: operators, columns, and/or/not) in the `filter` arguments of one request. */
  graphqlMaxFilterConditions: number;
  /** Introspection queries (__schema, __type) allowed. */
  graphqlIntrospection: boolean;
  /** Directory of trusted documents (<sha256>.graphql); undefined: any document runs. */
  trustedDocumentsDir: string | undefined;
  /** With trusted documents on, still run documents that are not in the directory. */
  trustedDocumentsAllowOthers: boolean;
  /** Proxies in front of the API whose X-Forwarded-For is trusted (express "trust proxy" hops); 0: none. */
  httpTrustProxy: number;
  /** Largest HTTP request body (bytes); larger ones get 413. */
  httpMaxBodyBytes: number;
  grpcMaxMessageBytes: number;
  grpcMaxConcurrentStreams: number;
  /** Deadline given to a gRPC call that arrives without one. */
  grpcDefaultDeadlineMs: number;
  /** statement_timeout of every API transaction (GraphQL and gRPC). */
  statementTimeoutMs: number;
  /** idle_in_transaction_session_timeout of every API transaction. */
  idleInTransactionTimeoutMs: number;
  /** How long a request waits for a free pooled connection before it is answered "busy". */
  poolQueueTimeoutMs: number;
  /** Requests (GraphQL requests, gRPC calls: reads and writes) one caller may make per window, per process; 0: off. */
  rateLimitRequests: number;
  rateLimitRequestWindowSeconds: number;
  /** Rows `totalCount` counts at most (more: the cap, and totalCountIsCapped). */
  graphqlMaxTotalCount: number;
  /** Rows one document may ask for: page sizes multiplied along nested lists, summed (rows-limit.ts). */
  graphqlMaxRows: number;
  /** Largest `offset` argument (every skipped row is read). */
  graphqlMaxOffset: number;
  /** gRPC: key anonymous callers by the last x-forwarded-for entry (the gateway's view) instead of the peer. */
  grpcTrustForwardedFor: boolean;
  /** HTTP: a request's headers must have arrived this long after it began (slowloris); else the connection is closed. */
  httpHeadersTimeoutMs: number;
  /** HTTP: the whole request, body included, must have arrived this long after it began; else 408 and close. */
  httpRequestTimeoutMs: number;
  /** HTTP: an idle keep-alive connection is closed after this long without a request. */
  httpKeepAliveTimeoutMs: number;
  /** HTTP connections open at once on the public port; more are closed as they arrive. */
  httpMaxConnections: number;
  /** HTTP connections one client address (IPv6: its /64) may hold open at once; 0: no per-client cap. */
  httpMaxConnectionsPerClient: number;
  /** gRPC connections open at once; more are closed as they arrive. */
  grpcMaxConnections: number;
  /** gRPC connections one peer address (IPv6: its /64) may hold open at once; 0: no per-client cap. */
  grpcMaxConnectionsPerClient: number;
  /** A gRPC connection must finish its TLS handshake and HTTP/2 preface within this long; else it is closed. */
  grpcHandshakeTimeoutMs: number;
  /** A gRPC call's request (headers, message, end) must have arrived this long after the call began; else the call is reset. */
  grpcRequestTimeoutMs: number;
  /** A gRPC connection without a call for this long is closed (GOAWAY); 0: never (grpc.max_connection_idle_ms). */
  grpcMaxConnectionIdleMs: number;
  /** A gRPC connection older than this is asked to go (GOAWAY); 0: never (grpc.max_connection_age_ms). */
  grpcMaxConnectionAgeMs: number;
  /** Calls still running on a connection asked to go get this long before it is closed (grpc.max_connection_age_grace_ms). */
  grpcMaxConnectionAgeGraceMs: number;
}

export function loadLimits(env: Env, nodeEnv: "development" | "production" | "test"): LimitsConfig {
  const store = str(env, "RATE_LIMIT_STORE") ?? "postgres";
  if (store !== "postgres" && store !== "memory") {
    throw new ConfigError("RATE_LIMIT_STORE", `must be one of postgres, memory, got "${store}"`);
  }
  const trustedDocumentsDir = str(env, "TRUSTED_DOCUMENTS_DIR");
  const httpTrustProxy = int(env, "HTTP_TRUST_PROXY", 0, 0, 10);
  const grpcTrustForwardedFor = bool(env, "GRPC_TRUST_FORWARDED_FOR", false);
  const httpHeadersTimeoutMs = int(env, "HTTP_HEADERS_TIMEOUT_MS", 10_000, 1_000, 300_000);
  const httpRequestTimeoutMs = int(env, "HTTP_REQUEST_TIMEOUT_MS", 30_000, 1_000, 3_600_000);
  // Node refuses a server whose headers may take longer than the whole request.
  if (httpRequestTimeoutMs < httpHeadersTimeoutMs) {
    throw new ConfigError("HTTP_REQUEST_TIMEOUT_MS", `must be at least HTTP_HEADERS_TIMEOUT_MS (${httpHeadersTimeoutMs}), got ${httpRequestTimeoutMs}`);
  }
  const trustedDocumentsAllowOthers = bool(env, "TRUSTED_DOCUMENTS_ALLOW_OTHERS", false);
  if (trustedDocumentsAllowOthers && !trustedDocumentsDir) {
    throw new ConfigError("TRUSTED_DOCUMENTS_ALLOW_OTHERS", "needs TRUSTED_DOCUMENTS_DIR as well");
  }
  return {
    rateLimitPoints: int(env, "RATE_LIMIT_MUTATIONS", 60, 1, 1_000_000),
    rateLimitWindowSeconds: int(env, "RATE_LIMIT_WINDOW_SECONDS", 60, 1, 86_400),
    rateLimitStore: store,
    graphqlMaxPageSize: int(env, "GRAPHQL_MAX_PAGE_SIZE", 100, 1, 10_000),
    graphqlMaxDepth: int(env, "GRAPHQL_MAX_DEPTH", 12, 2, 100),
    graphqlMaxCost: int(env, "GRAPHQL_MAX_COST", 5_000, 10, 1_000_000),
    graphqlMaxTokens: int(env, "GRAPHQL_MAX_TOKENS", 2_000, 50, 1_000_000),
    graphqlMaxAliases: int(env, "GRAPHQL_MAX_ALIASES", 30, 1, 10_000),
    graphqlMaxDirectives: int(env, "GRAPHQL_MAX_DIRECTIVES", 20, 1, 10_000),
    graphqlMaxInputDepth: int(env, "GRAPHQL_MAX_INPUT_DEPTH", 10, 2, 100),
    graphqlMaxListLength: int(env, "GRAPHQL_MAX_LIST_LENGTH", 100, 1, 100_000),
    graphqlMaxFilterConditions: int(env, "GRAPHQL_MAX_FILTER_CONDITIONS", 50, 1, 100_000),
    graphqlIntrospection: bool(env, "GRAPHQL_INTROSPECTION", nodeEnv !== "production"),
    trustedDocumentsDir,
    trustedDocumentsAllowOthers,
    httpTrustProxy,
    httpMaxBodyBytes: int(env, "HTTP_MAX_BODY_BYTES", 100_000, 1_000, 50_000_000),
    grpcMaxMessageBytes: int(env, "GRPC_MAX_MESSAGE_BYTES", 4 * 1024 * 1024, 1_024, 64 * 1024 * 1024),
    grpcMaxConcurrentStreams: int(env, "GRPC_MAX_CONCURRENT_STREAMS", 100, 1, 10_000),
    grpcDefaultDeadlineMs: int(env, "GRPC_DEFAULT_DEADLINE_MS", 10_000, 100, 600_000),
    statementTimeoutMs: int(env, "DATABASE_STATEMENT_TIMEOUT_MS", 10_000, 100, 3_600_000),
    idleInTransactionTimeoutMs: int(env, "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", 30_000, 100, 3_600_000),
    poolQueueTimeoutMs: int(env, "DATABASE_POOL_TIMEOUT_MS", 5_000, 100, 600_000),
    rateLimitRequests: int(env, "RATE_LIMIT_REQUESTS", 600, 0, 1_000_000),
    rateLimitRequestWindowSeconds: int(env, "RATE_LIMIT_REQUEST_WINDOW_SECONDS", 60, 1, 86_400),
    grpcTrustForwardedFor,
    graphqlMaxTotalCount: int(env, "GRAPHQL_MAX_TOTAL_COUNT", 1_000, 1, 1_000_000),
    graphqlMaxOffset: int(env, "GRAPHQL_MAX_OFFSET", 10_000, 0, 10_000_000),
    graphqlMaxRows: int(env, "GRAPHQL_MAX_ROWS", 20_000, 1, 100_000_000),
    httpHeadersTimeoutMs,
    httpRequestTimeoutMs,
    httpKeepAliveTimeoutMs: int(env, "HTTP_KEEP_ALIVE_TIMEOUT_MS", 5_000, 100, 600_000),
    httpMaxConnections: int(env, "HTTP_MAX_CONNECTIONS", 4_000, 1, 1_000_000),
    // Behind a trusted proxy every connection comes from the proxy: a cap per
    // address would be a cap on the proxy, so it is off unless set.
    httpMaxConnectionsPerClient: int(env, "HTTP_MAX_CONNECTIONS_PER_CLIENT", httpTrustProxy > 0 ? 0 : 100, 0, 1_000_000),
    grpcMaxConnections: int(env, "GRPC_MAX_CONNECTIONS", 1_000, 1, 1_000_000),
    // Likewise behind the gateway (GRPC_TRUST_FORWARDED_FOR: every peer is the gateway).
    grpcMaxConnectionsPerClient: int(env, "GRPC_MAX_CONNECTIONS_PER_CLIENT", grpcTrustForwardedFor ? 0 : 100, 0, 1_000_000),
    grpcHandshakeTimeoutMs: int(env, "GRPC_HANDSHAKE_TIMEOUT_MS", 10_000, 100, 600_000),
    grpcRequestTimeoutMs: int(env, "GRPC_REQUEST_TIMEOUT_MS", 30_000, 100, 3_600_000),
    grpcMaxConnectionIdleMs: int(env, "GRPC_MAX_CONNECTION_IDLE_MS", 300_000, 0, 86_400_000),
    grpcMaxConnectionAgeMs: int(env, "GRPC_MAX_CONNECTION_AGE_MS", 1_800_000, 0, 86_400_000),
    grpcMaxConnectionAgeGraceMs: int(env, "GRPC_MAX_CONNECTION_AGE_GRACE_MS", 30_000, 0, 3_600_000),
  };
}
