/*
 * A worker started before its database is reachable (a pod scheduled before
 * PostgreSQL, a loaded machine where connecting takes longer than the pool's
 * timeout) waits for it instead of exiting: the real worker process is
 * pointed at a port where nothing listens yet; once it says it waits, a TCP
 * forwarder to the real PostgreSQL opens there, and the runner starts through it.
 */
import { afterAll, describe, expect, inject, it } from "vitest";
import { forward, type Forwarder } from "../helpers/forwarder.ts";
import { lowPorts } from "../helpers/ports.ts";
import { startWorkerProcess, type WorkerProcess } from "./worker-process.ts";

let forwarder: Forwarder | undefined;
let worker: WorkerProcess | undefined;

afterAll(async () => {
  await worker?.stop().catch(() => {});
  await forwarder?.close();
});

describe("worker start-up", () => {
  it("waits for a database that is not reachable yet, then starts its runner", { timeout: 120_000 }, async () => {
    const real = new URL(inject("databaseUrl"));
    // Below the ephemeral range: the port stays free until the forwarder opens there.
    const [port] = (await lowPorts(1, 3)) as [number];
    const away = new URL(real);
    away.hostname = "127.0.0.1";
    away.port = String(port);

    // The forwarder opens once the worker has been refused and said it
    // waits (a fixed delay lost the race on a loaded machine: the worker's
    // first attempt came after the forwarder had opened).
    worker = await startWorkerProcess({ DATABASE_URL: away.toString() }, { waitForRunner: false });
    await worker.logLine((l) => l.msg === "database not reachable yet; worker runner waits for it", "the worker to wait for its database");
    forwarder = await forward(port, real);
    await worker.logLine((l) => l.msg === "worker runner started", "the worker's runner to start");
    const messages = worker.logLines().map((l) => l.msg);
    const waited = messages.indexOf("database not reachable yet; worker runner waits for it");
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(messages.indexOf("worker runner started")).toBeGreaterThan(waited);
    expect(worker.logLines().some((l) => l.msg === "start-up failed")).toBe(false);
    expect(await worker.stop()).toBe(0);
    worker = undefined;
  });
});
