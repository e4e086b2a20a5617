# shellcheck shell=sh
# The fleet test's guest (busybox sh). kernel-modules/test/qemu-lib.sh's /init sources this after
# loading the staged Debian modules (virtio, 9p); `say` writes to the host's results file.
#
# Two 9p shares from the host:
#   hostroot  the host's / read-only: the guest chroots into it to run the host's Java and the
#             exporter jar, with its own /proc, /sys, /dev and /tmp mounted over the host's;
#   ctl       a writable directory of this guest only, the control channel, also bound at
#             /tmp/ctl inside the chroot:
#               host writes  exporter.cmd   the exporter command line (one argument per line)
#                            vmwatch-exporter.jar  the exporter
#                            load           a number N: burn this guest's CPU for at most N
#                                           seconds (the busy loop also stops when stop-load exists)
#                            stop-load      stop the busy loop now
#               guest writes exporter.pid, marker.pid, marker.name, load.started, load.stopped,
#                            ready (all written atomically: temporary file + mv)
# Nothing here runs unbounded: the busy loop has a deadline, the control loop ends with the guest.

put() { echo "$2" >"/ctl/.$1.tmp" && mv "/ctl/.$1.tmp" "/ctl/$1"; }

mkdir -p /host /ctl
check mount-hostroot mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /host || exit 1
check mount-ctl mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 ctl /ctl || exit 1
check network sh -c 'ip link set lo up && ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2' || exit 1
check load-vmwatch vmq_load_vmwatch || exit 1
check vmwatch-files ls /proc/vmwatch_cpu /proc/vmwatch_mem /proc/vmwatch_procs || exit 1
check chroot-mounts sh -c 'mount -t proc proc /host/proc && mount -t sysfs sys /host/sys && mount -t devtmpfs dev /host/dev && mount -t tmpfs tmp /host/tmp && mkdir /host/tmp/ctl && mount -o bind /ctl /host/tmp/ctl' || exit 1

# A process with a known name: the script's file name becomes its comm (the kernel's process name).
# It burns a little CPU every second so that it ranks among the exporter's top processes. It never
# forks: a child running sleep would carry the marker's name between fork and exec. It waits on a
# FIFO that nobody writes instead (opened read-write, so the open itself does not block).
marker=/bin/vwe2e-marker
mkfifo /tmp/vwe2e-marker.fifo
cat >"$marker" <<'MARKER'
#!/bin/sh
while :; do
  i=0
  while [ "$i" -lt 300 ]; do i=$((i + 1)); done
  read -t 1 _ <>/tmp/vwe2e-marker.fifo
done
MARKER
chmod +x "$marker"
"$marker" &
put marker.pid "$!"
put marker.name "$(cat "/proc/$!/comm")"
say "MARKER $! $(cat "/proc/$!/comm")"

# The exporter, as the host wrote its command line (one argument per line).
tries=0
while [ ! -s /ctl/exporter.cmd ]; do
  tries=$((tries + 1))
  [ "$tries" -le 120 ] || { say "FAIL no exporter.cmd from the host"; exit 1; }
  sleep 1
done
set --
while IFS= read -r arg; do set -- "$@" "$arg"; done </ctl/exporter.cmd
chroot /host "$@" >/tmp/exporter.log 2>&1 &
exporter=$!
put exporter.pid "$exporter"
say "EXPORTER $exporter"
put ready "$(date +%s)"

burn() {
  deadline=$(($(date +%s) + $1))
  put load.started "$(date +%s)"
  while [ ! -e /ctl/stop-load ] && [ "$(date +%s)" -lt "$deadline" ]; do
    i=0
    while [ "$i" -lt 20000 ]; do i=$((i + 1)); done
  done
  put load.stopped "$(date +%s)"
}

# Control loop: lives as long as the exporter.
while kill -0 "$exporter" 2>/dev/null; do
  if [ -s /ctl/load ]; then
    seconds=$(cat /ctl/load)
    rm -f /ctl/load
    case $seconds in
      '' | *[!0-9]*) say "LOG ignoring load '$seconds': not a number of seconds" ;;
      *)
        [ "$seconds" -le 900 ] || seconds=900
        say "LOAD $seconds"
        burn "$seconds" &
        ;;
    esac
  fi
  sleep 1
done
say "LOG exporter exited: $(tail -5 /tmp/exporter.log)"
exit 1
