/*
 * Two API servers, one GraphQL document, requests alternating between them:
 * before/after figures of a change to the API process under the same load
 * (a shared machine's load moves by the minute; alternating request by
 * request gives both sides the same). Used for the page of 50 events with
 * rating summary (docs/benchmarks.md, "Catalog at scale"): the old and the
 * new code as two `npm run start:api` processes over one kept scale database
 * (`npm run bench -- --scale --keep`).
 *
 *   npx tsx bench/graphql-ab.ts --a http://127.0.0.1:18181/graphql --b http://127.0.0.1:18182/graphql \
 *     --samples 300 --query '{ searchEvents(first: 50) { nodes { rowId ratingSummary { average count } } } }'
 *
 * Prints p50/p95/p99 per side and the load average before and after.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    a: { type: "string" },
    b: { type: "string" },
    query: { type: "string" },
    samples: { type: "string", default: "200" },
    warmup: { type: "string", default: "10" },
  },
});
if (!args.a || !args.b || !args.query) {
  console.error("usage: tsx bench/graphql-ab.ts --a URL --b URL --query DOCUMENT [--samples 200] [--warmup 10]");
  process.exit(2);
}
const urls = { a: args.a, b: args.b };

async function request(url: string): Promise<number> {
  const t = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: args.query }),
  });
  const body = (await response.json()) as { errors?: { message: string }[] };
  if (body.errors) throw new Error(`${url}: ${body.errors[0]!.message}`);
  return performance.now() - t;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

const loadBefore = load();
for (let i = 0; i < Number(args.warmup); i++) for (const url of Object.values(urls)) await request(url);
const times: Record<"a" | "b", number[]> = { a: [], b: [] };
for (let i = 0; i < Number(args.samples); i++) {
  // Alternate which side goes first, so neither always follows the other.
  const order: ("a" | "b")[] = i % 2 ? ["b", "a"] : ["a", "b"];
  for (const side of order) times[side].push(await request(urls[side]));
}
for (const side of ["a", "b"] as const) {
  const sorted = [...times[side]].sort((x, y) => x - y);
  console.log(
    `${side} (${urls[side]}): p50 ${percentile(sorted, 50).toFixed(1)} / p95 ${percentile(sorted, 95).toFixed(1)} / p99 ${percentile(sorted, 99).toFixed(1)} ms over ${sorted.length} requests`,
  );
}
console.log(`load average (1/5/15 min): ${loadBefore} before, ${load()} after`);
