-- Views for people and Grafana. Every view has ts (milliseconds, filter on it: it prunes partitions)
-- and time (Unix epoch seconds, what Grafana's MySQL data source takes as a time column).

-- Every raw sample with its series.
CREATE VIEW metric_samples AS
SELECT s.metric, s.instance, s.labels, x.ts, x.ts / 1000 AS time, x.value
FROM samples x JOIN series s ON s.id = x.series_id;

-- Every 5-minute rollup with its series.
CREATE VIEW metric_samples_5m AS
SELECT s.metric, s.instance, s.labels, r.ts, r.ts / 1000 AS time,
       r.min_value, r.sum_value / r.count_value AS avg_value, r.max_value, r.count_value
FROM samples_5m r JOIN series s ON s.id = r.series_id;

-- CPU utilisation (0..1) per instance over time, from the recording rule.
CREATE VIEW cpu_utilisation AS
SELECT s.instance, x.ts, x.ts / 1000 AS time, x.value
FROM samples x JOIN series s ON s.id = x.series_id
WHERE s.metric = 'instance:vmwatch_cpu_utilisation:ratio';

-- Memory utilisation (0..1) per instance over time, from the recording rule.
CREATE VIEW memory_utilisation AS
SELECT s.instance, x.ts, x.ts / 1000 AS time, x.value
FROM samples x JOIN series s ON s.id = x.series_id
WHERE s.metric = 'instance:vmwatch_memory_utilisation:ratio';

-- The same two, as 5-minute rollups, kept longer than raw samples.
CREATE VIEW cpu_utilisation_5m AS
SELECT s.instance, r.ts, r.ts / 1000 AS time,
       r.min_value, r.sum_value / r.count_value AS avg_value, r.max_value, r.count_value
FROM samples_5m r JOIN series s ON s.id = r.series_id
WHERE s.metric = 'instance:vmwatch_cpu_utilisation:ratio';

CREATE VIEW memory_utilisation_5m AS
SELECT s.instance, r.ts, r.ts / 1000 AS time,
       r.min_value, r.sum_value / r.count_value AS avg_value, r.max_value, r.count_value
FROM samples_5m r JOIN series s ON s.id = r.series_id
WHERE s.metric = 'instance:vmwatch_memory_utilisation:ratio';

-- The process list of each instance at its latest scrape within the last day: one row per
-- vmwatch_process_info series of that scrape, with the resident memory and CPU seconds of the
-- same pid at the same timestamp. (JSON values are compared unquoted: MariaDB does not compare
-- two JSON_EXTRACT results as equal JSON strings.)
CREATE VIEW latest_processes AS
SELECT latest.instance,
       latest.ts,
       latest.ts / 1000 AS time,
       CAST(JSON_UNQUOTE(JSON_EXTRACT(info.labels, '$.pid')) AS UNSIGNED)  AS pid,
       CAST(JSON_UNQUOTE(JSON_EXTRACT(info.labels, '$.ppid')) AS UNSIGNED) AS ppid,
       JSON_UNQUOTE(JSON_EXTRACT(info.labels, '$.name'))  AS name,
       JSON_UNQUOTE(JSON_EXTRACT(info.labels, '$.user'))  AS user,
       JSON_UNQUOTE(JSON_EXTRACT(info.labels, '$.state')) AS state,
       (SELECT rx.value FROM series rs JOIN samples rx ON rx.series_id = rs.id AND rx.ts = latest.ts
         WHERE rs.metric = 'vmwatch_process_resident_memory_bytes' AND rs.instance = latest.instance
           AND JSON_UNQUOTE(JSON_EXTRACT(rs.labels, '$.pid')) = JSON_UNQUOTE(JSON_EXTRACT(info.labels, '$.pid'))
         LIMIT 1) AS resident_memory_bytes,
       (SELECT cx.value FROM series cs JOIN samples cx ON cx.series_id = cs.id AND cx.ts = latest.ts
         WHERE cs.metric = 'vmwatch_process_cpu_seconds_total' AND cs.instance = latest.instance
           AND JSON_UNQUOTE(JSON_EXTRACT(cs.labels, '$.pid')) = JSON_UNQUOTE(JSON_EXTRACT(info.labels, '$.pid'))
         LIMIT 1) AS cpu_seconds_total
FROM (SELECT s.instance, MAX(x.ts) AS ts
        FROM series s JOIN samples x ON x.series_id = s.id
       WHERE s.metric = 'vmwatch_process_info'
         AND x.ts >= (UNIX_TIMESTAMP() - 86400) * 1000
       GROUP BY s.instance) latest
JOIN series info ON info.metric = 'vmwatch_process_info' AND info.instance = latest.instance
JOIN samples x ON x.series_id = info.id AND x.ts = latest.ts;
