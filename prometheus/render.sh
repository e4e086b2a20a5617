#!/bin/sh
# Render the master's Prometheus configuration from the VMWATCH_* environment variables.
#
# Usage: render.sh [-o OUTPUT_DIR] [COMMAND [ARG...]]
#   Writes OUTPUT_DIR/prometheus.yml (default OUTPUT_DIR: /etc/prometheus) from prometheus.yml.tmpl,
#   copies rules/*.yml to OUTPUT_DIR/rules/, creates OUTPUT_DIR/file_sd/ (the vmwatch-file job's
#   target files, *.json), then, when COMMAND is given, replaces itself with it (container
#   entrypoint), e.g.:
#     render.sh -o /etc/prometheus prometheus --config.file=/etc/prometheus/prometheus.yml
#
# Settings (environment):
#   VMWATCH_GCE_PROJECT           required  GCE project id, e.g. my-project-123
#   VMWATCH_GCE_ZONES             required  zones of the regional instance group, comma-separated,
#                                           e.g. europe-west1-b,europe-west1-c,europe-west1-d
#   VMWATCH_INSTANCE_GROUP        required  name of the managed instance group, e.g. vmwatch-fleet
#   VMWATCH_EXPORTER_PORT         optional  exporter port on every VM (default 9717)
#   VMWATCH_ALERTMANAGER_ADDRESS  optional  host:port of Alertmanager (default alertmanager:9093)
#   VMWATCH_ARCHIVER_ADDRESS      optional  host:port of the archiver (default archiver:9718)
# A missing or malformed setting stops the script with a message naming it and exit status 2;
# nothing is written then.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=/etc/prometheus
if [ "${1:-}" = "-o" ]; then
  [ $# -ge 2 ] || { echo "render.sh: -o needs a directory" >&2; exit 2; }
  out=$2
  shift 2
fi

fail() {
  printf 'vmwatch prometheus render: %s\n' "$*" >&2
  exit 2
}

# valid VALUE ERE: VALUE is one line that matches ERE entirely.
valid() {
  case $1 in *'
'*) return 1 ;; esac
  printf '%s\n' "$1" | grep -Eqx -- "$2"
}

# setting NAME ERE EXAMPLE [DEFAULT]: print the variable NAME's value after checking it.
setting() {
  eval "value=\${$1:-}"
  if [ -z "$value" ]; then
    [ $# -ge 4 ] || fail "$1 is not set (example: $1=$3); see prometheus/README.md"
    value=$4
  fi
  case $value in *'
'*) fail "$1 must be one line (example: $1=$3)" ;; esac
  valid "$value" "$2" || fail "$1='$value' is malformed (example: $1=$3)"
  printf '%s' "$value"
}

port_ok() { [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }
hostport_ere='[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:[1-9][0-9]{0,4}'
zone_ere='[a-z]+-[a-z]+[0-9]+-[a-z]'

project=$(setting VMWATCH_GCE_PROJECT '[a-z][a-z0-9-]{4,28}[a-z0-9]' my-project-123) || exit 2
zones=$(setting VMWATCH_GCE_ZONES "$zone_ere(,$zone_ere)*" europe-west1-b,europe-west1-c) || exit 2
group=$(setting VMWATCH_INSTANCE_GROUP '[a-z]([-a-z0-9]{0,61}[a-z0-9])?' vmwatch-fleet) || exit 2
port=$(setting VMWATCH_EXPORTER_PORT '[1-9][0-9]{0,4}' 9717 9717) || exit 2
port_ok "$port" || fail "VMWATCH_EXPORTER_PORT=$port is not a TCP port (1-65535)"
alertmanager=$(setting VMWATCH_ALERTMANAGER_ADDRESS "$hostport_ere" alertmanager:9093 alertmanager:9093) || exit 2
port_ok "${alertmanager##*:}" || fail "VMWATCH_ALERTMANAGER_ADDRESS=$alertmanager has no valid port"
archiver=$(setting VMWATCH_ARCHIVER_ADDRESS "$hostport_ere" archiver:9718 archiver:9718) || exit 2
port_ok "${archiver##*:}" || fail "VMWATCH_ARCHIVER_ADDRESS=$archiver has no valid port"

template=$here/prometheus.yml.tmpl
[ -r "$template" ] || fail "template $template is missing"
ls "$here"/rules/*.yml >/dev/null 2>&1 || fail "no rule files in $here/rules"

# One gce_sd_configs entry per zone; awk indents each line like the placeholder line.
sd_entries=''
seen=','
old_ifs=$IFS
IFS=,
for zone in $zones; do
  case $seen in *",$zone,"*) IFS=$old_ifs; fail "VMWATCH_GCE_ZONES lists $zone twice" ;; esac
  seen="$seen$zone,"
  sd_entries="$sd_entries- project: $project
  zone: $zone
  port: $port
  refresh_interval: 1m
"
done
IFS=$old_ifs

mkdir -p "$out/rules" "$out/file_sd" || fail "cannot create $out"
tmp=$out/.prometheus.yml.$$
trap 'rm -f "$tmp"' EXIT
SD_ENTRIES=$sd_entries VMWATCH_INSTANCE_GROUP=$group VMWATCH_ALERTMANAGER_ADDRESS=$alertmanager \
  VMWATCH_ARCHIVER_ADDRESS=$archiver awk '
  # Literal (not regex) replacement of every occurrence of key in s.
  function subst(s, key, val,   i, r) {
    r = ""
    while ((i = index(s, key)) > 0) { r = r substr(s, 1, i - 1) val; s = substr(s, i + length(key)) }
    return r s
  }
  /^[ ]*@GCE_SD_CONFIGS@[ ]*$/ {
    indent = $0; sub(/@.*/, "", indent)
    n = split(ENVIRON["SD_ENTRIES"], lines, "\n")
    for (j = 1; j <= n; j++) if (lines[j] != "") print indent lines[j]
    next
  }
  {
    line = subst($0, "@VMWATCH_INSTANCE_GROUP@", ENVIRON["VMWATCH_INSTANCE_GROUP"])
    line = subst(line, "@VMWATCH_ALERTMANAGER_ADDRESS@", ENVIRON["VMWATCH_ALERTMANAGER_ADDRESS"])
    line = subst(line, "@VMWATCH_ARCHIVER_ADDRESS@", ENVIRON["VMWATCH_ARCHIVER_ADDRESS"])
    if (line ~ /@[A-Z_]+@/) { print "unknown placeholder in template: " line > "/dev/stderr"; exit 3 }
    print line
  }' "$template" >"$tmp" || fail "rendering $template failed"
cp "$here"/rules/*.yml "$out/rules/" || fail "cannot copy rules to $out/rules"
mv "$tmp" "$out/prometheus.yml" || fail "cannot write $out/prometheus.yml"
trap - EXIT
printf 'vmwatch prometheus render: wrote %s (group %s, zones %s, exporter port %s)\n' \
  "$out/prometheus.yml" "$group" "$zones" "$port" >&2

if [ $# -gt 0 ]; then
  exec "$@"
fi
