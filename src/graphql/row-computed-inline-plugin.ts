/*
 * A computed column that returns ONE composite (e.g. `Event.ratingSummary`,
 * app_public.event_rating_summary(e event) returns rating_summary) is read in
 * the same query as the rows it belongs to, also under `searchEvents`.
 *
 * Why: @dataplan/pg merges such a single-row select into its parent's query
 * as a join, except when the parent is a set-returning function with an
 * "implicit order" (search_events): it then fetched the field in a SECOND
 * query that sent the page's whole event rows (tsvectors included) back to
 * PostgreSQL as JSON. A page of 50 events with ratingSummary cost several
 * times the raw SQL (docs/benchmarks.md, "Catalog at scale").
 *
 * A join would be no better there: with any join beside it, PostgreSQL plans
 * the inlined search_events for full retrieval (the LIMIT no longer reaches
 * it) and sorted all ~42,000 upcoming events at 100k (385 ms against 14 ms).
 *
 * What: the field's select is built as @dataplan/pg builds it (the parent's
 * record as the function's only argument) but not marked unique, and its one
 * row is taken with `first`; @dataplan/pg then nests it in the parent's
 * select list, as it nests a page's tiers:
 *   array(select array[…] from app_public.event_rating_summary(__search_events__))
 * A scalar subquery per row: no join, the page's order and LIMIT untouched
 * (test/graphql/catalog-one-query.test.ts counts the statements and compares
 * order and values with the function's own answers). The function returns
 * exactly one row per call (it is not set-returning), so `first` loses nothing.
 *
 * Only computed columns whose one argument is the row (no GraphQL arguments)
 * under a plain (non-mutation) select of the table; anything else, e.g. a
 * mutation's payload, keeps PostGraphile's own plan.
 */
import { pgSelect, PgSelectSingleStep, type PgResource } from "postgraphile/@dataplan/pg";
import { first, type Step } from "postgraphile/grafast";

type AnyResource = PgResource<any, any, any, any, any>;

export const RowComputedInlinePlugin: GraphileConfig.Plugin = {
  name: "AquastreamRowComputedInlinePlugin",
  version: "1.0.0",
  description: "Single-composite computed columns are read in their parent's query (also under set-returning functions such as search_events)",
  after: ["PgCustomTypeFieldPlugin"],
  schema: {
    hooks: {
      GraphQLObjectType_fields_field(field, build, context) {
        const { isPgClassType, pgCodec, fieldName } = context.scope as {
          isPgClassType?: boolean;
          pgCodec?: { attributes?: unknown };
          fieldName?: string;
        };
        if (!isPgClassType || !pgCodec || !fieldName || !field.plan || (field.args && Object.keys(field.args).length > 0)) {
          return field;
        }
        const resource = (Object.values(build.input.pgRegistry.pgResources) as AnyResource[]).find(
          (r) =>
            r.isUnique &&
            !r.isMutation &&
            !r.isList &&
            r.codec.attributes &&
            r.parameters?.length === 1 &&
            r.parameters[0]!.codec === pgCodec &&
            build.inflection.computedAttributeField({ resource: r as never }) === fieldName,
        );
        if (!resource) return field;
        const original = field.plan as (...args: unknown[]) => Step;
        return {
          ...field,
          plan($in: Step, ...rest: unknown[]) {
            if (!($in instanceof PgSelectSingleStep) || $in.getClassStep().mode === "mutation") {
              return original($in, ...rest);
            }
            // Not marked unique (no .single()): @dataplan/pg then nests it in the
            // parent's select list; its one row is taken with `first`.
            const $select = pgSelect({ resource, identifiers: [], args: [{ step: $in.record() }] });
            return $select.row(first($select, true));
          },
        };
      },
    },
  },
};
