/*
 * The outbox → Kafka relay against a real Apache Kafka broker (scripts/kafka.sh
 * on its own port) and a database of its own. Actions go through the real SQL
 * functions, committed; the relay runs as the worker runs it (the relay loop)
 * or is called directly; a kafkajs consumer with a fresh group reads the topics from
 * the beginning.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { propagation, SpanKind, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOutboxConfig, setRelayConfig, topicFor, type OutboxConfig } from "../../src/outbox/config.ts";
import { startRelayLoop } from "../../src/outbox/relay-loop.ts";
import { relayOutbox, stopRelay } from "../../src/outbox/relay.ts";
import { eventually } from "../helpers/eventually.ts";
import { createBooking, createEventCall, firstTier, gateway, inDays, newUser, type Row } from "../db/factories.ts";
import { becomeUser, withCommittedTx, type TestUser, type Tx } from "../helpers/db.ts";
import { BROKER, consumeUntil, createKafkaTestDatabase, createTopics, kafkaScript, type Received } from "./helpers.ts";

let pool: pg.Pool;
let config: OutboxConfig;
let databaseUrl: string;

beforeAll(async () => {
  // A fresh broker (reset deletes the data of an earlier run) and database.
  await kafkaScript("reset");
  [, databaseUrl] = await Promise.all([kafkaScript("start"), createKafkaTestDatabase()]);
  pool = new pg.Pool({ connectionString: databaseUrl, max: 12 });
  pool.on("error", () => {}); // an idle client's error surfaces on its next query
  config = loadOutboxConfig({
    KAFKA_BROKERS: BROKER,
    KAFKA_CLIENT_ID: "aquastream-test",
    // Generous: on a loaded 2-core CI machine a JVM broker can be slow to answer.
    KAFKA_CONNECTION_TIMEOUT_MS: "5000",
    KAFKA_REQUEST_TIMEOUT_MS: "15000",
  });
  setRelayConfig(config);
  // Topics exist before the first send, as in a deployment (auto-creation on
  // first use works too, but makes the first send wait for a leader).
  await createTopics(Object.values(config.topics));
}, 180_000);

afterAll(async () => {
  setRelayConfig(undefined);
  await stopRelay();
  await pool?.end();
  await kafkaScript("stop");
}, 60_000);

/** Runs `fn` in a transaction on its own connection and commits. */
const committed = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => withCommittedTx(pool, fn);

async function relayNow(settings: OutboxConfig) {
  const client = await pool.connect();
  try {
    return await relayOutbox(client, settings);
  } finally {
    client.release();
  }
}

async function q(sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await pool.query(sql, params)).rows;
}

async function createEvent(tx: Tx, organizer: TestUser, overrides = {}): Promise<Row> {
  await becomeUser(tx, organizer);
  const [sql, params] = createEventCall(overrides);
  return (await tx.query(sql, params)).rows[0]!;
}

async function lastPosition(): Promise<string> {
  const [row] = await q("select coalesce(max(position), 0)::text as p from app_private.outbox");
  return row!.p as string;
}

async function rowsAfter(position: string): Promise<Row[]> {
  return q("select * from app_private.outbox where position > $1 order by position", [position]);
}

/** What the consumer must read for an outbox row: docs/events.md's envelope. */
function expectedEnvelope(row: Row) {
  return {
    id: row.id,
    type: row.event_type,
    version: row.version,
    occurredAt: (row.occurred_at as Date).toISOString(),
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    actor: row.actor_id,
    data: row.data,
  };
}

function topicsOf(rows: Row[]): string[] {
  return [...new Set(rows.map((r) => topicFor(config, r.aggregate_type as string)))];
}

/** First arrival of each id, grouped by key, in arrival order. */
function idsByKey(received: Received[]): Map<string, string[]> {
  const seen = new Set<string>();
  const byKey = new Map<string, string[]>();
  for (const r of received) {
    const id = r.headers.id!;
    if (seen.has(id)) continue;
    seen.add(id);
    byKey.set(r.key, [...(byKey.get(r.key) ?? []), id]);
  }
  return byKey;
}

describe("outbox relay → Kafka", () => {
  it("publishes every catalog event type on its topic with the envelope, key and headers", async () => {
    const start = await lastPosition();
    const organizer = newUser("organizer");
    const fan = newUser("user");

    const event = await committed((tx) => createEvent(tx, organizer)); // EventCreated
    await committed(async (tx) => {
      await becomeUser(tx, organizer);
      await tx.query("select app_public.update_event(id => $1, title => 'Chusovaya rafting, long weekend')", [event.id]); // EventUpdated
      const tier = (await tx.query("select * from app_public.add_price_tier($1, 'Child', 60, 'EUR')", [event.id])).rows[0]; // EventUpdated
      await tx.query("select app_public.update_price_tier(id => $1, price => 65)", [tier.id]); // EventUpdated
      await tx.query("select app_public.remove_price_tier($1)", [tier.id]); // EventUpdated
      await tx.query("select app_public.publish_event($1)", [event.id]); // EventPublished
    });
    await committed(async (tx) => {
      await becomeUser(tx, fan);
      await tx.query("select app_public.add_favorite($1)", [event.id]); // FavoriteAdded
      await tx.query("select app_public.remove_favorite($1)", [event.id]); // FavoriteRemoved
    });
    const other = await committed((tx) => createEvent(tx, organizer));
    await committed(async (tx) => {
      await becomeUser(tx, organizer);
      await tx.query("select app_public.cancel_event($1, 'The river is too high this week')", [other.id]); // EventCanceled
    });
    // EventCompleted: move the published event into the past (as the owner; the
    // API cannot), then run the cron's SQL.
    await committed(async (tx) => {
      await tx.query(
        "update app_public.event set starts_at = now() - interval '3 days', ends_at = now() - interval '1 day' where id = $1",
        [event.id],
      );
      await tx.query("select app_hidden.complete_ended_events()");
    });

    const rows = await rowsAfter(start);
    expect(new Set(rows.map((r) => r.event_type))).toEqual(
      new Set([
        "EventCreated",
        "EventUpdated",
        "EventPublished",
        "FavoriteAdded",
        "FavoriteRemoved",
        "EventCanceled",
        "EventCompleted",
      ]),
    );

    // The worker's relay loop (as in production) finds and sends them.
    const loop = startRelayLoop(databaseUrl, config);
    try {
      await eventually(
        async () => (await q("select count(*)::int as n from app_private.outbox where position > $1 and published_at is null", [start]))[0]!.n === 0,
        "the relay loop sends the rows",
      );
    } finally {
      await loop.stop();
    }
    const published = await q("select count(*)::int as n from app_private.outbox where position > $1 and published_at is not null", [start]);
    expect(published[0]!.n).toBe(rows.length);

    const received = await consumeUntil(topicsOf(rows), rows.map((r) => r.id), 20_000);
    for (const row of rows) {
      const message = received.find((m) => m.headers.id === row.id);
      expect(message, `${row.event_type} ${row.id}`).toBeDefined();
      expect(message!.topic).toBe("aquastream.event");
      expect(message!.key).toBe(row.aggregate_id);
      expect(message!.headers).toEqual({ id: row.id, type: row.event_type });
      expect(message!.value).toEqual(expectedEnvelope(row));
    }
    // In writing order per key.
    for (const [key, ids] of idsByKey(received.filter((m) => rows.some((r) => r.id === m.headers.id)))) {
      expect(ids, key).toEqual(rows.filter((r) => r.aggregate_id === key).map((r) => r.id));
    }
    const [backlog] = await q("select * from app_private.outbox_backlog");
    expect(backlog).toMatchObject({ unpublished: "0", parked: "0", oldest_unpublished_age_seconds: 0 });
  });

  it("publishes a booking's whole life and its promo code: booking topic in order per booking, promo_code topic", async () => {
    await relayNow(config); // earlier rows out of the way
    const start = await lastPosition();
    const organizer = newUser("organizer");
    const buyer = newUser("user");
    const quitter = newUser("user");

    const { event, tier, promo } = await committed(async (tx) => {
      const created = await createEvent(tx, organizer);
      const published = (await tx.query("select * from app_public.publish_event($1)", [created.id])).rows[0]!;
      const promoCode = (
        await tx.query("select * from app_public.create_promo_code(code => 'RIVER10', event_id => $1, percent_off => 10)", [published.id])
      ).rows[0]!; // PromoCodeCreated
      return { event: published, tier: await firstTier(tx, published.id), promo: promoCode };
    });
    // Paid, then partly refunded.
    const paid = await committed(async (tx) => {
      const booking = await createBooking(tx, buyer, event.id, tier.id, 2, "river10"); // BookingCreated
      const payment = (await tx.query("select * from app_public.initiate_payment($1, 'card')", [booking.id])).rows[0]!; // PaymentInitiated
      await becomeUser(tx, gateway);
      await tx.query("select app_public.confirm_payment($1, $2)", [`gw-${payment.id}`, payment.id]); // PaymentConfirmed, BookingConfirmed
      await becomeUser(tx, organizer);
      await tx.query("select app_public.refund_payment(payment_id => $1, reason => 'Rain', amount => 5)", [payment.id]); // PaymentRefunded
      return booking; // TicketsIssued, at commit (the ticket trigger is deferred)
    });
    // Booked, a failed payment, then canceled by the user.
    const dropped = await committed(async (tx) => {
      const booking = await createBooking(tx, quitter, event.id, tier.id, 1); // BookingCreated
      const payment = (await tx.query("select * from app_public.initiate_payment($1, 'card')", [booking.id])).rows[0]!; // PaymentInitiated
      await becomeUser(tx, gateway);
      await tx.query("select app_public.fail_payment($1, 'Declined by the bank')", [payment.id]); // PaymentFailed
      await becomeUser(tx, quitter);
      await tx.query("select app_public.cancel_booking($1, 'Changed plans')", [booking.id]); // BookingCanceled
      return booking;
    });
    await committed(async (tx) => {
      await becomeUser(tx, organizer);
      await tx.query("select app_public.deactivate_promo_code($1)", [promo.id]); // PromoCodeDeactivated
    });

    const rows = (await rowsAfter(start)).filter((r) => r.aggregate_type !== "event");
    const typesOf = (id: string) => rows.filter((r) => r.aggregate_id === id).map((r) => r.event_type);
    expect(typesOf(paid.id)).toEqual(["BookingCreated", "PaymentInitiated", "PaymentConfirmed", "BookingConfirmed", "PaymentRefunded", "TicketsIssued"]);
    expect(typesOf(dropped.id)).toEqual(["BookingCreated", "PaymentInitiated", "PaymentFailed", "BookingCanceled"]);
    expect(typesOf(promo.id)).toEqual(["PromoCodeCreated", "PromoCodeDeactivated"]);

    await relayNow(config);
    const received = await consumeUntil(topicsOf(rows), rows.map((r) => r.id), 20_000);
    for (const row of rows) {
      const message = received.find((m) => m.headers.id === row.id);
      expect(message, `${row.event_type} ${row.id}`).toBeDefined();
      expect(message!.topic).toBe(row.aggregate_type === "booking" ? "aquastream.booking" : "aquastream.promo_code");
      expect(message!.key).toBe(row.aggregate_id);
      expect(message!.value).toEqual(expectedEnvelope(row));
    }
    for (const [key, ids] of idsByKey(received.filter((m) => rows.some((r) => r.id === m.headers.id)))) {
      expect(ids, key).toEqual(rows.filter((r) => r.aggregate_id === key).map((r) => r.id));
    }
    // The payload a notification service needs to send the ticket e-mail.
    const confirmed = received.find((m) => m.key === paid.id && m.headers.type === "BookingConfirmed")!;
    expect(confirmed.value.data).toMatchObject({ id: paid.id, eventId: event.id, userId: buyer.sub, quantity: 2, status: "confirmed" });
  });

  it("publishes every review and crew event type on its topic, in order per key", async () => {
    await relayNow(config); // earlier rows out of the way
    const start = await lastPosition();
    const organizer = newUser("organizer");
    const author = newUser("user");
    const voter = newUser("user");
    const admin = newUser("admin");

    // Reviews: a confirmed participant of an event that has ended.
    const past = await committed(async (tx) => {
      const created = await createEvent(tx, organizer);
      const event = (await tx.query("select * from app_public.publish_event($1)", [created.id])).rows[0]!;
      const booking = await createBooking(tx, author, event.id, (await firstTier(tx, event.id)).id, 1);
      const payment = (await tx.query("select * from app_public.initiate_payment($1, 'card')", [booking.id])).rows[0]!;
      await becomeUser(tx, gateway);
      await tx.query("select app_public.confirm_payment($1, $2)", [`gw-${payment.id}`, payment.id]);
      await tx.query("reset role");
      await tx.query(
        "update app_public.event set starts_at = now() - interval '3 days', ends_at = now() - interval '1 day' where id = $1",
        [event.id],
      );
      return event;
    });
    const review = await committed(async (tx) => {
      await becomeUser(tx, author);
      const created = (await tx.query("select * from app_public.create_review($1, 5, 'Great guides, cold water.')", [past.id])).rows[0]!; // ReviewCreated
      await tx.query("select app_public.update_review(id => $1, rating => 4)", [created.id]); // ReviewUpdated
      return created;
    });
    await committed(async (tx) => {
      await becomeUser(tx, voter);
      await tx.query("select app_public.mark_review_helpful($1)", [review.id]); // ReviewMarkedHelpful
      await tx.query("select app_public.unmark_review_helpful($1)", [review.id]); // ReviewUnmarkedHelpful
      await becomeUser(tx, admin);
      await tx.query("select app_public.moderate_review($1, 'rejected', 'Names a guide in full')", [review.id]); // ReviewModerated
      await becomeUser(tx, author);
      await tx.query("select app_public.delete_review($1)", [review.id]); // ReviewDeleted
    });

    // Crew: what the worker's crew tasks record (the crew service itself is
    // exercised in test/crew/), for an event assigned then canceled, and one
    // whose assignment failed.
    const [withCrew, withoutCrew] = await committed(async (tx) => {
      const list: Row[] = [];
      for (const title of ["Crewed trip", "Uncrewed trip"]) {
        const created = await createEvent(tx, organizer, { title, crewRequired: true });
        list.push((await tx.query("select * from app_public.publish_event($1)", [created.id])).rows[0]!);
      }
      return list;
    });
    await committed(async (tx) => {
      await tx.query("select app_hidden.record_crew_assigned($1, gen_random_uuid(), $2, $3)", [
        withCrew!.id,
        withCrew!.starts_at,
        withCrew!.ends_at,
      ]); // CrewAssigned
      await tx.query("select app_hidden.record_crew_assignment_failed($1, 'crew service unavailable', 5)", [withoutCrew!.id]); // CrewAssignmentFailed
    });
    await committed(async (tx) => {
      await becomeUser(tx, organizer);
      await tx.query("select app_public.cancel_event($1, 'Storm warning')", [withCrew!.id]);
      await tx.query("reset role");
      const { rows } = await tx.query("select assignment_id from app_hidden.crew_releases_due($1)", [withCrew!.id]);
      expect(rows).toHaveLength(1);
      await tx.query("select app_hidden.record_crew_released($1)", [rows[0].assignment_id]); // CrewReleased
    });

    const rows = (await rowsAfter(start)).filter((r) => r.aggregate_type === "review" || r.aggregate_type === "crew");
    expect(rows.filter((r) => r.aggregate_id === review.id).map((r) => r.event_type)).toEqual([
      "ReviewCreated",
      "ReviewUpdated",
      "ReviewMarkedHelpful",
      "ReviewUnmarkedHelpful",
      "ReviewModerated",
      "ReviewDeleted",
    ]);
    expect(rows.filter((r) => r.aggregate_id === withCrew!.id).map((r) => r.event_type)).toEqual(["CrewAssigned", "CrewReleased"]);
    expect(rows.filter((r) => r.aggregate_id === withoutCrew!.id).map((r) => r.event_type)).toEqual(["CrewAssignmentFailed"]);

    await relayNow(config);
    const received = await consumeUntil(topicsOf(rows), rows.map((r) => r.id), 20_000);
    for (const row of rows) {
      const message = received.find((m) => m.headers.id === row.id);
      expect(message, `${row.event_type} ${row.id}`).toBeDefined();
      expect(message!.topic).toBe(`aquastream.${row.aggregate_type}`);
      expect(message!.key).toBe(row.aggregate_id);
      expect(message!.value).toEqual(expectedEnvelope(row));
    }
    for (const [key, ids] of idsByKey(received.filter((m) => rows.some((r) => r.id === m.headers.id)))) {
      expect(ids, key).toEqual(rows.filter((r) => r.aggregate_id === key).map((r) => r.id));
    }
  });

  it("keeps 1,000 booking actions working while the broker is down, then delivers every event in order per key", async () => {
    const organizer = newUser("organizer");
    // 20 published events with room for 25 bookings each; 500 buyers.
    const targets = await committed(async (tx) => {
      const list: { event: Row; tier: Row }[] = [];
      for (let i = 0; i < 20; i++) {
        const created = await createEvent(tx, organizer, { title: `Outage event ${i}`, capacity: 30 });
        const event = (await tx.query("select * from app_public.publish_event($1)", [created.id])).rows[0]!;
        list.push({ event, tier: await firstTier(tx, event.id) });
      }
      return list;
    });
    await relayNow(config); // earlier rows out of the way
    const start = await lastPosition();

    let rows: Row[] = [];
    await kafkaScript("stop");
    try {
      // 1,000 booking actions, each its own transaction, 8 at a time: 500
      // buyers each book (BookingCreated) and then start paying
      // (PaymentInitiated, same key), spread over the 20 events.
      let next = 0;
      const failures: unknown[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let n = next++; n < 500; n = next++) {
            const { event, tier } = targets[n % targets.length]!;
            const buyer = newUser("user");
            try {
              const booking = await committed((tx) => createBooking(tx, buyer, event.id, tier.id, 1));
              await committed(async (tx) => {
                await becomeUser(tx, buyer);
                await tx.query("select app_public.initiate_payment($1, 'card')", [booking.id]);
              });
            } catch (error) {
              failures.push(error);
            }
          }
        }),
      );
      expect(failures).toEqual([]);

      rows = await rowsAfter(start);
      expect(rows).toHaveLength(1000);

      // The relay fails while the broker is down; nothing is marked, the error is visible.
      const client = await pool.connect();
      try {
        await expect(relayOutbox(client, config)).rejects.toThrow();
      } finally {
        client.release();
      }
      const [backlog] = await q("select * from app_private.outbox_backlog");
      expect(Number(backlog!.unpublished)).toBeGreaterThanOrEqual(1000);
      expect(backlog!.last_error).toBeTruthy();
      expect(backlog!.oldest_unpublished_age_seconds).toBeGreaterThan(0);
    } finally {
      await kafkaScript("start"); // whatever happened above, the next tests get their broker back
    }
    const relayClient = await pool.connect();
    try {
      const result = await relayOutbox(relayClient, config);
      expect(result.published).toBeGreaterThanOrEqual(1000);
    } finally {
      relayClient.release();
    }
    const [after] = await q("select * from app_private.outbox_backlog");
    expect(after).toMatchObject({ unpublished: "0" });

    const received = await consumeUntil(topicsOf(rows), rows.map((r) => r.id), 90_000);
    const ours = received.filter((m) => rows.some((r) => r.id === m.headers.id));
    expect(new Set(ours.map((m) => m.headers.id)).size).toBe(1000); // every id at least once
    const byKey = idsByKey(ours);
    expect(byKey.size).toBe(500); // one key per booking
    for (const [key, ids] of byKey) {
      expect(ids, key).toEqual(rows.filter((r) => r.aggregate_id === key).map((r) => r.id)); // in order per key
    }
    // A redelivered message keeps its id and envelope.
    for (const m of ours) expect(m.value.id).toBe(m.headers.id);
  }, 180_000);

  it("loses nothing when the relay dies after the send and before the commit (same ids again)", { timeout: 60_000 }, async () => {
    await relayNow(config); // earlier rows out of the way
    const organizer = newUser("organizer");
    const start = await lastPosition();
    await committed(async (tx) => {
      for (let i = 0; i < 5; i++) await createEvent(tx, organizer, { title: `Crash event ${i}` });
    });
    const rows = await rowsAfter(start);
    expect(rows).toHaveLength(5);

    const client = await pool.connect();
    try {
      await expect(
        relayOutbox(client, config, {
          afterSend: () => {
            throw new Error("worker killed");
          },
        }),
      ).rejects.toThrow("worker killed");
      expect(await q("select count(*)::int as n from app_private.outbox where position > $1 and published_at is null", [start])).toEqual([
        { n: 5 },
      ]);
      await relayOutbox(client, config);
    } finally {
      client.release();
    }
    expect(await q("select count(*)::int as n from app_private.outbox where position > $1 and published_at is null", [start])).toEqual([
      { n: 0 },
    ]);
    const received = await consumeUntil(topicsOf(rows), rows.map((r) => r.id), 30_000, 2);
    for (const row of rows) {
      const copies = received.filter((m) => m.headers.id === row.id);
      expect(copies).toHaveLength(2); // sent twice, same id: consumers de-duplicate on it
      expect(copies[0]!.value).toEqual(copies[1]!.value);
    }
  });

  it("parks a malformed or oversized row with its reason and sends the rows around it", async () => {
    await relayNow(config); // earlier rows out of the way
    const organizer = newUser("organizer");
    const small = { ...config, maxMessageBytes: 16_384 };
    const start = await lastPosition();
    const before = await committed((tx) => createEvent(tx, organizer, { title: "Before the bad rows" }));
    await committed(async (tx) => {
      // As the owner: rows the API never writes, as a bug or a manual insert might.
      await tx.query(
        `insert into app_private.outbox (aggregate_type, aggregate_id, event_type, data)
         values ('event', $1, 'EventUpdated', '"not an object"'::jsonb),
                ('event', $1, 'EventUpdated', jsonb_build_object('description', repeat('x', 20000)))`,
        [before.id],
      );
    });
    const after = await committed((tx) => createEvent(tx, organizer, { title: "After the bad rows" }));
    const rows = await rowsAfter(start);
    expect(rows).toHaveLength(4);

    const client = await pool.connect();
    try {
      const result = await relayOutbox(client, small);
      expect(result).toMatchObject({ published: 2, parked: 2 });
      // Parked rows are not retried.
      expect(await relayOutbox(client, small)).toMatchObject({ published: 0, parked: 0 });
    } finally {
      client.release();
    }
    const parked = await q(
      "select parked_reason from app_private.outbox where position > $1 and parked_at is not null order by position",
      [start],
    );
    expect(parked.map((r) => r.parked_reason)).toEqual([
      "data must be a JSON object, got string",
      expect.stringMatching(/^message is \d+ bytes, above the 16384-byte limit/),
    ]);
    const [backlog] = await q("select * from app_private.outbox_backlog");
    expect(backlog).toMatchObject({ unpublished: "0", parked: "2" });

    const good = rows.filter((r) => r.aggregate_id === before.id || r.aggregate_id === after.id).filter((r) => typeof r.data === "object" && JSON.stringify(r.data).length < 10_000);
    const received = await consumeUntil(topicsOf(good), good.map((r) => r.id), 20_000);
    expect(received.filter((m) => good.some((r) => r.id === m.headers.id))).toHaveLength(2);

    // Clean up for the next tests' backlog checks.
    await q("delete from app_private.outbox where parked_at is not null");
  });

  it("prunes published rows older than the retention, never waiting ones", async () => {
    const organizer = newUser("organizer");
    const start = await lastPosition();
    await committed(async (tx) => {
      for (let i = 0; i < 3; i++) await createEvent(tx, organizer, { title: `Prune event ${i}` });
    });
    const rows = await rowsAfter(start);
    // Two published long ago, one still waiting.
    await q("update app_private.outbox set published_at = now() - interval '10 days' where id = any($1)", [
      rows.slice(0, 2).map((r) => r.id),
    ]);
    await q("update app_private.outbox set published_at = null where id = $1", [rows[2]!.id]);
    const [pruned] = await q("select app_hidden.prune_outbox(interval '7 days') as n");
    expect(pruned!.n).toBeGreaterThanOrEqual(2);
    const left = await q("select id from app_private.outbox where id = any($1)", [rows.map((r) => r.id)]);
    expect(left.map((r) => r.id)).toEqual([rows[2]!.id]);
    await expect(q("select app_hidden.prune_outbox(interval '-1 day')")).rejects.toThrow("retention must be zero or more");
  });
});

describe("request id and trace context across the outbox", () => {
  it("keeps app.request_id and a well-formed app.traceparent in the outbox row and sends them as Kafka headers", async () => {
    const start = await lastPosition();
    const organizer = newUser("organizer");
    const hex = (bytes: number) => randomBytes(bytes).toString("hex");
    const traceparent = `00-${hex(16)}-${hex(8)}-01`;
    const requestId = `ops-${hex(8)}`;
    const traced = await committed(async (tx) => {
      await tx.query("select set_config('app.request_id', $1, true), set_config('app.traceparent', $2, true)", [
        requestId,
        traceparent,
      ]);
      return createEvent(tx, organizer, { startsAt: inDays(30) });
    });
    // A malformed setting is dropped, never a reason to refuse the write.
    const untraced = await committed(async (tx) => {
      await tx.query("select set_config('app.traceparent', 'not-a-traceparent', true)");
      return createEvent(tx, organizer, { startsAt: inDays(31) });
    });
    const rows = await rowsAfter(start);
    expect(rows.map((r) => [r.aggregate_id, r.request_id, r.trace_parent])).toEqual([
      [traced.id, requestId, traceparent],
      [untraced.id, null, null],
    ]);

    await relayNow(config);
    const received = await consumeUntil(topicsOf(rows), rows.map((r) => r.id), 20_000);
    // Tracing is off in this process: the row's traceparent goes out verbatim.
    expect(received.find((m) => m.headers.id === rows[0]!.id)!.headers).toEqual({
      id: rows[0]!.id,
      type: "EventCreated",
      "request-id": requestId,
      traceparent,
    });
    expect(received.find((m) => m.headers.id === rows[1]!.id)!.headers).toEqual({ id: rows[1]!.id, type: "EventCreated" });
  });
});

describe("relay spans (tracing on)", () => {
  it("sends each message under a PRODUCER span that is a child of the row's span, and names that span in the header", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const start = await lastPosition();
      const hex = (bytes: number) => randomBytes(bytes).toString("hex");
      const [traceId, requestSpanId] = [hex(16), hex(8)];
      await committed(async (tx) => {
        await tx.query("select set_config('app.traceparent', $1, true)", [`00-${traceId}-${requestSpanId}-01`]);
        return createEvent(tx, newUser("organizer"), { startsAt: inDays(32) });
      });
      const rows = await rowsAfter(start);
      expect(rows).toHaveLength(1);

      await relayNow(config);
      const [message] = (await consumeUntil(topicsOf(rows), [rows[0]!.id], 20_000)).filter((m) => m.headers.id === rows[0]!.id);
      const producer = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      expect(producer).toHaveLength(1);
      expect(producer[0]!.kind).toBe(SpanKind.PRODUCER);
      expect(producer[0]!.name).toBe("send aquastream.event");
      expect(producer[0]!.parentSpanContext?.spanId).toBe(requestSpanId);
      expect(producer[0]!.attributes).toMatchObject({
        "messaging.system": "kafka",
        "messaging.destination.name": "aquastream.event",
        "messaging.kafka.message.key": rows[0]!.aggregate_id,
        "aquastream.event_type": "EventCreated",
      });
      // A consumer continues from the producer span, in the request's trace.
      expect(message!.headers.traceparent).toBe(`00-${traceId}-${producer[0]!.spanContext().spanId}-01`);
    } finally {
      trace.disable();
      propagation.disable();
      await provider.shutdown();
    }
  });
});
