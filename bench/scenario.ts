/*
 * What a benchmark scenario is. Each lives in its own file under bench/ and
 * is registered with one line in bench/run.ts, which runs them interleaved
 * with the baselines (bench/baselines.ts) over several rounds.
 */
import type pg from "pg";
import type { PgBench } from "./pgbench.ts";

export interface BenchContext {
  /** Owner connection to the bench database (rebuilt from the migrations for this run). */
  databaseUrl: string;
  /** Superuser connection to the server's `postgres` database. */
  rootUrl: string;
  /** Owner pool on the bench database, for setup and checks (not for the measured load). */
  pool: pg.Pool;
  pgbench: PgBench;
  /** Seconds each measured run lasts (--seconds). */
  seconds: number;
  /** --kafka was given: scenarios that need a broker may run. */
  kafka: boolean;
  log(message: string): void;
}

/** One measured run at one client count. */
export interface Measurement {
  opsPerSecond: number;
  /** Latency percentiles in milliseconds, when the scenario records them. */
  p50?: number;
  p99?: number;
  /** Extra figures shown beside it (e.g. "API RSS MB"). */
  extra?: Record<string, number>;
}

/**
 * Measured in every round at every client count, right after the baselines
 * of that round, so it and its baseline share the machine's state.
 */
export interface RoundScenario {
  kind: "rounds";
  name: string;
  /** The baseline its rate is divided by, and the ratio issue #21 asks for (if any). */
  baseline?: "hot" | "spread";
  target?: number;
  setup?(ctx: BenchContext): Promise<void>;
  measure(ctx: BenchContext, clients: number): Promise<Measurement>;
  teardown?(ctx: BenchContext): Promise<void>;
}

/** Run once after the rounds: correctness under load, backlogs, one-off figures. */
export interface OnceScenario {
  kind: "once";
  name: string;
  /** Skipped (and said so) unless this holds, e.g. ctx.kafka. */
  enabled?(ctx: BenchContext): boolean;
  run(ctx: BenchContext): Promise<OnceResult[]>;
}

export interface OnceResult {
  scenario: string;
  figure: string;
  target?: string;
  met?: boolean;
  note?: string;
}

export type Scenario = RoundScenario | OnceScenario;
