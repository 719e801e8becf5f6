/*
 * Configuration refusals, as a function and as the real process: every
 * loader throws a ConfigError naming the variable, and the service exits
 * with code 2 naming it on stderr.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ConfigError, type Env } from "../../src/config/env.ts";

const exec = promisify(execFile);

/** The ConfigError `load(env)` throws; fails the test if it throws nothing or something else. */
export function configRefusal(load: (env: Env) => unknown, env: Env): ConfigError {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

/** Starts `src/main.ts <role>` with `env` added and returns how it ended (it must end by itself). */
export async function serviceExit(role: "all" | "api" | "worker", env: Env): Promise<{ code: number; stderr: string }> {
  return exec("tsx", ["src/main.ts", role], { env: { ...process.env, LOG_LEVEL: "silent", ...env } }).then(
    () => ({ code: 0, stderr: "" }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}
