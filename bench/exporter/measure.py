#!/usr/bin/env python3
"""Scrapes each exporter in turn (interleaved, one at a time) and prints per-scrape medians.
Usage: measure.py ROUNDS WARMUP NAME=PID=URL...
Wall time is measured around one HTTP GET that reads the whole body. CPU time per scrape is the
growth of the summed run time (ns) of all the exporter's threads (/proc/PID/task/*/schedstat);
as a cross-check the mean from utime+stime ticks over all rounds is printed too."""
import glob
import json
import statistics
import sys
import time
import urllib.request


def thread_cpu_ns(pid):
    total = 0
    for path in glob.glob("/proc/%d/task/*/schedstat" % pid):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def ticks(pid):
    with open("/proc/%d/stat" % pid, "rb") as f:
        rest = f.read().rsplit(b")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def scrape(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
        if response.status != 200:
            raise SystemExit("%s answered %d" % (url, response.status))
    return len(body)


def main():
    rounds, warmup = int(sys.argv[1]), int(sys.argv[2])
    targets = []
    for spec in sys.argv[3:]:
        name, pid, url = spec.split("=", 2)
        targets.append({"name": name, "pid": int(pid), "url": url, "wall": [], "cpu": [], "bytes": 0})
    for r in range(warmup + rounds):
        if r == warmup:
            for t in targets:
                t["ticks0"] = ticks(t["pid"])
        for t in targets:
            c0 = thread_cpu_ns(t["pid"])
            w0 = time.perf_counter()
            t["bytes"] = scrape(t["url"])
            w1 = time.perf_counter()
            c1 = thread_cpu_ns(t["pid"])
            if r >= warmup:
                t["wall"].append(w1 - w0)
                t["cpu"].append((c1 - c0) / 1e9)
        if (r + 1) % 5 == 0:
            print("  round %d of %d" % (r + 1, warmup + rounds), file=sys.stderr, flush=True)
    results = []
    for t in targets:
        results.append({
            "name": t["name"],
            "wall_s": statistics.median(t["wall"]),
            "cpu_s": statistics.median(t["cpu"]),
            "cpu_mean_ticks_s": (ticks(t["pid"]) - t["ticks0"]) / 100.0 / rounds,
            "rss_mb": status_kib(t["pid"], "VmRSS") / 1024.0,
            "peak_rss_mb": status_kib(t["pid"], "VmHWM") / 1024.0,
            "bytes": t["bytes"],
        })
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
