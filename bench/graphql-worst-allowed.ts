/*
 * The worst GraphQL request the argument bounds ALLOW (issue #13), fired
 * back to back by anonymous clients at the API process (`src/main.ts api`,
 * started as `npm run start:api` runs it), while one prober measures
 * `/healthz` and another a cheap gRPC call (ListCategories): does a
 * request that the limits let through starve other callers of the event
 * loop? Reports the probes' p50/p99 with the API idle and under the attack,
 * and the attack's own rate.
 *
 * The request: one connection with the deepest, widest filter the default
 * bounds allow (GRAPHQL_MAX_INPUT_DEPTH 10, GRAPHQL_MAX_FILTER_CONDITIONS 50,
 * a 100-item `in` list: GRAPHQL_MAX_LIST_LENGTH), a full page
 * (GRAPHQL_MAX_PAGE_SIZE 100), over the events the bench seeded.
 */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { EventServiceClient, ListCategoriesRequest } from "../src/gen/aquastream/event/v1/event_service.ts";
import { benchApiEnv, startBenchApi } from "./api-process.ts";
import { seedEvents } from "./seed.ts";
import type { BenchContext, OnceResult, OnceScenario } from "./scenario.ts";

const PORT = Number(process.env.BENCH_WORST_PORT ?? 18490);
const ATTACKERS = 8;
const TARGET_P99_MS = 100;

const QUERY = `query Worst($filter: EventFilter) {
  allEvents(first: 100, filter: $filter) { totalCount nodes { rowId title startsAt capacity } }
}`;

/** Depth 10 (8 `not`s, then a column and its operator), exactly 50 conditions, a list of 100. */
function worstFilter(): Record<string, unknown> {
  let filter: Record<string, unknown> = { category: { notEqualTo: "nope" } };
  for (let i = 0; i < 8; i++) filter = { not: filter };
  const ids = Array.from({ length: 100 }, () => randomUUID());
  filter.and = [
    ...Array.from({ length: 17 }, (_, i) => ({ category: { notEqualTo: `c${i}` } })),
    { not: { rowId: { in: ids } } },
    { status: { in: ["published", "draft"] } },
  ];
  return filter;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/** Sequential probes of /healthz and gRPC ListCategories for `ms`; latencies in ms. */
async function probe(client: EventServiceClient, ms: number): Promise<{ health: number[]; grpc: number[] }> {
  const until = performance.now() + ms;
  const health: number[] = [];
  const rpc: number[] = [];
  await Promise.all([
    (async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const response = await fetch(`http://127.0.0.1:${PORT}/healthz`);
        await response.arrayBuffer();
        health.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
    })(),
    (async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await new Promise<void>((resolve, reject) =>
          client.listCategories(ListCategoriesRequest.fromPartial({}), new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error) =>
            error ? reject(error) : resolve(),
          ),
        );
        rpc.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
    })(),
  ]);
  return { health: health.sort((a, b) => a - b), grpc: rpc.sort((a, b) => a - b) };
}

const scenario: OnceScenario = {
  kind: "once",
  name: "GraphQL worst allowed request vs /healthz and gRPC",
  async run(ctx: BenchContext): Promise<OnceResult[]> {
    await seedEvents(ctx.pool, 200, 50, randomUUID());
    const child = await startBenchApi(benchApiEnv(ctx.databaseUrl, PORT));
    const client = new EventServiceClient(`127.0.0.1:${PORT + 1}`, grpc.credentials.createInsecure());
    try {
      const ms = ctx.seconds * 1000;
      await probe(client, 1000); // warm-up: connections, plans
      const idle = await probe(client, ms);

      /** `ATTACKERS` anonymous clients posting `body` back to back while the probes run. */
      const flood = async (body: string) => {
        let stop = false;
        let served = 0;
        let refused = 0;
        let firstError = "";
        const attack = Promise.all(
          Array.from({ length: ATTACKERS }, async () => {
            while (!stop) {
              const response = await fetch(`http://127.0.0.1:${PORT}/graphql`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body,
              });
              const answer = (await response.json()) as { errors?: { message: string }[] };
              if (response.ok && !answer.errors) served++;
              else {
                refused++;
                firstError ||= `${response.status} ${answer.errors?.[0]?.message ?? ""}`;
              }
            }
          }),
        );
        const started = performance.now();
        const probes = await probe(client, ms);
        stop = true;
        await attack;
        const seconds = (performance.now() - started) / 1000;
        return { probes, rate: served / seconds, refused, firstError };
      };
      // Reference: the same flood of the cheapest request, so the worst one's own effect shows.
      const cheap = await flood(JSON.stringify({ query: "{ __typename }" }));
      const worst = await flood(JSON.stringify({ query: QUERY, variables: { filter: worstFilter() } }));

      const fmt = (l: number[]) => `p50 ${percentile(l, 0.5).toFixed(1)} ms, p99 ${percentile(l, 0.99).toFixed(1)} ms (n=${l.length})`;
      const met = (l: number[]) => percentile(l, 0.99) < TARGET_P99_MS;
      return [
        { scenario: "/healthz, API idle", figure: fmt(idle.health) },
        { scenario: "gRPC ListCategories, API idle", figure: fmt(idle.grpc) },
        { scenario: `/healthz during ${ATTACKERS} clients flooding \`{ __typename }\` (reference)`, figure: fmt(cheap.probes.health) },
        { scenario: "gRPC ListCategories during the same", figure: fmt(cheap.probes.grpc) },
        {
          scenario: `/healthz during ${ATTACKERS} clients flooding the worst allowed filter`,
          figure: fmt(worst.probes.health),
          target: `p99 < ${TARGET_P99_MS} ms`,
          met: met(worst.probes.health),
        },
        {
          scenario: "gRPC ListCategories during the same",
          figure: fmt(worst.probes.grpc),
          target: `p99 < ${TARGET_P99_MS} ms`,
          met: met(worst.probes.grpc),
        },
        {
          scenario: "the worst allowed request itself",
          figure: `${worst.rate.toFixed(1)} served/s (reference: ${cheap.rate.toFixed(0)}/s)`,
          note: worst.refused ? `${worst.refused} not served (first: ${worst.firstError})` : "every one served",
        },
      ];
    } finally {
      client.close();
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  },
};
export default scenario;
