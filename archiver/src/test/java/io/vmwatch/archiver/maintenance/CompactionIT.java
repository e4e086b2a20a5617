package io.vmwatch.archiver.maintenance;

import static io.vmwatch.archiver.TestResources.closeAll;
import static io.vmwatch.archiver.TestResources.deleting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.vmwatch.archiver.ArchiverFixture;
import io.vmwatch.archiver.MariaDbServer;
import io.vmwatch.archiver.PrometheusServer;
import io.vmwatch.archiver.chunk.ChunkedFrames;
import io.vmwatch.archiver.chunk.XorChunk;
import io.vmwatch.archiver.chunk.XorChunkIterator;
import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import io.vmwatch.archiver.http.WriteAuth;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import io.vmwatch.archiver.storage.Database;
import io.vmwatch.archiver.storage.Ingester;
import io.vmwatch.archiver.storage.SampleWriter;
import io.vmwatch.archiver.storage.SeriesDirectory;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.xerial.snappy.Snappy;

/**
 * The compact tier on a real MariaDB, read through the archiver's remote read and a real Prometheus
 * (fresh, so every answer comes from the archive): samples from four days ago to yesterday, every
 * 30 s, of counters, gauges with every mantissa bit in use, NaN and +-Inf, and short-lived series;
 * daily partitions from six days ago on, as if the archiver had run since then. The compaction job
 * runs with --compact.after=2d, so the days four and three days ago become chunks and the rest
 * stays raw rows. PromQL answers taken before any compaction are the reference.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CompactionIT {
  private static final long DAY = 86_400_000L;
  private static final long STEP = 30_000L;
  private static final long AFTER = 2 * DAY;

  /** Small batches, so a day takes several and a batch holds whole and cut series. */
  private static final int ROWS_PER_BATCH = 5000;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static MariaDbServer db;
  private static Database database;
  private static Ingester ingester;
  private static ArchiverFixture archiver;
  private static Path work;
  private static PrometheusServer prometheus;
  private static long today;

  /** Per series (its PromQL selector): every written timestamp and value. */
  private static final Map<String, TreeMap<Long, Double>> WRITTEN = new TreeMap<>();

  /** PromQL answers over compacted and raw days before anything was compacted. */
  private static final Map<String, JsonNode> BEFORE = new TreeMap<>();

  private static final String RATE = "rate(ct_counter_total[1h])";
  private static final String AVG = "avg_over_time(ct_gauge{mode=\"user\"}[30m])";

  @BeforeAll
  static void start() throws Exception {
    MariaDbServer.which("prometheus"); // fails early when Prometheus is missing
    work = Files.createTempDirectory("vmwatch-compaction-it-");
    db = MariaDbServer.start();
    database = new Database(db.jdbcUrl(), MariaDbServer.USER, db.password(), 4);
    assertTrue(database.migrate(), "migrations failed");
    Instant now = Instant.now();
    today = Math.floorDiv(now.toEpochMilli(), DAY) * DAY;
    for (String table : List.of("samples", "sample_chunks", "samples_5m")) {
      new PartitionMaintenance(database.jdbi(), table, 30 * DAY, 9).run(now.minusMillis(6 * DAY));
    }
    ingester =
        new Ingester(
            new SeriesDirectory(database.jdbi(), 1000),
            new SampleWriter(database.jdbi(), 500),
            new ArchiverMetrics());
    Random random = new Random(52);
    long from = today - 4 * DAY;
    long to = today - DAY;
    for (String mode : List.of("user", "system", "idle")) {
      write(series("ct_gauge", from, to, i -> random.nextDouble() * Math.PI * 1e3, "mode", mode));
    }
    double[] counter = {1000};
    write(
        series(
            "ct_counter_total",
            from,
            to,
            i -> counter[0] = i == 4000 ? 3 : counter[0] + random.nextInt(3000) / 100.0));
    write(
        series(
            "ct_odd",
            from,
            to,
            i ->
                switch (i % 5) {
                  case 1 -> Double.NaN;
                  case 2 -> Double.POSITIVE_INFINITY;
                  case 3 -> Double.NEGATIVE_INFINITY;
                  default -> i + 0.5;
                }));
    // pid churn: a process lives 14 minutes, one every 7 minutes, across the whole range
    for (long born = from; born < to; born += 420_000L) {
      long pid = 1000 + (born - from) / 420_000L;
      if (pid % 37 != 0) {
        continue; // some of them, or the series table grows large
      }
      write(
          series(
              "ct_process_rss", born, born + 840_000L, i -> 4096.0 * (100 + i), "pid", "" + pid));
    }
    new RollupJob(database.jdbi()).run(now);
    archiver = new ArchiverFixture(db, WriteAuth.none());
    prometheus =
        PrometheusServer.start(
            work,
            MariaDbServer.freePort(),
            "remote_read:\n  - url: "
                + archiver.baseUrl()
                + "/api/v1/read\n    read_recent: false\n    remote_timeout: 60s\n");
    for (String promql : List.of(RATE, AVG)) {
      BEFORE.put(
          promql,
          queryRange(promql, today - 3 * DAY - 4 * 3_600_000L, today - 2 * DAY + 4 * 3_600_000L));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    closeAll(prometheus, archiver, database, db, deleting(work));
  }

  /**
   * The compaction crashing after each step it commits (at each point once: a step repeated after a
   * crash, such as the merge, goes on the next time), run again until it completes.
   */
  @Test
  @Order(1)
  void aCompactionInterruptedAtEveryStepLosesNothingAndDoublesNothing() throws Exception {
    Set<String> interruptedAt = new LinkedHashSet<>();
    Set<String> crashed = new LinkedHashSet<>();
    int runs = 0;
    while (true) {
      CrashAtANewPoint crash = new CrashAtANewPoint(crashed);
      try {
        job(crash).run(Instant.now());
        break;
      } catch (Crash e) {
        interruptedAt.add(e.getMessage());
      }
      assertTrue(++runs < 200, "the compaction makes no progress");
      assertEquals("", difference(readAll()), "after a crash at " + crash.step);
    }
    assertEquals(
        Set.of("batch", "done", "draining", "exchanged", "merged", "drained"), interruptedAt);
    assertEquals("", difference(readAll()), "compacted");
    try (Connection c = db.connect()) {
      assertEquals(
          List.of(
              List.of(String.valueOf(today - 5 * DAY), "drained"), // empty, own partition
              List.of(String.valueOf(today - 4 * DAY), "drained"),
              List.of(String.valueOf(today - 3 * DAY), "drained")),
          ArchiverFixture.rows(c, "SELECT day, phase FROM compaction_state ORDER BY day"));
      assertEquals(
          0,
          ArchiverFixture.count(c, "SELECT COUNT(*) FROM samples WHERE ts < " + (today - 2 * DAY)),
          "the compacted days' raw rows are gone");
      assertEquals(
          count(today - 4 * DAY, today - 2 * DAY),
          ArchiverFixture.count(
              c,
              "SELECT SUM(ORD(SUBSTRING(chunk, 1, 1)) * 256 + ORD(SUBSTRING(chunk, 2, 1)))"
                  + " FROM sample_chunks"),
          "every sample of the compacted days in one chunk");
      assertEquals(
          count(today - 2 * DAY, today),
          ArchiverFixture.count(c, "SELECT COUNT(*) FROM samples"),
          "the other days still raw rows");
    }
  }

  @Test
  @Order(2)
  void aRerunIsANoOp() throws Exception {
    job(CompactionJob.Checkpoint.NONE).run(Instant.now());
    String checksum = checksum();
    CompactionJob.Result again = job(CompactionJob.Checkpoint.NONE).run(Instant.now());
    assertEquals(new CompactionJob.Result(0, 0, 0, 0, 0), again);
    assertEquals(checksum, checksum());
  }

  @Test
  @Order(3)
  void compactedDaysComeBackThroughPromQlBitForBitAndRateEqualsTheRawAnswer() throws Exception {
    job(CompactionJob.Checkpoint.NONE).run(Instant.now());
    long end = today - 2 * DAY - 1;
    for (Map.Entry<String, TreeMap<Long, Double>> written : WRITTEN.entrySet()) {
      JsonNode result = query(written.getKey() + "[2d]", end).path("result");
      Map<Long, Double> expected = written.getValue().subMap(end - 2 * DAY, false, end, true);
      if (expected.isEmpty()) {
        assertEquals(0, result.size(), written.getKey());
        continue;
      }
      assertEquals(1, result.size(), written.getKey());
      assertSameSamples(expected, result.get(0).path("values"), written.getKey());
    }
    for (Map.Entry<String, JsonNode> before : BEFORE.entrySet()) {
      JsonNode after =
          queryRange(
              before.getKey(), today - 3 * DAY - 4 * 3_600_000L, today - 2 * DAY + 4 * 3_600_000L);
      assertTrue(after.path("result").get(0).path("values").size() > 90, after.toString());
      assertEquals(before.getValue(), after, before.getKey() + " across compacted and raw days");
    }
  }

  /**
   * Late samples for a compacted day (one new, one a resend of a stored sample with its value) land
   * in its emptied raw partition; the next run merges them into the chunks and recomputes the
   * 5-minute rollup of their bucket from all its samples. Readers see the resend once throughout.
   */
  @Test
  @Order(4)
  void lateSamplesOfACompactedDayAreMergedAndRolledUp() throws Exception {
    job(CompactionJob.Checkpoint.NONE).run(Instant.now());
    String key = "ct_gauge{instance=\"vm-c:9717\",job=\"vmwatch\",mode=\"idle\"}";
    long day = today - 4 * DAY;
    long late = day + 3_600_000L + 15_000;
    long resent = day + 3_600_000L;
    double resentValue = WRITTEN.get(key).get(resent);
    write(
        new TimeSeries(
            labels("ct_gauge", "mode", "idle"),
            new long[] {resent, late},
            new double[] {resentValue, 42.5},
            0));
    assertEquals(
        "", difference(readAll()), "before the merge: the resend once, the late one not yet");
    WRITTEN.get(key).put(late, 42.5);
    new RollupJob(database.jdbi()).run(Instant.now());
    CompactionJob.Result merged = job(CompactionJob.Checkpoint.NONE).run(Instant.now());
    assertEquals(new CompactionJob.Result(0, 0, 0, 1, 1), merged);
    assertEquals("", difference(readAll()));
    double sum = 0;
    int count = 0;
    for (double v : WRITTEN.get(key).subMap(day + 3_600_000L, day + 3_900_000L).values()) {
      sum += v;
      count++;
    }
    try (Connection c = db.connect()) {
      assertEquals(
          List.of(List.of(String.valueOf(count), String.valueOf(sum))),
          ArchiverFixture.rows(
              c,
              "SELECT r.count_value, r.sum_value FROM samples_5m r JOIN series s"
                  + " ON s.id = r.series_id WHERE s.metric = 'ct_gauge'"
                  + " AND JSON_VALUE(s.labels, '$.mode') = 'idle' AND r.ts = "
                  + (day + 3_600_000L)));
    }
  }

  /**
   * The raw rows of a day go only once its 5-minute rollups are complete: with a bucket of the day
   * still due (a sample written after the last rollup run), the day is compacted (readers use the
   * chunks) but not drained; after the rollup run it is, and the bucket's rollup counts the sample.
   */
  @Test
  @Order(5)
  void aDayIsDrainedOnlyOnceItsRollupsAreComplete() throws Exception {
    long day = today - 2 * DAY;
    long late = day + 7_200_000L + 15_000;
    String key = "ct_gauge{instance=\"vm-c:9717\",job=\"vmwatch\",mode=\"user\"}";
    write(
        new TimeSeries(labels("ct_gauge", "mode", "user"), new long[] {late}, new double[] {7}, 0));
    WRITTEN.get(key).put(late, 7.0);
    // the archiver's own rollup job (every minute) must not take the bucket before the check: it
    // waits on this lock to delete the bucket's rollup_dirty row
    Connection holder = db.connect();
    holder.setAutoCommit(false);
    assertEquals(
        1,
        ArchiverFixture.rows(
                holder,
                "SELECT id FROM rollup_dirty WHERE bucket = " + (day + 7_200_000L) + " FOR UPDATE")
            .size());
    CompactionJob oneDay =
        new CompactionJob(
            database.jdbi(),
            new CompactionJob.Settings(Duration.ofDays(1), ROWS_PER_BATCH, Duration.ofHours(1)),
            new ShortLockDdl(Duration.ofSeconds(5), 3, Duration.ofMillis(200), () -> {}),
            CompactionJob.Checkpoint.NONE);
    assertEquals(1, oneDay.run(Instant.now()).daysChunked());
    assertEquals("", difference(readAll()));
    try (Connection c = db.connect()) {
      assertEquals(
          List.of(List.of("done")),
          ArchiverFixture.rows(c, "SELECT phase FROM compaction_state WHERE day = " + day));
      assertEquals(
          count(day, day + DAY),
          ArchiverFixture.count(
              c, "SELECT COUNT(*) FROM samples WHERE ts >= " + day + " AND ts < " + (day + DAY)));
    }
    holder.commit();
    holder.close();
    new RollupJob(database.jdbi()).run(Instant.now());
    assertEquals(1, oneDay.run(Instant.now()).daysDrained());
    assertEquals("", difference(readAll()));
    try (Connection c = db.connect()) {
      assertEquals(
          List.of(List.of("drained")),
          ArchiverFixture.rows(c, "SELECT phase FROM compaction_state WHERE day = " + day));
      assertEquals(
          List.of(List.of("11")),
          ArchiverFixture.rows(
              c,
              "SELECT r.count_value FROM samples_5m r JOIN series s ON s.id = r.series_id"
                  + " WHERE s.metric = 'ct_gauge' AND JSON_VALUE(s.labels, '$.mode') = 'user'"
                  + " AND r.ts = "
                  + (day + 7_200_000L)));
    }
  }

  /**
   * A STREAMED_XOR_CHUNKS read from inside a compacted day to a raw one: every stored chunk lying
   * wholly in the range is sent byte for byte as stored, the one the range cuts is re-encoded, and
   * the decoded answer holds every written sample of the range once.
   */
  @Test
  @Order(6)
  void aStreamedReadSendsTheStoredChunksAsTheyAre() throws Exception {
    long start = today - 3 * DAY + 3_600_000L + 7 * STEP + 1;
    long end = today - DAY / 2;
    HttpResponse<byte[]> answer = remoteRead(start, end, true);
    assertEquals(200, answer.statusCode(), new String(answer.body(), StandardCharsets.UTF_8));
    Set<String> stored = new java.util.HashSet<>();
    long wholly;
    try (Connection c = db.connect()) {
      for (List<String> row :
          ArchiverFixture.rows(
              c,
              "SELECT HEX(chunk) FROM sample_chunks WHERE min_ts >= "
                  + start
                  + " AND max_ts <= "
                  + end)) {
        stored.add(row.get(0));
      }
      wholly = stored.size();
    }
    assertTrue(wholly > 100, "stored chunks in the range: " + wholly);
    long passedThrough = 0;
    Map<String, TreeMap<Long, Double>> read = new TreeMap<>();
    for (ChunkedFrames.Frame frame : ChunkedFrames.read(answer.body())) {
      for (ChunkedFrames.Series series : frame.series()) {
        TreeMap<Long, Double> samples =
            read.computeIfAbsent(key(series.labels()), k -> new TreeMap<>());
        for (XorChunk chunk : series.chunks()) {
          if (stored.contains(java.util.HexFormat.of().withUpperCase().formatHex(chunk.data()))) {
            passedThrough++;
          }
          XorChunkIterator it = chunk.iterator();
          while (it.next()) {
            assertEquals(null, samples.put(it.timestampMs(), it.value()), "twice");
          }
        }
      }
    }
    assertEquals(wholly, passedThrough, "stored chunks sent as they are");
    for (Map.Entry<String, TreeMap<Long, Double>> w : WRITTEN.entrySet()) {
      Map<Long, Double> expected = w.getValue().subMap(start, true, end, true);
      TreeMap<Long, Double> got = read.getOrDefault(w.getKey(), new TreeMap<>());
      assertEquals(expected.keySet(), got.keySet(), w.getKey());
      for (Map.Entry<Long, Double> e : expected.entrySet()) {
        double v = got.get(e.getKey());
        assertTrue(
            Double.isFinite(e.getValue())
                ? Double.doubleToLongBits(v) == Double.doubleToLongBits(e.getValue())
                : Double.isNaN(v),
            w.getKey() + " @" + e.getKey());
      }
    }
  }

  private static String key(List<Label> labels) {
    StringBuilder key = new StringBuilder();
    for (Label l : labels) {
      if (l.name().equals("__name__")) {
        key.insert(0, l.value() + "{");
      } else {
        key.append(key.length() == 0 || key.charAt(key.length() - 1) == '{' ? "" : ",");
        key.append(l.name()).append("=\"").append(l.value()).append('"');
      }
    }
    return key.append('}').toString();
  }

  private static CompactionJob job(CompactionJob.Checkpoint checkpoint) {
    return new CompactionJob(
        database.jdbi(),
        new CompactionJob.Settings(Duration.ofMillis(AFTER), ROWS_PER_BATCH, Duration.ofHours(1)),
        new ShortLockDdl(Duration.ofSeconds(5), 3, Duration.ofMillis(200), () -> {}),
        checkpoint);
  }

  private static final class Crash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Crash(String step) {
      super(step);
    }
  }

  /**
   * Throws at the first point of the run (step, day, how many times the run reached that step of
   * that day) where no run has thrown before.
   */
  private static final class CrashAtANewPoint implements CompactionJob.Checkpoint {
    private final Set<String> crashed;
    private final Map<String, Integer> reached = new TreeMap<>();
    private String step;

    CrashAtANewPoint(Set<String> crashed) {
      this.crashed = crashed;
    }

    @Override
    public void reached(String step, long day) {
      String key = step + "@" + day;
      int times = reached.merge(key, 1, Integer::sum);
      if (crashed.add(key + "#" + times)) {
        this.step = step;
        throw new Crash(step);
      }
    }
  }

  private static long count(long from, long to) {
    long n = 0;
    for (TreeMap<Long, Double> s : WRITTEN.values()) {
      n += s.subMap(from, to).size();
    }
    return n;
  }

  private static String checksum() throws Exception {
    try (Connection c = db.connect()) {
      return ArchiverFixture.rows(
                  c,
                  "CHECKSUM TABLE sample_chunks, samples, samples_5m, compaction_state, samples_swap")
              .toString()
          + ArchiverFixture.rows(
              c, "SELECT day, phase, next_series, samples FROM compaction_state");
    }
  }

  private interface Value {
    double at(int i);
  }

  private static List<Label> labels(String name, String... pairs) {
    List<Label> labels = new ArrayList<>();
    labels.add(new Label("__name__", name));
    labels.add(new Label("instance", "vm-c:9717"));
    labels.add(new Label("job", "vmwatch"));
    for (int i = 0; i < pairs.length; i += 2) {
      labels.add(new Label(pairs[i], pairs[i + 1]));
    }
    labels.sort((a, b) -> a.name().compareTo(b.name()));
    return labels;
  }

  /** A series every 30 s over [from, to), remembered under its PromQL selector. */
  private static TimeSeries series(String name, long from, long to, Value value, String... pairs) {
    List<Label> labels = labels(name, pairs);
    int n = (int) ((to - from) / STEP);
    long[] ts = new long[n];
    double[] values = new double[n];
    TreeMap<Long, Double> written = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      ts[i] = from + i * STEP;
      values[i] = value.at(i);
      written.put(ts[i], values[i]);
    }
    StringBuilder key = new StringBuilder(name).append('{');
    for (Label l : labels) {
      if (!l.name().equals("__name__")) {
        key.append(key.charAt(key.length() - 1) == '{' ? "" : ",");
        key.append(l.name()).append("=\"").append(l.value()).append('"');
      }
    }
    WRITTEN.put(key.append('}').toString(), written);
    return new TimeSeries(labels, ts, values, 0);
  }

  private static void write(TimeSeries series) throws Exception {
    ingester.ingest(new WriteRequest(List.of(series)));
  }

  /**
   * Every series of the archive from the archiver's remote read (SAMPLES), keyed as WRITTEN; a
   * returned NaN stands for the NaN or +-Inf written (the archive keeps them as NaN).
   */
  private static Map<String, TreeMap<Long, Double>> readAll() throws Exception {
    HttpResponse<byte[]> answer = remoteRead(today - 10 * DAY, today + DAY, false);
    assertEquals(200, answer.statusCode(), new String(answer.body(), StandardCharsets.UTF_8));
    Map<String, TreeMap<Long, Double>> read = new TreeMap<>();
    CodedInputStream response = CodedInputStream.newInstance(Snappy.uncompress(answer.body()));
    for (int tag = response.readTag(); tag != 0; tag = response.readTag()) {
      CodedInputStream result = CodedInputStream.newInstance(response.readByteArray());
      for (int t = result.readTag(); t != 0; t = result.readTag()) {
        CodedInputStream series = CodedInputStream.newInstance(result.readByteArray());
        TreeMap<String, String> labels = new TreeMap<>();
        TreeMap<Long, Double> samples = new TreeMap<>();
        for (int s = series.readTag(); s != 0; s = series.readTag()) {
          CodedInputStream field = CodedInputStream.newInstance(series.readByteArray());
          if (s >>> 3 == 1) {
            field.readTag();
            String name = field.readString();
            field.readTag();
            labels.put(name, field.readString());
          } else {
            field.readTag();
            double value = field.readDouble();
            field.readTag();
            long ts = field.readInt64();
            Double previous = samples.put(ts, value);
            assertEquals(null, previous, "sample at " + ts + " returned twice");
          }
        }
        StringBuilder key = new StringBuilder(labels.remove("__name__")).append('{');
        labels.forEach(
            (name, value) ->
                key.append(key.charAt(key.length() - 1) == '{' ? "" : ",")
                    .append(name)
                    .append("=\"")
                    .append(value)
                    .append('"'));
        read.put(key.append('}').toString(), samples);
      }
    }
    // compare NaN and +-Inf as the NaN they come back as, every other value to the bit
    Map<String, TreeMap<Long, Double>> expected = new TreeMap<>();
    WRITTEN.forEach(
        (key, samples) -> {
          TreeMap<Long, Double> copy = new TreeMap<>();
          samples.forEach((ts, v) -> copy.put(ts, Double.isFinite(v) ? v : Double.NaN));
          expected.put(key, copy);
        });
    read.replaceAll(
        (key, samples) -> {
          TreeMap<Long, Double> copy = new TreeMap<>();
          samples.forEach((ts, v) -> copy.put(ts, Double.isNaN(v) ? Double.NaN : v));
          return copy;
        });
    return expected.equals(read) ? WRITTEN : read;
  }

  /** A remote read of every ct_ series in [start, end], SAMPLES or STREAMED_XOR_CHUNKS. */
  private static HttpResponse<byte[]> remoteRead(long start, long end, boolean streamed)
      throws Exception {
    ByteArrayOutputStream matcher = new ByteArrayOutputStream();
    CodedOutputStream m = CodedOutputStream.newInstance(matcher);
    m.writeEnum(1, 2); // RE
    m.writeString(2, "__name__");
    m.writeString(3, "ct_.*");
    m.flush();
    ByteArrayOutputStream query = new ByteArrayOutputStream();
    CodedOutputStream q = CodedOutputStream.newInstance(query);
    q.writeInt64(1, start);
    q.writeInt64(2, end);
    q.writeByteArray(3, matcher.toByteArray());
    q.flush();
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    CodedOutputStream r = CodedOutputStream.newInstance(request);
    r.writeByteArray(1, query.toByteArray());
    if (streamed) {
      r.writeEnum(2, 1); // STREAMED_XOR_CHUNKS
    }
    r.flush();
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(archiver.baseUrl() + "/api/v1/read"))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/x-protobuf")
            .header("Content-Encoding", "snappy")
            .header("X-Prometheus-Remote-Read-Version", "0.1.0")
            .POST(HttpRequest.BodyPublishers.ofByteArray(Snappy.compress(request.toByteArray())))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** "" when read equals WRITTEN, else the first difference. */
  private static String difference(Map<String, TreeMap<Long, Double>> read) {
    if (read == WRITTEN) {
      return "";
    }
    for (String key : WRITTEN.keySet()) {
      TreeMap<Long, Double> got = read.get(key);
      if (got == null) {
        return key + " missing";
      }
      for (Map.Entry<Long, Double> e : WRITTEN.get(key).entrySet()) {
        Double v = got.get(e.getKey());
        if (v == null) {
          return key
              + " lacks the sample at "
              + e.getKey()
              + " ("
              + got.size()
              + " of "
              + WRITTEN.get(key).size()
              + " read)";
        }
        if (Double.isFinite(e.getValue()) ? !v.equals(e.getValue()) : !v.isNaN()) {
          return key + " @" + e.getKey() + ": " + v + " for " + e.getValue();
        }
      }
      if (got.size() != WRITTEN.get(key).size()) {
        return key + ": " + got.size() + " samples for " + WRITTEN.get(key).size();
      }
    }
    return "other series: " + read.keySet();
  }

  private static void assertSameSamples(Map<Long, Double> expected, JsonNode values, String what) {
    assertEquals(expected.size(), values.size(), what);
    int i = 0;
    for (Map.Entry<Long, Double> e : expected.entrySet()) {
      JsonNode point = values.get(i++);
      assertEquals(e.getKey(), Math.round(point.get(0).asDouble() * 1000), what);
      double actual = Double.parseDouble(point.get(1).asText().replace("Inf", "Infinity"));
      if (Double.isFinite(e.getValue())) {
        assertEquals(
            Double.doubleToLongBits(e.getValue()),
            Double.doubleToLongBits(actual),
            what + " @" + e.getKey());
      } else {
        assertTrue(Double.isNaN(actual), what + " @" + e.getKey() + ": " + actual);
      }
    }
  }

  private static JsonNode query(String promql, long timeMs) throws Exception {
    return promQl("/api/v1/query?query=" + encode(promql) + "&time=" + timeMs / 1000.0);
  }

  private static JsonNode queryRange(String promql, long fromMs, long toMs) throws Exception {
    return promQl(
        "/api/v1/query_range?query="
            + encode(promql)
            + "&start="
            + fromMs / 1000.0
            + "&end="
            + toMs / 1000.0
            + "&step=300");
  }

  /** A successful answer's data, without warnings. */
  private static JsonNode promQl(String path) throws Exception {
    HttpResponse<String> response = prometheus.get(path);
    JsonNode answer = JSON.readTree(response.body());
    assertEquals("success", answer.path("status").asText(), response.body());
    assertTrue(answer.path("warnings").isMissingNode(), response.body());
    return answer.path("data");
  }

  private static String encode(String promql) {
    return URLEncoder.encode(promql, StandardCharsets.UTF_8);
  }
}
