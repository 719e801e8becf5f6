/* quote_booking (reads only) over 200 events, as a signed-in user: the price preview. */
import { asUser, seedEvents, targetTable } from "./seed.ts";
import type { RoundScenario } from "./scenario.ts";

const scenario: RoundScenario = {
  kind: "rounds",
  name: "quote_booking, 200 events (reads only)",
  baseline: "spread",
  async setup(ctx) {
    await targetTable(ctx.pool, "quote_target", await seedEvents(ctx.pool, 200, 1000));
  },
  measure(ctx, clients) {
    return ctx.pgbench.run(
      "\\set n random(1, 200)\n" +
        asUser("SELECT q.total_amount FROM bench.quote_target s, app_public.quote_booking(s.event_id, s.tier_id, 2, null) q WHERE s.n = :n"),
      clients,
      ctx.seconds,
    );
  },
};
export default scenario;
