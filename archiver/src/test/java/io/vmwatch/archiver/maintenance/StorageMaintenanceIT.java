package io.vmwatch.archiver.maintenance;

import static io.vmwatch.archiver.ArchiverFixture.count;
import static io.vmwatch.archiver.ArchiverFixture.rows;
import static io.vmwatch.archiver.TestResources.closeAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.archiver.MariaDbServer;
import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import io.vmwatch.archiver.storage.Database;
import io.vmwatch.archiver.storage.Ingester;
import io.vmwatch.archiver.storage.SampleWriter;
import io.vmwatch.archiver.storage.SeriesDirectory;
import io.vmwatch.archiver.storage.SeriesKey;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rollups that read only what was written (late samples included, also under concurrent writes),
 * partition DDL that gives up its metadata-lock wait instead of stalling inserts, and removal of
 * series not seen for longer than the raw retention; on a real MariaDB.
 */
class StorageMaintenanceIT {
  private static final long DAY = 86_400_000L;
  private static final long BUCKET = RollupJob.BUCKET_MS;
  private static MigratedStore store;
  private static MariaDbServer db;
  private static Database database;
  private static Ingester ingester;

  @BeforeAll
  static void start() throws Exception {
    store = MigratedStore.start(4, 100_000);
    db = store.db();
    database = store.database();
    ingester = store.ingester();
    Instant twoDaysAgo = Instant.now().minusMillis(2 * DAY);
    new PartitionMaintenance(database.jdbi(), "samples", 30 * DAY, 4).run(twoDaysAgo);
    new PartitionMaintenance(database.jdbi(), "samples_5m", 400 * DAY, 4).run(twoDaysAgo);
  }

  @AfterAll
  static void stop() throws Exception {
    closeAll(store);
  }

  private static TimeSeries series(String metric, String instance, long[] ts, double[] values) {
    return new TimeSeries(
        List.of(new Label("__name__", metric), new Label("instance", instance)), ts, values, 0);
  }

  private static long bucketOf(long ts) {
    return Math.floorDiv(ts, BUCKET) * BUCKET;
  }

  /**
   * Rollup rows of the given metric that differ from an aggregate of their raw rows, or are
   * missing.
   */
  private static long rollupMismatches(Connection c, String metric) throws Exception {
    String raw =
        "SELECT x.series_id, x.ts - MOD(x.ts, 300000) b, MIN(x.value) mn, MAX(x.value) mx, SUM(x.value) sm,"
            + " COUNT(x.value) n FROM samples x JOIN series s ON s.id = x.series_id WHERE s.metric = '"
            + metric
            + "' GROUP BY x.series_id, b";
    return count(
        c,
        "SELECT COUNT(*) FROM ("
            + raw
            + ") raw LEFT JOIN samples_5m r ON r.series_id = raw.series_id"
            + " AND r.ts = raw.b WHERE r.series_id IS NULL OR NOT (raw.mn <=> r.min_value AND raw.mx <=> r.max_value"
            + " AND raw.n = r.count_value AND ABS(COALESCE(raw.sm, 0) - COALESCE(r.sum_value, 0))"
            + " <= 1e-9 * GREATEST(1, ABS(COALESCE(raw.sm, 0))))");
  }

  @Test
  void aRollupReadsOnlyTheBucketsWrittenIntoAndTakesLateSamplesOfAnyAge() throws Exception {
    long now = Instant.now().toEpochMilli();
    long base = bucketOf(now) - 6 * 3_600_000L;
    // 1,100 series (more than one statement's worth) with 6 hours of samples a minute apart,
    // stored beside the archiver (no dirty rows): 396,000 rows.
    List<SeriesKey> keys = new ArrayList<>();
    for (int i = 0; i < 1100; i++) {
      keys.add(SeriesKey.of(series("bulk", "vm-" + i, new long[0], new double[0]).labels()));
    }
    long[] ids = new SeriesDirectory(database.jdbi(), 10_000).resolve(keys);
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO samples (series_id, ts, value) SELECT s.id, "
              + base
              + " + q.seq * 60000, q.seq"
              + " FROM series s JOIN seq_0_to_359 q WHERE s.metric = 'bulk'");
      assertEquals(
          396_000,
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric = 'bulk'"));
    }
    RollupJob job = new RollupJob(database.jdbi());
    job.run(Instant.ofEpochMilli(now)); // whatever other tests left

    // Late samples 5 hours old (beyond any fixed look-back) into every bulk series, one request,
    // and a new series with 20 samples in one bucket an hour ago.
    long lateBucket = base + 3_600_000L;
    long freshBucket = bucketOf(now) - 3_600_000L;
    long[] freshTs = new long[20];
    double[] freshValues = new double[20];
    for (int i = 0; i < 20; i++) {
      freshTs[i] = freshBucket + i * 15_000L;
      freshValues[i] = i == 3 ? Double.NaN : i * 1.5;
    }
    List<TimeSeries> late = new ArrayList<>();
    for (int i = 0; i < 1100; i++) {
      late.add(
          series(
              "bulk",
              "vm-" + i,
              new long[] {lateBucket + 7_001},
              new double[] {i == 7 ? -1e12 : 0}));
    }
    late.add(series("fresh", "vm-f", freshTs, freshValues));
    ingester.ingest(new WriteRequest(late));
    try (Connection c = db.connect()) {
      assertEquals(
          2, count(c, "SELECT COUNT(*) FROM rollup_dirty WHERE bucket < " + bucketOf(now)));
    }

    RollupJob.Result result = job.run(Instant.ofEpochMilli(now));

    // 5 stored samples + the late one in each (vm-i, lateBucket), 20 in (vm-f, freshBucket):
    // nothing else.
    assertEquals(1100 * 6 + 20, result.samplesAggregated(), result.toString());
    assertEquals(1101, result.seriesBuckets(), result.toString());
    assertEquals(2, result.buckets(), result.toString());
    // What the server read: those rows, plus dirty rows, rollup keys and state; never whole series.
    assertTrue(
        result.rowsRead() >= result.samplesAggregated()
            && result.rowsRead() < 2 * result.samplesAggregated(),
        result.toString());
    ArchiverMetrics metrics = new ArchiverMetrics();
    metrics.rollup(result, Duration.ofMillis(5));
    assertTrue(
        metrics
            .scrape()
            .contains("vmwatch_archiver_rollup_last_run_rows_read " + result.rowsRead() + ".0"),
        metrics.scrape());
    try (Connection c = db.connect()) {
      assertEquals(
          0, count(c, "SELECT COUNT(*) FROM rollup_dirty WHERE bucket < " + bucketOf(now)));
      List<List<String>> vm7 =
          rows(
              c,
              "SELECT r.ts, r.min_value, r.max_value, r.count_value FROM samples_5m r"
                  + " WHERE r.series_id = "
                  + ids[7]);
      assertEquals(1, vm7.size(), vm7.toString());
      assertEquals(lateBucket, Long.parseLong(vm7.get(0).get(0)));
      assertEquals(-1e12, Double.parseDouble(vm7.get(0).get(1)));
      assertEquals(64, Double.parseDouble(vm7.get(0).get(2)));
      assertEquals(6, Integer.parseInt(vm7.get(0).get(3)));
      assertEquals(
          1100,
          count(
              c,
              "SELECT COUNT(*) FROM samples_5m r JOIN series s ON s.id = r.series_id"
                  + " WHERE s.metric = 'bulk'"),
          "only the late bucket of each bulk series");
      assertEquals(0, rollupMismatches(c, "fresh"));
      assertEquals(
          List.of(List.of("19", "0", "28.5")),
          rows(
              c,
              "SELECT count_value, CAST(min_value AS CHAR),"
                  + " CAST(max_value AS CHAR) FROM samples_5m r JOIN series s ON s.id = r.series_id"
                  + " WHERE s.metric = 'fresh'"));
    }
    assertEquals(
        0,
        job.run(Instant.ofEpochMilli(now)).samplesAggregated(),
        "a second run has nothing to read");

    // A sample of a bucket that is not complete yet waits until it is.
    long future = bucketOf(now) + 10 * BUCKET;
    ingester.ingest(
        new WriteRequest(
            List.of(series("fresh", "vm-f", new long[] {future + 1_000}, new double[] {5}))));
    job.run(Instant.ofEpochMilli(future + 2_000));
    String futureRollup =
        "SELECT COUNT(*) FROM samples_5m r JOIN series s ON s.id = r.series_id"
            + " WHERE s.metric = 'fresh' AND r.ts = "
            + future;
    try (Connection c = db.connect()) {
      assertEquals(1, count(c, "SELECT COUNT(*) FROM rollup_dirty WHERE bucket = " + future));
      assertEquals(0, count(c, futureRollup));
    }
    job.run(Instant.ofEpochMilli(future + BUCKET));
    try (Connection c = db.connect()) {
      assertEquals(0, count(c, "SELECT COUNT(*) FROM rollup_dirty WHERE bucket = " + future));
      assertEquals(1, count(c, futureRollup));
      assertEquals(
          List.of(List.of(String.valueOf(future + BUCKET))),
          rows(c, "SELECT done_until FROM rollup_state WHERE name = 'samples_5m'"));
    }
  }

  @Test
  void afterAnUpgradeTheFirstRunRecomputesTheRecentBucketsOnce() throws Exception {
    long now = Instant.now().toEpochMilli();
    long[] buckets = {bucketOf(now) - 2 * 3_600_000L, bucketOf(now) - 6 * BUCKET};
    long id =
        new SeriesDirectory(database.jdbi(), 10)
            .resolve(
                List.of(
                    SeriesKey.of(series("upgraded", "vm-u", new long[0], new double[0]).labels())))[
            0];
    RollupJob job = new RollupJob(database.jdbi());
    job.run(Instant.ofEpochMilli(now));
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      // Stored by the old archiver after its last run: no rollup_dirty rows.
      for (long bucket : buckets) {
        s.execute(
            "INSERT INTO samples (series_id, ts, value) SELECT "
                + id
                + ", "
                + bucket
                + " + q.seq * 15000, q.seq FROM seq_0_to_19 q");
      }
      s.execute(
          "INSERT INTO rollup_state (name, done_until) VALUES ('samples_5m_catch_up', "
              + (bucketOf(now) - 3 * 3_600_000L)
              + ")");
    }
    job.run(Instant.ofEpochMilli(now));
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      assertEquals(0, rollupMismatches(c, "upgraded"));
      assertEquals(2, count(c, "SELECT COUNT(*) FROM samples_5m WHERE series_id = " + id));
      assertEquals(
          0, count(c, "SELECT COUNT(*) FROM rollup_state WHERE name = 'samples_5m_catch_up'"));
      // Once: a row stored beside the archiver now is not picked up by the next run.
      s.execute(
          "INSERT INTO samples (series_id, ts, value) VALUES ("
              + id
              + ", "
              + (buckets[1] + 1)
              + ", 1e6)");
    }
    assertEquals(0, job.run(Instant.ofEpochMilli(now)).samplesAggregated());
    try (Connection c = db.connect()) {
      assertEquals(
          List.of(List.of("20")),
          rows(
              c,
              "SELECT count_value FROM samples_5m WHERE series_id = "
                  + id
                  + " AND ts = "
                  + buckets[1]));
    }
  }

  @Test
  void lateSamplesWrittenWhileRollupsRunAllReachTheirRollup() throws Exception {
    long now = Instant.now().toEpochMilli();
    long oldest = bucketOf(now) - 12 * BUCKET;
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger writes = new AtomicInteger();
    List<CompletableFuture<Void>> writers = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      int writer = w;
      writers.add(
          CompletableFuture.runAsync(
              () -> {
                Random random = new Random(writer);
                try {
                  // each write a new series: a lost dirty row cannot be repaired by a later write
                  for (int n = 0; !stop.get(); n++) {
                    long ts = oldest + random.nextInt(3) * BUCKET + random.nextInt((int) BUCKET);
                    ingester.ingest(
                        new WriteRequest(
                            List.of(
                                series(
                                    "racing",
                                    "w" + writer + "-" + n,
                                    new long[] {ts},
                                    new double[] {random.nextGaussian()}))));
                    writes.incrementAndGet();
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    RollupJob job = new RollupJob(database.jdbi());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
    int runs = 0;
    while (System.nanoTime() < deadline) {
      job.run(Instant.ofEpochMilli(now));
      runs++;
    }
    stop.set(true);
    for (CompletableFuture<Void> w : writers) {
      w.get(30, TimeUnit.SECONDS);
    }
    job.run(Instant.ofEpochMilli(now));
    assertTrue(writes.get() > 20 && runs > 5, writes + " writes, " + runs + " runs");
    try (Connection c = db.connect()) {
      assertEquals(
          writes.get(),
          count(
              c,
              "SELECT COUNT(*) FROM samples_5m r JOIN series s ON s.id = r.series_id"
                  + " WHERE s.metric = 'racing'"));
      assertEquals(0, rollupMismatches(c, "racing"), writes + " writes, " + runs + " runs");
    }
  }

  @Test
  void partitionDdlGivesUpItsLockWaitSoInsertsNeverQueueBehindIt() throws Exception {
    AtomicInteger timeouts = new AtomicInteger();
    PartitionMaintenance maintenance =
        new PartitionMaintenance(
            database.jdbi(),
            "samples",
            30 * DAY,
            3,
            new ShortLockDdl(
                Duration.ofSeconds(1), 10, Duration.ofMillis(300), timeouts::incrementAndGet));
    Instant later = Instant.now().plusMillis(20 * DAY); // needs new partitions: an ALTER
    CompletableFuture<PartitionMaintenance.Result> ddl;
    List<Long> insertMillis = new ArrayList<>();
    try (Connection holder = db.connect()) {
      // A long read (think of a Grafana query over months) holds the table's metadata lock.
      holder.setAutoCommit(false);
      count(holder, "SELECT COUNT(*) FROM samples");
      ddl = CompletableFuture.supplyAsync(() -> maintenance.run(later));
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(7000);
      int n = 0;
      while (System.nanoTime() < end) {
        Thread.sleep(100);
        long t0 = System.nanoTime();
        ingester.ingest(
            new WriteRequest(
                List.of(
                    series(
                        "during_ddl",
                        "vm-d",
                        new long[] {System.currentTimeMillis() + n++},
                        new double[] {n}))));
        insertMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      }
      assertFalse(ddl.isDone(), "the ALTER cannot have run while the lock is held");
      assertTrue(timeouts.get() >= 1, "the ALTER gave up waiting at least once");
      holder.commit();
    }
    PartitionMaintenance.Result result = ddl.get(60, TimeUnit.SECONDS);
    assertFalse(result.created().isEmpty(), result.toString());
    // MariaDB blocks writes while a partition ALTER waits, for up to two or three times
    // lock_wait_timeout (it waits in more than one step); without the timeout, they would wait
    // the whole 7 s the lock is held.
    long slowest = insertMillis.stream().mapToLong(Long::longValue).max().orElseThrow();
    assertTrue(
        slowest < 3500, "an insert waited " + slowest + " ms behind the ALTER: " + insertMillis);
    try (Connection c = db.connect()) {
      assertEquals(
          insertMillis.size(),
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s"
                  + " ON s.id = x.series_id WHERE s.metric = 'during_ddl'"));
    }
  }

  /** A clock whose instant the test moves. */
  private static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void seriesNotSeenForLongerThanTheRawRetentionAreRemovedWithTheirRollups() throws Exception {
    Instant now = Instant.now();
    MovableClock clock = new MovableClock(now.minusMillis(40 * DAY));
    SeriesDirectory directory = new SeriesDirectory(database.jdbi(), 1000, clock, () -> {});
    Ingester clocked =
        new Ingester(directory, new SampleWriter(database.jdbi(), 500), new ArchiverMetrics());
    long then = clock.instant().toEpochMilli();
    clocked.ingest(
        new WriteRequest(
            List.of(
                series("gone", "vm-g", new long[] {then}, new double[] {1}),
                series("kept", "vm-k", new long[] {then}, new double[] {2}))));
    new RollupJob(database.jdbi()).run(now);
    clock.now = now;
    clocked.ingest(
        new WriteRequest(
            List.of(series("kept", "vm-k", new long[] {now.toEpochMilli()}, new double[] {3}))));
    try (Connection c = db.connect()) {
      assertEquals(
          List.of(
              List.of(LocalDate.ofInstant(now.minusMillis(40 * DAY), ZoneOffset.UTC).toString())),
          rows(c, "SELECT last_seen FROM series WHERE metric = 'gone'"));
      assertEquals(
          List.of(List.of(LocalDate.ofInstant(now, ZoneOffset.UTC).toString())),
          rows(c, "SELECT last_seen FROM series WHERE metric = 'kept'"));
      assertEquals(
          1,
          count(
              c,
              "SELECT COUNT(*) FROM samples_5m r JOIN series s ON s.id = r.series_id"
                  + " WHERE s.metric = 'gone'"));
    }
    long goneId;
    try (Connection c = db.connect()) {
      goneId = count(c, "SELECT id FROM series WHERE metric = 'gone'");
    }

    long removed = new StaleSeriesRemoval(database.jdbi(), 30 * DAY).run(now);

    assertEquals(1, removed);
    try (Connection c = db.connect()) {
      assertEquals(0, count(c, "SELECT COUNT(*) FROM series WHERE metric = 'gone'"));
      assertEquals(0, count(c, "SELECT COUNT(*) FROM samples_5m WHERE series_id = " + goneId));
      assertEquals(0, count(c, "SELECT COUNT(*) FROM samples WHERE series_id = " + goneId));
      assertEquals(1, count(c, "SELECT COUNT(*) FROM series WHERE metric = 'kept'"));
      assertEquals(
          2,
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric = 'kept'"));
    }
    assertEquals(
        0, new StaleSeriesRemoval(database.jdbi(), 30 * DAY).run(now), "nothing more is stale");

    // The series comes back: the directory still caches its old id, finds it gone and creates it
    // anew.
    clocked.ingest(
        new WriteRequest(
            List.of(series("gone", "vm-g", new long[] {now.toEpochMilli()}, new double[] {4}))));
    try (Connection c = db.connect()) {
      assertEquals(
          List.of(List.of("4.0")),
          rows(
              c,
              "SELECT x.value FROM samples x JOIN series s"
                  + " ON s.id = x.series_id WHERE s.metric = 'gone'"));
      assertEquals(0, count(c, "SELECT COUNT(*) FROM samples WHERE series_id = " + goneId));
      assertEquals(
          0,
          count(
              c,
              "SELECT COUNT(*) FROM samples x LEFT JOIN series s ON s.id = x.series_id"
                  + " WHERE s.id IS NULL"),
          "no sample without its series");
    }
  }
}
