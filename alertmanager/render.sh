#!/bin/sh
# Render the master's Alertmanager configuration from the environment.
#
# Usage: render.sh [-o OUTPUT_DIR] [COMMAND [ARG...]]
#   Writes OUTPUT_DIR/alertmanager.yml (default OUTPUT_DIR: /etc/alertmanager) from
#   alertmanager.yml.tmpl, then, when COMMAND is given, replaces itself with it (container
#   entrypoint), e.g.:
#     render.sh -o /etc/alertmanager alertmanager --config.file=/etc/alertmanager/alertmanager.yml
#
# Settings (environment):
#   VMWATCH_ALERT_WEBHOOK_URL  required  http(s) URL that receives Alertmanager's webhook POSTs,
#                                        e.g. https://hooks.example.com/vmwatch
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

url=${VMWATCH_ALERT_WEBHOOK_URL:-}
[ -n "$url" ] || fail "VMWATCH_ALERT_WEBHOOK_URL is not set (example: VMWATCH_ALERT_WEBHOOK_URL=https://hooks.example.com/vmwatch); see prometheus/README.md"
case $url in *'
'*) fail "VMWATCH_ALERT_WEBHOOK_URL must be one line" ;; esac
# Scheme, host, optional port and path; no spaces, quotes or backslashes (the value goes into a
# single-quoted YAML string) and only well-formed %XX escapes (Alertmanager refuses to start on
# any other %).
malformed="VMWATCH_ALERT_WEBHOOK_URL='$url' is malformed: want http(s)://host[:port][/path] (example: https://hooks.example.com/vmwatch)"
printf '%s\n' "$url" | grep -Eqx "https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[1-9][0-9]{0,4})?(/([^[:space:]'\"\\\\%]|%[0-9A-Fa-f]{2})*)?" \
  || fail "$malformed"
url_port=${url#*://}
url_port=${url_port%%/*}
case $url_port in
  *:*) [ "${url_port##*:}" -le 65535 ] || fail "$malformed: port ${url_port##*:} is not a TCP port (1-65535)" ;;
esac

template=$here/alertmanager.yml.tmpl
[ -r "$template" ] || fail "template $template is missing"
mkdir -p "$out" || fail "cannot create $out"
tmp=$out/.alertmanager.yml.$$
trap 'rm -f "$tmp"' EXIT
VMWATCH_ALERT_WEBHOOK_URL=$url awk '
  {
    line = $0; key = "@VMWATCH_ALERT_WEBHOOK_URL@"; r = ""
    while ((i = index(line, key)) > 0) {
      r = r substr(line, 1, i - 1) ENVIRON["VMWATCH_ALERT_WEBHOOK_URL"]; line = substr(line, i + length(key))
    }
    line = r line
    if (line ~ /@[A-Z_]+@/) { print "unknown placeholder in template: " line > "/dev/stderr"; exit 3 }
    print line
  }' "$template" >"$tmp" || fail "rendering $template failed"
mv "$tmp" "$out/alertmanager.yml" || fail "cannot write $out/alertmanager.yml"
trap - EXIT
printf 'vmwatch alertmanager render: wrote %s\n' "$out/alertmanager.yml" >&2

if [ $# -gt 0 ]; then
  exec "$@"
fi
