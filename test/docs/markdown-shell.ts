/*
 * Reading a walk-through out of a markdown page, as a reader would: the
 * ```sh blocks of one section, in order, and the output each block says you
 * will see.
 *
 * Expected output is written as a comment right in the block: a line
 * `# {…}`, `# […]`, `# "…"` or `# … "text" …` (a comment that starts with
 * `{`, `[`, `"` or `…`). `…` (or `...`, and the spaces around it) stands
 * for anything within one line of output (ids, times, parts left out); the
 * rest must appear literally, in that order, on one line. JSON printed over several lines (`npm run grpc`,
 * like grpcurl) counts as the one line it would be compacted. A trailing
 * note after two spaces, `  (twice)`, is for the reader. Every other comment
 * is prose.
 */
import { readFileSync } from "node:fs";

export interface ShellBlock {
  /** Where it is, for messages: `docs/waitlist.md "Try it…" block 1`. */
  where: string;
  script: string;
  expected: string[];
}

/** The ```sh blocks under `heading` (its exact text, without the #s) up to the next heading of the same or a higher level. */
export function sectionBlocks(file: string, heading: string): ShellBlock[] {
  const lines = readFileSync(file, "utf8").split("\n");
  let start = -1;
  let level = 0;
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith("```")) fenced = !fenced;
    const m = !fenced && /^(#{1,6}) (.*)$/.exec(lines[i]!);
    if (m && m[2]!.trim() === heading) {
      start = i + 1;
      level = m[1]!.length;
      break;
    }
  }
  if (start < 0) throw new Error(`${file} has no heading "${heading}"`);

  const blocks: ShellBlock[] = [];
  let current: string[] | undefined;
  fenced = false;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i]!;
    if (current) {
      if (line.startsWith("```")) {
        const script = current.join("\n");
        blocks.push({ where: `${file} "${heading}" block ${blocks.length + 1}`, script, expected: expectedLines(script) });
        current = undefined;
      } else current.push(line);
      continue;
    }
    if (line.startsWith("```")) {
      if (line.trim() === "```sh") current = [];
      else fenced = !fenced;
      continue;
    }
    const m = !fenced && /^(#{1,6}) /.exec(line);
    if (m && m[1]!.length <= level) break;
  }
  if (current) throw new Error(`${file} "${heading}": a code block is never closed`);
  if (blocks.length === 0) throw new Error(`${file} "${heading}" has no sh block`);
  return blocks;
}

/** The block's comment lines that show output. */
export function expectedLines(script: string): string[] {
  return script
    .split("\n")
    .map((line) => /^\s*# ([{["…].*)$/.exec(line)?.[1])
    .filter((text): text is string => text !== undefined)
    .map((text) => text.replace(/ {2,}\(.*\)$/, "").trim());
}

/** A pattern for one expected line: literal parts in order, `…`/`...` = anything but a line break. */
export function expectedPattern(expected: string): RegExp {
  const parts = expected.split(/\s*(?:…|\.\.\.)\s*/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(parts.join("[^\\n]*?"));
}

/**
 * The expected lines that are not in `output`, in order: each is looked for
 * from where the previous one was found (the same line may hold several).
 */
export function missingOutput(printed: string, expected: string[]): string[] {
  const output = compactJson(printed);
  const missing: string[] = [];
  let from = 0;
  for (const line of expected) {
    const pattern = expectedPattern(line);
    const found = pattern.exec(output.slice(from));
    if (!found) {
      missing.push(line);
      continue;
    }
    from += found.index;
  }
  return missing;
}

/** Pretty-printed JSON documents (a line that is just `{` or `[` up to where they parse) as one compact line each. */
export function compactJson(output: string): string {
  const lines = output.split("\n");
  const result: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "{" || line === "[") {
      let parsed: string | undefined;
      for (let j = i + 1; j < lines.length && parsed === undefined; j++) {
        if (!/^[}\]]/.test(lines[j]!)) continue;
        try {
          parsed = JSON.stringify(JSON.parse(lines.slice(i, j + 1).join("\n")));
          i = j;
        } catch {
          // not the end of this document yet
        }
      }
      if (parsed !== undefined) {
        result.push(parsed);
        continue;
      }
    }
    result.push(line);
  }
  return result.join("\n");
}
