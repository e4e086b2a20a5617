#!/usr/bin/env python3
"""Checks of vmwatch's Grafana dashboards, provisioning and docker compose stack.

    vmcheck.py static                     dashboards and provisioning, no server needed
    vmcheck.py grafana-data               installs @grafana/data (npm ci) for the table checks
    vmcheck.py promql URL INSTANCE        every PromQL target against the Prometheus at URL
                                          (--archive-down: the archiver is down on purpose: remote
                                          read must warn, and nothing else may; --dashboard UID:
                                          that dashboard's targets only, e.g. a sharded master's
                                          Machine on the VM's shard, Fleet on the global)
    vmcheck.py sql INSTANCE SECONDS -- CLIENT...
                                          every SQL target over the last SECONDS through CLIENT (a
                                          mariadb command line that reads SQL on stdin and prints
                                          tab-separated rows)
    vmcheck.py compose CONFIG_YAML        the output of `docker-compose config`
    vmcheck.py build-stage DOCKERFILE DIR runs the Dockerfile's build stage (COPY, WORKDIR, RUN) in
                                          DIR instead of a container, Maven offline, and checks
                                          that what the final stage copies from it exists

Each check prints one line per item and exits 1 when any item fails.
"""
import glob
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DASHBOARDS = os.path.join(ROOT, "grafana", "dashboards")
# VMWATCH_GRAFANA_PROVISIONING: another provisioning tree, e.g. with a sharded master's data sources.
PROVISIONING = os.environ.get("VMWATCH_GRAFANA_PROVISIONING") or os.path.join(ROOT, "grafana", "provisioning")

CURRENT_PANEL_TYPES = {"timeseries", "gauge", "piechart", "table", "stat", "nodeGraph", "bargauge",
                       "text", "row", "state-timeline", "status-history", "barchart", "heatmap"}
LEGACY_PANEL_TYPES = {"graph", "singlestat", "table-old", "grafana-piechart-panel",
                      "grafana-singlestat-panel", "grafana-worldmap-panel", "grafana-clock-panel",
                      "natel-discrete-panel", "flant-statusmap-panel", "agenty-flowcharting-panel"}
# Host files the demo exporter reads (read-only).
HOST_FILES = {"/proc", "/etc/passwd"}
# $name, ${name}, ${name:format}, ${name.path}, [[name]]; $1.. of label_replace are not variables.
VARIABLE_RE = re.compile(r"\$\{([A-Za-z_]\w*)(?:[.:][^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)(?::\w+)?\]\]")


class Report:
    def __init__(self):
        self.failures = 0
        self.passes = 0

    def ok(self, what):
        self.passes += 1
        print(f"  ok   {what}", flush=True)

    def fail(self, what):
        self.failures += 1
        print(f"  FAIL {what}", flush=True)

    def check(self, condition, what):
        (self.ok if condition else self.fail)(what)
        return condition

    def finish(self, name):
        print(f"{name}: {self.passes} passed, {self.failures} failed", flush=True)
        return 1 if self.failures or not self.passes else 0


def load_yaml(path):
    try:
        import yaml  # python3-yaml, a dependency of Debian's docker-compose
    except ImportError:
        sys.exit("python3-yaml is missing: install Debian package docker-compose (or python3-yaml)")
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_dashboards():
    paths = sorted(glob.glob(os.path.join(DASHBOARDS, "*.json")))
    if not paths:
        sys.exit(f"no dashboards in {DASHBOARDS}")
    result = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        result.append((path, text))
    return result


def all_panels(panels):
    for p in panels or []:
        yield p
        yield from all_panels(p.get("panels"))


def datasource_uids():
    """uid -> type of every provisioned datasource."""
    uids = {}
    for path in sorted(glob.glob(os.path.join(PROVISIONING, "datasources", "*.y*ml"))):
        for ds in (load_yaml(path) or {}).get("datasources", []):
            uids[ds["uid"]] = ds["type"]
    return uids


def targets_of(dashboard, ds_type):
    """(panel title, target, panel datasource) of every target whose datasource has ds_type."""
    for p in all_panels(dashboard.get("panels")):
        for t in p.get("targets", []):
            ds = t.get("datasource") or p.get("datasource") or {}
            if ds.get("type") == ds_type:
                yield p.get("title", "?"), t


def variable_query(var):
    q = var.get("query")
    return q.get("query", "") if isinstance(q, dict) else (q or "")


# ------------------------------------------------------------------------------------ static
def static():
    r = Report()
    uids = datasource_uids()
    r.check({"vmwatch-prometheus": "prometheus", "vmwatch-mysql": "mysql",
             "vmwatch-alertmanager": "alertmanager"}.items() <= uids.items(),
            f"provisioned datasources {sorted(uids)} include vmwatch-prometheus, vmwatch-mysql and vmwatch-alertmanager")
    ds_text = "".join(open(p, encoding="utf-8").read()
                      for p in glob.glob(os.path.join(PROVISIONING, "datasources", "*.y*ml")))
    r.check("password: $__file{/run/secrets/grafana_db_password}" in ds_text
            and not re.search(r"password:\s*(?!\$__file\{/run/secrets/)\S", ds_text),
            "MySQL password comes from the secret file only (not the environment, not the file)")
    providers = [p for path in glob.glob(os.path.join(PROVISIONING, "dashboards", "*.y*ml"))
                 for p in (load_yaml(path) or {}).get("providers", [])]
    r.check(len(providers) >= 1 and all(p.get("type") == "file" for p in providers),
            "a file dashboard provider is provisioned")

    dash_uids, titles = {}, {}
    dashboards = {}
    for path, text in load_dashboards():
        name = os.path.basename(path)
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            r.fail(f"{name}: invalid JSON: {e}")
            continue
        r.ok(f"{name}: valid JSON")
        dashboards[name] = d
        uid, title = d.get("uid"), d.get("title")
        r.check(bool(uid) and uid not in dash_uids, f"{name}: dashboard uid {uid!r} present and unique")
        r.check(bool(title) and title not in titles, f"{name}: title {title!r} present and unique")
        dash_uids[uid], titles[title] = name, name
        r.check("${DS_" not in text and "__inputs" not in d, f"{name}: no ${{DS_...}} import placeholders")
        r.check(d.get("id") in (None,), f"{name}: no database id (provisioned dashboards must not carry one)")

        variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
        # A data source variable ($prometheus: a sharded master's shard) stands for the provisioned
        # data sources of its type; its default must be one of them.
        ds_vars = {"${%s}" % n: v["query"] for n, v in variables.items() if v.get("type") == "datasource"}
        for n, v in variables.items():
            if v.get("type") == "datasource":
                cur = (v.get("current") or {}).get("value")
                r.check(uids.get(cur) == v.get("query"),
                        f"{name}: data source variable ${n} of type {v.get('query')!r} defaults to a provisioned one ({cur!r})")

        def provisioned(ref):
            return isinstance(ref, dict) and (uids.get(ref.get("uid")) == ref.get("type")
                                              or ds_vars.get(ref.get("uid")) == ref.get("type"))

        panels = list(all_panels(d.get("panels")))
        ids = [p.get("id") for p in panels]
        r.check(len(panels) > 0 and None not in ids and len(ids) == len(set(ids)),
                f"{name}: {len(panels)} panels with unique ids")
        for p in panels:
            ptype = p.get("type")
            r.check(ptype in CURRENT_PANEL_TYPES and ptype not in LEGACY_PANEL_TYPES,
                    f"{name}: panel {p.get('title')!r} type {ptype!r} is a current core type")
            refs = [p.get("datasource")] + [t.get("datasource") for t in p.get("targets", [])]
            for ref in refs:
                if ptype == "row" and ref is None:
                    continue
                r.check(provisioned(ref), f"{name}: panel {p.get('title')!r} datasource {ref!r} is provisioned (uid and type)")
            refids = [t.get("refId") for t in p.get("targets", [])]
            if ptype != "row":
                r.check(refids and len(refids) == len(set(refids)),
                        f"{name}: panel {p.get('title')!r} has targets with unique refIds")
            gp = p.get("gridPos", {})
            r.check(all(isinstance(gp.get(k), int) for k in "xywh") and gp["x"] + gp["w"] <= 24,
                    f"{name}: panel {p.get('title')!r} gridPos inside the 24-column grid")

        for v in variables.values():
            ref = v.get("datasource")
            if v.get("type") == "query":
                r.check(provisioned(ref),
                        f"{name}: variable ${v['name']} datasource is provisioned")
        used = set()
        for m in VARIABLE_RE.finditer(text):
            used.add(next(g for g in m.groups() if g))
        for var in sorted(used):
            if var.startswith("__"):  # Grafana's global variables ($__interval, $__timeFilter, ...)
                continue
            r.check(var in variables, f"{name}: variable ${var} is defined")

    # The requirements, dashboard by dashboard.
    by_uid = {d["uid"]: d for d in dashboards.values()}
    fleet, machine, history = by_uid.get("vmwatch-fleet"), by_uid.get("vmwatch-machine"), by_uid.get("vmwatch-history")
    r.check(fleet and machine and history, "dashboards Fleet, Machine and History exist")
    if fleet:
        table = next((p for p in all_panels(fleet["panels"]) if p["type"] == "table" and p["title"] == "Machines"), None)
        links = json.dumps(table) if table else ""
        r.check(table is not None and "/d/vmwatch-machine/" in links and "var-instance=" in links,
                "Fleet: the Machines table links each machine to the Machine dashboard")
        renamed = (table or {}).get("transformations", [{}, {}])[-1].get("options", {}).get("renameByName", {})
        r.check({"Machine", "Zone", "Group", "CPU %", "RAM %", "Processes", "Up", "Source"} <= set(renamed.values()),
                "Fleet: the Machines table has name, zone, group, CPU %, RAM %, processes, up, source")
        r.check("ALERTS" in json.dumps(fleet), "Fleet: shows alerts")
    if machine:
        var = next((v for v in machine["templating"]["list"] if v["name"] == "instance"), {})
        r.check(variable_query(var).startswith("label_values(") and var.get("refresh") == 2,
                "Machine: $instance comes from label_values() and refreshes on time range change")
        types = [p["type"] for p in all_panels(machine["panels"])]
        for t, n in (("piechart", 2), ("gauge", 2), ("nodeGraph", 1), ("table", 1), ("timeseries", 2)):
            r.check(types.count(t) >= n, f"Machine: at least {n} {t} panel(s)")
        proc = next((p for p in all_panels(machine["panels"]) if p["type"] == "table"), {})
        cols = set(proc.get("transformations", [{}])[-1].get("options", {}).get("renameByName", {}).values())
        r.check({"PID", "Process", "User", "State", "CPU %", "RAM %", "RSS", "Threads", "PPID"} <= cols,
                "Machine: process table has pid, process (indented name), user, state, CPU %, RAM %, RSS, threads, ppid")
        search = next((v for v in machine["templating"]["list"] if v["name"] == "process"), {})
        r.check(search.get("type") == "textbox" and search.get("query", None) == "",
                "Machine: $process is a text box, empty by default")
        exprs = [t.get("expr", "") for t in proc.get("targets", [])]
        r.check(exprs and all('name=~"(?i).*$process.*"' in e for e in exprs),
                "Machine: every query of the process table filters by the search, any case")
        order = next((t for t in exprs if "vmwatch_process_tree_order" in t), None)
        ref = next((t["refId"] for t in proc.get("targets", []) if t.get("expr") == order), None)
        steps = [t["id"] for t in proc.get("transformations", [])]
        sort = next((t["options"] for t in proc.get("transformations", []) if t["id"] == "sortBy"), {})
        r.check(order is not None and steps[:1] == ["merge"] and "sortBy" in steps
                and steps.index("sortBy") < steps.index("organize")
                and sort.get("sort") == [{"field": f"Value #{ref}", "desc": False}] and not proc["options"].get("sortBy"),
                "Machine: the process table is sorted by the exporter's tree order (sortBy before organize, no column sort)")
        graph = next((p for p in all_panels(machine["panels"]) if p["type"] == "nodeGraph"), {})
        graph_text = json.dumps(graph.get("targets", []))
        limit = re.findall(r"vmwatch_process_tree_order\{[^}]*\} <= (\d+)", graph_text)
        r.check(len(limit) == 2 and all(int(n) <= 200 for n in limit) and graph.get("options", {}).get("layoutAlgorithm") == "layered",
                f"Machine: node graph keeps a prefix of the tree order under 200 nodes ({limit}), layered layout")
        graph = next((p for p in all_panels(machine["panels"]) if p["type"] == "nodeGraph"), {})
        refs = {t["refId"] for t in graph.get("targets", [])}
        text = json.dumps(graph)
        r.check(refs == {"nodes", "edges"} and all(f'\\"{f}\\"' in text for f in ("id", "title", "source", "target")),
                "Machine: node graph builds nodes (id, title) and edges (id, source, target) frames")
        r.check(any("vmwatch_processes" in json.dumps(p.get("targets")) for p in all_panels(machine["panels"])),
                "Machine: processes by state")
    for d in (fleet, machine, history):
        if not d:
            continue
        for p in all_panels(d["panels"]):
            util = re.search(r"utilisation", json.dumps(p.get("targets", [])))
            if p["type"] in ("gauge", "timeseries") and util and p["fieldConfig"]["defaults"].get("unit") == "percent":
                steps = p["fieldConfig"]["defaults"].get("thresholds", {}).get("steps", [])
                marked = any(s.get("value") == 60 for s in steps)
                shown = p["type"] == "gauge" or p["fieldConfig"]["defaults"].get("custom", {}).get(
                    "thresholdsStyle", {}).get("mode", "off") != "off"
                r.check(marked and shown, f"{d['title']}: {p['title']!r} marks the 60% threshold")
    if history:
        sql = [t for _, t in targets_of(history, "mysql")]
        r.check(sql and all("$__timeFilter(" in t["rawSql"] for t in sql if t.get("format") == "time_series"),
                "History: every time series query filters with $__timeFilter")
        r.check(any("$__timeGroup" in t["rawSql"] for t in sql), "History: groups with $__timeGroup")
        peaks = [p for p in all_panels(history["panels"]) if "(peak)" in p.get("title", "")]
        r.check(len(peaks) >= 2 and all("MAX(peak)" in t["rawSql"] for p in peaks for t in p["targets"]),
                f"History: the peak panels ({len(peaks)}) show the highest rollup maximum per interval")
        tree = [t["rawSql"] for t in sql if "process_info_samples" in t["rawSql"]]
        r.check(len(tree) == 1 and "$__unixEpochTo()" in tree[0] and "WITH RECURSIVE" in tree[0],
                "History: a process tree at the end of the time range ($__unixEpochTo, recursive over ppid)")
        promql_history = [t["expr"] for _, t in targets_of(history, "prometheus")]
        r.check(len(promql_history) >= 2 and all("[$__interval]" in e and '$instance' in e for e in promql_history),
                f"History: PromQL panels over the archive ({len(promql_history)}), per $__interval, for $instance")
        var = next((v for v in history["templating"]["list"] if v["name"] == "instance"), {})
        r.check(var.get("datasource", {}).get("uid") == "vmwatch-mysql" and var.get("refresh") == 2,
                "History: $instance from MySQL, refreshed on time range change")
    return r.finish("static")


# ------------------------------------------------------------------------------------ promql
INTERVALS = {"__rate_interval": "1m", "__interval": "15s", "__range": "10m", "__range_s": "600",
             "__range_ms": "600000", "__interval_ms": "15000"}


def substitute_promql(expr, instance, search=""):
    """Variables as the Prometheus data source interpolates them; $process (a text box) is the
    search text, empty (the dashboard's default) unless given."""
    def repl(m):
        name = next(g for g in m.groups() if g)
        if name == "instance":
            return instance
        if name == "process":
            return search.replace("\\", "\\\\").replace('"', '\\"')
        if name in INTERVALS:
            return INTERVALS[name]
        raise ValueError(f"no test value for variable ${name}")
    return VARIABLE_RE.sub(repl, expr)


def prom_get(base, path, params):
    url = f"{base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
    with urllib.request.urlopen(url, timeout=30) as resp:
        body = json.load(resp)
    if body.get("status") != "success":
        raise RuntimeError(body)
    # A failing remote read (the archive) is only a warning in Prometheus' answer: count it as a
    # failure, unless the archive is down on purpose (then count it). Remote read has no label API:
    # Prometheus warns "not implemented" on label values.
    warnings = [w for w in body.get("warnings", []) if not (path.startswith("/api/v1/label/") and w == "not implemented")]
    if ARCHIVE_DOWN:
        REMOTE_READ_WARNINGS[0] += sum(1 for w in warnings if w.startswith("remote_read:"))
        warnings = [w for w in warnings if not w.startswith("remote_read:")]
    if warnings:
        raise RuntimeError(f"warnings: {warnings}")
    return body["data"]


# promql --archive-down: the archiver is down on purpose; remote-read warnings are counted, not failed.
ARCHIVE_DOWN = False
REMOTE_READ_WARNINGS = [0]


def promql(base, instance, only_uid=None):
    r = Report()
    now = time.time()
    for path, text in load_dashboards():
        d = json.loads(text)
        if only_uid and d.get("uid") != only_uid:
            continue
        for var in d.get("templating", {}).get("list", []):
            if var.get("datasource", {}).get("type") != "prometheus":
                continue
            m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", variable_query(var).strip())
            if not r.check(m is not None, f"{d['title']}: variable ${var['name']} is label_values(metric, label)"):
                continue
            values = prom_get(base, f"/api/v1/label/{m.group(2)}/values", {"match[]": m.group(1)})
            r.check(instance in values, f"{d['title']}: variable ${var['name']} lists {instance} ({values})")
        # Tables that join several queries are checked 10 s (two scrapes) back: at "now" a scrape
        # being ingested between two of the queries (a process gone, a kworker renamed) would
        # show in some of them only.
        settled = now - 10
        for p in all_panels(d.get("panels")):
            if p.get("type") == "nodeGraph":
                node_graph_check(r, base, instance, d["title"], p, settled)
            if (p.get("transformations") or [{}])[0].get("id") == "merge":
                merge_check(r, base, instance, d["title"], p, settled)
        for title, t in targets_of(d, "prometheus"):
            what = f"{d['title']} / {title} / {t['refId']}"
            try:
                expr = substitute_promql(t["expr"], instance)
                if t.get("instant"):
                    data = prom_get(base, "/api/v1/query", {"query": expr, "time": now})
                    n = len(data["result"]) if data["resultType"] == "vector" else 1
                    r.check(n > 0, f"{what}: instant query returned {n} series")
                else:
                    data = prom_get(base, "/api/v1/query_range",
                                    {"query": expr, "start": now - 600, "end": now, "step": 15})
                    points = sum(len(s["values"]) for s in data["result"])
                    r.check(points > 0, f"{what}: range query returned {len(data['result'])} series, {points} points")
            except Exception as e:  # noqa: BLE001 - report every failing target, not only the first
                r.fail(f"{what}: {e}")
    return r.finish("promql")


def table_frames(base, instance, panel, now, search=""):
    """The frames Grafana's Prometheus datasource builds for the panel's instant table queries
    (transformDFToTable): one per refId, a Time field, one field per label (__name__ included,
    '' where a series lacks the label) and "Value #refId" (plain "Value" for a single query)."""
    targets = [t for t in panel.get("targets", []) if t.get("format") == "table"]
    frames = []
    for t in targets:
        data = prom_get(base, "/api/v1/query", {"query": substitute_promql(t["expr"], instance, search), "time": now})
        series = data["result"]
        labels = sorted({k for s in series for k in s["metric"]})
        value = f"Value #{t['refId']}" if len(targets) > 1 else "Value"
        fields = [{"name": "Time", "type": "time", "values": [float(s["value"][0]) * 1000 for s in series]}]
        fields += [{"name": k, "type": "string", "values": [s["metric"].get(k, "") for s in series]} for k in labels]
        fields.append({"name": value, "type": "number", "values": [float(s["value"][1]) for s in series]})
        frames.append({"refId": t["refId"], "fields": fields})
    return frames


HERE = os.path.dirname(os.path.abspath(__file__))
TRANSFORM_JS = os.path.join(HERE, "transform.js")


def ensure_grafana_data():
    """Installs @grafana/data from package-lock.json (npm ci) when node_modules is missing or
    older than the lockfile; every caller of the table checks (grafana/test/run, e2e/fleet/run)
    gets it this way."""
    installed = os.path.join(HERE, "node_modules", ".package-lock.json")
    lock = os.path.join(HERE, "package-lock.json")
    if os.path.isdir(os.path.join(HERE, "node_modules", "@grafana", "data")) and \
            os.path.getmtime(installed) >= os.path.getmtime(lock):
        return
    print("installing @grafana/data from grafana/test/package-lock.json (npm ci, about 40 s)", file=sys.stderr, flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                   cwd=HERE, check=True, timeout=600)


def grafana_transform(transformations, frames):
    """The frames after the transformations, computed by Grafana's own code (@grafana/data in
    node, transform.js): a list of frames, each a list of (display name, values) columns."""
    ensure_grafana_data()
    proc = subprocess.run(["node", TRANSFORM_JS], input=json.dumps({"transformations": transformations, "frames": frames}),
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip()[-2000:])
    return [[(f["displayName"], f["values"]) for f in frame["fields"]] for frame in json.loads(proc.stdout)]


def rows_of(frame):
    """A frame's rows as dicts of display name to value."""
    names = [n for n, _ in frame]
    return [dict(zip(names, values)) for values in zip(*[v for _, v in frame])] if frame else []


def merge_check(r, base, instance, dashboard_title, panel, now):
    """A table built by "merge" shows one row per key (machine, process), and every field its
    "organize" step names exists after the merge; both computed by Grafana's own transformations."""
    what = f"{dashboard_title} / {panel['title']}"
    try:
        frames = table_frames(base, instance, panel, now)
        merged = grafana_transform([{"id": "merge", "options": {}}], frames)
        shown = grafana_transform(panel["transformations"], frames)
    except Exception as e:  # noqa: BLE001
        r.fail(f"{what}: transformations: {e}")
        return
    r.check(len(merged) == 1 and len(shown) == 1, f"{what}: merge gives one table ({len(merged)} / {len(shown)} frames)")
    names = [n for n, _ in merged[0]]
    common = [f["name"] for f in frames[-1]["fields"] if all(f["name"] in [x["name"] for x in g["fields"]] for g in frames)]
    keys = [k for k in common if k not in ("Time",) and not k.startswith("Value")]
    counts = {}
    for row in rows_of(merged[0]):
        key = tuple(row.get(k) for k in keys)
        counts[key] = counts.get(key, 0) + 1
    split = [k for k, n in counts.items() if n > 1]
    r.check(counts and not split,
            f"{what}: merge on {keys} gives one row per key ({sum(counts.values())} rows; split: {split[:2]})")
    organize = next((t["options"] for t in panel["transformations"] if t["id"] == "organize"), {})
    wanted = set(organize.get("renameByName", {})) | set(organize.get("indexByName", {}))
    missing = sorted(wanted - set(names))
    r.check(not missing, f"{what}: the fields organize names exist after the merge (missing: {missing})")
    hidden = {n for n, x in organize.get("excludeByName", {}).items() if x}
    renamed = {organize.get("renameByName", {}).get(n, n) for n in names if n not in hidden}
    shown_names = {n for n, _ in shown[0]}
    r.check(renamed <= shown_names, f"{what}: the table shows {sorted(renamed - shown_names)} too ({sorted(shown_names)})")
    if any("vmwatch_process_tree_order" in t.get("expr", "") for t in panel.get("targets", [])):
        tree_check(r, what, shown[0], "")
        # search: the name of the last process in tree order, which the exporter always has
        last = prom_get(base, "/api/v1/query", {"query": f'bottomk(1, -vmwatch_process_tree_order{{instance="{instance}"}})',
                                               "time": now})["result"]
        if r.check(last, f"{what}: the exporter has a tree order"):
            name = last[0]["metric"]["name"]
            try:
                found = grafana_transform(panel["transformations"], table_frames(base, instance, panel, now, name.upper()))
                tree_check(r, what, found[0], name)
            except Exception as e:  # noqa: BLE001
                r.fail(f"{what}: search {name!r}: {e}")


TREE_STEP = "\u2502 "
TREE_LEAF = "\u2514 "


def depth_of(label):
    """Depth of an indented process name: the guides before the leaf mark."""
    depth = 0
    while label.startswith(TREE_STEP):
        label, depth = label[len(TREE_STEP):], depth + 1
    return depth + 1 if label.startswith(TREE_LEAF) else 0


def tree_check(r, what, frame, search):
    """The process table in tree order: every row's parent, when listed, is an earlier row, the
    row is indented one step deeper than its parent, and a search keeps only matching names."""
    rows = rows_of(frame)
    label = f"{what} (search {search!r})" if search else what
    if not r.check(rows and {"PID", "PPID", "Process"} <= set(rows[0]), f"{label}: {len(rows)} rows with PID, PPID, Process"):
        return
    seen = {}
    bad = []
    missing = [row["PID"] for row in rows if not row.get("Process")]
    r.check(not missing, f"{label}: every row has a tree position (not: {missing[:5]})")
    rows = [row for row in rows if row.get("Process")]
    for row in rows:
        parent = seen.get(row["PPID"])
        if search and search.lower() not in row["Process"].lower():
            bad.append(("name", row["Process"]))
        if not search and parent is None and any(x["PID"] == row["PPID"] for x in rows):
            bad.append(("parent listed later", row["PID"]))
        if not search and parent is not None and depth_of(row["Process"]) != depth_of(parent["Process"]) + 1:
            bad.append(("indent", row["Process"], parent["Process"]))
        seen[row["PID"]] = row
    r.check(not bad, f"{label}: tree order, each process under its parent, one step deeper ({bad[:3]})")
    if not search:
        # the busiest root comes first: pid 1's tree, or kthreadd's (pid 2) on an idle machine
        one = next((row for row in rows if row["PID"] == 1), None)
        r.check(depth_of(rows[0]["Process"]) == 0 and one is not None and depth_of(one["Process"]) == 0,
                f"{label}: the tree starts with a root ({rows[0]['PID']}, {rows[0]['Process']!r}), pid 1 is one")
        connected = all(row["PPID"] == 0 or row["PPID"] in seen or depth_of(row["Process"]) == 0 for row in rows)
        r.check(connected, f"{label}: every process's parent is listed, or it is a root")


def node_graph_check(r, base, instance, dashboard_title, panel, now):
    """The nodes and edges frames form a graph Grafana can draw: unique node ids, and every edge
    joins two existing nodes (the node graph fails on an edge to a missing node)."""
    what = f"{dashboard_title} / {panel['title']}"
    frames = {}
    for t in panel.get("targets", []):
        data = prom_get(base, "/api/v1/query", {"query": substitute_promql(t["expr"], instance), "time": now})
        frames[t["refId"]] = [s["metric"] for s in data["result"]]
    nodes, edges = frames.get("nodes", []), frames.get("edges", [])
    ids = [n.get("id") for n in nodes]
    r.check(ids and None not in ids and len(ids) == len(set(ids)), f"{what}: {len(ids)} nodes with unique ids")
    dangling = [e for e in edges if e.get("source") not in ids or e.get("target") not in ids or not e.get("id")]
    r.check(edges and not dangling, f"{what}: {len(edges)} edges, all between existing nodes ({dangling[:2]})")
    r.check(all(n.get("title") for n in nodes), f"{what}: every node has a title")
    r.check(len(ids) <= 200, f"{what}: {len(ids)} nodes, within the node graph's limit of 200")
    orphans = [n.get("id") for n in nodes if n.get("ppid") not in ids and n.get("ppid") not in ("0", None)
               and n.get("id") != "1"]
    r.check(not orphans, f"{what}: every node but the roots of pid 0 hangs under its parent (orphans: {orphans[:5]})")


# ------------------------------------------------------------------------------------ sql
def parse_interval(text):
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d|w)", text.strip().strip("'\""))
    if not m:
        raise ValueError(f"cannot parse interval {text!r}")
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]


def expand_mysql_macros(sql, time_from, time_to, interval="1m"):
    """Grafana's MySQL macros, as pkg/tsdb/mysql/macros.go expands them (time range in seconds)."""
    f, t = int(time_from), int(time_to)
    sql = sql.replace("$__interval_ms", str(int(parse_interval(interval) * 1000)))
    sql = sql.replace("$__interval", interval)

    def group(args):
        if len(args) < 2:
            raise ValueError("$__timeGroup needs a column and an interval")
        secs = parse_interval(args[1])
        return f"UNIX_TIMESTAMP({args[0]}) DIV {secs:.0f} * {secs:.0f}"

    def epoch_group(args):
        secs = parse_interval(args[1])
        return f"{args[0]} DIV {secs:g} * {secs:g}"

    macros = {
        "__time": lambda a: f"UNIX_TIMESTAMP({a[0]}) as time_sec",
        "__timeEpoch": lambda a: f"UNIX_TIMESTAMP({a[0]}) as time_sec",
        "__timeFilter": lambda a: f"{a[0]} BETWEEN FROM_UNIXTIME({f}) AND FROM_UNIXTIME({t})",
        "__timeFrom": lambda a: f"FROM_UNIXTIME({f})",
        "__timeTo": lambda a: f"FROM_UNIXTIME({t})",
        "__timeGroup": group,
        "__timeGroupAlias": lambda a: group(a) + ' AS "time"',
        "__unixEpochFilter": lambda a: f"{a[0]} >= {f} AND {a[0]} <= {t}",
        "__unixEpochNanoFilter": lambda a: f"{a[0]} >= {f * 10**9} AND {a[0]} <= {t * 10**9}",
        "__unixEpochFrom": lambda a: str(f),
        "__unixEpochTo": lambda a: str(t),
        "__unixEpochNanoFrom": lambda a: str(f * 10**9),
        "__unixEpochNanoTo": lambda a: str(t * 10**9),
        "__unixEpochGroup": epoch_group,
        "__unixEpochGroupAlias": lambda a: epoch_group(a) + ' AS "time"',
    }

    def repl(m):
        name, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
        if name not in macros:
            raise ValueError(f"unknown macro ${name}")
        return macros[name](args)
    return re.sub(r"\$([_a-zA-Z0-9]+)\(([^)]*)\)", repl, sql)


def substitute_sql(sql, instance, variables):
    """Variables as Grafana's SQL data sources interpolate them: a multi-value or include-all
    variable becomes a comma-separated list of quoted strings, a single-value one goes in as is."""
    def repl(m):
        name = next(g for g in m.groups() if g)
        if name.startswith("__"):
            return m.group(0)
        if name != "instance" or name not in variables:
            raise ValueError(f"no test value for variable ${name}")
        var = variables[name]
        if var.get("multi") or var.get("includeAll"):
            return "'" + instance.replace("'", "''") + "'"
        return instance
    return VARIABLE_RE.sub(repl, sql)


def run_sql(client, sql):
    proc = subprocess.run(client, input=sql, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip())
    return [line for line in proc.stdout.splitlines() if line.strip()]


# The compose stack runs MySQL 8.4, whose default sql_mode is stricter than MariaDB's (notably
# ONLY_FULL_GROUP_BY): every query runs under MySQL's defaults.
MYSQL8_SQL_MODE = ("SET SESSION sql_mode = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,"
                   "NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';\n")


def mysql_session_prefix():
    """The session settings of the compose MySQL and Grafana's MySQL datasource (its provisioned
    time zone)."""
    for path in sorted(glob.glob(os.path.join(PROVISIONING, "datasources", "*.y*ml"))):
        for ds in (load_yaml(path) or {}).get("datasources", []):
            if ds.get("uid") == "vmwatch-mysql":
                tz = (ds.get("jsonData") or {}).get("timezone")
                return MYSQL8_SQL_MODE + (f"SET time_zone = '{tz}';\n" if tz else "")
    sys.exit("no vmwatch-mysql datasource provisioned")


def sql_check(instance, client, window_seconds):
    r = Report()
    now = time.time()
    prefix = mysql_session_prefix()
    for path, text in load_dashboards():
        d = json.loads(text)
        variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
        for var in variables.values():
            if var.get("datasource", {}).get("type") != "mysql":
                continue
            try:
                q = expand_mysql_macros(substitute_sql(variable_query(var), instance, variables), now - window_seconds, now)
                rows = run_sql(client, prefix + q)
                r.check(instance in rows, f"{d['title']}: variable ${var['name']} lists {instance} ({rows[:5]})")
            except Exception as e:  # noqa: BLE001
                r.fail(f"{d['title']}: variable ${var['name']}: {e}")
        for title, t in targets_of(d, "mysql"):
            what = f"{d['title']} / {title} / {t['refId']}"
            try:
                q = expand_mysql_macros(substitute_sql(t["rawSql"], instance, variables), now - window_seconds, now)
                started = time.monotonic()
                rows = run_sql(client, prefix + q)
                took = time.monotonic() - started
                r.check(len(rows) > 0, f"{what}: {len(rows)} rows in {took:.2f}s, first {rows[:1]}")
                if "process_info_samples" in t["rawSql"]:
                    process_history_check(r, what, client, prefix, t["rawSql"], instance, variables, now)
                if t.get("format") == "time_series" and rows:
                    first = rows[0].split("\t")[0]
                    r.check(re.fullmatch(r"\d{9,10}(\.\d+)?", first) is not None and now - window_seconds - 3600 <= float(first) <= now + 60,
                            f"{what}: first column is an epoch time inside the range ({first})")
            except Exception as e:  # noqa: BLE001
                r.fail(f"{what}: {e}")
    return r.finish("sql")


def process_history_check(r, what, client, prefix, sql, instance, variables, now):
    """The archived process tree at the end of the time range: at now and at a past moment, every
    row is from the machine's last scrape up to that moment, and the rows are in tree order (each
    process under its parent, one step deeper)."""
    try:
        first = run_sql(client, prefix + f"SELECT MIN(ts) DIV 1000 FROM process_info_samples WHERE instance = '{instance}';")
        past = (int(first[0]) + int(now)) // 2
    except Exception as e:  # noqa: BLE001
        r.fail(f"{what}: first archived process list: {e}")
        return
    r.check(past < now - 5, f"{what}: the archive holds process lists since {int(now) - int(first[0])}s ago")
    for until in (int(now), past):
        label = f"{what} (to = now - {int(now) - until}s)"
        try:
            q = expand_mysql_macros(substitute_sql(sql, instance, variables), until - 3600, until)
            rows = [line.split("\t") for line in run_sql(client, prefix + q)]
            last = run_sql(client, prefix + "SELECT FROM_UNIXTIME(MAX(ts) DIV 1000) FROM process_info_samples "
                           f"WHERE instance = '{instance}' AND ts BETWEEN ({until} - 300) * 1000 AND {until} * 1000;")
        except Exception as e:  # noqa: BLE001
            r.fail(f"{label}: {e}")
            continue
        seen = {row[9] for row in rows}
        r.check(rows and seen == set(last), f"{label}: {len(rows)} processes, all from the last scrape up to then ({seen} vs {last})")
        listed = {row[1] for row in rows}
        depth = {}
        bad = []
        for row in rows:
            pid, process, ppid = row[1], row[2], row[8]
            if ppid in listed and ppid not in depth:
                bad.append(("parent listed later", pid))
            elif ppid in depth and depth_of(process) != depth[ppid] + 1:
                bad.append(("indent", process))
            elif ppid not in listed and depth_of(process) != 0:
                bad.append(("root indented", process))
            depth[pid] = depth_of(process)
        r.check(not bad, f"{label}: tree order, each process under its parent, one step deeper ({bad[:3]})")


# ------------------------------------------------------------------------------------ compose
def compose(config_path):
    r = Report()
    cfg = load_yaml(config_path)
    services = cfg.get("services", {})
    expected = {"prometheus", "alertmanager", "grafana", "mysql", "archiver", "exporter", "node-exporter"}
    r.check(expected <= set(services), f"services {sorted(services)} include {sorted(expected)}")
    named_volumes = set(cfg.get("volumes", {}) or {})
    for name, svc in sorted(services.items()):
        r.check("healthcheck" in svc and svc["healthcheck"].get("test"), f"{name}: has a healthcheck")
        for dep, cond in (svc.get("depends_on") or {}).items():
            r.check(isinstance(cond, dict) and cond.get("condition") == "service_healthy",
                    f"{name}: depends on {dep} being healthy")
        image = svc.get("image", "")
        if "build" in svc:
            b = svc["build"]
            dockerfile = os.path.join(b["context"], b.get("dockerfile", "Dockerfile"))
            if r.check(os.path.isfile(dockerfile), f"{name}: build file {dockerfile} exists"):
                dockerfile_checks(r, name, b["context"], dockerfile)
        elif image:
            tag = image.rsplit(":", 1)[-1] if ":" in image.split("/")[-1] else ""
            r.check(bool(tag) and tag != "latest" and re.search(r"\d", tag),
                    f"{name}: image {image} is pinned to a version tag")
        for p in svc.get("ports", []) or []:
            text = p if isinstance(p, str) else f"{p.get('host_ip', '')}:{p.get('published')}:{p.get('target')}"
            if name == "grafana":
                r.ok(f"{name}: publishes {text}")
            else:
                r.check(name in ("prometheus", "alertmanager") and text.startswith("127.0.0.1:"),
                        f"{name}: publishes {text} (only Grafana on the network; Prometheus, Alertmanager on 127.0.0.1)")
        for v in svc.get("volumes", []) or []:
            if isinstance(v, str):
                parts = v.split(":")
                v = {"type": "bind" if parts[0].startswith("/") or parts[0].startswith(".") else "volume",
                     "source": parts[0], "target": parts[1],
                     "read_only": len(parts) > 2 and "ro" in parts[2].split(",")}
            if v.get("type") == "bind":
                src = v["source"]
                if not os.path.realpath(src).startswith(ROOT + "/"):  # a file of the host itself
                    r.check(((name == "exporter" and src in HOST_FILES) or (name == "node-exporter" and src == "/"))
                            and v.get("read_only") is True,
                            f"{name}: host {src} mounted read-only (only into the demo exporter and node-exporter)")
                    continue
                r.check(os.path.exists(src) and v.get("read_only") is True,
                        f"{name}: mounted {src} exists in the repository and is read-only")
            else:
                r.check(v.get("source") in named_volumes, f"{name}: volume {v.get('source')} is a named volume")
        binds = {}
        for v in svc.get("volumes", []) or []:
            if isinstance(v, str) and v.split(":")[0].startswith("/"):
                binds[v.split(":")[1]] = v.split(":")[0]
            elif isinstance(v, dict) and v.get("type") == "bind":
                binds[v["target"]] = v["source"]
        words = list(svc.get("entrypoint") or []) + list(svc.get("command") or []) + \
            [str(x) for x in (svc.get("environment") or {}).values()]
        for word in words:
            path = word.split("=", 1)[-1]
            for target, source in binds.items():
                if path.startswith(target + "/") and source not in HOST_FILES:
                    host = source + path[len(target):]
                    r.check(os.path.exists(host), f"{name}: {path} (from {host}) exists")
        envs = svc.get("environment") or {}
        for k, val in (envs.items() if isinstance(envs, dict) else []):
            if k.endswith("_FILE"):
                if "PASSWORD" in k or "URL" in k:
                    r.check(str(val).startswith("/run/secrets/"), f"{name}: {k} names a compose secret ({val})")
            elif "PASSWORD" in k or k in ("VMWATCH_ALERT_WEBHOOK_URL", "VMWATCH_HEARTBEAT_URL"):
                r.fail(f"{name}: secret {k} in the environment (docker inspect shows it): use a compose secret and {k}_FILE")
        defined = cfg.get("secrets", {}) or {}
        for ref in svc.get("secrets", []) or []:
            source = ref if isinstance(ref, str) else ref.get("source")
            r.check(source in defined and "file" in (defined[source] or {}),
                    f"{name}: secret {source} is a file secret of the compose file")
        opts = ((svc.get("logging") or {}).get("options") or {})
        r.check(bool(opts.get("max-size")) and bool(opts.get("max-file")), f"{name}: logs rotate ({opts})")
        if name != "archiver":  # the archiver's memory (-Xmx and its limit) is sized in archiver/
            limit = (((svc.get("deploy") or {}).get("resources") or {}).get("limits") or {}).get("memory")
            r.check(bool(limit), f"{name}: has a memory limit ({limit})")
    # Live monitoring does not wait for the archive: no (transitive) dependency on MySQL or the archiver.
    def needs(name, seen=()):
        deps = set((services.get(name, {}).get("depends_on") or {}))
        for d in list(deps):
            if d not in seen:
                deps |= needs(d, seen + (name,))
        return deps
    for live in ("prometheus", "alertmanager", "grafana", "node-exporter"):
        r.check(not needs(live) & {"mysql", "archiver"},
                f"{live}: starts without MySQL and the archiver (depends on {sorted(needs(live))})")
    prom_args = " ".join(services.get("prometheus", {}).get("entrypoint") or [])
    for flag in ("--storage.tsdb.retention.time=", "--storage.tsdb.retention.size=", "--web.external-url=http"):
        r.check(flag in prom_args, f"prometheus: runs with {flag}...")
    am_args = " ".join(services.get("alertmanager", {}).get("entrypoint") or [])
    r.check("--web.external-url=http" in am_args, "alertmanager: runs with --web.external-url")
    grafana_image = services.get("grafana", {}).get("image", "")
    m = re.fullmatch(r"grafana/grafana:(\d+)\.(\d+)\.(\d+)", grafana_image)
    r.check(m is not None and tuple(map(int, m.groups())) >= (12, 4, 10),
            f"grafana: image {grafana_image} is grafana/grafana (grafana-oss gets no images from 12.4.0) at 12.4.10 or later")
    with open(os.path.join(HERE, "package.json"), encoding="utf-8") as f:
        grafana_data = json.load(f).get("dependencies", {}).get("@grafana/data")
    r.check(m is not None and grafana_data == ".".join(m.groups()),
            f"grafana: the tests' @grafana/data {grafana_data} is the image's version {grafana_image}")
    for stateful in ("prometheus", "alertmanager", "grafana", "mysql"):
        vols = services.get(stateful, {}).get("volumes", []) or []
        r.check(any((isinstance(v, dict) and v.get("type") == "volume") or
                    (isinstance(v, str) and not v.startswith(("/", "."))) for v in vols),
                f"{stateful}: keeps its state in a named volume")
    grafana_targets = [v.split(":")[1] if isinstance(v, str) else v.get("target")
                       for v in services.get("grafana", {}).get("volumes", []) or []]
    for path in glob.glob(os.path.join(PROVISIONING, "dashboards", "*.y*ml")):
        for p in (load_yaml(path) or {}).get("providers", []):
            where = p.get("options", {}).get("path", "")
            r.check(where in grafana_targets, f"grafana: dashboard provider path {where} is mounted")
    r.check("/etc/grafana/provisioning" in grafana_targets, "grafana: provisioning mounted")
    return r.finish("compose")


def dockerignore_allows(context, path):
    """Whether .dockerignore in context lets path (relative) into the build context: the last
    matching pattern wins, ! re-includes (enough for the allowlist style used here)."""
    import fnmatch
    ignore = os.path.join(context, ".dockerignore")
    allowed = True
    if not os.path.exists(ignore):
        return True
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for line in open(ignore, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        if pattern.startswith("**/"):
            hit = any(fnmatch.fnmatch(p.split("/")[-1], pattern[3:]) for p in prefixes)
        else:
            hit = any(fnmatch.fnmatch(p, pattern) for p in prefixes)
        if hit:
            allowed = negate
    return allowed


def dockerfile_checks(r, name, context, dockerfile):
    text = open(dockerfile, encoding="utf-8").read()
    args = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", text, re.M))
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    r.check(len(froms) >= 2, f"{name}: {dockerfile} is a multi-stage build")
    for image in froms:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)
        tag = image.split(":", 1)[1] if ":" in image else ""
        r.check(re.search(r"\d+\.\d+", tag) is not None and "latest" not in tag,
                f"{name}: base image {image} pinned to a version tag")
    final = text[text.rindex("\nFROM"):]
    users = re.findall(r"^USER\s+(\S+)", final, re.M)
    r.check(bool(users) and users[-1] not in ("root", "0"), f"{name}: final stage runs as non-root user {users}")
    for src in re.findall(r"^COPY\s+(?!--from)(\S+)\s", text, re.M):
        r.check(os.path.exists(os.path.join(context, src)) and dockerignore_allows(context, src),
                f"{name}: COPY {src} exists and is in the build context")
    if "exporter" in dockerfile:
        r.check("jvm.options" in final and "@/opt/vmwatch/jvm.options" in final,
                f"{name}: starts java with exporter/jvm.options")


def build_stage(dockerfile, scratch):
    """No Docker engine here: replay the first stage of the Dockerfile on this machine (its base
    image is a Maven + JDK 17 image, like this machine), then check the final stage's inputs."""
    import shutil
    r = Report()
    text = re.sub(r"\\\n", " ", open(dockerfile, encoding="utf-8").read())
    stages = re.split(r"^FROM\s.*$", text, flags=re.M)[1:]
    r.check(len(stages) >= 2, f"{dockerfile}: has a build stage and a final stage")
    workdir = scratch
    for line in stages[0].splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "WORKDIR":
            workdir = os.path.join(scratch, words[1].lstrip("/"))
            os.makedirs(workdir, exist_ok=True)
        elif words[0] == "COPY":
            src, dest = os.path.join(ROOT, words[1]), os.path.join(workdir, words[2])
            if dest.endswith("/") or os.path.isdir(src):
                os.makedirs(dest, exist_ok=True)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(dest, os.path.basename(src.rstrip("/"))) if words[2].endswith("/") else dest,
                                dirs_exist_ok=True)
            else:
                shutil.copy(src, dest)
        elif words[0] == "RUN":
            command = line.split(None, 1)[1]
            command = re.sub(r"^mvn\b", "mvn -o", command)  # dependencies come from the local repository
            print(f"  ... {command}", flush=True)
            proc = subprocess.run(command, shell=True, cwd=workdir, capture_output=True, text=True)
            if not r.check(proc.returncode == 0, f"{dockerfile}: RUN {command}"):
                print(proc.stdout[-3000:], proc.stderr[-3000:])
    for src in re.findall(r"^COPY\s+--from=\S+\s+(\S+)", stages[-1], re.M):
        r.check(os.path.isfile(os.path.join(scratch, src.lstrip("/"))), f"{dockerfile}: build stage produced {src}")
    return r.finish("build-stage")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "static":
        return static()
    if cmd == "grafana-data":
        ensure_grafana_data()
        return 0
    if cmd == "promql" and len(argv) == 4:
        return promql(argv[2].rstrip("/"), argv[3])
    if cmd == "promql" and len(argv) == 6 and argv[4] == "--dashboard":
        return promql(argv[2].rstrip("/"), argv[3], argv[5])
    if cmd == "promql" and len(argv) == 5 and argv[4] == "--archive-down":
        global ARCHIVE_DOWN
        ARCHIVE_DOWN = True
        result = promql(argv[2].rstrip("/"), argv[3])
        print(f"remote-read warnings (archive down): {REMOTE_READ_WARNINGS[0]}")
        return result if REMOTE_READ_WARNINGS[0] > 0 else 1
    if cmd == "sql" and len(argv) > 4 and argv[4] == "--":
        return sql_check(argv[2], argv[5:], int(argv[3]))
    if cmd == "build-stage" and len(argv) == 4:
        return build_stage(argv[2], argv[3])
    if cmd == "compose" and len(argv) == 3:
        return compose(argv[2])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
