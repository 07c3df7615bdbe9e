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

SCRIPT=apicurio.sh
WHAT="the registry"
STATE_DIR="$APICURIO_DIR"
ADDRESS="$BASE_URL"
# shellcheck source=deploy/lib.sh
source "$HERE/../lib.sh"

apicurio_version() { sed -n 's:.*<apicurio.version>\(.*\)</apicurio.version>.*:\1:p' "$POM"; }
product() { echo "Apicurio Registry $(apicurio_version)"; }
ours() { [[ "$1" == *"$DIST/apicurio-registry-app-"*-runner.jar* ]]; }

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

start() {
  lock
  fetch
  local pid
  if pid="$(running_pid)"; then
    wait_ready "$APICURIO_START_TIMEOUT" "$pid" || { print_log_tail "$LOGS/registry.log"; exit 1; }
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
    print_log_tail "$LOGS/registry.log"
    stop_locked >/dev/null 2>&1 || true
    exit 1
  fi
  log "Apicurio Registry $(apicurio_version) ready: $BASE_URL/apis/ccompat/v7 (pid $pid, $((SECONDS - t0))s)"
}

case "${1:-}" in
  fetch) lock; fetch ;;
  start) start ;;
  wait) wait_ready "$APICURIO_START_TIMEOUT" || { print_log_tail "$LOGS/registry.log"; exit 1; } ;;
  address) echo "$BASE_URL/apis/ccompat/v7" ;;
  status) status ;;
  stop) lock; stop_locked ;;
  clean) lock; stop_locked; rm -rf "$LOGS"; log "deleted $LOGS (kept $DIST)" ;;
  *) usage ;;
esac
