/*
 * Client TLS settings read the same way for every outgoing connection (the
 * crew service, the Kafka brokers): <PREFIX>_CA_FILE, <PREFIX>_CERT_FILE and
 * <PREFIX>_KEY_FILE name PEM files, read at start-up so a wrong path stops
 * the process naming the variable; a flag variable turns TLS on (by default
 * whenever a file is set).
 */
import { readFileSync } from "node:fs";
import { bool, ConfigError, str, type Env } from "./env.ts";

export interface TlsFiles {
  /** undefined: the system's roots. */
  ca: Buffer | undefined;
  cert: Buffer | undefined;
  key: Buffer | undefined;
}

function pemFile(env: Env, name: string): Buffer | undefined {
  const path = str(env, name);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(name, `cannot read ${path}: ${(error as Error).message}`);
  }
}

/** The files of `<prefix>_*_FILE` and whether `flag` turns TLS on; undefined: plaintext. */
export function loadTlsFiles(env: Env, prefix: string, flag: string): TlsFiles | undefined {
  const ca = pemFile(env, `${prefix}_CA_FILE`);
  const cert = pemFile(env, `${prefix}_CERT_FILE`);
  const key = pemFile(env, `${prefix}_KEY_FILE`);
  if (!!cert !== !!key) {
    throw new ConfigError(cert ? `${prefix}_KEY_FILE` : `${prefix}_CERT_FILE`, `${prefix}_CERT_FILE and ${prefix}_KEY_FILE go together`);
  }
  const on = bool(env, flag, ca !== undefined || cert !== undefined);
  if (!on && (ca || cert)) throw new ConfigError(flag, `is false but ${prefix}_* files are set`);
  return on ? { ca, cert, key } : undefined;
}
