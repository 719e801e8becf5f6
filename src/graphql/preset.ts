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
import { makePgService } from "postgraphile/adaptors/pg";
import { PgAggregatesPreset } from "@graphile/pg-aggregates";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";
import { claimsToPgSettings, type Claims } from "../auth/claims.ts";
import { maskError } from "./mask-error.ts";

export interface PresetOptions {
  pool: pg.Pool;
  graphiql: boolean;
  /** Where to write schema.graphql (development and the export script only). */
  exportSchemaPath?: string | undefined;
}

export function makePreset({ pool, graphiql, exportSchemaPath }: PresetOptions): GraphileConfig.Preset {
  return {
    extends: [PostGraphileAmberPreset, PgAggregatesPreset, PostGraphileConnectionFilterPreset],
    pgServices: [makePgService({ pool, schemas: ["app_public"] })],
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
        const req = requestContext.expressv4?.req as { claims?: Claims | null; id?: string } | undefined;
        return {
          pgSettings: {
            ...claimsToPgSettings(req?.claims ?? null),
            // The audit log records which request made each change.
            ...(req?.id ? { "app.request_id": req.id } : {}),
          },
        };
      },
    },
    grafserv: {
      graphqlPath: "/graphql",
      graphiql,
      graphiqlPath: "/graphiql",
      graphiqlOnGraphQLGET: false,
      maxRequestLength: 100_000,
      maskError,
    },
  };
}
