#!/usr/bin/env bash
# The project's own single-node Apache Kafka (KRaft, broker + controller in one JVM) for
# development and tests. No Docker: the pinned jars come from Maven Central (deploy/kafka/pom.xml).
#
#   deploy/kafka/kafka.sh fetch     copy the pinned jars to .kafka/libs (skipped when up to date)
#   deploy/kafka/kafka.sh start     write the config, format storage once, start, wait until ready
#   deploy/kafka/kafka.sh wait      wait until the broker answers a metadata request
#   deploy/kafka/kafka.sh address   print the bootstrap address (localhost:PORT)
#   deploy/kafka/kafka.sh status    say whether it runs
#   deploy/kafka/kafka.sh stop      SIGTERM, up to 30 s, then SIGKILL
#   deploy/kafka/kafka.sh clean     stop, delete data, logs and the generated config (keeps the jars)
#
# Environment: KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093), KAFKA_DIR (.kafka at the repo
# root), KAFKA_START_TIMEOUT (90 s), KAFKA_HEAP_OPTS (-Xms256m -Xmx512m), KAFKA_OPTS (more JVM
# options), PYTHON (the interpreter used for the readiness probe; .venv/bin/python if present).
# The broker logs to $KAFKA_DIR/logs/server.log; the JVM's own stdout/stderr go to kafka.out there.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_DIR="${KAFKA_DIR:-$ROOT/.kafka}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_OPTS="${KAFKA_OPTS:-}"

POM="$HERE/pom.xml"
LOG4J_CONF="$HERE/log4j2.xml"
LIBS="$KAFKA_DIR/libs"
FETCH_STAMP="$LIBS/.fetched"
DATA="$KAFKA_DIR/data"
LOGS="$KAFKA_DIR/logs"
CONF="$KAFKA_DIR/server.properties"
FORMAT_STAMP="$KAFKA_DIR/format.stamp"
PIDFILE="$KAFKA_DIR/kafka.pid"
HOST=localhost

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM"; }

# Serialise start/stop/clean/fetch between concurrent callers (two test sessions, make -j).
lock() {
  mkdir -p "$KAFKA_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$KAFKA_DIR/.lock"
    flock 9
  fi
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    echo "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    die "java not found: Kafka $(kafka_version) needs Java 17 or newer"
  fi
}

pom_hash() { cksum <"$POM" | cut -d' ' -f1; }

fetch() {
  if [[ -f "$FETCH_STAMP" && "$(cat "$FETCH_STAMP")" == "$(pom_hash)" ]]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: Maven fetches the Kafka jars"
  log "fetching Kafka $(kafka_version) and log4j2 with Maven into $LIBS"
  local tmp="$LIBS.tmp"
  rm -rf "$tmp"
  local out
  if ! out="$(mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "mvn dependency:copy-dependencies failed"
  fi
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  pom_hash >"$FETCH_STAMP"
}

# The pid of our broker if it runs (a pid file whose process is a kafka.Kafka JVM), else nothing.
running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid args
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    args="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  else
    args="$(ps -p "$pid" -o args= 2>/dev/null || true)"
  fi
  [[ "$args" == *kafka.Kafka*"$CONF"* ]] || return 1
  echo "$pid"
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

python_bin() {
  local py="${PYTHON:-}"
  if [[ -z "$py" ]]; then
    if [[ -x "$ROOT/.venv/bin/python" ]]; then py="$ROOT/.venv/bin/python"; else py=python3; fi
  fi
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import confluent_kafka' 2>/dev/null; then
    echo "$py"
  fi
}

# One readiness probe: a metadata request through confluent_kafka that lists at least one broker.
# Without confluent_kafka: the port is open and the broker logged that it started.
probe() {
  port_open "$KAFKA_PORT" || return 1
  if [[ -n "$PROBE_PY" ]]; then
    "$PROBE_PY" - "$HOST:$KAFKA_PORT" <<'PY' 2>/dev/null
import sys

from confluent_kafka.admin import AdminClient

admin = AdminClient({"bootstrap.servers": sys.argv[1], "log_level": 0})
sys.exit(0 if admin.list_topics(timeout=3).brokers else 1)
PY
  else
    grep -qs 'Kafka Server started' "$LOGS/server.log"
  fi
}

print_log_tail() {
  local f
  for f in "$LOGS/kafka.out" "$LOGS/server.log"; do
    if [[ -s "$f" ]]; then
      log "---- last lines of $f ----"
      tail -n 40 "$f" >&2
    fi
  done
}

# process_alive PID: the process exists and is not a zombie. Right after the fork the child is
# still this shell (cd, redirections) and only then execs the JVM, so during start-up its command
# line proves nothing yet: judging it by running_pid raced with that exec and reported a start
# that was under way as "exited during start-up".
process_alive() {
  local stat state
  if [[ -r "/proc/$1/stat" ]]; then
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    state="${stat##*) }"
  else
    state="$(ps -p "$1" -o stat= 2>/dev/null)" || return 1
    state="${state#"${state%%[![:space:]]*}"}"
  fi
  [[ -n "$state" && "$state" != Z* ]]
}

# wait_ready TIMEOUT [PID]: poll until ready; with PID, fail as soon as that process is gone.
wait_ready() {
  local timeout="$1" pid="${2:-}"
  PROBE_PY="$(python_bin)"
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if [[ -n "$pid" ]] && ! process_alive "$pid"; then
      log "the broker exited during start-up"
      return 1
    fi
    if probe; then return 0; fi
    sleep 0.5
  done
  log "the broker was not ready on $HOST:$KAFKA_PORT after ${timeout}s"
  return 1
}

write_config() {
  mkdir -p "$DATA" "$LOGS"
  cat >"$CONF" <<EOF
# Generated by deploy/kafka/kafka.sh on each start: edit the script, not this file.
# Single-node KRaft: one JVM is broker and controller. Tuned for fast tests, not for durability.
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=$HOST:$KAFKA_CONTROLLER_PORT
log.dirs=$DATA

# Topics: the service creates its own.
auto.create.topics.enable=false
num.partitions=4
default.replication.factor=1
min.insync.replicas=1

# Internal topics on one node: replication 1, one partition each (fewer logs, faster start).
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1

# Consumer groups: no initial rebalance delay; allow short session timeouts and heartbeats.
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
group.consumer.min.session.timeout.ms=1000
group.consumer.min.heartbeat.interval.ms=500
group.consumer.heartbeat.interval.ms=1000

# Transactions (exactly-once tests): abort timed-out transactions within a second (default 10 s)
# so a test that leaves one open does not hold back read_committed consumers for long; forget
# idle transactional ids after an hour (default 7 days) and look for them every minute.
transaction.abort.timed.out.transaction.cleanup.interval.ms=1000
transactional.id.expiration.ms=3600000
transaction.remove.expired.transaction.cleanup.interval.ms=60000
EOF
}

# Format the storage once. The controller endpoint is written into the metadata log at format
# time (--standalone), so a changed controller port means a fresh format of this dev data.
format_storage() {
  local want="controller=$HOST:$KAFKA_CONTROLLER_PORT"
  if [[ -f "$DATA/meta.properties" ]]; then
    if [[ -f "$FORMAT_STAMP" && "$(cat "$FORMAT_STAMP")" == "$want" ]]; then
      return 0
    fi
    log "storage was formatted for another controller endpoint: deleting $DATA"
    rm -rf "$DATA"
    mkdir -p "$DATA"
  fi
  # A cluster id is a Kafka Uuid: 16 random bytes in URL-safe base64 without padding.
  local cluster_id
  # Like Kafka's Uuid.randomUuid, never one that starts with '-': the formatter would take it
  # for an option (1 start in 64 failed so).
  cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  local out
  if ! out="$("$JAVA" -Dlog4j2.configurationFile="$LOG4J_CONF" -Dkafka.logs.dir="$LOGS" \
    -cp "$LIBS/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$CONF" --standalone 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "formatting the storage failed"
  fi
  echo "$want" >"$FORMAT_STAMP"
}

start() {
  lock
  fetch
  local pid
  if pid="$(running_pid)"; then
    wait_ready "$KAFKA_START_TIMEOUT" "$pid" || { print_log_tail; exit 1; }
    log "already running on $HOST:$KAFKA_PORT (pid $pid)"
    return 0
  fi
  rm -f "$PIDFILE"
  local port
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$port"; then
      die "port $port is already in use by another process (not this checkout's broker):" \
        "set KAFKA_PORT / KAFKA_CONTROLLER_PORT, or use KAFKA_BOOTSTRAP_SERVERS for tests"
    fi
  done
  JAVA="$(java_bin)"
  write_config
  format_storage

  # This run's log starts empty, so its tail and the "started" line are this run's.
  if [[ -f "$LOGS/server.log" ]]; then mv -f "$LOGS/server.log" "$LOGS/server.log.previous"; fi
  local t0=$SECONDS
  # Detached from this shell's session; the lock's fd 9 is closed so the JVM does not hold it.
  # shellcheck disable=SC2086 # the *_OPTS variables are lists of JVM options
  setsid nohup "$JAVA" $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONF" -Dkafka.logs.dir="$LOGS" $KAFKA_OPTS \
    -cp "$LIBS/*" kafka.Kafka "$CONF" >"$LOGS/kafka.out" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PIDFILE"
  if ! wait_ready "$KAFKA_START_TIMEOUT" "$pid"; then
    print_log_tail
    stop_locked >/dev/null 2>&1 || true
    exit 1
  fi
  log "Kafka $(kafka_version) ready on $HOST:$KAFKA_PORT (pid $pid, $((SECONDS - t0))s; log: $LOGS/server.log)"
}

stop_locked() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PIDFILE"
    log "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 300; i++)); do
    running_pid >/dev/null || break
    sleep 0.1
  done
  if running_pid >/dev/null; then
    log "still running after 30 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      running_pid >/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$PIDFILE"
  log "stopped (pid $pid)"
}

stop() {
  lock
  stop_locked
}

clean() {
  lock
  stop_locked
  rm -rf "$DATA" "$LOGS" "$CONF" "$FORMAT_STAMP"
  log "deleted data, logs and config under $KAFKA_DIR (kept $LIBS)"
}

wait_cmd() {
  wait_ready "$KAFKA_START_TIMEOUT" || { print_log_tail; exit 1; }
}

status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running on $HOST:$KAFKA_PORT (pid $pid)"
  else
    echo "stopped"
    return 3
  fi
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

case "${1:-}" in
  fetch) lock; fetch ;;
  start) start ;;
  wait) wait_cmd ;;
  address) echo "$HOST:$KAFKA_PORT" ;;
  status) status ;;
  stop) stop ;;
  clean) clean ;;
  *) usage ;;
esac
