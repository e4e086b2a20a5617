import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteEncoder;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Remote-write load against the archiver, side by side with LOAD DATA LOCAL INFILE of the same rows
 * into the same table, from an empty table each time. Requests look like Prometheus' queue: 2,000
 * samples each, one per series, series of 100 VMs (CPU, memory and per-process metrics with pid and
 * name labels), scrape rounds 15 s apart, several requests in flight, encoded before the clock
 * starts. LOAD DATA gets the rows the archiver stored, in the order they arrived.
 *
 * <p>usage: LoadGenerator WRITE_URL JDBC_URL USER SECONDS CONCURRENCY REPEATS (password in
 * VMWATCH_DB_PASSWORD)
 */
public final class LoadGenerator {
  private static final int SAMPLES_PER_REQUEST = 2000;
  private static final int INSTANCES = 100;
  private static final int PROCESSES = 60;

  private final List<List<Label>> series = new ArrayList<>();
  private final AtomicLong nextRequest = new AtomicLong();
  private final long baseTs = (System.currentTimeMillis() / 1000 - 3600) * 1000;

  private LoadGenerator() {
    String[] modes = {"user", "system", "idle", "iowait"};
    for (int vm = 0; vm < INSTANCES; vm++) {
      String instance = "vm-" + vm + ".europe-west1-b.c.fleet.internal:9717";
      for (int cpu = 0; cpu < 4; cpu++) {
        for (String mode : modes) {
          series.add(
              labels(
                  "vmwatch_cpu_seconds_total",
                  instance,
                  "cpu",
                  Integer.toString(cpu),
                  "mode",
                  mode));
        }
      }
      for (String m : new String[] {"total", "free", "available", "cached", "buffers"}) {
        series.add(labels("vmwatch_memory_" + m + "_bytes", instance));
      }
      series.add(labels("instance:vmwatch_cpu_utilisation:ratio", instance));
      series.add(labels("instance:vmwatch_memory_utilisation:ratio", instance));
      for (int p = 0; p < PROCESSES; p++) {
        String pid = Integer.toString(1000 + p * 7);
        String name = p % 3 == 0 ? "java" : p % 3 == 1 ? "postgres: writer" : "systemd-journald";
        series.add(
            labels(
                "vmwatch_process_info",
                instance,
                "pid",
                pid,
                "ppid",
                "1",
                "name",
                name,
                "user",
                "root",
                "state",
                "S"));
        series.add(
            labels("vmwatch_process_resident_memory_bytes", instance, "pid", pid, "name", name));
        series.add(labels("vmwatch_process_cpu_seconds_total", instance, "pid", pid, "name", name));
      }
    }
    // whole requests per scrape round
    while (series.size() % SAMPLES_PER_REQUEST != 0) {
      series.add(
          labels("vmwatch_exporter_padding", "vm-pad", "n", Integer.toString(series.size())));
    }
  }

  /** The labels of one series as the project's Prometheus sends them (DayVolume uses them too). */
  static List<Label> labels(String name, String instance, String... pairs) {
    List<Label> labels = new ArrayList<>();
    labels.add(new Label("__name__", name));
    labels.add(new Label("instance", instance));
    labels.add(new Label("job", "vmwatch"));
    for (int i = 0; i < pairs.length; i += 2) {
      labels.add(new Label(pairs[i], pairs[i + 1]));
    }
    return labels;
  }

  private int requestsPerRound() {
    return series.size() / SAMPLES_PER_REQUEST;
  }

  /** Request number n: 2,000 consecutive series of round n / requestsPerRound, one sample each. */
  private byte[] request(long n) {
    long round = n / requestsPerRound();
    int first = (int) (n % requestsPerRound()) * SAMPLES_PER_REQUEST;
    long ts = baseTs + round * 15_000L;
    List<TimeSeries> list = new ArrayList<>(SAMPLES_PER_REQUEST);
    for (int i = 0; i < SAMPLES_PER_REQUEST; i++) {
      int s = first + i;
      double value = (s % 7 == 0) ? 1 : (round * 1000.0 + s) * 1.000001;
      list.add(
          new TimeSeries(series.get(s), new long[] {ts + (s % 1000)}, new double[] {value}, 0));
    }
    return RemoteWriteEncoder.snappy(new WriteRequest(list));
  }

  private record Phase(long samples, double seconds, long[] latenciesNanos) {
    double rate() {
      return samples / seconds;
    }

    double percentileMs(double p) {
      if (latenciesNanos.length == 0) {
        return Double.NaN;
      }
      long[] sorted = latenciesNanos.clone();
      Arrays.sort(sorted);
      return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
  }

  /**
   * Encodes the requests of one run before it starts, so that the client's protobuf and snappy work
   * does not take CPU from the archiver and MariaDB on this small machine during the measurement.
   * Enough for {@code maxRate} samples/s; beyond that, requests are encoded on the fly.
   */
  private List<byte[]> encodeAhead(int seconds, int maxRate) {
    long first = nextRequest.get();
    int count = seconds * maxRate / SAMPLES_PER_REQUEST;
    List<byte[]> bodies = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      bodies.add(request(first + i));
    }
    return bodies;
  }

  private Phase remoteWrite(String url, int seconds, int concurrency, List<byte[]> encoded)
      throws Exception {
    long first = nextRequest.get();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    long start = System.nanoTime();
    List<Future<long[]>> workers = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      workers.add(
          pool.submit(
              () -> {
                List<Long> latencies = new ArrayList<>();
                while (System.nanoTime() < deadline) {
                  long n = nextRequest.getAndIncrement();
                  byte[] body =
                      n - first < encoded.size() ? encoded.get((int) (n - first)) : request(n);
                  HttpRequest request =
                      RemoteWriteEncoder.post(url, body, Duration.ofSeconds(60)).build();
                  long t0 = System.nanoTime();
                  HttpResponse<String> response =
                      http.send(request, HttpResponse.BodyHandlers.ofString());
                  latencies.add(System.nanoTime() - t0);
                  if (response.statusCode() != 204) {
                    throw new IllegalStateException(
                        "archiver answered " + response.statusCode() + ": " + response.body());
                  }
                }
                return latencies.stream().mapToLong(Long::longValue).toArray();
              }));
    }
    List<Long> all = new ArrayList<>();
    for (Future<long[]> w : workers) {
      for (long l : w.get()) {
        all.add(l);
      }
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    return new Phase(
        (long) all.size() * SAMPLES_PER_REQUEST,
        elapsed,
        all.stream().mapToLong(Long::longValue).toArray());
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Dumps the rows of samples to a tab-separated file, in arrival order, then empties the table.
   */
  private long dumpAndTruncate(Connection c, Path file) throws SQLException, IOException {
    long rows = 0;
    try (BufferedWriter out = Files.newBufferedWriter(file);
        Statement s = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
      s.setFetchSize(Integer.MIN_VALUE);
      // in the order they arrived: scrape round by scrape round, series by series
      try (ResultSet rs =
          s.executeQuery(
              "SELECT series_id, ts, value FROM samples ORDER BY (ts - "
                  + baseTs
                  + ") DIV 15000, series_id")) {
        while (rs.next()) {
          double v = rs.getDouble(3);
          out.write(
              rs.getLong(1)
                  + "\t"
                  + rs.getLong(2)
                  + "\t"
                  + (rs.wasNull() ? "\\N" : Double.toString(v)));
          out.newLine();
          rows++;
        }
      }
    }
    try (Statement s = c.createStatement()) {
      s.execute("TRUNCATE TABLE samples");
    }
    return rows;
  }

  private static Phase loadData(Connection c, Path file, long rows) throws SQLException {
    long start = System.nanoTime();
    try (Statement s = c.createStatement()) {
      s.execute(
          "LOAD DATA LOCAL INFILE '"
              + file.toAbsolutePath().toString().replace("'", "''")
              + "' INTO TABLE samples FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n'"
              + " (series_id, ts, value)");
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long loaded = count(c, "SELECT COUNT(*) FROM samples");
    if (loaded != rows) {
      throw new IllegalStateException("LOAD DATA loaded " + loaded + " rows of " + rows);
    }
    return new Phase(rows, elapsed, new long[0]);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println(
          "usage: LoadGenerator WRITE_URL JDBC_URL USER SECONDS CONCURRENCY REPEATS");
      System.exit(2);
    }
    String url = args[0];
    String jdbc = args[1] + (args[1].contains("?") ? "&" : "?") + "allowLoadLocalInfile=true";
    String user = args[2];
    int seconds = Integer.parseInt(args[3]);
    int concurrency = Integer.parseInt(args[4]);
    int repeats = Integer.parseInt(args[5]);
    String password = System.getenv("VMWATCH_DB_PASSWORD");
    LoadGenerator generator = new LoadGenerator();
    System.out.printf(
        "%d series, %d requests of %d samples per scrape round, %d in flight, %d s per run%n",
        generator.series.size(),
        generator.requestsPerRound(),
        SAMPLES_PER_REQUEST,
        concurrency,
        seconds);
    Path file = Files.createTempFile("vmwatch-bench-", ".tsv");
    try (Connection c = DriverManager.getConnection(jdbc, user, password)) {
      // warm-up: creates every series and lets the JIT settle; not measured
      System.out.println("warm-up: one scrape round per worker");
      generator.remoteWrite(url, 8, concurrency, List.of());
      double[] archiverRates = new double[repeats];
      double[] loadRates = new double[repeats];
      double[] p50 = new double[repeats];
      double[] p99 = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        try (Statement s = c.createStatement()) {
          s.execute("TRUNCATE TABLE samples");
        }
        List<byte[]> encoded = generator.encodeAhead(seconds, 250_000);
        Phase write = generator.remoteWrite(url, seconds, concurrency, encoded);
        long stored = count(c, "SELECT COUNT(*) FROM samples");
        if (stored != write.samples()) {
          throw new IllegalStateException(
              "archiver acknowledged "
                  + write.samples()
                  + " samples but "
                  + stored
                  + " are in MySQL");
        }
        long rows = generator.dumpAndTruncate(c, file);
        Phase load = loadData(c, file, rows);
        archiverRates[r] = write.rate();
        loadRates[r] = load.rate();
        p50[r] = write.percentileMs(0.50);
        p99[r] = write.percentileMs(0.99);
        System.out.printf(
            Locale.ROOT,
            "run %d: archiver %,.0f samples/s (%d samples, p50 %.1f ms, p99 %.1f ms);"
                + " LOAD DATA %,.0f rows/s (%.2f s)%n",
            r + 1,
            write.rate(),
            write.samples(),
            p50[r],
            p99[r],
            load.rate(),
            load.seconds());
      }
      double a = median(archiverRates);
      double l = median(loadRates);
      System.out.println();
      System.out.printf(
          Locale.ROOT,
          "| median of %d runs | archiver (remote write, %d in flight) |"
              + " LOAD DATA LOCAL INFILE | ratio |%n",
          repeats,
          concurrency);
      System.out.println("|---|---|---|---|");
      System.out.printf(
          Locale.ROOT, "| samples/s into MariaDB | %,.0f | %,.0f | %.0f%% |%n", a, l, 100 * a / l);
      System.out.printf(
          Locale.ROOT, "| p50 latency, 2,000-sample request | %.1f ms | | |%n", median(p50));
      System.out.printf(
          Locale.ROOT, "| p99 latency, 2,000-sample request | %.1f ms | | |%n", median(p99));
      System.out.printf(
          Locale.ROOT,
          "targets: >= 100,000 samples/s: %s; >= 50%% of LOAD DATA: %s;" + " p99 < 100 ms: %s%n",
          a >= 100_000 ? "met" : "MISSED",
          a >= 0.5 * l ? "met" : "MISSED",
          median(p99) < 100 ? "met" : "MISSED");
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
