-- Buckets whose 5-minute rollup must be (re)computed. Every write transaction adds, with its samples,
-- one row per 5-minute bucket it wrote into, listing the series it wrote there; the rollup job
-- recomputes exactly those (series, bucket) pairs from the raw samples and deletes the rows it
-- read. So a rollup run reads the rows of the buckets that received data, never a whole partition,
-- and a sample that arrives late (Prometheus retrying after an outage) marks its bucket again.
-- series_ids: the distinct series ids, ascending, as unsigned LEB128 varints of the first id and
-- then of each difference to the previous one.
CREATE TABLE rollup_dirty (
  id         BIGINT     NOT NULL AUTO_INCREMENT,
  bucket     BIGINT     NOT NULL COMMENT 'start of the 5-minute bucket, ms since the epoch',
  series_ids MEDIUMBLOB NOT NULL COMMENT 'sorted series ids, delta varints',
  PRIMARY KEY (id),
  KEY rollup_dirty_bucket (bucket, id)
) ENGINE = InnoDB;

-- Archivers before this migration recomputed the last 3 hours on every run instead. Samples they
-- stored after their last run have no row above: the first run after this migration recomputes
-- every bucket from 3 hours before the old job's end once, then deletes this row.
INSERT INTO rollup_state (name, done_until)
SELECT 'samples_5m_catch_up', done_until - 10800000 FROM rollup_state WHERE name = 'samples_5m';

-- A random identity of this database, written once. The archiver reads it before each write
-- batch: a different value (another database, or this one re-created) empties its cache of series
-- ids, so no sample is attached to an id this database does not hold under the same labels.
CREATE TABLE archiver_identity (
  id       TINYINT  NOT NULL,
  identity CHAR(36) NOT NULL,
  PRIMARY KEY (id)
) ENGINE = InnoDB;
INSERT INTO archiver_identity (id, identity) VALUES (1, UUID());

-- The UTC day a sample of the series last arrived (updated at most once a day per series). Series
-- not seen for longer than the raw retention are removed, with their rollups.
ALTER TABLE series
  ADD COLUMN last_seen DATE NOT NULL DEFAULT '1970-01-01' COMMENT 'UTC day of the latest write',
  ADD KEY series_last_seen (last_seen);
UPDATE series SET last_seen = UTC_DATE();
