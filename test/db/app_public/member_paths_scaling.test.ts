/*
 * The calls beside the booking path (waiting list, reviews and votes,
 * favorites, tickets and check-in, an organizer's event changes, the
 * worker's waiting-list and completion tasks, the outbox relay's claim, and
 * the reads that list a member's own rows under RLS) do not read more when
 * the tables fill with rows that are not theirs: other users' waiting-list
 * entries, reviews, votes, favorites, tickets and bookings, other
 * organizers' events, published outbox rows. Measured as
 * hot_path_scaling.test.ts does (shared buffers per call, test/helpers/plan-buffers.ts):
 * on a nearly empty database, after the rows were added (never analyzed:
 * autovacuum off or a fresh restore), and after ANALYZE.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, it } from "vitest";
import { LIST_BOOKINGS_SQL } from "../../../src/grpc/booking-service.ts";
import { LIST_TICKETS_SQL, LIST_VISIBLE_TICKETS_SQL } from "../../../src/grpc/ticket-service.ts";
import { LIST_EVENT_WAITLIST_ENTRIES_SQL, LIST_VISIBLE_WAITLIST_ENTRIES_SQL } from "../../../src/grpc/waitlist-service.ts";
import { CLAIM_SQL } from "../../../src/outbox/relay.ts";
import { becomeRoot, becomeUser, newUser, withCommittedTx, type TestUser } from "../../helpers/db.ts";
import { createOwnDatabase } from "../../helpers/own-database.ts";
import { explainBuffers, expectNeverAnalyzed, expectNoGrowth, measure, type Buffers } from "../../helpers/plan-buffers.ts";
import { createEvent, createPublishedEvent, endEvent, firstTier, payBooking, type Row } from "../factories.ts";

type Step =
  | "join_waitlist"
  | "leave_waitlist"
  | "accept_offer"
  | "decline_offer"
  | "grpc_list_my_waitlist_entries"
  | "graphql_my_waitlist_entries"
  | "waitlist_events_to_offer"
  | "offer_freed_seats"
  | "expire_overdue_offers"
  | "schedule_next_offer_expiry"
  | "end_closed_waitlists"
  | "create_review"
  | "update_review"
  | "mark_review_helpful"
  | "unmark_review_helpful"
  | "my_reviews"
  | "delete_review"
  | "add_favorite"
  | "my_favorite_events"
  | "graphql_my_favorites"
  | "remove_favorite"
  | "grpc_list_my_bookings"
  | "grpc_list_my_tickets"
  | "grpc_list_booking_tickets"
  | "graphql_booking_tickets"
  | "graphql_booking_payments"
  | "graphql_payment_refunds"
  | "graphql_all_bookings"
  | "graphql_all_tickets"
  | "graphql_all_payments"
  | "graphql_all_waitlist_entries"
  | "graphql_all_refunds"
  | "graphql_all_helpful_votes"
  | "graphql_event_bookings"
  | "grpc_list_event_tickets_with_void"
  | "grpc_list_event_waitlist_entries"
  | "grpc_list_organizer_tickets"
  | "grpc_list_organizer_waitlist_entries"
  | "check_in_ticket"
  | "undo_check_in"
  | "check_in_batch"
  | "pause_waitlist_offers"
  | "resume_waitlist_offers"
  | "set_waitlist_policy"
  | "reply_to_review"
  | "export_user_data"
  | "moderate_review"
  | "reissue_tickets"
  | "update_event"
  | "add_price_tier"
  | "update_price_tier"
  | "remove_price_tier"
  | "set_event_time_zone"
  | "set_event_max_seats_per_booking"
  | "create_promo_code"
  | "cancel_event"
  | "publish_event"
  | "complete_ended_events"
  | "outbox_claim";

const TABLES = [
  "app_public.booking",
  "app_public.ticket",
  "app_public.payment",
  "app_public.refund",
  "app_public.waitlist_entry",
  "app_public.review",
  "app_public.review_helpful_vote",
  "app_public.favorite",
  "app_public.event",
  "app_private.outbox",
];
const ADDED = { rows: 20_000, events: 3_000, outbox: 60_000 };

let pool: pg.Pool;
/** The rows the passes work on (committed once, on the small database). */
let t: {
  organizer: TestUser;
  /** Sold out (list_first): members join its waiting list. */
  waitlisted: Row;
  waitlistedTier: Row;
  /** first_come, seats free: the offer task's event. */
  firstCome: Row;
  /** Ended, with one review (the one the passes vote for). */
  ended: Row;
  review: Row;
  /** A published event the organizer edits. */
  edited: Row;
  ticketHolder: TestUser;
  booking: Row;
  ticketCode: string;
  paymentId: string;
};

const uuidOf = async (client: pg.PoolClient, sql: string, params: unknown[]): Promise<string> =>
  (await client.query(sql, params)).rows[0].id;

/** As the owner: the user's waiting entry offered one seat for an hour (as if a seat had come back and gone to the list); its id. */
const offerOneSeat = (client: pg.PoolClient, user: TestUser): Promise<string> =>
  uuidOf(
    client,
    `update app_public.waitlist_entry set status = 'offered', offered_seats = 1, offered_at = now(),
       offer_expires_at = now() + interval '1 hour'
     where user_id = $1 returning id`,
    [user.sub],
  );

/** One pass over every call, as fresh members, in a transaction rolled back: buffers per call. */
async function onePass(client: pg.PoolClient): Promise<Buffers<Step>> {
  const b = {} as Buffers<Step>;
  const at = async (step: Step, sql: string, params: unknown[] = []) => {
    b[step] = await explainBuffers(client, sql, params);
  };
  const joiner = newUser("user");
  const offered = newUser("user");
  const reviewer = newUser("user");
  const fan = newUser("user");
  const admin = newUser("admin");
  await client.query("begin");
  try {
    // The waiting list, as members.
    await becomeUser(client, joiner);
    await at("join_waitlist", "select * from app_public.join_waitlist($1, 1, null, false)", [t.waitlisted.id]);
    const joined = await uuidOf(client, "select id from app_public.waitlist_entry where user_id = $1", [joiner.sub]);
    await at("leave_waitlist", "select * from app_public.leave_waitlist($1)", [joined]);
    // gRPC ListWaitlistEntries without a filter (RLS decides), GraphQL allWaitlistEntries(condition: { userId }).
    await at("grpc_list_my_waitlist_entries", LIST_VISIBLE_WAITLIST_ENTRIES_SQL, [21, 0]);
    await at("graphql_my_waitlist_entries", "select w.* from app_public.waitlist_entry w where w.user_id = $1 order by w.id limit 21", [
      joiner.sub,
    ]);
    await becomeUser(client, offered);
    await client.query("select * from app_public.join_waitlist($1, 1, null, false)", [t.waitlisted.id]);
    await becomeRoot(client);
    // An offer of one seat (as if the holder's seat had come back and gone to the list).
    const offer = await offerOneSeat(client, offered);
    await becomeUser(client, offered);
    await at("accept_offer", "select * from app_public.accept_offer($1, $2)", [offer, t.waitlistedTier.id]);
    const decliner = newUser("user");
    await becomeUser(client, decliner);
    await client.query("select * from app_public.join_waitlist($1, 1, null, false)", [t.waitlisted.id]);
    await becomeRoot(client);
    const declined = await offerOneSeat(client, decliner);
    await becomeUser(client, decliner);
    await at("decline_offer", "select * from app_public.decline_offer($1)", [declined]);

    // The worker's waiting-list tasks (as the owner), with one entry waiting for the first_come event.
    await becomeRoot(client);
    const waiting = await uuidOf(
      client,
      "insert into app_public.waitlist_entry (event_id, user_id, seats_wanted) values ($1, gen_random_uuid(), 1) returning id",
      [t.firstCome.id],
    );
    await at("waitlist_events_to_offer", "select id from app_hidden.waitlist_events_to_offer() id");
    await at("offer_freed_seats", "select app_hidden.offer_freed_seats($1)", [t.firstCome.id]);
    // The task then schedules the expiry job at the earliest offer's end.
    await at("schedule_next_offer_expiry", "select app_hidden.schedule_next_offer_expiry()");
    await client.query("update app_public.waitlist_entry set offer_expires_at = now() - interval '1 minute' where id = $1", [waiting]);
    await at("expire_overdue_offers", "select app_hidden.expire_overdue_offers()");
    await at("end_closed_waitlists", "select app_hidden.end_closed_waitlists()");

    // Reviews and votes: a participant of the ended event (its paid booking put in as the owner).
    await client.query(
      `insert into app_public.booking (event_id, user_id, price_tier_id, quantity, unit_price, subtotal, total_amount, currency, status, payment_deadline, confirmed_at)
       select $1, $2, t.id, 1, 120, 120, 120, 'EUR', 'confirmed', now(), now() from app_public.event_price_tier t where t.event_id = $1 limit 1`,
      [t.ended.id, reviewer.sub],
    );
    await becomeUser(client, reviewer);
    await at("create_review", "select * from app_public.create_review($1, 5, 'Calm water, careful guides.')", [t.ended.id]);
    const review = await uuidOf(client, "select id from app_public.review where user_id = $1", [reviewer.sub]);
    await at("update_review", "select * from app_public.update_review($1, 4, 'Calm water, careful guides; cold nights.')", [review]);
    await at("mark_review_helpful", "select * from app_public.mark_review_helpful($1)", [t.review.id]);
    await at("unmark_review_helpful", "select * from app_public.unmark_review_helpful($1)", [t.review.id]);
    await at("my_reviews", "select * from app_public.search_reviews(only_mine => true, status => null) limit 21");
    await at("delete_review", "select * from app_public.delete_review($1)", [review]);

    // Favorites.
    await becomeUser(client, fan);
    await at("add_favorite", "select * from app_public.add_favorite($1)", [t.waitlisted.id]);
    await at("my_favorite_events", "select e.id from app_public.my_favorite_events() e limit 21 offset 0");
    // GraphQL allFavorites (RLS: the caller's own), newest first.
    await at("graphql_my_favorites", "select f.* from app_public.favorite f order by f.created_at desc, f.event_id limit 21");
    await at("remove_favorite", "select app_public.remove_favorite($1)", [t.waitlisted.id]);

    // A ticket holder's reads (gRPC ListBookings / ListTickets, GraphQL allTickets(condition: { bookingId })).
    await becomeUser(client, t.ticketHolder);
    await at("grpc_list_my_bookings", LIST_BOOKINGS_SQL, [null, null, null, 21, 0]);
    await at("grpc_list_my_tickets", LIST_VISIBLE_TICKETS_SQL, [false, 21, 0]);
    await at("grpc_list_booking_tickets", LIST_TICKETS_SQL, [t.booking.id, null, false, 21, 0]);
    await at("graphql_booking_tickets", "select t.* from app_public.ticket t where t.booking_id = $1 order by t.id limit 21", [
      t.booking.id,
    ]);
    await at("graphql_booking_payments", "select p.* from app_public.payment p where p.booking_id = $1 order by p.id limit 21", [
      t.booking.id,
    ]);
    await at("graphql_payment_refunds", "select r.* from app_public.refund r where r.payment_id = $1 order by r.id limit 21", [
      t.paymentId,
    ]);

    // The root lists with no condition, as PostGraphile sends allBookings(first: 20) & co.
    // (primary-key order): a plain member's policy is one indexed condition, so
    // the others' rows are never read (allBookings read all 40,000 before the
    // member/manager split: the OR of own, organized and admin rows has no index).
    await at("graphql_all_bookings", "select b.* from app_public.booking b order by b.id limit 21");
    await at("graphql_all_tickets", "select t.* from app_public.ticket t order by t.id limit 21");
    await at("graphql_all_payments", "select p.* from app_public.payment p order by p.id limit 21");
    await at("graphql_all_waitlist_entries", "select w.* from app_public.waitlist_entry w order by w.id limit 21");
    await at("graphql_all_refunds", "select r.* from app_public.refund r order by r.id limit 21");
    await at("graphql_all_helpful_votes", "select v.* from app_public.review_helpful_vote v order by v.review_id, v.user_id limit 21");
    // Event.bookingsByEventId of the event with the others' bookings, nested in a catalog page.
    await at("graphql_event_bookings", "select b.* from app_public.booking b where b.event_id = $1 order by b.id limit 21", [
      t.booking.event_id,
    ]);

    await at("export_user_data", "select app_public.export_user_data($1)", [t.ticketHolder.sub]);

    // The organizer: check-in at the door, an edit, a publication.
    await becomeUser(client, t.organizer);
    await at("grpc_list_event_tickets_with_void", LIST_TICKETS_SQL, [null, t.edited.id, true, 21, 0]);
    await at("grpc_list_event_waitlist_entries", LIST_EVENT_WAITLIST_ENTRIES_SQL, [t.waitlisted.id, 21, 0]);
    await at("grpc_list_organizer_tickets", LIST_VISIBLE_TICKETS_SQL, [true, 21, 0]);
    await at("grpc_list_organizer_waitlist_entries", LIST_VISIBLE_WAITLIST_ENTRIES_SQL, [21, 0]);
    await at("check_in_ticket", "select * from app_public.check_in_ticket($1)", [t.ticketCode]);
    await at("undo_check_in", "select * from app_public.undo_check_in($1)", [t.ticketCode]);
    await at("check_in_batch", "select * from app_public.check_in_batch(array[row($1, now(), 'door-1')::app_public.ticket_scan_input])", [
      t.ticketCode,
    ]);
    await client.query("select * from app_public.undo_check_in($1)", [t.ticketCode]);
    await at("pause_waitlist_offers", "select id from app_public.pause_waitlist_offers($1)", [t.waitlisted.id]);
    await at("resume_waitlist_offers", "select id from app_public.resume_waitlist_offers($1)", [t.waitlisted.id]);
    await at("set_waitlist_policy", "select id from app_public.set_waitlist_policy($1, 'first_come')", [t.waitlisted.id]);
    await at("reply_to_review", "select * from app_public.reply_to_review($1, 'Thank you, see you next summer.')", [t.review.id]);
    await at("update_event", "select id from app_public.update_event(id => $1, title => $2)", [t.edited.id, `Edited ${joiner.sub}`]);
    const draft = await createEvent(client, t.organizer);
    await at("publish_event", "select id from app_public.publish_event($1)", [draft.id]);
    await at("add_price_tier", "select id from app_public.add_price_tier($1, 'Student', 90, 'EUR', 10)", [t.edited.id]);
    const tier = await uuidOf(client, "select id from app_public.event_price_tier where event_id = $1 and name = 'Student'", [t.edited.id]);
    await at("update_price_tier", "select id from app_public.update_price_tier($1, price => 80)", [tier]);
    await at("remove_price_tier", "select app_public.remove_price_tier($1)", [tier]);
    await at("set_event_time_zone", "select id from app_public.set_event_time_zone($1, 'Asia/Yekaterinburg')", [t.edited.id]);
    await at("set_event_max_seats_per_booking", "select id from app_public.set_event_max_seats_per_booking($1, 4)", [t.edited.id]);
    await at(
      "create_promo_code",
      "select id from app_public.create_promo_code(code => $1, event_id => $2, percent_off => 10)",
      [`SPRING${joiner.sub.slice(0, 4).toUpperCase()}`, t.edited.id],
    );
    // Canceling an event of its own with no bookings: the work of the event's bookings is inherent, the others' is not.
    const toCancel = await createPublishedEvent(client, t.organizer);
    await at("cancel_event", "select id from app_public.cancel_event($1, 'river too high')", [toCancel.id]);

    // The worker's completion task with one ended event, and the relay's claim (as the owner).
    await becomeRoot(client);
    await client.query(
      "update app_public.event set starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' where id = $1",
      [draft.id],
    );
    await at("complete_ended_events", "select app_hidden.complete_ended_events()");
    // An admin rejects the review; the holder gets new tickets (last: the old code goes void).
    await becomeUser(client, admin);
    await at("moderate_review", "select * from app_public.moderate_review($1, 'rejected', 'off topic')", [t.review.id]);
    await becomeUser(client, t.ticketHolder);
    await at("reissue_tickets", "select * from app_public.reissue_tickets($1)", [t.booking.id]);
    await becomeRoot(client);
    await at("outbox_claim", CLAIM_SQL, ["0", "-1", [], 100]);
    return b;
  } finally {
    await client.query("rollback");
  }
}

/** The rows a busy season leaves, put in as the owner with triggers off (seat counters, stats and audit untouched): none of them the passes'. */
async function addOthersRows(): Promise<void> {
  const other = newUser("organizer");
  const { bigEvent, bigTier, pastEvent } = await withCommittedTx(pool, async (tx) => {
    const bigEvent = await createPublishedEvent(tx, other, { capacity: 100_000 });
    const bigTier = await firstTier(tx, bigEvent.id);
    const pastEvent = await createPublishedEvent(tx, other);
    await endEvent(tx, pastEvent.id);
    return { bigEvent, bigTier, pastEvent };
  });
  await withCommittedTx(pool, async (tx) => {
    await becomeRoot(tx);
    await tx.query("set local session_replication_role = replica");
    // The other organizer's ended event was completed by the worker long ago.
    await tx.query("update app_public.event set status = 'completed' where id = $1", [pastEvent.id]);
    const n = ADDED.rows;
    // Other users' confirmed bookings of another event, one ticket each.
    await tx.query(
      `insert into app_public.booking (event_id, user_id, price_tier_id, quantity, unit_price, subtotal, total_amount, currency, status, payment_deadline, confirmed_at)
       select $1, gen_random_uuid(), $2, 1, 120, 120, 120, 'EUR', 'confirmed', now(), now() from generate_series(1, $3)`,
      [bigEvent.id, bigTier.id, n * 2],
    );
    await tx.query(
      `insert into app_public.ticket (booking_id, event_id, seat_no, code)
       select b.id, b.event_id, 1, app_hidden.new_ticket_code() from app_public.booking b where b.event_id = $1`,
      [bigEvent.id],
    );
    // Their payments, each partly refunded.
    await tx.query(
      `insert into app_public.payment (booking_id, amount, currency, method, status, payment_url, gateway_reference,
         confirmed_at, initiated_by, refunded_amount)
       select b.id, 120, 'EUR', 'card', 'partially_refunded', 'https://pay.example/' || b.id, 'gw-' || b.id, now(), b.user_id, 10
       from app_public.booking b where b.event_id = $1`,
      [bigEvent.id],
    );
    await tx.query(
      `insert into app_public.refund (payment_id, amount, currency, reason)
       select p.id, 10, 'EUR', 'goodwill' from app_public.payment p join app_public.booking b on b.id = p.booking_id where b.event_id = $1`,
      [bigEvent.id],
    );
    // Waiting lists: others waiting for another event, others holding offers on it (not yet due),
    // others who left the target's list, others waiting on events past their booking deadline.
    await tx.query(
      `insert into app_public.waitlist_entry (event_id, user_id, seats_wanted, joined_at)
       select $1, gen_random_uuid(), 1, now() - interval '1 day' from generate_series(1, $2)`,
      [bigEvent.id, n],
    );
    await tx.query(
      `insert into app_public.waitlist_entry (event_id, user_id, seats_wanted, status, offered_seats, offered_at, offer_expires_at, joined_at)
       select $1, gen_random_uuid(), 1, 'offered', 1, now(), now() + interval '1 day', now() - interval '1 day' from generate_series(1, $2)`,
      [bigEvent.id, n / 4],
    );
    await tx.query(
      `insert into app_public.waitlist_entry (event_id, user_id, seats_wanted, status, ended_at, joined_at)
       select $1, gen_random_uuid(), 1, 'left', now(), now() - interval '1 day' from generate_series(1, $2)`,
      [t.waitlisted.id, n],
    );
    // Reviews of other events (active), and of the target's ended event; votes on the target's review.
    await tx.query(
      `insert into app_public.review (event_id, user_id, rating, content, status)
       select $1, gen_random_uuid(), 1 + g % 5, 'Fine trip, more or less.', 'active' from generate_series(1, $2) g`,
      [pastEvent.id, n],
    );
    await tx.query(
      `insert into app_public.review_helpful_vote (review_id, user_id) select $1, gen_random_uuid() from generate_series(1, $2)`,
      [t.review.id, n],
    );
    // Favorites of other users, of the target's event and of another.
    await tx.query(
      `insert into app_public.favorite (user_id, event_id)
       select gen_random_uuid(), e from generate_series(1, $3), unnest(array[$1, $2]::uuid[]) e`,
      [t.waitlisted.id, bigEvent.id, n],
    );
    // Other organizers' events: published ones ahead, completed ones behind.
    const copy = (status: string, shift: string) => `
      insert into app_public.event (organizer_id, title, description, category, location_name, latitude, longitude,
        starts_at, ends_at, capacity, booking_deadline_hours, status, published_at, time_zone)
      select gen_random_uuid(), e.title, e.description, e.category, e.location_name, e.latitude, e.longitude,
        e.starts_at + ${shift}, e.ends_at + ${shift}, e.capacity, e.booking_deadline_hours, '${status}', now(), e.time_zone
      from app_public.event e, generate_series(1, $2) g where e.id = $1`;
    await tx.query(copy("published", "g * interval '1 hour'"), [bigEvent.id, ADDED.events]);
    await tx.query(copy("completed", "- interval '30 days' - g * interval '1 hour'"), [bigEvent.id, ADDED.events]);
    // Outbox rows the relay published long ago (the prune task keeps them a while).
    await tx.query(
      `insert into app_private.outbox (aggregate_type, aggregate_id, event_type, data, published_at, attempts)
       select 'booking', gen_random_uuid(), 'BookingConfirmed', '{}', now() - interval '1 hour', 1 from generate_series(1, $1)`,
      [ADDED.outbox],
    );
  });
}

async function setUp(): Promise<void> {
  const organizer = newUser("organizer");
  const holder = newUser("user");
  const author = newUser("user");
  const ticketHolder = newUser("user");
  t = await withCommittedTx(pool, async (tx) => {
    const waitlisted = await createPublishedEvent(tx, organizer, { capacity: 2 });
    const waitlistedTier = await firstTier(tx, waitlisted.id);
    await becomeUser(tx, holder);
    await tx.query("select * from app_public.create_booking($1, $2, 2, null)", [waitlisted.id, waitlistedTier.id]);
    const firstCome = await createPublishedEvent(tx, organizer, { capacity: 5 });
    await becomeUser(tx, organizer);
    await tx.query("select * from app_public.set_waitlist_policy($1, 'first_come')", [firstCome.id]);
    const ended = await createPublishedEvent(tx, organizer);
    const endedTier = await firstTier(tx, ended.id);
    await becomeUser(tx, author);
    const authorBooking = (await tx.query("select * from app_public.create_booking($1, $2, 1, null)", [ended.id, endedTier.id])).rows[0];
    await payBooking(tx, author, authorBooking.id);
    const edited = await createPublishedEvent(tx, organizer, { capacity: 100 });
    const editedTier = await firstTier(tx, edited.id);
    await becomeUser(tx, ticketHolder);
    const booking = (await tx.query("select * from app_public.create_booking($1, $2, 2, null)", [edited.id, editedTier.id])).rows[0];
    await payBooking(tx, ticketHolder, booking.id);
    return { organizer, waitlisted, waitlistedTier, firstCome, ended, edited, ticketHolder, booking } as unknown as typeof t;
  });
  await withCommittedTx(pool, async (tx) => {
    await endEvent(tx, t.ended.id);
    await becomeUser(tx, author);
    t.review = (await tx.query("select * from app_public.create_review($1, 5, 'Good guides.')", [t.ended.id])).rows[0];
    await becomeRoot(tx);
    t.ticketCode = (await tx.query("select code from app_public.ticket where booking_id = $1 order by seat_no limit 1", [t.booking.id]))
      .rows[0].code;
    t.paymentId = (await tx.query("select id from app_public.payment where booking_id = $1", [t.booking.id])).rows[0].id;
    // A goodwill refund of 10 (as the owner, as refund_payment would write it).
    await tx.query("update app_public.payment set refunded_amount = 10, status = 'partially_refunded' where id = $1", [t.paymentId]);
    await tx.query("insert into app_public.refund (payment_id, amount, currency, reason) values ($1, 10, 'EUR', 'goodwill')", [t.paymentId]);
    // The relay has sent what the set-up wrote: the claim sees the passes' rows only.
    await tx.query("update app_private.outbox set published_at = now() where published_at is null");
  });
}

describe("member, organizer and worker calls beside the booking path, with the size of the tables", () => {
  let small: Buffers<Step>;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: await createOwnDatabase("member_paths_scaling"), max: 2 });
    await setUp();
    small = await measure(pool, onePass);
    await addOthersRows();
  }, 180_000);

  afterAll(async () => {
    await pool?.end();
  });

  it("others' rows added, never analyzed (autovacuum off, a fresh restore): no call reads more than a B-tree level more", async () => {
    await expectNeverAnalyzed(pool, TABLES);
    // A plain member's tickets, payments and refunds are "… = any(the caller's
    // bookings / their payments)": without statistics the planner guesses that array matches
    // thousands of rows and walks the primary key for the page; analyzed, it
    // reads the caller's own (checked below). Before the member/manager
    // policies they read every row either way.
    expectNoGrowth(small, await measure(pool, onePass), ["graphql_all_tickets", "graphql_all_payments", "graphql_all_refunds"]);
  });

  it("the same after ANALYZE", async () => {
    await pool.query(`analyze ${TABLES.join(", ")}, app_public.event_seat_counter, app_public.event_price_tier`);
    expectNoGrowth(small, await measure(pool, onePass));
  });
});
