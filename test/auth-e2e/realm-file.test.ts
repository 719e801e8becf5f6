/*
 * The realm file as an operator reads it (no Keycloak needed): what the
 * service checks is what every client issues, no secret is committed, only
 * the development client has the password grant, and docker-compose imports
 * this very file. keycloak.test.ts proves the same file works in Keycloak.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { knownRoles } from "../../src/auth/claims.ts";
import { projectRoot } from "../../src/db/migrations.ts";

interface Client {
  clientId: string;
  publicClient: boolean;
  secret?: string;
  standardFlowEnabled: boolean;
  implicitFlowEnabled: boolean;
  directAccessGrantsEnabled: boolean;
  serviceAccountsEnabled: boolean;
  attributes: Record<string, string>;
  protocolMappers: { protocolMapper: string; config: Record<string, string> }[];
}

const realm = JSON.parse(readFileSync(`${projectRoot}/keycloak/aquastream-realm.json`, "utf8")) as {
  realm: string;
  roles: { realm: { name: string }[] };
  clients: Client[];
  users: { username: string; serviceAccountClientId?: string; realmRoles: string[]; credentials?: unknown[] }[];
};
const client = (id: string) => realm.clients.find((c) => c.clientId === id)!;

describe("keycloak/aquastream-realm.json", () => {
  it("defines the realm aquastream with exactly the roles the database knows", () => {
    expect(realm.realm).toBe("aquastream");
    expect(realm.roles.realm.map((r) => r.name).sort()).toEqual([...knownRoles].sort());
  });

  it("every client puts the service's audience into access tokens", () => {
    for (const c of realm.clients) {
      const audiences = c.protocolMappers
        .filter((m) => m.protocolMapper === "oidc-audience-mapper" && m.config["access.token.claim"] === "true")
        .map((m) => m.config["included.custom.audience"]);
      expect(audiences, c.clientId).toEqual(["aquastream-event"]);
    }
  });

  it("the front end is public with PKCE; the confidential clients carry no committed secret", () => {
    expect(client("aquastream-web")).toMatchObject({
      publicClient: true,
      standardFlowEnabled: true,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      attributes: { "pkce.code.challenge.method": "S256" },
    });
    expect(client("aquastream-gateway")).toMatchObject({ publicClient: false, serviceAccountsEnabled: false });
    expect(client("payment-gateway")).toMatchObject({
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
    });
    for (const c of realm.clients) expect(c.secret, c.clientId).toBeUndefined();
  });

  it("only the development client allows the password grant", () => {
    expect(realm.clients.filter((c) => c.directAccessGrantsEnabled).map((c) => c.clientId)).toEqual(["aquastream-dev"]);
  });

  it("the payment gateway's service account holds only the payment-gateway role", () => {
    const account = realm.users.find((u) => u.serviceAccountClientId === "payment-gateway");
    expect(account?.realmRoles).toEqual(["payment-gateway"]);
    expect(account?.credentials).toBeUndefined();
  });

  it("the service's own client (aquastream-event) has client credentials only and a service account without roles", () => {
    expect(client("aquastream-event")).toMatchObject({
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
    });
    expect(realm.users.find((u) => u.serviceAccountClientId === "aquastream-event")?.realmRoles).toEqual([]);
  });

  it("every description fits Keycloak's 255-character column (a longer one stops the import)", () => {
    for (const item of [...realm.clients, ...realm.roles.realm] as { description?: string }[]) {
      expect(item.description?.length ?? 0, item.description).toBeLessThanOrEqual(255);
    }
  });

  it("one demo user per role", () => {
    const demo = realm.users.filter((u) => u.username.startsWith("demo-"));
    expect(Object.fromEntries(demo.map((u) => [u.username, u.realmRoles]))).toEqual({
      "demo-user": ["user"],
      "demo-organizer": ["user", "organizer"],
      "demo-admin": ["user", "admin"],
    });
  });

  it("is the file docker-compose's Keycloak imports", () => {
    const compose = readFileSync(`${projectRoot}/docker-compose.yml`, "utf8");
    expect(compose).toContain("./keycloak/aquastream-realm.json:/opt/keycloak/data/import/aquastream-realm.json");
    expect(compose).toContain("KEYCLOAK_AUDIENCE: ${KEYCLOAK_AUDIENCE:-aquastream-event}");
  });
});
