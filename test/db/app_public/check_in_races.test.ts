/*
 * Many scanners at once on one ticket (each scan its own committed
 * transaction on its own connection, real PostgreSQL): the ticket row lock
 * lets exactly one scan check the person in; every other scan answers
 * already_checked_in with that first check-in, and one TicketCheckedIn is
 * written. Race users (RACE_PREFIX) keep these commits out of rowCounts.
 */
import { describe, expect, it } from "vitest";
import { racer } from "../../helpers/race.ts";
import { createEventCall, raceUserNo } from "../factories.ts";

const SCANS = 24;
const organizer = raceUserNo(7001, "organizer");
const staff = [organizer, raceUserNo(7002, "admin")];
const holder = raceUserNo(7003);

const { call, must, one } = racer(SCANS);

describe("parallel check-in of one ticket", () => {
  it(`${SCANS} parallel scans (online and offline batches) → exactly one check-in`, async () => {
    const [sql, params] = createEventCall({ priceTiers: [{ name: "Free", price: 0, currency: "EUR" }] });
    const [event] = await must(organizer, sql, params);
    await must(organizer, "select app_public.publish_event($1)", [event!.id]);
    const tier = await one("select id from app_public.event_price_tier where event_id = $1", [event!.id]);
    const [booking] = await must(holder, "select * from app_public.create_booking($1, $2, 1)", [event!.id, tier.id]);
    const ticket = await one("select * from app_public.ticket where booking_id = $1", [booking!.id]);
    // Issued at commit, so announced after the booking it belongs to.
    const announced = await one(
      "select array_agg(event_type order by position) as types from app_private.outbox where aggregate_id = $1",
      [booking!.id],
    );
    expect(announced.types).toEqual(["BookingCreated", "BookingConfirmed", "TicketsIssued"]);

    const scannedAt = new Date(Date.now() - 5000).toISOString();
    const outcomes = await Promise.all(
      Array.from({ length: SCANS }, (_, i) =>
        i % 3 === 2
          ? call(staff[i % 2]!, "select * from app_public.check_in_batch(array[row($1, $2, $3)::app_public.ticket_scan_input])", [
              ticket.code,
              scannedAt,
              `device-${i}`,
            ])
          : call(staff[i % 2]!, "select * from app_public.check_in_ticket($1)", [ticket.code]),
      ),
    );
    const rows = outcomes.map((o) => {
      if (!o.ok) throw new Error(`${o.code}: ${o.message}`);
      return o.rows[0]!;
    });
    const winners = rows.filter((r) => r.outcome === "checked_in");
    expect(winners).toHaveLength(1);
    // Everyone else is told about that one check-in.
    for (const r of rows.filter((r) => r !== winners[0])) {
      expect(["already_checked_in", "conflict"]).toContain(r.outcome);
      expect(r.checked_in_at).toEqual(winners[0]!.checked_in_at);
      expect(r.checked_in_by).toBe(winners[0]!.checked_in_by);
    }
    const written = await one(
      "select count(*)::int as n from app_private.outbox where aggregate_id = $1 and event_type = 'TicketCheckedIn'",
      [ticket.id],
    );
    expect(written.n).toBe(1);
    const counted = await must(organizer, "select app_public.event_checked_in_count(e) as n from app_public.event e where id = $1", [event!.id]);
    expect(counted[0]!.n).toBe(1);
  });
});
