#!/bin/bash
# vmwatch startup script for the instance template (metadata key startup-script). Compute Engine
# runs it as root on every boot; it is idempotent:
#   1. installs the headers of the running kernel (linux-headers-$(uname -r)), so DKMS can build
#      the vmwatch modules for it (also after a kernel upgrade);
#   2. fetches the vmwatch .deb named by the instance metadata attribute vmwatch-deb-url
#      (gs://BUCKET/PATH, https://URL or a local /path) and installs it when it differs from
#      the installed one;
#   3. makes sure the modules are built and loaded (/proc/vmwatch_* exist) and the exporter
#      runs, listening on the port from metadata, and answers /-/healthy within a bounded wait.
# It exits 0 when all of that holds, otherwise non-zero with one line "vmwatch-startup: FAILED: ..."
# (stdout, which Compute Engine copies to the serial console and the journal, and syslog).
#
# Instance metadata attributes:
#   vmwatch-deb-url        required: where the package is
#   vmwatch-exporter-port  optional: the exporter's port [9717]; another port is set with a
#                          drop-in, vmwatch-exporter.service.d/vmwatch-port.conf
# Environment (for troubleshooting by hand and for tests):
#   VMWATCH_METADATA_URL   metadata server [http://metadata.google.internal/computeMetadata/v1]
#   VMWATCH_STORAGE_URL    Cloud Storage JSON API [https://storage.googleapis.com]
#   VMWATCH_PROC_DIR       where the module files appear [/proc]
#   VMWATCH_STATE_DIR      downloads and install record [/var/lib/vmwatch]
#   VMWATCH_SYSTEMD_DIR    where the port drop-in goes [/etc/systemd/system]
#   VMWATCH_HEALTH_TIMEOUT seconds to wait for /-/healthy [180]
set -uo pipefail

TAG=vmwatch-startup
METADATA_URL=${VMWATCH_METADATA_URL:-http://metadata.google.internal/computeMetadata/v1}
STORAGE_URL=${VMWATCH_STORAGE_URL:-https://storage.googleapis.com}
PROC_DIR=${VMWATCH_PROC_DIR:-/proc}
STATE_DIR=${VMWATCH_STATE_DIR:-/var/lib/vmwatch}
SYSTEMD_DIR=${VMWATCH_SYSTEMD_DIR:-/etc/systemd/system}
DEFAULT_PORT=9717
HEALTH_TIMEOUT=${VMWATCH_HEALTH_TIMEOUT:-180}
MODULES=(vmwatch_cpu vmwatch_mem vmwatch_procs)
SERVICE=vmwatch-exporter.service
export DEBIAN_FRONTEND=noninteractive
# Other first-boot jobs (guest agent, unattended-upgrades) may hold the dpkg lock for a while.
APT=(timeout 900 apt-get -q -y -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

log() { echo "$TAG: $*"; }
fail() {
  echo "$TAG: FAILED: $*"
  logger -t "$TAG" -p user.err -- "FAILED: $*" 2>/dev/null
  exit 1
}

# metadata ATTRIBUTE: prints an instance attribute; fails when it is not set.
metadata() {
  curl -fsS --max-time 5 --retry 3 --retry-connrefused -H 'Metadata-Flavor: Google' \
    "$METADATA_URL/instance/attributes/$1"
}

# urlencode TEXT: percent-encodes everything but unreserved characters (for object names).
urlencode() {
  local text=$1 out="" char i
  for ((i = 0; i < ${#text}; i++)); do
    char=${text:i:1}
    case $char in
      [A-Za-z0-9._~-]) out+=$char ;;
      *) out+=$(printf '%%%02X' "'$char") ;;
    esac
  done
  printf '%s' "$out"
}

# fetch URL FILE: gs:// through the Cloud Storage API with the VM's service account token,
# https:// with curl, /path by copying.
fetch() {
  local url=$1 file=$2 token bucket object
  case $url in
    gs://*/*)
      bucket=${url#gs://} bucket=${bucket%%/*} object=${url#gs://*/}
      token=$(curl -fsS --max-time 5 --retry 3 -H 'Metadata-Flavor: Google' \
        "$METADATA_URL/instance/service-accounts/default/token" \
        | sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p') || return 1
      [ -n "$token" ] || { log "no access token from the metadata server (does the VM have a service account?)"; return 1; }
      curl -fsS --max-time 300 --retry 3 -H "Authorization: Bearer $token" -o "$file" \
        "$STORAGE_URL/storage/v1/b/$bucket/o/$(urlencode "$object")?alt=media"
      ;;
    https://*) curl -fsSL --max-time 300 --retry 3 -o "$file" "$url" ;;
    /*) cp -- "$url" "$file" ;;
    *) log "unsupported URL '$url'"; return 1 ;;
  esac
}

installed_version() { dpkg-query -W -f='${db:Status-Status} ${Version}' vmwatch 2>/dev/null | sed -n 's/^installed //p'; }

apt_updated=0
apt_update() {
  [ "$apt_updated" = 1 ] && return 0
  log "apt-get update"
  "${APT[@]}" update && apt_updated=1
}

# --- 1. headers of the running kernel -----------------------------------------------------
kernel=$(uname -r)
headers=linux-headers-$kernel
if [ "$(dpkg-query -W -f='${db:Status-Status}' "$headers" 2>/dev/null)" = installed ]; then
  log "$headers already installed"
else
  log "installing $headers"
  apt_update || fail "apt-get update failed"
  "${APT[@]}" install --no-install-recommends "$headers" || fail "could not install $headers"
fi

# --- 2. the package ---------------------------------------------------------------------------
deb_url=$(metadata vmwatch-deb-url) || fail "instance metadata attribute vmwatch-deb-url is not set (gs://BUCKET/PATH.deb, https://URL or /path)"
port=$(metadata vmwatch-exporter-port) || port=$DEFAULT_PORT
if ! [[ $port =~ ^[0-9]{1,5}$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
  fail "metadata vmwatch-exporter-port '$port' is not a port"
fi
port=$((10#$port))

mkdir -p "$STATE_DIR/download" || fail "cannot create $STATE_DIR"
deb=$STATE_DIR/download/vmwatch.deb
log "fetching $deb_url"
fetch "$deb_url" "$deb.part" || fail "could not fetch $deb_url"
package=$(dpkg-deb -f "$deb.part" Package 2>/dev/null) || fail "$deb_url is not a Debian package"
[ "$package" = vmwatch ] || fail "$deb_url holds package '$package', not vmwatch"
mv -f "$deb.part" "$deb" || fail "cannot write $deb"
version=$(dpkg-deb -f "$deb" Version)
sum=$(sha256sum "$deb" | cut -d' ' -f1)
if [ "$(installed_version)" = "$version" ] && [ "$(cat "$STATE_DIR/installed.sha256" 2>/dev/null)" = "$sum" ]; then
  log "vmwatch $version already installed from this package"
else
  log "installing vmwatch $version"
  apt_update || fail "apt-get update failed"
  "${APT[@]}" install --reinstall --no-install-recommends "$deb" || fail "could not install vmwatch $version (apt-get install $deb)"
  [ "$(installed_version)" = "$version" ] || fail "vmwatch $version is not installed after apt-get install"
  echo "$sum" >"$STATE_DIR/installed.sha256"
fi

# --- 3. modules and exporter --------------------------------------------------------------------
if [ -z "$(dkms status -m vmwatch -v "$version" 2>/dev/null)" ]; then
  dkms add -m vmwatch -v "$version" || fail "dkms add of /usr/src/vmwatch-$version failed"
fi
case $(dkms status -m vmwatch -v "$version" -k "$kernel" 2>/dev/null) in
  *": installed"*) ;;
  *) log "building the vmwatch modules for $kernel"
     dkms install -m vmwatch -v "$version" -k "$kernel" || fail "dkms could not build vmwatch $version for $kernel (see /var/lib/dkms/vmwatch/$version/build/make.log)" ;;
esac
for module in "${MODULES[@]}"; do
  modprobe "$module" || fail "modprobe $module failed (Secure Boot on? the template turns it off)"
  [ -e "$PROC_DIR/$module" ] || fail "$module is loaded but $PROC_DIR/$module does not exist"
done
log "modules loaded: ${MODULES[*]}"

# The listen port: the package's default, or a drop-in that puts --web.listen-address first
# (a --web.listen-address in /etc/default/vmwatch-exporter still wins, being later).
dropin=$SYSTEMD_DIR/$SERVICE.d/vmwatch-port.conf
want=""
if [ "$port" != "$DEFAULT_PORT" ]; then
  # shellcheck disable=SC2016 # $VMWATCH_EXPORTER_ARGS is expanded by systemd
  want=$(printf '[Service]\nExecStart=\nExecStart=/usr/bin/vmwatch-exporter --web.listen-address=:%s $VMWATCH_EXPORTER_ARGS' "$port")
fi
restart=0
if [ "$(cat "$dropin" 2>/dev/null)" != "$want" ]; then
  if [ -z "$want" ]; then
    log "exporter port $port: removing $dropin"
    rm -f "$dropin" || fail "cannot remove $dropin"
  else
    log "exporter port $port: writing $dropin"
    mkdir -p "${dropin%/*}" || fail "cannot create ${dropin%/*}"
    printf '%s\n' "$want" >"$dropin" || fail "cannot write $dropin"
  fi
  systemctl daemon-reload || fail "systemctl daemon-reload failed"
  restart=1
fi

systemctl enable --quiet "$SERVICE" || fail "cannot enable $SERVICE"
if [ "$restart" = 1 ] || ! systemctl --quiet is-active "$SERVICE"; then
  log "starting $SERVICE"
  systemctl restart "$SERVICE" || fail "cannot start $SERVICE (journalctl -u $SERVICE)"
fi
health=http://127.0.0.1:$port/-/healthy
start=$SECONDS
until curl -fs -o /dev/null --max-time 5 "$health"; do
  if ((SECONDS - start >= HEALTH_TIMEOUT)); then
    fail "exporter did not answer $health within ${HEALTH_TIMEOUT}s (journalctl -u $SERVICE)"
  fi
  if (((SECONDS - start) % 10 == 0)); then log "waiting for $health ($((SECONDS - start))s of ${HEALTH_TIMEOUT}s)"; fi
  sleep 1
done
log "ready: vmwatch $version, modules loaded, exporter healthy on port $port"
logger -t "$TAG" -- "ready: vmwatch $version on port $port" 2>/dev/null
exit 0
