/*
 * The API never serves requests as the owner or a superuser: started with a
 * login that would bypass row-level security (the owner's DATABASE_URL reused
 * for the API), it refuses to start and says what to set; with the
 * authenticator it starts. (That `npm start` on the embedded default logs in
 * as the authenticator is proven in test/platform/lifecycle.test.ts.)
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { assertApiLogin } from "../../src/db/authenticator.ts";
import { serviceExit } from "../helpers/config.ts";
import { apiDatabaseUrl } from "../helpers/db.ts";

async function check(url: string): Promise<string> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await assertApiLogin(pool);
    return "accepted";
  } catch (error) {
    return (error as Error).message;
  } finally {
    await pool.end();
  }
}

describe("the API's database login", () => {
  it("the authenticator is accepted", async () => {
    expect(await check(apiDatabaseUrl())).toBe("accepted");
  });

  it("its sessions carry a statement and idle-in-transaction timeout of their own (the last line of defence)", async () => {
    const client = new pg.Client({ connectionString: apiDatabaseUrl() });
    await client.connect();
    try {
      const { rows } = await client.query<{ statement_timeout: string; idle: string }>(
        "select current_setting('statement_timeout') as statement_timeout, current_setting('idle_in_transaction_session_timeout') as idle",
      );
      expect(rows[0]).toEqual({ statement_timeout: "30s", idle: "1min" });
      // A statement outside any API transaction is stopped by it too.
      await client.query("set statement_timeout = 0; reset statement_timeout");
      expect((await client.query("show statement_timeout")).rows[0].statement_timeout).toBe("30s");
    } finally {
      await client.end();
    }
  });

  it("the owner (a superuser in the test database) is refused with what to set", async () => {
    const message = await check(inject("databaseUrl"));
    expect(message).toContain("is a superuser");
    expect(message).toContain("Set DATABASE_API_URL to the aquastream_authenticator login");
  });

  it("the service started with the owner's URL for the API exits 1 before serving", { timeout: 60_000 }, async () => {
    const result = await serviceExit("api", {
      DATABASE_URL: inject("databaseUrl"),
      DATABASE_API_URL: "",
      MIGRATE_ON_START: "false",
      DATA_DIR: mkdtempSync(join(tmpdir(), "aquastream-api-login-")),
      HTTP_PORT: "0",
      GRPC_PORT: "0",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Set DATABASE_API_URL");
  });
});
