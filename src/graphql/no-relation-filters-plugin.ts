/*
 * No filtering through relations. postgraphile-plugin-connection-filter 4.x
 * ignores its `connectionFilterRelations: false` option and adds, to every
 * table's filter, the related tables (`eventCategoryByCategory`,
 * `eventsByCategory: { some/every/none }`, `…Exist`) and, with
 * @graphile/pg-aggregates, `aggregates` over them, including sums of
 * computed columns. Nested, these multiply: every event → its category →
 * every event of that category → a function per row, quadratic in the
 * catalog, for one anonymous request of a few hundred bytes that the
 * input-depth and filter-condition bounds let through. The front end and
 * gRPC filter by columns and use search_events for the catalog; nothing
 * needs relation filters, so they are switched off at the source: the
 * `filterBy` behaviour of every relation (columns keep theirs). Likewise
 * ordering by an aggregate of a related table (`orderBy:
 * REVIEWS_BY_EVENT_ID_COUNT_DESC`): a correlated count per row of the whole
 * table before the first row can be returned, for every page.
 */
export const NoRelationFiltersPlugin: GraphileConfig.Plugin = {
  name: "AquastreamNoRelationFiltersPlugin",
  version: "1.0.0",
  description: "Removes filters through relations (and their aggregates) and orderings by related aggregates",
  schema: {
    entityBehavior: {
      pgCodecRelation: {
        override(behavior) {
          // (The aggregates behaviour is not in the typed registry: a plain string for TypeScript.)
          return [behavior, "-filterBy", "-manyRelation:aggregates:orderBy" as GraphileBuild.BehaviorString];
        },
      },
    },
  },
};
