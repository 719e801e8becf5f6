/*
 * The backup jobs of k8s/ and docker-compose.yml cannot run here (no cluster,
 * no Docker engine), but their shell scripts can: each is run as written
 * against the test database with the machine's pg_dump, writing into a
 * temporary directory instead of /backups, and the file it leaves must be a
 * complete custom-format archive that pg_restore can read.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import YAML from "yaml";

const exec = promisify(execFile);
const databaseUrl = inject("databaseUrl");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const cronJob = YAML.parseAllDocuments(readFileSync("k8s/backup-cronjob.yaml", "utf8"))
  .map((d) => d.toJS() as Record<string, any>)
  .find((o) => o.kind === "CronJob")!;
const compose = YAML.parse(readFileSync("docker-compose.yml", "utf8"), { merge: true }) as Record<string, any>;

/** Runs a backup script with /backups pointed at a fresh directory; returns the files it left. */
async function runScript(script: string): Promise<{ dir: string; files: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "aquastream-backup-job-"));
  dirs.push(dir);
  await exec("/bin/sh", ["-c", script.replaceAll("/backups", dir)], { env: { ...process.env, DATABASE_URL: databaseUrl } });
  return { dir, files: readdirSync(dir) };
}

async function expectCompleteArchive(path: string): Promise<void> {
  const { stdout } = await exec("pg_restore", ["--list", path], { maxBuffer: 16 * 1024 * 1024 });
  expect(stdout).toContain("Format: CUSTOM");
  expect(stdout).toMatch(/TABLE DATA app_public booking/);
  expect(stdout).toMatch(/TABLE DATA app_private outbox/);
}

describe("k8s backup CronJob", () => {
  const pod = cronJob.spec.jobTemplate.spec.template.spec;

  it("never runs two dumps at once and keeps the dumps on their own volume", () => {
    expect(cronJob.spec.concurrencyPolicy).toBe("Forbid");
    expect(pod.volumes[0].persistentVolumeClaim.claimName).toBe("aquastream-event-backups");
    expect(pod.containers[0].volumeMounts[0].mountPath).toBe("/backups");
  });

  it("uses the same PostgreSQL major version as the database it dumps", () => {
    expect(pod.containers[0].image).toBe(compose.services.postgres.image);
  });

  it("its script writes one complete archive, renamed only when complete", async () => {
    const { dir, files } = await runScript(pod.containers[0].args[0]);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^aquastream-\d{8}T\d{6}Z\.dump$/);
    await expectCompleteArchive(join(dir, files[0]!));
  });
});

describe("docker compose backup service", () => {
  const service = compose.services.backup;

  it("is opt-in (profile) and uses the database's image", () => {
    expect(service.profiles).toEqual(["backup"]);
    expect(service.image).toBe(compose.services.postgres.image);
  });

  it("its command writes one complete archive", async () => {
    // Compose turns $$ into $ before the shell sees it.
    const { dir, files } = await runScript(String(service.command[0]).replaceAll("$$", "$"));
    expect(files).toHaveLength(1);
    await expectCompleteArchive(join(dir, files[0]!));
  });
});
