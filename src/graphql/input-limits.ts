/*
 * Bounds on the work hidden in a request's ARGUMENTS, checked on the parsed
 * document and its variables before anything is planned or executed.
 *
 * graphql-armor's rules (depth, cost, aliases, directives, tokens) look at
 * the selection set and the document's text; none looks at input values,
 * and no validation rule can see variables at all. Yet a few kilobytes of
 * nested connection-filter input (`not`/`and`/`or` hundreds of levels deep,
 * written literally or passed as a variable) keep the planner busy for
 * seconds while the event loop serves nobody else. So this walk, our own
 * because no library does it, refuses:
 *
 * - input nested deeper than GRAPHQL_MAX_INPUT_DEPTH (objects and lists),
 * - a list longer than GRAPHQL_MAX_LIST_LENGTH (e.g. a huge `in`),
 * - more than GRAPHQL_MAX_FILTER_CONDITIONS conditions in the `filter`
 *   arguments of one request (each object field inside a filter: a column,
 *   an operator, and/or/not),
 *
 * and, because the library would answer them as internal errors, a few
 * caller mistakes with a clear 22023: an empty object or a null inside a
 * filter, and a negative `offset`; and an `offset` above GRAPHQL_MAX_OFFSET
 * (every skipped row is still read).
 *
 * A variable is walked where it is used, at the depth of its use, so
 * `filter: { not: $deep }` counts the variable's nesting too; every variable
 * the request sends is also walked on its own (an unused one still costs
 * coercion).
 */
import { Kind, visit, type ArgumentNode, type DocumentNode, type ValueNode } from "postgraphile/graphql";

export interface InputBounds {
  maxDepth: number;
  maxListLength: number;
  maxFilterConditions: number;
  /** Largest `offset` (the rows skipped are still read): GRAPHQL_MAX_OFFSET. */
  maxOffset: number;
}

export interface InputRefusal {
  code: "LMINP" | "LMLST" | "LMFLT" | "22023";
  message: string;
  /** The argument at fault. */
  field: string;
}

class Refused extends Error {
  constructor(readonly refusal: InputRefusal) {
    super(refusal.message);
  }
}

type Variables = Record<string, unknown> | null | undefined;

/** The first bound the request breaks, or undefined when its inputs are within every bound. */
export function checkInputs(document: DocumentNode, variables: Variables, bounds: InputBounds): InputRefusal | undefined {
  let filterConditions = 0;

  const walker = (argument: string, inFilter: boolean) => {
    const tooDeep = (depth: number) => {
      if (depth > bounds.maxDepth) {
        throw new Refused({
          code: "LMINP",
          field: argument,
          message: `${argument}: input is nested deeper than ${bounds.maxDepth} levels (GRAPHQL_MAX_INPUT_DEPTH)`,
        });
      }
    };
    const tooLong = (length: number) => {
      if (length > bounds.maxListLength) {
        throw new Refused({
          code: "LMLST",
          field: argument,
          message: `${argument}: a list has ${length} items, more than ${bounds.maxListLength} (GRAPHQL_MAX_LIST_LENGTH)`,
        });
      }
    };
    const condition = (count: number) => {
      if (!inFilter) return;
      filterConditions += count;
      if (filterConditions > bounds.maxFilterConditions) {
        throw new Refused({
          code: "LMFLT",
          field: argument,
          message: `${argument}: the request's filters have more than ${bounds.maxFilterConditions} conditions (GRAPHQL_MAX_FILTER_CONDITIONS)`,
        });
      }
    };
    const filterMistake = (what: string) => {
      if (!inFilter) return;
      throw new Refused({
        code: "22023",
        field: argument,
        message: `${argument}: ${what} are not allowed in a filter (leave the filter or the condition out instead)`,
      });
    };

    /** A JSON value from the variables, used at `depth`. */
    const json = (value: unknown, depth: number, top: boolean): void => {
      if (value === null) {
        if (!top) filterMistake("null values");
        return;
      }
      if (Array.isArray(value)) {
        tooDeep(depth + 1);
        tooLong(value.length);
        for (const item of value) json(item, depth + 1, false);
        return;
      }
      if (typeof value === "object") {
        tooDeep(depth + 1);
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length === 0) filterMistake("empty objects");
        condition(entries.length);
        for (const [, item] of entries) json(item, depth + 1, false);
      }
    };

    /** A literal value of the document (variables inside it resolved), at `depth`. */
    const literal = (node: ValueNode, depth: number, top: boolean): void => {
      switch (node.kind) {
        case Kind.VARIABLE:
          json(variables?.[node.name.value], depth, top);
          return;
        case Kind.NULL:
          if (!top) filterMistake("null values");
          return;
        case Kind.LIST:
          tooDeep(depth + 1);
          tooLong(node.values.length);
          for (const item of node.values) literal(item, depth + 1, false);
          return;
        case Kind.OBJECT:
          tooDeep(depth + 1);
          if (node.fields.length === 0) filterMistake("empty objects");
          condition(node.fields.length);
          for (const field of node.fields) literal(field.value, depth + 1, false);
          return;
        default:
          return;
      }
    };
    return { json, literal };
  };

  const offsetValue = (node: ArgumentNode): unknown =>
    node.value.kind === Kind.INT
      ? Number(node.value.value)
      : node.value.kind === Kind.VARIABLE
        ? variables?.[node.value.name.value]
        : undefined;

  try {
    visit(document, {
      Argument(node) {
        const name = node.name.value;
        walker(name, name === "filter").literal(node.value, 0, true);
        if (name === "offset") {
          const offset = offsetValue(node);
          if (typeof offset === "number" && offset < 0) {
            throw new Refused({ code: "22023", field: "offset", message: `offset must not be negative (got ${offset})` });
          }
          // PostgreSQL reads every skipped row: offset 1000000 on the catalog
          // is a million rows read for one page. Cursors (`after`) cost the same at any depth.
          if (typeof offset === "number" && offset > bounds.maxOffset) {
            throw new Refused({
              code: "22023",
              field: "offset",
              message: `offset must be at most ${bounds.maxOffset} (got ${offset}; GRAPHQL_MAX_OFFSET): page on with the \`after\` cursor instead`,
            });
          }
        }
      },
    });
    for (const [name, value] of Object.entries(variables ?? {})) walker(`$${name}`, false).json(value, 0, true);
  } catch (error) {
    if (error instanceof Refused) return error.refusal;
    throw error;
  }
  return undefined;
}
