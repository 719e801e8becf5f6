/*
 * The relay to a real broker over TLS with SASL: scripts/kafka.sh starts a
 * broker of this file's own with a SASL_SSL listener (a PEM keystore and a
 * SCRAM-SHA-512 user made in this run, never committed) beside its PLAINTEXT
 * one; the relay publishes through SASL_SSL with SCRAM-SHA-512 and with
 * PLAIN, and a consumer on the plaintext listener sees what arrived.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadOutboxConfig, type OutboxConfig } from "../../src/outbox/config.ts";
import { relayOutbox, stopRelay } from "../../src/outbox/relay.ts";
import { projectRoot } from "../../src/db/migrations.ts";
import { createEventCall } from "../db/factories.ts";
import { becomeUser, newUser } from "../helpers/db.ts";
import { createOwnDatabase } from "../helpers/own-database.ts";
import { certDir, makeCa, type TestCa } from "../helpers/certs.ts";
import { configRefusal, serviceExit } from "../helpers/config.ts";
import { consumeUntil, createTopics, KAFKA_TEST_PORT } from "./helpers.ts";

const exec = promisify(execFile);

// A broker of its own, away from the suite's (KAFKA_TEST_PORT) and its controller port.
const PORT = KAFKA_TEST_PORT + 100;
const SASL_SSL_PORT = PORT + 2;
const PLAINTEXT = `127.0.0.1:${PORT}`;
const SECURE = `127.0.0.1:${SASL_SSL_PORT}`;
const USER = "aquastream-event";
const PASSWORD = randomBytes(12).toString("hex");
const dir = certDir();
let ca: TestCa;
let pool: pg.Pool;
let brokerEnv: Record<string, string>;

const kafka = (command: "start" | "stop" | "reset") =>
  exec("bash", [`${projectRoot}/scripts/kafka.sh`, command, String(PORT)], {
    cwd: projectRoot,
    timeout: 180_000,
    env: { ...process.env, ...brokerEnv },
  });

beforeAll(async () => {
  ca = makeCa(dir, "kafka");
  const broker = ca.issue("kafka-broker", { sans: ["DNS:localhost", "IP:127.0.0.1"] });
  // Kafka's PEM keystore: the unencrypted PKCS#8 key, then the certificate.
  const keystore = join(dir, "broker-keystore.pem");
  const { readFileSync } = await import("node:fs");
  writeFileSync(keystore, Buffer.concat([readFileSync(broker.keyFile), readFileSync(broker.certFile)]));
  brokerEnv = {
    KAFKA_SASL_SSL_PORT: String(SASL_SSL_PORT),
    KAFKA_SSL_KEYSTORE_PEM: keystore,
    KAFKA_SCRAM_USER: USER,
    KAFKA_SCRAM_PASSWORD: PASSWORD,
    KAFKA_HEAP_OPTS: "-Xms64m -Xmx384m",
  };
  await kafka("reset"); // SCRAM users are written when the storage is formatted
  const [, databaseUrl] = await Promise.all([kafka("start"), createOwnDatabase("kafka_security")]);
  pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  pool.on("error", () => {});
  // Topics with leaders before the first send, as in a deployment.
  await createTopics(Object.values(loadOutboxConfig({}).topics), PLAINTEXT);
}, 240_000);

afterAll(async () => {
  await stopRelay();
  await pool?.end();
  await kafka("stop");
}, 60_000);

/** Commits a new event (one outbox row) and returns the ids of all rows still waiting. */
async function waitingRows(): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await becomeUser(client, newUser("organizer"));
    const [sql, params] = createEventCall();
    await client.query(sql, params);
    await client.query("commit");
    const { rows } = await client.query<{ id: string }>("select id::text from app_private.outbox where published_at is null and parked_at is null");
    return rows.map((r) => r.id);
  } finally {
    client.release();
  }
}

async function relay(config: OutboxConfig) {
  const client = await pool.connect();
  try {
    return await relayOutbox(client, config);
  } finally {
    client.release();
  }
}

const secureConfig = (env: Record<string, string>) =>
  loadOutboxConfig({
    KAFKA_BROKERS: SECURE,
    KAFKA_CLIENT_ID: "aquastream-test",
    KAFKA_CONNECTION_TIMEOUT_MS: "5000",
    KAFKA_REQUEST_TIMEOUT_MS: "15000",
    KAFKA_SEND_RETRIES: "1",
    ...env,
  });

describe("relay over TLS with SASL", () => {
  it.each([["scram-sha-512"], ["plain"]])("publishes through SASL_SSL with %s, verifying the broker's certificate", async (mechanism) => {
    const ids = await waitingRows();
    expect(ids.length).toBeGreaterThan(0);
    const config = secureConfig({
      KAFKA_SSL_CA_FILE: ca.certFile,
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: USER,
      KAFKA_SASL_PASSWORD: PASSWORD,
    });
    const result = await relay(config);
    expect(result.published).toBe(ids.length);
    const received = await consumeUntil(Object.values(config.topics), ids, 60_000, 1, PLAINTEXT);
    expect(ids.every((id) => received.some((r) => r.headers.id === id))).toBe(true);
    const { rows } = await pool.query("select count(*)::int as n from app_private.outbox where id = any($1::uuid[]) and published_at is not null", [ids]);
    expect(rows[0].n).toBe(ids.length);
  });

  it("a wrong password is refused by the broker: nothing is published", async () => {
    const ids = await waitingRows();
    const config = secureConfig({
      KAFKA_SSL_CA_FILE: ca.certFile,
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SASL_USERNAME: USER,
      KAFKA_SASL_PASSWORD: "not-the-password",
    });
    await expect(relay(config)).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
    const { rows } = await pool.query("select count(*)::int as n from app_private.outbox where id = any($1::uuid[]) and published_at is null", [ids]);
    expect(rows[0].n).toBe(ids.length);
  });

  it("a broker certificate the client does not trust is refused: nothing is published", async () => {
    const ids = await waitingRows();
    const stranger = makeCa(dir, "stranger");
    const config = secureConfig({
      KAFKA_SSL_CA_FILE: stranger.certFile,
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SASL_USERNAME: USER,
      KAFKA_SASL_PASSWORD: PASSWORD,
    });
    await expect(relay(config)).rejects.toThrow();
    const { rows } = await pool.query("select count(*)::int as n from app_private.outbox where id = any($1::uuid[]) and published_at is null", [ids]);
    expect(rows[0].n).toBe(ids.length);
    await stopRelay();
  });
});

describe("Kafka security settings", () => {
  it.each([
    [{ KAFKA_BROKERS: SECURE, KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "p" }, "KAFKA_SSL", "PLAIN sends the password"],
    [{ KAFKA_BROKERS: SECURE, KAFKA_SASL_MECHANISM: "gssapi" }, "KAFKA_SASL_MECHANISM", "must be one of"],
    [{ KAFKA_BROKERS: SECURE, KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_PASSWORD: "p" }, "KAFKA_SASL_USERNAME", "is required"],
    [{ KAFKA_BROKERS: SECURE, KAFKA_SASL_USERNAME: "u" }, "KAFKA_SASL_MECHANISM", "is required"],
    [{ KAFKA_BROKERS: SECURE, KAFKA_SSL_CERT_FILE: "/nonexistent.crt" }, "KAFKA_SSL_CERT_FILE", "cannot read"],
    [{ NODE_ENV: "production", KAFKA_BROKERS: SECURE }, "KAFKA_SSL", "required when NODE_ENV=production"],
    // SCRAM keeps the password off the wire, but production still wants the data encrypted.
    [{ NODE_ENV: "production", KAFKA_BROKERS: SECURE, KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "p" }, "KAFKA_SSL", "KAFKA_ALLOW_PLAINTEXT"],
  ])("refuses %j naming %s", (env, variable, fragment) => {
    const error = configRefusal(loadOutboxConfig, env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(fragment);
  });

  it("production allows plaintext only when told so, and no brokers need nothing", () => {
    expect(loadOutboxConfig({ NODE_ENV: "production", KAFKA_BROKERS: SECURE, KAFKA_ALLOW_PLAINTEXT: "true" }).security?.ssl).toBeUndefined();
    expect(loadOutboxConfig({ NODE_ENV: "production" }).brokers).toEqual([]);
    expect(loadOutboxConfig({ NODE_ENV: "production", KAFKA_BROKERS: SECURE, KAFKA_SSL: "true" }).security?.ssl).toEqual({ ca: undefined, cert: undefined, key: undefined });
  });

  it("the worker in production with plaintext Kafka exits with code 2 and says why", async () => {
    const result = await serviceExit("worker", {
      NODE_ENV: "production",
      DATABASE_URL: inject("databaseUrl"),
      KEYCLOAK_ISSUER: "https://sso.example.com/realms/aquastream",
      KAFKA_BROKERS: "kafka:9092",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("KAFKA_SSL");
    expect(result.stderr).toContain("KAFKA_ALLOW_PLAINTEXT");
  });
});
