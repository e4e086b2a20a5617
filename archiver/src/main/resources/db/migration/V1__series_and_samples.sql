-- The series dictionary: one row per distinct label set.
CREATE TABLE series (
  id          BIGINT       NOT NULL AUTO_INCREMENT,
  fingerprint BINARY(32)   NOT NULL COMMENT 'SHA-256 of the sorted label set, __name__ included',
  metric      VARCHAR(255) NOT NULL COMMENT 'the __name__ label',
  instance    VARCHAR(255) NOT NULL COMMENT 'the instance label, empty when the series has none',
  labels      JSON         NOT NULL COMMENT 'every label but __name__, as an object with sorted keys',
  PRIMARY KEY (id),
  UNIQUE KEY series_fingerprint (fingerprint),
  KEY series_metric_instance (metric, instance)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Raw samples. ts is milliseconds since the Unix epoch (UTC), exactly as remote write sends it.
-- value is NULL where Prometheus had NaN or +-Inf, which a MySQL DOUBLE cannot hold.
-- One partition per UTC day, created ahead and dropped after the raw retention by the archiver;
-- pmax catches anything beyond the partitions made so far.
CREATE TABLE samples (
  series_id BIGINT NOT NULL,
  ts        BIGINT NOT NULL,
  value     DOUBLE NULL,
  PRIMARY KEY (series_id, ts)
) ENGINE = InnoDB
PARTITION BY RANGE (ts) (PARTITION pmax VALUES LESS THAN MAXVALUE);

-- 5-minute rollups of samples: ts is the start of the bucket [ts, ts + 300000).
-- count_value counts the finite values of the bucket; min/max/sum are over them.
CREATE TABLE samples_5m (
  series_id   BIGINT NOT NULL,
  ts          BIGINT NOT NULL,
  min_value   DOUBLE NULL,
  max_value   DOUBLE NULL,
  sum_value   DOUBLE NULL,
  count_value INT    NOT NULL,
  PRIMARY KEY (series_id, ts)
) ENGINE = InnoDB
PARTITION BY RANGE (ts) (PARTITION pmax VALUES LESS THAN MAXVALUE);

-- How far the rollup job has summarized (exclusive end, milliseconds).
CREATE TABLE rollup_state (
  name       VARCHAR(32) NOT NULL,
  done_until BIGINT      NOT NULL,
  PRIMARY KEY (name)
) ENGINE = InnoDB;
