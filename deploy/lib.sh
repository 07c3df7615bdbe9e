# Shared by deploy/kafka/kafka.sh and deploy/apicurio/apicurio.sh: one JVM started in the
# background from jars Maven fetched, with a pid file, a lock and a readiness probe.
# Sourced, not run. The script that sources it sets, before calling any of these:
#   SCRIPT     its name, for log lines                 (kafka.sh)
#   WHAT       what it runs, for messages              (the broker)
#   STATE_DIR  where the lock lives                    ($KAFKA_DIR)
#   POM        the pom that pins the jars
#   PIDFILE    the pid file of the running JVM
#   ADDRESS    where it answers, for messages          (localhost:19092)
# and defines:
#   ours ARGS      true when ARGS, a process's command line, is the JVM this script starts
#   probe          one readiness check
#   product        the product and version, for messages (Kafka 4.1.0)

log() { printf '%s: %s\n' "$SCRIPT" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Serialise start/stop/clean/fetch between concurrent callers (two test sessions, make -j).
lock() {
  mkdir -p "$STATE_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$STATE_DIR/.lock"
    flock 9
  fi
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    echo "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    die "java not found: $(product) needs Java 17 or newer"
  fi
}

pom_hash() { cksum <"$POM" | cut -d' ' -f1; }

# The pid of our JVM if it runs (a pid file whose process's command line is `ours`), else nothing.
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
  ours "$args" || return 1
  echo "$pid"
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# print_log_tail FILE...: the last lines of each file that is not empty, to stderr.
print_log_tail() {
  local f
  for f in "$@"; do
    if [[ -s "$f" ]]; then
      log "---- last lines of $f ----"
      tail -n 40 "$f" >&2
    fi
  done
}

# process_alive PID: the process exists and is not a zombie. Right after the fork the child is
# still the starting shell (cd, redirections) and only then execs the JVM, so during start-up its
# command line proves nothing yet: judging it by running_pid raced with that exec and reported a
# start that was under way as "exited during start-up".
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
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if [[ -n "$pid" ]] && ! process_alive "$pid"; then
      log "$WHAT exited during start-up"
      return 1
    fi
    if probe; then return 0; fi
    sleep 0.5
  done
  log "$WHAT was not ready on $ADDRESS after ${timeout}s"
  return 1
}

# SIGTERM, up to 30 s for a clean shutdown, then SIGKILL. The caller holds the lock.
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
    echo "running on $ADDRESS (pid $pid)"
  else
    echo "stopped"
    return 3
  fi
}

# The script's header comment, from its second line to `set -euo`.
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
