/*
 * GraphQL ↔ gRPC parity (#17): every SQL function and table of app_public
 * that GraphQL exposes is reached by an EventService RPC, or is listed as
 * deliberately GraphQL-only with a reason (src/grpc/parity.ts). The exposed
 * set is derived, not listed: from the database catalog (the functions and
 * tables of app_public, as the migrations left them) checked against the
 * schema PostGraphile builds from that database (the name GraphQL gives each:
 * a mutation, a query field, a computed field on its table's type, a table
 * type). The RPCs come from the generated service definition, i.e. the proto.
 * So a new SQL function, a dropped RPC or a stale entry fails CI.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeSchema } from "postgraphile";
import { isObjectType, type GraphQLSchema } from "postgraphile/graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { EventServiceService } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { makePreset } from "../../src/graphql/preset.ts";
import { loadLimits } from "../../src/config/limits.ts";
import { parity } from "../../src/grpc/parity.ts";
import { testPool } from "../helpers/db.ts";

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const pascal = (snake: string) => camel(snake).replace(/^./, (c) => c.toUpperCase());

interface CatalogObject {
  /** parity.ts key: the function name, or table:<name>. */
  key: string;
  /** Where GraphQL would show it: "Mutation.addPriceTier", "Event.seatsAvailable", "type Booking". */
  graphql: string;
}

/** The functions and tables of app_public (no trigger functions, nothing from extensions), with their GraphQL names. */
async function catalog(): Promise<CatalogObject[]> {
  const { rows } = await testPool().query<{ kind: string; name: string; volatile: string; on_table: string | null }>(`
    select 'function' as kind, p.proname as name, p.provolatile as volatile, t.relname as on_table
      from pg_proc p
      join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'app_public'
      left join pg_type ft on ft.oid = p.proargtypes[0]
      left join pg_class t on t.oid = ft.typrelid and t.relkind in ('r', 'v', 'm', 'p')
                          and t.relnamespace = n.oid
     where p.prokind = 'f' and p.prorettype <> 'trigger'::regtype
       and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
    union all
    select 'table', c.relname, null, null
      from pg_class c join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'app_public'
     where c.relkind in ('r', 'v', 'm', 'p')
     order by 1, 2`);
  return rows.map((row) => {
    if (row.kind === "table") return { key: `table:${row.name}`, graphql: `type ${pascal(row.name)}` };
    // A computed column: event_seats_available(e app_public.event) → Event.seatsAvailable.
    if (row.on_table && row.name.startsWith(`${row.on_table}_`)) {
      return { key: row.name, graphql: `${pascal(row.on_table)}.${camel(row.name.slice(row.on_table.length + 1))}` };
    }
    return { key: row.name, graphql: `${row.volatile === "v" ? "Mutation" : "Query"}.${camel(row.name)}` };
  });
}

function inSchema(schema: GraphQLSchema, where: string): boolean {
  if (where.startsWith("type ")) return isObjectType(schema.getType(where.slice(5)));
  const [typeName, field] = where.split(".") as [string, string];
  const type = schema.getType(typeName);
  return isObjectType(type) && field in type.getFields();
}

/** Every RPC of EventService, from the generated definition ("/aquastream.event.v1.EventService/AddPriceTier" → AddPriceTier). */
const rpcs = new Set(Object.values(EventServiceService).map((method) => method.path.split("/").pop()!));

/** The gRPC glue's source, where the mapped SQL names must appear (parity.ts itself left out). */
const grpcSource = readdirSync("src/grpc")
  .filter((file) => file.endsWith(".ts") && file !== "parity.ts")
  .map((file) => readFileSync(join("src/grpc", file), "utf8"))
  .join("\n");

function referencedInGrpc(key: string): boolean {
  if (key.startsWith("table:")) return new RegExp(`app_public\\.${key.slice(6)}(?![a-z0-9_])`).test(grpcSource);
  return new RegExp(`app_public\\.${key}\\(|"${key}"`).test(grpcSource);
}

describe("GraphQL ↔ gRPC parity", () => {
  let exposed: CatalogObject[] = [];
  let all: CatalogObject[] = [];

  beforeAll(async () => {
    const { schema } = await makeSchema(
      makePreset({ pool: testPool(), graphiql: false, limits: loadLimits({}, "development") }),
    );
    all = await catalog();
    exposed = all.filter((object) => inSchema(schema, object.graphql));
  });

  it("finds the exposed surface (the derivation itself works)", () => {
    const names = exposed.map((object) => object.graphql);
    // One of each kind, so a broken derivation cannot pass as "nothing to check".
    expect(names).toEqual(expect.arrayContaining(["Mutation.addPriceTier", "Query.searchEvents", "Event.seatsAvailable", "type Booking"]));
  });

  it("every SQL function and table GraphQL exposes has an RPC or a documented reason", () => {
    const missing = exposed.filter((object) => !(object.key in parity)).map((o) => `${o.key} (GraphQL ${o.graphql})`);
    expect(missing, "add an RPC for each, or a oneSided reason, in src/grpc/parity.ts").toEqual([]);
  });

  it("every entry names something GraphQL exposes", () => {
    const exposedKeys = new Set(exposed.map((object) => object.key));
    const stale = Object.keys(parity).filter((key) => !exposedKeys.has(key));
    expect(stale, "entries of src/grpc/parity.ts for nothing GraphQL exposes: remove them").toEqual([]);
  });

  it("every RPC named exists in the proto, and its SQL is referenced by the gRPC handlers", () => {
    const problems: string[] = [];
    for (const [key, entry] of Object.entries(parity)) {
      if ("oneSided" in entry) {
        if (entry.oneSided.trim().length < 20) problems.push(`${key}: give a real reason`);
        continue;
      }
      if (entry.rpcs.length === 0) problems.push(`${key}: no RPC`);
      for (const rpc of entry.rpcs) if (!rpcs.has(rpc)) problems.push(`${key}: ${rpc} is not an RPC of EventService`);
      if (!referencedInGrpc(key)) problems.push(`${key}: src/grpc/ never calls app_public.${key.replace("table:", "")}`);
    }
    expect(problems).toEqual([]);
  });

  it("every RPC of EventService reaches some exposed SQL (nothing gRPC-only by accident)", () => {
    const mapped = new Set(Object.values(parity).flatMap((entry) => ("rpcs" in entry ? entry.rpcs : [])));
    expect([...rpcs].filter((rpc) => !mapped.has(rpc))).toEqual([]);
  });
});
