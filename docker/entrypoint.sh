#!/bin/sh
# Container entry point: the first argument chooses what this container is.
# src/tracing/register.ts starts OpenTelemetry first when OTEL_EXPORTER_OTLP_ENDPOINT is set.
# node --import tsx: one process (the tsx CLI would add a parent that
# SIGKILLs the service when it does not answer a signal within 30 ms).
set -e
case "${1:-api}" in
  api)     exec node --import tsx --import ./src/tracing/register.ts src/main.ts api ;;
  worker)  exec node --import tsx --import ./src/tracing/register.ts src/main.ts worker ;;
  all)     exec node --import tsx --import ./src/tracing/register.ts src/main.ts all ;;
  migrate) exec node --import tsx src/db/cli.ts migrate ;;
  *)       exec "$@" ;;
esac
