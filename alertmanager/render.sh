#!/bin/sh
# Render the master's Alertmanager configuration from the environment.
#
# Usage: render.sh [-o OUTPUT_DIR] [COMMAND [ARG...]]
#   Writes OUTPUT_DIR/alertmanager.yml (default OUTPUT_DIR: /etc/alertmanager) from
#   alertmanager.yml.tmpl, then, when COMMAND is given, replaces itself with it (container
#   entrypoint), e.g.:
#     render.sh -o /etc/alertmanager alertmanager --config.file=/etc/alertmanager/alertmanager.yml
#
# Settings (environment); each URL may instead come from a file (NAME_FILE, e.g. a Docker secret
# in /run/secrets), so that it is not in the container's environment. Setting both is an error.
#   VMWATCH_ALERT_WEBHOOK_URL  required  http(s) URL that receives Alertmanager's webhook POSTs,
#                                        e.g. https://hooks.example.com/vmwatch
#   VMWATCH_HEARTBEAT_URL      optional  http(s) URL of the dead man's switch service that receives
#                                        the always-firing Watchdog every 5 minutes; unset or an
#                                        empty file: no heartbeat (a warning says so)
# A missing or malformed setting stops the script with a message naming it and exit status 2;
# nothing is written then.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=/etc/alertmanager
if [ "${1:-}" = "-o" ]; then
  [ $# -ge 2 ] || { echo "render.sh: -o needs a directory" >&2; exit 2; }
  out=$2
  shift 2
fi

fail() {
  printf 'vmwatch alertmanager render: %s\n' "$*" >&2
  exit 2
}

# secret NAME: the value of NAME, or the content of the file named by NAME_FILE (trailing newlines
# and blanks removed). Empty when neither is set.
secret() {
  eval "direct=\${$1:-}; file=\${$1_FILE:-}"
  if [ -n "$file" ]; then
    [ -z "$direct" ] || fail "set $1 or $1_FILE, not both"
    if [ ! -f "$file" ] || [ ! -r "$file" ]; then fail "$1_FILE=$file is not a readable file"; fi
    # Command substitution drops the trailing newlines; sed the trailing blanks.
    direct=$(sed -e 's/[[:space:]]*$//' "$file") || fail "cannot read $1_FILE=$file"
  fi
  printf '%s' "$direct"
}

# check_url NAME VALUE: VALUE is http(s)://host[:port][/path], one line, no quote, space, backslash
# (the value goes into a single-quoted YAML string) and only well-formed %XX escapes (Alertmanager
# refuses to start on any other %).
check_url() {
  case $2 in *'
'*) fail "$1 must be one line" ;; esac
  malformed="$1='$2' is malformed: want http(s)://host[:port][/path] (example: https://hooks.example.com/vmwatch)"
  printf '%s\n' "$2" | grep -Eqx "https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[1-9][0-9]{0,4})?(/([^[:space:]'\"\\\\%]|%[0-9A-Fa-f]{2})*)?" \
    || fail "$malformed"
  url_port=${2#*://}
  url_port=${url_port%%/*}
  case $url_port in
    *:*) [ "${url_port##*:}" -le 65535 ] || fail "$malformed: port ${url_port##*:} is not a TCP port (1-65535)" ;;
  esac
}

url=$(secret VMWATCH_ALERT_WEBHOOK_URL) || exit 2
[ -n "$url" ] || fail "VMWATCH_ALERT_WEBHOOK_URL is not set (example: VMWATCH_ALERT_WEBHOOK_URL=https://hooks.example.com/vmwatch, or VMWATCH_ALERT_WEBHOOK_URL_FILE=/run/secrets/alert_webhook_url); see prometheus/README.md"
check_url VMWATCH_ALERT_WEBHOOK_URL "$url"
heartbeat=$(secret VMWATCH_HEARTBEAT_URL) || exit 2
if [ -n "$heartbeat" ]; then
  check_url VMWATCH_HEARTBEAT_URL "$heartbeat"
  heartbeat_configs="webhook_configs:
  - url: '$heartbeat'
    send_resolved: false"
else
  printf 'vmwatch alertmanager render: WARNING: VMWATCH_HEARTBEAT_URL is not set: no heartbeat (dead man'"'"'s switch) leaves Alertmanager, so nothing outside notices when alerting breaks\n' >&2
  heartbeat_configs=''
fi

template=$here/alertmanager.yml.tmpl
[ -r "$template" ] || fail "template $template is missing"
mkdir -p "$out" || fail "cannot create $out"
tmp=$out/.alertmanager.yml.$$
trap 'rm -f "$tmp"' EXIT
# The rendered file holds the URLs: readable by its owner only.
(umask 077 && : >"$tmp") || fail "cannot write $tmp"
VMWATCH_ALERT_WEBHOOK_URL=$url HEARTBEAT_CONFIGS=$heartbeat_configs awk '
  # Literal (not regex) replacement of every occurrence of key in s.
  function subst(s, key, val,   i, r) {
    r = ""
    while ((i = index(s, key)) > 0) { r = r substr(s, 1, i - 1) val; s = substr(s, i + length(key)) }
    return r s
  }
  /^[ ]*@HEARTBEAT_WEBHOOK_CONFIGS@[ ]*$/ {
    indent = $0; sub(/@.*/, "", indent)
    n = split(ENVIRON["HEARTBEAT_CONFIGS"], lines, "\n")
    for (j = 1; j <= n; j++) if (lines[j] != "") print indent lines[j]
    next
  }
  {
    line = subst($0, "@VMWATCH_ALERT_WEBHOOK_URL@", ENVIRON["VMWATCH_ALERT_WEBHOOK_URL"])
    if (line ~ /@[A-Z_]+@/) { print "unknown placeholder in template: " line > "/dev/stderr"; exit 3 }
    print line
  }' "$template" >"$tmp" || fail "rendering $template failed"
mv "$tmp" "$out/alertmanager.yml" || fail "cannot write $out/alertmanager.yml"
trap - EXIT
if [ -n "$heartbeat" ]; then with=with; else with=without; fi
printf 'vmwatch alertmanager render: wrote %s (%s heartbeat)\n' "$out/alertmanager.yml" "$with" >&2

if [ $# -gt 0 ]; then
  exec "$@"
fi
