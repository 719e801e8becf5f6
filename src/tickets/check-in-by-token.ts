/*
 * Check-in by signed token, the one path for every transport (gRPC
 * ScanTicket with `token`, GraphQL checkInTicketByToken): the signature is
 * checked first (SQL has no Ed25519), then the code the token carries goes
 * through the one check-in rule, app_public.check_in_ticket, like a typed
 * code; a genuine token must still lead to the ticket it names. Run inside
 * the caller's transaction (as the caller, so RLS and the SQL rules see who
 * scans): a refusal after the SQL ran rolls the check-in back.
 */
import { TicketTokenError, type TicketClaims, type TicketSigner } from "./token.ts";

/** One row of app_public.check_in_result, as PostgreSQL returns it. */
export interface CheckInRow {
  ticket_id: string | null;
  event_id: string | null;
  code: string;
  seat_no: number | null;
  outcome: string;
  checked_in_at: Date | null;
  checked_in_by: string | null;
  checked_in_device: string | null;
  error_code: string | null;
  error_message: string | null;
  scanned_at: Date | null;
  device: string | null;
}

/** Runs one SQL statement in the caller's transaction and returns its rows. */
export type RunQuery = <Row>(text: string, values: unknown[]) => Promise<Row[]>;

/** The claims of a genuine token; TicketTokenError (TKSIG) otherwise, or when tokens are off here. */
export function verifyTicketToken(signer: TicketSigner | undefined, token: unknown): TicketClaims {
  if (!signer) throw new TicketTokenError("ticket token refused: this server has no ticket key (TICKET_SIGNING_KEY_FILE)");
  return signer.verify(token as string);
}

/**
 * Checks in the ticket a token names. `columns` picks what of the
 * check_in_result row comes back (GraphQL reads the record whole; it must
 * include ticket_id).
 */
export async function checkInByToken<Row extends { ticket_id: string | null } = CheckInRow>(
  run: RunQuery,
  signer: TicketSigner | undefined,
  token: unknown,
  columns = "r.*",
): Promise<Row> {
  const claims = verifyTicketToken(signer, token);
  const [row] = await run<Row>(`select ${columns} from app_public.check_in_ticket($1) r`, [claims.code]);
  // Codes are unique and never reused, so this fails only for a token of our
  // key minted over another database (a shared key across environments).
  if (!row || row.ticket_id !== claims.ticketId) throw new TicketTokenError("ticket token refused: it names another ticket");
  return row;
}
