package io.vmwatch.archiver.maintenance;

import io.vmwatch.archiver.storage.ChunkStore;
import io.vmwatch.archiver.storage.QueryRows;
import io.vmwatch.archiver.storage.SeriesSamples;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.logging.Logger;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * Turns each whole UTC day older than {@code --compact.after} from raw rows of {@code samples} into
 * XOR chunk rows of {@code sample_chunks} (see {@link ChunkStore}), per series, in the phases of
 * {@code compaction_state} (one row per day):
 *
 * <ol>
 *   <li>{@code chunking}: the day's raw rows are read in primary-key order, series after series,
 *       and each batch of whole series is written as chunks in one transaction that also moves the
 *       day's cursor ({@code next_series}) past them; a batch first deletes any chunks of its
 *       series in the day, so a batch repeated after an interruption never doubles.
 *   <li>{@code done} once every series is in chunks: from then on readers take the day from the
 *       chunks and ignore its raw rows (before, the other way round), so they never see a sample
 *       twice nor miss one. The raw rows stay until the day's 5-minute rollups are complete (no
 *       {@code rollup_dirty} row of the day, {@code rollup_state} past its end).
 *   <li>{@code draining}: the day's raw partition is swapped with the empty {@code samples_swap}
 *       ({@code ALTER TABLE ... EXCHANGE PARTITION}, metadata only, through {@link ShortLockDdl}).
 *       A sample that arrived after its series was chunked is then in {@code samples_swap} and not
 *       in the chunks: when the swapped rows outnumber the samples chunked, every series of the
 *       swap table is compared with its chunks and the missing samples merged in (the series'
 *       chunks of the day rewritten, the rollups of the buckets they fall in recomputed from the
 *       merged samples). Then {@code samples_swap} is emptied.
 *   <li>{@code drained}: the raw partition is empty and kept until the raw retention drops it, so a
 *       late sample of the day lands there; a later run finds it and drains the day again.
 * </ol>
 *
 * <p>Only days with a partition of their own are compacted: the lowest partition (it also holds
 * anything older, e.g. samples from before the archiver's first day) stays raw until the retention
 * drops it. A day is drained only while no other is: an interrupted drain is finished first.
 */
public final class CompactionJob {
  private static final Logger LOG = Logger.getLogger(CompactionJob.class.getName());
  private static final long DAY_MS = ChunkStore.DAY_MS;

  /** The condition on ts that selects the rows of a day, bound by {@link #dayQuery}. */
  private static final String IN_DAY = "ts >= :from AND ts < :to";

  /** Raw rows read per batch: about 35 series' days at a 15 s scrape. */
  public static final int ROWS_PER_BATCH = 200_000;

  /**
   * How long one run may chunk before it leaves the rest of the day to the next run (the job shares
   * a thread with the rollups), and the batch size.
   */
  public record Settings(Duration after, int rowsPerBatch, Duration runBudget) {
    public static Settings of(Duration after) {
      return new Settings(after, ROWS_PER_BATCH, Duration.ofSeconds(30));
    }
  }

  /** Called after each step that commits; a test throws here to interrupt the job there. */
  public interface Checkpoint {
    void reached(String step, long day);

    Checkpoint NONE = (step, day) -> {};
  }

  /**
   * What one run did: days brought to 'done', series and samples put into chunks, days drained,
   * series whose chunks took late samples.
   */
  public record Result(
      int daysChunked,
      long seriesChunked,
      long samplesChunked,
      int daysDrained,
      long seriesMerged) {
    private static Result none() {
      return new Result(0, 0, 0, 0, 0);
    }

    private Result plus(Result o) {
      return new Result(
          daysChunked + o.daysChunked,
          seriesChunked + o.seriesChunked,
          samplesChunked + o.samplesChunked,
          daysDrained + o.daysDrained,
          seriesMerged + o.seriesMerged);
    }
  }

  private final Jdbi jdbi;
  private final Settings settings;
  private final ShortLockDdl ddl;
  private final Checkpoint checkpoint;

  public CompactionJob(Jdbi jdbi, Settings settings, ShortLockDdl ddl, Checkpoint checkpoint) {
    this.jdbi = jdbi;
    this.settings = settings;
    this.ddl = ddl;
    this.checkpoint = checkpoint;
  }

  /** Compacts, drains and re-drains whatever is due at {@code now}. */
  public Result run(Instant now) {
    return jdbi.withHandle(
        handle -> {
          try {
            return runDays(handle, now.toEpochMilli());
          } catch (SQLException e) {
            throw new IllegalStateException("compaction failed: " + e.getMessage(), e);
          }
        });
  }

  private Result runDays(Handle handle, long nowMs) throws SQLException {
    long deadline = System.nanoTime() + settings.runBudget().toNanos();
    long afterMs = settings.after().toMillis();
    Map<Long, String> partitions = ownDayPartitions(handle);
    Map<Long, String> phases = phases(handle);
    Result total = Result.none();
    // An interrupted drain first: samples_swap may hold its rows.
    for (Map.Entry<Long, String> e : phases.entrySet()) {
      if (e.getValue().equals("draining")) {
        String partition = partitions.get(e.getKey());
        if (partition == null) {
          throw new IllegalStateException(
              "day " + e.getKey() + " is being drained but has no partition of its own");
        }
        total = total.plus(drain(handle, e.getKey(), partition, false));
        phases.put(e.getKey(), "drained");
      }
    }
    for (Map.Entry<Long, String> e : partitions.entrySet()) {
      long day = e.getKey();
      if (day + DAY_MS > nowMs - afterMs) {
        break;
      }
      String phase = phases.getOrDefault(day, "chunking");
      if (phase.equals("chunking")) {
        Result chunked = chunk(handle, day, deadline);
        total = total.plus(chunked);
        if (chunked.daysChunked() == 0) {
          return total; // out of time: the next run goes on from the cursor
        }
        phase = "done";
      }
      if (phase.equals("done")) {
        if (!rollupsComplete(handle, day)) {
          LOG.info("day " + Instant.ofEpochMilli(day) + " compacted; drained once rolled up");
          continue;
        }
        setPhase(handle, day, "draining");
        checkpoint.reached("draining", day);
        total = total.plus(drain(handle, day, e.getValue(), true));
      } else if (phase.equals("drained") && hasRawRows(handle, day)) {
        setPhase(handle, day, "draining");
        checkpoint.reached("draining", day);
        total = total.plus(drain(handle, day, e.getValue(), false));
      }
    }
    return total;
  }

  /**
   * Phase 1: every series of the day into chunks, batch after batch, from the day's cursor, until
   * the deadline (then daysChunked is 0). After each batch the job pauses as long as the batch took
   * (at most a second), leaving the writers at least half a core.
   */
  private Result chunk(Handle handle, long day, long deadline) throws SQLException {
    Connection connection = handle.getConnection();
    handle
        .createUpdate(
            "INSERT INTO compaction_state (day, phase) VALUES (:day, 'chunking')"
                + " ON DUPLICATE KEY UPDATE day = day")
        .bind("day", day)
        .execute();
    long cursor = stateLong(handle, day, "next_series");
    long series = 0;
    long samples = 0;
    while (true) {
      if (System.nanoTime() > deadline) {
        return new Result(0, series, samples, 0, 0);
      }
      long started = System.nanoTime();
      Batch batch = readBatch(handle, "samples", day, cursor, settings.rowsPerBatch());
      if (batch.series().isEmpty()) {
        break;
      }
      List<ChunkStore.ChunkRow> rows = new ArrayList<>();
      long batchSamples = 0;
      for (SeriesSamples s : batch.series()) {
        rows.addAll(ChunkStore.encode(s));
        batchSamples += s.size();
      }
      long first = batch.series().get(0).seriesId();
      long last = batch.series().get(batch.series().size() - 1).seriesId();
      handle.useTransaction(
          transaction -> {
            ChunkStore.deleteDay(transaction, first, last, day);
            ChunkStore.insert(connection, rows);
            int advanced =
                transaction
                    .createUpdate(
                        "UPDATE compaction_state SET next_series = :next, samples = samples + :added"
                            + " WHERE day = :day AND phase = 'chunking'")
                    .bind("next", last + 1)
                    .bind("added", rows.stream().mapToLong(r -> r.chunk().sampleCount()).sum())
                    .bind("day", day)
                    .execute();
            if (advanced != 1) {
              throw new SQLException("day " + day + " is no longer being chunked");
            }
          });
      series += batch.series().size();
      samples += batchSamples;
      cursor = last + 1;
      checkpoint.reached("batch", day);
      Pause.asLongAsStep("compaction", started);
    }
    setPhase(handle, day, "done");
    LOG.info(
        "day "
            + Instant.ofEpochMilli(day)
            + ": "
            + samples
            + " samples of "
            + series
            + " series in chunks");
    checkpoint.reached("done", day);
    return new Result(1, series, samples, 0, 0);
  }

  /**
   * Phases 3 and 4: the raw partition swapped out, late samples merged into the chunks, the swap
   * table emptied. On the first drain of a day ({@code firstDrain}) the swapped rows are compared
   * with the chunks only when they outnumber the samples chunked (a sample arrived after its series
   * was chunked); on a later one (late samples) or after an interruption, always.
   */
  private Result drain(Handle handle, long day, String partition, boolean firstDrain)
      throws SQLException {
    boolean swapEmpty =
        handle
            .createQuery("SELECT 1 FROM samples_swap LIMIT 1")
            .mapTo(Long.class)
            .findOne()
            .isEmpty();
    if (swapEmpty) {
      ddl.execute(
          handle,
          "ALTER TABLE samples EXCHANGE PARTITION " + partition + " WITH TABLE samples_swap");
      checkpoint.reached("exchanged", day);
    }
    long swapped = dayQuery(handle, "SELECT COUNT(*) FROM samples_swap WHERE " + IN_DAY, day);
    long chunked = stateLong(handle, day, "samples");
    long merged = 0;
    if (!firstDrain || swapped != chunked) {
      merged = merge(handle, day);
    }
    checkpoint.reached("merged", day);
    handle.execute("TRUNCATE TABLE samples_swap");
    setPhase(handle, day, "drained");
    checkpoint.reached("drained", day);
    LOG.info(
        "day "
            + Instant.ofEpochMilli(day)
            + ": raw partition "
            + partition
            + " emptied ("
            + swapped
            + " rows; "
            + merged
            + " series took late samples)");
    return new Result(0, 0, 0, 1, merged);
  }

  /**
   * Merges every swapped row the chunks lack: per batch of series, their chunks rewritten and the
   * rollups of the buckets with new samples recomputed, in one transaction.
   */
  private long merge(Handle handle, long day) throws SQLException {
    Connection connection = handle.getConnection();
    long cursor = 0;
    long merged = 0;
    while (true) {
      Batch batch = readBatch(handle, "samples_swap", day, cursor, settings.rowsPerBatch());
      if (batch.series().isEmpty()) {
        return merged;
      }
      long first = batch.series().get(0).seriesId();
      long last = batch.series().get(batch.series().size() - 1).seriesId();
      Map<Long, SeriesSamples> chunked = ChunkStore.readDay(handle, first, last, day);
      List<ChunkStore.ChunkRow> rows = new ArrayList<>();
      Map<SeriesSamples, TreeSet<Long>> rollups = new java.util.LinkedHashMap<>();
      List<Long> rewritten = new ArrayList<>();
      long added = 0;
      for (SeriesSamples raw : batch.series()) {
        SeriesSamples old = chunked.getOrDefault(raw.seriesId(), new SeriesSamples(raw.seriesId()));
        TreeSet<Long> buckets = new TreeSet<>();
        SeriesSamples union = union(old, raw, buckets);
        if (!buckets.isEmpty()) {
          rewritten.add(raw.seriesId());
          rows.addAll(ChunkStore.encode(union));
          rollups.put(union, buckets);
          added += union.size() - old.size();
        }
      }
      long newSamples = added;
      if (!rewritten.isEmpty()) {
        handle.useTransaction(
            transaction -> {
              for (long id : rewritten) {
                ChunkStore.deleteDay(transaction, id, id, day);
              }
              ChunkStore.insert(connection, rows);
              for (Map.Entry<SeriesSamples, TreeSet<Long>> r : rollups.entrySet()) {
                RollupJob.recompute(connection, r.getKey(), r.getValue());
              }
              transaction
                  .createUpdate(
                      "UPDATE compaction_state SET samples = samples + :added WHERE day = :day")
                  .bind("added", newSamples)
                  .bind("day", day)
                  .execute();
            });
      }
      merged += rewritten.size();
      cursor = last + 1;
    }
  }

  /**
   * The chunked samples with the raw ones added (a raw sample replaces a chunked one of the same
   * time); the 5-minute buckets where anything changed go to changedBuckets.
   */
  private static SeriesSamples union(
      SeriesSamples chunked, SeriesSamples raw, TreeSet<Long> changedBuckets) {
    SeriesSamples union = new SeriesSamples(chunked.seriesId());
    int i = 0;
    int j = 0;
    while (i < chunked.size() || j < raw.size()) {
      if (j == raw.size() || (i < chunked.size() && chunked.timestamp(i) < raw.timestamp(j))) {
        union.add(chunked.timestamp(i), chunked.valueBits(i));
        i++;
        continue;
      }
      long ts = raw.timestamp(j);
      boolean same =
          i < chunked.size()
              && chunked.timestamp(i) == ts
              && chunked.valueBits(i) == raw.valueBits(j);
      if (i < chunked.size() && chunked.timestamp(i) == ts) {
        i++;
      }
      if (!same) {
        changedBuckets.add(Math.floorDiv(ts, RollupJob.BUCKET_MS) * RollupJob.BUCKET_MS);
      }
      union.add(ts, raw.valueBits(j));
      j++;
    }
    return union;
  }

  /** Whole series of the day from a raw table, from series id {@code from} on. */
  private record Batch(List<SeriesSamples> series) {}

  /**
   * Up to rowsPerBatch rows of the day in key order from series {@code from} on; the last series is
   * left for the next batch when the limit may have cut it (unless it is the only one: then it is
   * read whole).
   */
  private static Batch readBatch(Handle handle, String table, long day, long from, int rowsPerBatch)
      throws SQLException {
    List<SeriesSamples> series = new ArrayList<>();
    int rows =
        collect(
            handle,
            "SELECT series_id, ts, value FROM "
                + table
                + " WHERE series_id >= :series AND "
                + IN_DAY
                + " ORDER BY series_id, ts LIMIT "
                + rowsPerBatch,
            from,
            day,
            series);
    if (rows == rowsPerBatch) {
      if (series.size() > 1) {
        series.remove(series.size() - 1);
      } else {
        long id = series.get(0).seriesId();
        series.clear();
        collect(
            handle,
            "SELECT series_id, ts, value FROM "
                + table
                + " WHERE series_id = :series AND "
                + IN_DAY
                + " ORDER BY ts",
            id,
            day,
            series);
      }
    }
    return new Batch(series);
  }

  /**
   * Runs sql (rows series_id, ts, value; {@code :series} and {@link #IN_DAY} bound) and appends its
   * rows to series, one {@link SeriesSamples} per run of a series id; answers the rows read.
   */
  private static int collect(
      Handle handle, String sql, long seriesId, long day, List<SeriesSamples> series)
      throws SQLException {
    int rows = 0;
    try (Query select =
        handle
            .createQuery(sql)
            .bind("series", seriesId)
            .bind("from", day)
            .bind("to", day + DAY_MS)) {
      ResultSet rs = QueryRows.of(select);
      SeriesSamples current = null;
      while (rs.next()) {
        long id = rs.getLong(1);
        if (current == null || current.seriesId() != id) {
          current = new SeriesSamples(id);
          series.add(current);
        }
        long ts = rs.getLong(2);
        double value = rs.getDouble(3);
        current.addRow(ts, rs.wasNull() ? null : value);
        rows++;
      }
    }
    return rows;
  }

  /** The day's 5-minute rollups are complete: none of its buckets waits, and the job is past it. */
  private static boolean rollupsComplete(Handle handle, long day) {
    long waiting =
        handle
            .createQuery("SELECT COUNT(*) FROM rollup_dirty WHERE bucket >= :from AND bucket < :to")
            .bind("from", day)
            .bind("to", day + DAY_MS)
            .mapTo(Long.class)
            .one();
    long doneUntil =
        handle
            .createQuery(
                "SELECT COALESCE(MAX(done_until), 0) FROM rollup_state WHERE name = 'samples_5m'")
            .mapTo(Long.class)
            .one();
    return waiting == 0 && doneUntil >= day + DAY_MS;
  }

  /**
   * Days (first ms) with a daily partition of their own in {@code samples}, by partition name: the
   * partition before it ends where it starts.
   */
  private static Map<Long, String> ownDayPartitions(Handle handle) {
    Map<Long, String> days = new TreeMap<>();
    Long previousBound = null;
    for (PartitionMaintenance.Partition p : PartitionMaintenance.partitions(handle, "samples")) {
      if (p.lessThan() != null && previousBound != null && previousBound == p.lessThan() - DAY_MS) {
        days.put(previousBound, p.name());
      }
      previousBound = p.lessThan();
    }
    return days;
  }

  private static Map<Long, String> phases(Handle handle) {
    Map<Long, String> phases = new TreeMap<>();
    handle
        .createQuery("SELECT day, phase FROM compaction_state")
        .map((rs, ctx) -> Map.entry(rs.getLong(1), rs.getString(2)))
        .forEach(e -> phases.put(e.getKey(), e.getValue()));
    return phases;
  }

  private static long stateLong(Handle handle, long day, String column) {
    return handle
        .createQuery("SELECT " + column + " FROM compaction_state WHERE day = :day")
        .bind("day", day)
        .mapTo(Long.class)
        .findOne()
        .orElse(0L);
  }

  private static void setPhase(Handle handle, long day, String phase) {
    handle
        .createUpdate("UPDATE compaction_state SET phase = :phase WHERE day = :day")
        .bind("phase", phase)
        .bind("day", day)
        .execute();
  }

  private static boolean hasRawRows(Handle handle, long day) {
    return dayQuery(handle, "SELECT EXISTS (SELECT 1 FROM samples WHERE " + IN_DAY + ")", day) == 1;
  }

  /** The one number sql answers; {@link #IN_DAY} in it selects the rows of the day. */
  private static long dayQuery(Handle handle, String sql, long day) {
    return handle
        .createQuery(sql)
        .bind("from", day)
        .bind("to", day + DAY_MS)
        .mapTo(Long.class)
        .one();
  }
}
