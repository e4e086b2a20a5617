# shellcheck shell=sh
# Guest script of kernel-modules/bench/run (busybox sh in the QEMU guest): for each target size,
# start idle processes until the guest has that many, then time reading the whole process table.
vmq_load_vmwatch || { say "FAIL load"; exit 1; }
REPS=${REPS:-11}
count_procs() { set -- /proc/[0-9]*; echo "$#"; }
for target in 100 1000 5000; do
  have=$(count_procs)
  extra=$((target - have - 1))
  [ "$extra" -lt 0 ] && extra=0
  rm -f /tmp/idle.ready
  vwcheck idle "$extra" 900 /tmp/idle.ready &
  idle=$!
  n=0
  while [ ! -e /tmp/idle.ready ]; do
    n=$((n + 1))
    [ "$n" -gt 3000 ] && { say "FAIL idle processes not ready after 300s"; exit 1; }
    sleep 0.1
  done
  say "PROGRESS $target processes: $(count_procs) in /proc, timing $REPS reads"
  out=$(vwcheck bench "$REPS") || { say "FAIL bench at $target"; exit 1; }
  say "$out target=$target"
  kill -TERM "$idle"
  wait "$idle"
done
say "OK bench"
