/*
 * `npm run token` as a developer uses it: a real child process (tsx), token
 * alone on stdout, usage errors on stderr with exit code 2.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier } from "../../src/auth/verifier.ts";
import { devSubjects } from "../../src/auth/dev-issuer.ts";
import { loadConfig } from "../../src/config/env.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const tsxCli = join(root, "node_modules/tsx/dist/cli.mjs");
let dataDir: string;

function token(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [tsxCli, "src/auth/token-cli.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", DATA_DIR: dataDir, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "aquastream-token-cli-"));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe("token CLI", () => {
  it("prints only a token that the dev-mode service accepts", async () => {
    const out = token(["--role", "organizer", "--role", "user", "--ttl", "3600"]);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe("");
    expect(out.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = await createVerifier(loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir })).verify(out.stdout.trim());
    expect(claims).toMatchObject({ sub: devSubjects.organizer, roles: ["organizer", "user"] });
    const payload = decodeJwt(out.stdout.trim());
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it("honours --sub", () => {
    const out = token(["--role", "user", "--sub", "0a1b2c3d-0000-4000-8000-000000000001"]);
    expect(out.code).toBe(0);
    expect(decodeJwt(out.stdout.trim()).sub).toBe("0a1b2c3d-0000-4000-8000-000000000001");
  });

  it.each([
    [["--role", "root"], 'unknown role "root"; expected one of user, organizer, admin, payment-gateway'],
    [[], "--role is required"],
    [["--role", "user", "--sub", "bob"], '--sub must be a uuid, got "bob"'],
    [["--role", "user", "--ttl", "1h"], '--ttl must be a positive whole number of seconds, got "1h"'],
    [["--role", "user", "--bogus"], "Unknown option '--bogus'"],
  ])("%j → exit 2 with a clear message", (args, message) => {
    const out = token(args);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain(message);
  });

  it("refuses when KEYCLOAK_ISSUER is set, saying why", () => {
    const out = token(["--role", "user"], { KEYCLOAK_ISSUER: "http://127.0.0.1:1/realms/aquastream" });
    expect(out.code).toBe(2);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("KEYCLOAK_ISSUER is set");
    expect(out.stderr).toContain("would refuse a development token");
  });
});
