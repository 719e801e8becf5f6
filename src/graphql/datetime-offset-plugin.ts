/*
 * A GraphQL `Datetime` must say which instant it means: a value without an
 * offset ("2026-12-05T09:00:00") would be read in the database session's
 * time zone, i.e. guessed, and a 09:00 start in Irkutsk would silently become
 * 09:00 UTC. Such values, and anything else that is not an ISO 8601 date-time
 * with `Z` or `±hh:mm` (e.g. "tomorrow"), are refused with 22007 before the
 * query runs. Output is unchanged: instants always carry their offset.
 */
import { GraphQLError, Kind, type ValueNode } from "postgraphile/graphql";

const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

function checked(value: unknown): unknown {
  if (typeof value !== "string" || !WITH_OFFSET.test(value)) {
    throw new GraphQLError(
      `a Datetime needs a date, a time and an offset (Z or ±hh:mm), e.g. 2026-12-05T09:00:00+05:00; got ${JSON.stringify(value)}`,
      { extensions: { code: "22007", status: "INVALID_ARGUMENT" } },
    );
  }
  return value;
}

export const DatetimeOffsetPlugin: GraphileConfig.Plugin = {
  name: "AquastreamDatetimeOffsetPlugin",
  version: "1.0.0",
  description: "Refuses Datetime input without an explicit offset (22007)",
  schema: {
    hooks: {
      GraphQLScalarType(config) {
        if (config.name !== "Datetime") return config;
        const { parseValue, parseLiteral } = config;
        return {
          ...config,
          parseValue: (value: unknown) => {
            const ok = checked(value);
            return parseValue ? parseValue(ok) : ok;
          },
          parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null) => {
            checked(ast.kind === Kind.STRING ? ast.value : undefined);
            return parseLiteral ? parseLiteral(ast, variables) : (ast as { value: string }).value;
          },
        };
      },
    },
  },
};
