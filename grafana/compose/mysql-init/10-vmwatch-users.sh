#!/bin/sh
# Creates the vmwatch database users. The mysql image runs this once, when its data volume is
# empty (/docker-entrypoint-initdb.d); the Grafana tests run it against a throw-away MariaDB.
#
#   vmwatch_archiver  owns the vmwatch database (ALL on it, nothing else): the archiver's
#                     migrations create tables, views and partitions, and it writes the samples.
#   vmwatch_grafana   SELECT only: Grafana's "MySQL history" datasource reads the archive.
#
# Environment:
#   MYSQL_DATABASE               database name (docker-compose.yml: vmwatch)
#   VMWATCH_DB_PASSWORD          password of vmwatch_archiver
#   VMWATCH_GRAFANA_DB_PASSWORD  password of vmwatch_grafana
#   VMWATCH_SQL_CLIENT           optional: admin client command line reading SQL on stdin
#                                (default: mysql over the local socket as root, with
#                                MYSQL_ROOT_PASSWORD, as during the image's initialisation)
set -eu

fail() {
  printf 'vmwatch mysql init: %s\n' "$*" >&2
  exit 2
}

database=${MYSQL_DATABASE:-}
[ -n "$database" ] || fail "MYSQL_DATABASE is not set"
printf '%s\n' "$database" | grep -Eqx '[A-Za-z0-9_]{1,64}' || fail "MYSQL_DATABASE='$database' is not a plain database name"
[ -n "${VMWATCH_DB_PASSWORD:-}" ] || fail "VMWATCH_DB_PASSWORD is not set (see .env.example)"
[ -n "${VMWATCH_GRAFANA_DB_PASSWORD:-}" ] || fail "VMWATCH_GRAFANA_DB_PASSWORD is not set (see .env.example)"
[ "$VMWATCH_DB_PASSWORD" != "$VMWATCH_GRAFANA_DB_PASSWORD" ] || fail "the archiver and Grafana passwords must differ"

# literal VALUE: VALUE as a single-quoted SQL string (backslashes and quotes escaped).
literal() {
  printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")"
}

client=${VMWATCH_SQL_CLIENT:-}
if [ -z "$client" ]; then
  [ -n "${MYSQL_ROOT_PASSWORD:-}" ] || fail "MYSQL_ROOT_PASSWORD is not set"
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
