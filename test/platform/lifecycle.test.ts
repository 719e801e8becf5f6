/*
 * The embedded default as a user runs it: `tsx src/main.ts all` with no
 * DATABASE_URL starts an embedded PostgreSQL, migrates, serves GraphQL,
 * probes and gRPC health (the API logged in as aquastream_authenticator,
 * never the superuser: pg_stat_activity), and on SIGTERM drains and exits 0. A second start on
 * the same DATA_DIR keeps the data.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

const dataDir = mkdtempSync(join(tmpdir(), "aquastream-lifecycle-"));
// Below the kernel's ephemeral range (32768+), so no server another test file
// started on port 0 can be sitting on these ports and answer /readyz for us.
const base = 20000 + (process.pid % 12000);
const ports = { http: base, grpc: base + 1, pg: base + 2 };

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function start(logLevel = "warn"): ChildProcess {
  return spawn("node", ["--import", "tsx", "src/main.ts", "all"], {
    env: {
      ...process.env,
      DATABASE_URL: "",
      DATA_DIR: dataDir,
      HTTP_PORT: String(ports.http),
      GRPC_PORT: String(ports.grpc),
      ADMIN_PORT: "0", // any free port: /metrics is not what this test is about
      EMBEDDED_POSTGRES_PORT: String(ports.pg),
      LOG_LEVEL: logLevel,
    },
    stdio: ["ignore", logLevel === "warn" ? "inherit" : "pipe", "inherit"],
  });
}

async function waitReady(): Promise<Response> {
  for (let i = 0; i < 120; i++) {
    try {
      const response = await fetch(`http://127.0.0.1:${ports.http}/readyz`);
      if (response.status === 200) return response;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("service did not become ready in 60 s");
}

function grpcHealth(): Promise<string> {
  const def = protoLoader.loadSync(healthProtoPath, { enums: String });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${ports.grpc}`, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.check!({ service: "" }, { deadline: Date.now() + 5000 }, (error: Error | null, reply: { status: string }) => {
      client.close();
      return error ? reject(error) : resolve(reply.status);
    }),
  );
}

/**
 * Who the API's connections are logged in as (pg_stat_activity, read as the
 * embedded superuser with the password the service generated in DATA_DIR).
 */
async function apiLogins(): Promise<string[]> {
  const password = readFileSync(join(dataDir, "postgres.password"), "utf8").trim();
  const client = new pg.Client({ connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${ports.pg}/aquastream` });
  await client.connect();
  try {
    const { rows } = await client.query<{ usename: string }>(
      "select distinct usename from pg_stat_activity where application_name = 'aquastream-event:api'",
    );
    return rows.map((row) => row.usename);
  } finally {
    await client.end();
  }
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    // One process, as `npm start` runs it (node --import tsx): the signal
    // reaches the service itself.
    child.kill("SIGTERM");
  });
}

describe("npm start on the embedded default", () => {
  it("serves probes, GraphQL and gRPC health, then drains and exits 0 on SIGTERM", { timeout: 180_000 }, async () => {
    const child = start();
    try {
      const ready = await waitReady();
      expect(await ready.json()).toEqual({ ready: true, checks: { database: "ok", migrations: "ok" } });
      expect((await fetch(`http://127.0.0.1:${ports.http}/healthz`)).status).toBe(200);
      const gql = await fetch(`http://127.0.0.1:${ports.http}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ allEventCategories { nodes { rowId } } }" }),
      });
      const body = (await gql.json()) as { data: { allEventCategories: { nodes: { rowId: string }[] } } };
      expect(body.data.allEventCategories.nodes.map((n) => n.rowId)).toContain("rafting");
      expect(await grpcHealth()).toBe("SERVING");
      expect(await apiLogins()).toEqual(["aquastream_authenticator"]);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it("a SIGTERM in the middle of start-up still ends in a drain and exit 0", { timeout: 180_000 }, async () => {
    const child = start("info");
    let output = "";
    // The signal goes out once the migrations ran: the HTTP server, gRPC and
    // the worker are still to start, so the process is half-started.
    const exit = new Promise<number | null>((resolve) => {
      child.once("exit", (code) => resolve(code));
      child.stdout!.on("data", (chunk: Buffer) => {
        const before = output;
        output += chunk.toString();
        if (!before.includes("database migrated") && output.includes("database migrated")) child.kill("SIGTERM");
      });
    });
    expect(await exit).toBe(0);
    expect(output).toContain("shutting down: draining");
    expect(output).toContain('"msg":"stopped"');
  });

  it("starts again on the same data directory", { timeout: 180_000 }, async () => {
    const child = start();
    try {
      await waitReady();
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });
});
