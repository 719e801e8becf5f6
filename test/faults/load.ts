/*
 * Steady client load on a running API process for the fault tests: a few
 * loops of GraphQL and gRPC calls (a read and a write each), every answer
 * classified as ok, "retry" (the documented transient answers: GraphQL 503 +
 * Retry-After with code DBUNA/LMBSY/40001/40P01, gRPC UNAVAILABLE with
 * retry-after metadata) or "other" (anything else: INTERNAL, 500, a dropped
 * connection), and tagged with the phase the test was in when it was sent.
 */
import * as grpc from "@grpc/grpc-js";
import { EventServiceClient, ListEventsRequest } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";

export type Transport = "graphql" | "grpc";
export interface Outcome {
  phase: string;
  transport: Transport;
  operation: "read" | "write";
  kind: "ok" | "retry" | "other";
  /** The code of a retry answer, or what the other answer was. */
  detail: string;
}

const RETRY_CODES = new Set(["DBUNA", "LMBSY", "40001", "40P01"]);

const CREATE = `mutation FaultCreate($input: CreateEventInput!) { createEvent(input: $input) { result { rowId } } }`;
const READ = `query FaultRead { allEventCategories { nodes { rowId } } }`;

function eventInput(title: string) {
  const startsAt = new Date(Date.now() + 20 * 86400_000);
  return {
    title,
    description: "fault test",
    category: "sup",
    locationName: "Lake Onega",
    startsAt,
    endsAt: new Date(startsAt.getTime() + 3 * 3600_000),
    capacity: 5,
    bookingDeadlineHours: 1,
    crewRequired: false,
    priceTiers: [{ name: "Standard", price: "100", currency: "RUB" }],
  };
}

export async function graphqlOutcome(apiUrl: string, body: object, token?: string): Promise<Omit<Outcome, "phase" | "transport" | "operation">> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  } catch (error) {
    return { kind: "other", detail: `network: ${(error as Error).message} ${String((error as { cause?: unknown }).cause ?? "")}` };
  }
  const text = await response.text();
  let json: { errors?: { extensions?: { code?: string; status?: string } }[] };
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: "other", detail: `${response.status} ${text.slice(0, 200)}` };
  }
  if (response.status === 200 && !json.errors) return { kind: "ok", detail: "" };
  const codes = (json.errors ?? []).map((e) => e.extensions?.code ?? "?");
  const retryable =
    response.status === 503 &&
    response.headers.get("retry-after") !== null &&
    codes.length > 0 &&
    (json.errors ?? []).every((e) => e.extensions?.status === "UNAVAILABLE" && RETRY_CODES.has(e.extensions.code ?? ""));
  return retryable ? { kind: "retry", detail: codes[0]! } : { kind: "other", detail: `${response.status} ${text.slice(0, 300)}` };
}

export function grpcOutcome(error: grpc.ServiceError | null): Omit<Outcome, "phase" | "transport" | "operation"> {
  if (!error) return { kind: "ok", detail: "" };
  const code = String(error.metadata?.get("aquastream-error-code")[0] ?? "");
  if (error.code === grpc.status.UNAVAILABLE && RETRY_CODES.has(code) && error.metadata.get("retry-after").length === 1) {
    return { kind: "retry", detail: code };
  }
  return { kind: "other", detail: `${grpc.status[error.code]} ${code} ${error.details}` };
}

export interface Load {
  phase: string;
  readonly outcomes: Outcome[];
  count(filter: Partial<Outcome>): number;
  stop(): Promise<void>;
}

/** Starts `loops` GraphQL and `loops` gRPC call loops against the process; the organizer token writes. */
export function startLoad(apiUrl: string, grpcAddress: string, token: string, loops = 2): Load {
  const client = new EventServiceClient(grpcAddress, grpc.credentials.createInsecure());
  const outcomes: Outcome[] = [];
  let running = true;
  let n = 0;
  const load: Load = {
    phase: "before",
    outcomes,
    count: (filter) =>
      outcomes.filter((o) => Object.entries(filter).every(([k, v]) => o[k as keyof Outcome] === v)).length,
    async stop() {
      running = false;
      await Promise.all(workers);
      client.close();
    },
  };
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

  async function graphqlLoop() {
    while (running) {
      const phase = load.phase;
      const write = n++ % 2 === 0;
      const input = eventInput(`Fault GraphQL ${n}`);
      const outcome = write
        ? await graphqlOutcome(apiUrl, { query: CREATE, variables: { input: { ...input, startsAt: input.startsAt.toISOString(), endsAt: input.endsAt.toISOString() } } }, token)
        : await graphqlOutcome(apiUrl, { query: READ });
      outcomes.push({ phase, transport: "graphql", operation: write ? "write" : "read", ...outcome });
      await pause();
    }
  }

  async function grpcLoop() {
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    while (running) {
      const phase = load.phase;
      const write = n++ % 2 === 0;
      const input = eventInput(`Fault gRPC ${n}`);
      const error = await new Promise<grpc.ServiceError | null>((resolve) => {
        const options = { deadline: Date.now() + 15_000 };
        if (write) {
          client.createEvent(
            { ...input, startsAt: toTimestamp(input.startsAt), endsAt: toTimestamp(input.endsAt) },
            metadata,
            options,
            (e) => resolve(e),
          );
        } else {
          client.listEvents(ListEventsRequest.fromPartial({ pageSize: 1 }), metadata, options, (e) => resolve(e));
        }
      });
      outcomes.push({ phase, transport: "grpc", operation: write ? "write" : "read", ...grpcOutcome(error) });
      await pause();
    }
  }

  const workers = [
    ...Array.from({ length: loops }, () => graphqlLoop()),
    ...Array.from({ length: loops }, () => grpcLoop()),
  ];
  return load;
}
