/*
 * Start-up refuses bad configuration with a message that names the variable,
 * both as a function and as the real process (`tsx src/main.ts`).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { configRefusal, serviceExit } from "../helpers/config.ts";

const refusal = (env: Record<string, string>) => configRefusal(loadConfig, env);

describe("loadConfig", () => {
  it("has working defaults: embedded database, dev issuer, ports 8080/50051", () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.devIssuer).toBe(true);
    expect(config.httpPort).toBe(8080);
    expect(config.grpcPort).toBe(50051);
    expect(config.workerMetricsPort).toBe(9464);
    expect(config.databaseStartupWaitMs).toBe(60_000);
  });

  it.each([
    [{ HTTP_PORT: "eighty" }, "HTTP_PORT", "whole number"],
    [{ HTTP_PORT: "70000" }, "HTTP_PORT", "between 0 and 65535"],
    [{ GRPC_PORT: "-1" }, "GRPC_PORT", "whole number"],
    [{ WORKER_METRICS_PORT: "metrics" }, "WORKER_METRICS_PORT", "whole number"],
    [{ WORKER_METRICS_PORT: "65536" }, "WORKER_METRICS_PORT", "between 0 and 65535"],
    [{ DATABASE_URL: "mysql://x@y/z" }, "DATABASE_URL", "postgres://"],
    [{ DATABASE_URL: "not a url" }, "DATABASE_URL", "is not a URL"],
    [{ DATABASE_URL: "postgres://u@h:5432" }, "DATABASE_URL", "must name a database"],
    [{ KEYCLOAK_ISSUER: "ftp://sso" }, "KEYCLOAK_ISSUER", "http(s) URL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL", "must be one of"],
    [{ NODE_ENV: "staging" }, "NODE_ENV", "must be one of"],
    [{ MIGRATE_ON_START: "maybe" }, "MIGRATE_ON_START", "true or false"],
    [{ DATABASE_STARTUP_WAIT_MS: "a minute" }, "DATABASE_STARTUP_WAIT_MS", "whole number"],
    [{ DATABASE_STARTUP_WAIT_MS: "3600001" }, "DATABASE_STARTUP_WAIT_MS", "between 0 and 3600000"],
    [{ NODE_ENV: "production", KEYCLOAK_ISSUER: "https://sso/realms/a" }, "DATABASE_URL", "required"],
    [{ NODE_ENV: "production", DATABASE_URL: "postgres://u@h/db" }, "KEYCLOAK_ISSUER", "required"],
    [{ DATABASE_API_URL: "postgres://u@h/db" }, "DATABASE_API_URL", "needs DATABASE_URL"],
  ])("refuses %j naming %s", (env, variable, fragment) => {
    const error = refusal(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(fragment);
  });

  it("documents every variable of src/config/env.ts in docs/configuration.md", () => {
    const variables = [...readFileSync("src/config/env.ts", "utf8").matchAll(/\(env, "([A-Z_]+)"/g)].map((m) => m[1]!);
    expect(variables).toContain("DATABASE_STARTUP_WAIT_MS");
    // The first cell of each row: one variable, or a pair such as `HTTP_HOST` / `HTTP_PORT`.
    const documented = readFileSync("docs/configuration.md", "utf8")
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .flatMap((line) => [...line.split(" | ")[0]!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!));
    for (const variable of variables) expect(documented, variable).toContain(variable);
  });

  it("the service process exits with code 2 and names the variable", async () => {
    const result = await serviceExit("all", { HTTP_PORT: "not-a-port" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("HTTP_PORT");
  });
});
