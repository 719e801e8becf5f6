/*
 * The README and docs/ point into each other by relative links and section
 * anchors; a moved section or a renamed heading must not leave a dead link.
 * Every relative link of README.md and docs/*.md names a file that exists,
 * and its #anchor a heading of that file (GitHub's slugs).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

const pages = ["README.md", ...readdirSync("docs").filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces → hyphens; repeats get -1, -2. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.*)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    result.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return result;
}

/** Markdown links `[text](target)` outside code, relative ones only. */
function links(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target));
}

describe("links in README.md and docs/", () => {
  it.each(pages)("%s: every relative link and anchor resolves", (page) => {
    const dead: string[] = [];
    for (const target of links(readFileSync(page, "utf8"))) {
      const [path, anchor] = target.split("#") as [string, string | undefined];
      const file = path === "" ? page : normalize(join(dirname(page), path));
      if (!existsSync(file)) {
        dead.push(`${target} (no file ${file})`);
        continue;
      }
      if (anchor && file.endsWith(".md") && !anchors(readFileSync(file, "utf8")).has(anchor)) {
        dead.push(`${target} (no heading #${anchor} in ${file})`);
      }
    }
    expect(dead).toEqual([]);
  });

  it("finds the links it checks", () => {
    expect(links(readFileSync("README.md", "utf8")).length).toBeGreaterThan(20);
    expect(anchors("## Try it with curl (embedded default)\n")).toContain("try-it-with-curl-embedded-default");
  });
});
