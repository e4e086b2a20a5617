-- Each 5-minute bucket's last raw sample: its time and value (NULL where it was NaN or +-Inf).
-- Remote read answers ranges older than a series' raw samples with these points, one per bucket,
-- so rate() and increase() over a counter come out as from raw data sampled every 5 minutes.
-- Buckets rolled up before this migration have none (NULL) and are not answered.
ALTER TABLE samples_5m
  ADD COLUMN last_ts    BIGINT NULL COMMENT 'time of the bucket''s last raw sample, ms since the epoch',
  ADD COLUMN last_value DOUBLE NULL COMMENT 'value of that sample, NULL if not finite';
