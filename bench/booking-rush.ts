/*
 * The rush for the last seats, as a check under load: 200 buyers, 10 seats,
 * 50 connections at once. Fails the run unless exactly 10 book, 190 get
 * BKFUL and the counter says 10.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { inTransactionAs } from "./as-user.ts";
import { seedEvents } from "./seed.ts";
import type { OnceScenario } from "./scenario.ts";

const scenario: OnceScenario = {
  kind: "once",
  name: "rush: 200 buyers for 10 seats, 50 at once",
  async run(ctx) {
    const [rush] = await seedEvents(ctx.pool, 1, 10);
    const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: 50 });
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const client = await pool.connect();
        try {
          await inTransactionAs(client, randomUUID(), ["user"], "select id from app_public.create_booking($1, $2, 1, null)", [
            rush!.eventId,
            rush!.tierId,
          ]);
          return "ok";
        } catch (error) {
          return (error as pg.DatabaseError).code ?? String(error);
        } finally {
          client.release();
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await pool.end();
    const booked = outcomes.filter((o) => o === "ok").length;
    const soldOut = outcomes.filter((o) => o === "BKFUL").length;
    const { rows } = await ctx.pool.query("select app_public.event_seats_taken(e) as n from app_public.event e where e.id = $1", [rush!.eventId]);
    if (booked !== 10 || soldOut !== 190 || rows[0].n !== 10) {
      throw new Error(`rush: ${booked} booked, ${soldOut} sold out, seats taken ${rows[0].n}`);
    }
    return [{ scenario: scenario.name, figure: `${seconds.toFixed(2)} s for 200 attempts`, note: "10 booked, 190 BKFUL, seats taken 10" }];
  },
};
export default scenario;
