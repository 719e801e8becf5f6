/*
 * Client for the crew service (proto/aquastream/crew/v1). Every call has a
 * deadline, so a slow crew service costs a worker job its timeout, never a
 * user's request (crew calls only happen in worker tasks). Identity: this
 * service's own token from `token()` (see README "Crew service"), because the
 * calls run later in the worker, when the user's token may have expired.
 */
import * as grpc from "@grpc/grpc-js";
import {
  CrewServiceClient,
  type AssignCrewRequest,
  type ReleaseCrewRequest,
} from "../gen/aquastream/crew/v1/crew_service.ts";

export interface CrewClient {
  assignCrew(request: AssignCrewRequest): Promise<string>;
  releaseCrew(request: ReleaseCrewRequest): Promise<boolean>;
  close(): void;
}

export interface CrewClientOptions {
  address: string;
  deadlineMs: number;
  token?: () => Promise<string | undefined>;
}

export function createCrewClient({ address, deadlineMs, token }: CrewClientOptions): CrewClient {
  const client = new CrewServiceClient(address, grpc.credentials.createInsecure());

  async function unary<Req, Res>(
    method: (req: Req, md: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown,
    request: Req,
  ): Promise<Res> {
    const metadata = new grpc.Metadata();
    const bearer = await token?.();
    if (bearer) metadata.set("authorization", `Bearer ${bearer}`);
    return new Promise((resolve, reject) =>
      method.call(client, request, metadata, { deadline: Date.now() + deadlineMs }, (error: grpc.ServiceError | null, response: Res) =>
        error ? reject(error) : resolve(response),
      ),
    );
  }

  return {
    assignCrew: async (request) => (await unary(client.assignCrew, request)).crewId,
    releaseCrew: async (request) => (await unary(client.releaseCrew, request)).released,
    close: () => client.close(),
  };
}
