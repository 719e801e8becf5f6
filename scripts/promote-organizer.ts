/*
 * Promotes a user to organizer (or takes the role back) in Keycloak, through
 * the realm's admin REST API: the service has no user table, the `organizer`
 * realm role in the user's token is what makes them one (docs/auth.md).
 *
 *   npm run -s promote-organizer -- <username or email> [--revoke]
 *
 * Who may: a Keycloak administrator. Either the master realm's admin
 * (KEYCLOAK_ADMIN_USER / KEYCLOAK_ADMIN_PASSWORD, password grant on
 * `admin-cli`; development), or, in production, a confidential client of the
 * aquastream realm whose service account holds the realm-management roles
 * `view-users`, `view-realm` and `manage-users` (KEYCLOAK_ADMIN_CLIENT_ID /
 * KEYCLOAK_ADMIN_CLIENT_SECRET, client credentials).
 *
 * Where: KEYCLOAK_URL (default http://127.0.0.1:8180, scripts/keycloak.sh) and
 * KEYCLOAK_REALM (default aquastream).
 *
 * Idempotent: granting a role the user has, or revoking one they lack, changes
 * nothing. The role counts from the user's next token (sign in again or
 * refresh): tokens already issued keep the roles they carry until they expire.
 * Exit codes: 0 done, 1 Keycloak refused or the user is unknown/ambiguous, 2 usage.
 */
const ROLE = "organizer";

interface Settings {
  url: string;
  realm: string;
  login: { grant_type: string; client_id: string; [key: string]: string };
  loginRealm: string;
}

function settings(env: NodeJS.ProcessEnv): Settings {
  const url = (env.KEYCLOAK_URL ?? "http://127.0.0.1:8180").replace(/\/+$/, "");
  const realm = env.KEYCLOAK_REALM ?? "aquastream";
  if (env.KEYCLOAK_ADMIN_CLIENT_ID) {
    if (!env.KEYCLOAK_ADMIN_CLIENT_SECRET) throw new UsageError("KEYCLOAK_ADMIN_CLIENT_SECRET is required with KEYCLOAK_ADMIN_CLIENT_ID");
    return {
      url,
      realm,
      loginRealm: realm,
      login: {
        grant_type: "client_credentials",
        client_id: env.KEYCLOAK_ADMIN_CLIENT_ID,
        client_secret: env.KEYCLOAK_ADMIN_CLIENT_SECRET,
      },
    };
  }
  return {
    url,
    realm,
    loginRealm: "master",
    login: {
      grant_type: "password",
      client_id: "admin-cli",
      username: env.KEYCLOAK_ADMIN_USER ?? "admin",
      password: env.KEYCLOAK_ADMIN_PASSWORD ?? "admin",
    },
  };
}

class UsageError extends Error {}

async function adminToken(s: Settings): Promise<string> {
  const response = await fetch(`${s.url}/realms/${s.loginRealm}/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(s.login),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    throw new Error(`could not sign in to Keycloak (realm ${s.loginRealm}): ${response.status} ${body.error_description ?? ""}`);
  }
  return body.access_token;
}

async function api<T>(s: Settings, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${s.url}/admin/realms/${encodeURIComponent(s.realm)}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`Keycloak refused ${method} ${path}: ${response.status} ${await response.text()}`);
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

interface User {
  id: string;
  username: string;
  email?: string;
}

/** The one user with this exact username, else with this exact email. */
async function findUser(s: Settings, token: string, who: string): Promise<User> {
  const q = encodeURIComponent(who);
  let users = await api<User[]>(s, token, "GET", `/users?username=${q}&exact=true`);
  if (users.length === 0) users = await api<User[]>(s, token, "GET", `/users?email=${q}&exact=true`);
  if (users.length === 0) throw new Error(`no user "${who}" in realm ${s.realm} (by username or email)`);
  if (users.length > 1) throw new Error(`"${who}" matches ${users.length} users; give the exact username`);
  return users[0]!;
}

export async function promoteOrganizer(who: string, revoke: boolean, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const s = settings(env);
  const token = await adminToken(s);
  const user = await findUser(s, token, who);
  const role = await api<{ id: string; name: string }>(s, token, "GET", `/roles/${ROLE}`);
  const current = await api<{ name: string }[]>(s, token, "GET", `/users/${user.id}/role-mappings/realm`);
  const has = current.some((r) => r.name === ROLE);
  if (revoke ? has : !has) {
    await api(s, token, revoke ? "DELETE" : "POST", `/users/${user.id}/role-mappings/realm`, [role]);
  }
  const change = revoke ? (has ? "revoked" : "did not have") : has ? "already had" : "granted";
  return `${user.username} (${user.id}): ${change} the realm role ${ROLE}; it counts from their next token`;
}

async function main(args: string[]): Promise<number> {
  const revoke = args.includes("--revoke");
  const rest = args.filter((a) => a !== "--revoke");
  if (rest.length !== 1 || rest[0]!.startsWith("-")) {
    console.error("usage: npm run -s promote-organizer -- <username or email> [--revoke]");
    return 2;
  }
  try {
    console.log(await promoteOrganizer(rest[0]!, revoke));
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return error instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
