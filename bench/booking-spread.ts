/*
 * Bookings spread over 200 events (a new user each), in the API's
 * transaction shape. Compared with the update spread over 200 rows (issue
 * #21 asks ≥ 0.5×).
 */
import { asUser, seedEvents, targetTable } from "./seed.ts";
import type { RoundScenario } from "./scenario.ts";

const scenario: RoundScenario = {
  kind: "rounds",
  name: "create_booking, 200 events",
  baseline: "spread",
  target: 0.5,
  async setup(ctx) {
    await targetTable(ctx.pool, "spread_target", await seedEvents(ctx.pool, 200, 100_000));
  },
  measure(ctx, clients) {
    return ctx.pgbench.run(
      "\\set n random(1, 200)\n" +
        asUser(
          "SELECT b.id FROM bench.spread_target s, app_public.create_booking(s.event_id, s.tier_id, 1, null) b WHERE s.n = :n",
        ),
      clients,
      ctx.seconds,
    );
  },
};
export default scenario;
