"""Turn the rendered prometheus.yml into the capacity benchmark's configuration.

Usage: python3 for-capacity.py RENDERED_YML OUTPUT_YML GCE_TARGETS_DIR SELF_ADDRESS ARCHIVER_ADDRESS SELECTOR_FILE

What changes, and nothing else (scrape and evaluation intervals, scrape timeout, relabel_configs,
write_relabel_configs, queue_config and the rules stay exactly as rendered):
  - every gce_sd_configs entry becomes a file_sd_configs entry reading GCE_TARGETS_DIR/<zone>.json,
    where the fleet simulator writes targets carrying the __meta_gce_* labels GCE would set (so no
    call reaches the Compute Engine API);
  - the prometheus job scrapes SELF_ADDRESS; remote write, remote read and the archiver job go to
    ARCHIVER_ADDRESS; the alertmanager and node jobs and the alerting section go (nothing listens
    there in the benchmark).
Writes to SELECTOR_FILE the PromQL selector of the series remote write sends (from the remote
write's keep and drop write_relabel_configs on __name__), and prints the zones it replaced.
"""
import sys

import yaml

rendered, output, targets_dir, self_address, archiver, selector_file = sys.argv[1:7]
with open(rendered, encoding="utf-8") as f:
    config = yaml.safe_load(f)

config.pop("alerting")
zones = []
jobs = []
for job in config["scrape_configs"]:
    if job["job_name"] in ("alertmanager", "node"):
        continue
    if job["job_name"] == "prometheus":
        job["static_configs"] = [{"targets": [self_address]}]
    if job["job_name"] == "archiver":
        job["static_configs"] = [{"targets": [archiver]}]
    for gce in job.pop("gce_sd_configs", []):
        zones.append(gce["zone"])
        job.setdefault("file_sd_configs", []).append(
            {"files": ["%s/%s.json" % (targets_dir, gce["zone"])], "refresh_interval": gce["refresh_interval"]})
    jobs.append(job)
config["scrape_configs"] = jobs
if not zones:
    sys.exit("for-capacity.py: no gce_sd_configs in %s" % rendered)

(remote,) = config["remote_write"]
remote["url"] = "http://%s/api/v1/write" % archiver
(read,) = config["remote_read"]
read["url"] = "http://%s/api/v1/read" % archiver

# The archived series: a keep and then drops on __name__ only; anything else is not understood here.
matchers = []
for rule in remote["write_relabel_configs"]:
    if rule.get("source_labels") != ["__name__"] or rule.get("action") not in ("keep", "drop"):
        sys.exit("for-capacity.py: write_relabel_configs rule %r is not a keep/drop on __name__" % rule)
    op = "=~" if rule["action"] == "keep" else "!~"
    matchers.append('__name__%s"%s"' % (op, rule["regex"].replace("\\", "\\\\")))
with open(selector_file, "w", encoding="utf-8") as f:
    f.write("{%s}\n" % ",".join(matchers))

with open(output, "w", encoding="utf-8") as f:
    yaml.safe_dump(config, f, sort_keys=False)
print("\n".join(zones))
