"""The fleet test's test-only changes to the master's configuration (TEST-ONLY TRANSFORM).

Usage: python3 for-fleet-test.py ETC_DIR ALERTMANAGER_ADDRESS ARCHIVER_ADDRESS MAX_FOR

ETC_DIR holds prometheus-live.yml (prometheus/test/for-live-test.py's output: GCE discovery as
file_sd, short intervals, remote write to the archiver), rules/ (copied by prometheus/render.sh)
and alertmanager.yml (rendered by alertmanager/render.sh). Changes, and nothing else:
  - prometheus-live.yml gets back what for-live-test.py removes for its own test: the alerting
    section (ALERTMANAGER_ADDRESS); the alertmanager and archiver scrape jobs scrape
    ALERTMANAGER_ADDRESS and ARCHIVER_ADDRESS (the job is added back when for-live-test.py dropped
    it, its target set when it kept it);
  - rules/vmwatch-alerts.yml: every alert's "for" becomes at most MAX_FOR (e.g. 15m -> 20s), so a
    run takes minutes, not hours; every expression, label and annotation stays as written;
  - alertmanager.yml: group_wait, group_interval and repeat_interval become short; the route,
    the receiver and the inhibit rules stay as written.
Prints each change on one line.
"""
import os
import re
import sys

import yaml

etc, alertmanager, archiver, max_for = sys.argv[1:5]
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(duration):
    total = 0.0
    for number, unit in re.findall(r"(\d+)(ms|s|m|h|d)", duration):
        total += int(number) * UNITS[unit]
    return total


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def save(path, data):
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, sort_keys=False)


prometheus_path = os.path.join(etc, "prometheus-live.yml")
config = load(prometheus_path)
config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
for name, address in (("alertmanager", alertmanager), ("archiver", archiver)):
    jobs = [job for job in config["scrape_configs"] if job["job_name"] == name]
    if not jobs:
        jobs = [{"job_name": name}]
        config["scrape_configs"].append(jobs[0])
    jobs[0]["static_configs"] = [{"targets": [address]}]
save(prometheus_path, config)
print(f"prometheus: alerting to {alertmanager}; jobs alertmanager and archiver scrape {alertmanager}, {archiver}")

rules_path = os.path.join(etc, "rules", "vmwatch-alerts.yml")
rules = load(rules_path)
for group in rules["groups"]:
    for rule in group["rules"]:
        if "alert" in rule and "for" in rule and seconds(rule["for"]) > seconds(max_for):
            print(f"rule {rule['alert']}: for {rule['for']} -> {max_for}")
            rule["for"] = max_for
save(rules_path, rules)

am_path = os.path.join(etc, "alertmanager.yml")
am = load(am_path)
for key, value in (("group_wait", "2s"), ("group_interval", "5s"), ("repeat_interval", "1h")):
    print(f"alertmanager: {key} {am['route'][key]} -> {value}")
    am["route"][key] = value
save(am_path, am)
