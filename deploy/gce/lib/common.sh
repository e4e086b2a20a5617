# shellcheck shell=bash
# Shared helpers for the deploy/gce scripts: flag checks, and running (or, with --dry-run,
# printing) gcloud commands. Source it; it defines functions and DRY_RUN only.

DRY_RUN=${DRY_RUN:-0}
PROGRAM=$(basename "$0")

die() { printf '%s: error: %s\n' "$PROGRAM" "$*" >&2; exit 2; }
note() { printf '%s: %s\n' "$PROGRAM" "$*" >&2; }

# need_value FLAG VALUE-COUNT: a flag that takes a value must have one.
need_value() {
  [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"
}

# check_name FLAG VALUE: a Compute Engine resource name (RFC 1035: lower case, digits, hyphens).
check_name() {
  [[ $2 =~ ^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$ ]] \
    || die "$1 '$2' is not a valid resource name (lower-case letters, digits and hyphens, starting with a letter, at most 63)"
}

# check_names FLAG LIST: a comma-separated list of resource names (network tags).
check_names() {
  local item
  [ -n "$2" ] || die "$1 must not be empty"
  IFS=, read -r -a _items <<<"$2"
  for item in "${_items[@]}"; do check_name "$1" "$item"; done
}

# check_int FLAG VALUE MIN MAX
check_int() {
  [[ $2 =~ ^[0-9]+$ ]] || die "$1 '$2' is not a whole number"
  (( 10#$2 >= $3 && 10#$2 <= $4 )) || die "$1 $2 is out of range ($3..$4)"
}

# check_fraction FLAG VALUE: a number above 0 and at most 1, e.g. 0.6.
check_fraction() {
  [[ $2 =~ ^(0?\.[0-9]*[1-9][0-9]*|1(\.0*)?)$ ]] || die "$1 '$2' is not a fraction above 0 and at most 1 (e.g. 0.6)"
}

# check_region FLAG VALUE, check_zone FLAG VALUE: us-central1, us-central1-a.
check_region() {
  [[ $2 =~ ^[a-z]+-[a-z]+[0-9]+$ ]] || die "$1 '$2' is not a region (e.g. us-central1)"
}
check_zone() {
  [[ $2 =~ ^[a-z]+-[a-z]+[0-9]+-[a-z]$ ]] || die "$1 '$2' is not a zone (e.g. us-central1-a)"
}

# check_cidr FLAG VALUE: an IPv4 range such as 10.128.0.0/20.
check_cidr() {
  local ip prefix octet
  [[ $2 =~ ^([0-9]{1,3}(\.[0-9]{1,3}){3})/([0-9]{1,2})$ ]] || die "$1 '$2' is not an IPv4 range (e.g. 10.128.0.5/32)"
  ip=${BASH_REMATCH[1]} prefix=${BASH_REMATCH[3]}
  (( 10#$prefix <= 32 )) || die "$1 '$2': prefix length above 32"
  IFS=. read -r -a _octets <<<"$ip"
  for octet in "${_octets[@]}"; do
    (( 10#$octet <= 255 )) || die "$1 '$2': $octet is not an octet"
  done
  [ "$2" != 0.0.0.0/0 ] || die "$1 0.0.0.0/0 would open the port to the whole internet"
}

# check_project FLAG VALUE: a project id (6-30 characters).
check_project() {
  [[ $2 =~ ^[a-z][-a-z0-9]{4,28}[a-z0-9]$ ]] || die "$1 '$2' is not a project id (6-30 lower-case letters, digits, hyphens)"
}

# check_labels FLAG VALUE: key=value[,key=value...] with GCE label characters.
check_labels() {
  local pair
  IFS=, read -r -a _pairs <<<"$2"
  [ "${#_pairs[@]}" -gt 0 ] || die "$1 must not be empty"
  for pair in "${_pairs[@]}"; do
    [[ $pair =~ ^[a-z][-_a-z0-9]{0,62}=[-_a-z0-9]{0,63}$ ]] \
      || die "$1: '$pair' is not key=value (lower-case letters, digits, '-' and '_')"
  done
}

# split_flag ARGS...: prints nothing; callers use it as
#   if split_flag "$@"; then set -- "${SPLIT[@]}"; fi
# to turn a leading --flag=value into --flag value.
split_flag() {
  [[ ${1:-} == --*=* ]] || return 1
  # shellcheck disable=SC2034 # read by the caller
  SPLIT=("${1%%=*}" "${1#*=}" "${@:2}")
}

# need_gcloud: outside --dry-run the Google Cloud CLI must be installed.
need_gcloud() {
  [ "$DRY_RUN" = 1 ] && return 0
  command -v gcloud >/dev/null 2>&1 || die "gcloud is not on PATH: install the Google Cloud CLI, or use --dry-run"
}

# gcloud_run ARGS...: runs 'gcloud ARGS', or prints it (shell-quoted) with --dry-run.
gcloud_run() {
  if [ "$DRY_RUN" = 1 ]; then
    local arg line=gcloud
    for arg in "$@"; do
      if [[ $arg =~ ^[-A-Za-z0-9_./:=,@+%]+$ ]]; then line+=" $arg"; else line+=" $(printf '%q' "$arg")"; fi
    done
    printf '%s\n' "$line"
  else
    note "running: gcloud $*"
    gcloud "$@"
  fi
}

# exists ARGS...: true when 'gcloud ARGS' (a describe command) finds the resource. With
# --dry-run nothing is asked and every resource counts as missing, so all commands are printed.
exists() {
  [ "$DRY_RUN" = 1 ] && return 1
  gcloud "$@" >/dev/null 2>&1
}
