#!/bin/sh
# Container entry point: the first argument chooses what this container is.
set -e
case "${1:-api}" in
  api)     exec node_modules/.bin/tsx src/main.ts api ;;
  worker)  exec node_modules/.bin/tsx src/main.ts worker ;;
  all)     exec node_modules/.bin/tsx src/main.ts all ;;
  migrate) exec node_modules/.bin/tsx src/db/cli.ts migrate ;;
  *)       exec "$@" ;;
esac
