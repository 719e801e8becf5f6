/*
 * The GraphQL side of the process limits, as one Grafserv plugin:
 *
 * - validation rules, run before any planning or database work: depth
 *   (graphql-armor max-depth), cost (graphql-armor cost-limit), literal
 *   `first`/`last` over the page cap, and introspection when it is off;
 * - the per-caller mutation rate limit, on the document after trusted
 *   documents resolved it: the operation is found by parsing the document
 *   (never by matching the body), and it costs one point per root mutation
 *   field; over budget → HTTP 429 with Retry-After, code LMRAT;
 * - the HTTP status of answers that the GraphQL spec would send as 200: a
 *   request that found every database connection busy is a 503 with
 *   Retry-After (code LMBSY, set by mask-error.ts).
 *
 * Status and headers travel from where the condition is found to the
 * response through an AsyncLocalStorage scoped to the one request.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { SafeError } from "postgraphile/grafast";
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  getOperationAST,
  parse,
  type ValidationContext,
  type ValidationRule,
} from "postgraphile/graphql";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import type { LimitsConfig } from "../config/limits.ts";
import { callerKey, isRateLimited, type RateLimiter } from "../limits/rate-limiter.ts";
import type { Claims } from "../auth/claims.ts";
import { pageSizeError } from "./page-size-plugin.ts";

interface Outcome {
  statusCode?: number;
  headers: Record<string, string>;
}

const outcome = new AsyncLocalStorage<Outcome>();

/** Called while a request is handled: answer it with this status and these headers. */
export function setResponseStatus(statusCode: number, headers: Record<string, string> = {}): void {
  const current = outcome.getStore();
  if (!current) return;
  current.statusCode = statusCode;
  Object.assign(current.headers, headers);
}

function reporter(code: string) {
  return [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(
        new GraphQLError(error.message.replace(/^Syntax Error: /, ""), {
          extensions: { code, status: "INVALID_ARGUMENT" },
        }),
      ),
  ];
}

/** Literal first/last over the cap; variables are checked by the page-size schema plugin. */
function pageSizeRule(max: number): ValidationRule {
  return (context) => ({
    Argument(node) {
      if (node.name.value !== "first" && node.name.value !== "last") return;
      if (node.value.kind !== Kind.INT || !context.getArgument()) return;
      const value = Number(node.value.value);
      if (value < 0 || value > max) {
        const error = pageSizeError(node.name.value, value, max);
        context.reportError(new GraphQLError(error.message, { nodes: [node], extensions: error.extensions }));
      }
    },
  });
}

export function validationRules(limits: LimitsConfig): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.graphqlMaxDepth, propagateOnRejection: false, onReject: reporter("LMDEP") }),
    costLimitRule({ maxCost: limits.graphqlMaxCost, propagateOnRejection: false, onReject: reporter("LMCST") }),
    pageSizeRule(limits.graphqlMaxPageSize),
    ...(limits.graphqlIntrospection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
}

/** Root mutation fields of the operation the request runs; 0 for queries or unparsable documents. */
export function mutationFieldCount(query: unknown, operationName: unknown): number {
  if (typeof query !== "string") return 0;
  let document;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return 0; // grafserv answers the syntax error itself
  }
  const operation = getOperationAST(document, typeof operationName === "string" ? operationName : undefined);
  if (operation?.operation !== "mutation") return 0;
  // Fragments on the root are rare; each still counts as at least one mutation.
  return Math.max(1, operation.selectionSet.selections.filter((s) => s.kind === Kind.FIELD).length);
}

export function makeLimitsPlugin(limits: LimitsConfig, rateLimiter: RateLimiter | undefined): GraphileConfig.Plugin {
  return {
    name: "AquastreamLimitsPlugin",
    version: "1.0.0",
    description: "Depth, cost, page-size and introspection rules; mutation rate limit; busy and rate-limit statuses",
    after: ["PersistedPlugin"],
    grafserv: {
      middleware: {
        setPreset(next, event) {
          event.validationRules.push(...validationRules(limits));
          return next();
        },
        async processGraphQLRequestBody(next, event) {
          const points = rateLimiter ? mutationFieldCount(event.body.query, event.body.operationName) : 0;
          if (points > 0) {
            const req = event.request?.requestContext.expressv4?.req as
              | { claims?: Claims | null; ip?: string }
              | undefined;
            const decision = isRateLimited(req?.claims?.roles)
              ? await rateLimiter!.consume(callerKey(req?.claims?.sub, req?.ip), points)
              : ({ allowed: true } as const);
            if (!decision.allowed) {
              setResponseStatus(429, { "retry-after": String(decision.retryAfterSeconds) });
              throw new SafeError(`too many requests: try again in ${decision.retryAfterSeconds} s`, {
                statusCode: 429,
                code: "LMRAT",
                status: "RESOURCE_EXHAUSTED",
                retryAfterSeconds: decision.retryAfterSeconds,
              });
            }
          }
          return next();
        },
        processRequest(next) {
          const state: Outcome = { headers: {} };
          return outcome.run(state, async () => {
            const result = await next();
            if (result && state.statusCode) {
              result.statusCode = state.statusCode;
              result.headers = { ...result.headers, ...state.headers };
            }
            return result;
          });
        },
      },
    },
  };
}
