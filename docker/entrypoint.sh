#!/bin/sh
# Container entry point: the first argument chooses what this container is.
# src/tracing/register.ts starts OpenTelemetry first when OTEL_EXPORTER_OTLP_ENDPOINT is set.
# node --import tsx: one process (the tsx CLI would add a parent that
# SIGKILLs the service when it does not answer a signal within 30 ms).
# --max-semi-space-size=8: V8's young generation capped at 8 MB per semi-space
# (Node 24 lets it grow to 32 MB on a big host): about 50 MB less resident
# memory per process for a few more, cheap scavenges (docs/benchmarks.md).
set -e
case "${1:-api}" in
  api)     exec node --max-semi-space-size=8 --import tsx --import ./src/tracing/register.ts src/main.ts api ;;
  worker)  exec node --max-semi-space-size=8 --import tsx --import ./src/tracing/register.ts src/main.ts worker ;;
  all)     exec node --max-semi-space-size=8 --import tsx --import ./src/tracing/register.ts src/main.ts all ;;
  migrate) exec node --import tsx src/db/cli.ts migrate ;;
  *)       exec "$@" ;;
esac
