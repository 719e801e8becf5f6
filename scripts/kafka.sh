#!/usr/bin/env bash
#
# A real single-node Apache Kafka (KRaft: broker + controller in one JVM) on
# loopback, for development and the test suite. No Docker: the broker's jars
# come from Maven Central through Maven, into .cache/kafka/ (ignored by git).
#
#   scripts/kafka.sh start   [port]   fetch jars (first time), format, start, wait until ready
#   scripts/kafka.sh stop    [port]   SIGTERM, wait, then SIGKILL if it will not go
#   scripts/kafka.sh status  [port]   "running pid … on 127.0.0.1:port" or "stopped" (exit 3)
#   scripts/kafka.sh fetch            only download the jars
#   scripts/kafka.sh reset   [port]   stop and delete the broker's data
#
# Environment (all optional):
#   KAFKA_PORT             client port (default 19092); the first argument wins
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default client port + 1)
#   KAFKA_VERSION          broker version from Maven Central (default 4.4.0)
#   KAFKA_HEAP_OPTS        JVM heap (default -Xms128m -Xmx512m)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker (default 60)
#   KAFKA_CACHE_DIR        where jars, data and logs live (default <repo>/.cache/kafka)
#
# A TLS listener with SASL (docs/kafka.md "Security"), off unless both are set:
#   KAFKA_SASL_SSL_PORT    port of a SASL_SSL listener beside the PLAINTEXT one
#   KAFKA_SSL_KEYSTORE_PEM the broker's private key (unencrypted PKCS#8) and
#                          certificate chain in one PEM file (Kafka's PEM keystore)
#   KAFKA_SCRAM_USER, KAFKA_SCRAM_PASSWORD
#                          a user with SCRAM-SHA-512 credentials (written when the
#                          storage is formatted: `reset` first to change it) and
#                          the same password for SASL PLAIN
# Generate the keystore yourself (the tests make theirs in a temporary directory);
# never commit one.
#
# Files per port: data-<port>/ (log dirs and server.properties), kafka-<port>.pid,
# kafka-<port>.log (the broker's stdout/stderr). Data survives stop/start, so a
# test can stop the broker and start it again with its topics intact.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd="${1:-status}"
port="${2:-${KAFKA_PORT:-19092}}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
version="${KAFKA_VERSION:-4.4.0}"
cache="${KAFKA_CACHE_DIR:-$here/.cache/kafka}"
lib="$cache/lib-$version"
data="$cache/data-$port"
pidfile="$cache/kafka-$port.pid"
logfile="$cache/kafka-$port.log"
timeout="${KAFKA_START_TIMEOUT:-60}"
sasl_ssl_port="${KAFKA_SASL_SSL_PORT:-}"

log() { echo "kafka.sh: $*" >&2; }

# --- jars ---------------------------------------------------------------------

# A throwaway pom whose only job is to name the broker as a dependency, so that
# `mvn dependency:copy-dependencies` resolves its whole runtime classpath.
write_pom() {
  mkdir -p "$cache/pom-$version"
  cat >"$cache/pom-$version/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.aquastream</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$version</version>
    </dependency>
    <!-- The broker logs through SLF4J 1.7 (its pom pins it); log4j2 is the backend its distribution ships. -->
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>2.24.3</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>2.24.3</version>
    </dependency>
  </dependencies>
</project>
EOF
}

fetch() {
  if [[ -f "$lib/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null || { log "Maven (mvn) is needed to fetch the broker's jars"; exit 1; }
  command -v java >/dev/null || { log "Java 17+ is needed to run the broker"; exit 1; }
  log "fetching Apache Kafka $version and its dependencies from Maven Central (first run only)…"
  local started=$SECONDS
  write_pom
  rm -rf "$lib.tmp"
  mvn -B -q -Dstyle.color=never -f "$cache/pom-$version/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$lib.tmp" >&2
  rm -rf "$lib"
  mv "$lib.tmp" "$lib"
  touch "$lib/.complete"
  log "fetched $(ls "$lib" | wc -l) jars in $((SECONDS - started)) s into $lib"
}

# --- configuration ------------------------------------------------------------

write_config() {
  mkdir -p "$data/logs"
  local listeners="PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port"
  local advertised="PLAINTEXT://127.0.0.1:$port"
  if [[ -n "$sasl_ssl_port" ]]; then
    listeners="$listeners,SASL_SSL://127.0.0.1:$sasl_ssl_port"
    advertised="$advertised,SASL_SSL://127.0.0.1:$sasl_ssl_port"
  fi
  cat >"$data/server.properties" <<EOF
# Written by scripts/kafka.sh: a single KRaft node for development and tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=$data/logs
metadata.log.dir=$data/metadata
auto.create.topics.enable=true
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
# Small and quick: this broker holds test data only.
log.retention.hours=24
log.segment.bytes=16777216
num.network.threads=2
num.io.threads=2
EOF
  if [[ -n "$sasl_ssl_port" ]]; then
    : "${KAFKA_SSL_KEYSTORE_PEM:?KAFKA_SSL_KEYSTORE_PEM is needed with KAFKA_SASL_SSL_PORT}"
    : "${KAFKA_SCRAM_USER:?KAFKA_SCRAM_USER is needed with KAFKA_SASL_SSL_PORT}"
    : "${KAFKA_SCRAM_PASSWORD:?KAFKA_SCRAM_PASSWORD is needed with KAFKA_SASL_SSL_PORT}"
    cat >>"$data/server.properties" <<EOF
# SASL_SSL: TLS with the PEM keystore, then SCRAM-SHA-512 (users in the
# cluster metadata, added at format) or PLAIN (the user below).
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$KAFKA_SSL_KEYSTORE_PEM
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SCRAM_USER="$KAFKA_SCRAM_PASSWORD";
EOF
  fi
}

# log4j2 in the properties format (YAML would need jackson-dataformat-yaml):
# warnings only, plus the broker's start/stop lines that ready() looks for.
write_log_config() {
  cat >"$data/log4j2.properties" <<'EOF'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.raft.name = kafka.server.KafkaRaftServer
logger.raft.level = INFO
logger.broker.name = kafka.server.BrokerServer
logger.broker.level = INFO
EOF
}

format_storage() {
  if [[ -f "$data/metadata/meta.properties" ]]; then return 0; fi
  # A cluster id is 16 random bytes in URL-safe base64 without padding.
  local cluster_id
  # Never one that starts with "-": the format tool would read it as an option
  # (Kafka's own Uuid.randomUuid() avoids those for the same reason).
  cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  local scram=()
  if [[ -n "$sasl_ssl_port" ]]; then
    scram=(--add-scram "SCRAM-SHA-512=[name=$KAFKA_SCRAM_USER,password=$KAFKA_SCRAM_PASSWORD]")
  fi
  java -cp "$lib/*" -Dlog4j2.configurationFile="$data/log4j2.properties" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$data/server.properties" "${scram[@]}" >>"$logfile" 2>&1 \
    || { log "formatting the storage failed; see $logfile"; tail -n 20 "$logfile" >&2; exit 1; }
}

# --- process ------------------------------------------------------------------

# shellcheck source=lib/server-process.sh
source "$here/scripts/lib/server-process.sh"

# Ready = the broker answers on its port and has registered with the controller.
# A TCP accept alone comes too early (the socket server binds before the broker
# is unfenced), so look for the broker's own "started" line as well.
ready() {
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || return 1
  tail -n "+$((log_start + 1))" "$logfile" 2>/dev/null |
    grep -q "\[BrokerServer id=1\] Transition from STARTING to STARTED"
}

start() {
  if pid="$(running_pid)"; then
    log "already running (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port is taken by another process"
    exit 1
  fi
  fetch
  mkdir -p "$cache"
  write_config
  write_log_config
  # The log is appended to (earlier runs stay readable); ready() reads only
  # the lines of this start.
  touch "$logfile"
  log_start="$(wc -l <"$logfile")"
  echo "--- kafka.sh start $(date -u +%FT%TZ)" >>"$logfile"
  format_storage
  local started=$SECONDS
  # setsid: the broker gets its own session, so a Ctrl-C in the caller's
  # terminal or the end of a test worker does not reach it; stop() ends it.
  # shellcheck disable=SC2086
  setsid java ${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$data/log4j2.properties" \
    -cp "$lib/*" kafka.Kafka "$data/server.properties" >>"$logfile" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pidfile"
  while ! ready; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      log "the broker exited during start-up; last lines of $logfile:"
      tail -n 30 "$logfile" >&2
      exit 1
    fi
    if ((SECONDS - started >= timeout)); then
      log "the broker did not become ready within ${timeout} s; stopping it (see $logfile)"
      stop
      exit 1
    fi
    sleep 0.2
  done
  log "started (pid $pid) on 127.0.0.1:$port in $((SECONDS - started)) s"
}

stop() {
  stop_server
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status)
    if pid="$(running_pid)"; then
      echo "running pid $pid on 127.0.0.1:$port"
    else
      echo "stopped"
      exit 3
    fi
    ;;
  fetch) fetch ;;
  reset)
    stop
    rm -rf "$data" "$logfile"
    log "deleted $data"
    ;;
  *)
    echo "usage: scripts/kafka.sh start|stop|status|reset [port] | fetch" >&2
    exit 2
    ;;
esac
