/*
 * The GraphQL side of the process limits, as one Grafserv plugin:
 *
 * - before grafserv parses the document: its token count (graphql-armor
 *   max-tokens' parser, so an endless document is not even parsed to the
 *   end), the work hidden in its arguments and variables (input depth, list
 *   lengths, filter conditions: input-limits.ts), and the per-caller mutation
 *   rate limit. Refusals are HTTP 400 (429 for the rate limit) with a code;
 * - validation rules, run before any planning or database work: depth
 *   (graphql-armor max-depth), cost (graphql-armor cost-limit), aliases
 *   (max-aliases), directives (max-directives), literal `first`/`last` over
 *   the page cap, and introspection when it is off;
 * - the mutation rate limit costs one point per mutation field the operation
 *   executes: root fields written directly, through inline fragments or
 *   named fragments, aliased or not (a field skipped by @skip/@include is not
 *   executed and costs nothing). Over budget → HTTP 429 with Retry-After,
 *   code LMRAT. Batched requests (a JSON array of operations) are not
 *   accepted by grafserv at all (400), so they cannot dodge the count.
 *   With the postgres store the points are spent in the message that opens
 *   the request's first transaction (retrying-pg-service.ts), not in a round
 *   trip of their own; a request that never reaches the database (e.g. it
 *   fails validation) spends them after it is answered;
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
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "postgraphile/graphql";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { MaxTokensParserWLexer } from "@escape.tech/graphql-armor-max-tokens";
import { checkInputs } from "./input-limits.ts";
import type { LimitsConfig } from "../config/limits.ts";
import { callerKey, isRateLimited, type RateLimitCharge, type RateLimiter } from "../limits/rate-limiter.ts";
import type { Claims } from "../auth/claims.ts";
import { pageSizeError } from "./page-size-plugin.ts";
import { logger } from "../log/logger.ts";

/** A mutation request's rate-limit points, spent by its first transaction (postgres store). */
export interface PendingCharge {
  limiter: RateLimiter;
  charge: RateLimitCharge;
  /** Spent (counted in the database) already: later transactions of the request do not pay again. */
  spent: boolean;
  /** The count refused the request: every later transaction of it is refused too. */
  refusal?: { allowed: false; retryAfterSeconds: number };
}
import { checkRows } from "./rows-limit.ts";
import type { GraphQLSchema } from "postgraphile/graphql";

interface Outcome {
  statusCode?: number;
  headers: Record<string, string>;
  charge?: PendingCharge;
}

const outcome = new AsyncLocalStorage<Outcome>();

/** Called while a request is handled: answer it with this status and these headers. */
export function setResponseStatus(statusCode: number, headers: Record<string, string> = {}): void {
  const current = outcome.getStore();
  if (!current) return;
  current.statusCode = statusCode;
  Object.assign(current.headers, headers);
}

/** The current request's rate-limit charge (a GraphQL mutation with the postgres store), if any. */
export function requestCharge(): PendingCharge | undefined {
  return outcome.getStore()?.charge;
}

/** The answer to a refused mutation: HTTP 429, Retry-After, code LMRAT. */
export function rateLimitedError(retryAfterSeconds: number): SafeError {
  setResponseStatus(429, { "retry-after": String(retryAfterSeconds) });
  return new SafeError(`too many requests: try again in ${retryAfterSeconds} s`, {
    statusCode: 429,
    code: "LMRAT",
    status: "RESOURCE_EXHAUSTED",
    retryAfterSeconds,
  });
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
    maxAliasesRule({ n: limits.graphqlMaxAliases, propagateOnRejection: false, onReject: reporter("LMALS") }),
    maxDirectivesRule({ n: limits.graphqlMaxDirectives, propagateOnRejection: false, onReject: reporter("LMDIR") }),
    pageSizeRule(limits.graphqlMaxPageSize),
    ...(limits.graphqlIntrospection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
}

/** The document parsed with the token bound; a GraphQLError when the bound is passed, undefined on a syntax error. */
export function parseBounded(query: string, maxTokens: number): DocumentNode | undefined {
  try {
    return new MaxTokensParserWLexer(query, { n: maxTokens, noLocation: true }).parseDocument();
  } catch (error) {
    if (error instanceof GraphQLError && /Token limit/.test(error.message)) throw error;
    return undefined; // grafserv answers the syntax error itself
  }
}

/** Whether @skip/@include leave the selection in (a variable that is not a boolean: counted, to be safe). */
function included(node: { directives?: readonly { name: { value: string }; arguments?: readonly { value: unknown }[] }[] }, variables: Record<string, unknown>): boolean {
  for (const directive of node.directives ?? []) {
    const name = directive.name.value;
    if (name !== "skip" && name !== "include") continue;
    const value = directive.arguments?.[0]?.value as { kind: string; value?: boolean; name?: { value: string } } | undefined;
    const condition =
      value?.kind === Kind.BOOLEAN ? value.value : value?.kind === Kind.VARIABLE ? variables[value.name!.value] : undefined;
    if (typeof condition !== "boolean") continue;
    if ((name === "skip" && condition) || (name === "include" && !condition)) return false;
  }
  return true;
}

/**
 * Mutation fields the operation executes: root fields, through inline and
 * named fragments (each spread counts again: it executes again under its
 * own response keys); 0 for queries.
 */
export function mutationFieldCount(
  document: DocumentNode,
  operationName: unknown,
  variables: Record<string, unknown> = {},
): number {
  const operation = getOperationAST(document, typeof operationName === "string" ? operationName : undefined);
  if (operation?.operation !== "mutation") return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const count = (selectionSet: SelectionSetNode, path: ReadonlySet<string>): number => {
    let n = 0;
    for (const selection of selectionSet.selections) {
      if (!included(selection, variables)) continue;
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== "__typename") n += 1;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        n += count(selection.selectionSet, path);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A cycle or an unknown fragment is refused by validation; count it once meanwhile.
        if (!fragment || path.has(name)) n += 1;
        else n += count(fragment.selectionSet, new Set([...path, name]));
      }
    }
    return n;
  };
  // A mutation document always costs at least one point.
  return Math.max(1, count(operation.selectionSet, new Set()));
}

function refuse(message: string, code: string, field?: string): never {
  setResponseStatus(400);
  throw new SafeError(message, {
    statusCode: 400,
    code,
    status: "INVALID_ARGUMENT",
    ...(field ? { field } : {}),
  });
}

export function makeLimitsPlugin(limits: LimitsConfig, rateLimiter: RateLimiter | undefined): GraphileConfig.Plugin {
  let schema: GraphQLSchema | undefined;
  return {
    name: "AquastreamLimitsPlugin",
    version: "1.0.0",
    description: "Depth, cost, page-size and introspection rules; mutation rate limit; busy and rate-limit statuses",
    after: ["PersistedPlugin"],
    schema: {
      hooks: {
        // Keep the built schema: the rows estimate needs the field types (and runs per request, with variables).
        finalize(built) {
          schema = built;
          return built;
        },
      },
    },
    grafserv: {
      middleware: {
        setPreset(next, event) {
          event.validationRules.push(...validationRules(limits));
          return next();
        },
        async processGraphQLRequestBody(next, event) {
          const { query, operationName } = event.body;
          const given = event.body.variableValues;
          const variables = (given && typeof given === "object" && !Array.isArray(given) ? given : {}) as Record<string, unknown>;
          let document: DocumentNode | undefined;
          try {
            document = typeof query === "string" ? parseBounded(query, limits.graphqlMaxTokens) : undefined;
          } catch {
            refuse(`the document has more than ${limits.graphqlMaxTokens} tokens (GRAPHQL_MAX_TOKENS)`, "LMTOK");
          }
          if (!document) return next();
          const refusal = checkInputs(document, variables, {
            maxDepth: limits.graphqlMaxInputDepth,
            maxListLength: limits.graphqlMaxListLength,
            maxFilterConditions: limits.graphqlMaxFilterConditions,
            maxOffset: limits.graphqlMaxOffset,
          });
          if (refusal) refuse(refusal.message, refusal.code, refusal.field);
          // Rows multiply along nested lists (rows-limit.ts); the schema is the one this plugin saw built.
          const rows = schema && checkRows(schema, document, variables, limits.graphqlMaxPageSize, limits.graphqlMaxRows);
          if (rows) refuse(rows.message, "LMCST");
          const points = rateLimiter ? mutationFieldCount(document, operationName, variables) : 0;
          if (points > 0) {
            const req = event.request?.requestContext.expressv4?.req as
              | { claims?: Claims | null; ip?: string }
              | undefined;
            if (isRateLimited(req?.claims?.roles)) {
              const charge = { caller: callerKey(req?.claims?.sub, req?.ip), points };
              // Refused here when this process knows the budget is spent (memory
              // store: the whole decision); else the first transaction pays.
              const decision = await rateLimiter!.decideLocally(charge);
              if (decision && !decision.allowed) throw rateLimitedError(decision.retryAfterSeconds);
              const state = outcome.getStore();
              if (rateLimiter!.store === "postgres" && state) state.charge = { limiter: rateLimiter!, charge, spent: false };
            }
          }
          return next();
        },
        processRequest(next) {
          const state: Outcome = { headers: {} };
          return outcome.run(state, async () => {
            const result = await next();
            // A mutation that never opened a transaction (refused by validation,
            // say) still counts, with a statement of its own. A database that
            // cannot count it now does not change the answer already made.
            if (state.charge && !state.charge.spent) {
              state.charge.spent = true;
              await state.charge.limiter.consume(state.charge.charge).catch((error: unknown) => {
                logger.warn({ err: error }, "rate limit: a mutation that reached no transaction was not counted");
              });
            }
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
