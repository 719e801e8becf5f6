/*
 * TLS and SASL of the relay's Kafka client, from environment variables
 * (docs/kafka.md "Security"), validated like the rest of the outbox config.
 *
 *   KAFKA_SSL=true, or any KAFKA_SSL_*_FILE   TLS to the brokers (CA file, else the system's roots)
 *   KAFKA_SSL_CERT_FILE/KAFKA_SSL_KEY_FILE    client certificate (brokers with ssl.client.auth=required)
 *   KAFKA_SASL_MECHANISM                      scram-sha-512, scram-sha-256 or plain
 *   KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD   the credentials (the password is a secret)
 *
 * PLAIN sends the password itself, so it is refused without TLS in every
 * mode; SCRAM never sends it, but production still wants TLS for the data:
 * production refuses plaintext Kafka unless KAFKA_ALLOW_PLAINTEXT=true.
 */
import { createHash } from "node:crypto";
import type { ConnectionOptions } from "node:tls";
import type { SASLOptions } from "kafkajs";
import { bool, ConfigError, str, type Env } from "../config/env.ts";
import { loadTlsFiles } from "../config/tls-files.ts";

export type SaslMechanism = "scram-sha-512" | "scram-sha-256" | "plain";
const MECHANISMS: readonly SaslMechanism[] = ["scram-sha-512", "scram-sha-256", "plain"];

export interface KafkaSecurity {
  /** TLS to the brokers; undefined: plaintext. ca undefined: the system's roots. */
  ssl: { ca: Buffer | undefined; cert: Buffer | undefined; key: Buffer | undefined } | undefined;
  sasl: { mechanism: SaslMechanism; username: string; password: string } | undefined;
}

export function loadKafkaSecurity(env: Env, brokersSet: boolean): KafkaSecurity {
  const ssl = loadTlsFiles(env, "KAFKA_SSL", "KAFKA_SSL");
  const tls = ssl !== undefined;

  const rawMechanism = str(env, "KAFKA_SASL_MECHANISM")?.toLowerCase();
  const username = str(env, "KAFKA_SASL_USERNAME");
  const password = env.KAFKA_SASL_PASSWORD; // taken as given: a password may have spaces at its ends
  let sasl: KafkaSecurity["sasl"];
  if (rawMechanism !== undefined) {
    if (!(MECHANISMS as readonly string[]).includes(rawMechanism)) {
      throw new ConfigError("KAFKA_SASL_MECHANISM", `must be one of ${MECHANISMS.join(", ")}, got "${rawMechanism}"`);
    }
    if (!username) throw new ConfigError("KAFKA_SASL_USERNAME", `is required with KAFKA_SASL_MECHANISM=${rawMechanism}`);
    if (!password) throw new ConfigError("KAFKA_SASL_PASSWORD", `is required with KAFKA_SASL_MECHANISM=${rawMechanism}`);
    if (rawMechanism === "plain" && !tls) {
      throw new ConfigError("KAFKA_SSL", "must be on with KAFKA_SASL_MECHANISM=plain: PLAIN sends the password itself (use KAFKA_SSL_CA_FILE or KAFKA_SSL=true)");
    }
    sasl = { mechanism: rawMechanism as SaslMechanism, username, password };
  } else if (username || password) {
    throw new ConfigError("KAFKA_SASL_MECHANISM", "is required with KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD (scram-sha-512, scram-sha-256 or plain)");
  }

  if (brokersSet && !tls && str(env, "NODE_ENV") === "production" && !bool(env, "KAFKA_ALLOW_PLAINTEXT", false)) {
    throw new ConfigError(
      "KAFKA_SSL",
      "TLS to Kafka is required when NODE_ENV=production (KAFKA_SSL_CA_FILE, or KAFKA_SSL=true for the system's CAs); " +
        "set KAFKA_ALLOW_PLAINTEXT=true only where something else encrypts the traffic",
    );
  }
  return { ssl, sasl };
}

/** The `ssl` and `sasl` options of kafkajs's Kafka constructor. */
export function kafkaClientSecurity(security: KafkaSecurity | undefined): { ssl?: ConnectionOptions; sasl?: SASLOptions } {
  const options: { ssl?: ConnectionOptions; sasl?: SASLOptions } = {};
  if (security?.ssl) {
    const { ca, cert, key } = security.ssl;
    options.ssl = { ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}), rejectUnauthorized: true };
  }
  if (security?.sasl) {
    const { mechanism, username, password } = security.sasl;
    options.sasl = { mechanism, username, password } as SASLOptions;
  }
  return options;
}

/** What identifies the connection settings (the producer is rebuilt when they change): digests, never the secrets. */
export function securityKey(security: KafkaSecurity | undefined): string {
  const digest = (b: Buffer | string | undefined) => (b === undefined ? null : createHash("sha256").update(b).digest("hex"));
  return JSON.stringify([
    security?.ssl ? [digest(security.ssl.ca), digest(security.ssl.cert), digest(security.ssl.key)] : null,
    security?.sasl ? [security.sasl.mechanism, security.sasl.username, digest(security.sasl.password)] : null,
  ]);
}
