/*
 * The API's database login, aquastream_authenticator (db/afterReset.sql
 * creates it: LOGIN NOINHERIT, no privileges of its own until it switches to
 * aquastream_anonymous / aquastream_member per transaction).
 *
 * The embedded default gives it a generated password kept beside the data
 * (DATA_DIR/authenticator.password, like the superuser's), so `npm start`
 * serves requests as the authenticator, never as the superuser that owns
 * the tables. `assertApiLogin` refuses to serve with any other kind of login.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import pg from "pg";
import { roles } from "./roles.ts";

/** `url` with its user (and password) replaced. */
export function withLogin(url: string, user: string, password?: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = password ? encodeURIComponent(password) : "";
  return u.toString();
}

/**
 * Gives the authenticator role (created by the bootstrap) the password kept
 * in `dataDir`, generating it on first use, and returns the API's URL for
 * `databaseUrl`. `rootUrl`: a superuser connection to the same server.
 */
export async function authenticatorLogin(rootUrl: string, databaseUrl: string, dataDir: string): Promise<string> {
  const file = resolve(dataDir, "authenticator.password");
  if (!existsSync(file)) writeFileSync(file, randomBytes(18).toString("base64url"), { mode: 0o600 });
  const password = readFileSync(file, "utf8").trim();
  const client = new pg.Client({ connectionString: rootUrl });
  await client.connect();
  try {
    // A utility statement takes no parameters: the literal is escaped by pg.
    await client.query(
      `alter role ${pg.escapeIdentifier(roles.authenticator)} with login noinherit password ${client.escapeLiteral(password)}`,
    );
  } finally {
    await client.end();
  }
  return withLogin(databaseUrl, roles.authenticator, password);
}

export class ApiLoginError extends Error {}

/**
 * Refuses a login that would let the API bypass row-level security: a
 * superuser, a BYPASSRLS role, or one that owns (or may become the owner of)
 * the application's tables. Such a login is the owner's DATABASE_URL reused
 * for the API; the fix is DATABASE_API_URL with the authenticator.
 */
export async function assertApiLogin(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ login: string; super: boolean; bypass: boolean; owns: boolean }>(`
    select r.rolname as login, r.rolsuper as super, r.rolbypassrls as bypass,
           exists (select from pg_class c join pg_namespace n on n.oid = c.relnamespace
                   where n.nspname in ('app_public', 'app_hidden', 'app_private')
                     and pg_has_role(session_user, c.relowner, 'MEMBER')) as owns
      from pg_roles r where r.rolname = session_user`);
  const row = rows[0]!;
  const why = [row.super && "is a superuser", row.bypass && "has BYPASSRLS", row.owns && "owns the application's tables"].filter(Boolean);
  if (why.length) {
    throw new ApiLoginError(
      `the API's database login "${row.login}" ${why.join(" and ")}: row-level security would not bind it. ` +
        `Set DATABASE_API_URL to the ${roles.authenticator} login (docs/database-access.md).`,
    );
  }
}
