/*
 * Tracing switch, loaded before the service with `node --import` (package.json
 * scripts, docker/entrypoint.sh): when OTEL_EXPORTER_OTLP_ENDPOINT is set,
 * registers the ESM instrumentation hook and starts the OpenTelemetry SDK
 * (src/tracing/sdk.ts) before any instrumented module (http, express,
 * grpc-js, pg) is loaded. Unset: this file is all that runs; the SDK is never
 * imported, so tracing off costs nothing.
 */
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();

if (endpoint) {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    console.error(`configuration error: OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL, got "${endpoint}"`);
    process.exit(2);
  }
  const { register } = await import("node:module");
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  await import("./sdk.ts");
}

export {};
