/*
 * A stand-in for the crew service, for development and tests: a small pool
 * of crews, each assigned to at most one event at a time per period. It can
 * be told to fail the next N calls, to answer slowly, or to go down, so the
 * retry and failure paths of crew assignment can be exercised for real over
 * gRPC. Not for production.
 */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import {
  CrewServiceService,
  type AssignCrewRequest,
  type AssignCrewResponse,
  type CrewServiceServer,
  type ReleaseCrewRequest,
  type ReleaseCrewResponse,
} from "../gen/aquastream/crew/v1/crew_service.ts";

interface Assignment {
  crewId: string;
  eventId: string;
  startsAt: number;
  endsAt: number;
}

export interface StubBehaviour {
  /** Fail this many upcoming calls (AssignCrew or ReleaseCrew) with `failCode`. */
  failTimes: number;
  failCode: grpc.status;
  /** Answer every call after this delay. */
  delayMs: number;
}

export interface CrewStub {
  port: number;
  crews: readonly string[];
  behaviour: StubBehaviour;
  /** Every call received, in order (for tests). */
  calls: { method: "AssignCrew" | "ReleaseCrew"; eventId: string; authorization?: string; onBehalfOf?: string }[];
  assignments(): readonly Assignment[];
  /** Stops listening (the service is "down"); `up()` listens again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const seconds = (t: { seconds: string; nanos: number } | undefined) =>
  t ? Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6) : NaN;

export interface CrewStubOptions {
  host?: string;
  port?: number;
  crewCount?: number;
  /** Serve TLS with this certificate (PEM); with clientCa, require client certificates it signed. */
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer | undefined };
}

export async function startCrewStub(options: CrewStubOptions = {}): Promise<CrewStub> {
  const host = options.host ?? "127.0.0.1";
  const crews = Array.from({ length: options.crewCount ?? 3 }, () => randomUUID());
  let assignments: Assignment[] = [];
  const behaviour: StubBehaviour = { failTimes: 0, failCode: grpc.status.UNAVAILABLE, delayMs: 0 };
  const calls: CrewStub["calls"] = [];

  async function gate(method: "AssignCrew" | "ReleaseCrew", eventId: string, metadata: grpc.Metadata) {
    calls.push({
      method,
      eventId,
      authorization: metadata.get("authorization")[0]?.toString(),
      onBehalfOf: metadata.get("aquastream-on-behalf-of")[0]?.toString(),
    });
    if (behaviour.delayMs > 0) await new Promise((r) => setTimeout(r, behaviour.delayMs));
    if (behaviour.failTimes > 0) {
      behaviour.failTimes--;
      throw Object.assign(new Error("crew stub told to fail"), { code: behaviour.failCode });
    }
  }

  const implementation: CrewServiceServer = {
    assignCrew: (call: grpc.ServerUnaryCall<AssignCrewRequest, AssignCrewResponse>, callback) => {
      const req = call.request;
      gate("AssignCrew", req.eventId, call.metadata).then(
        () => {
          const startsAt = seconds(req.startsAt);
          const endsAt = seconds(req.endsAt);
          if (!req.eventId || !(endsAt > startsAt)) {
            callback({ code: grpc.status.INVALID_ARGUMENT, details: "event_id and a period are required" }, null);
            return;
          }
          const existing = assignments.find((a) => a.eventId === req.eventId);
          if (existing) {
            callback(null, { crewId: existing.crewId });
            return;
          }
          const free = crews.find(
            (crewId) => !assignments.some((a) => a.crewId === crewId && a.startsAt < endsAt && startsAt < a.endsAt),
          );
          if (!free) {
            callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: "no crew is free for this period" }, null);
            return;
          }
          assignments.push({ crewId: free, eventId: req.eventId, startsAt, endsAt });
          callback(null, { crewId: free });
        },
        (error: grpc.ServiceError) => callback(error, null),
      );
    },
    releaseCrew: (call: grpc.ServerUnaryCall<ReleaseCrewRequest, ReleaseCrewResponse>, callback) => {
      const req = call.request;
      gate("ReleaseCrew", req.eventId, call.metadata).then(
        () => {
          const before = assignments.length;
          assignments = assignments.filter((a) => !(a.eventId === req.eventId && a.crewId === req.crewId));
          callback(null, { released: assignments.length < before });
        },
        (error: grpc.ServiceError) => callback(error, null),
      );
    },
  };

  const credentials = () =>
    options.tls
      ? grpc.ServerCredentials.createSsl(
          options.tls.clientCa ?? null,
          [{ cert_chain: options.tls.cert, private_key: options.tls.key }],
          options.tls.clientCa !== undefined,
        )
      : grpc.ServerCredentials.createInsecure();
  let server: grpc.Server | undefined;
  let port = options.port ?? 0;
  async function listen() {
    server = new grpc.Server();
    server.addService(CrewServiceService, implementation);
    port = await new Promise<number>((resolve, reject) =>
      server!.bindAsync(`${host}:${port}`, credentials(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
  }
  await listen();

  return {
    get port() {
      return port;
    },
    crews,
    behaviour,
    calls,
    assignments: () => assignments,
    down: async () => {
      server?.forceShutdown();
      server = undefined;
    },
    up: listen,
    close: async () => {
      server?.forceShutdown();
      server = undefined;
    },
  };
}
