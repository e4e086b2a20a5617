# shellcheck shell=bash
# Host side of the fleet test's guests: one initramfs for all guests, then long-lived QEMU guests
# (TCG, one vCPU, small memory) reachable only through a hostfwd port on 127.0.0.1. Builds on
# kernel-modules/test/qemu-lib.sh (module build, initramfs staging, Debian module dependencies).
#
#   fleet_build_initrd DIR          build the modules and the initramfs DIR/initrd.cpio
#   fleet_snapshot_jars DIR         copy the exporter and archiver jars to DIR (checked zips), so
#                                   a rebuild in the working tree during the run changes nothing;
#                                   sets FLEET_EXPORTER_JAR and FLEET_ARCHIVER_JAR
#   fleet_start_guest NAME PORT DIR INITRD [EXPORTER-FLAG...]
#                                   start guest NAME in the background; its exporter answers on
#                                   127.0.0.1:PORT; DIR holds its console, results and ctl share.
#                                   Sets FLEET_PID[NAME].
#   fleet_stop_guest NAME           kill the guest's QEMU (as a VM that stops), wait for it
#   fleet_stop_all                  stop every guest still running
#   fleet_ctl NAME FILE VALUE       write FILE=VALUE into the guest's control share (atomically)
#   fleet_ctl_get NAME FILE         print a file the guest wrote into its control share

# The guests mount the host over 9p: the newest kernel with those modules (the generic flavour;
# Debian's cloud flavour has none).
VMQ_NEED_KMODS=${VMQ_NEED_KMODS:-virtio_net 9pnet_virtio 9p}
# shellcheck source-path=SCRIPTDIR/../..
# shellcheck source=kernel-modules/test/qemu-lib.sh
. "$VMWATCH_ROOT/kernel-modules/test/qemu-lib.sh"

FLEET_GUEST_MEM=${FLEET_GUEST_MEM:-448M}
declare -A FLEET_PID=() FLEET_DIR=()

fleet_build_initrd() {
  local dir=$1 m
  vmq_require
  vmq_build_modules "$dir/modules"
  vmq_stage_new "$dir/root"
  vmq_stage_kmods "$dir/root" virtio_pci virtio_net 9pnet_virtio 9p
  for m in vmwatch_cpu vmwatch_mem vmwatch_procs; do
    vmq_stage_file "$dir/root" "$dir/modules/$m.ko" "/vmq/vmwatch/$m.ko"
  done
  vmq_stage_script "$dir/root" "$VMWATCH_ROOT/e2e/fleet/guest.sh"
  vmq_pack "$dir/root" "$dir/initrd.cpio"
}

fleet_snapshot_jars() {
  local dir=$1 module jar try
  mkdir -p "$dir"
  for module in exporter archiver; do
    jar=$VMWATCH_ROOT/$module/target/vmwatch-$module.jar
    for try in 1 2 3 4 5 6; do
      cp "$jar" "$dir/" && python3 -m zipfile -t "$dir/vmwatch-$module.jar" >/dev/null 2>&1 && break
      [ "$try" -lt 6 ] || die "$jar is not a readable jar (being rebuilt?)"
      log "  $jar is being rewritten; retrying in 5s"
      sleep 5
    done
  done
  FLEET_EXPORTER_JAR=$dir/vmwatch-exporter.jar
  # shellcheck disable=SC2034  # read by e2e/fleet/run
  FLEET_ARCHIVER_JAR=$dir/vmwatch-archiver.jar
}

fleet_start_guest() {
  local name=$1 port=$2 dir=$3 initrd=$4
  shift 4
  mkdir -p "$dir/ctl"
  # The exporter jar (the test's snapshot, so a rebuild in the tree cannot swap it mid-run) is in
  # the control share, which the guest binds at /tmp/ctl inside its chroot of the host's root.
  ln "$FLEET_EXPORTER_JAR" "$dir/ctl/vmwatch-exporter.jar" 2>/dev/null || cp "$FLEET_EXPORTER_JAR" "$dir/ctl/vmwatch-exporter.jar"
  printf '%s\n' "$(readlink -f "$(command -v java)")" "${EXPORTER_JVM_FLAGS[@]}" -jar /tmp/ctl/vmwatch-exporter.jar \
    --web.listen-address=0.0.0.0:9717 --path.procfs=/proc "$@" >"$dir/ctl/.exporter.cmd"
  mv "$dir/ctl/.exporter.cmd" "$dir/ctl/exporter.cmd"
  : >"$dir/console"
  : >"$dir/results"
  qemu-system-x86_64 -nographic -no-reboot -monitor none -m "$FLEET_GUEST_MEM" -smp 1 -accel tcg \
    -name "$name" -kernel "$VMQ_KERNEL" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 oops=panic rdinit=/init quiet" \
    -serial "file:$dir/console" -serial "file:$dir/results" \
    -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:9717" -device virtio-net-pci,netdev=n0 \
    -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
    -fsdev "local,id=ctl,path=$dir/ctl,security_model=none,multidevs=remap" \
    -device virtio-9p-pci,fsdev=ctl,mount_tag=ctl \
    </dev/null >"$dir/qemu.log" 2>&1 &
  FLEET_PID[$name]=$!
  FLEET_DIR[$name]=$dir
}

fleet_stop_guest() {
  local name=$1 pid=${FLEET_PID[$1]:-} i
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "FLEET_PID[$name]"
}

fleet_stop_all() {
  local name
  for name in "${!FLEET_PID[@]}"; do fleet_stop_guest "$name"; done
}

fleet_ctl() {
  local dir=${FLEET_DIR[$1]}/ctl
  printf '%s\n' "$3" >"$dir/.$2.host" && mv "$dir/.$2.host" "$dir/$2"
}

fleet_ctl_get() { cat "${FLEET_DIR[$1]}/ctl/$2" 2>/dev/null; }
