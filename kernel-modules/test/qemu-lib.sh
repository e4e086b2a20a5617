# shellcheck shell=bash
# QEMU harness for vmwatch: boots the real Debian kernel under TCG with a busybox initramfs, runs a
# guest script in it and brings the guest's results back to the host. Source it:
#   . kernel-modules/test/qemu-lib.sh     (it sources scripts/lib.sh for log/die/need)
#
# Settings (environment, with defaults):
#   VMQ_KVER      kernel version to boot and build for     (the newest usable kernel, see below)
#   VMQ_KERNEL    kernel image                              (/boot/vmlinuz-$VMQ_KVER)
#   VMQ_KDIR      kernel headers for module builds          (/usr/src/linux-headers-$VMQ_KVER,
#                                                            else /lib/modules/$VMQ_KVER/build)
#   VMQ_MODDIR    the kernel's own modules                  (/lib/modules/$VMQ_KVER)
#   VMQ_BOOT_DIR, VMQ_HEADERS_ROOT, VMQ_MODULES_ROOT
#                 where kernels are looked for              (/boot, /usr/src, /lib/modules)
# A kernel is usable when it has an image (vmlinuz-V), its modules (V/modules.dep) and headers
# (linux-headers-V/Makefile or V/build/Makefile). No version is written down: Debian's point
# releases move the ABI (6.1.0-56 -> 6.1.0-57), so the newest usable one (sort -V) is taken.
#   VMQ_NEED_KMODS  Debian modules the guest needs (e.g. "9p 9pnet_virtio"); set before sourcing,
#                 the default kernel is then the newest usable one that has them all, as modules
#                 or built in (Debian's cloud flavour has no 9p, e1000 or virtio-pci modules)
#   VMQ_SMP       guest CPUs                                (1)
#   VMQ_MEM       guest memory                              (512M)
#   VMQ_APPEND    extra kernel command line words           (empty)
#   VMQ_SRC_DIR   module sources that vmq_build_modules builds (kernel-modules/; a copy with a
#                 deliberate bug shows that the tests catch it)
#
# Host functions:
#   vmq_kernels                 every usable kernel version, oldest first
#   vmq_kernels_with MOD...     the usable kernels that have every MOD (module or built in)
#   vmq_flavour V               the flavour of version V: amd64, cloud-amd64, rt-amd64, ...
#   vmq_line V                  the line of version V: 6.1, 6.12, ...
#   vmq_use_kernel V            boot and build for V from now on (sets VMQ_KVER, VMQ_KERNEL,
#                               VMQ_KDIR, VMQ_MODDIR)
#   vmq_require                 fail (never skip) when qemu, busybox, the kernel image, its headers,
#                               gcc with static libc or cpio are missing
#   vmq_build_modules OUTDIR [MAKE-ARG...]
#                               build vmwatch_{cpu,mem,procs}.ko out of tree with W=1 and every
#                               warning an error (VMWATCH_WERROR=1) into OUTDIR; MAKE-ARGs are
#                               added (VMWATCH_TEST_KNOBS=1: the test-only module parameters)
#   vmq_build_vwcheck OUT       build the static guest checker kernel-modules/test/vwcheck.c as OUT
#   vmq_stage_new DIR           start an initramfs tree in DIR: busybox, /init, guest helpers
#   vmq_stage_kmods DIR MOD...  add the Debian kernel modules MOD... and their dependencies; /init
#                               loads them in dependency order before the guest script runs; a
#                               MOD built into the kernel is skipped
#   vmq_stage_file DIR SRC DEST copy SRC to DEST inside the initramfs (DEST is absolute)
#   vmq_stage_script DIR FILE   the guest script: /init sources it after mounting /proc, /sys, /dev
#   vmq_pack DIR OUT            write the initramfs DIR as an uncompressed newc cpio OUT
#   vmq_boot INITRD PREFIX SECONDS [QEMU-ARGS...]
#                               boot the guest; console to PREFIX.console, results to PREFIX.results;
#                               prints guest progress; kills a guest still running after SECONDS;
#                               returns 0 only if the guest script finished ("VMQ-DONE 0")
#   vmq_console_clean CONSOLE   fail when the console holds BUG:, WARNING:, Oops, Call Trace,
#                               general protection, Kernel panic, an RCU stall, a hung task or UBSAN:
#   vmq_results_ok RESULTS NAME...
#                               fail unless RESULTS has "OK NAME" for each NAME and no FAIL line
#   vmq_extract_file RESULTS NAME OUT
#                               write the lines a guest sent with vmq_send_file NAME to OUT
#
# Guest helpers (in /vmq/guest-lib.sh, already sourced when the guest script runs):
#   say TEXT...                 one line to the host's results file
#   check NAME CMD...           run CMD; its output goes to the host as "LOG NAME: ..." lines, then
#                               "OK NAME" or "FAIL NAME rc=N"
#   vmq_send_file NAME PATH     send PATH to the host as "FILE NAME <line>" lines
#   vmq_load_vmwatch [ARG...]   insmod the three vmwatch modules from /vmq/vmwatch (if staged there);
#                               ARGs are vmwatch_procs parameters (gid=N)
# The results channel is the guest's second serial port (/dev/ttyS1), so kernel messages on the
# console (ttyS0) never interleave with results.

VMQ_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
. "$VMQ_LIB_DIR/../../scripts/lib.sh"

VMQ_BOOT_DIR=${VMQ_BOOT_DIR:-/boot}
VMQ_HEADERS_ROOT=${VMQ_HEADERS_ROOT:-/usr/src}
VMQ_MODULES_ROOT=${VMQ_MODULES_ROOT:-/lib/modules}

# vmq_headers_dir V: the headers directory of kernel V (fails when it has none).
vmq_headers_dir() {
  local d
  for d in "$VMQ_HEADERS_ROOT/linux-headers-$1" "$VMQ_MODULES_ROOT/$1/build"; do
    if [ -f "$d/Makefile" ]; then echo "$d"; return 0; fi
  done
  return 1
}

# vmq_kernels: every usable kernel version, oldest first (sort -V).
vmq_kernels() {
  local img v
  for img in "$VMQ_BOOT_DIR"/vmlinuz-*; do
    [ -r "$img" ] || continue
    v=${img##*/vmlinuz-}
    [ -f "$VMQ_MODULES_ROOT/$v/modules.dep" ] && vmq_headers_dir "$v" >/dev/null && echo "$v"
  done | sort -V
}

# vmq_has_kmod V MOD: kernel V has MOD as a module or built in.
vmq_has_kmod() {
  grep -qE "/$2\.ko(\.xz)?:" "$VMQ_MODULES_ROOT/$1/modules.dep" \
    || grep -qE "/$2\.ko$" "$VMQ_MODULES_ROOT/$1/modules.builtin" 2>/dev/null
}

vmq_kernels_with() {
  local v m ok
  for v in $(vmq_kernels); do
    ok=1
    for m in "$@"; do vmq_has_kmod "$v" "$m" || { ok=0; break; }; done
    if [ "$ok" = 1 ]; then echo "$v"; fi
  done
}

# 6.1.0-57-cloud-amd64 -> cloud-amd64, 6.12.117+deb12-amd64 -> amd64.
vmq_flavour() { sed -E 's/^[0-9]+\.[0-9]+[^-]*-([0-9]+-)?//' <<<"$1"; }
vmq_line() { sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$1"; }

vmq_use_kernel() {
  VMQ_KVER=$1
  VMQ_KERNEL=$VMQ_BOOT_DIR/vmlinuz-$VMQ_KVER
  VMQ_KDIR=$(vmq_headers_dir "$VMQ_KVER" || echo "$VMQ_HEADERS_ROOT/linux-headers-$VMQ_KVER")
  VMQ_MODDIR=$VMQ_MODULES_ROOT/$VMQ_KVER
}

if [ -z "${VMQ_KVER:-}" ]; then
  # shellcheck disable=SC2086 # one word per module
  VMQ_KVER=$(vmq_kernels_with ${VMQ_NEED_KMODS:-} | tail -n 1)
  VMQ_KVER_CHOSEN=newest
else
  VMQ_KVER_CHOSEN=VMQ_KVER
fi
VMQ_KERNEL=${VMQ_KERNEL:-$VMQ_BOOT_DIR/vmlinuz-$VMQ_KVER}
VMQ_KDIR=${VMQ_KDIR:-$(vmq_headers_dir "$VMQ_KVER" || echo "$VMQ_HEADERS_ROOT/linux-headers-$VMQ_KVER")}
VMQ_MODDIR=${VMQ_MODDIR:-$VMQ_MODULES_ROOT/$VMQ_KVER}
VMQ_MEM=${VMQ_MEM:-512M}
VMQ_SMP=${VMQ_SMP:-1}
VMQ_APPEND=${VMQ_APPEND:-}
VMQ_SRC_DIR=${VMQ_SRC_DIR:-$(cd "$VMQ_LIB_DIR/.." && pwd)}
# Console lines that fail a run: the issue's five, plus panics, RCU stalls, hung tasks and UBSAN.
VMQ_CONSOLE_BAD='BUG:|WARNING:|Oops|Call Trace|general protection|Kernel panic|detected stall|blocked for more than|UBSAN:'

vmq_require() {
  [ -n "$VMQ_KVER" ] || die "no kernel in $VMQ_BOOT_DIR has its modules and headers${VMQ_NEED_KMODS:+ and the modules $VMQ_NEED_KMODS}: install linux-image-amd64 and linux-headers-amd64 (scripts/setup)"
  need qemu-system-x86_64 qemu-system-x86
  need busybox busybox-static
  need gcc gcc
  need make make
  need cpio cpio
  [ -r "$VMQ_KERNEL" ] || die "kernel image $VMQ_KERNEL is missing: install linux-image-amd64 (scripts/setup)"
  [ -f "$VMQ_KDIR/Makefile" ] || die "kernel headers $VMQ_KDIR are missing: install linux-headers-amd64 (scripts/setup)"
  [ -f "$VMQ_MODDIR/modules.dep" ] || die "kernel modules $VMQ_MODDIR are missing: install linux-image-amd64 (scripts/setup)"
  if [ "$VMQ_KVER_CHOSEN" = newest ]; then
    log "kernel $VMQ_KVER: the newest with modules and headers${VMQ_NEED_KMODS:+ and $VMQ_NEED_KMODS} of: $(vmq_kernels | xargs)"
  else
    log "kernel $VMQ_KVER (set by VMQ_KVER)"
  fi
  [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || die "static libc is missing: install libc6-dev"
  need readelf binutils
  if readelf -l "$(command -v busybox)" | grep -q 'Requesting program interpreter'; then
    die "busybox is not static: install busybox-static"
  fi
}

vmq_build_modules() {
  local out=$1 build
  shift
  build=$out/build
  rm -rf "$build" && mkdir -p "$build" "$out"
  cp "$VMQ_SRC_DIR"/vmwatch_cpu.c "$VMQ_SRC_DIR"/vmwatch_mem.c "$VMQ_SRC_DIR"/vmwatch_procs.c \
    "$VMQ_SRC_DIR"/vmwatch_cputime.h "$VMQ_SRC_DIR"/Makefile "$build"/
  log "building the modules against $VMQ_KDIR (W=1, warnings are errors${*:+, $*})"
  if ! make -s -C "$build" KDIR="$VMQ_KDIR" W=1 VMWATCH_WERROR=1 "$@" >"$out/build.log" 2>&1; then
    cat "$out/build.log" >&2
    die "module build failed"
  fi
  # Any compiler warning fails the build too; kbuild notes about BTF are not warnings.
  if grep -i 'warning:' "$out/build.log" >&2; then die "module build printed warnings"; fi
  cp "$build"/vmwatch_cpu.ko "$build"/vmwatch_mem.ko "$build"/vmwatch_procs.ko "$out"/
}

vmq_build_vwcheck() {
  gcc -static -O2 -Wall -Wextra -Werror -pthread -o "$1" "$VMQ_LIB_DIR/vwcheck.c" || die "building vwcheck failed"
}

vmq_stage_new() {
  local dir=$1
  rm -rf "$dir"
  mkdir -p "$dir"/{bin,dev,proc,sys,tmp,run,mnt,vmq/mods,vmq/vmwatch}
  cp "$(command -v busybox)" "$dir/bin/busybox"
  : >"$dir/vmq/mods.list"
  cat >"$dir/vmq/guest-lib.sh" <<'EOF'
# Guest side of kernel-modules/test/qemu-lib.sh (busybox sh).
say() { echo "$*" >&9; }
check() {
  local name=$1 out rc
  shift
  out=$("$@" 2>&1); rc=$?
  printf '%s\n' "$out" | while IFS= read -r line; do say "LOG $name: $line"; done
  if [ "$rc" -eq 0 ]; then say "OK $name"; else say "FAIL $name rc=$rc"; fi
  return "$rc"
}
vmq_send_file() {
  while IFS= read -r line; do say "FILE $1 $line"; done <"$2"
}
vmq_load_vmwatch() {
  insmod /vmq/vmwatch/vmwatch_cpu.ko && insmod /vmq/vmwatch/vmwatch_mem.ko \
    && insmod /vmq/vmwatch/vmwatch_procs.ko "$@"
}
EOF
  cat >"$dir/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 9>/dev/ttyS1
. /vmq/guest-lib.sh
say "VMQ-BOOTED $(uname -r)"
rc=0
for m in $(cat /vmq/mods.list); do
  insmod "/vmq/mods/$m" || { say "FAIL insmod $m"; rc=1; }
done
if [ "$rc" -eq 0 ]; then
  ( . /vmq/guest.sh ); rc=$?
fi
say "VMQ-DONE $rc"
sleep 1
poweroff -f
EOF
  chmod +x "$dir/init"
  echo 'say "no guest script"; exit 1' >"$dir/vmq/guest.sh"
}

# Resolves MOD and its dependencies from modules.dep; prints paths relative to VMQ_MODDIR, deepest
# dependency first.
vmq_module_order() {
  local mod line deps i
  local -a parts
  for mod in "$@"; do
    line=$(grep -E "/${mod}\.ko(\.xz)?:" "$VMQ_MODDIR/modules.dep" | head -1) || true # none: pipefail
    if [ -z "$line" ]; then
      grep -qE "/${mod}\.ko$" "$VMQ_MODDIR/modules.builtin" 2>/dev/null && continue
      die "kernel module $mod is neither in $VMQ_MODDIR/modules.dep nor built in"
    fi
    deps=${line#*:}
    read -r -a parts <<<"$deps"
    for ((i = ${#parts[@]} - 1; i >= 0; i--)); do echo "${parts[i]}"; done
    echo "${line%%:*}"
  done
}

vmq_stage_kmods() {
  local dir=$1 path name order
  shift
  order=$(vmq_module_order "$@") || exit 1
  while read -r path; do
    [ -n "$path" ] || continue
    name=$(basename "$path")
    name=${name%.xz}
    grep -qx "$name" "$dir/vmq/mods.list" && continue
    case $path in
      *.xz) xz -dc "$VMQ_MODDIR/$path" >"$dir/vmq/mods/$name" ;;
      *) cp "$VMQ_MODDIR/$path" "$dir/vmq/mods/$name" ;;
    esac
    echo "$name" >>"$dir/vmq/mods.list"
  done <<<"$order"
}

vmq_stage_file() {
  mkdir -p "$1$(dirname "$3")"
  cp "$2" "$1$3"
}

vmq_stage_script() { cp "$2" "$1/vmq/guest.sh"; }

vmq_pack() {
  local dir=$1 out=$2
  (cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out" || die "cpio failed"
}

vmq_boot() {
  local initrd=$1 prefix=$2 limit=$3 pid start shown=0 total line
  shift 3
  : >"$prefix.console"
  : >"$prefix.results"
  qemu-system-x86_64 -nographic -no-reboot -monitor none -m "$VMQ_MEM" -smp "$VMQ_SMP" -accel tcg \
    -kernel "$VMQ_KERNEL" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 oops=panic rdinit=/init $VMQ_APPEND" \
    -serial "file:$prefix.console" -serial "file:$prefix.results" "$@" \
    </dev/null >"$prefix.qemu.log" 2>&1 &
  pid=$!
  start=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS - start >= limit)); then
      kill "$pid" 2>/dev/null; sleep 1; kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
      log "guest still running after ${limit}s: killed. Last console lines:"
      tail -20 "$prefix.console" >&2
      return 124
    fi
    sleep 1
    total=$(wc -l <"$prefix.results")
    if ((total > shown)); then
      sed -n "$((shown + 1)),${total}p" "$prefix.results" | tr -d '\r' | { grep -v '^FILE ' || true; } \
        | while IFS= read -r line; do log "  guest: $line"; done
      shown=$total
    fi
  done
  wait "$pid" 2>/dev/null
  sed -n "$((shown + 1)),\$p" "$prefix.results" | tr -d '\r' | { grep -v '^FILE ' || true; } \
    | while IFS= read -r line; do log "  guest: $line"; done
  log "guest exited after $((SECONDS - start))s"
  # Grep files, not pipes: with pipefail an early-exiting grep -q would fail the pipeline.
  tr -d '\r' <"$prefix.results" >"$prefix.results.txt"
  if ! grep -qx 'VMQ-DONE 0' "$prefix.results.txt"; then
    log "guest did not finish its script cleanly; last console lines:"
    tail -20 "$prefix.console" >&2
    [ -s "$prefix.qemu.log" ] && cat "$prefix.qemu.log" >&2
    return 1
  fi
}

vmq_console_clean() {
  local bad
  tr -d '\r' <"$1" >"$1.txt"
  bad=$(grep -E "$VMQ_CONSOLE_BAD" "$1.txt" || true)
  if [ -n "$bad" ]; then
    log "kernel console of $1 reports a problem:"
    printf '%s\n' "$bad" | sed -n 1,20p >&2
    return 1
  fi
}

vmq_results_ok() {
  local results=$1 name rc=0 fails
  shift
  tr -d '\r' <"$results" >"$results.txt"
  fails=$(grep -E '^(FAIL|CHECK-FAIL)|^LOG [^ ]*: CHECK-FAIL' "$results.txt" || true)
  if [ -n "$fails" ]; then
    printf '%s\n' "$fails" >&2
    rc=1
  fi
  for name in "$@"; do
    if ! grep -qx "OK $name" "$results.txt"; then
      log "guest check '$name' did not pass"
      rc=1
    fi
  done
  return "$rc"
}

vmq_extract_file() {
  tr -d '\r' <"$1" | sed -n "s/^FILE $2 //p" >"$3"
  [ -s "$3" ] || die "guest sent no file '$2'"
}
