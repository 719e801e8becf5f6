/*
 * The bench's report: per scenario and client count, the median over the
 * rounds and the spread (min–max), the median of the per-round ratios to the
 * baseline with the target, and the load average seen during the rounds.
 * Printed as Markdown, ready for docs/benchmarks.md.
 */
import type { Measurement, OnceResult } from "./scenario.ts";

export interface RoundRow {
  name: string;
  clients: number;
  round: number;
  m: Measurement;
  ratio?: number;
  target?: number;
  load: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const f0 = (x: number) => x.toFixed(0);
const f2 = (x: number) => x.toFixed(2);

export function printReport({ header, rows, once }: { header: string[]; rows: RoundRow[]; once: OnceResult[] }): void {
  const lines: string[] = ["", ...header.map((h) => `- ${h}`), ""];
  lines.push("| scenario | clients | ops/s median | ops/s min–max | p50 ms | p99 ms | vs baseline (median, min–max) | target | load avg | extra |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|---|---:|---|");
  const groups = new Map<string, RoundRow[]>();
  for (const r of rows) {
    const key = `${r.clients}\u0000${r.name}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const group of groups.values()) {
    const ops = group.map((r) => r.m.opsPerSecond);
    const ratios = group.flatMap((r) => (r.ratio === undefined ? [] : [r.ratio]));
    const { name, clients, target } = group[0]!;
    const ratioMedian = ratios.length ? median(ratios) : undefined;
    const extras = new Map<string, number[]>();
    for (const r of group) for (const [k, v] of Object.entries(r.m.extra ?? {})) extras.set(k, [...(extras.get(k) ?? []), v]);
    lines.push(
      [
        name,
        clients,
        f0(median(ops)),
        `${f0(Math.min(...ops))}–${f0(Math.max(...ops))}`,
        group[0]!.m.p50 === undefined ? "" : f2(median(group.map((r) => r.m.p50!))),
        group[0]!.m.p99 === undefined ? "" : f2(median(group.map((r) => r.m.p99!))),
        ratioMedian === undefined ? "" : `${f2(ratioMedian)}× (${f2(Math.min(...ratios))}–${f2(Math.max(...ratios))})`,
        target === undefined ? "" : `≥ ${target}× ${ratioMedian !== undefined && ratioMedian >= target ? "met" : "NOT met"}`,
        `${f2(Math.min(...group.map((r) => r.load)))}–${f2(Math.max(...group.map((r) => r.load)))}`,
        [...extras].map(([k, v]) => `${k} ${f0(median(v))} (max ${f0(Math.max(...v))})`).join("; "),
      ].join(" | ").replace(/^/, "| ").replace(/$/, " |"),
    );
  }
  if (once.length) {
    lines.push("", "| scenario | figure | target | note |", "|---|---|---|---|");
    for (const o of once) {
      lines.push(`| ${o.scenario} | ${o.figure} | ${o.target ? `${o.target} ${o.met ? "met" : "NOT met"}` : ""} | ${o.note ?? ""} |`);
    }
  }
  console.log(lines.join("\n"));
}
