/*
 * TLS for gRPC: the server's credentials, reloaded from their files while
 * the server runs, and the channel credentials of our own clients.
 *
 * Why our own credentials class: grpc-js (1.14) lets a server swap its
 * secure context (`ServerCredentials.updateSecureContextOptions`, which calls
 * `setSecureContext` on the listening HTTP/2 server), but its file-watching
 * certificate provider reads the certificate and the key independently and,
 * when a rotation is caught half-way (new certificate, old key), drops every
 * new connection until the next poll. Here a pair is only taken when it
 * loads as one secure context (the key matches the certificate); otherwise
 * the previous pair keeps serving and the next poll tries again. Swapping the
 * context changes what new handshakes get; established connections and the
 * calls on them are untouched.
 *
 * cert-manager (and any Kubernetes Secret volume) replaces the files by
 * swapping a symlink, so the files are polled by content, not watched by
 * inode.
 */
import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import { X509Certificate } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { ConfigError } from "../config/env.ts";
import type { GrpcTlsFiles } from "../config/transport.ts";
import { logger } from "../log/logger.ts";

export interface LoadedPair {
  cert: Buffer;
  key: Buffer;
  ca: Buffer | undefined;
  /** What the log says about the certificate: serial, subject, expiry. */
  summary: { serial: string; subject: string; validTo: string };
}

/** Reads the files and checks they make one secure context; throws a ConfigError naming the variable at fault. */
export function loadTlsFiles(files: GrpcTlsFiles): LoadedPair {
  const read = (path: string, variable: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(variable, `cannot read ${path}: ${(error as Error).message}`);
    }
  };
  const cert = read(files.certFile, "GRPC_TLS_CERT_FILE");
  const key = read(files.keyFile, "GRPC_TLS_KEY_FILE");
  const ca = files.clientCaFile ? read(files.clientCaFile, "GRPC_TLS_CLIENT_CA_FILE") : undefined;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new ConfigError("GRPC_TLS_CERT_FILE", `${files.certFile} is not a PEM certificate: ${(error as Error).message}`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new ConfigError("GRPC_TLS_KEY_FILE", `${files.keyFile} is not the private key of ${files.certFile}: ${(error as Error).message}`);
  }
  if (ca) {
    try {
      createSecureContext({ ca });
    } catch (error) {
      throw new ConfigError("GRPC_TLS_CLIENT_CA_FILE", `${files.clientCaFile} is not a PEM CA bundle: ${(error as Error).message}`);
    }
  }
  return { cert, key, ca, summary: { serial: x509.serialNumber, subject: x509.subject, validTo: x509.validTo } };
}

const same = (a: Buffer | undefined, b: Buffer | undefined) => (a && b ? a.equals(b) : a === b);

/**
 * Server credentials from certificate files, re-read every `reloadIntervalMs`.
 * With a client CA, clients must present a certificate it signed (mutual TLS).
 */
export class ReloadingServerCredentials extends grpc.ServerCredentials {
  private current: LoadedPair;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly files: GrpcTlsFiles,
    reloadIntervalMs: number,
  ) {
    const first = loadTlsFiles(files);
    const mutual = files.clientCaFile !== undefined;
    super({ requestCert: mutual, rejectUnauthorized: mutual }, ReloadingServerCredentials.contextOf(first));
    this.current = first;
    logger.info({ certificate: first.summary, mutualTls: mutual }, "gRPC TLS certificate loaded");
    if (reloadIntervalMs > 0) {
      this.timer = setInterval(() => this.reload(), reloadIntervalMs);
      this.timer.unref();
    }
  }

  private static contextOf(pair: LoadedPair): SecureContextOptions {
    return { cert: pair.cert, key: pair.key, ...(pair.ca ? { ca: pair.ca } : {}) };
  }

  /** Reads the files again; a changed, valid pair serves from the next handshake on. Returns whether it changed. */
  reload(): boolean {
    let next: LoadedPair;
    try {
      next = loadTlsFiles(this.files);
    } catch (error) {
      // Mid-rotation or a broken Secret: keep serving the last good pair.
      logger.warn({ err: error }, "gRPC TLS files not reloaded; the previous certificate keeps serving");
      return false;
    }
    if (same(next.cert, this.current.cert) && same(next.key, this.current.key) && same(next.ca, this.current.ca)) return false;
    this.current = next;
    this.updateSecureContextOptions(ReloadingServerCredentials.contextOf(next));
    logger.info({ certificate: next.summary }, "gRPC TLS certificate reloaded");
    return true;
  }

  /** The certificate new connections get. */
  get certificate(): LoadedPair["summary"] {
    return this.current.summary;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}
