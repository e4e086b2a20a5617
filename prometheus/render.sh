#!/bin/sh
# Render the master's Prometheus configuration from the VMWATCH_* environment variables.
#
# Usage: render.sh [-o OUTPUT_DIR] [COMMAND [ARG...]]
#   Writes OUTPUT_DIR/prometheus.yml (default OUTPUT_DIR: /etc/prometheus) from prometheus.yml.tmpl,
#   copies rules/*.yml to OUTPUT_DIR/rules/ (with the alerts' runbook and dashboard links made
#   absolute), creates OUTPUT_DIR/file_sd/ (the vmwatch-file job's
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
#   VMWATCH_NODE_EXPORTER_ADDRESS optional  host:port of node-exporter on the master
#                                           (default node-exporter:9100)
#   VMWATCH_EXPORTER_SCHEME       optional  http or https: how the VMs' exporters are scraped
#                                           (default http)
#   VMWATCH_EXPORTER_USER         optional  basic auth user of the exporters' --web.config.file
#   VMWATCH_EXPORTER_PASSWORD_FILE          its password, in a file (e.g. /run/secrets/...);
#                                           required with VMWATCH_EXPORTER_USER; without a user
#                                           it must be empty or absent (a password without a
#                                           user is an error)
#   VMWATCH_EXPORTER_CA_FILE      optional  https: PEM CA certificate(s) the exporters'
#                                           certificates are checked against; an empty or absent
#                                           file: the system's CAs
#   VMWATCH_EXPORTER_SERVER_NAME  optional  https: the name in the exporters' certificate (the
#                                           VMs are scraped by IP address)
#   VMWATCH_GRAFANA_URL           optional  Grafana as the operators reach it, for the alerts'
#                                           dashboard links (default http://localhost:3000)
#   VMWATCH_RUNBOOK_URL           optional  where operators read prometheus/RUNBOOK.md, e.g.
#                                           https://git.example.com/ops/vmwatch/blob/main/prometheus/RUNBOOK.md
#                                           (default: the links stay prometheus/RUNBOOK.md#alert)
# Sharding (prometheus/README.md, "Shards"); without these, one master as always:
#   VMWATCH_SHARDS                optional  number of Prometheus shards the fleet is split into
#                                           (default 1: one master, no sharding)
#   VMWATCH_SHARD                 with VMWATCH_SHARDS above 1: this Prometheus' shard, 0 to
#                                           VMWATCH_SHARDS-1 (it scrapes the VMs whose hashmod of
#                                           the GCE instance id is its number, and labels all it
#                                           sends with shard="N"), or "global": the Prometheus that
#                                           federates the shards' recording rules and evaluates
#                                           the group alerts (renders global.yml.tmpl; the GCE and
#                                           exporter settings are not read then)
#   VMWATCH_ARCHIVERS             optional  how many archivers answer at VMWATCH_ARCHIVER_ADDRESS's
#                                           name (default 1); above 1 the archiver job finds each
#                                           by DNS (an A record per archiver, as Docker's DNS gives
#                                           for a service's replicas), so each is scraped
#   VMWATCH_SHARD_ADDRESSES       global    host:port of every shard's Prometheus, comma-separated,
#                                           in shard order (VMWATCH_SHARDS of them)
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
host_ere='[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?'
path_ere='/[A-Za-z0-9._/-]*[A-Za-z0-9._-]'
# http(s)://host[:port][/path]: no quotes, blanks, backslashes, # or ? (they go into single-quoted
# YAML strings and are followed by #anchor or ?query).
url_ere='https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[1-9][0-9]{0,4})?(/[A-Za-z0-9._~/%+-]*)?'
zone_ere='[a-z]+-[a-z]+[0-9]+-[a-z]'

# Sharding: one master (role single), shard N of VMWATCH_SHARDS (role shard), or the global
# Prometheus over the shards (role global).
shards=$(setting VMWATCH_SHARDS '[1-9][0-9]{0,2}' 4 1) || exit 2
shard=${VMWATCH_SHARD:-}
role=single
if [ "$shards" = 1 ]; then
  [ -z "$shard" ] || fail "VMWATCH_SHARD=$shard needs VMWATCH_SHARDS above 1 (example: VMWATCH_SHARDS=4 VMWATCH_SHARD=0)"
elif [ "$shard" = global ]; then
  role=global
else
  shard=$(setting VMWATCH_SHARD '0|[1-9][0-9]{0,2}' 0) || exit 2
  [ "$shard" -lt "$shards" ] || fail "VMWATCH_SHARD=$shard is not below VMWATCH_SHARDS=$shards (shards are numbered from 0)"
  role=shard
fi
shard_addresses=''
if [ "$role" = global ]; then
  shard_addresses=$(setting VMWATCH_SHARD_ADDRESSES "$hostport_ere(,$hostport_ere)*" prometheus-0:9090,prometheus-1:9090) || exit 2
  n=0
  old_ifs=$IFS
  IFS=,
  for address in $shard_addresses; do
    port_ok "${address##*:}" || { IFS=$old_ifs; fail "VMWATCH_SHARD_ADDRESSES: $address has no valid port"; }
    n=$((n + 1))
  done
  IFS=$old_ifs
  [ "$n" = "$shards" ] || fail "VMWATCH_SHARD_ADDRESSES names $n Prometheus, VMWATCH_SHARDS=$shards"
elif [ -n "${VMWATCH_SHARD_ADDRESSES:-}" ]; then
  fail "VMWATCH_SHARD_ADDRESSES is for VMWATCH_SHARD=global only"
fi

project='' zones='' group=''
if [ "$role" != global ]; then
  project=$(setting VMWATCH_GCE_PROJECT '[a-z][a-z0-9-]{4,28}[a-z0-9]' my-project-123) || exit 2
  zones=$(setting VMWATCH_GCE_ZONES "$zone_ere(,$zone_ere)*" europe-west1-b,europe-west1-c) || exit 2
  group=$(setting VMWATCH_INSTANCE_GROUP '[a-z]([-a-z0-9]{0,61}[a-z0-9])?' vmwatch-fleet) || exit 2
fi
port=$(setting VMWATCH_EXPORTER_PORT '[1-9][0-9]{0,4}' 9717 9717) || exit 2
port_ok "$port" || fail "VMWATCH_EXPORTER_PORT=$port is not a TCP port (1-65535)"
alertmanager=$(setting VMWATCH_ALERTMANAGER_ADDRESS "$hostport_ere" alertmanager:9093 alertmanager:9093) || exit 2
port_ok "${alertmanager##*:}" || fail "VMWATCH_ALERTMANAGER_ADDRESS=$alertmanager has no valid port"
archiver=$(setting VMWATCH_ARCHIVER_ADDRESS "$hostport_ere" archiver:9718 archiver:9718) || exit 2
port_ok "${archiver##*:}" || fail "VMWATCH_ARCHIVER_ADDRESS=$archiver has no valid port"
archivers=$(setting VMWATCH_ARCHIVERS '[1-9][0-9]{0,1}' 2 1) || exit 2
archiver_targets="static_configs:
  - targets: ['$archiver']
"
if [ "$archivers" != 1 ]; then
  case ${archiver%:*} in
    *[!0-9.]*) ;;
    *) fail "VMWATCH_ARCHIVERS=$archivers needs a name in VMWATCH_ARCHIVER_ADDRESS that DNS resolves to every archiver, not the address $archiver" ;;
  esac
  # Each archiver behind the one name, scraped on its own (their counters must not mix).
  archiver_targets="# $archivers archivers behind $archiver (VMWATCH_ARCHIVERS): each found by DNS.
dns_sd_configs:
  - names: ['${archiver%:*}']
    type: A
    port: ${archiver##*:}
    refresh_interval: 30s
"
fi
node=$(setting VMWATCH_NODE_EXPORTER_ADDRESS "$hostport_ere" node-exporter:9100 node-exporter:9100) || exit 2
port_ok "${node##*:}" || fail "VMWATCH_NODE_EXPORTER_ADDRESS=$node has no valid port"
grafana=$(setting VMWATCH_GRAFANA_URL "$url_ere" https://grafana.example.com http://localhost:3000) || exit 2
grafana=${grafana%/}
runbook=prometheus/RUNBOOK.md
if [ -n "${VMWATCH_RUNBOOK_URL:-}" ]; then
  runbook=$(setting VMWATCH_RUNBOOK_URL "$url_ere" https://git.example.com/ops/vmwatch/blob/main/prometheus/RUNBOOK.md) || exit 2
fi

# How the exporters are scraped: scheme, basic auth (password in a file), TLS.
scheme=$(setting VMWATCH_EXPORTER_SCHEME 'https?' https http) || exit 2
scrape_settings="scheme: $scheme
"
user=${VMWATCH_EXPORTER_USER:-}
password_file=${VMWATCH_EXPORTER_PASSWORD_FILE:-}
if [ -n "$user" ]; then
  user=$(setting VMWATCH_EXPORTER_USER '[A-Za-z0-9._-]{1,64}' prometheus) || exit 2
  [ -n "$password_file" ] || fail "VMWATCH_EXPORTER_USER is set but VMWATCH_EXPORTER_PASSWORD_FILE is not (example: VMWATCH_EXPORTER_PASSWORD_FILE=/run/secrets/exporter_password)"
  password_file=$(setting VMWATCH_EXPORTER_PASSWORD_FILE "$path_ere" /run/secrets/exporter_password) || exit 2
  if [ ! -f "$password_file" ] || [ ! -r "$password_file" ]; then fail "VMWATCH_EXPORTER_PASSWORD_FILE=$password_file is not a readable file"; fi
  [ -s "$password_file" ] || fail "VMWATCH_EXPORTER_PASSWORD_FILE=$password_file is empty"
  [ "$scheme" = https ] || printf 'vmwatch prometheus render: WARNING: basic auth over http: the exporter password crosses the network in clear (VMWATCH_EXPORTER_SCHEME=https)\n' >&2
  scrape_settings="${scrape_settings}basic_auth:
  username: '$user'
  password_file: '$password_file'
"
elif [ -n "$password_file" ] && [ -s "$password_file" ]; then
  fail "VMWATCH_EXPORTER_PASSWORD_FILE=$password_file holds a password but VMWATCH_EXPORTER_USER is not set (example: VMWATCH_EXPORTER_USER=prometheus)"
fi
ca_file=${VMWATCH_EXPORTER_CA_FILE:-}
# An empty or absent CA file counts as unset (docker-compose.yml always names the secret's file).
[ -z "$ca_file" ] || [ -s "$ca_file" ] || ca_file=''
server_name=${VMWATCH_EXPORTER_SERVER_NAME:-}
if [ "$scheme" = https ]; then
  tls=''
  if [ -n "$ca_file" ]; then
    ca_file=$(setting VMWATCH_EXPORTER_CA_FILE "$path_ere" /run/secrets/exporter_ca.crt) || exit 2
    if [ ! -f "$ca_file" ] || [ ! -r "$ca_file" ]; then fail "VMWATCH_EXPORTER_CA_FILE=$ca_file is not a readable file"; fi
    grep -q 'BEGIN CERTIFICATE' "$ca_file" || fail "VMWATCH_EXPORTER_CA_FILE=$ca_file holds no PEM certificate"
    tls="$tls  ca_file: '$ca_file'
"
  fi
  if [ -n "$server_name" ]; then
    server_name=$(setting VMWATCH_EXPORTER_SERVER_NAME "$host_ere" vmwatch-exporter) || exit 2
    tls="$tls  server_name: '$server_name'
"
  fi
  [ -z "$tls" ] || scrape_settings="${scrape_settings}tls_config:
$tls"
elif [ -n "$ca_file" ] || [ -n "$server_name" ]; then
  fail "VMWATCH_EXPORTER_CA_FILE and VMWATCH_EXPORTER_SERVER_NAME need VMWATCH_EXPORTER_SCHEME=https"
fi

template=$here/prometheus.yml.tmpl
[ "$role" != global ] || template=$here/global.yml.tmpl
[ -r "$template" ] || fail "template $template is missing"
ls "$here"/rules/*.yml >/dev/null 2>&1 || fail "no rule files in $here/rules"

# What sharding adds (nothing for one master): the shard's external label and the relabeling that
# keeps its share of the targets (hashmod of the GCE instance id, which stays with a VM for its
# life and is never reused; of the address for the vmwatch-file job), or the global's federation
# targets.
external_labels='' shard_relabel='' shard_file_relabel='' federate_targets=''
if [ "$role" = shard ]; then
  external_labels="external_labels:
  shard: '$shard'
"
  # hashmod_keep SOURCE_LABEL: the two relabel rules that keep the targets of this shard.
  hashmod_keep() {
    printf '%s\n' "- source_labels: [$1]" "  modulus: $shards" "  target_label: __tmp_vmwatch_shard" "  action: hashmod" \
      "- source_labels: [__tmp_vmwatch_shard]" "  regex: '$shard'" "  action: keep"
  }
  shard_relabel="# Shard $shard of $shards (VMWATCH_SHARD, VMWATCH_SHARDS): only the VMs whose instance id
# hashes to it.
$(hashmod_keep __meta_gce_instance_id)"
  shard_file_relabel="relabel_configs:
  # Shard $shard of $shards: only the targets whose address hashes to it.
$(hashmod_keep __address__ | sed 's/^/  /')"
elif [ "$role" = global ]; then
  old_ifs=$IFS
  IFS=,
  for address in $shard_addresses; do federate_targets="$federate_targets- '$address'
"; done
  IFS=$old_ifs
fi

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
  filter: 'status = \"RUNNING\"'
  refresh_interval: 1m
"
done
IFS=$old_ifs

mkdir -p "$out/rules" "$out/file_sd" || fail "cannot create $out"
tmp=$out/.prometheus.yml.$$
trap 'rm -f "$tmp"' EXIT
SD_ENTRIES=$sd_entries SCRAPE_SETTINGS=$scrape_settings VMWATCH_INSTANCE_GROUP=${group:-} \
  EXTERNAL_LABELS=$external_labels SHARD_RELABEL=$shard_relabel SHARD_FILE_RELABEL=$shard_file_relabel \
  FEDERATE_TARGETS=$federate_targets ARCHIVER_TARGETS=$archiver_targets \
  VMWATCH_ALERTMANAGER_ADDRESS=$alertmanager VMWATCH_ARCHIVER_ADDRESS=$archiver VMWATCH_NODE_EXPORTER_ADDRESS=$node awk '
  # Literal (not regex) replacement of every occurrence of key in s.
  function subst(s, key, val,   i, r) {
    r = ""
    while ((i = index(s, key)) > 0) { r = r substr(s, 1, i - 1) val; s = substr(s, i + length(key)) }
    return r s
  }
  # block(name): the lines of ENVIRON[name], each indented like the placeholder line.
  function block(name,   indent, n, j, lines) {
    indent = $0; sub(/@.*/, "", indent)
    n = split(ENVIRON[name], lines, "\n")
    for (j = 1; j <= n; j++) if (lines[j] != "") print indent lines[j]
  }
  /^[ ]*@GCE_SD_CONFIGS@[ ]*$/ { block("SD_ENTRIES"); next }
  /^[ ]*@EXPORTER_SCRAPE_SETTINGS@[ ]*$/ { block("SCRAPE_SETTINGS"); next }
  /^[ ]*@EXTERNAL_LABELS@[ ]*$/ { block("EXTERNAL_LABELS"); next }
  /^[ ]*@SHARD_RELABEL@[ ]*$/ { block("SHARD_RELABEL"); next }
  /^[ ]*@SHARD_FILE_RELABEL@[ ]*$/ { block("SHARD_FILE_RELABEL"); next }
  /^[ ]*@FEDERATE_TARGETS@[ ]*$/ { block("FEDERATE_TARGETS"); next }
  /^[ ]*@ARCHIVER_TARGETS@[ ]*$/ { block("ARCHIVER_TARGETS"); next }
  {
    line = subst($0, "@VMWATCH_INSTANCE_GROUP@", ENVIRON["VMWATCH_INSTANCE_GROUP"])
    line = subst(line, "@VMWATCH_ALERTMANAGER_ADDRESS@", ENVIRON["VMWATCH_ALERTMANAGER_ADDRESS"])
    line = subst(line, "@VMWATCH_ARCHIVER_ADDRESS@", ENVIRON["VMWATCH_ARCHIVER_ADDRESS"])
    line = subst(line, "@VMWATCH_NODE_EXPORTER_ADDRESS@", ENVIRON["VMWATCH_NODE_EXPORTER_ADDRESS"])
    if (line ~ /@[A-Z_]+@/) { print "unknown placeholder in template: " line > "/dev/stderr"; exit 3 }
    print line
  }' "$template" >"$tmp" || fail "rendering $template failed"
# Which rules each role evaluates. One master: all. A shard: all but the group-wide ones (their
# input is split over the shards). The global: the group-wide ones over the federated recording
# rules, the alerts about Prometheus itself and its remote write, and rules-global/ (the shards).
group_rules='group:vmwatch-fleet alert:VmGroupCpuAboveTarget alert:VmGroupTargetsMissing'
rules_mode=all rules_set=''
rule_files=$(ls "$here"/rules/*.yml)
machine_link=''
if [ "$role" = shard ]; then
  rules_mode=drop rules_set=$group_rules
  # The per-VM dashboard links name the shard's Grafana data source (grafana/README.md, "Shards").
  machine_link="&var-prometheus=vmwatch-prometheus-shard-$shard"
elif [ "$role" = global ]; then
  rules_mode=keep
  rules_set="$group_rules alert:Watchdog alert:PrometheusRuleFailures alert:PrometheusBadConfig"
  rules_set="$rules_set alert:PrometheusNotConnectedToAlertmanagers alert:PrometheusErrorSendingAlertsToAnyAlertmanager"
  rules_set="$rules_set alert:PrometheusNotificationsDropped alert:PrometheusNotificationQueueRunningFull"
  rules_set="$rules_set alert:ArchiverFailing alert:PrometheusRemoteWriteDesiredShards"
  ls "$here"/rules-global/*.yml >/dev/null 2>&1 || fail "no rule files in $here/rules-global"
  rule_files="$rule_files $(ls "$here"/rules-global/*.yml)"
fi
# The rules, with the alerts' links made absolute: runbook_url 'prometheus/RUNBOOK.md#...' and
# dashboard '/d/...' (a path on Grafana).
for rules in $rule_files; do
  target=$out/rules/$(basename "$rules")
  mode=$rules_mode
  case $rules in "$here"/rules-global/*) mode=all ;; esac
  RULES_MODE=$mode RULES_SET=$rules_set awk '
    # Keeps or drops whole rule groups ("group:NAME") and rules ("alert:NAME", "record:NAME") of a
    # rule file as Prometheus writes them (groups at "  - name:", rules at "      - alert:" or
    # "      - record:"); comment lines go with the item below them; a group left without rules
    # goes, a file left without groups is not written.
    function wanted(key) {
      if (ENVIRON["RULES_MODE"] == "all") return 1
      hit = (("group:" gname) in sel) || (key in sel)
      return ENVIRON["RULES_MODE"] == "keep" ? hit : !hit
    }
    function end_rule() { if (rule != "" && wanted(rkey)) { body = body rule; kept++ } rule = "" }
    function end_group() { end_rule(); if (head != "" && kept > 0) { text = text head body; groups++ } head = ""; body = ""; kept = 0 }
    BEGIN { n = split(ENVIRON["RULES_SET"], a, " "); for (i = 1; i <= n; i++) sel[a[i]] = 1 }
    /^  - name: / { end_group(); gname = $3; head = pending $0 "\n"; pending = ""; state = "group"; next }
    /^      - (alert|record): / { end_rule(); rkey = $2 $3; rule = pending $0 "\n"; pending = ""; state = "rule"; next }
    /^[ ]*(#.*)?$/ && state != "" { pending = pending $0 "\n"; next }
    {
      line = pending $0 "\n"; pending = ""
      if (state == "rule") rule = rule line; else if (state == "group") head = head line; else text = text line
    }
    END { end_group(); if (groups > 0 || ENVIRON["RULES_MODE"] == "all") printf "%s%s", text, pending; else exit 1 }
  ' "$rules" >"$target.tmp" || { rm -f "$target.tmp"; continue; }
  RUNBOOK=$runbook GRAFANA=$grafana MACHINE_LINK=$machine_link awk '
    {
      if (match($0, /^[ ]*runbook_url: \x27prometheus\/RUNBOOK\.md#/)) {
        $0 = substr($0, 1, index($0, "prometheus/RUNBOOK.md#") - 1) ENVIRON["RUNBOOK"] substr($0, index($0, "#"))
      } else if (match($0, /^[ ]*dashboard: \x27\/d\//)) {
        i = index($0, "\x27/d/")
        $0 = substr($0, 1, i) ENVIRON["GRAFANA"] substr($0, i + 1)
        if (ENVIRON["MACHINE_LINK"] != "" && index($0, "/d/vmwatch-machine?")) $0 = substr($0, 1, length($0) - 1) ENVIRON["MACHINE_LINK"] "\x27"
      }
      print
    }' "$target.tmp" >"$target" || fail "cannot copy $rules to $out/rules"
  rm -f "$target.tmp"
done
mv "$tmp" "$out/prometheus.yml" || fail "cannot write $out/prometheus.yml"
trap - EXIT
case $role in
  single) printf 'vmwatch prometheus render: wrote %s (group %s, zones %s, exporter port %s)\n' \
    "$out/prometheus.yml" "$group" "$zones" "$port" >&2 ;;
  shard) printf 'vmwatch prometheus render: wrote %s (shard %s of %s; group %s, zones %s, exporter port %s)\n' \
    "$out/prometheus.yml" "$shard" "$shards" "$group" "$zones" "$port" >&2 ;;
  global) printf 'vmwatch prometheus render: wrote %s (global over %s shards: %s)\n' \
    "$out/prometheus.yml" "$shards" "$shard_addresses" >&2 ;;
esac

if [ $# -gt 0 ]; then
  exec "$@"
fi
