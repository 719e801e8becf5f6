/*
 * The service as an operator runs it against Keycloak: `src/main.ts api` in
 * its own process (GraphQL over HTTP and gRPC), NODE_ENV=production (so the
 * development issuer is refused outright), configured only through the
 * environment, on free loopback ports.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { projectRoot } from "../../src/db/migrations.ts";
import { freePort } from "../helpers/ports.ts";

export interface RunningService {
  httpUrl: string;
  grpcAddress: string;
  pid: number;
  stop(): Promise<number | null>;
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`the service exited during start-up with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the service did not become ready in 60 s");
}

export async function startService(env: Record<string, string>): Promise<RunningService> {
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  // Node itself with tsx as a loader, not the tsx CLI: the CLI relays SIGTERM
  // through an IPC handshake with a 30 ms window and SIGKILLs the service when
  // a loaded machine misses it; the service must get the signal itself.
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "api"], {
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: "production",
      MIGRATE_ON_START: "false",
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: String(httpPort),
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: String(grpcPort),
      // gRPC on loopback in this test: production's refusal of plaintext is opted out explicitly.
      GRPC_ALLOW_PLAINTEXT: "true",
      ADMIN_PORT: String(await freePort()),
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  try {
    await waitReady(httpUrl, child);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    httpUrl,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}
