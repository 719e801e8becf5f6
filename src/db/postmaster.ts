/*
 * The embedded PostgreSQL after its parent died (src/db/embedded.ts).
 *
 * The postmaster is a child of the node process but does not die with it: a
 * node process killed with SIGKILL (the OOM killer, `kill -9`, a hard crash)
 * left it running, orphaned, holding DATA_DIR/postgres/postmaster.pid and
 * the port, and the next `npm start` failed ("lock file postmaster.pid
 * already exists"). Two parts:
 *
 *   - takeOverDataDirectory, at start: a postmaster.pid that names a live
 *     PostgreSQL of THIS data directory (its /proc cwd is the directory and
 *     its executable is `postgres`) is an orphan of an earlier process: it is
 *     stopped (fast shutdown, then immediate, each waited for with a bound)
 *     before ours starts. A pid file whose pid now belongs to some other
 *     process (a reboot or a new container reused the number) is stale and
 *     removed: PostgreSQL would refuse to start on it. One whose process is
 *     gone is left to PostgreSQL, which replaces it itself. A process that
 *     cannot be identified is never touched.
 *   - watchPostmaster, after start: a small shell process whose stdin is a
 *     pipe from us. When we die, however we die, the kernel closes the pipe;
 *     the watchdog then asks the postmaster for a fast shutdown, if the pid
 *     file still names it. A clean stop kills the watchdog first. Should the
 *     watchdog be killed too, the next start's take-over still applies.
 *
 * Linux only (/proc); elsewhere a leftover postmaster is reported, not stopped.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { Logger } from "pino";

/** How long a fast shutdown of a leftover postmaster may take before it is shut down immediately. */
export const FAST_SHUTDOWN_WAIT_MS = 30_000;
/** How long the immediate shutdown may take before start-up gives up. */
const IMMEDIATE_SHUTDOWN_WAIT_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid and data directory lines of `dir`/postmaster.pid, or undefined when there is none. */
export function readPostmasterPid(dir: string): { pid: number; dataDir: string } | undefined {
  let text: string;
  try {
    text = readFileSync(resolve(dir, "postmaster.pid"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const [pidLine = "", dataDir = ""] = text.split("\n");
  // A single-user backend writes its pid negated; we never stop one.
  const pid = Number(pidLine.trim());
  return Number.isInteger(pid) && pid > 0 ? { pid, dataDir: dataDir.trim() } : undefined;
}

/** Whether `pid` is a running process (a zombie is not: it has exited, only its parent has not reaped it). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, owned by a user we may not signal.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc, or not ours to read: it answered kill(0)
  }
}

/**
 * "ours": a PostgreSQL whose working directory is `dir` (the postmaster
 * changes into its data directory); "foreign": a process that provably is
 * not one; "unknown": it could not be inspected (no /proc, no permission).
 */
function identify(pid: number, dir: string): "ours" | "foreign" | "unknown" {
  let cwd: string;
  let argv0: string;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
    argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
  } catch {
    return "unknown";
  }
  const isPostgres = basename(argv0) === "postgres";
  return isPostgres && cwd === realpathSync(dir) ? "ours" : "foreign";
}

async function waitUntilGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return true;
    await sleep(100);
  }
  return !isRunning(pid);
}

/**
 * Makes `dir` (a PostgreSQL data directory) free for a postmaster of ours:
 * stops a PostgreSQL an earlier process of ours left running in it, removes
 * a pid file whose pid now names another process. Throws when a leftover
 * postmaster does not stop.
 */
export async function takeOverDataDirectory(dir: string, log: Logger): Promise<void> {
  const entry = readPostmasterPid(dir);
  if (!entry) return;
  const { pid } = entry;
  if (!isRunning(pid)) {
    log.info({ pid }, "postmaster.pid names a process that is gone (an unclean stop): PostgreSQL replaces it");
    return;
  }
  const who = identify(pid, dir);
  if (who === "unknown") {
    log.warn({ pid, dir }, "postmaster.pid names a running process that cannot be inspected (no /proc, or another user's): left alone");
    return;
  }
  if (who === "foreign") {
    // The number was reused (reboot, new container): PostgreSQL would take
    // the live process for a postmaster and refuse to start.
    log.warn({ pid, dir }, "postmaster.pid names a process that is not a PostgreSQL of this data directory (its pid was reused): removed the stale lock file");
    rmSync(resolve(dir, "postmaster.pid"), { force: true });
    return;
  }
  log.warn(
    { pid, dir },
    "a PostgreSQL left running by an earlier process (killed, or crashed) holds the data directory: stopping it (fast shutdown)",
  );
  process.kill(pid, "SIGINT");
  if (await waitUntilGone(pid, FAST_SHUTDOWN_WAIT_MS)) return;
  log.warn({ pid, waitedMs: FAST_SHUTDOWN_WAIT_MS }, "the leftover PostgreSQL did not stop: immediate shutdown (crash recovery at our start)");
  process.kill(pid, "SIGQUIT");
  if (await waitUntilGone(pid, IMMEDIATE_SHUTDOWN_WAIT_MS)) return;
  throw new Error(`the PostgreSQL left running in ${dir} (PID ${pid}) does not stop; stop it, then start again`);
}

// POSIX sh builtins only (the image's sh has no procps): block until stdin
// ends, then signal the postmaster if the pid file still names it.
const WATCHDOG_SCRIPT = 'while read -r _; do :; done; read -r pid < "$1/postmaster.pid" && [ "$pid" = "$2" ] && kill -INT "$2"';

/**
 * Starts the watchdog of the postmaster `pid` running in `dir`: when this
 * process ends without stopping it, the postmaster gets a fast shutdown.
 * Kill the returned process (SIGKILL) before stopping the postmaster yourself.
 */
export function watchPostmaster(dir: string, pid: number, log: Logger): ChildProcess | undefined {
  if (process.platform === "win32") return undefined;
  const watchdog = spawn("/bin/sh", ["-c", WATCHDOG_SCRIPT, "aquastream-postgres-watchdog", dir, String(pid)], {
    // Its own session: a terminal's Ctrl-C or a signal to our process group
    // does not take it away before it is needed.
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  watchdog.on("error", (error) => log.warn({ err: error.message }, "the embedded PostgreSQL's watchdog did not start"));
  // Neither the child nor the pipe keeps this process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}
