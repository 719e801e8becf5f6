#!/usr/bin/env bash
#
# A real Keycloak on loopback, for development and the auth end-to-end suite,
# with the realm `aquastream` imported from keycloak/aquastream-realm.json.
# No Docker: the server distribution (org.keycloak:keycloak-quarkus-dist, a
# zip) comes from Maven Central through Maven into .cache/keycloak/ (ignored
# by git), and runs in dev mode (`kc.sh start-dev`) on a Java 21+ JDK.
#
#   scripts/keycloak.sh start   [port]   fetch (first time), unpack, import the realm, start, wait for the realm
#   scripts/keycloak.sh stop    [port]   SIGTERM, wait, then SIGKILL if it will not go
#   scripts/keycloak.sh status  [port]   "running pid … on http://127.0.0.1:port" or "stopped" (exit 3)
#   scripts/keycloak.sh fetch            only download the distribution
#   scripts/keycloak.sh java             print the JDK it would run Keycloak with
#   scripts/keycloak.sh reset   [port]   stop and delete this port's server copy and its data
#
# Environment (all optional):
#   KEYCLOAK_PORT            HTTP port (default 8180); the second argument wins.
#                            The management interface (health) listens on port + 1.
#   KEYCLOAK_VERSION         distribution version from Maven Central (default 26.7.3)
#   KEYCLOAK_JAVA_HOME       the JDK to run it with; else JAVA_HOME if it is Java 21+,
#                            else the newest Java 21+ JDK under KEYCLOAK_JVM_DIR
#   KEYCLOAK_JVM_DIR         where JDKs are installed (default /usr/lib/jvm; Temurin 25 here)
#   KEYCLOAK_DB              dev-file (default: data kept across restarts) or dev-mem (gone on stop)
#   KEYCLOAK_HEAP_OPTS       JVM heap (default -Xms64m -Xmx768m; Keycloak's own default
#                            takes 70 % of the machine's memory)
#   KEYCLOAK_ADMIN_USER      bootstrap admin of the master realm (default admin)
#   KEYCLOAK_ADMIN_PASSWORD  its password (default admin; loopback development only)
#   KEYCLOAK_START_TIMEOUT   seconds to wait for the realm to answer (default 300)
#   KEYCLOAK_CACHE_DIR       where the zip, server copies and logs live (default <repo>/.cache/keycloak)
#
# Files per port: server-<port>/ (an unpacked copy of the distribution: Keycloak
# keeps its build and its H2 database inside its home), keycloak-<port>.pid,
# keycloak-<port>.log. The realm is imported on every start when it does not
# exist yet (an existing realm is left as it is: `reset` to re-import).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd="${1:-status}"
port="${2:-${KEYCLOAK_PORT:-8180}}"
management_port="$((port + 1))"
version="${KEYCLOAK_VERSION:-26.7.3}"
cache="${KEYCLOAK_CACHE_DIR:-$here/.cache/keycloak}"
zip="$cache/keycloak-quarkus-dist-$version.zip"
home="$cache/server-$port"
pidfile="$cache/keycloak-$port.pid"
logfile="$cache/keycloak-$port.log"
timeout="${KEYCLOAK_START_TIMEOUT:-300}"
realm_file="$here/keycloak/aquastream-realm.json"
realm="aquastream"
base_url="http://127.0.0.1:$port"

log() { echo "keycloak.sh: $*" >&2; }

# --- Java ----------------------------------------------------------------------

# Major version of a java binary ("17", "21", "25"), or nothing.
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

# Keycloak 26.7 needs Java 21 or newer; the machine's default java is 17.
find_java_home() {
  local candidate major best="" best_major=0
  for candidate in "${KEYCLOAK_JAVA_HOME:-}" "${JAVA_HOME:-}"; do
    [[ -n "$candidate" && -x "$candidate/bin/java" ]] || continue
    major="$(java_major "$candidate/bin/java")"
    if [[ -n "$major" && "$major" -ge 21 ]]; then
      echo "$candidate"
      return 0
    fi
    if [[ "$candidate" == "${KEYCLOAK_JAVA_HOME:-}" ]]; then
      log "KEYCLOAK_JAVA_HOME=$candidate is Java ${major:-?}; Keycloak $version needs Java 21 or newer"
      return 1
    fi
  done
  for candidate in "${KEYCLOAK_JVM_DIR:-/usr/lib/jvm}"/*/; do
    candidate="${candidate%/}"
    [[ -x "$candidate/bin/java" ]] || continue
    major="$(java_major "$candidate/bin/java")"
    if [[ -n "$major" && "$major" -ge 21 && "$major" -gt "$best_major" ]]; then
      best="$candidate"
      best_major="$major"
    fi
  done
  if [[ -n "$best" ]]; then
    echo "$best"
    return 0
  fi
  log "no Java 21+ JDK found (looked at KEYCLOAK_JAVA_HOME, JAVA_HOME and ${KEYCLOAK_JVM_DIR:-/usr/lib/jvm}/*)."
  log "Keycloak $version needs one: install e.g. a Temurin 25 JDK and set KEYCLOAK_JAVA_HOME to it."
  return 1
}

# --- distribution ----------------------------------------------------------------

fetch() {
  if [[ -f "$zip" ]]; then return 0; fi
  command -v mvn >/dev/null || { log "Maven (mvn) is needed to fetch the Keycloak distribution"; exit 1; }
  log "fetching org.keycloak:keycloak-quarkus-dist:$version (zip, ~170 MB) from Maven Central (first run only)…"
  local started=$SECONDS
  mkdir -p "$cache"
  rm -rf "$cache/fetch.tmp"
  mvn -B -q -Dstyle.color=never \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:zip" \
    -DoutputDirectory="$cache/fetch.tmp" >&2
  mv "$cache/fetch.tmp/keycloak-quarkus-dist-$version.zip" "$zip"
  rm -rf "$cache/fetch.tmp"
  log "fetched $(du -h "$zip" | cut -f1) in $((SECONDS - started)) s into $zip"
}

# One unpacked server per port: Keycloak writes its optimized build
# (lib/quarkus) and its dev H2 database (data/h2) into its own home.
unpack() {
  if [[ -f "$home/.complete-$version" ]]; then return 0; fi
  command -v unzip >/dev/null || { log "unzip is needed to unpack the distribution"; exit 1; }
  rm -rf "$home" "$home.tmp"
  mkdir -p "$home.tmp"
  unzip -q "$zip" -d "$home.tmp"
  mv "$home.tmp/keycloak-$version" "$home"
  rmdir "$home.tmp"
  touch "$home/.complete-$version"
}

# --- process ---------------------------------------------------------------------

# shellcheck source=lib/server-process.sh
source "$here/scripts/lib/server-process.sh"

# Ready = the realm's OIDC discovery document answers (the realm is imported
# and the token endpoint is up), not merely an open port.
ready() {
  curl -fsS -o /dev/null --max-time 2 "$base_url/realms/$realm/.well-known/openid-configuration" 2>/dev/null
}

start() {
  if pid="$(running_pid)"; then
    log "already running (pid $pid) on $base_url"
    return 0
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port is taken by another process"
    exit 1
  fi
  [[ -f "$realm_file" ]] || { log "realm file $realm_file is missing"; exit 1; }
  command -v curl >/dev/null || { log "curl is needed to wait for Keycloak"; exit 1; }
  local java_home
  java_home="$(find_java_home)" || exit 1
  fetch
  unpack
  mkdir -p "$home/data/import"
  cp "$realm_file" "$home/data/import/$realm-realm.json"

  touch "$logfile"
  echo "--- keycloak.sh start $(date -u +%FT%TZ) (java: $java_home)" >>"$logfile"
  local started=$SECONDS
  # setsid: Keycloak gets its own session, so a Ctrl-C in the caller's terminal
  # or the end of a test worker does not reach it; stop() ends it.
  JAVA_HOME="$java_home" \
    JAVA_OPTS_KC_HEAP="${KEYCLOAK_HEAP_OPTS:--Xms64m -Xmx768m}" \
    KC_BOOTSTRAP_ADMIN_USERNAME="${KEYCLOAK_ADMIN_USER:-admin}" \
    KC_BOOTSTRAP_ADMIN_PASSWORD="${KEYCLOAK_ADMIN_PASSWORD:-admin}" \
    setsid "$home/bin/kc.sh" start-dev \
    --import-realm \
    --db="${KEYCLOAK_DB:-dev-file}" \
    --http-host=127.0.0.1 \
    --http-port="$port" \
    --http-management-port="$management_port" \
    --hostname-strict=false \
    --log-console-output=default \
    >>"$logfile" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pidfile"
  while ! ready; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      log "Keycloak exited during start-up; last lines of $logfile:"
      tail -n 30 "$logfile" >&2
      exit 1
    fi
    if ((SECONDS - started >= timeout)); then
      log "realm $realm did not answer within ${timeout} s; stopping Keycloak (see $logfile)"
      stop
      exit 1
    fi
    sleep 0.5
  done
  log "started (pid $pid) on $base_url in $((SECONDS - started)) s; issuer $base_url/realms/$realm"
}

stop() {
  # The pid is kc.sh, which forwards SIGTERM to the JVM and waits for it;
  # Quarkus then shuts down cleanly. setsid made kc.sh a group leader.
  stop_server group
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status)
    if pid="$(running_pid)"; then
      echo "running pid $pid on $base_url"
    else
      echo "stopped"
      exit 3
    fi
    ;;
  fetch) fetch ;;
  java) find_java_home ;;
  reset)
    stop
    rm -rf "$home" "$logfile"
    log "deleted $home"
    ;;
  *)
    echo "usage: scripts/keycloak.sh start|stop|status|reset [port] | fetch | java" >&2
    exit 2
    ;;
esac
