/*
 * The API process holds no owner connection at all: `npm run start:api`'s
 * command over the test database (migrated, so app_private.applied_migrations()
 * is there) answers /readyz, GraphQL and gRPC, and every connection it holds
 * to PostgreSQL is logged in as the authenticator. Its connections are found
 * exactly, whatever other test files do on the same server: the process's
 * own TCP sockets (/proc/<pid>/fd and /proc/<pid>/net/tcp*) give their local
 * ports, which pg_stat_activity shows as client_port.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EventServiceClient } from "../../src/gen/aquastream/event/v1/event_service.ts";
import { startApiProcess, type ServiceProcess } from "../ops/service-process.ts";

const root = new pg.Pool({ connectionString: inject("databaseUrl"), max: 1 });
const databasePort = Number(new URL(inject("databaseUrl")).port || 5432);
let service: ServiceProcess;

beforeAll(async () => {
  service = await startApiProcess(20000 + (process.pid % 9000), {}, "api");
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await root.end();
});

/** Local ports of the process's TCP connections to the database server. */
function databaseSocketPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ["tcp", "tcp6"]) {
    let text = "";
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const [, local, remote, state] = fields;
      const inode = fields[9]!;
      // 01 = ESTABLISHED; the remote side is the database's port.
      if (state !== "01" || !inodes.has(inode)) continue;
      if (parseInt(remote!.split(":")[1]!, 16) !== databasePort) continue;
      ports.push(parseInt(local!.split(":")[1]!, 16));
    }
  }
  return ports;
}

describe("the API process's database connections", () => {
  it("are all the authenticator's: no owner connection, readiness included", { timeout: 60_000 }, async () => {
    const ready = await fetch(`${service.apiUrl}/readyz`);
    expect(await ready.json()).toEqual({ ready: true, checks: { database: "ok", migrations: "ok" } });
    // A GraphQL request and a gRPC call, so the pool holds connections for both.
    const gql = await fetch(`${service.apiUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ allEventCategories(first: 1) { nodes { rowId } } }" }),
    });
    expect(gql.status).toBe(200);
    const client = new EventServiceClient(service.grpcAddress, grpc.credentials.createInsecure());
    await new Promise<void>((resolve, reject) => client.listCategories({}, (error) => (error ? reject(error) : resolve())));
    client.close();

    const ports = databaseSocketPorts(service.pid);
    expect(ports.length).toBeGreaterThan(0);
    const { rows } = await root.query<{ client_port: number; usename: string }>(
      "select client_port, usename from pg_stat_activity where client_port = any($1::int[])",
      [ports],
    );
    // Every socket is a session PostgreSQL knows, and each is the authenticator's.
    expect(rows.map((row) => row.client_port).sort()).toEqual([...ports].sort());
    expect(new Set(rows.map((row) => row.usename))).toEqual(new Set(["aquastream_authenticator"]));
    // Readiness again (it reads the migrations) with the owner still absent.
    expect((await fetch(`${service.apiUrl}/readyz`)).status).toBe(200);
    const after = await root.query<{ usename: string }>(
      "select usename from pg_stat_activity where client_port = any($1::int[])",
      [databaseSocketPorts(service.pid)],
    );
    expect(new Set(after.rows.map((row) => row.usename))).toEqual(new Set(["aquastream_authenticator"]));
  });
});
