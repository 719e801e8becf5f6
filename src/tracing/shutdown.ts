/*
 * Flushing traces on shutdown: the SDK (when tracing is on) registers its
 * shutdown here, and main.ts awaits shutdownTracing() before it exits, so the
 * spans of the last requests are exported. With tracing off it does nothing.
 */
let shutdown: (() => Promise<void>) | undefined;

export function onTracingShutdown(fn: () => Promise<void>): void {
  shutdown = fn;
}

export async function shutdownTracing(): Promise<void> {
  await shutdown?.().catch(() => {});
}
