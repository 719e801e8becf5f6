/*
 * `npm run crew-stub`: the stub crew service on CREW_STUB_PORT (default 50061).
 *   CREW_STUB_CREWS=3         crews in the pool
 *   CREW_STUB_FAIL_TIMES=0    fail this many calls first (UNAVAILABLE)
 *   CREW_STUB_DELAY_MS=0      answer every call this late
 *   CREW_STUB_TLS_CERT_FILE / CREW_STUB_TLS_KEY_FILE   serve TLS (PEM files)
 *   CREW_STUB_TLS_CLIENT_CA_FILE                       and require client certificates it signed
 * Point the service at it with CREW_SERVICE_ADDRESS=127.0.0.1:50061.
 */
import { readFileSync } from "node:fs";
import { startCrewStub } from "./stub-server.ts";

const number = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) {
    console.error(`${name} must be a whole number, got "${raw}"`);
    process.exit(2);
  }
  return Number(raw);
};

const file = (name: string) => (process.env[name] ? readFileSync(process.env[name]!) : undefined);
const cert = file("CREW_STUB_TLS_CERT_FILE");
const key = file("CREW_STUB_TLS_KEY_FILE");
if (!!cert !== !!key) {
  console.error("CREW_STUB_TLS_CERT_FILE and CREW_STUB_TLS_KEY_FILE go together");
  process.exit(2);
}

const stub = await startCrewStub({
  tls: cert && key ? { cert, key, clientCa: file("CREW_STUB_TLS_CLIENT_CA_FILE") } : undefined,
  host: process.env.CREW_STUB_HOST ?? "127.0.0.1",
  port: number("CREW_STUB_PORT", 50061),
  crewCount: number("CREW_STUB_CREWS", 3),
});
stub.behaviour.failTimes = number("CREW_STUB_FAIL_TIMES", 0);
stub.behaviour.delayMs = number("CREW_STUB_DELAY_MS", 0);
console.log(`crew stub listening on ${stub.port}${cert ? " (TLS)" : ""} with crews ${stub.crews.join(", ")}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void stub.close().then(() => process.exit(0)));
}
