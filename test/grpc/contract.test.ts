/*
 * The generated TypeScript in src/gen is committed; this fails when it no
 * longer matches proto/ (fix: npm run proto:gen). buf lint runs in npm test.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe("generated gRPC code", () => {
  it("is what `npm run proto:gen` produces from proto/", async () => {
    const out = mkdtempSync(join(tmpdir(), "aquastream-gen-"));
    await exec("buf", ["generate", "-o", out]);
    const fresh = join(out, "src/gen");
    expect(files(fresh)).toEqual(files("src/gen"));
    for (const file of files(fresh)) {
      expect(readFileSync(join(fresh, file), "utf8"), file).toBe(readFileSync(join("src/gen", file), "utf8"));
    }
  });
});
