/*
 * The hot event again, but each booking's four statements sent in one
 * round trip (pgbench pipeline): what the SQL design gives once the client's
 * round trip between the call and COMMIT no longer keeps the counter row
 * locked. The API (PostGraphile, grpc-js handlers on node-postgres) sends
 * them one by one, so this is the database's ceiling, not the API's figure.
 */
import { asUser, seedEvents } from "./seed.ts";
import type { RoundScenario } from "./scenario.ts";

const scenario: RoundScenario = {
  kind: "rounds",
  name: "create_booking, one hot event, one round trip (pipelined)",
  baseline: "hot",
  async measure(ctx, clients) {
    const [hot] = await seedEvents(ctx.pool, 1, 100_000);
    const script = asUser(
      // Extended protocol: pgbench binds :event and :tier as parameters.
      "SELECT id FROM app_public.create_booking(event_id => :event::uuid, price_tier_id => :tier::uuid, quantity => 1, promo_code => null)",
      { separateOpen: true },
    );
    return ctx.pgbench.run(`\\startpipeline\n${script}\\endpipeline\n`, clients, ctx.seconds, { event: hot!.eventId, tier: hot!.tierId }, [
      "--protocol=extended",
    ]);
  },
};
export default scenario;
