/*
 * SIGTERM under steady keep-alive load, with real HTTP clients (node:http
 * agents keeping their connections open, as gateways do):
 *
 * - busy clients send mutations back to back on their kept-alive connection;
 * - idle clients made one request, kept the connection, and send their next
 *   request at the very moment the signal goes out.
 *
 * The process must exit 0 (a clean drain, nothing cut), every client must be
 * told to go by a `Connection: close` answer (and then find new connections
 * refused), no request sent on an open connection may be cut (no reset, no
 * hang-up: only refused new connections), and every mutation that committed
 * must have been answered to its caller: the committed rows are compared
 * with the answers received.
 */
import http from "node:http";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { loadDevIssuer } from "../../src/auth/dev-issuer.ts";
import { committingUser } from "../db/factories.ts";
import { testPool } from "../helpers/db.ts";
import { eventually } from "../helpers/eventually.ts";
import { startApiProcess, type ServiceProcess } from "../ops/service-process.ts";

const portBase = 20010 + (Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329) % 10000);
const run = randomBytes(4).toString("hex");
const CREATE = `mutation DrainCreate($input: CreateEventInput!) { createEvent(input: $input) { result { rowId title } } }`;

let service: ServiceProcess;
let token = "";

interface Answer {
  client: string;
  title: string;
  /** ok: a 200 with the created row; refused: a new connection was refused; failed: anything else. */
  kind: "ok" | "refused" | "failed";
  status?: number;
  connection?: string | undefined;
  detail?: string;
}

function input(title: string) {
  const startsAt = new Date(Date.now() + 30 * 86400_000);
  return {
    title,
    description: "drain test",
    category: "kayaking",
    locationName: "Vuoksi",
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 3600_000).toISOString(),
    capacity: 3,
    bookingDeadlineHours: 1,
    crewRequired: false,
    priceTiers: [{ name: "Standard", price: "10", currency: "RUB" }],
  };
}

/** One createEvent on `agent`'s kept-alive connection. */
function create(agent: http.Agent, client: string, title: string): Promise<Answer> {
  const body = JSON.stringify({ query: CREATE, variables: { input: input(title) } });
  return new Promise((resolve) => {
    const request = http.request(
      `${service.apiUrl}/graphql`,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: `Bearer ${token}` },
      },
      (response) => {
        let text = "";
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => {
          const ok = response.statusCode === 200 && !(JSON.parse(text) as { errors?: unknown }).errors;
          resolve({
            client,
            title,
            kind: ok ? "ok" : "failed",
            status: response.statusCode,
            connection: response.headers.connection,
            detail: ok ? undefined : text.slice(0, 300),
          });
        });
        response.on("error", (error) => resolve({ client, title, kind: "failed", detail: `response: ${error.message}` }));
      },
    );
    request.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ client, title, kind: error.code === "ECONNREFUSED" ? "refused" : "failed", detail: `${error.code}: ${error.message}` }),
    );
    request.end(body);
  });
}

/** Sends on its own keep-alive connection until a connection is refused (or something fails). */
async function clientLoop(name: string, agent: http.Agent, answers: Answer[], first?: Promise<void>): Promise<void> {
  await first;
  for (let i = 0; ; i++) {
    const answer = await create(agent, name, `drain-${run}-${name}-${i}`);
    answers.push(answer);
    if (answer.kind !== "ok") return;
  }
}

beforeAll(async () => {
  service = await startApiProcess(portBase, { RATE_LIMIT_MUTATIONS: "1000000", RATE_LIMIT_REQUESTS: "0", SHUTDOWN_TIMEOUT_MS: "10000" });
  const organizer = committingUser("organizer");
  token = await loadDevIssuer(loadConfig({ DATA_DIR: service.dataDir })).signDevToken({ role: organizer.roles, sub: organizer.sub });
}, 300_000);

afterAll(async () => {
  await service?.stop();
});

describe("SIGTERM under steady keep-alive load", () => {
  it("drains: every client is told to go, nothing sent on an open connection is cut, every committed mutation was answered, exit 0", { timeout: 180_000 }, async () => {
    const answers: Answer[] = [];
    const agents: http.Agent[] = [];
    const agent = () => {
      const a = new http.Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(a);
      return a;
    };

    // Idle clients: one request now, then the connection waits, kept alive.
    const idle = Array.from({ length: 3 }, (_, i) => ({ name: `idle${i}`, agent: agent() }));
    for (const c of idle) expect((await create(c.agent, c.name, `drain-${run}-${c.name}-warm`)).kind).toBe("ok");
    let release!: () => void;
    const signalSent = new Promise<void>((resolve) => (release = resolve));

    // Busy clients: back to back until refused.
    const busy = Array.from({ length: 6 }, (_, i) => clientLoop(`busy${i}`, agent(), answers));
    await eventually(async () => answers.filter((a) => a.kind === "ok").length >= 30, "steady load is under way", { tries: 2400 });

    const idleLoops = idle.map((c) => clientLoop(c.name, c.agent, answers, signalSent));
    process.kill(service.pid, "SIGTERM");
    release(); // the idle clients send at the signal
    const exitCode = await service.exited;
    await Promise.all([...busy, ...idleLoops]);
    for (const a of agents) a.destroy();

    expect(exitCode).toBe(0);
    const stopped = service.logLines().find((l) => l.msg === "stopped");
    expect(stopped).toMatchObject({ cutHttpRequests: 0 });

    // Nothing but refused new connections: no reset, no hang-up, no error answer.
    expect(answers.filter((a) => a.kind === "failed")).toEqual([]);
    // Every client was told to go: its last answer said Connection: close, then it was refused.
    for (const name of [...idle.map((c) => c.name), ...Array.from({ length: 6 }, (_, i) => `busy${i}`)]) {
      const mine = answers.filter((a) => a.client === name);
      expect(mine.at(-1)?.kind, name).toBe("refused");
      const lastAnswered = mine.filter((a) => a.kind === "ok").at(-1);
      expect(lastAnswered?.connection, name).toBe("close");
    }

    // Every committed mutation's caller got its answer (and no answer without a commit).
    const { rows } = await testPool().query<{ title: string }>("select title from app_public.event where title like $1", [
      `drain-${run}-%`,
    ]);
    const committed = rows.map((r) => r.title).filter((t) => !t.endsWith("-warm")).sort();
    const answered = answers.filter((a) => a.kind === "ok").map((a) => a.title).sort();
    expect(committed).toEqual(answered);
    expect(committed.length).toBeGreaterThanOrEqual(30);
  });
});
