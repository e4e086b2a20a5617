package io.vmwatch.archiver.maintenance;

import static io.vmwatch.archiver.ArchiverFixture.count;
import static io.vmwatch.archiver.ArchiverFixture.rows;
import static io.vmwatch.archiver.TestResources.closeAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.archiver.MariaDbServer;
import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import io.vmwatch.archiver.storage.Database;
import io.vmwatch.archiver.storage.Ingester;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Retention, rollups and the views, on a real MariaDB migrated by the archiver's migrations. */
class MaintenanceIT {
  private static final long DAY = 86_400_000L;
  private static MigratedStore store;
  private static MariaDbServer db;
  private static Database database;
  private static Ingester ingester;

  @BeforeAll
  static void start() throws Exception {
    store = MigratedStore.start(2, 1000);
    db = store.db();
    database = store.database();
    ingester = store.ingester();
  }

  @AfterAll
  static void stop() throws Exception {
    closeAll(store);
  }

  private static String partition(LocalDate day) {
    return DateTimeFormatter.ofPattern("'p'yyyyMMdd").format(day);
  }

  private static List<String> names(PartitionMaintenance maintenance) {
    return maintenance.partitions().stream().map(PartitionMaintenance.Partition::name).toList();
  }

  @Test
  void retentionDropsExpiredPartitionsAndKeepsTheRest() throws Exception {
    Instant now = Instant.now();
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    // Partitions from five days ago on, as if the archiver had been running since then.
    new PartitionMaintenance(database.jdbi(), "samples", 30 * DAY, 7).run(now.minusMillis(5 * DAY));
    List<Long> timestamps = new ArrayList<>();
    for (int d = -5; d <= 1; d++) {
      timestamps.add(today.plusDays(d).toEpochDay() * DAY + 12 * 3_600_000L);
    }
    long[] ts = timestamps.stream().mapToLong(Long::longValue).toArray();
    ingester.ingest(
        new WriteRequest(
            List.of(
                new TimeSeries(
                    List.of(new Label("__name__", "retained"), new Label("instance", "vm-r")),
                    ts,
                    new double[ts.length],
                    0))));
    // Far outside the partitions: stored (no "no partition for value"), the past one in the oldest
    // partition, the future one in pmax.
    long farPast = LocalDate.of(2001, 1, 1).toEpochDay() * DAY;
    long farFuture = LocalDate.of(2100, 1, 1).toEpochDay() * DAY;
    ingester.ingest(
        new WriteRequest(
            List.of(
                new TimeSeries(
                    List.of(new Label("__name__", "far"), new Label("instance", "vm-r")),
                    new long[] {farPast, farFuture},
                    new double[] {1, 2},
                    0))));
    try (Connection c = db.connect()) {
      assertEquals(
          List.of(List.of(String.valueOf(farPast)), List.of(String.valueOf(farFuture))),
          rows(
              c,
              "SELECT x.ts FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric = 'far' ORDER BY x.ts"));
    }

    PartitionMaintenance retention =
        new PartitionMaintenance(database.jdbi(), "samples", 2 * DAY, 3);
    PartitionMaintenance.Result result = retention.run(now);

    assertEquals(
        List.of(
            partition(today.minusDays(5)),
            partition(today.minusDays(4)),
            partition(today.minusDays(3))),
        result.dropped());
    assertEquals(List.of(partition(today.plusDays(3))), result.created());
    List<String> expected = new ArrayList<>();
    for (int d = -2; d <= 3; d++) {
      expected.add(partition(today.plusDays(d)));
    }
    expected.add("pmax");
    assertEquals(expected, names(retention));
    try (Connection c = db.connect()) {
      List<List<String>> kept =
          rows(
              c,
              "SELECT x.ts FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric = 'retained' ORDER BY x.ts");
      assertEquals(
          timestamps.subList(3, 7).stream().map(String::valueOf).toList(),
          kept.stream().map(r -> r.get(0)).toList());
    }
    try (Connection c = db.connect()) {
      // the far past went with the oldest partition; the far future stays in pmax, which was split
      assertEquals(
          List.of(List.of(String.valueOf(farFuture))),
          rows(
              c,
              "SELECT x.ts FROM samples"
                  + " PARTITION (pmax) x JOIN series s ON s.id = x.series_id WHERE s.metric = 'far'"));
      assertEquals(
          1,
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric = 'far'"));
    }
    // A second run changes nothing.
    PartitionMaintenance.Result again = retention.run(now);
    assertTrue(again.created().isEmpty() && again.dropped().isEmpty(), again.toString());
  }

  @Test
  void rollupsEqualTheRawDataTheySummarize() throws Exception {
    long dayStart = LocalDate.now(ZoneOffset.UTC).toEpochDay() * DAY;
    new PartitionMaintenance(database.jdbi(), "samples", 30 * DAY, 3)
        .run(Instant.ofEpochMilli(dayStart));
    new PartitionMaintenance(database.jdbi(), "samples_5m", 400 * DAY, 3)
        .run(Instant.ofEpochMilli(dayStart));
    long base = dayStart + 3_600_000L + 7_000L; // not aligned to a bucket
    Random random = new Random(42);
    List<TimeSeries> list = new ArrayList<>();
    List<Map<Long, double[]>> expected = new ArrayList<>(); // bucket -> {min, max, sum, count}
    for (int s = 0; s < 3; s++) {
      int n = 240;
      long[] ts = new long[n];
      double[] values = new double[n];
      Map<Long, double[]> buckets = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        ts[i] = base + i * 15_000L + s;
        values[i] = i % 37 == 5 ? Double.NaN : random.nextGaussian() * 100;
        long bucket = ts[i] - Math.floorMod(ts[i], RollupJob.BUCKET_MS);
        double[] agg =
            buckets.computeIfAbsent(bucket, b -> new double[] {Double.NaN, Double.NaN, 0, 0});
        if (Double.isFinite(values[i])) {
          agg[0] = Double.isNaN(agg[0]) ? values[i] : Math.min(agg[0], values[i]);
          agg[1] = Double.isNaN(agg[1]) ? values[i] : Math.max(agg[1], values[i]);
          agg[2] += values[i];
          agg[3]++;
        }
      }
      list.add(
          new TimeSeries(
              List.of(new Label("__name__", "rolled"), new Label("instance", "vm-" + s)),
              ts,
              values,
              0));
      expected.add(buckets);
    }
    ingester.ingest(new WriteRequest(list));
    // Now is just after the last sample: its bucket is not complete and must not be rolled up yet.
    long end = base + 240 * 15_000L;
    RollupJob job = new RollupJob(database.jdbi());
    job.run(Instant.ofEpochMilli(end));
    long lastComplete = end - Math.floorMod(end, RollupJob.BUCKET_MS);

    try (Connection c = db.connect();
        PreparedStatement q =
            c.prepareStatement(
                "SELECT r.ts, r.min_value, r.max_value, r.sum_value,"
                    + " r.count_value FROM samples_5m r JOIN series s ON s.id = r.series_id"
                    + " WHERE s.metric = 'rolled' AND s.instance = ? ORDER BY r.ts")) {
      for (int s = 0; s < 3; s++) {
        q.setString(1, "vm-" + s);
        Map<Long, double[]> actual = new TreeMap<>();
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            actual.put(
                rs.getLong(1),
                new double[] {rs.getDouble(2), rs.getDouble(3), rs.getDouble(4), rs.getInt(5)});
          }
        }
        Map<Long, double[]> complete = new TreeMap<>(expected.get(s));
        complete.keySet().removeIf(bucket -> bucket >= lastComplete);
        assertEquals(complete.keySet(), actual.keySet(), "buckets of vm-" + s);
        for (Map.Entry<Long, double[]> e : complete.entrySet()) {
          double[] want = e.getValue();
          double[] got = actual.get(e.getKey());
          assertEquals(want[0], got[0], 0.0, "min");
          assertEquals(want[1], got[1], 0.0, "max");
          assertEquals(want[2], got[2], 1e-9 * Math.max(1, Math.abs(want[2])), "sum");
          assertEquals(want[3], got[3], 0.0, "count");
        }
      }
      // The rollup equals SQL over the raw rows, too (NULLs are NaN/Inf and not counted).
      assertEquals(
          0,
          count(
              c,
              "SELECT COUNT(*) FROM samples_5m r JOIN (SELECT series_id,"
                  + " ts - MOD(ts, 300000) b, MIN(value) mn, MAX(value) mx, COUNT(value) n FROM samples"
                  + " GROUP BY series_id, b) raw ON raw.series_id = r.series_id AND raw.b = r.ts"
                  + " WHERE NOT (raw.mn <=> r.min_value AND raw.mx <=> r.max_value AND raw.n = r.count_value)"));

      // A late sample in an already rolled-up bucket is included by the next run.
      long late = base + 30_001L;
      ingester.ingest(
          new WriteRequest(
              List.of(
                  new TimeSeries(
                      List.of(new Label("__name__", "rolled"), new Label("instance", "vm-0")),
                      new long[] {late},
                      new double[] {1e9},
                      0))));
      job.run(Instant.ofEpochMilli(end + 60_000L));
      long bucket = late - Math.floorMod(late, RollupJob.BUCKET_MS);
      assertEquals(
          1e9,
          Double.parseDouble(
              rows(
                      c,
                      "SELECT r.max_value FROM samples_5m r JOIN series s"
                          + " ON s.id = r.series_id WHERE s.metric = 'rolled' AND s.instance = 'vm-0' AND r.ts = "
                          + bucket)
                  .get(0)
                  .get(0)));
    }
  }

  @Test
  void viewsShowUtilisationAndTheLatestProcessList() throws Exception {
    new PartitionMaintenance(database.jdbi(), "samples", 30 * DAY, 3).run(Instant.now());
    long t1 = System.currentTimeMillis() - 120_000L;
    long t2 = t1 + 15_000L;
    List<TimeSeries> list = new ArrayList<>();
    list.add(
        sample(
            "instance:vmwatch_cpu_utilisation:ratio",
            "vm-v",
            Map.of(),
            new long[] {t1, t2},
            new double[] {0.25, 0.75}));
    list.add(
        sample(
            "instance:vmwatch_memory_utilisation:ratio",
            "vm-v",
            Map.of(),
            new long[] {t1, t2},
            new double[] {0.5, 0.625}));
    // pid 1 lives through both scrapes, pid 7 only the first, pid 42 only the latest.
    list.add(
        sample(
            "vmwatch_process_info",
            "vm-v",
            Map.of("pid", "1", "ppid", "0", "name", "init", "user", "root", "state", "S"),
            new long[] {t1, t2},
            new double[] {1, 1}));
    list.add(
        sample(
            "vmwatch_process_info",
            "vm-v",
            Map.of("pid", "7", "ppid", "1", "name", "gone", "user", "root", "state", "R"),
            new long[] {t1},
            new double[] {1}));
    list.add(
        sample(
            "vmwatch_process_info",
            "vm-v",
            Map.of("pid", "42", "ppid", "1", "name", "db \"main\"", "user", "mysql", "state", "R"),
            new long[] {t2},
            new double[] {1}));
    list.add(
        sample(
            "vmwatch_process_resident_memory_bytes",
            "vm-v",
            Map.of("pid", "1", "name", "init"),
            new long[] {t1, t2},
            new double[] {1000, 2000}));
    list.add(
        sample(
            "vmwatch_process_resident_memory_bytes",
            "vm-v",
            Map.of("pid", "42", "name", "db \"main\""),
            new long[] {t2},
            new double[] {123456789}));
    list.add(
        sample(
            "vmwatch_process_cpu_seconds_total",
            "vm-v",
            Map.of("pid", "42", "name", "db \"main\""),
            new long[] {t2},
            new double[] {3.5}));
    ingester.ingest(new WriteRequest(list));

    try (Connection c = db.connect()) {
      assertEquals(
          List.of(List.of(String.valueOf(t1), "0.25"), List.of(String.valueOf(t2), "0.75")),
          rows(c, "SELECT ts, value FROM cpu_utilisation WHERE instance = 'vm-v' ORDER BY ts"));
      assertEquals(
          List.of(List.of("0.5"), List.of("0.625")),
          rows(c, "SELECT value FROM memory_utilisation WHERE instance = 'vm-v' ORDER BY ts"));
      List<List<String>> processes =
          rows(
              c,
              "SELECT ts, pid, ppid, name, user, state, resident_memory_bytes,"
                  + " cpu_seconds_total FROM latest_processes WHERE instance = 'vm-v' ORDER BY pid");
      assertEquals(2, processes.size(), processes.toString());
      assertEquals(
          List.of(String.valueOf(t2), "1", "0", "init", "root", "S"),
          processes.get(0).subList(0, 6));
      assertEquals(2000, Double.parseDouble(processes.get(0).get(6)));
      assertNull(processes.get(0).get(7));
      assertEquals(
          List.of(String.valueOf(t2), "42", "1", "db \"main\"", "mysql", "R"),
          processes.get(1).subList(0, 6));
      assertEquals(123456789, Double.parseDouble(processes.get(1).get(6)));
      assertEquals(3.5, Double.parseDouble(processes.get(1).get(7)));

      new RollupJob(database.jdbi()).run(Instant.ofEpochMilli(t2 + 600_000L));
      List<List<String>> rolled =
          rows(
              c,
              "SELECT SUM(count_value), MIN(min_value), MAX(max_value)"
                  + " FROM cpu_utilisation_5m WHERE instance = 'vm-v'");
      assertEquals(List.of("2", "0.25", "0.75"), rolled.get(0));
    }
  }

  private static TimeSeries sample(
      String metric, String instance, Map<String, String> labels, long[] ts, double[] values) {
    List<Label> all = new ArrayList<>();
    all.add(new Label("__name__", metric));
    all.add(new Label("instance", instance));
    labels.forEach((k, v) -> all.add(new Label(k, v)));
    return new TimeSeries(all, ts, values, 0);
  }
}
