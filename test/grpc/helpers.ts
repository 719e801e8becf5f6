/*
 * A real EventService for gRPC tests: the production server on a random
 * port over the test database, a generated client, and tokens from the
 * development issuer (its own key in a temporary DATA_DIR).
 */
import { createPrivateKey, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { SignJWT } from "jose";
import { afterAll, beforeAll, expect, inject } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { createPool } from "../../src/db/pool.ts";
import { apiDatabaseUrl } from "../helpers/db.ts";
import { createVerifier } from "../../src/auth/verifier.ts";
import { DEV_ISSUER, loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { startGrpcServer, type GrpcServer } from "../../src/grpc/server.ts";
import { loadTicketSigningKey, ticketSigner } from "../../src/tickets/token.ts";
import { EventServiceClient, type CreateEventRequest, type Event } from "../../src/gen/aquastream/event/v1/event_service.ts";
import type { TestUser } from "../helpers/db.ts";

/** Who calls: a test user (a dev token is signed for it), a raw `authorization` value, or nobody. */
export type Caller = TestUser | string | null;

export interface CallResult<Res> {
  response?: Res;
  error?: grpc.ServiceError;
}

/** The four-argument overload of a generated client method (the one TS infers from). */
type Method<Req, Res> = (
  req: Req,
  md: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  cb: (err: grpc.ServiceError | null, res: Res) => void,
) => grpc.ClientUnaryCall;

export interface GrpcTestApi {
  readonly client: EventServiceClient;
  /** The owner's pool, for inspecting rows the callers may not see (the server has its own, as the authenticator). */
  readonly pool: ReturnType<typeof createPool>;
  readonly port: number;
  metadataFor(as: Caller): Promise<grpc.Metadata>;
  /** A token of the development issuer that expired two minutes ago (beyond the 30 s tolerance). */
  expiredToken(user: TestUser): Promise<string>;
  /** Calls a unary RPC; resolves with the response or the ServiceError. */
  call<Req, Res>(method: Method<Req, Res>, request: Req, as?: Caller, options?: Partial<grpc.CallOptions>): Promise<CallResult<Res>>;
  /** Like call(), and also hands out the ClientUnaryCall (to cancel it). */
  start<Req, Res>(method: Method<Req, Res>, request: Req, as?: Caller, options?: Partial<grpc.CallOptions>): Promise<{ call: grpc.ClientUnaryCall; result: Promise<CallResult<Res>> }>;
}

/** Starts one server and client for the file (beforeAll) and stops them afterwards. */
export function useGrpcApi(): GrpcTestApi {
  const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "aquastream-grpc-")), LOG_LEVEL: "silent" });
  const issuer = loadDevIssuer(config);
  const pool = createPool(inject("databaseUrl"), 4, "test-grpc-owner");
  const serverPool = createPool(apiDatabaseUrl(), 10, "test-grpc");
  let server: GrpcServer | undefined;
  let client: EventServiceClient | undefined;

  beforeAll(async () => {
    server = await startGrpcServer("127.0.0.1", 0, {
      pool: serverPool,
      verifier: createVerifier(config),
      ticketSigner: ticketSigner(loadTicketSigningKey({ dataDir: config.dataDir, production: false })!),
    });
    client = new EventServiceClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await server?.close(1000);
    await Promise.all([pool.end(), serverPool.end()]);
  });

  const api: GrpcTestApi = {
    get client() {
      return client!;
    },
    pool,
    get port() {
      return server!.port;
    },
    async metadataFor(as) {
      const metadata = new grpc.Metadata();
      if (typeof as === "string") metadata.set("authorization", as);
      else if (as) metadata.set("authorization", `Bearer ${await issuer.signDevToken({ role: as.roles, sub: as.sub })}`);
      return metadata;
    },
    async expiredToken(user) {
      const jwk = JSON.parse(readFileSync(issuer.keyFile, "utf8")) as import("node:crypto").JsonWebKey;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ realm_access: { roles: user.roles } })
        .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: issuer.kid })
        .setIssuer(DEV_ISSUER)
        .setSubject(user.sub)
        .setAudience(issuer.audience)
        .setIssuedAt(now - 3600)
        .setExpirationTime(now - 120)
        .setJti(randomUUID())
        .sign(createPrivateKey({ key: jwk, format: "jwk" }));
    },
    async start(method, request, as = null, options = {}) {
      const md = await api.metadataFor(as);
      let call!: grpc.ClientUnaryCall;
      const result = new Promise<CallResult<never>>((resolve) => {
        call = method.call(client, request, md, { deadline: Date.now() + 10_000, ...options }, (error, response) =>
          resolve(error ? { error } : { response: response as never }),
        );
      });
      return { call, result };
    },
    async call(method, request, as = null, options = {}) {
      return (await api.start(method, request, as, options)).result;
    },
  };
  return api;
}

/** The SQLSTATE the server put in the trailing metadata. */
export const errorCode = (error: grpc.ServiceError | undefined) => error?.metadata.get("aquastream-error-code")[0];
/** The argument the server named as at fault. */
export const errorField = (error: grpc.ServiceError | undefined) => error?.metadata.get("aquastream-error-field")[0];

/*
 * Creating (and publishing) an event is the first step of most gRPC flow
 * tests; these two spare each file the calls and their success checks.
 */

/** CreateEvent with `request` as `organizer`, which must succeed; the event as created (a draft). */
export async function createOverGrpc(api: GrpcTestApi, organizer: Caller, request: CreateEventRequest): Promise<Event> {
  const created = await api.call(api.client.createEvent, request, organizer);
  expect(created.error).toBeUndefined();
  return created.response!.event!;
}

/** CreateEvent then PublishEvent as `organizer`, both must succeed; the event as PublishEvent answers it. */
export async function createAndPublishOverGrpc(api: GrpcTestApi, organizer: Caller, request: CreateEventRequest): Promise<Event> {
  const created = await createOverGrpc(api, organizer, request);
  const published = await api.call(api.client.publishEvent, { id: created.id }, organizer);
  expect(published.error).toBeUndefined();
  return published.response!.event!;
}
