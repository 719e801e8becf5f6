/*
 * EventService handlers for a person's data (GDPR): export_user_data and
 * erase_user_data, the same SQL functions as GraphQL's exportUserData and
 * eraseUserData (docs/data-retention.md). Who may is decided in SQL: the
 * user themself or an admin.
 */
import type { EventServiceServer } from "../gen/aquastream/event/v1/event_service.ts";
import type * as api from "../gen/aquastream/event/v1/event_service.ts";
import { unary, type CallContext } from "./call.ts";
import { callFunction, uuid } from "./sql.ts";

type PersonalDataHandlers = Pick<EventServiceServer, "exportUserData" | "eraseUserData">;

interface Erasure {
  userId: string;
  erased: Record<string, number>;
}

export function personalDataHandlers(ctx: CallContext): PersonalDataHandlers {
  return {
    exportUserData: unary(ctx, "ExportUserData", async (tx, req: api.ExportUserDataRequest) => {
      const [row] = await callFunction<{ data: unknown }>(
        tx,
        "export_user_data",
        { user_id: [uuid(req.userId, "user_id"), "uuid"] },
        "r as data",
      );
      return { json: JSON.stringify(row!.data) };
    }),

    eraseUserData: unary(ctx, "EraseUserData", async (tx, req: api.EraseUserDataRequest) => {
      const [row] = await callFunction<{ data: Erasure }>(
        tx,
        "erase_user_data",
        { user_id: [uuid(req.userId, "user_id"), "uuid"] },
        "r as data",
      );
      const { userId, erased } = row!.data;
      return {
        userId,
        erased: {
          bookings: erased.bookings ?? 0,
          payments: erased.payments ?? 0,
          refunds: erased.refunds ?? 0,
          reviews: erased.reviews ?? 0,
          helpfulVotes: erased.helpfulVotes ?? 0,
          favorites: erased.favorites ?? 0,
          eventsOrganized: erased.eventsOrganized ?? 0,
          promoCodes: erased.promoCodes ?? 0,
          auditRows: erased.auditRows ?? 0,
          pendingOutboxRows: erased.pendingOutboxRows ?? 0,
          waitlistEntries: erased.waitlistEntries ?? 0,
        },
      };
    }),
  };
}
