/*
 * The relay's settings (KAFKA_*, OUTBOX_*) are validated like the others:
 * a wrong value names its variable, and the service refuses to start with it.
 */
import { describe, expect, it } from "vitest";
import { configRefusal, serviceExit } from "../helpers/config.ts";
import { loadOutboxConfig, topicFor } from "../../src/outbox/config.ts";

describe("loadOutboxConfig", () => {
  it("defaults: relay off, one aquastream.<aggregate> topic per aggregate type", () => {
    const config = loadOutboxConfig({});
    expect(config.brokers).toEqual([]);
    expect(topicFor(config, "event")).toBe("aquastream.event");
    expect(topicFor(config, "booking")).toBe("aquastream.booking");
    expect(topicFor(config, "promo_code")).toBe("aquastream.promo_code");
    expect(topicFor(config, "something_new")).toBe("aquastream.something_new");
    expect(config.retentionDays).toBe(7);
  });

  it("topic of a type: its own variable, then KAFKA_TOPIC_MAP, then the prefix", () => {
    const config = loadOutboxConfig({
      KAFKA_BROKERS: "kafka-1:9092, [::1]:9093",
      KAFKA_TOPIC_PREFIX: "prod.",
      KAFKA_TOPIC_MAP: "booking=from-map.booking,crew=crew-events",
      KAFKA_TOPIC_BOOKING: "bookings-v2",
    });
    expect(config.brokers).toEqual(["kafka-1:9092", "[::1]:9093"]);
    expect(topicFor(config, "booking")).toBe("bookings-v2");
    expect(topicFor(config, "crew")).toBe("crew-events");
    expect(topicFor(config, "event")).toBe("prod.event");
    expect(topicFor(config, "other")).toBe("prod.other");
  });

  it.each([
    [{ KAFKA_BROKERS: "kafka-1" }, "KAFKA_BROKERS", "host:port"],
    [{ KAFKA_BROKERS: "kafka-1:99999" }, "KAFKA_BROKERS", "host:port"],
    [{ KAFKA_TOPIC_EVENT: "events with spaces" }, "KAFKA_TOPIC_EVENT", "Kafka topic name"],
    [{ KAFKA_TOPIC_MAP: "booking" }, "KAFKA_TOPIC_MAP", "aggregate_type=topic"],
    [{ OUTBOX_BATCH_SIZE: "0" }, "OUTBOX_BATCH_SIZE", "between 1 and 10000"],
    [{ OUTBOX_RETENTION_DAYS: "a week" }, "OUTBOX_RETENTION_DAYS", "whole number"],
  ])("refuses %j naming %s", (env, variable, fragment) => {
    const error = configRefusal(loadOutboxConfig, env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(fragment);
  });

  it("the service process exits with code 2 on a wrong KAFKA_BROKERS and names it", async () => {
    const result = await serviceExit("worker", { KAFKA_BROKERS: "no-port-here" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("KAFKA_BROKERS");
  });
});
