"""Compares what Prometheus ingested from the guests with what the archive (MySQL) holds.

Usage: python3 archive-check.py PROMETHEUS_URL[,PROMETHEUS_URL...] START END GAP_FROM GAP_TO INSTANCE,... -- CLIENT...

PROMETHEUS_URL may list several Prometheus (the shards of a sharded master): each series is taken
with its Prometheus' external labels (read from its configuration), as remote write sends it, and a
series that two of them return (a VM scraped by two shards) is a difference.
For every series that Prometheus remote-writes (the names its write_relabel_configs keep) with an
instance label among INSTANCE,...: every sample Prometheus holds with START <= t <= END (seconds)
must be in MySQL's samples with the same timestamp (ms) and value (NaN is stored as NULL). Rows
MySQL holds that Prometheus does not return must be staleness markers (NULL). Samples inside
[GAP_FROM, GAP_TO] (the database's outage) are counted and must exist. CLIENT is a mariadb command
line that reads SQL on stdin and prints tab-separated rows. Prints a summary; exits 1 on any
difference.
"""
import json
import math
import subprocess
import sys
import urllib.parse
import urllib.request

import yaml

ARCHIVED = r'vmwatch_.+|[a-z_]+:vmwatch_[a-z0-9_]+:[a-z0-9_]+'


def key(name, labels):
    return name + json.dumps({k: v for k, v in labels.items() if k != "__name__"}, sort_keys=True)


def external_labels(base):
    with urllib.request.urlopen(base + "/api/v1/status/config", timeout=30) as resp:
        config = yaml.safe_load(json.load(resp)["data"]["yaml"])
    return (config.get("global") or {}).get("external_labels") or {}


def prometheus_samples(base, start, end, instances):
    selector = '{__name__=~"%s",__name__!~"vmwatch_archiver_.*",instance=~"%s"}[%ds]' % (
        ARCHIVED, "|".join(instances), int(end - start))
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": selector, "time": "%.3f" % end})
    with urllib.request.urlopen(url, timeout=120) as resp:
        body = json.load(resp)
    if body.get("status") != "success":
        sys.exit(f"Prometheus query failed: {body}")
    series = {}
    extra = external_labels(base)
    for s in body["data"]["result"]:
        series[key(s["metric"]["__name__"], {**s["metric"], **extra})] = (key(s["metric"]["__name__"], s["metric"]), {
            int(round(float(t) * 1000)): float(v) for t, v in s["values"]})
    return series


def archived_samples(client, start_ms, end_ms, instances):
    names = ",".join("'" + i.replace("'", "''") + "'" for i in instances)
    sql = ("SELECT s.metric, s.labels, x.ts, COALESCE(x.value, 'NULL') FROM series s JOIN samples x ON x.series_id = s.id "
           f"WHERE s.instance IN ({names}) AND x.ts BETWEEN {start_ms} AND {end_ms};")
    proc = subprocess.run(client, input=sql, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        sys.exit(f"SQL failed: {proc.stderr.strip()}")
    series = {}
    for line in proc.stdout.splitlines():
        metric, labels, ts, value = line.split("\t")
        v = None if value == "NULL" else float(value)
        series.setdefault(key(metric, json.loads(labels)), {})[int(ts)] = v
    return series


def same(p, m):
    if m is None:
        return math.isnan(p)
    return not math.isnan(p) and abs(p - m) <= 1e-9 * max(1.0, abs(p))


def main(argv):
    sep = argv.index("--")
    base, start, end, gap_from, gap_to, instances = argv[1:sep]
    client = argv[sep + 1:]
    start, end, gap_from, gap_to = float(start), float(end), float(gap_from), float(gap_to)
    instances = instances.split(",")
    prom = {}
    source = {}  # series key without external labels -> the Prometheus that returned it
    problems = []
    for url in base.split(","):
        for k, (plain, samples) in prometheus_samples(url.rstrip("/"), start, end, instances).items():
            if plain in source:
                problems.append(f"series returned by two Prometheus, {source[plain]} and {url}: {plain}")
            source[plain] = url
            prom[k] = samples
    sql = archived_samples(client, int(start * 1000), int(end * 1000), instances)
    total = matched = in_gap = markers = 0
    for k, samples in sorted(prom.items()):
        archived = sql.get(k)
        if archived is None:
            problems.append(f"series missing from MySQL: {k} ({len(samples)} samples)")
            total += len(samples)
            continue
        for ts, value in samples.items():
            total += 1
            if ts not in archived:
                problems.append(f"sample missing from MySQL: {k} at {ts}")
            elif not same(value, archived[ts]):
                problems.append(f"value differs: {k} at {ts}: Prometheus {value}, MySQL {archived[ts]}")
            else:
                matched += 1
                if gap_from * 1000 <= ts <= gap_to * 1000:
                    in_gap += 1
        for ts, value in archived.items():
            if ts not in samples:
                if value is None:
                    markers += 1
                else:
                    problems.append(f"MySQL has a sample Prometheus does not: {k} at {ts} = {value}")
    for k in sorted(set(sql) - set(prom)):
        if any(v is not None for v in sql[k].values()):
            problems.append(f"MySQL has a series Prometheus does not return: {k}")
        else:
            markers += len(sql[k])
    per_instance = {i: sum(len(s) for k, s in prom.items() if f'"instance": "{i}"' in k) for i in instances}
    print(f"Prometheus: {len(prom)} series, {total} samples {per_instance}; MySQL: {len(sql)} series, "
          f"{matched} samples matched, {markers} staleness markers (NULL) besides, "
          f"{in_gap} matched samples taken during the database outage")
    for p in problems[:20]:
        print("  " + p)
    if len(problems) > 20:
        print(f"  ... and {len(problems) - 20} more")
    ok = not problems and total > 0 and in_gap > 0 and all(per_instance.values())
    if in_gap == 0:
        print("  no samples from the outage window: the test did not exercise the outage")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
