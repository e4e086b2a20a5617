"""Turn the rendered prometheus.yml into the live test's configuration.

Usage: python3 for-live-test.py RENDERED_YML OUTPUT_YML GCE_TARGETS_DIR SELF_ADDRESS REMOTE_WRITE_URL INTERVAL [NODE_ADDRESS]

What changes, and nothing else (relabel_configs, the scrape's scheme, basic_auth and tls_config,
write_relabel_configs, queue_config and the rules stay exactly as written):
  - every gce_sd_configs entry becomes a file_sd_configs entry reading GCE_TARGETS_DIR/<zone>.json,
    where the test writes targets carrying the __meta_gce_* labels GCE would set;
  - scrape and evaluation intervals become INTERVAL (the rules' own windows are unchanged);
  - the prometheus job scrapes SELF_ADDRESS; remote_write goes to REMOTE_WRITE_URL, remote_read to
    /api/v1/read on the same host:port, and the archiver job scrapes that host:port (as in production, where both are the archiver's address); the
    alertmanager job and the alerting section go (nothing listens there in the test);
  - the node job scrapes NODE_ADDRESS (a node-exporter the test started), or goes without it.
Prints the zones it replaced, one per line.
"""
import sys
import urllib.parse

import yaml

rendered, output, targets_dir, self_address, remote_write_url, interval = sys.argv[1:7]
node_address = sys.argv[7] if len(sys.argv) > 7 else None
with open(rendered, encoding="utf-8") as f:
    config = yaml.safe_load(f)

config["global"]["scrape_interval"] = interval
config["global"]["evaluation_interval"] = interval
config["global"]["scrape_timeout"] = interval
config.pop("alerting")

zones = []
jobs = []
for job in config["scrape_configs"]:
    if job["job_name"] == "alertmanager":
        continue
    if job["job_name"] == "node":
        if not node_address:
            continue
        job["static_configs"] = [{"targets": [node_address]}]
    if job["job_name"] == "prometheus":
        job["static_configs"] = [{"targets": [self_address]}]
    if job["job_name"] == "archiver":
        job["static_configs"] = [{"targets": [urllib.parse.urlsplit(remote_write_url).netloc]}]
    for gce in job.pop("gce_sd_configs", []):
        zones.append(gce["zone"])
        job.setdefault("file_sd_configs", []).append(
            {"files": ["%s/%s.json" % (targets_dir, gce["zone"])], "refresh_interval": "5s"})
    jobs.append(job)
config["scrape_configs"] = jobs
if not zones:
    sys.exit("for-live-test.py: no gce_sd_configs in %s: nothing to test" % rendered)

(remote,) = config["remote_write"]
remote["url"] = remote_write_url
(read,) = config["remote_read"]
read["url"] = urllib.parse.urljoin(remote_write_url, "/api/v1/read")

with open(output, "w", encoding="utf-8") as f:
    yaml.safe_dump(config, f, sort_keys=False)
print("\n".join(zones))
