/*
 * EventService handlers an organizer manages an event's selling with: price
 * tiers (add_price_tier, update_price_tier, remove_price_tier), the seats one
 * booking may take (set_event_max_seats_per_booking), and the category list
 * the catalog is filtered by. The same SQL functions as GraphQL's mutations
 * of the same names; the answers carry the whole event as GetEvent shows it.
 */
import type { EventServiceServer } from "../gen/aquastream/event/v1/event_service.ts";
import type * as api from "../gen/aquastream/event/v1/event_service.ts";
import { unary, type CallContext, type Tx } from "./call.ts";
import { loadEvent } from "./event-service.ts";
import { callFunction, uuid } from "./sql.ts";

type PriceTierHandlers = Pick<
  EventServiceServer,
  "addPriceTier" | "updatePriceTier" | "removePriceTier" | "setEventMaxSeatsPerBooking" | "listCategories"
>;

/** What a tier function's answer is reduced to: the tier is then read with its event. */
const TIER_KEY = "r.id, r.event_id";

interface CategoryRow {
  id: string;
  name: string;
  description: string | null;
  sort_order: number;
}

/** The tier a function returned, as the event the caller now sees carries it (seats taken included). */
async function tierResult(tx: Tx, tier: { id: string; event_id: string }) {
  const event = await loadEvent(tx, tier.event_id);
  return { priceTier: event.priceTiers.find((t) => t.id === tier.id), event };
}

export function priceTierHandlers(ctx: CallContext): PriceTierHandlers {
  return {
    listCategories: unary(ctx, "ListCategories", async (tx) => {
      const { rows } = await tx.query<CategoryRow>("select * from app_public.event_category order by sort_order, id");
      return {
        categories: rows.map((row) => ({
          id: row.id,
          name: row.name,
          description: row.description ?? undefined,
          sortOrder: row.sort_order,
        })),
      };
    }),

    addPriceTier: unary(ctx, "AddPriceTier", async (tx, req: api.AddPriceTierRequest) => {
      const [tier] = await callFunction<{ id: string; event_id: string }>(tx, "add_price_tier", {
        event_id: [uuid(req.eventId, "event_id"), "uuid"],
        name: [req.name, "text"],
        price: [req.price === "" ? null : req.price, "numeric"],
        currency: [req.currency, "text"],
        quota: [req.quota, "integer"],
      }, TIER_KEY);
      return tierResult(tx, tier!);
    }),

    updatePriceTier: unary(ctx, "UpdatePriceTier", async (tx, req: api.UpdatePriceTierRequest) => {
      const [tier] = await callFunction<{ id: string; event_id: string }>(tx, "update_price_tier", {
        id: [uuid(req.id, "id"), "uuid"],
        name: [req.name, "text"],
        price: [req.price, "numeric"],
        quota: [req.quota, "integer"],
        remove_quota: [req.removeQuota, "boolean"],
      }, TIER_KEY);
      return tierResult(tx, tier!);
    }),

    removePriceTier: unary(ctx, "RemovePriceTier", async (tx, req: api.RemovePriceTierRequest) => {
      const [event] = await callFunction<{ id: string }>(tx, "remove_price_tier", { id: [uuid(req.id, "id"), "uuid"] }, "r.id");
      return { event: await loadEvent(tx, event!.id) };
    }),

    setEventMaxSeatsPerBooking: unary(
      ctx,
      "SetEventMaxSeatsPerBooking",
      async (tx, req: api.SetEventMaxSeatsPerBookingRequest) => {
        // Unset is passed as null on purpose: it clears the event's own limit.
        const [event] = await callFunction<{ id: string }>(
          tx,
          "set_event_max_seats_per_booking",
          {
            id: [uuid(req.id, "id"), "uuid"],
            max_seats_per_booking: [req.maxSeatsPerBooking ?? null, "integer"],
          },
          "r.id",
        );
        return { event: await loadEvent(tx, event!.id) };
      },
    ),
  };
}
