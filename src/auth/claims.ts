/*
 * What the service believes about a caller once the token's signature, issuer,
 * audience and lifetime have been checked, and how that reaches PostgreSQL.
 *
 * payloadToClaims() is the one place a verified JWT payload becomes Claims, for
 * both transports, so a refusal here (bad sub, missing exp) reads the same over
 * HTTP and gRPC. claimsToPgSettings() is what GraphQL and gRPC hand to
 * PostgreSQL per transaction (SET LOCAL ROLE + set_config(..., true)); RLS and
 * the SQL functions decide from there.
 */
import type { JWTPayload } from "jose";
import { roles as dbRoles } from "../db/roles.ts";
import { AuthError } from "./errors.ts";

/** Realm roles the database knows about; any other Keycloak role is dropped. */
export const knownRoles = ["user", "organizer", "admin", "payment-gateway"] as const;
export type Role = (typeof knownRoles)[number];

export interface Claims {
  /** Keycloak user id (uuid, lower case). */
  sub: string;
  /** Known realm roles, in token order, without duplicates. */
  roles: Role[];
  /** The whole verified payload, for logging and rare needs; never for authorization. */
  raw: JWTPayload;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Roles are comma-joined into one setting; this shape keeps that join unambiguous.
const rolePattern = /^[a-z-]+$/;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && uuidPattern.test(value);
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && rolePattern.test(value) && (knownRoles as readonly string[]).includes(value);
}

/**
 * Turns a payload whose signature and registered claims were already verified
 * into Claims, or throws AuthError. Roles come from `realm_access.roles` only
 * (client roles in `resource_access` are deliberately ignored).
 */
export function payloadToClaims(payload: unknown): Claims {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new AuthError("malformed token");
  }
  const raw = payload as JWTPayload;
  // jsonwebtoken checks exp only when present; a token without one would never expire.
  if (typeof raw.exp !== "number") throw new AuthError("exp is required");
  if (!isUuid(raw.sub)) throw new AuthError("sub is not a uuid");

  const realmAccess = (raw as { realm_access?: { roles?: unknown } }).realm_access;
  const tokenRoles = Array.isArray(realmAccess?.roles) ? (realmAccess.roles as unknown[]) : [];
  const roles = [...new Set(tokenRoles.filter(isRole))];

  return { sub: raw.sub.toLowerCase(), roles, raw };
}

/** Realm roles whose holders read rows of others (their events' bookings, every payment): the manager database role. */
const managingRoles: readonly Role[] = ["organizer", "admin", "payment-gateway"];

/**
 * Settings for one transaction: the role to switch to and the claims RLS reads.
 * Plain users get the member role, whose policies on bookings and their
 * tickets, payments and waiting-list entries are one indexed condition (the
 * caller's own rows), so no request of a self-registered account reads other
 * people's rows to filter them out; organizers, admins and the payment
 * gateway get the manager role (a member too), whose policies add what they
 * manage (docs/database-access.md).
 */
export function claimsToPgSettings(claims: Claims | null): Record<string, string> {
  if (claims === null) return { role: dbRoles.anonymous };
  return {
    role: claims.roles.some((role) => managingRoles.includes(role)) ? dbRoles.manager : dbRoles.member,
    "jwt.claims.sub": claims.sub,
    "jwt.claims.roles": claims.roles.join(","),
  };
}
