#!/usr/bin/env bash
# A local Apicurio Registry (in-memory storage) with the Confluent-compatible schema registry API,
# for development and tests. No Docker: the pinned distribution comes from Maven Central
# (deploy/apicurio/pom.xml). Its state lives in memory: a restart starts empty.
#
#   deploy/apicurio/apicurio.sh fetch     unpack the pinned distribution (skipped when up to date)
#   deploy/apicurio/apicurio.sh start     start in the background and wait until ready
#   deploy/apicurio/apicurio.sh wait      wait until the registry answers
#   deploy/apicurio/apicurio.sh address   print the Confluent-compatible URL for schema registry clients
#   deploy/apicurio/apicurio.sh status    say whether it runs
#   deploy/apicurio/apicurio.sh stop      SIGTERM, up to 30 s, then SIGKILL
#   deploy/apicurio/apicurio.sh clean     stop and delete the logs (keeps the distribution)
#
# Environment: APICURIO_PORT (18081), APICURIO_DIR (.kafka/apicurio at the repo root),
# APICURIO_START_TIMEOUT (90 s), APICURIO_HEAP_OPTS (-Xmx512m), APICURIO_OPTS (more JVM options).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

APICURIO_PORT="${APICURIO_PORT:-18081}"
APICURIO_DIR="${APICURIO_DIR:-$ROOT/.kafka/apicurio}"
APICURIO_START_TIMEOUT="${APICURIO_START_TIMEOUT:-90}"
APICURIO_HEAP_OPTS="${APICURIO_HEAP_OPTS:--Xmx512m}"
APICURIO_OPTS="${APICURIO_OPTS:-}"

POM="$HERE/pom.xml"
DIST="$APICURIO_DIR/dist"
FETCH_STAMP="$DIST/.fetched"
LOGS="$APICURIO_DIR/logs"
PIDFILE="$APICURIO_DIR/apicurio.pid"
HOST=localhost
BASE_URL="http://$HOST:$APICURIO_PORT"

log() { printf 'apicurio.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

apicurio_version() { sed -n 's:.*<apicurio.version>\(.*\)</apicurio.version>.*:\1:p' "$POM"; }

lock() {
  mkdir -p "$APICURIO_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$APICURIO_DIR/.lock"
    flock 9
  fi
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    echo "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    die "java not found: Apicurio Registry $(apicurio_version) needs Java 17 or newer"
  fi
}

pom_hash() { cksum <"$POM" | cut -d' ' -f1; }

runner_jar() { compgen -G "$DIST/apicurio-registry-app-*-runner.jar" | head -n 1; }

fetch() {
  if [[ -f "$FETCH_STAMP" && "$(cat "$FETCH_STAMP")" == "$(pom_hash)" ]]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: Maven fetches Apicurio Registry"
  log "fetching Apicurio Registry $(apicurio_version) with Maven into $DIST"
  local tmp="$DIST.tmp" out
  rm -rf "$tmp" "$tmp.markers"
  if ! out="$(mvn -q -B -Dstyle.color=never -f "$POM" dependency:unpack \
    -DoutputDirectory="$tmp" -Dapicurio.markers="$tmp.markers" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "mvn dependency:unpack failed"
  fi
  rm -rf "$tmp.markers"
  rm -rf "$DIST"
  mv "$tmp" "$DIST"
  [[ -n "$(runner_jar)" ]] || die "no apicurio-registry-app-*-runner.jar in $DIST"
  pom_hash >"$FETCH_STAMP"
}

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
  [[ "$args" == *"$DIST/apicurio-registry-app-"*-runner.jar* ]] || return 1
  echo "$pid"
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

http_ok() {
  if command -v curl >/dev/null 2>&1; then
    curl -sf -o /dev/null --max-time 3 "$1"
  else
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' \
      "$1" 2>/dev/null
  fi
}

# Ready: the Confluent-compatible API lists subjects.
probe() { port_open "$APICURIO_PORT" && http_ok "$BASE_URL/apis/ccompat/v7/subjects"; }

print_log_tail() {
  if [[ -s "$LOGS/registry.log" ]]; then
    log "---- last lines of $LOGS/registry.log ----"
    tail -n 40 "$LOGS/registry.log" >&2
  fi
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

wait_ready() {
  local timeout="$1" pid="${2:-}"
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if [[ -n "$pid" ]] && ! process_alive "$pid"; then
      log "the registry exited during start-up"
      return 1
    fi
    if probe; then return 0; fi
    sleep 0.5
  done
  log "the registry was not ready on $BASE_URL after ${timeout}s"
  return 1
}

start() {
  lock
  fetch
  local pid
  if pid="$(running_pid)"; then
    wait_ready "$APICURIO_START_TIMEOUT" "$pid" || { print_log_tail; exit 1; }
    log "already running on $BASE_URL (pid $pid)"
    return 0
  fi
  rm -f "$PIDFILE"
  if port_open "$APICURIO_PORT"; then
    die "port $APICURIO_PORT is already in use by another process: set APICURIO_PORT"
  fi
  local java jar
  java="$(java_bin)"
  jar="$(runner_jar)"
  mkdir -p "$LOGS"
  if [[ -f "$LOGS/registry.log" ]]; then mv -f "$LOGS/registry.log" "$LOGS/registry.log.previous"; fi
  local t0=$SECONDS
  # In-memory H2 storage; deletions allowed so tests can clean up their subjects.
  # shellcheck disable=SC2086 # the *_OPTS variables are lists of JVM options
  (cd "$APICURIO_DIR" && exec setsid nohup "$java" $APICURIO_HEAP_OPTS -Djava.awt.headless=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$APICURIO_PORT" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
    -Dapicurio.datasource.url=jdbc:h2:mem:registry \
    -Dapicurio.rest.deletion.group.enabled=true \
    -Dapicurio.rest.deletion.artifact.enabled=true \
    -Dapicurio.rest.deletion.artifact-version.enabled=true \
    $APICURIO_OPTS -jar "$jar" >"$LOGS/registry.log" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  if ! wait_ready "$APICURIO_START_TIMEOUT" "$pid"; then
    print_log_tail
    stop_locked >/dev/null 2>&1 || true
    exit 1
  fi
  log "Apicurio Registry $(apicurio_version) ready: $BASE_URL/apis/ccompat/v7 (pid $pid, $((SECONDS - t0))s)"
}

stop_locked() {
  local pid i
  if ! pid="$(running_pid)"; then
    rm -f "$PIDFILE"
    log "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
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

status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running on $BASE_URL (pid $pid)"
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
  wait) wait_ready "$APICURIO_START_TIMEOUT" || { print_log_tail; exit 1; } ;;
  address) echo "$BASE_URL/apis/ccompat/v7" ;;
  status) status ;;
  stop) lock; stop_locked ;;
  clean) lock; stop_locked; rm -rf "$LOGS"; log "deleted $LOGS (kept $DIST)" ;;
  *) usage ;;
esac
