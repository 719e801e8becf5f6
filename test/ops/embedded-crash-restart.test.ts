/*
 * `npm start` (role `all`, embedded PostgreSQL in DATA_DIR/postgres) after a
 * hard kill: the real node process is killed with SIGKILL and started again
 * on the same DATA_DIR; it must become ready with the data written before.
 * Before src/db/postmaster.ts the orphaned postmaster kept the data
 * directory's lock file and the port, and the second start failed.
 *
 *   1. kill -9 of the node process (its watchdog stops the postmaster, or
 *      the next start does, whichever comes first);
 *   2. kill -9 of the node process and of the watchdog: the postmaster is
 *      left running, orphaned; the next start stops it (fast shutdown);
 *   3. a postmaster.pid whose pid now belongs to another process (reboot,
 *      new container): PostgreSQL refuses it; the start removes it.
 *
 * Every process the test starts (and every postmaster of its DATA_DIR) is
 * stopped at the end.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPostmasterPid } from "../../src/db/postmaster.ts";
import { lowPorts } from "../helpers/ports.ts";

const dataDir = mkdtempSync(join(tmpdir(), "aquastream-crash-"));
const pgDir = join(dataDir, "postgres");
let ports: { http: number; grpc: number; pg: number };

interface Service {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  messages(): { msg?: string; [key: string]: unknown }[];
}

const children: ChildProcess[] = [];
/** Postmasters and watchdogs seen, for the clean-up. */
const seenPids = new Set<number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** A process of this test's data directory: a postmaster working in it, or a watchdog naming it. */
function ofOurDataDir(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(pgDir) || cmdline.includes(pgDir);
  } catch {
    return false;
  }
}

async function until(what: string, done: () => boolean | Promise<boolean>, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`never happened: ${what}`);
}

/** `npm start`'s command (the node process itself, no npm or sh in between), waited for until /readyz is 200. */
async function startService(): Promise<Service> {
  const child = spawn("node", ["--import", "tsx", "src/main.ts", "all"], {
    env: {
      ...process.env,
      DATABASE_URL: "",
      DATABASE_API_URL: "",
      ROOT_DATABASE_URL: "",
      SHADOW_DATABASE_URL: "",
      DATA_DIR: dataDir,
      HTTP_PORT: String(ports.http),
      GRPC_PORT: String(ports.grpc),
      ADMIN_PORT: "0",
      EMBEDDED_POSTGRES_PORT: String(ports.pg),
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const service: Service = {
    child,
    exited,
    output: () => out,
    messages: () =>
      out
        .split("\n")
        .filter((line) => line.startsWith("{") && line.endsWith("}"))
        .map((line) => JSON.parse(line) as { msg?: string }),
  };
  await until("npm start to become ready", async () => {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${out}`);
    try {
      return (await fetch(`http://127.0.0.1:${ports.http}/readyz`)).status === 200;
    } catch {
      return false; // not listening yet
    }
  }, 720);
  const started = service.messages().find((l) => l.msg === "embedded PostgreSQL started")!;
  for (const pid of [started.pid, started.watchdogPid]) if (typeof pid === "number") seenPids.add(pid);
  return service;
}

async function kill9(service: Service): Promise<void> {
  service.child.kill("SIGKILL");
  await service.exited;
}

/** Runs `sql` as the embedded superuser in the service's database. */
async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> {
  const password = readFileSync(join(dataDir, "postgres.password"), "utf8").trim();
  const client = new pg.Client({ host: "127.0.0.1", port: ports.pg, user: "postgres", password, database: "aquastream" });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function notes(): Promise<string[]> {
  return (await query<{ note: string }>("select note from crash_probe order by note")).map((r) => r.note);
}

let service: Service | undefined;

beforeAll(async () => {
  // Below the ephemeral range: the same ports serve four starts, and a port
  // freed by a kill must not go to someone else's connection meanwhile.
  const [http, grpc, pgPort] = await lowPorts(3, 1);
  ports = { http: http!, grpc: grpc!, pg: pgPort! };
});

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
  }
  // Whatever is left of ours: watchdogs, postmasters (fast shutdown, then immediate).
  const current = readPostmasterPid(pgDir);
  if (current) seenPids.add(current.pid);
  const ours = [...seenPids].filter((pid) => alive(pid) && ofOurDataDir(pid));
  for (const pid of ours) process.kill(pid, "SIGINT");
  await until("the test's PostgreSQL to stop", () => ours.every((pid) => !alive(pid)), 120).catch(() => {
    for (const pid of ours) if (alive(pid)) process.kill(pid, "SIGQUIT");
  });
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe("npm start after the node process was killed with SIGKILL", () => {
  it("starts again on the same DATA_DIR with the data written before", { timeout: 300_000 }, async () => {
    service = await startService();
    await query("create table crash_probe (note text primary key)");
    await query("insert into crash_probe values ('1: before the first kill -9')");
    const postmaster = readPostmasterPid(pgDir)!.pid;

    await kill9(service);
    service = await startService();
    expect(await notes()).toEqual(["1: before the first kill -9"]);
    expect(readPostmasterPid(pgDir)!.pid).not.toBe(postmaster);
    expect(alive(postmaster)).toBe(false);
  });

  it("stops a PostgreSQL left running (its watchdog killed too) and starts its own", { timeout: 300_000 }, async () => {
    await query("insert into crash_probe values ('2: before the orphan')");
    const started = service!.messages().find((l) => l.msg === "embedded PostgreSQL started")!;
    const postmaster = started.pid as number;
    expect(readPostmasterPid(pgDir)!.pid).toBe(postmaster);
    process.kill(started.watchdogPid as number, "SIGKILL");
    await kill9(service!);
    // The fault: the postmaster outlived its parent and still holds the data directory.
    expect(alive(postmaster)).toBe(true);
    expect(readPostmasterPid(pgDir)!.pid).toBe(postmaster);

    service = await startService();
    expect(service.messages().some((l) => l.msg?.startsWith("a PostgreSQL left running by an earlier process") && l.pid === postmaster)).toBe(true);
    expect(alive(postmaster)).toBe(false);
    expect(await notes()).toEqual(["1: before the first kill -9", "2: before the orphan"]);
  });

  it("removes a postmaster.pid whose pid another process now has", { timeout: 300_000 }, async () => {
    const lockFile = readFileSync(join(pgDir, "postmaster.pid"), "utf8");
    service!.child.kill("SIGTERM");
    expect(await service!.exited).toBe(0);
    // A process PostgreSQL may signal (as root it runs as the user postgres),
    // standing for whatever took the number after a reboot.
    const asPostgres =
      process.getuid?.() === 0
        ? { uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })), gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })) }
        : {};
    const other = spawn("sleep", ["600"], { ...asPostgres, stdio: "ignore" });
    children.push(other);
    await until("the stand-in process to run", () => other.pid !== undefined && alive(other.pid));
    const lines = lockFile.split("\n");
    lines[0] = String(other.pid);
    writeFileSync(join(pgDir, "postmaster.pid"), lines.join("\n"));

    service = await startService();
    expect(service.messages().some((l) => l.msg?.includes("its pid was reused") && l.pid === other.pid)).toBe(true);
    expect(alive(other.pid!)).toBe(true); // never touched
    expect(await notes()).toEqual(["1: before the first kill -9", "2: before the orphan"]);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    other.kill("SIGKILL");
  });
});
