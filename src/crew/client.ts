/*
 * Client for the crew service (proto/aquastream/crew/v1). Every call has a
 * deadline, so a slow crew service costs a worker job its timeout, never a
 * user's request (crew calls only happen in worker tasks).
 *
 * Identity (docs/crew.md, "Identity"): each call carries this service's own
 * token (`authorization: Bearer …`, from Keycloak by client credentials or a
 * fixed CREW_SERVICE_TOKEN; src/crew/jobs.ts), not the user's JWT:
 * the calls run later in the worker, when the user's token may have expired,
 * and releases happen with no user at all (cancellations by the system). Who
 * asked goes along as the metadata `aquastream-on-behalf-of: <subject>`, for
 * the crew service's audit, never as a credential.
 *
 * Transport: TLS with the configured CA (and our client certificate for
 * mutual TLS) when `tls` is given; plaintext otherwise, and then the token is
 * only ever sent to a loopback address (config refuses the rest; the check
 * here makes sure no other path sends it).
 */
import * as grpc from "@grpc/grpc-js";
import {
  CrewServiceClient,
  type AssignCrewRequest,
  type ReleaseCrewRequest,
} from "../gen/aquastream/crew/v1/crew_service.ts";
import { crewCalls, crewDuration, secondsSince } from "../metrics/registry.ts";
import { isLoopbackAddress, type CrewTls } from "./config.ts";

/** Who the call is made for (the Keycloak subject that published/canceled), when a person did. */
export interface CrewCallContext {
  onBehalfOf?: string | null;
}

export interface CrewClient {
  assignCrew(request: AssignCrewRequest, context?: CrewCallContext): Promise<string>;
  releaseCrew(request: ReleaseCrewRequest, context?: CrewCallContext): Promise<boolean>;
  close(): void;
}

export interface CrewClientOptions {
  address: string;
  deadlineMs: number;
  token?: () => Promise<string | undefined>;
  /** TLS to the crew service; absent: plaintext. */
  tls?: CrewTls | undefined;
}

export function createCrewClient({ address, deadlineMs, token, tls }: CrewClientOptions): CrewClient {
  const credentials = tls
    ? grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null)
    : grpc.credentials.createInsecure();
  const tokenAllowed = tls !== undefined || isLoopbackAddress(address);
  const client = new CrewServiceClient(address, credentials, {
    // After an outage the channel reconnects at most this long after the
    // service is back (gRPC's default grows to 120 s, longer than a job's
    // retry delay, so retries would keep failing against a healthy service).
    "grpc.max_reconnect_backoff_ms": 5_000,
  });

  // Every call is counted by method and outcome (OK or the gRPC status name).
  async function unary<Req, Res>(
    name: string,
    method: (req: Req, md: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown,
    request: Req,
    context: CrewCallContext = {},
  ): Promise<Res> {
    const started = performance.now();
    const metadata = new grpc.Metadata();
    try {
      const bearer = await token?.();
      if (bearer && !tokenAllowed) {
        throw new Error(`refusing to send the crew service token in plaintext to ${address} (configure CREW_TLS_CA_FILE)`);
      }
      if (bearer) metadata.set("authorization", `Bearer ${bearer}`);
      if (context.onBehalfOf) metadata.set("aquastream-on-behalf-of", context.onBehalfOf);
      const response = await new Promise<Res>((resolve, reject) =>
        method.call(client, request, metadata, { deadline: Date.now() + deadlineMs }, (error: grpc.ServiceError | null, response: Res) =>
          error ? reject(error) : resolve(response),
        ),
      );
      crewCalls.inc({ method: name, outcome: "OK" });
      return response;
    } catch (error) {
      const code = (error as Partial<grpc.ServiceError>).code;
      crewCalls.inc({ method: name, outcome: code === undefined ? "CLIENT_ERROR" : (grpc.status[code] ?? "UNKNOWN") });
      throw error;
    } finally {
      crewDuration.observe({ method: name }, secondsSince(started));
    }
  }

  return {
    assignCrew: async (request, context) => (await unary("AssignCrew", client.assignCrew, request, context)).crewId,
    releaseCrew: async (request, context) => (await unary("ReleaseCrew", client.releaseCrew, request, context)).released,
    close: () => client.close(),
  };
}
