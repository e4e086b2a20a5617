# shellcheck shell=sh
# Guest script of the 9p case of kernel-modules/test/run: the host's root over 9p (read-only),
# chroot into it and run the host's Java; user-mode networking with a hostfwd port; a 2-CPU capture
# of /proc/vmwatch_cpu. HOSTFWD_PORT is set by the host in front of this script. The host root is
# mounted with cache=loose (read-only): with the default cache=none, `java -version` on 6.12 did not
# finish within the 400 s limit.
check load vmq_load_vmwatch || exit 1
# shellcheck disable=SC2016 # expanded by the inner shell
check cpu-smp2 sh -c 'vwcheck cpu && [ "$(grep -c "^[0-9]" /proc/vmwatch_cpu)" -eq 2 ]'
cat /proc/vmwatch_cpu >/tmp/cpu.txt
vmq_send_file vmwatch_cpu_2cpus.txt /tmp/cpu.txt

mkdir -p /mnt/host
check mount-9p mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /mnt/host || exit 1
mount -t proc proc /mnt/host/proc
mount -t devtmpfs dev /mnt/host/dev
mount -t tmpfs tmp /mnt/host/tmp
check chroot-java sh -c 'chroot /mnt/host /usr/bin/java -XX:-UsePerfData -version 2>&1 | tee /tmp/java.out; grep -q "version \"17" /tmp/java.out'
# shellcheck disable=SC2016 # expanded by the inner shell
check chroot-reads-vmwatch sh -c 'for f in cpu mem procs; do chroot /mnt/host /bin/sh -c "tail -n 1 /proc/vmwatch_$f" | grep -qx end || exit 1; done'

ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
say "PROGRESS listening on guest port $HOSTFWD_PORT"
# Serve a greeting until the host answers it (a connection the host gave up on may arrive first).
: >/tmp/nc.in
i=0
while ! grep -qx from-host /tmp/nc.in && [ "$i" -lt 24 ]; do
  printf 'vmq-hostfwd-ok\n' | timeout 5 nc -l -p "$HOSTFWD_PORT" >/tmp/nc.in
  i=$((i + 1))
done
check hostfwd grep -qx from-host /tmp/nc.in
umount /mnt/host/tmp /mnt/host/dev /mnt/host/proc /mnt/host
