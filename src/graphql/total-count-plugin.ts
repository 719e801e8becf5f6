/*
 * `totalCount` counts at most GRAPHQL_MAX_TOTAL_COUNT rows. PostGraphile's
 * own plan is `select count(*)` over every match: on a large catalog one
 * anonymous request made PostgreSQL count every event (100k rows and more)
 * however small the page, and nothing in the document's cost shows it. So
 * the count is taken from the same collection, with its conditions and
 * filter (no order: a count needs none), LIMITed to the cap + 1 rows: the work is bounded by the cap
 * whatever the table's size. Each connection with totalCount also gets
 * `totalCountIsCapped`: true when more rows match than the cap, and
 * totalCount then is the cap itself (a lower bound: "N or more").
 *
 * Both fields share one capped query per connection (cacheStep). The
 * counting rows come from grafast's own connection machinery around a clone
 * of the collection (no pagination of the request's), so cursors, `offset`,
 * `first`/`last` of the page do not change the count, as before.
 */
import { connection, lambda, type ConnectionStep, type Step } from "postgraphile/grafast";

type Connection = ConnectionStep<any, any, any, any, any, any>;
type Cloneable = Step & { cloneSubplanWithoutPagination(mode: "aggregate"): Step };
type Cached = { cacheStep<T extends Step>(action: string, key: string | number, cb: () => T): T };

/** The number of matching rows, counted up to cap + 1 (cap + 1 means "more than cap"). */
function cappedCount($connection: Connection, cap: number): Step<number> {
  return ($connection as unknown as Cached).cacheStep("aquastreamCappedCount", cap, () => {
    // Through an aggregate-mode clone: PgSelectStep copies pagination (offset,
    // cursors) into a clone of the same mode, and order and selected columns
    // too, none of which a count needs. A clone of another mode keeps only
    // the conditions and joins (filter, condition, RLS applies in SQL).
    const $aggregate = ($connection as unknown as Cloneable).cloneSubplanWithoutPagination("aggregate") as Step & {
      clone(mode: "normal"): Step;
    };
    const $rows = $aggregate.clone("normal");
    const $capped = connection($rows as never) as unknown as Connection & { _items(): Step<readonly unknown[]> };
    $capped.setFirst(cap + 1);
    return lambda($capped._items(), (items) => (items ? items.length : 0), true);
  });
}

export function makeTotalCountPlugin(cap: number): GraphileConfig.Plugin {
  return {
    name: "AquastreamTotalCountPlugin",
    version: "1.0.0",
    description: "Caps totalCount at GRAPHQL_MAX_TOTAL_COUNT rows and adds totalCountIsCapped",
    after: ["PgConnectionTotalCountPlugin"],
    schema: {
      hooks: {
        GraphQLObjectType_fields(fields, build, context) {
          const { isPgConnectionRelated, isConnectionType } = context.scope;
          if (!isPgConnectionRelated || !isConnectionType || !fields.totalCount) return fields;
          const { GraphQLBoolean, GraphQLNonNull } = build.graphql;
          return build.extend(
            fields,
            {
              totalCountIsCapped: context.fieldWithHooks({ fieldName: "totalCountIsCapped" }, () => ({
                description: build.wrapDescription(
                  "True when more rows match than the service counts (GRAPHQL_MAX_TOTAL_COUNT, docs/limits.md): `totalCount` is then that limit, a lower bound.",
                  "field",
                ),
                type: new GraphQLNonNull(GraphQLBoolean),
                plan: ($connection: Step) => lambda(cappedCount($connection as Connection, cap), (n) => n > cap, true),
              })),
            },
            "Adding totalCountIsCapped beside totalCount",
          );
        },
        GraphQLObjectType_fields_field(field, _build, context) {
          if (!context.scope.isPgConnectionTotalCountField) return field;
          return {
            ...field,
            description:
              "The count of all rows you could get from the connection, up to the service's limit (GRAPHQL_MAX_TOTAL_COUNT, docs/limits.md); when more match, this is the limit and `totalCountIsCapped` is true.",
            plan: ($connection: Step) => lambda(cappedCount($connection as Connection, cap), (n) => Math.min(n, cap), true),
          };
        },
      },
    },
  };
}
