/*
 * The crew client against the stub crew server over real gRPC: assignment
 * rules of the stub, and each way it can be told to misbehave.
 */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCrewClient, type CrewClient } from "../../src/crew/client.ts";
import { startCrewStub, type CrewStub } from "../../src/crew/stub-server.ts";
import { toTimestamp } from "../../src/grpc/convert.ts";

let stub: CrewStub;
let client: CrewClient;

beforeAll(async () => {
  stub = await startCrewStub({ crewCount: 2 });
  // A deadline a loaded CI machine always meets for a healthy stub; the slow
  // stub below sleeps well past it.
  client = createCrewClient({ address: `127.0.0.1:${stub.port}`, deadlineMs: 2_000, token: async () => "service-token" });
});
afterAll(async () => {
  client.close();
  await stub.close();
});
beforeEach(() => {
  Object.assign(stub.behaviour, { failTimes: 0, delayMs: 0, failCode: grpc.status.UNAVAILABLE });
});

function period(dayOffset: number) {
  const start = new Date(Date.UTC(2030, 0, 1 + dayOffset, 8));
  return { startsAt: toTimestamp(start), endsAt: toTimestamp(new Date(start.getTime() + 8 * 3600_000)) };
}

const assign = (eventId: string, day: number) =>
  client.assignCrew({ eventId, ...period(day), location: "Katun", participants: 10 });

describe("crew stub + client", () => {
  it("assigns a free crew per period, the same one again for the same event, and releases", async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const crewA = await assign(a, 0);
    expect(await assign(a, 0)).toBe(crewA);
    const crewB = await assign(b, 0);
    expect(crewB).not.toBe(crewA);
    await expect(assign(c, 0)).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    expect(await client.releaseCrew({ eventId: a, crewId: crewA })).toBe(true);
    expect(await client.releaseCrew({ eventId: a, crewId: crewA })).toBe(false);
    expect(await assign(c, 0)).toBe(crewA);
    await client.releaseCrew({ eventId: b, crewId: crewB });
    await client.releaseCrew({ eventId: c, crewId: crewA });
  });

  it("forwards the service token", async () => {
    await assign(randomUUID(), 10);
    expect(stub.calls.at(-1)?.authorization).toBe("Bearer service-token");
  });

  it("fails N times when told to, then succeeds", async () => {
    stub.behaviour.failTimes = 2;
    const event = randomUUID();
    await expect(assign(event, 20)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(assign(event, 20)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(await assign(event, 20)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a slow stub runs into the client's deadline", async () => {
    stub.behaviour.delayMs = 5_000;
    await expect(assign(randomUUID(), 30)).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
  });

  it("down is UNAVAILABLE; up again serves", async () => {
    await stub.down();
    // Let the client see its connection close (an in-flight call would be CANCELLED instead).
    await new Promise((r) => setTimeout(r, 200));
    await expect(assign(randomUUID(), 40)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await stub.up();
    // The channel reconnects with backoff; give it a few tries.
    let crew: string | undefined;
    for (let i = 0; i < 20 && !crew; i++) {
      crew = await assign(randomUUID(), 41).catch(() => undefined);
      if (!crew) await new Promise((r) => setTimeout(r, 250));
    }
    expect(crew).toMatch(/^[0-9a-f-]{36}$/);
  });
});
