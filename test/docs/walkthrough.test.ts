/*
 * The walk-throughs run as written. The service is started as `npm start`
 * starts it (package.json's own command, role `all`, the embedded
 * PostgreSQL in a DATA_DIR of its own, the crew stub as `npm run crew-stub`
 * would serve it); each walk-through's ```sh blocks are read out of the
 * markdown (test/docs/markdown-shell.ts) and run in order in one bash, so
 * variables carry from block to block as in a reader's terminal; the output
 * must show every `# {…}` line the page says you will see, and no tool may
 * have failed (jq, npm, bash).
 *
 * What differs from a reader's machine, and only that: the ports (several
 * suites share this machine), so the test writes this service's address
 * where the page says 127.0.0.1:8080 (GraphQL) and 54329 (the embedded
 * PostgreSQL), its DATA_DIR where the page says .data/, and gives
 * `npm run token` / `npm run grpc` the same DATA_DIR and GRPC_PORT.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCrewStub, type CrewStub } from "../../src/crew/stub-server.ts";
import { freePort, isFree } from "../helpers/ports.ts";
import { missingOutput, sectionBlocks, type ShellBlock } from "./markdown-shell.ts";

/** Each walk-through: the sections it reads, in order, in one shell. */
const walkthroughs: Record<string, [file: string, heading: string][]> = {
  "README: create, publish and find an event; docs/bookings.md: book, pay, refund": [
    ["README.md", "Create, publish and find an event"],
    ["docs/bookings.md", "Try it with curl (embedded default)"],
  ],
  "docs/waitlist.md: from sold out to checked in (#18)": [["docs/waitlist.md", "Try it with curl: from sold out to checked in"]],
  "docs/tickets.md: tokens, offline verification, scans": [["docs/tickets.md", "Try it with curl: tokens, offline verification, scans"]],
  "docs/reviews.md: reviews, votes, moderation, replies": [
    ["docs/reviews.md", "Try it with curl (embedded default)"],
    ["docs/reviews.md", "Organizer replies and admin reviews"],
  ],
  "docs/grpc.md: the whole journey over gRPC": [["docs/grpc.md", "Walk-through: the whole journey"]],
};

const dataDir = mkdtempSync(join(tmpdir(), "aquastream-walkthrough-"));
let ports: { http: number; grpc: number; pg: number };
let service: ChildProcess;
let serviceOutput = "";
let crew: CrewStub;

/**
 * Ports below the kernel's ephemeral range (32768+) when free, so no server
 * another suite started on port 0 can take one between the check and the
 * bind, and answer /readyz for ours; else any free ones.
 */
async function choosePorts(): Promise<typeof ports> {
  const base = 21000 + ((process.pid * 7) % 11000);
  if ((await isFree(base)) && (await isFree(base + 1)) && (await isFree(base + 2))) return { http: base, grpc: base + 1, pg: base + 2 };
  return { http: await freePort(), grpc: await freePort(), pg: await freePort() };
}

beforeAll(async () => {
  ports = await choosePorts();
  crew = await startCrewStub({ crewCount: 3 });
  const start = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts.start!;
  service = spawn("sh", ["-c", `exec ${start}`], {
    env: {
      ...process.env,
      DATABASE_URL: "",
      DATA_DIR: dataDir,
      HTTP_PORT: String(ports.http),
      GRPC_PORT: String(ports.grpc),
      ADMIN_PORT: "0",
      EMBEDDED_POSTGRES_PORT: String(ports.pg),
      CREW_SERVICE_ADDRESS: `127.0.0.1:${crew.port}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const collect = (chunk: Buffer) => (serviceOutput += chunk.toString());
  service.stdout!.on("data", collect);
  service.stderr!.on("data", collect);
  for (let i = 0; ; i++) {
    if (service.exitCode !== null) throw new Error(`npm start exited (${service.exitCode}):\n${serviceOutput}`);
    if (i === 720) throw new Error(`npm start did not become ready in 3 minutes:\n${serviceOutput}`);
    try {
      if ((await fetch(`http://127.0.0.1:${ports.http}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}, 240_000);

afterAll(async () => {
  if (service && service.exitCode === null) {
    const exited = new Promise((resolve) => service.once("exit", resolve));
    service.kill("SIGTERM");
    // A service that hangs in its shutdown is killed (the failure says why); then its PostgreSQL is stopped.
    const timer = setTimeout(() => service.kill("SIGKILL"), 60_000);
    await exited;
    clearTimeout(timer);
  }
  try {
    const postmaster = Number(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
    if (postmaster > 0) process.kill(postmaster, "SIGINT");
    await new Promise((r) => setTimeout(r, 2000));
  } catch {
    // stopped with the service
  }
  await crew?.close();
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

/** The page's text with this service's addresses where the page names the default ones. */
function localize(script: string): string {
  return script
    .replaceAll("127.0.0.1:8080", `127.0.0.1:${ports.http}`)
    .replaceAll("127.0.0.1:54329", `127.0.0.1:${ports.pg}`)
    .replaceAll(".data/", `${dataDir}/`);
}

/**
 * Runs the blocks in one bash (stderr into stdout, as a terminal shows both);
 * the output of each block. The script is a file, so commands that read
 * standard input (npm, node) find it empty, as in a terminal, instead of
 * eating the rest of the script.
 */
function runBlocks(blocks: ShellBlock[]): Promise<string[]> {
  const marker = (i: number) => `@@walkthrough block ${i}@@`;
  const script = ["exec 2>&1", ...blocks.flatMap((block, i) => [`echo '${marker(i)}'`, localize(block.script)])].join("\n");
  const file = join(dataDir, `walkthrough-${blocks[0]!.where.replace(/[^a-z0-9]+/gi, "-")}.sh`);
  writeFileSync(file, script);
  const { DATABASE_URL: _owner, DATABASE_API_URL: _api, ...env } = process.env;
  const bash = spawn("bash", [file], {
    env: { ...env, DATA_DIR: dataDir, GRPC_PORT: String(ports.grpc) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  bash.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    bash.once("error", reject);
    bash.once("close", (code, signal) => {
      if (!output.includes(marker(0))) {
        reject(new Error(`bash printed nothing of the walk-through (exit ${code ?? signal}):\n${output}\n--- npm start:\n${serviceOutput}`));
        return;
      }
      const parts = blocks.map((_, i) => {
        const from = output.indexOf(marker(i));
        if (from < 0) return "";
        const to = i + 1 < blocks.length ? output.indexOf(marker(i + 1)) : output.length;
        return output.slice(from + marker(i).length, to < 0 ? output.length : to);
      });
      resolve(parts);
    });
  });
}

/** Lines that mean a tool in the walk-through failed, whatever the page expects. */
const failures = /^(jq: |bash: |.*: command not found|npm (ERR|error)|curl: \(|token: )/m;

describe("walk-throughs run as written", () => {
  it.concurrent.each(Object.entries(walkthroughs))(
    "%s",
    async (_name, sections) => {
      const blocks = sections.flatMap(([file, heading]) => sectionBlocks(file, heading));
      const expectedCount = blocks.reduce((n, block) => n + block.expected.length, 0);
      expect(expectedCount, "the walk-through shows some output to check").toBeGreaterThan(2);
      const outputs = await runBlocks(blocks);
      expect(service.exitCode, `npm start stopped during the walk-through:\n${serviceOutput}`).toBeNull();
      const ready = await fetch(`http://127.0.0.1:${ports.http}/readyz`).then((r) => r.status, (e: Error) => e.message);
      expect(ready, `npm start no longer answers /readyz:\n${serviceOutput}`).toBe(200);
      blocks.forEach((block, i) => {
        const output = outputs[i]!;
        expect(output, `${block.where}: a tool failed`).not.toMatch(failures);
        expect(missingOutput(output, block.expected), `${block.where}: output shown on the page but not printed:\n${output}\n--- npm start's warnings and errors (the end):\n${serviceOutput.slice(-4000)}`).toEqual([]);
      });
    },
    600_000,
  );
});
