/*
 * scripts/keycloak.sh finds a Java 21+ JDK by itself (the machine's default
 * java is 17) and says clearly when there is none, before downloading
 * anything. The JDKs here are stand-ins: directories whose bin/java answers
 * `-XshowSettings:properties -version` like a real one of that version, so
 * every case (17 only, 21 in JAVA_HOME, several installed, none) can be set up.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/db/migrations.ts";

const exec = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), "aquastream-kc-script-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A directory of stand-in JDKs of the given major versions; returns it and each JDK's home. */
function jvmDir(name: string, versions: number[]): { dir: string; home: Record<number, string> } {
  const dir = join(root, name);
  const home: Record<number, string> = {};
  for (const version of versions) {
    home[version] = join(dir, `jdk-${version}`);
    mkdirSync(join(home[version], "bin"), { recursive: true });
    const java = join(home[version], "bin", "java");
    writeFileSync(java, `#!/bin/sh\necho "    java.specification.version = ${version}" >&2\necho "openjdk version \\"${version}\\"" >&2\n`);
    chmodSync(java, 0o755);
  }
  mkdirSync(dir, { recursive: true });
  return { dir, home };
}

async function script(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec("bash", [`${projectRoot}/scripts/keycloak.sh`, ...args], {
      env: { PATH: process.env.PATH!, KEYCLOAK_CACHE_DIR: join(root, "cache"), JAVA_HOME: "", KEYCLOAK_JAVA_HOME: "", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("scripts/keycloak.sh: which Java", () => {
  it("takes the newest Java 21+ JDK installed when JAVA_HOME is the default Java 17", async () => {
    const { dir, home } = jvmDir("several", [17, 21, 25]);
    const result = await script(["java"], { KEYCLOAK_JVM_DIR: dir, JAVA_HOME: home[17]! });
    expect(result).toMatchObject({ code: 0, stdout: `${home[25]}\n` });
  });

  it("uses JAVA_HOME when it is Java 21 or newer", async () => {
    const { dir, home } = jvmDir("java-home-21", [21, 25]);
    const result = await script(["java"], { KEYCLOAK_JVM_DIR: dir, JAVA_HOME: home[21]! });
    expect(result).toMatchObject({ code: 0, stdout: `${home[21]}\n` });
  });

  it("refuses a KEYCLOAK_JAVA_HOME older than 21, naming it", async () => {
    const { dir, home } = jvmDir("explicit-17", [17, 25]);
    const result = await script(["java"], { KEYCLOAK_JVM_DIR: dir, KEYCLOAK_JAVA_HOME: home[17]! });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`KEYCLOAK_JAVA_HOME=${home[17]} is Java 17; Keycloak 26.7.3 needs Java 21 or newer`);
  });

  it("with only Java 17 about, start stops before downloading anything and says what to install", async () => {
    const { dir, home } = jvmDir("only-17", [17]);
    const result = await script(["start", "18497"], { KEYCLOAK_JVM_DIR: dir, JAVA_HOME: home[17]! });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no Java 21+ JDK found (looked at KEYCLOAK_JAVA_HOME, JAVA_HOME and ${dir}/*)`);
    expect(result.stderr).toContain("install e.g. a Temurin 25 JDK and set KEYCLOAK_JAVA_HOME to it");
    expect(result.stderr).not.toContain("fetching");
  });

  it("status of a port where nothing was started: stopped, exit 3", async () => {
    expect(await script(["status", "18497"], {})).toMatchObject({ code: 3, stdout: "stopped\n" });
  });
});
