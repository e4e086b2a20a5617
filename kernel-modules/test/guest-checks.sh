# shellcheck shell=sh
# Guest script of kernel-modules/test/run: runs inside the QEMU guest (busybox sh, 2 CPUs), sourced
# by /init of qemu-lib.sh, with vwcheck in /bin, the vmwatch modules in /vmq/vmwatch and a
# vmwatch_procs.ko built with the test knobs in /vmq/vmwatch-knobs. IDLE_COUNT (idle processes) and
# LOAD_ROUNDS (load/unload rounds) are set by the host in front of this script.
set -- /proc/vmwatch_cpu /proc/vmwatch_mem /proc/vmwatch_procs
# The group the exporter's unit runs in (the package passes its gid the same way).
GID=4242

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
load_all() { vmq_load_vmwatch "gid=$GID"; }

check load load_all || exit 1
check mode-cpu-mem vwcheck mode 0444 0 /proc/vmwatch_cpu /proc/vmwatch_mem
check mode-procs vwcheck mode 0440 "$GID" /proc/vmwatch_procs
check format-cpu vwcheck format cpu
check format-mem vwcheck format mem
check format-procs vwcheck format procs
check format-procs-1-byte-reads vwcheck format procs 1
check format-procs-7-byte-reads vwcheck format procs 7
check format-cpu-3-byte-reads vwcheck format cpu 3
check seek-cpu vwcheck seek cpu
check seek-mem vwcheck seek mem
check seek-procs vwcheck seek procs

say "PROGRESS who may read /proc/vmwatch_procs"
P=/proc/vmwatch_procs
check access-root vwcheck access $P allow
check access-uid-not-in-group vwcheck as 1000 1000 - vwcheck access $P deny
check access-uid-in-group vwcheck as 1000 1000 "$GID" vwcheck access $P allow
check access-cpu-mem-any-uid vwcheck as 1000 1000 - sh -c 'tail -n 1 /proc/vmwatch_cpu /proc/vmwatch_mem | grep -c "^end$" | grep -qx 2'
# A new pid namespace with its own procfs: neither the reader nor the mount is in the initial one.
check access-new-pidns-mount-proc unshare -p -f --mount-proc vwcheck access $P deny
# The reader alone in a new pid namespace, through the initial procfs.
check access-new-pidns-reader unshare -p -f vwcheck access $P deny
# The procfs of a new pid namespace, opened by a reader in the initial one (through /proc/PID/root).
mkdir -p /mnt/hostproc
mount -t proc proc /mnt/hostproc
rm -f /tmp/ns.pid
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -p -f --mount-proc sh -c 'read -r s </mnt/hostproc/self/stat; echo "${s%% *}" >/tmp/ns.pid; exec sleep 300' &
NSHOLD=$!
if wait_file /tmp/ns.pid 30; then
  check access-pidns-procfs-from-init-reader vwcheck access "/proc/$(cat /tmp/ns.pid)/root/proc/vmwatch_procs" deny
fi
kill "$(cat /tmp/ns.pid)" "$NSHOLD" 2>/dev/null
# A new user namespace (root inside): the mode lets it open, the module must not.
check access-new-userns unshare -U -r vwcheck access $P deny
# hidepid: only readers who see every /proc/PID there (CAP_SYS_PTRACE, the mount's gid=).
mkdir -p /mnt/hp /mnt/hpgid
mount -t proc -o hidepid=invisible proc /mnt/hp
mount -t proc -o hidepid=2,gid=4343 proc /mnt/hpgid
check access-hidepid-root vwcheck access /mnt/hp/vmwatch_procs allow
check access-hidepid-uid-in-group vwcheck as 1000 1000 "$GID" vwcheck access /mnt/hp/vmwatch_procs deny
check access-hidepid-mount-gid vwcheck as 1000 1000 "$GID,4343" vwcheck access /mnt/hpgid/vmwatch_procs allow
umount /mnt/hp /mnt/hpgid

say "PROGRESS processes of several uids, one in a user namespace"
UIDS=$(vwcheck spawn-uids 600)
say "PROGRESS pid:uid $UIDS"
HOSTILE=$(vwcheck spawn-hostile 600)
THREADED=$(vwcheck spawn-threads 600)
say "PROGRESS hostile-name process is pid $HOSTILE, threaded process is pid $THREADED"
check procs vwcheck procs "$HOSTILE" "$THREADED"
# shellcheck disable=SC2086 # one word per pid:uid
check uids vwcheck uids $UIDS
check cpu vwcheck cpu
check mem vwcheck mem

say "PROGRESS memory that moves: allocation, page cache, block device buffers"
dd if=/dev/zero of=/tmp/disk bs=1M count=64 2>/dev/null
losetup /dev/loop0 /tmp/disk
check mem-move vwcheck mem-move /dev/loop0
losetup -d /dev/loop0
rm -f /tmp/disk

say "PROGRESS swap in use (zram), pushed there by a 48 MiB memory cgroup"
echo 128M >/sys/block/zram0/disksize
mkswap /dev/zram0 >/dev/null
swapon /dev/zram0
mkdir -p /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/vw
echo 48M >/sys/fs/cgroup/vw/memory.max
rm -f /tmp/swap.ready /tmp/swap.go
# shellcheck disable=SC2016 # expanded by the inner shell
sh -c 'echo $$ >/sys/fs/cgroup/vw/cgroup.procs; exec vwcheck swap-use 96 /tmp/swap.ready /tmp/swap.go' &
SWAPPER=$!
if wait_file /tmp/swap.ready 120; then
  # shellcheck disable=SC2016 # expanded by awk
  check swap-in-use awk '/^SwapTotal:/ { t = $2 } /^SwapFree:/ { f = $2 } /^SwapCached:/ { c = $2 }
    END { print "SwapTotal " t " kB, used " t - f " kB, SwapCached " c " kB"; exit !(t > 0 && t - f > 16384 && c > 4096) }' /proc/meminfo
  check mem-with-swap vwcheck mem
fi
touch /tmp/swap.go
wait "$SWAPPER"
swapoff /dev/zram0

say "PROGRESS the retry path: vmwatch_procs with test knobs, first copy of every read too small"
rmmod vmwatch_procs
insmod /vmq/vmwatch-knobs/vmwatch_procs.ko "gid=$GID" test_short_copies=1
check grow-procs vwcheck procs "$HOSTILE" "$THREADED"
# shellcheck disable=SC2016 # expanded by the inner shell
check grow-retried sh -c 'r=$(cat /sys/module/vmwatch_procs/parameters/test_retries); echo "retries: $r"; [ "$r" -ge 1 ]'
echo 100 >/sys/module/vmwatch_procs/parameters/test_short_copies
check grow-never-fits vwcheck busy /proc/vmwatch_procs
rmmod vmwatch_procs
insmod /vmq/vmwatch/vmwatch_procs.ko "gid=$GID"

for f in cpu mem procs; do
  cat "/proc/vmwatch_$f" >"/tmp/golden_$f.txt"
  vmq_send_file "vmwatch_$f.txt" "/tmp/golden_$f.txt"
done

say "PROGRESS fork/exit storm of 3000 processes while reading"
check storm vwcheck storm-read 3000

say "PROGRESS starting $IDLE_COUNT idle processes"
rm -f /tmp/idle.ready
vwcheck idle "$IDLE_COUNT" 600 /tmp/idle.ready &
IDLE=$!
if wait_file /tmp/idle.ready 300; then
  say "PROGRESS idle processes started: $(cat /tmp/idle.ready)"
  # shellcheck disable=SC2016 # expanded by the inner shell
  check idle-count sh -c '[ "$(cat /tmp/idle.ready)" -eq "$1" ] && [ "$(ls -d /proc/[0-9]* | wc -l)" -gt "$1" ]' sh "$IDLE_COUNT"
  check idle-procs vwcheck procs "$HOSTILE" "$THREADED"
  check idle-format-4k-reads vwcheck format procs 4096
  check idle-seek vwcheck seek procs
  check idle-storm vwcheck storm-read 2000
  say "PROGRESS unload while readers are inside read() (the table has $IDLE_COUNT processes)"
  READERS=""
  for f in cpu mem procs; do
    rm -f "/tmp/gone.$f.ready"
    vwcheck read-until-gone "/proc/vmwatch_$f" "/tmp/gone.$f.ready" >"/tmp/gone.$f.out" 2>&1 &
    READERS="$READERS $f:$!"
  done
  for f in cpu mem procs; do wait_file "/tmp/gone.$f.ready" 60; done
  check unload-while-reading rmmod vmwatch_procs vmwatch_mem vmwatch_cpu
  for h in $READERS; do
    f=${h%%:*}
    wait "${h#*:}"; rc=$?
    while IFS= read -r line; do say "LOG reading-$f: $line"; done <"/tmp/gone.$f.out"
    if [ "$rc" -eq 0 ]; then say "OK reading-$f"; else say "FAIL reading-$f rc=$rc"; fi
  done
  check reload-after-reading load_all
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

say "PROGRESS load/unload $LOAD_ROUNDS times"
loop_ok=1
i=1
while [ "$i" -le "$LOAD_ROUNDS" ]; do
  load_all || { say "FAIL load-unload insmod in round $i"; loop_ok=0; break; }
  for f in "$@"; do
    [ "$(tail -n 1 "$f")" = end ] || { say "FAIL load-unload read $f in round $i"; loop_ok=0; }
  done
  rmmod vmwatch_procs vmwatch_mem vmwatch_cpu || { say "FAIL load-unload rmmod in round $i"; loop_ok=0; break; }
  [ $((i % 25)) -eq 0 ] && say "PROGRESS load/unload round $i"
  i=$((i + 1))
done
[ "$loop_ok" -eq 1 ] && [ "$i" -eq $((LOAD_ROUNDS + 1)) ] && say "OK load-unload-$LOAD_ROUNDS"
check modules-gone sh -c '! grep -q vmwatch /proc/modules'
kill "$HOSTILE" "$THREADED"
