/*
 * The whole auth path against a real Keycloak: scripts/keycloak.sh starts it
 * with keycloak/aquastream-realm.json imported, the service runs as its own
 * process with KEYCLOAK_ISSUER pointing at the realm, and every token comes
 * from Keycloak's token endpoint (password grant on the development client for
 * the demo users, client credentials for the payment gateway). Through GraphQL
 * and gRPC: organizers create and publish, users book, the gateway confirms
 * payments, an admin moderates; realm_access.roles decide; tokens of another
 * realm, for another audience, expired or tampered are refused; a role granted
 * in Keycloak counts from the next token; a new realm key is accepted without
 * a restart and a removed one is refused.
 *
 * One Keycloak and one service for the file; the tests run in order and the
 * key rotation comes last. The suite has a database of its own (the demo users'
 * ids are fixed, and these tests commit).
 */
import { execFile } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BookingStatus,
  EventServiceClient,
  EventStatus,
  PaymentMethod,
  PaymentStatus,
  type CreateEventRequest,
} from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";
import { createOwnDatabase } from "../helpers/own-database.ts";
import { grpcEventRequest } from "../helpers/event-inputs.ts";
import { apiDatabaseUrl } from "../helpers/db.ts";
import {
  addDevClient,
  addRsaKeyProvider,
  addUser,
  admin,
  AUDIENCE,
  clientCredentialsToken,
  clientSecret,
  decodeJwt,
  demo,
  grantRealmRoles,
  ISSUER,
  KEYCLOAK_URL,
  keycloakScript,
  passwordToken,
  eventServiceSub,
  paymentGatewaySub,
  realmKeys,
  REALM,
  removeKeyProvider,
} from "./keycloak.ts";
import { startService, type RunningService } from "./service.ts";
import { clientCredentialsTokenProvider } from "../../src/auth/client-credentials.ts";
import { createVerifier } from "../../src/auth/verifier.ts";
import { loadConfig } from "../../src/config/env.ts";
import { createCrewClient } from "../../src/crew/client.ts";
import { startCrewStub } from "../../src/crew/stub-server.ts";

/** The service refetches the realm's keys when they are older than this (s); the removal test relies on it. */
const JWKS_MAX_AGE = 3;
/** Access token lifespan (s) of the short-lived client used for the expired-token test. */
const SHORT_LIFESPAN = 1;
/** The service's clock tolerance for exp (src/auth/verifier.ts). */
const CLOCK_TOLERANCE = 30;

let service: RunningService;
let grpcClient: EventServiceClient;
let gatewaySecret: string;
let shortLivedToken: string;

beforeAll(async () => {
  // A Keycloak left running by an interrupted run holds that run's changes (keys, clients): start afresh.
  await keycloakScript("stop");
  const [databaseUrl] = await Promise.all([createOwnDatabase("keycloak"), keycloakScript("start")]);
  service = await startService({
    DATABASE_URL: databaseUrl,
    DATABASE_API_URL: apiDatabaseUrl(databaseUrl),
    KEYCLOAK_ISSUER: ISSUER,
    KEYCLOAK_AUDIENCE: AUDIENCE,
    KEYCLOAK_JWKS_MAX_AGE: String(JWKS_MAX_AGE),
  });
  grpcClient = new EventServiceClient(service.grpcAddress, grpc.credentials.createInsecure());
  gatewaySecret = await clientSecret("payment-gateway");
  // Test-only clients, added through the admin API (the realm file stays production-shaped).
  await addDevClient("e2e-no-audience", { audienceMapper: false });
  await addDevClient("e2e-short-lived", { audienceMapper: true, attributes: { "access.token.lifespan": String(SHORT_LIFESPAN) } });
  // Taken now so that its expiry (plus the service's tolerance) has passed by the time its test runs.
  shortLivedToken = await passwordToken(demo.user.username, demo.user.password, { clientId: "e2e-short-lived" });
}, 480_000);

afterAll(async () => {
  grpcClient?.close();
  const exitCode = await service?.stop();
  await keycloakScript("stop");
  expect(exitCode).toBe(0);
}, 120_000);

// --- transports ---------------------------------------------------------------

interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function graphql<T = Record<string, unknown>>(
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${service.httpUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** GraphQL that must succeed: returns data. */
async function ok<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await graphql<T>(token, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  expect(response.status).toBe(200);
  return response.data!;
}

/** A unary gRPC call with a bearer token; resolves with the response or the ServiceError. */
function rpc<Req, Res>(
  method: (
    req: Req,
    md: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    cb: (err: grpc.ServiceError | null, res: Res) => void,
  ) => unknown,
  request: Req,
  token: string | null,
): Promise<{ response?: Res; error?: grpc.ServiceError }> {
  const metadata = new grpc.Metadata();
  if (token) metadata.set("authorization", `Bearer ${token}`);
  return new Promise((resolve) =>
    method.call(grpcClient, request, metadata, { deadline: Date.now() + 15_000 }, (error: grpc.ServiceError | null, response: Res) =>
      resolve(error ? { error } : { response }),
    ),
  );
}

// --- the domain -----------------------------------------------------------------

const inDays = (days: number) => new Date(Date.now() + days * 86400_000);

const CREATE_EVENT = /* GraphQL */ `
  mutation($input: CreateEventInput!) {
    createEvent(input: $input) { result { rowId organizerId status eventPriceTiersByEventId { nodes { rowId } } } }
  }
`;

function eventInput(title: string) {
  const startsAt = inDays(20);
  return {
    title,
    category: "rafting",
    locationName: "Chuya river, Altai",
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 8 * 3600_000).toISOString(),
    capacity: 10,
    bookingDeadlineHours: 24,
    priceTiers: [{ name: "Standard", price: "15000", currency: "RUB" }],
  };
}

/** The shared gRPC event request, three weeks ahead and at a whole price. */
function grpcEventRequestTitled(title: string): CreateEventRequest {
  const start = inDays(21);
  return grpcEventRequest({
    title,
    startsAt: toTimestamp(start),
    endsAt: toTimestamp(new Date(start.getTime() + 3 * 3600_000)),
    priceTiers: [{ name: "Standard", price: "3500", currency: "RUB" }],
  });
}

type CreatedEvent = { createEvent: { result: { rowId: string; organizerId: string; status: string; eventPriceTiersByEventId: { nodes: { rowId: string }[] } } } };

async function publishedEventBy(organizerToken: string, title: string): Promise<{ eventId: string; tierId: string }> {
  const created = await ok<CreatedEvent>(organizerToken, CREATE_EVENT, { input: eventInput(title) });
  const eventId = created.createEvent.result.rowId;
  await ok(organizerToken, `mutation($id: UUID!) { publishEvent(input: { id: $id }) { result { status } } }`, { id: eventId });
  return { eventId, tierId: created.createEvent.result.eventPriceTiersByEventId.nodes[0]!.rowId };
}

const refusedOverHttp = (reason: string) => ({
  status: 401,
  errors: [{ message: `invalid token: ${reason}`, extensions: { code: "UNAUTHENTICATED" } }],
});

/** The same token must be refused with the same reason by both transports. */
async function expectRefused(token: string, reason: string): Promise<void> {
  expect(await graphql(token, "{ __typename }")).toEqual(refusedOverHttp(reason));
  const { error } = await rpc(grpcClient.listFavorites, { pageSize: 1, pageToken: "" }, token);
  expect(error?.code).toBe(grpc.status.UNAUTHENTICATED);
  expect(error?.details).toBe(`invalid token: ${reason}`);
}

// --- the tests --------------------------------------------------------------------

describe("Keycloak tokens carry what the service checks", () => {
  it("a demo user's token: the realm's issuer, the service's audience, realm roles in realm_access", async () => {
    const { header, payload } = decodeJwt(await passwordToken(demo.organizer.username, demo.organizer.password));
    expect(header.alg).toBe("RS256");
    expect(payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: demo.organizer.sub, azp: "aquastream-dev" });
    expect((payload.realm_access as { roles: string[] }).roles.sort()).toEqual(["organizer", "user"]);
  });

  it("the payment gateway's service account token carries its role the same way", async () => {
    const { payload } = decodeJwt(await clientCredentialsToken("payment-gateway", gatewaySecret));
    expect(payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: paymentGatewaySub, azp: "payment-gateway" });
    expect(payload.realm_access).toEqual({ roles: ["payment-gateway"] });
  });

  it("only the development client allows the password grant", async () => {
    await expect(
      passwordToken(demo.user.username, demo.user.password, { clientId: "aquastream-web" }),
    ).rejects.toThrow(/unauthorized_client/);
  });
});

describe("GraphQL with Keycloak tokens", () => {
  it("sub and realm_access.roles reach the database as the caller's id and roles", async () => {
    /** What SQL sees (app_public.current_user_id() / current_user_roles()), roles sorted. */
    async function seenBySql(token: string | null) {
      const { data, errors } = await graphql<{ currentUserId: string | null; currentUserRoles: string[] }>(
        token,
        "{ currentUserId currentUserRoles }",
      );
      expect(errors).toBeUndefined();
      return { id: data!.currentUserId, roles: [...data!.currentUserRoles].sort() };
    }
    const asOrganizer = await seenBySql(await passwordToken(demo.organizer.username, demo.organizer.password));
    expect(asOrganizer).toEqual({ id: demo.organizer.sub, roles: ["organizer", "user"] });
    const asAdmin = await seenBySql(await passwordToken(demo.admin.username, demo.admin.password));
    expect(asAdmin).toEqual({ id: demo.admin.sub, roles: ["admin", "user"] });
    const asGateway = await seenBySql(await clientCredentialsToken("payment-gateway", gatewaySecret));
    expect(asGateway).toEqual({ id: paymentGatewaySub, roles: ["payment-gateway"] });
    expect(await seenBySql(null)).toEqual({ id: null, roles: [] });
  });

  it("the organizer publishes, the user books and pays, the payment gateway confirms, the admin moderates", async () => {
    const organizer = await passwordToken(demo.organizer.username, demo.organizer.password);
    const user = await passwordToken(demo.user.username, demo.user.password);

    const created = await ok<CreatedEvent>(organizer, CREATE_EVENT, { input: eventInput("Rafting with Keycloak") });
    // sub reaches the database as the caller's id.
    expect(created.createEvent.result).toMatchObject({ organizerId: demo.organizer.sub, status: "draft" });
    const eventId = created.createEvent.result.rowId;
    const tierId = created.createEvent.result.eventPriceTiersByEventId.nodes[0]!.rowId;
    await ok(organizer, `mutation($id: UUID!) { publishEvent(input: { id: $id }) { result { status } } }`, { id: eventId });

    const booked = await ok<{ createBooking: { result: { rowId: string; userId: string; status: string; totalAmount: string } } }>(
      user,
      `mutation($eventId: UUID!, $tierId: UUID!) {
        createBooking(input: { eventId: $eventId, priceTierId: $tierId, quantity: 2 }) { result { rowId userId status totalAmount } }
      }`,
      { eventId, tierId },
    );
    expect(booked.createBooking.result).toMatchObject({ userId: demo.user.sub, status: "pending_payment", totalAmount: "30000.00" });
    const bookingId = booked.createBooking.result.rowId;

    const initiated = await ok<{ initiatePayment: { result: { rowId: string; status: string } } }>(
      user,
      `mutation($bookingId: UUID!) { initiatePayment(input: { bookingId: $bookingId, method: card }) { result { rowId status } } }`,
      { bookingId },
    );
    const paymentId = initiated.initiatePayment.result.rowId;

    const CONFIRM = `mutation($ref: String!, $paymentId: UUID!) {
      confirmPayment(input: { gatewayReference: $ref, paymentId: $paymentId, amount: "30000" }) { result { status } }
    }`;
    // The user may not confirm their own payment: the role comes from realm_access, not from who asks.
    const selfConfirm = await graphql(user, CONFIRM, { ref: `kc-${paymentId}`, paymentId });
    expect(selfConfirm.errors?.[0]?.extensions).toMatchObject({ code: "42501", status: "PERMISSION_DENIED" });

    const gateway = await clientCredentialsToken("payment-gateway", gatewaySecret);
    const confirmed = await ok<{ confirmPayment: { result: { status: string } } }>(gateway, CONFIRM, { ref: `kc-${paymentId}`, paymentId });
    expect(confirmed.confirmPayment.result.status).toBe("completed");

    const mine = await ok<{ bookingByRowId: { status: string } }>(
      user,
      `query($id: UUID!) { bookingByRowId(rowId: $id) { status } }`,
      { id: bookingId },
    );
    expect(mine.bookingByRowId.status).toBe("confirmed");

    // The admin moderates: cancels an event that is not theirs.
    const adminToken = await passwordToken(demo.admin.username, demo.admin.password);
    const canceled = await ok<{ cancelEvent: { result: { status: string } } }>(
      adminToken,
      `mutation($id: UUID!) { cancelEvent(input: { id: $id, reason: "moderation: unsafe water level" }) { result { status } } }`,
      { id: eventId },
    );
    expect(canceled.cancelEvent.result.status).toBe("canceled");
  });

  it("a plain user's token is refused organizer and admin actions with 42501 PERMISSION_DENIED", async () => {
    const user = await passwordToken(demo.user.username, demo.user.password);
    const create = await graphql(user, CREATE_EVENT, { input: eventInput("Not allowed") });
    expect(create.errors?.[0]?.extensions).toMatchObject({ code: "42501", status: "PERMISSION_DENIED" });

    const organizer = await passwordToken(demo.organizer.username, demo.organizer.password);
    const { eventId } = await publishedEventBy(organizer, "Someone else's event");
    const cancel = await graphql(user, `mutation($id: UUID!) { cancelEvent(input: { id: $id, reason: "x" }) { result { status } } }`, {
      id: eventId,
    });
    expect(cancel.errors?.[0]?.extensions).toMatchObject({ code: "42501", status: "PERMISSION_DENIED" });
  });

  it("no token is anonymous: the catalog answers, a mutation is refused", async () => {
    const anonymous = await graphql(null, CREATE_EVENT, { input: eventInput("Anonymous") });
    expect(anonymous.status).toBe(200);
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: "28000" });
  });
});

describe("gRPC with Keycloak tokens", () => {
  it("the organizer publishes, the user books and pays, the payment gateway confirms, the admin moderates; a user may not create", async () => {
    const organizer = await passwordToken(demo.organizer.username, demo.organizer.password);
    const user = await passwordToken(demo.user.username, demo.user.password);

    const created = await rpc(grpcClient.createEvent, grpcEventRequestTitled("SUP with Keycloak"), organizer);
    expect(created.error).toBeUndefined();
    const event = created.response!.event!;
    expect(event.organizerId).toBe(demo.organizer.sub);
    const published = await rpc(grpcClient.publishEvent, { id: event.id }, organizer);
    expect(published.response?.event?.status).toBe(EventStatus.EVENT_STATUS_PUBLISHED);

    const booked = await rpc(grpcClient.createBooking, { eventId: event.id, priceTierId: event.priceTiers[0]!.id, quantity: 1 }, user);
    expect(booked.error).toBeUndefined();
    const booking = booked.response!.booking!;
    expect(booking).toMatchObject({ userId: demo.user.sub, status: BookingStatus.BOOKING_STATUS_PENDING_PAYMENT });
    const initiated = await rpc(grpcClient.initiatePayment, { bookingId: booking.id, method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED }, user);
    expect(initiated.error).toBeUndefined();
    const paymentId = initiated.response!.payment!.id;

    const confirmRequest = { paymentId, gatewayReference: `kc-grpc-${paymentId}`, amount: "3500" };
    const selfConfirm = await rpc(grpcClient.confirmPayment, confirmRequest, user);
    expect(selfConfirm.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    const gateway = await clientCredentialsToken("payment-gateway", gatewaySecret);
    const confirmed = await rpc(grpcClient.confirmPayment, confirmRequest, gateway);
    expect(confirmed.error).toBeUndefined();
    expect(confirmed.response?.payment?.status).toBe(PaymentStatus.PAYMENT_STATUS_COMPLETED);
    const mine = await rpc(grpcClient.getBooking, { id: booking.id }, user);
    expect(mine.response?.booking?.status).toBe(BookingStatus.BOOKING_STATUS_CONFIRMED);

    expect((await rpc(grpcClient.addFavorite, { eventId: event.id }, user)).error).toBeUndefined();
    const favorites = await rpc(grpcClient.listFavorites, { pageSize: 10, pageToken: "" }, user);
    expect(favorites.response?.events.map((e) => e.id)).toContain(event.id);

    const asUser = await rpc(grpcClient.createEvent, grpcEventRequestTitled("Not allowed"), user);
    expect(asUser.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(asUser.error?.metadata.get("aquastream-error-code")[0]).toBe("42501");

    const adminToken = await passwordToken(demo.admin.username, demo.admin.password);
    const canceled = await rpc(grpcClient.cancelEvent, { id: event.id, reason: "moderation: storm warning" }, adminToken);
    expect(canceled.response?.event?.status).toBe(EventStatus.EVENT_STATUS_CANCELED);
  });
});

describe("refused tokens: 401 over HTTP, UNAUTHENTICATED over gRPC", () => {
  it("a token of another realm on the same Keycloak", async () => {
    await admin("POST", "", { realm: "e2e-other", enabled: true });
    try {
      await admin("POST", "/e2e-other/clients", {
        clientId: "aquastream-dev",
        publicClient: true,
        directAccessGrantsEnabled: true,
        protocolMappers: [
          {
            name: "aquastream-event audience",
            protocol: "openid-connect",
            protocolMapper: "oidc-audience-mapper",
            config: { "included.custom.audience": AUDIENCE, "access.token.claim": "true" },
          },
        ],
      });
      const sub = await addUser("e2e-other", "intruder", "intruder-password");
      const token = await passwordToken("intruder", "intruder-password", { realm: "e2e-other" });
      // Same audience, a uuid sub, but another issuer signing with keys the realm does not publish.
      expect(decodeJwt(token).payload).toMatchObject({
        iss: `${KEYCLOAK_URL}/realms/e2e-other`,
        aud: expect.arrayContaining([AUDIENCE]),
        sub,
      });
      await expectRefused(token, "unknown signing key");
    } finally {
      await admin("DELETE", "/e2e-other");
    }
  });

  it("a token of this realm for another audience", async () => {
    const token = await passwordToken(demo.organizer.username, demo.organizer.password, { clientId: "e2e-no-audience" });
    expect(decodeJwt(token).payload.aud).not.toBe(AUDIENCE);
    await expectRefused(token, "jwt audience invalid");
  });

  it("a tampered token (roles changed, signature kept)", async () => {
    const [header, payload, signature] = (await passwordToken(demo.user.username, demo.user.password)).split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    claims.realm_access = { roles: ["user", "admin"] };
    await expectRefused(`${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`, "invalid signature");
  });

  it("an expired token", async () => {
    const { exp } = decodeJwt(shortLivedToken).payload as { exp: number };
    // Wait out the lifespan and the service's clock tolerance (usually already over by now).
    const wait = (exp + CLOCK_TOLERANCE + 1) * 1000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await expectRefused(shortLivedToken, "jwt expired");
  }, 60_000);
});

describe("roles are Keycloak's: a grant counts from the next token", () => {
  it("a user promoted to organizer in Keycloak may create events with a new token", async () => {
    const username = `promoted-${Date.now()}`;
    const id = await addUser(REALM, username, "promoted-password", ["user"]);
    const before = await passwordToken(username, "promoted-password");
    const refused = await graphql(before, CREATE_EVENT, { input: eventInput("Before promotion") });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "42501", status: "PERMISSION_DENIED" });

    await grantRealmRoles(REALM, id, ["organizer"]);
    const after = await passwordToken(username, "promoted-password");
    const created = await ok<CreatedEvent>(after, CREATE_EVENT, { input: eventInput("After promotion") });
    expect(created.createEvent.result.organizerId).toBe(id);
    // The old token still says "user" only: roles are read from the token, not looked up.
    const stillRefused = await graphql(before, CREATE_EVENT, { input: eventInput("Old token") });
    expect(stillRefused.errors?.[0]?.extensions).toMatchObject({ code: "42501" });
  });
});

describe("promoting to organizer with the documented procedure (scripts/promote-organizer.ts)", () => {
  /** The script as an operator runs it: its own process, the admin API of this Keycloak. */
  async function promote(...args: string[]): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "scripts/promote-organizer.ts", ...args],
        { env: { ...process.env, KEYCLOAK_URL, KEYCLOAK_REALM: REALM, KEYCLOAK_ADMIN_USER: "admin", KEYCLOAK_ADMIN_PASSWORD: "admin" } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });
  }

  it("grants the role (idempotent), the user creates events from the next token; --revoke takes it back; unknown users exit 1", async () => {
    const username = `script-promoted-${Date.now()}`;
    const id = await addUser(REALM, username, "promoted-password", ["user"]);
    const before = await passwordToken(username, "promoted-password");

    const granted = await promote(username);
    expect(granted).toMatchObject({ code: 0 });
    expect(granted.out).toContain(`${username} (${id}): granted the realm role organizer`);
    expect((await promote(username)).out).toContain("already had");

    const after = await passwordToken(username, "promoted-password");
    expect((decodeJwt(after).payload.realm_access as { roles: string[] }).roles).toContain("organizer");
    const created = await ok<CreatedEvent>(after, CREATE_EVENT, { input: eventInput("Promoted by the script") });
    expect(created.createEvent.result.organizerId).toBe(id);
    expect((await graphql(before, CREATE_EVENT, { input: eventInput("Old token") })).errors?.[0]?.extensions).toMatchObject({
      code: "42501",
    });

    expect((await promote(username, "--revoke")).out).toContain("revoked");
    const revoked = await passwordToken(username, "promoted-password");
    expect((await graphql(revoked, CREATE_EVENT, { input: eventInput("Revoked") })).errors?.[0]?.extensions).toMatchObject({
      code: "42501",
    });

    const unknown = await promote(`nobody-${Date.now()}`);
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain("no user");
  });
});

describe("the crew service is called with this service's own Keycloak token", () => {
  // The realm's client for this service's own calls: aquastream-event
  // (CREW_TOKEN_CLIENT_ID / CREW_TOKEN_CLIENT_SECRET), a service account without roles.
  it("client credentials: fetched once and reused, a valid token of the realm, sent with the caller's subject", async () => {
    const token = clientCredentialsTokenProvider({
      tokenUrl: `${ISSUER}/protocol/openid-connect/token`,
      clientId: "aquastream-event",
      clientSecret: await clientSecret("aquastream-event"),
    });
    const [first, concurrent] = await Promise.all([token(), token()]);
    expect(concurrent).toBe(first); // one fetch for both
    expect(await token()).toBe(first); // cached until shortly before it expires
    const claims = await createVerifier(loadConfig({ NODE_ENV: "test", KEYCLOAK_ISSUER: ISSUER, KEYCLOAK_AUDIENCE: AUDIENCE })).verify(first);
    expect(claims).toMatchObject({ sub: eventServiceSub, roles: [] }); // it can do nothing here itself

    const stub = await startCrewStub({ crewCount: 1 });
    const client = createCrewClient({ address: `127.0.0.1:${stub.port}`, deadlineMs: 5_000, token });
    try {
      const start = inDays(40);
      await client.assignCrew(
        { eventId: crypto.randomUUID(), startsAt: toTimestamp(start), endsAt: toTimestamp(new Date(start.getTime() + 3600_000)), location: "Katun", participants: 4 },
        { onBehalfOf: demo.organizer.sub },
      );
      expect(stub.calls.at(-1)).toMatchObject({ authorization: `Bearer ${first}`, onBehalfOf: demo.organizer.sub });
    } finally {
      client.close();
      await stub.close();
    }

    const wrong = clientCredentialsTokenProvider({
      tokenUrl: `${ISSUER}/protocol/openid-connect/token`,
      clientId: "aquastream-event",
      clientSecret: "not-the-secret",
    });
    await expect(wrong()).rejects.toThrow(/token endpoint refused client aquastream-event: 401 unauthorized_client/);
  });
});

describe("key rotation without restarting the service", () => {
  it("a new realm key is accepted at once; a removed key's tokens are refused", { timeout: 120_000 }, async () => {
    const oldToken = await passwordToken(demo.organizer.username, demo.organizer.password);
    const oldKid = decodeJwt(oldToken).header.kid as string;
    expect((await graphql(oldToken, "{ __typename }")).status).toBe(200);
    const oldKey = (await realmKeys()).find((k) => k.kid === oldKid);
    expect(oldKey?.algorithm).toBe("RS256");

    // A new RSA key provider with a higher priority becomes the active signing key.
    await addRsaKeyProvider("rsa-rotated", 200);
    const newToken = await passwordToken(demo.organizer.username, demo.organizer.password);
    const newKid = decodeJwt(newToken).header.kid as string;
    expect(newKid).not.toBe(oldKid);

    // The running service (same process) fetches the new key on its unknown kid.
    const pidBefore = service.pid;
    const created = await ok<CreatedEvent>(newToken, CREATE_EVENT, { input: eventInput("Signed with the new key") });
    expect(created.createEvent.result.organizerId).toBe(demo.organizer.sub);
    const overGrpc = await rpc(grpcClient.createEvent, grpcEventRequestTitled("New key over gRPC"), newToken);
    expect(overGrpc.error).toBeUndefined();
    // The old key is still published (passive), so its tokens still work.
    expect((await graphql(oldToken, "{ __typename }")).status).toBe(200);

    // Retire the old key: remove its provider.
    await removeKeyProvider(oldKey!.providerId);
    expect((await realmKeys()).map((k) => k.kid)).not.toContain(oldKid);

    // Refused as soon as the service refetches the set (at most JWKS_MAX_AGE s); bounded wait.
    const deadline = Date.now() + (JWKS_MAX_AGE + 20) * 1000;
    let status = 200;
    while (Date.now() < deadline) {
      status = (await graphql(oldToken, "{ __typename }")).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(401);
    await expectRefused(oldToken, "unknown signing key");

    // New tokens keep working, and it was the same process all along.
    expect((await graphql(newToken, "{ __typename }")).status).toBe(200);
    expect((await rpc(grpcClient.listFavorites, { pageSize: 1, pageToken: "" }, newToken)).error).toBeUndefined();
    expect(service.pid).toBe(pidBefore);
  });
});
