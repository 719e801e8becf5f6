/*
 * Who sees which bookings, payments and refunds (plain SQL as the API's
 * roles, exactly what GraphQL and gRPC switch to): the booking's user, the
 * organizer of its event, admins; the payment gateway payments and refunds
 * only; nobody else, not even by id. Nobody writes
 * these tables directly.
 */
import { describe, expect, it } from "vitest";
import { becomeAnonymous, becomeUser, expectPgError, newUser, withRootTx } from "../../helpers/db.ts";
import { bookedEvent, payBooking } from "../factories.ts";

describe("row-level security of bookings, payments, refunds", () => {
  it("user, organizer and admins see them; the gateway only payments and refunds; other users, organizers and anonymous callers nothing", async () => {
    await withRootTx(async (tx) => {
      const { organizer, user, booking } = await bookedEvent(tx);
      const payment = await payBooking(tx, user, booking.id);
      await becomeUser(tx, organizer);
      await tx.query("select app_public.refund_payment($1, 'partial refund', 10)", [payment.id]);

      const seen = async () => {
        const b = await tx.query("select id from app_public.booking where id = $1", [booking.id]);
        const p = await tx.query("select id from app_public.payment where id = $1", [payment.id]);
        const r = await tx.query("select payment_id from app_public.refund where payment_id = $1", [payment.id]);
        return [b.rows.length, p.rows.length, r.rows.length];
      };

      for (const who of [user, organizer, newUser("admin")]) {
        await becomeUser(tx, who);
        expect(await seen()).toEqual([1, 1, 1]);
      }
      for (const who of [newUser("user"), newUser("organizer")]) {
        await becomeUser(tx, who);
        expect(await seen()).toEqual([0, 0, 0]);
      }
      // The payment gateway reads payments and their refunds (it settles
      // them: policy select_payment_gateway), never the booking.
      await becomeUser(tx, newUser("payment-gateway"));
      expect(await seen()).toEqual([0, 1, 1]);
      // Anonymous holds no grant on them at all (not just an empty RLS answer).
      await becomeAnonymous(tx);
      for (const table of ["booking", "payment", "refund"]) {
        expect((await expectPgError(tx, `select 1 from app_public.${table}`)).code).toBe("42501");
      }
    });
  });

  it("nobody writes the tables directly, nor reads the settings", async () => {
    await withRootTx(async (tx) => {
      const { user, booking } = await bookedEvent(tx);
      await becomeUser(tx, user);
      for (const sql of [
        "update app_public.booking set status = 'confirmed' where id = $1",
        "delete from app_public.booking where id = $1",
        "insert into app_public.payment (booking_id, amount, currency, method, payment_url, initiated_by) values ($1, 1, 'EUR', 'card', 'x', gen_random_uuid())",
        "update app_public.promo_code set uses = 0 where event_id = $1",
      ]) {
        expect((await expectPgError(tx, sql, [booking.id])).code).toBe("42501");
      }
      await becomeUser(tx, newUser("admin"));
      expect((await expectPgError(tx, "select * from app_private.setting")).code).toBe("42501");
    });
  });
});
