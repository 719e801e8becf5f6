/*
 * The starting point of the waiting-list task tests (expire_waitlist_offers,
 * offer_waitlist_seats): a freed seat with a line waiting for it, built in a
 * rolled-back test transaction. `set constraints all immediate` fires the
 * deferred offer trigger where a real transaction would fire it at commit
 * (unlike waitlist-fixtures.ts, whose race tests really commit).
 */
import { becomeUser, newUser, type Tx } from "../helpers/db.ts";
import { createBooking, createPublishedEvent, firstTier, type Row } from "./factories.ts";

/**
 * A published 1-seat event (first_come if asked, else the default policy),
 * booked by a holder; two users join its list for 1 seat each, in this order;
 * the holder cancels and what the commit would do has been done. Leaves the
 * transaction as the holder.
 */
export async function seatFreedWithTwoWaiting(
  tx: Tx,
  { firstCome = false }: { firstCome?: boolean } = {},
): Promise<{ event: Row; firstId: string; secondId: string }> {
  const organizer = newUser("organizer");
  const event = await createPublishedEvent(tx, organizer, { capacity: 1 });
  const tier = await firstTier(tx, event.id);
  if (firstCome) {
    await becomeUser(tx, organizer);
    await tx.query("select app_public.set_waitlist_policy($1, 'first_come')", [event.id]);
  }
  const holder = newUser("user");
  const booking = await createBooking(tx, holder, event.id, tier.id, 1);
  const [first, second] = [newUser("user"), newUser("user")];
  const join = "select id from app_public.join_waitlist(event_id => $1, seats_wanted => 1)";
  await becomeUser(tx, first);
  const firstId = (await tx.query(join, [event.id])).rows[0].id as string;
  await becomeUser(tx, second);
  const secondId = (await tx.query(join, [event.id])).rows[0].id as string;
  await becomeUser(tx, holder);
  await tx.query("select app_public.cancel_booking($1, 'plans changed')", [booking.id]);
  await tx.query("set constraints all immediate");
  await tx.query("set constraints all deferred");
  return { event, firstId, secondId };
}
