/*
 * Tells the HTTP request log and metrics (src/http/request-log.ts) which
 * GraphQL operation a request ran and how it ended: a grafast `execute`
 * middleware that stashes the operation's type and (bounded) name, and the
 * first error's code, on the express request. The HTTP middleware writes the
 * one log line and the metrics when the response is finished, so requests
 * refused before execution (bad token, unparsable query) are counted too.
 */
import { Kind, type ExecutionResult, type OperationDefinitionNode } from "postgraphile/graphql";
import { toCallerError } from "../errors/pg-error.ts";
import { boundedOperationName } from "../metrics/registry.ts";
import { recordDenied } from "../metrics/denied.ts";

export interface GraphqlObservation {
  operationType: string;
  operation: string;
  /** The first error's code (SQLSTATE, INTERNAL, GRAPHQL_ERROR); undefined when it succeeded. */
  errorCode?: string | undefined;
}

type ObservedRequest = { graphql?: GraphqlObservation; id?: string; claims?: { sub: string } | null };

function operationOf(document: { definitions: readonly { kind: string }[] }, name: string | null | undefined) {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return name ? operations.find((o) => o.name?.value === name) : operations.length === 1 ? operations[0] : undefined;
}

function firstErrorCode(result: ExecutionResult): string | undefined {
  const error = result.errors?.[0];
  return error ? errorCode(error) : undefined;
}

function errorCode(error: NonNullable<ExecutionResult["errors"]>[number]): string {
  const code = error.extensions?.code;
  if (typeof code === "string") return code;
  const original = error.originalError;
  if (!original) return "GRAPHQL_ERROR";
  return toCallerError(original)?.code ?? "INTERNAL";
}

export const ObservePlugin: GraphileConfig.Plugin = {
  name: "AquastreamObservePlugin",
  description: "Stashes the GraphQL operation and its outcome on the request for the request log and metrics.",
  version: "0.0.0",
  grafast: {
    middleware: {
      async execute(next, event) {
        const { args } = event;
        const req = args.requestContext?.expressv4?.req as ObservedRequest | undefined;
        const operation = operationOf(args.document, args.operationName);
        const observation: GraphqlObservation = {
          operationType: operation?.operation ?? "unknown",
          operation: boundedOperationName(args.operationName ?? operation?.name?.value),
        };
        if (req) req.graphql = observation;
        const result = await next();
        if (result && typeof result === "object" && "errors" in result) {
          observation.errorCode = firstErrorCode(result as ExecutionResult);
          // Every refused field counts (a document may be refused more than once).
          for (const error of (result as ExecutionResult).errors ?? []) {
            recordDenied({
              transport: "graphql",
              operation: observation.operation,
              code: errorCode(error),
              subject: req?.claims?.sub,
              requestId: req?.id,
              detail: error.path?.join("."),
            });
          }
        }
        return result;
      },
    },
  },
};
