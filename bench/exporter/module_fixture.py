#!/usr/bin/env python3
"""Writes the vmwatch module files (kernel-modules/FORMAT.md, version 1) for this machine's
current /proc into OUTDIR, plus copies of /proc/stat and /proc/meminfo, so OUTDIR can stand in
for --path.procfs in module mode. Usage: module_fixture.py OUTDIR"""
import os
import sys

TICK_NS = 10_000_000  # USER_HZ = 100

def escape(name: bytes) -> str:
    out = []
    for b in name:
        if b == 0x20 or b == 0x5C or b < 0x20 or b >= 0x7F:
            out.append("\\%03o" % b)
        else:
            out.append(chr(b))
    return "".join(out)

def cpu_file(stat_text: str) -> str:
    lines = ["vmwatch_cpu 1", "cpu user_ns nice_ns system_ns idle_ns iowait_ns irq_ns softirq_ns steal_ns"]
    for line in stat_text.splitlines():
        fields = line.split()
        if fields and fields[0].startswith("cpu") and fields[0] != "cpu":
            lines.append(" ".join([fields[0][3:]] + [str(int(v) * TICK_NS) for v in fields[1:9]]))
    return "\n".join(lines + ["end"]) + "\n"

def mem_file(meminfo_text: str) -> str:
    kib = {}
    for line in meminfo_text.splitlines():
        key, _, rest = line.partition(":")
        kib[key] = int(rest.split()[0])
    keys = [("total_bytes", "MemTotal"), ("free_bytes", "MemFree"), ("available_bytes", "MemAvailable"),
            ("buffers_bytes", "Buffers"), ("cached_bytes", "Cached")]
    # format version 2: swap is not in the module file (the exporter reads it from meminfo)
    return "vmwatch_mem 2\n" + "".join("%s %d\n" % (k, kib[m] * 1024) for k, m in keys) + "end\n"

def procs_file():
    lines = ["vmwatch_procs 1",
             "pid ppid uid state threads rss_bytes vsize_bytes utime_ns stime_ns start_time_ns name"]
    pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid, "rb") as f:
                stat = f.read()
            with open("/proc/%d/status" % pid, "rb") as f:
                status = f.read().decode("ascii", "replace")
        except (FileNotFoundError, ProcessLookupError):
            continue
        name = stat[stat.index(b"(") + 1:stat.rindex(b")")]
        rest = stat[stat.rindex(b")") + 2:].split()
        fields = {line.split(":")[0]: line.split(":", 1)[1].split() for line in status.splitlines() if ":" in line}
        rss = int(fields["VmRSS"][0]) * 1024 if "VmRSS" in fields else 0
        lines.append(" ".join(str(v) for v in [
            pid, int(rest[1]), int(fields["Uid"][1]), rest[0].decode(), int(fields["Threads"][0]), rss,
            int(rest[20]), int(rest[11]) * TICK_NS, int(rest[12]) * TICK_NS, int(rest[19]) * TICK_NS,
            escape(name)]))
    return "\n".join(lines + ["end"]) + "\n", len(lines) - 2

FileNotFoundException = FileNotFoundError

if __name__ == "__main__":
    out = sys.argv[1]
    with open("/proc/stat") as f:
        stat_text = f.read()
    with open("/proc/meminfo") as f:
        meminfo_text = f.read()
    procs, count = procs_file()
    for name, text in [("stat", stat_text), ("meminfo", meminfo_text), ("vmwatch_cpu", cpu_file(stat_text)),
                       ("vmwatch_mem", mem_file(meminfo_text)), ("vmwatch_procs", procs)]:
        with open(os.path.join(out, name), "w", encoding="ascii") as f:
            f.write(text)
    print(count)
