/*
 * Rows a document may ask for, counted before anything runs: every
 * collection field (a connection or list with `first`) returns up to its
 * `first`/`last` (GRAPHQL_MAX_PAGE_SIZE when absent) rows FOR EACH row of
 * the collections it is nested in. Depth and cost (graphql-armor) do not
 * multiply, so `allReviews(first: 100) { nodes { eventByEventId {
 * reviewsByEventId(first: 100) { nodes { eventByEventId { reviewsByEventId(first: 100) … } } } } } }`
 * passed both and asked PostgreSQL for a million rows. The estimate sums, over
 * all collection fields, the product of the page sizes on the path to it
 * (fragments followed, aliases counted apart, @skip/@include ignored: an
 * upper bound); above GRAPHQL_MAX_ROWS the document is refused (LMCST, like
 * any other cost refusal).
 *
 * Checked per request in limits-plugin.ts's body hook, with the request's
 * variables (`first: $n` is common) and the schema the plugin keeps from its
 * build; not as a validation rule, because grafserv caches validation per
 * document text, whatever the variables.
 */
import {
  Kind,
  getNamedType,
  isObjectType,
  isInterfaceType,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from "postgraphile/graphql";

export interface RowsRefusal {
  total: number;
  message: string;
}

/** The first point where the document's rows pass `maxRows`, or undefined when within. */
export function checkRows(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  pageSize: number,
  maxRows: number,
): RowsRefusal | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const pageOf = (value: ValueNode | undefined): number | undefined => {
    if (!value) return undefined;
    if (value.kind === Kind.INT) return Number(value.value);
    if (value.kind === Kind.VARIABLE) {
      const given = variables[value.name.value];
      return typeof given === "number" ? given : given == null ? undefined : pageSize;
    }
    return undefined;
  };
  for (const operation of document.definitions) {
    if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema.getRootType(operation.operation);
    if (!root) continue;
    let total = 0;
    const walk = (selectionSet: SelectionSetNode, type: GraphQLNamedType | undefined | null, factor: number, path: ReadonlySet<string>): boolean => {
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          if (!selection.selectionSet || !(isObjectType(type) || isInterfaceType(type))) continue;
          const field = type.getFields()[selection.name.value];
          if (!field) continue; // unknown fields are refused by validation
          let rows = factor;
          if (field.args.some((arg) => arg.name === "first")) {
            const argument = (name: string) => selection.arguments?.find((a) => a.name.value === name)?.value;
            const page = pageOf(argument("first")) ?? pageOf(argument("last")) ?? pageSize;
            rows = factor * Math.max(0, Math.min(page, pageSize));
            total += rows;
            if (total > maxRows) return true;
          }
          if (walk(selection.selectionSet, getNamedType(field.type), rows, path)) return true;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
          if (walk(selection.selectionSet, condition, factor, path)) return true;
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || path.has(name)) continue; // unknown or cyclic: refused by validation
          if (walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), factor, new Set([...path, name]))) return true;
        }
      }
      return false;
    };
    if (walk(operation.selectionSet, root, 1, new Set())) {
      return {
        total,
        message: `the document asks for ${total} rows or more (page sizes multiply along nested lists), more than ${maxRows} (GRAPHQL_MAX_ROWS): ask for smaller pages or fewer nested lists`,
      };
    }
  }
  return undefined;
}
