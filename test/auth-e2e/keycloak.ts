/*
 * Helpers for the Keycloak end-to-end suite: the real Keycloak from
 * scripts/keycloak.sh on a port of its own (in-memory H2, so every run starts
 * from the realm file), tokens from its token endpoint, and its admin REST API
 * (as the bootstrap admin of the master realm) for what a Keycloak operator
 * does: read a client secret, add clients, users and realms, grant roles,
 * rotate keys.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { projectRoot } from "../../src/db/migrations.ts";

const exec = promisify(execFile);

/** Port of the tests' Keycloak (management: port + 1); not the developer default 8180. */
export const KEYCLOAK_TEST_PORT = Number(process.env.KEYCLOAK_TEST_PORT ?? 18480);
export const KEYCLOAK_URL = `http://127.0.0.1:${KEYCLOAK_TEST_PORT}`;
export const REALM = "aquastream";
export const ISSUER = `${KEYCLOAK_URL}/realms/${REALM}`;
/** The audience the realm's clients put into access tokens (their audience mapper). */
export const AUDIENCE = "aquastream-event";
const ADMIN = { username: "admin", password: "admin" };

/** Demo users of keycloak/aquastream-realm.json (development passwords, see docs/auth.md). */
export const demo = {
  user: { username: "demo-user", password: "demo-user-dev-only", sub: "0d5a6c1e-7b2f-4c3d-9e8f-000000000001" },
  organizer: { username: "demo-organizer", password: "demo-organizer-dev-only", sub: "0d5a6c1e-7b2f-4c3d-9e8f-000000000002" },
  admin: { username: "demo-admin", password: "demo-admin-dev-only", sub: "0d5a6c1e-7b2f-4c3d-9e8f-000000000003" },
} as const;
/** The payment-gateway client's service account (fixed id in the realm file). */
export const paymentGatewaySub = "0d5a6c1e-7b2f-4c3d-9e8f-000000000010";
/** The aquastream-event client's service account: this service's own identity for its calls (crew service). */
export const eventServiceSub = "0d5a6c1e-7b2f-4c3d-9e8f-000000000011";

export async function keycloakScript(command: "start" | "stop" | "status"): Promise<string> {
  const { stdout, stderr } = await exec("bash", [`${projectRoot}/scripts/keycloak.sh`, command, String(KEYCLOAK_TEST_PORT)], {
    cwd: projectRoot,
    timeout: 420_000,
    // In memory: the rotation test changes the realm's keys, the next run must not inherit that.
    env: { ...process.env, KEYCLOAK_DB: "dev-mem", KEYCLOAK_ADMIN_USER: ADMIN.username, KEYCLOAK_ADMIN_PASSWORD: ADMIN.password },
  });
  return `${stdout}${stderr}`;
}

async function tokenRequest(realm: string, form: Record<string, string>): Promise<string> {
  const response = await fetch(`${KEYCLOAK_URL}/realms/${realm}/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    throw new Error(`token request to realm ${realm} failed: ${response.status} ${body.error} ${body.error_description ?? ""}`);
  }
  return body.access_token;
}

/** Resource owner password grant (only the development client `aquastream-dev` allows it). */
export function passwordToken(
  username: string,
  password: string,
  { clientId = "aquastream-dev", realm = REALM }: { clientId?: string; realm?: string } = {},
): Promise<string> {
  return tokenRequest(realm, { grant_type: "password", client_id: clientId, username, password, scope: "openid" });
}

/** Client credentials grant: a confidential client's service account. */
export function clientCredentialsToken(clientId: string, clientSecret: string): Promise<string> {
  return tokenRequest(REALM, { grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret });
}

/** The header and payload of a JWT, unverified (to look at kid, exp, roles). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split(".").slice(0, 2).map((part) => JSON.parse(Buffer.from(part!, "base64url").toString()));
  return { header, payload };
}

/** Keycloak's admin REST API as the master realm's bootstrap admin. */
export async function admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  // Master realm tokens live 60 s: a fresh one per call is simplest and cheap.
  const token = await tokenRequest("master", {
    grant_type: "password",
    client_id: "admin-cli",
    username: ADMIN.username,
    password: ADMIN.password,
  });
  const response = await fetch(`${KEYCLOAK_URL}/admin/realms${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The internal id of a client of the realm, by its clientId. */
export async function clientUuid(clientId: string): Promise<string> {
  const [client] = await admin<{ id: string }[]>("GET", `/${REALM}/clients?clientId=${encodeURIComponent(clientId)}`);
  if (!client) throw new Error(`no client ${clientId}`);
  return client.id;
}

/** The secret Keycloak generated for a confidential client on import (the realm file holds none). */
export async function clientSecret(clientId: string): Promise<string> {
  const { value } = await admin<{ value: string }>("GET", `/${REALM}/clients/${await clientUuid(clientId)}/client-secret`);
  return value;
}

/** A public client with the password grant; `attributes` e.g. a short access token lifespan. */
export async function addDevClient(clientId: string, options: { audienceMapper: boolean; attributes?: Record<string, string> }) {
  await admin("POST", `/${REALM}/clients`, {
    clientId,
    publicClient: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: true,
    attributes: options.attributes ?? {},
    protocolMappers: options.audienceMapper
      ? [
          {
            name: "aquastream-event audience",
            protocol: "openid-connect",
            protocolMapper: "oidc-audience-mapper",
            config: { "included.custom.audience": AUDIENCE, "access.token.claim": "true" },
          },
        ]
      : [],
  });
}

/** Creates a user with a password and the given realm roles; returns its id (the tokens' sub). */
export async function addUser(realm: string, username: string, password: string, roles: string[] = []): Promise<string> {
  await admin("POST", `/${realm}/users`, {
    username,
    email: `${username}@aquastream.test`,
    emailVerified: true,
    firstName: "E2E",
    lastName: username,
    enabled: true,
    credentials: [{ type: "password", value: password, temporary: false }],
  });
  const [user] = await admin<{ id: string }[]>("GET", `/${realm}/users?exact=true&username=${encodeURIComponent(username)}`);
  if (!user) throw new Error(`user ${username} was not created`);
  if (roles.length) await grantRealmRoles(realm, user.id, roles);
  return user.id;
}

export async function grantRealmRoles(realm: string, userId: string, roles: string[]): Promise<void> {
  const reps = await Promise.all(roles.map((role) => admin(`GET`, `/${realm}/roles/${encodeURIComponent(role)}`)));
  await admin("POST", `/${realm}/users/${userId}/role-mappings/realm`, reps);
}

export interface RealmKey {
  kid: string;
  providerId: string; // the key provider component's id
  algorithm: string;
  use: string;
  priority: number;
  status: string;
}

/** The realm's keys as its admin sees them (with the component that provides each). */
export async function realmKeys(): Promise<RealmKey[]> {
  const { keys } = await admin<{ keys: RealmKey[] }>("GET", `/${REALM}/keys`);
  return keys;
}

/** Adds an RSA key provider (a generated RS256 key); a higher priority makes it the active signing key. */
export async function addRsaKeyProvider(name: string, priority: number): Promise<void> {
  const realm = await admin<{ id: string }>("GET", `/${REALM}`);
  await admin("POST", `/${REALM}/components`, {
    name,
    providerId: "rsa-generated",
    providerType: "org.keycloak.keys.KeyProvider",
    parentId: realm.id,
    config: { priority: [String(priority)], enabled: ["true"], active: ["true"], algorithm: ["RS256"], keySize: ["2048"] },
  });
}

export async function removeKeyProvider(componentId: string): Promise<void> {
  await admin("DELETE", `/${REALM}/components/${componentId}`);
}
