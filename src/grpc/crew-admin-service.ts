/*
 * EventService handler for the admins' hand-assigned crew (assign_crew_manually,
 * the same SQL function as GraphQL's assignCrewManually): the operation for
 * when the crew service is down or cannot help. RetryCrewAssignment, which
 * asks the crew service again, stays with the other event handlers.
 */
import type { EventServiceServer } from "../gen/aquastream/event/v1/event_service.ts";
import type * as api from "../gen/aquastream/event/v1/event_service.ts";
import { unary, type CallContext } from "./call.ts";
import { loadEvent } from "./event-service.ts";
import { callFunction, uuid } from "./sql.ts";

export function crewAdminHandlers(ctx: CallContext): Pick<EventServiceServer, "assignCrewManually"> {
  return {
    assignCrewManually: unary(ctx, "AssignCrewManually", async (tx, req: api.AssignCrewManuallyRequest) => {
      const [event] = await callFunction<{ id: string }>(
        tx,
        "assign_crew_manually",
        { id: [uuid(req.id, "id"), "uuid"], crew_id: [uuid(req.crewId, "crew_id"), "uuid"] },
        "r.id",
      );
      return { event: await loadEvent(tx, event!.id) };
    }),
  };
}
