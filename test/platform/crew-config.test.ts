/*
 * Crew assignment settings (CREW_*) are validated like the others: a wrong
 * value names its variable, and the service refuses to start with it.
 */
import { describe, expect, it } from "vitest";
import { configRefusal, serviceExit } from "../helpers/config.ts";
import { loadCrewConfig, retryDelayMs } from "../../src/crew/config.ts";

describe("loadCrewConfig", () => {
  it("defaults: assignment off, 5 s deadline, 8 attempts, backoff 10 s doubling up to 15 min", () => {
    const config = loadCrewConfig({});
    expect(config).toEqual({
      address: undefined,
      deadlineMs: 5_000,
      assignAttempts: 8,
      retryBaseMs: 10_000,
      retryMaxMs: 900_000,
      serviceToken: undefined,
      tokenClient: undefined,
      tls: undefined,
    });
    expect([2, 3, 4, 8, 9].map((next) => retryDelayMs(config, next))).toEqual([10_000, 20_000, 40_000, 640_000, 900_000]);
  });

  it("reads an address, a deadline and a token (over TLS: a token never goes beyond loopback in plaintext)", () => {
    expect(
      loadCrewConfig({ CREW_SERVICE_ADDRESS: "crew-stub:50061", CREW_DEADLINE_MS: "800", CREW_SERVICE_TOKEN: "secret", CREW_TLS: "true" }),
    ).toMatchObject({ address: "crew-stub:50061", deadlineMs: 800, serviceToken: "secret", tls: { ca: undefined } });
  });

  it("a client-credentials token from the realm's token endpoint", () => {
    expect(
      loadCrewConfig({
        KEYCLOAK_ISSUER: "https://sso.example.com/realms/aquastream/",
        CREW_TOKEN_CLIENT_ID: "aquastream-event",
        CREW_TOKEN_CLIENT_SECRET: "s3cret",
      }).tokenClient,
    ).toEqual({
      tokenUrl: "https://sso.example.com/realms/aquastream/protocol/openid-connect/token",
      clientId: "aquastream-event",
      clientSecret: "s3cret",
    });
  });

  it.each([
    [{ CREW_TOKEN_CLIENT_ID: "x", CREW_TOKEN_CLIENT_SECRET: "y" }, "CREW_TOKEN_CLIENT_ID", "needs KEYCLOAK_ISSUER"],
    [{ KEYCLOAK_ISSUER: "https://sso/realms/a", CREW_TOKEN_CLIENT_ID: "x" }, "CREW_TOKEN_CLIENT_SECRET", "is required"],
    [{ KEYCLOAK_ISSUER: "https://sso/realms/a", CREW_TOKEN_CLIENT_ID: "x", CREW_TOKEN_CLIENT_SECRET: "y", CREW_SERVICE_TOKEN: "z" }, "CREW_TOKEN_CLIENT_ID", "not both"],
    [{ CREW_SERVICE_ADDRESS: "http://crew:50061" }, "CREW_SERVICE_ADDRESS", "host:port"],
    [{ CREW_SERVICE_ADDRESS: "crew" }, "CREW_SERVICE_ADDRESS", "host:port"],
    [{ CREW_DEADLINE_MS: "soon" }, "CREW_DEADLINE_MS", "whole number"],
    [{ CREW_ASSIGN_ATTEMPTS: "0" }, "CREW_ASSIGN_ATTEMPTS", "between 1 and 100"],
    [{ CREW_RETRY_BASE_MS: "5000", CREW_RETRY_MAX_MS: "1000" }, "CREW_RETRY_MAX_MS", "at least CREW_RETRY_BASE_MS"],
  ])("refuses %j naming %s", (env, variable, fragment) => {
    const error = configRefusal(loadCrewConfig, env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(fragment);
  });

  it("the service process exits with code 2 on a wrong CREW_SERVICE_ADDRESS and names it", async () => {
    const result = await serviceExit("worker", { CREW_SERVICE_ADDRESS: "not an address" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("CREW_SERVICE_ADDRESS");
  });
});
