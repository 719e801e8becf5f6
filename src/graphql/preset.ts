/*
 * The PostGraphile V5 preset: what of the database becomes GraphQL, and how a
 * request reaches PostgreSQL.
 *
 * - Amber preset + aggregates + connection filter (no V4 preset).
 * - Only `app_public` is exposed. Tables get no automatic CRUD mutations (their
 *   `@behavior` smart tags); mutations are the SQL functions.
 * - pgSettings per request come from the verified JWT via claimsToPgSettings(),
 *   the same function the gRPC server uses, so RLS sees one identity model.
 */
import type pg from "pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PgAggregatesPreset } from "@graphile/pg-aggregates";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";
import { claimsToPgSettings, type Claims } from "../auth/claims.ts";
import { maskError } from "./mask-error.ts";
import { PersistedPlugin } from "@grafserv/persisted";
import type { LimitsConfig } from "../config/limits.ts";
import type { RateLimiter } from "../limits/rate-limiter.ts";
import { makePageSizePlugin } from "./page-size-plugin.ts";
import { makeTotalCountPlugin } from "./total-count-plugin.ts";
import { NoRelationFiltersPlugin } from "./no-relation-filters-plugin.ts";
import { makeLimitsPlugin } from "./limits-plugin.ts";
import { ObservePlugin } from "./observe-plugin.ts";
import { DatetimeOffsetPlugin } from "./datetime-offset-plugin.ts";
import { makeRetryingPgService } from "./retrying-pg-service.ts";
import { makeTicketTokenPlugin } from "./ticket-token-plugin.ts";
import { RowComputedInlinePlugin } from "./row-computed-inline-plugin.ts";
import type { TicketSigner } from "../tickets/token.ts";

export interface PresetOptions {
  pool: pg.Pool;
  graphiql: boolean;
  /** Where to write schema.graphql (development and the export script only). */
  exportSchemaPath?: string | undefined;
  /** Resource limits (src/config/limits.ts). */
  limits: LimitsConfig;
  /** Mutation rate limit; undefined: none (schema export). */
  rateLimiter?: RateLimiter | undefined;
  /** Signs Ticket.token and verifies checkInTicketByToken; undefined: tokens off (the fields stay, answering null / TKSIG). */
  ticketSigner?: TicketSigner | undefined;
}

export function makePreset({ pool, graphiql, exportSchemaPath, limits, rateLimiter, ticketSigner }: PresetOptions): GraphileConfig.Preset {
  return {
    extends: [PostGraphileAmberPreset, PgAggregatesPreset, PostGraphileConnectionFilterPreset],
    plugins: [
      // The request log and metrics learn the operation and its outcome.
      ObservePlugin,
      makePageSizePlugin(limits.graphqlMaxPageSize),
      // No filters through relations (nested, their work multiplies: no-relation-filters-plugin.ts).
      NoRelationFiltersPlugin,
      // totalCount counts at most GRAPHQL_MAX_TOTAL_COUNT rows (totalCountIsCapped beside it).
      makeTotalCountPlugin(limits.graphqlMaxTotalCount),
      // Trusted documents: only operations stored in TRUSTED_DOCUMENTS_DIR run.
      ...(limits.trustedDocumentsDir ? [PersistedPlugin] : []),
      makeLimitsPlugin(limits, rateLimiter),
      // A Datetime without an offset is refused, never guessed (22007).
      DatetimeOffsetPlugin,
      // Ticket.token and checkInTicketByToken, signed/verified in TypeScript.
      makeTicketTokenPlugin(ticketSigner),
      // ratingSummary and other one-composite computed columns in the parent's query,
      // also under searchEvents (no second query shipping the page's rows back).
      RowComputedInlinePlugin,
    ],
    // Conflicts (40001/40P01) rerun the rolled-back transaction (retrying-pg-service.ts).
    pgServices: [makeRetryingPgService({ pool, schemas: ["app_public"] })],
    schema: {
      // Aggregates are opt-in per table (`@behavior +aggregates`): they can be costly.
      defaultBehavior: "-aggregates",
      connectionFilterAllowedOperators: [
        "isNull",
        "equalTo",
        "notEqualTo",
        "in",
        "lessThan",
        "lessThanOrEqualTo",
        "greaterThan",
        "greaterThanOrEqualTo",
        "includesInsensitive",
      ],
      connectionFilterComputedColumns: false,
      connectionFilterSetofFunctions: false,
      connectionFilterRelations: false,
      pgForbidSetofFunctionsToReturnNull: true,
      ...(exportSchemaPath ? { exportSchemaSDLPath: exportSchemaPath, sortExport: true } : {}),
    },
    grafast: {
      context(requestContext) {
        const req = requestContext.expressv4?.req as
          | { claims?: Claims | null; id?: string; traceparent?: string }
          | undefined;
        return {
          pgSettings: {
            ...claimsToPgSettings(req?.claims ?? null),
            // A runaway statement is canceled (57014) instead of holding a connection.
            statement_timeout: String(limits.statementTimeoutMs),
            idle_in_transaction_session_timeout: String(limits.idleInTransactionTimeoutMs),
            // The audit log and the outbox record which request made each change,
            ...(req?.id ? { "app.request_id": req.id } : {}),
            // and the outbox the trace it belongs to (relayed as a Kafka header).
            ...(req?.traceparent ? { "app.traceparent": req.traceparent } : {}),
          },
        };
      },
    },
    grafserv: {
      graphqlPath: "/graphql",
      graphiql,
      graphiqlPath: "/graphiql",
      graphiqlOnGraphQLGET: false,
      // Larger bodies are answered 413 before they are parsed.
      maxRequestLength: limits.httpMaxBodyBytes,
      maskError,
      ...(limits.trustedDocumentsDir
        ? {
            persistedOperationsDirectory: limits.trustedDocumentsDir,
            persistedOperationsDirectoryScanInterval: 60_000,
            allowUnpersistedOperation: () => limits.trustedDocumentsAllowOthers,
          }
        : {}),
    },
  };
}
