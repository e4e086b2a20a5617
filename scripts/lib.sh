# shellcheck shell=bash
# shellcheck disable=SC2034  # variables here are for the scripts that source this file
# Shared helpers for vmwatch's test and benchmark scripts. Source it:
#   . "$(git rev-parse --show-toplevel)/scripts/lib.sh"
# Every helper fails loudly: a missing component is an error, never a skip.

VMWATCH_ROOT=${VMWATCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export VMWATCH_ROOT
EXPORTER_JAR=$VMWATCH_ROOT/exporter/target/vmwatch-exporter.jar
ARCHIVER_JAR=$VMWATCH_ROOT/archiver/target/vmwatch-archiver.jar
# JVM flags that keep the exporter small, one per line in exporter/jvm.options; every launcher
# uses them (see exporter/README.md).
EXPORTER_JVM_FLAGS=()
if [ -f "$VMWATCH_ROOT/exporter/jvm.options" ]; then
  mapfile -t EXPORTER_JVM_FLAGS < <(grep -v '^\s*#' "$VMWATCH_ROOT/exporter/jvm.options" | grep -v '^\s*$')
fi

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# need CMD [DEBIAN-PACKAGE]: fail (not skip) when a command is missing.
need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is missing: install Debian package '${2:-$1}' (scripts/setup)"
}

# ensure_jar exporter|archiver: build that module's jar when it is missing.
ensure_jar() {
  local jar=$VMWATCH_ROOT/$1/target/vmwatch-$1.jar
  if [ ! -f "$jar" ]; then
    log "building $1 (mvn package -DskipTests)"
    (cd "$VMWATCH_ROOT" && mvn -B -q -DskipTests -pl "$1" -am package) || die "maven build of $1 failed"
  fi
}
ensure_jars() { ensure_jar exporter; ensure_jar archiver; }

# The remote-write encoder the archiver benchmarks send with: test code of the archiver (its jar
# only decodes), compiled by each benchmark beside its own sources against the archiver jar.
REMOTE_WRITE_ENCODER=$VMWATCH_ROOT/archiver/src/test/java/io/vmwatch/archiver/codec/RemoteWriteEncoder.java

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for LABEL SECONDS CMD...: retry CMD every second until it succeeds, printing progress.
wait_for() {
  local label=$1 limit=$2 start=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS - start >= limit )); then
      log "timed out after ${limit}s waiting for $label"
      return 1
    fi
    if (( (SECONDS - start) % 10 == 9 )); then log "  still waiting for $label ($((SECONDS - start))s of ${limit}s)"; fi
    sleep 1
  done
  log "$label ready after $((SECONDS - start))s"
}

# http_ok URL: true when URL answers 2xx.
http_ok() { curl -fsS -o /dev/null --max-time 5 "$1"; }

# start_mariadb DIR PORT: a throw-away MariaDB server in DIR on 127.0.0.1:PORT, run as root's
# unix_socket admin; never the system service. Sets MARIADB_PID and MARIADB_SOCKET.
start_mariadb() {
  local dir=$1 port=$2
  need mariadbd mariadb-server
  need mariadb-install-db mariadb-server
  mkdir -p "$dir/data" "$dir/run"
  if [ ! -d "$dir/data/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$dir/data" --user=root --auth-root-authentication-method=socket \
      --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
  fi
  MARIADB_SOCKET=$dir/run/mysqld.sock
  mariadbd --no-defaults --datadir="$dir/data" --socket="$MARIADB_SOCKET" --port="$port" \
    --bind-address=127.0.0.1 --user=root --pid-file="$dir/run/mysqld.pid" \
    --innodb-buffer-pool-size=128M --innodb-log-file-size=64M --max-connections=200 \
    --skip-name-resolve --log-error="$dir/error.log" &
  MARIADB_PID=$!
  export MARIADB_SOCKET MARIADB_PID
  wait_for "MariaDB on port $port" 60 mariadb --no-defaults -S "$MARIADB_SOCKET" -u root -e 'select 1' \
    || { tail -20 "$dir/error.log" >&2; die "MariaDB did not start"; }
}

# mariadb_sql SQL: run SQL as the admin over the socket of start_mariadb.
mariadb_sql() { mariadb --no-defaults -S "$MARIADB_SOCKET" -u root -N -B -e "$1"; }

# random_secret: a fresh password for a test user.
random_secret() { openssl rand -hex 16; }
