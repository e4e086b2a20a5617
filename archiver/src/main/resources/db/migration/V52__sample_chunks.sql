-- The compact tier: raw samples of whole days older than --compact.after, per series, as Prometheus
-- XOR chunks (delta-of-delta timestamps, XOR-ed values; up to 120 samples a chunk, as Prometheus
-- cuts them), one row per chunk. min_ts and max_ts are the chunk's first and last sample
-- (ms since the epoch); a chunk never spans two UTC days. NaN and +-Inf are stored as Prometheus'
-- ordinary NaN, as remote read answers the NULL of a raw row. Partitioned by UTC day of min_ts like
-- samples, and its partitions dropped after --retention.raw like those of samples. Compressed pages
-- (zlib, 8 KiB): the rows' keys and headers compress, the XOR bits hardly; about a third smaller
-- than uncompressed in bench/archiver/archive-size (2.53 bytes a sample against 3.84).
CREATE TABLE sample_chunks (
  series_id BIGINT NOT NULL,
  min_ts    BIGINT NOT NULL,
  max_ts    BIGINT NOT NULL,
  chunk     BLOB   NOT NULL COMMENT 'a Prometheus XOR chunk (encoding 1), as remote read streams it',
  PRIMARY KEY (series_id, min_ts)
) ENGINE = InnoDB ROW_FORMAT = COMPRESSED KEY_BLOCK_SIZE = 8
PARTITION BY RANGE (min_ts) (PARTITION pmax VALUES LESS THAN MAXVALUE);

-- One row per UTC day the compaction job has started on. phase:
--   'chunking': chunks are being written, series by series in id order; next_series is the
--               lowest id not done yet. Readers use the day's raw rows and ignore its chunks.
--   'done':     every series of the day is in chunks. Readers use the chunks and ignore the day's
--               raw rows, which are still there until the rollups of the day are complete.
--   'draining': the day's raw partition is being swapped out into samples_swap (which then holds
--               only its rows), compared with the chunks and merged where a sample arrived late.
--   'drained':  the raw partition is empty (kept, so that a late sample of the day lands in it
--               and is merged into the chunks by the next run).
CREATE TABLE compaction_state (
  day         BIGINT      NOT NULL COMMENT 'first ms of the UTC day',
  phase       VARCHAR(16) NOT NULL,
  next_series BIGINT      NOT NULL DEFAULT 0,
  samples     BIGINT      NOT NULL DEFAULT 0 COMMENT 'samples put into chunks so far',
  updated     TIMESTAMP   NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (day)
) ENGINE = InnoDB;

-- Takes a compacted day's raw partition by ALTER TABLE samples EXCHANGE PARTITION (a metadata
-- swap, no copy); empty between compactions.
CREATE TABLE samples_swap (
  series_id BIGINT NOT NULL,
  ts        BIGINT NOT NULL,
  value     DOUBLE NULL,
  PRIMARY KEY (series_id, ts)
) ENGINE = InnoDB;
