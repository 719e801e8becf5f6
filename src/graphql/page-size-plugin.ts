/*
 * Every list PostGraphile serves is bounded: `first`/`last` above
 * GRAPHQL_MAX_PAGE_SIZE are refused (INVALID_ARGUMENT, field first/last), and
 * a connection asked without either returns the first GRAPHQL_MAX_PAGE_SIZE
 * rows. PostGraphile V5 has no option for this, hence this small schema
 * plugin: it wraps the `first`/`last` arguments that
 * PgFirstLastBeforeAfterArgsPlugin adds to connection and list fields, and
 * the fields' plans to give the default.
 *
 * Literal values over the cap are already refused at validation (see
 * validation-rules.ts, before any database work); this plugin covers values
 * that come in variables, checked when the plan runs, before the field's SQL.
 */
import { ConstantStep, lambda, type Step } from "postgraphile/grafast";
import { GraphQLError } from "postgraphile/graphql";

type Connectionish = Step & { setFirst(first: Step | number): void; setLast?(last: Step | number): void };

export function pageSizeError(argument: "first" | "last", value: number, max: number): GraphQLError {
  return new GraphQLError(`${argument} must be between 0 and ${max} (got ${value})`, {
    extensions: { code: "22023", status: "INVALID_ARGUMENT", field: argument, maxPageSize: max },
  });
}

/** True when the argument is absent or null (a literal, or a variable that was not given). */
function absent($raw: Step): boolean {
  if ($raw instanceof ConstantStep) return $raw.data == null;
  const tracked = $raw as Step & { evalIs?(value: unknown): boolean };
  // evalIs adds a constraint to the cached plan: documents whose variables
  // differ in presence get their own plans, so the decision stays right.
  return typeof tracked.evalIs === "function" && (tracked.evalIs(undefined) || tracked.evalIs(null));
}

export function makePageSizePlugin(maxPageSize: number): GraphileConfig.Plugin {
  // Connections given the default `first` by the field plan; their own
  // (absent) first argument must then not set it again.
  const defaulted = new WeakSet<Step>();

  const checked = (argument: "first" | "last", $raw: Step) =>
    lambda(
      $raw,
      (value: number | null | undefined) => {
        if (value != null && (value < 0 || value > maxPageSize)) throw pageSizeError(argument, value, maxPageSize);
        return value ?? null;
      },
      true,
    );

  return {
    name: "AquastreamPageSizePlugin",
    version: "1.0.0",
    description: "Caps first/last on every connection and list, and bounds lists asked without them",
    after: ["PgFirstLastBeforeAfterArgsPlugin"],
    schema: {
      hooks: {
        GraphQLObjectType_fields_field(field, _build, context) {
          const { isPgFieldConnection, isPgFieldSimpleCollection } = context.scope;
          const plan = field.plan;
          if (!(isPgFieldConnection || isPgFieldSimpleCollection) || !plan) return field;
          return {
            ...field,
            plan($parent, fieldArgs, info) {
              const $result = plan($parent, fieldArgs, info) as Connectionish;
              if (typeof $result?.setFirst !== "function") return $result;
              const args = info.field.args;
              const hasFirst = args.some((arg) => arg.name === "first");
              const hasLast = args.some((arg) => arg.name === "last");
              if (
                hasFirst &&
                absent(fieldArgs.getRaw("first")) &&
                (!hasLast || absent(fieldArgs.getRaw("last")))
              ) {
                $result.setFirst(maxPageSize);
                defaulted.add($result);
              }
              return $result;
            },
          };
        },
        GraphQLObjectType_fields_field_args(args, _build, context) {
          const { isPgFieldConnection, isPgFieldSimpleCollection } = context.scope;
          if (!(isPgFieldConnection || isPgFieldSimpleCollection)) return args;
          const wrap = (argument: "first" | "last") => {
            const arg = args[argument];
            if (!arg?.applyPlan) return;
            args[argument] = {
              ...arg,
              applyPlan(_parent, $target: Connectionish, input) {
                if (defaulted.has($target)) return;
                const $value = checked(argument, input.getRaw());
                if (argument === "first") $target.setFirst($value);
                else $target.setLast!($value);
              },
            };
          };
          wrap("first");
          wrap("last");
          return args;
        },
      },
    },
  };
}
