/*
 * One error table: every SQLSTATE the migrations raise (or store in
 * payment.error_code) is in src/errors/codes.ts, so the transports unmask it,
 * and in docs/error-codes.md, so clients can read what it means.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorCodes } from "../../src/errors/codes.ts";

// The migration being written is db/migrations/current/ (one file per topic).
const currentDir = "db/migrations/current";
const migrations = [
  ...readdirSync("db/migrations/committed").map((f) => `db/migrations/committed/${f}`),
  ...(existsSync(currentDir) ? readdirSync(currentDir).filter((f) => f.endsWith(".sql")).map((f) => `${currentDir}/${f}`) : []),
].map((path) => readFileSync(path, "utf8"));

const raised = new Set<string>();
for (const sql of migrations) {
  for (const match of sql.matchAll(/(?:errcode|error_code)\s*=\s*'([0-9A-Z]{5})'/g)) raised.add(match[1]!);
}

describe("error codes", () => {
  it("finds the codes the migrations use", () => {
    expect(raised.size).toBeGreaterThan(20);
    expect([...raised]).toEqual(expect.arrayContaining(["BKFUL", "CPUSE", "GWLAT", "P0002"]));
  });

  it.each([...raised].sort())("%s is in the error table and documented", (code) => {
    expect(errorCodes[code], `src/errors/codes.ts lacks ${code}`).toBeDefined();
    expect(readFileSync("docs/error-codes.md", "utf8")).toContain(`| \`${code}\` |`);
  });
});
