/*
 * The relay as a long-running loop in every worker process (#16, #21).
 *
 * Each worker process keeps one connection of its own for the relay and tries
 * to take the session advisory lock RELAY_LOCK_KEY on it. The one that gets
 * it is the relay: it drains the outbox (src/outbox/relay.ts) and then checks
 * again every OUTBOX_POLL_INTERVAL_MS. The others are standbys and try the
 * lock every OUTBOX_STANDBY_INTERVAL_MS. The lock belongs to the connection,
 * so it goes when the relay's process dies (kill -9, OOM, node crash) or its
 * connection does (PostgreSQL restart, network): a standby, or the same
 * process reconnecting, takes over within a standby interval. No lock outlives
 * its owner, and there is never more than one relay (per-key order).
 *
 * Why polling and not LISTEN/NOTIFY: a NOTIFY in every outbox-writing
 * transaction would take PostgreSQL's cluster-wide notification lock at each
 * of their commits (held until the commit record is flushed), serializing
 * every booking's commit; an idle poll is one index probe on the relay's own
 * connection, costs the writers nothing, and gives the same latency.
 *
 * Kafka down: a failed drain is retried after OUTBOX_RETRY_INTERVAL_MS, each
 * attempt first probing the brokers' TCP ports (instant when refused), so the
 * first rows go out within about that interval of the broker's return.
 * PostgreSQL down: the connection is dropped and opened again with backoff.
 * Nothing here throws out of the loop; stop() ends it.
 */
import net from "node:net";
import pg from "pg";
import { logger as rootLogger } from "../log/logger.ts";
import type { OutboxConfig } from "./config.ts";
import { drain, RELAY_LOCK_KEY, type RelayOptions } from "./relay.ts";

const log = rootLogger.child({ component: "outbox-relay" });

export interface RelayLoopOptions extends RelayOptions {
  /** application_name of the relay's connection. */
  applicationName?: string;
}

export interface RelayLoop {
  /** True while this process holds the relay lock. */
  readonly leading: boolean;
  /** Ends the loop (after the current batch), releases the lock and closes the connection. */
  stop(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** Whether any broker accepts a TCP connection (refused at once while it is down). */
function brokerReachable(brokers: string[], timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let pending = brokers.length;
    let answered = false;
    for (const broker of brokers) {
      const i = broker.lastIndexOf(":");
      const socket = net.connect({ host: broker.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(broker.slice(i + 1)) });
      socket.setTimeout(timeoutMs);
      const finish = (ok: boolean) => {
        socket.destroy();
        if (answered) return;
        if (ok) {
          answered = true;
          resolve(true);
        } else if (--pending === 0) resolve(false);
      };
      socket.once("connect", () => finish(true));
      socket.once("error", () => finish(false));
      socket.once("timeout", () => finish(false));
    }
  });
}

/** Starts the relay loop on a connection of its own to `databaseUrl`. */
export function startRelayLoop(databaseUrl: string, config: OutboxConfig, options: RelayLoopOptions = {}): RelayLoop {
  const abort = new AbortController();
  let leading = false;
  let client: pg.Client | undefined;

  async function connect(): Promise<pg.Client> {
    const c = new pg.Client({
      connectionString: databaseUrl,
      application_name: options.applicationName ?? "aquastream-event:relay",
      // A relay whose peer vanished without a FIN must lose its lock: the
      // server's keepalives (tcp_keepalives_*) notice, and so do ours.
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    // The error also fails the query in progress, which the loop handles.
    c.on("error", (err) => log.warn({ err: err.message }, "relay connection lost"));
    await c.connect();
    return c;
  }

  async function run(): Promise<void> {
    let dbBackoff = 200;
    let kafkaDown = false;
    while (!abort.signal.aborted) {
      try {
        client ??= await connect();
        dbBackoff = 200;
        if (!leading) {
          const { rows } = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1) as ok", [RELAY_LOCK_KEY]);
          leading = rows[0]!.ok;
          if (!leading) {
            await sleep(config.standbyIntervalMs, abort.signal);
            continue;
          }
          log.info("this worker is the outbox relay now");
        }
        if (kafkaDown && !(await brokerReachable(config.brokers, config.connectionTimeoutMs))) {
          await sleep(config.retryIntervalMs, abort.signal);
          continue;
        }
        const result = await drain(client, config, options);
        if (kafkaDown) log.info("outbox relay: Kafka is back");
        kafkaDown = false;
        if (result.published > 0 || result.parked > 0) {
          log.debug({ published: result.published, parked: result.parked, batches: result.batches }, "outbox relayed");
        }
        await sleep(config.pollIntervalMs, abort.signal);
      } catch (error) {
        if (abort.signal.aborted) break;
        const message = (error as Error).message ?? String(error);
        const databaseAnswers = client ? await client.query("select 1").then(() => true, () => false) : false;
        if (databaseAnswers) {
          // The database answered: Kafka failed (the send threw).
          if (!kafkaDown) log.warn({ err: message }, "outbox relay: Kafka send failed; retrying");
          kafkaDown = true;
          await sleep(config.retryIntervalMs, abort.signal);
        } else {
          // The connection (and with it the lock) is gone.
          if (leading) log.warn({ err: message }, "outbox relay lost its database connection and the relay lock");
          else log.warn({ err: message }, "outbox relay: database unreachable");
          leading = false;
          await client?.end().catch(() => {});
          client = undefined;
          await sleep(dbBackoff, abort.signal);
          dbBackoff = Math.min(dbBackoff * 2, 5_000);
        }
      }
    }
  }

  const done = run().catch((error) => log.error({ err: error }, "outbox relay loop ended unexpectedly"));

  return {
    get leading() {
      return leading;
    },
    async stop() {
      abort.abort();
      await done;
      const c = client;
      client = undefined;
      leading = false;
      // Closing the session releases the lock.
      await c?.end().catch(() => {});
    },
  };
}
