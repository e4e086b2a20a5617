# shellcheck shell=sh
# Guest script of kernel-modules/test/run: runs inside the QEMU guest (busybox sh), sourced by
# /init of qemu-lib.sh, with vwcheck in /bin and the vmwatch modules in /vmq/vmwatch.
set -- /proc/vmwatch_cpu /proc/vmwatch_mem /proc/vmwatch_procs

# wait_file PATH SECONDS: bounded wait for a file another process creates.
wait_file() {
  n=0
  while [ ! -e "$1" ]; do
    n=$((n + 1))
    [ "$n" -gt $(($2 * 10)) ] && { say "FAIL timeout waiting for $1"; return 1; }
    [ $((n % 100)) -eq 0 ] && say "PROGRESS waiting for $1 ($((n / 10))s)"
    sleep 0.1
  done
}

check load vmq_load_vmwatch || exit 1
check mode vwcheck mode "$@" || exit 1
check format-cpu vwcheck format cpu
check format-mem vwcheck format mem
check format-procs vwcheck format procs
check format-procs-1-byte-reads vwcheck format procs 1
check format-procs-7-byte-reads vwcheck format procs 7
check format-cpu-3-byte-reads vwcheck format cpu 3
check seek-cpu vwcheck seek cpu
check seek-mem vwcheck seek mem
check seek-procs vwcheck seek procs

HOSTILE=$(vwcheck spawn-hostile 600)
THREADED=$(vwcheck spawn-threads 600)
say "PROGRESS hostile-name process is pid $HOSTILE, threaded process is pid $THREADED"
check procs vwcheck procs "$HOSTILE" "$THREADED"
check cpu vwcheck cpu
check mem vwcheck mem

for f in cpu mem procs; do
  cat "/proc/vmwatch_$f" >"/tmp/golden_$f.txt"
  vmq_send_file "vmwatch_$f.txt" "/tmp/golden_$f.txt"
done

say "PROGRESS fork/exit storm of 3000 processes while reading"
check storm vwcheck storm-read 3000

say "PROGRESS starting 10000 idle processes"
rm -f /tmp/idle.ready
vwcheck idle 10000 600 /tmp/idle.ready &
IDLE=$!
if wait_file /tmp/idle.ready 300; then
  say "PROGRESS idle processes started: $(cat /tmp/idle.ready)"
  # shellcheck disable=SC2016 # expanded by the inner shell
  check idle-count sh -c '[ "$(cat /tmp/idle.ready)" -eq 10000 ] && [ "$(ls -d /proc/[0-9]* | wc -l)" -gt 10000 ]'
  check idle-procs vwcheck procs "$HOSTILE" "$THREADED"
  check idle-format-4k-reads vwcheck format procs 4096
  check idle-seek vwcheck seek procs
  check idle-storm vwcheck storm-read 2000
fi
kill -TERM "$IDLE"
wait "$IDLE"

say "PROGRESS unload while readers hold the files open"
for f in cpu mem procs; do
  rm -f "/tmp/hold.$f.ready"
  vwcheck hold "/proc/vmwatch_$f" "/tmp/hold.$f.ready" /tmp/hold.go >"/tmp/hold.$f.out" 2>&1 &
  HOLDS="${HOLDS:-} $f:$!"
  wait_file "/tmp/hold.$f.ready" 60
done
check unload-while-open rmmod vmwatch_procs vmwatch_mem vmwatch_cpu
touch /tmp/hold.go
for h in $HOLDS; do
  f=${h%%:*}
  wait "${h#*:}"; rc=$?
  while IFS= read -r line; do say "LOG hold-$f: $line"; done <"/tmp/hold.$f.out"
  if [ "$rc" -eq 0 ]; then say "OK hold-$f"; else say "FAIL hold-$f rc=$rc"; fi
done
# shellcheck disable=SC2016 # expanded by the inner shell
check files-gone-after-unload sh -c 'for f in "$@"; do [ ! -e "$f" ] || exit 1; done' sh "$@"

say "PROGRESS load/unload 100 times"
loop_ok=1
i=1
while [ "$i" -le 100 ]; do
  vmq_load_vmwatch || { say "FAIL load-unload insmod in round $i"; loop_ok=0; break; }
  for f in "$@"; do
    [ "$(tail -n 1 "$f")" = end ] || { say "FAIL load-unload read $f in round $i"; loop_ok=0; }
  done
  rmmod vmwatch_procs vmwatch_mem vmwatch_cpu || { say "FAIL load-unload rmmod in round $i"; loop_ok=0; break; }
  [ $((i % 25)) -eq 0 ] && say "PROGRESS load/unload round $i"
  i=$((i + 1))
done
[ "$loop_ok" -eq 1 ] && [ "$i" -eq 101 ] && say "OK load-unload-100"
check modules-gone sh -c '! grep -q vmwatch /proc/modules'
kill "$HOSTILE" "$THREADED"
