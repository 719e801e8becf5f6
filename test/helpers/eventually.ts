/*
 * Waiting for something another process does (a worker job, a cancelled
 * query). The bound is a liveness limit so a broken test ends, not a timing
 * assertion: the tests assert what happened, never how fast.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  what: string,
  { tries = 400, intervalMs = 50 } = {},
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`never happened: ${what}`);
}
