/*
 * 32 (or 8) clients booking one event, each booking a new user, exactly in
 * the API's transaction shape: what a rush for one popular trip does to the
 * event's seat counter row. Compared with the single hot row (issue #21
 * asks ≥ 0.8×). A fresh event per run, so no run books into another's seats.
 */
import { asUser, seedEvents } from "./seed.ts";
import type { RoundScenario } from "./scenario.ts";

const scenario: RoundScenario = {
  kind: "rounds",
  name: "create_booking, one hot event",
  baseline: "hot",
  target: 0.8,
  async measure(ctx, clients) {
    const [hot] = await seedEvents(ctx.pool, 1, 100_000);
    return ctx.pgbench.run(
      asUser("SELECT id FROM app_public.create_booking(event_id => ':event', price_tier_id => ':tier', quantity => 1, promo_code => null)"),
      clients,
      ctx.seconds,
      { event: hot!.eventId, tier: hot!.tierId },
    );
  },
};
export default scenario;
