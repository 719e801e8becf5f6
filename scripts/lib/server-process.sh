# Sourced by scripts/kafka.sh and scripts/keycloak.sh: the pid file of a
# server the script started, and stopping it. The sourcing script defines
# $pidfile, $port and log().

# Prints the pid of our running server; a stale pid file is removed.
running_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    echo "$pid"
    return 0
  fi
  rm -f "$pidfile"
  return 1
}

# stop_server [group]: SIGTERM, wait up to 30 s (a clean shutdown takes 1–3 s),
# then SIGKILL the pid, or with "group" its whole process group (a launcher
# script started with setsid and the JVM under it).
stop_server() {
  local pid
  if ! pid="$(running_pid)"; then
    log "not running on port $port"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= 300)); then
      if [[ "${1:-}" == group ]]; then
        log "pid $pid did not stop after SIGTERM; sending SIGKILL to its process group"
        kill -KILL -- "-$pid" 2>/dev/null || true
      else
        log "pid $pid did not stop after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$pidfile"
  log "stopped (pid $pid)"
}
