/*
 * Test certificates, made during the run with the machine's openssl into a
 * temporary directory (never committed): certificate authorities, and
 * server/client certificates they sign (EC P-256, valid a day).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Issued {
  certFile: string;
  keyFile: string;
  /** The certificate's serial: upper-case hex without leading zeros (see serialOf). */
  serial: string;
}

export interface TestCa {
  name: string;
  certFile: string;
  keyFile: string;
  /** Issues a certificate for `cn`, with DNS/IP SANs, for a server or a client. */
  issue(cn: string, options?: { sans?: string[]; client?: boolean }): Issued;
}

const openssl = (args: string[], cwd: string) => execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });

/** A fresh directory for one file's certificates. */
export function certDir(): string {
  return mkdtempSync(join(tmpdir(), "aquastream-certs-"));
}

let serialCounter = 0;

export function makeCa(dir: string, name: string): TestCa {
  const certFile = join(dir, `${name}-ca.crt`);
  const keyFile = join(dir, `${name}-ca.key`);
  openssl(
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", `/CN=${name} test CA`, "-keyout", keyFile, "-out", certFile,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    dir,
  );
  return {
    name,
    certFile,
    keyFile,
    issue(cn, { sans = ["DNS:localhost", "IP:127.0.0.1"], client = false } = {}) {
      serialCounter += 1;
      const base = join(dir, `${name}-${cn.replace(/[^\w.-]/g, "_")}-${serialCounter}`);
      const ext = `${base}.ext`;
      writeFileSync(
        ext,
        [
          "basicConstraints=CA:FALSE",
          "keyUsage=critical,digitalSignature,keyEncipherment",
          `extendedKeyUsage=${client ? "clientAuth" : "serverAuth"}`,
          ...(sans.length > 0 ? [`subjectAltName=${sans.join(",")}`] : []),
        ].join("\n"),
      );
      openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", `/CN=${cn}`,
        "-keyout", `${base}.key`, "-out", `${base}.csr`], dir);
      // A distinct, known serial per certificate, so a test can tell which one a handshake got.
      const serial = (Date.now() * 1000 + serialCounter).toString(16).toUpperCase();
      openssl(["x509", "-req", "-in", `${base}.csr`, "-CA", certFile, "-CAkey", keyFile, "-set_serial", `0x${serial}`,
        "-days", "1", "-extfile", ext, "-out", `${base}.crt`], dir);
      return { certFile: `${base}.crt`, keyFile: `${base}.key`, serial };
    },
  };
}

/** A serial as Node's X509Certificate/PeerCertificate prints it, normalized like Issued.serial. */
export const serialOf = (printed: string): string => printed.toUpperCase().replace(/^0+/, "");

export const pem = (file: string): Buffer => readFileSync(file);
