/*
 * GraphQL parity with gRPC for ticket tokens (docs/tickets.md):
 *
 *   - `Ticket.token`: the signed token of a valid ticket, for its QR code,
 *     signed here in TypeScript with the Ed25519 key (SQL has no Ed25519);
 *     null for a void ticket or when tokens are off on this server.
 *   - `checkInTicketByToken(input: { token })`: verifies the signature first
 *     (TKSIG for a malformed, altered or foreign token) and checks in through
 *     app_public.check_in_ticket, the path gRPC ScanTicket takes
 *     (src/tickets/check-in-by-token.ts), in one transaction as the caller.
 *     The answer is the same CheckInResult checkInTicket returns.
 *
 * PostGraphile V5: extendSchema (graphile-utils) with Grafast plans.
 */
import { extendSchema, gql } from "postgraphile/utils";
import { lambda, object, rootValue, type ExecutableStep } from "postgraphile/grafast";
import { pgSelect, sideEffectWithPgClientTransaction, TYPES, type PgSelectSingleStep } from "postgraphile/@dataplan/pg";
import { sql } from "postgraphile/pg-sql2";
import type { TicketSigner } from "../tickets/token.ts";
import { checkInByToken } from "../tickets/check-in-by-token.ts";

export function makeTicketTokenPlugin(signer: TicketSigner | undefined): GraphileConfig.Plugin {
  return extendSchema((build) => {
    const { check_in_ticket: checkInResource } = build.input.pgRegistry.pgResources;
    if (!checkInResource) throw new Error("app_public.check_in_ticket is not in the schema");
    const executor = checkInResource.executor;
    const resultCodec = checkInResource.codec;

    return {
      typeDefs: gql`
        extend type Ticket {
          """
          Signed token for the ticket's QR code (Ed25519; verify offline with the keys at GET /tickets/public-key, picked by the kid the token names). Null for a void ticket, or when this server has no ticket key.
          """
          token: String
        }

        """All input for the \`checkInTicketByToken\` mutation."""
        input CheckInTicketByTokenInput {
          """
          An arbitrary string value with no semantic meaning. Will be included in the payload verbatim. May be used to track mutations by the client.
          """
          clientMutationId: String
          """A ticket token as its QR code carries it (Ticket.token)."""
          token: String!
        }

        """The output of the \`checkInTicketByToken\` mutation."""
        type CheckInTicketByTokenPayload {
          """The \`clientMutationId\` of the input, unchanged."""
          clientMutationId: String
          """The check-in, exactly as checkInTicket answers it."""
          result: CheckInResult
          """Our root query field type. Allows us to run any query from our mutation payload."""
          query: Query
        }

        extend type Mutation {
          """
          Organizer staff check a ticket in by its signed token (a scanned QR code). The signature is verified first: a malformed, altered or foreign token is refused with TKSIG. Then it checks in like checkInTicket with the code the token carries (idempotent; 28000, 42501, TKNOT, TKORG, TKCAN, TKVOD).
          """
          checkInTicketByToken(input: CheckInTicketByTokenInput!): CheckInTicketByTokenPayload
        }
      `,
      objects: {
        Ticket: {
          plans: {
            token($ticket: PgSelectSingleStep) {
              const $fields = [
                $ticket.get("id"),
                $ticket.get("event_id"),
                $ticket.get("code"),
                $ticket.get("version"),
                $ticket.get("status"),
              ] as const;
              return lambda(
                $fields,
                ([id, eventId, code, version, status]) =>
                  signer && status === "valid"
                    ? signer.sign({ ticketId: id as string, eventId: eventId as string, code: code as string, version: Number(version) })
                    : null,
                true,
              );
            },
          },
        },
        Mutation: {
          plans: {
            checkInTicketByToken(_$root: ExecutableStep, fieldArgs) {
              const $token = fieldArgs.getRaw(["input", "token"]);
              // Verify, check in, compare the ticket: one transaction as the
              // caller (pgSettings), so a refusal after the SQL rolls it back.
              const $recordText = sideEffectWithPgClientTransaction(executor, $token, async (client, token) => {
                const row = await checkInByToken<{ ticket_id: string | null; record: string }>(
                  async (text, values) => (await client.query({ text, values })).rows as never,
                  signer,
                  token,
                  "r.ticket_id, r::text as record",
                );
                return row.record;
              });
              // The result row (its text form) becomes a CheckInResult like checkInTicket's.
              const $result = pgSelect({
                resource: checkInResource,
                identifiers: [],
                from: {
                  callback: ($select) => sql`(select (${$select.placeholder($recordText, TYPES.text)}::${resultCodec.sqlType}).*)`,
                },
                joinAsLateral: true,
              }).single();
              return object({ result: $result, clientMutationId: fieldArgs.getRaw(["input", "clientMutationId"]) });
            },
          },
        },
        CheckInTicketByTokenPayload: {
          plans: {
            clientMutationId($payload) {
              return ($payload as ReturnType<typeof object>).get("clientMutationId");
            },
            result($payload) {
              return ($payload as ReturnType<typeof object>).get("result");
            },
            query() {
              return rootValue();
            },
          },
        },
      },
    };
  }, "AquastreamTicketTokenPlugin");
}
