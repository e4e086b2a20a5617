-- Process history for Grafana's History dashboard and for people: the process list of any machine
-- at any archived scrape of the raw retention, also for machines that no longer exist. Filter on
-- instance and ts: the series index (metric, instance) finds the machine's series, the samples'
-- primary key (series_id, ts) the scrape.

-- Every archived vmwatch_process_info sample: one row per process per scrape, labels as columns.
CREATE VIEW process_info_samples AS
SELECT s.instance,
       x.ts,
       x.ts / 1000 AS time,
       CAST(JSON_UNQUOTE(JSON_EXTRACT(s.labels, '$.pid')) AS UNSIGNED)  AS pid,
       CAST(JSON_UNQUOTE(JSON_EXTRACT(s.labels, '$.ppid')) AS UNSIGNED) AS ppid,
       JSON_UNQUOTE(JSON_EXTRACT(s.labels, '$.name'))  AS name,
       JSON_UNQUOTE(JSON_EXTRACT(s.labels, '$.user'))  AS user,
       JSON_UNQUOTE(JSON_EXTRACT(s.labels, '$.state')) AS state
FROM series s JOIN samples x ON x.series_id = s.id
WHERE s.metric = 'vmwatch_process_info';

-- The per-process numbers of every archived scrape (metric is the Prometheus metric name):
-- resident memory, CPU seconds, threads, start time and the exporter's tree order.
CREATE VIEW process_value_samples AS
SELECT s.metric,
       s.instance,
       x.ts,
       x.ts / 1000 AS time,
       CAST(JSON_UNQUOTE(JSON_EXTRACT(s.labels, '$.pid')) AS UNSIGNED) AS pid,
       x.value
FROM series s JOIN samples x ON x.series_id = s.id
WHERE s.metric IN ('vmwatch_process_resident_memory_bytes', 'vmwatch_process_cpu_seconds_total',
                   'vmwatch_process_threads', 'vmwatch_process_start_time_seconds',
                   'vmwatch_process_tree_order');
