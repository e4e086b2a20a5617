package io.vmwatch.archiver.maintenance;

import io.vmwatch.archiver.storage.SeriesDirectory;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.logging.Logger;
import org.jdbi.v3.core.Jdbi;

/**
 * Removes the series that no write has mentioned for longer than the raw retention: their {@code
 * series} row, their rollups and any raw rows left (samples far in the past or future). By then
 * retention has dropped their raw days, so nothing of them could be charted from raw data.
 *
 * <p>Safe beside running writers: a batch of series rows is locked and deleted only while {@code
 * last_seen} is still old, in one short transaction; a writer that sees such a series again updates
 * {@code last_seen} first (see {@link SeriesDirectory}), so either the series survives, or the
 * writer finds it gone and creates it anew under a new id. Rollups and raw rows are deleted after
 * their series row, by id, so no sample written after the series came back is touched.
 */
public final class StaleSeriesRemoval {
  private static final Logger LOG = Logger.getLogger(StaleSeriesRemoval.class.getName());
  private static final int BATCH = 500;

  private final Jdbi jdbi;
  private final long retentionMs;

  public StaleSeriesRemoval(Jdbi jdbi, long retentionMs) {
    this.jdbi = jdbi;
    this.retentionMs = retentionMs;
  }

  /** Removes series last seen before the day of {@code now - retention}; returns how many. */
  public long run(Instant now) {
    String cutoff = LocalDate.ofInstant(now.minusMillis(retentionMs), ZoneOffset.UTC).toString();
    long removed = 0;
    while (true) {
      List<Long> batch =
          jdbi.inTransaction(
              handle -> {
                List<Long> locked =
                    handle
                        .createQuery(
                            "SELECT id FROM series WHERE last_seen < :cutoff"
                                + " ORDER BY last_seen, id LIMIT "
                                + BATCH
                                + " FOR UPDATE")
                        .bind("cutoff", cutoff)
                        .mapTo(Long.class)
                        .list();
                if (!locked.isEmpty()) {
                  handle
                      .createUpdate("DELETE FROM series WHERE id IN (<ids>)")
                      .bindList("ids", locked)
                      .execute();
                }
                return locked;
              });
      if (batch.isEmpty()) {
        break;
      }
      jdbi.useHandle(
          handle -> {
            handle
                .createUpdate("DELETE FROM samples_5m WHERE series_id IN (<ids>)")
                .bindList("ids", batch)
                .execute();
            handle
                .createUpdate("DELETE FROM samples WHERE series_id IN (<ids>)")
                .bindList("ids", batch)
                .execute();
          });
      removed += batch.size();
      if (batch.size() < BATCH) {
        break;
      }
    }
    if (removed > 0) {
      LOG.info(
          "removed "
              + removed
              + " series not seen since before "
              + cutoff
              + ", with their rollups");
    }
    return removed;
  }
}
