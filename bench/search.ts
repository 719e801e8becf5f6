/* Anonymous catalog search: rafting within 100 km of a point, free seats only, first 20. */
import type { RoundScenario } from "./scenario.ts";

const scenario: RoundScenario = {
  kind: "rounds",
  name: "search_events, anonymous (category, 100 km, free seats, first 20)",
  measure(ctx, clients) {
    return ctx.pgbench.run(
      [
        "BEGIN;",
        "SELECT set_config('role', 'aquastream_anonymous', true);",
        "SELECT id FROM app_public.search_events(category => 'rafting', near_latitude => 57.5, near_longitude => 59.0, radius_km => 100, only_available => true) LIMIT 20;",
        "COMMIT;",
        "",
      ].join("\n"),
      clients,
      ctx.seconds,
    );
  },
};
export default scenario;
