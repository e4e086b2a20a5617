#!/bin/sh
# Creates the vmwatch database users. The mysql image runs this once, when its data volume is
# empty (/docker-entrypoint-initdb.d); the Grafana tests run it against a throw-away MariaDB.
#
#   vmwatch_archiver  owns the vmwatch database (ALL on it, nothing else): the archiver's
#                     migrations create tables, views and partitions, and it writes the samples.
#   vmwatch_grafana   SELECT only: Grafana's "MySQL history" datasource reads the archive.
#
# Environment (each password may instead come from a file, NAME_FILE, e.g. a Docker secret:
# docker-compose.yml passes VMWATCH_DB_PASSWORD_FILE and VMWATCH_GRAFANA_DB_PASSWORD_FILE):
#   MYSQL_DATABASE               database name (docker-compose.yml: vmwatch)
#   VMWATCH_DB_PASSWORD          password of vmwatch_archiver
#   VMWATCH_GRAFANA_DB_PASSWORD  password of vmwatch_grafana
#   VMWATCH_SQL_CLIENT           optional: admin client command line reading SQL on stdin
#                                (default: mysql over the local socket as root, with
#                                MYSQL_ROOT_PASSWORD or MYSQL_ROOT_PASSWORD_FILE, as during the
#                                image's initialisation)
set -eu

fail() {
  printf 'vmwatch mysql init: %s\n' "$*" >&2
  exit 2
}

# from_file NAME: when NAME_FILE is set, NAME becomes that file's content (trailing newline dropped).
from_file() {
  eval "file=\${$1_FILE:-}; direct=\${$1:-}"
  [ -n "$file" ] || return 0
  [ -z "$direct" ] || fail "set $1 or $1_FILE, not both"
  if [ ! -f "$file" ] || [ ! -r "$file" ]; then fail "$1_FILE=$file is not a readable file"; fi
  # shellcheck disable=SC2034 # read by the eval below
  value=$(cat "$file") || fail "cannot read $1_FILE=$file"
  eval "$1=\$value"
}
from_file VMWATCH_DB_PASSWORD
from_file VMWATCH_GRAFANA_DB_PASSWORD

database=${MYSQL_DATABASE:-}
[ -n "$database" ] || fail "MYSQL_DATABASE is not set"
printf '%s\n' "$database" | grep -Eqx '[A-Za-z0-9_]{1,64}' || fail "MYSQL_DATABASE='$database' is not a plain database name"
[ -n "${VMWATCH_DB_PASSWORD:-}" ] || fail "VMWATCH_DB_PASSWORD (or VMWATCH_DB_PASSWORD_FILE) is not set or empty (grafana/compose/init-secrets)"
[ -n "${VMWATCH_GRAFANA_DB_PASSWORD:-}" ] || fail "VMWATCH_GRAFANA_DB_PASSWORD (or VMWATCH_GRAFANA_DB_PASSWORD_FILE) is not set or empty (grafana/compose/init-secrets)"
[ "$VMWATCH_DB_PASSWORD" != "$VMWATCH_GRAFANA_DB_PASSWORD" ] || fail "the archiver and Grafana passwords must differ"

# literal VALUE: VALUE as a single-quoted SQL string (backslashes and quotes escaped).
literal() {
  printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")"
}

client=${VMWATCH_SQL_CLIENT:-}
if [ -z "$client" ]; then
  from_file MYSQL_ROOT_PASSWORD
  [ -n "${MYSQL_ROOT_PASSWORD:-}" ] || fail "MYSQL_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD_FILE) is not set"
  export MYSQL_PWD="$MYSQL_ROOT_PASSWORD"
  client="mysql --protocol=socket -uroot"
fi

# The client command line is split into words on purpose.
# shellcheck disable=SC2086
$client <<SQL
CREATE DATABASE IF NOT EXISTS \`$database\`;
CREATE USER IF NOT EXISTS 'vmwatch_archiver'@'%' IDENTIFIED BY $(literal "$VMWATCH_DB_PASSWORD");
GRANT ALL PRIVILEGES ON \`$database\`.* TO 'vmwatch_archiver'@'%';
CREATE USER IF NOT EXISTS 'vmwatch_grafana'@'%' IDENTIFIED BY $(literal "$VMWATCH_GRAFANA_DB_PASSWORD");
GRANT SELECT ON \`$database\`.* TO 'vmwatch_grafana'@'%';
FLUSH PRIVILEGES;
SQL
printf 'vmwatch mysql init: users vmwatch_archiver and vmwatch_grafana (SELECT only) on %s\n' "$database" >&2
