/*
 * The payment path per booking: the user books and initiates a payment, the
 * gateway confirms it: three API-shaped transactions per run of the script,
 * so ops/s here are paid bookings per second.
 */
import { asUser, seedEvents, targetTable } from "./seed.ts";
import type { RoundScenario } from "./scenario.ts";

const scenario: RoundScenario = {
  kind: "rounds",
  name: "book + initiate_payment + confirm_payment (paid bookings/s, 200 events)",
  async setup(ctx) {
    await targetTable(ctx.pool, "payment_target", await seedEvents(ctx.pool, 200, 100_000));
  },
  measure(ctx, clients) {
    // One user id per script run, kept in a pgbench variable across its transactions.
    const sub = "':buyer'";
    return ctx.pgbench.run(
      [
        "\\set n random(1, 200)",
        "SELECT gen_random_uuid() AS buyer \\gset",
        asUser("SELECT b.id AS booking FROM bench.payment_target s, app_public.create_booking(s.event_id, s.tier_id, 1, null) b WHERE s.n = :n \\gset", { sub }),
        asUser("SELECT id AS payment FROM app_public.initiate_payment(':booking', 'card') \\gset", { sub }),
        asUser("SELECT id FROM app_public.confirm_payment('bench-' || ':payment', ':payment')", { role: "payment-gateway" }),
      ].join("\n"),
      clients,
      ctx.seconds,
    );
  },
};
export default scenario;
