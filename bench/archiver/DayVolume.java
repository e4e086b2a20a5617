import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteEncoder;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A day's volume: today's partition filled with ROWS raw rows, then Prometheus catching up after an
 * outage at RATE samples/s for SECONDS while the archiver's rollups, partition maintenance and
 * retention run on their default schedules.
 *
 * <p>The fleet: VMs with 120 series each (what the exporter exports on a 2-vCPU VM: 113, plus
 * Prometheus' 5 per-target series and the 2 recording rules), scraped every 15 s. The series are
 * created through the archiver (one scrape round at today's midnight), then their samples from
 * midnight to one hour before now are inserted with INSERT ... SELECT from MariaDB's sequence
 * engine, as many VMs as it takes to reach ROWS. The write phase then sends the missing hour (the
 * outage), scrape round after scrape round, in requests of 2,000 samples, paced at RATE with
 * IN_FLIGHT requests at most in flight (Prometheus' shards). Requests are encoded before the clock
 * starts. Every second it reads the rollup metrics of /metrics (this archiver's) and the server's
 * Handler_read_* counters, and the rollup statements in MariaDB's process list (any archiver
 * version).
 *
 * <p>usage: DayVolume WRITE_URL METRICS_URL JDBC_URL USER ROWS RATE SECONDS IN_FLIGHT (password in
 * VMWATCH_DB_PASSWORD)
 */
public final class DayVolume {
  private static final int SAMPLES_PER_REQUEST = 2000;
  private static final int SERIES_PER_VM = 120;
  private static final long SCRAPE_MS = 15_000L;
  private static final long OUTAGE_MS = 3_600_000L;

  private final List<List<Label>> series = new ArrayList<>();

  private DayVolume(int vms) {
    String[] modes = {"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"};
    String[] states = {"R", "S", "D", "Z", "T", "t", "X", "I", "P"};
    for (int vm = 0; vm < vms; vm++) {
      String instance = "vm-" + vm + ".europe-west1-b.c.fleet.internal:9717";
      int before = series.size();
      for (int cpu = 0; cpu < 2; cpu++) {
        for (String mode : modes) {
          series.add(
              LoadGenerator.labels(
                  "vmwatch_cpu_seconds_total",
                  instance,
                  "cpu",
                  Integer.toString(cpu),
                  "mode",
                  mode));
        }
      }
      for (String m :
          new String[] {
            "total", "free", "available", "cached", "buffers", "swap_total", "swap_free"
          }) {
        series.add(LoadGenerator.labels("vmwatch_memory_" + m + "_bytes", instance));
      }
      for (String state : states) {
        series.add(LoadGenerator.labels("vmwatch_processes", instance, "state", state));
      }
      for (int p = 0; p < 14; p++) {
        String pid = Integer.toString(1000 + p * 7);
        String name = p % 3 == 0 ? "java" : p % 3 == 1 ? "postgres: writer" : "systemd-journald";
        series.add(
            LoadGenerator.labels(
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
        for (String m :
            new String[] {
              "resident_memory_bytes", "cpu_seconds_total", "threads", "start_time_seconds"
            }) {
          series.add(
              LoadGenerator.labels("vmwatch_process_" + m, instance, "pid", pid, "name", name));
        }
      }
      for (String collector : new String[] {"cpu", "memory", "processes"}) {
        series.add(
            LoadGenerator.labels(
                "vmwatch_scrape_collector_success", instance, "collector", collector));
        series.add(
            LoadGenerator.labels(
                "vmwatch_scrape_collector_duration_seconds", instance, "collector", collector));
        series.add(
            LoadGenerator.labels(
                "vmwatch_collector_source_info",
                instance,
                "collector",
                collector,
                "source",
                "procfs"));
      }
      series.add(LoadGenerator.labels("vmwatch_threads", instance));
      series.add(LoadGenerator.labels("vmwatch_exporter_build_info", instance, "version", "0.1.0"));
      for (String m :
          new String[] {
            "up",
            "scrape_duration_seconds",
            "scrape_samples_scraped",
            "scrape_samples_post_metric_relabeling",
            "scrape_series_added"
          }) {
        series.add(LoadGenerator.labels(m, instance));
      }
      series.add(LoadGenerator.labels("instance:vmwatch_cpu_utilisation:ratio", instance));
      series.add(LoadGenerator.labels("instance:vmwatch_memory_utilisation:ratio", instance));
      if (series.size() - before != SERIES_PER_VM) {
        throw new IllegalStateException("a VM has " + (series.size() - before) + " series");
      }
    }
  }

  /**
   * Request n of the scrape rounds from {@code firstRound}: 2,000 consecutive series, one sample
   * each.
   */
  private byte[] request(long firstRoundTs, long n) {
    int perRound = (series.size() + SAMPLES_PER_REQUEST - 1) / SAMPLES_PER_REQUEST;
    long round = n / perRound;
    int first = (int) (n % perRound) * SAMPLES_PER_REQUEST;
    int last = Math.min(series.size(), first + SAMPLES_PER_REQUEST);
    long ts = firstRoundTs + round * SCRAPE_MS;
    List<TimeSeries> list = new ArrayList<>(last - first);
    for (int s = first; s < last; s++) {
      list.add(
          new TimeSeries(
              series.get(s),
              new long[] {ts + (s % 1000)},
              new double[] {(round * 1000.0 + s) * 1.000001},
              0));
    }
    return RemoteWriteEncoder.snappy(new WriteRequest(list));
  }

  private int requestsPerRound() {
    return (series.size() + SAMPLES_PER_REQUEST - 1) / SAMPLES_PER_REQUEST;
  }

  private static HttpResponse<String> post(HttpClient http, String url, byte[] body)
      throws Exception {
    return http.send(
        RemoteWriteEncoder.post(url, body, Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static long scalar(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(rs.getMetaData().getColumnCount());
    }
  }

  private static void log(String format, Object... args) {
    System.out.printf(
        Locale.ROOT,
        "%s " + format + "%n",
        concat(Instant.now().toString().substring(11, 19), args));
  }

  private static Object[] concat(Object first, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  /**
   * Rows read by the server so far: the sum of its Handler_read_* counters (index and table reads).
   */
  private static long rowsRead(Connection c) throws SQLException {
    return scalar(
        c,
        "SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN"
            + " ('HANDLER_READ_KEY', 'HANDLER_READ_NEXT', 'HANDLER_READ_PREV', 'HANDLER_READ_FIRST',"
            + " 'HANDLER_READ_LAST', 'HANDLER_READ_RND', 'HANDLER_READ_RND_NEXT')");
  }

  /** Value of a metric line of /metrics, NaN when absent. */
  private static double metric(String body, String name) {
    for (String line : body.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    return Double.NaN;
  }

  /**
   * A rollup run seen by the monitor: startS is when the monitor saw it end (metrics) or begin
   * (process list), in seconds since the write phase; fromNanos and toNanos bound it
   * (System.nanoTime, widened by the monitor's polling).
   */
  private record RollupRun(
      String source,
      double startS,
      double seconds,
      long rowsRead,
      long serverRowsRead,
      long fromNanos,
      long toNanos) {
    boolean overlaps(long from, long to) {
      return from < toNanos && to > fromNanos;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 8) {
      System.err.println(
          "usage: DayVolume WRITE_URL METRICS_URL JDBC_URL USER ROWS RATE SECONDS IN_FLIGHT");
      System.exit(2);
    }
    String url = args[0];
    String metricsUrl = args[1];
    String jdbc = args[2];
    String user = args[3];
    long rows = Long.parseLong(args[4]);
    int rate = Integer.parseInt(args[5]);
    int seconds = Integer.parseInt(args[6]);
    int inFlight = Integer.parseInt(args[7]);
    String password = System.getenv("VMWATCH_DB_PASSWORD");

    long now = System.currentTimeMillis();
    long midnight = LocalDate.now(ZoneOffset.UTC).toEpochDay() * 86_400_000L;
    // The outage lasts an hour, or longer when the write phase needs more scrape rounds than an
    // hour holds (later in the day the fill needs fewer VMs, so each round has fewer samples).
    long outageMs = OUTAGE_MS;
    long outageStart;
    long fillRounds;
    int vms;
    long rounds;
    while (true) {
      outageStart = (now - outageMs) / SCRAPE_MS * SCRAPE_MS;
      fillRounds = (outageStart - midnight) / SCRAPE_MS - 1; // midnight+15s .. outageStart-15s
      if (fillRounds < 240) {
        throw new IllegalStateException(
            "run this after 02:00 UTC: today's partition has too little day to fill");
      }
      vms = (int) Math.ceil((double) rows / (fillRounds * SERIES_PER_VM));
      rounds = (long) Math.ceil((double) rate * seconds / (vms * SERIES_PER_VM));
      if (outageStart + rounds * SCRAPE_MS <= now || outageMs >= 6 * OUTAGE_MS) {
        break;
      }
      outageMs += OUTAGE_MS / 4;
    }
    DayVolume fleet = new DayVolume(vms);
    int seriesCount = fleet.series.size();
    if (outageStart + rounds * SCRAPE_MS > now) {
      throw new IllegalStateException(
          "the write phase would run past now: lower RATE x SECONDS or raise ROWS");
    }
    log(
        "fleet: %d VMs x %d series = %,d series, scraped every 15 s; today's partition gets %,d rounds"
            + " (00:00:15 to %s UTC) = %,d rows; the write phase sends the %d-minute outage after it",
        vms,
        SERIES_PER_VM,
        seriesCount,
        fillRounds,
        Instant.ofEpochMilli(outageStart).toString().substring(11, 19),
        fillRounds * seriesCount,
        outageMs / 60_000);
    log(
        "(%,d rows = a whole day of %.0f such VMs; %,d samples/s = the live rate of %,.0f such VMs)",
        rows, rows / (SERIES_PER_VM * 5760.0), rate, rate * 15.0 / SERIES_PER_VM);

    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    // 1. The series, through the archiver: one scrape round at midnight.
    long t0 = System.nanoTime();
    for (int n = 0; n < fleet.requestsPerRound(); n++) {
      HttpResponse<String> response = post(http, url, fleet.request(midnight, n));
      if (response.statusCode() != 204) {
        throw new IllegalStateException(
            "creating series: archiver answered " + response.statusCode());
      }
    }
    log("series created through the archiver in %.1f s", (System.nanoTime() - t0) / 1e9);

    try (Connection c = DriverManager.getConnection(jdbc, user, password)) {
      // 2. The fill: INSERT ... SELECT in primary-key order, a few hundred series per statement.
      long minId = scalar(c, "SELECT MIN(id) FROM series");
      long maxId = scalar(c, "SELECT MAX(id) FROM series");
      long step = Math.max(1, 2_000_000 / fillRounds);
      t0 = System.nanoTime();
      long filled = 0;
      long nextReport = System.nanoTime();
      try (Statement s = c.createStatement()) {
        for (long from = minId; from <= maxId; from += step) {
          filled +=
              s.executeUpdate(
                  "INSERT INTO samples (series_id, ts, value) SELECT s.id, "
                      + midnight
                      + " + q.seq * 15000 + MOD(s.id, 1000), q.seq * 1.5 + s.id FROM series s"
                      + " JOIN seq_1_to_"
                      + fillRounds
                      + " q WHERE s.id BETWEEN "
                      + from
                      + " AND "
                      + (from + step - 1));
          if (System.nanoTime() >= nextReport) {
            double elapsed = (System.nanoTime() - t0) / 1e9;
            log(
                "fill: %,d of %,d rows (%.0f%%), %,.0f rows/s",
                filled,
                fillRounds * seriesCount,
                100.0 * filled / (fillRounds * seriesCount),
                filled / elapsed);
            nextReport = System.nanoTime() + 15_000_000_000L;
          }
        }
      }
      double fillSeconds = (System.nanoTime() - t0) / 1e9;
      log(
          "fill done: %,d rows in %.0f s (%,.0f rows/s); today's partition holds %,d rows",
          filled, fillSeconds, filled / fillSeconds, scalar(c, "SELECT COUNT(*) FROM samples"));
    }
    String admin = System.getenv("VMWATCH_BENCH_ADMIN_PASSWORD");
    if (admin != null) {
      try (Connection c = DriverManager.getConnection(jdbc, "bench_admin", admin)) {
        flushFill(c);
      }
    }
    // A day written scrape round after scrape round leaves the last page of every series in the
    // buffer pool (each round touches them all); the fill, series after series, left only the
    // last series' there. Read each series' newest row once (a loose index scan), as a real day
    // leaves them.
    try (Connection c = DriverManager.getConnection(jdbc, user, password)) {
      long t1 = System.nanoTime();
      long warmed =
          scalar(
              c,
              "SELECT COUNT(*) FROM (SELECT series_id, MAX(ts) FROM samples GROUP BY series_id) x");
      log(
          "the newest row of each of %,d series read in %.1f s (their pages cached, as after a real day)",
          warmed, (System.nanoTime() - t1) / 1e9);
    }

    // 3. The outage's rounds, encoded ahead.
    int requests = (int) (rounds * fleet.requestsPerRound());
    List<byte[]> bodies = new ArrayList<>(requests);
    for (int n = 0; n < requests; n++) {
      bodies.add(fleet.request(outageStart, n));
    }
    log(
        "write phase: %,d requests (%d scrape rounds from %s UTC), %,d samples/s paced, at most %d in flight,"
            + " %d s",
        requests,
        rounds,
        Instant.ofEpochMilli(outageStart).toString().substring(11, 19),
        rate,
        inFlight,
        seconds);

    AtomicBoolean done = new AtomicBoolean();
    List<RollupRun> runs = new ArrayList<>();
    AtomicLong serverRowsDuring = new AtomicLong();
    Thread monitor =
        new Thread(
            () -> monitor(jdbc, user, password, metricsUrl, http, done, runs, serverRowsDuring));
    monitor.start();

    ExecutorService pool = Executors.newFixedThreadPool(inFlight);
    AtomicInteger next = new AtomicInteger();
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    long[] latencies = new long[requests];
    long[] sentAt = new long[requests];
    long interval = 1_000_000_000L * SAMPLES_PER_REQUEST / rate;
    long start = System.nanoTime();
    List<Future<?>> workers = new ArrayList<>();
    for (int w = 0; w < inFlight; w++) {
      workers.add(
          pool.submit(
              () -> {
                for (int n = next.getAndIncrement(); n < requests; n = next.getAndIncrement()) {
                  long due = start + n * interval;
                  long wait = due - System.nanoTime();
                  if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                  }
                  long sent = System.nanoTime();
                  sentAt[n] = sent;
                  int status;
                  try {
                    status = post(http, url, bodies.get(n)).statusCode();
                  } catch (java.net.http.HttpTimeoutException e) {
                    status = 0; // no answer within 30 s (Prometheus' remote_timeout)
                  }
                  latencies[n] = System.nanoTime() - sent;
                  statuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                  bodies.set(n, null);
                }
                return null;
              }));
    }
    for (Future<?> w : workers) {
      w.get();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    Thread.sleep(2000);
    done.set(true);
    monitor.join();

    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    long ok = statuses.getOrDefault(204, new AtomicInteger()).get();
    long bad = requests - ok;
    double p50 = sorted[(int) Math.ceil(0.50 * requests) - 1] / 1e6;
    double p99 = sorted[(int) Math.ceil(0.99 * requests) - 1] / 1e6;
    double max = sorted[requests - 1] / 1e6;
    double achieved = (double) requests * SAMPLES_PER_REQUEST / elapsed;
    log(
        "write phase: %.0f s, %,.0f samples/s, statuses %s",
        elapsed, achieved, new TreeMap<>(statuses));
    log("latency of a 2,000-sample request: p50 %.1f ms, p99 %.1f ms, max %.1f ms", p50, p99, max);
    log("rows read (Handler_read_*) during the write phase: %,d", serverRowsDuring.get());
    // Where the tail is: requests that overlapped a rollup run against the others.
    List<Long> during = new ArrayList<>();
    List<Long> outside = new ArrayList<>();
    for (int n = 0; n < requests; n++) {
      long from = sentAt[n];
      long to = from + latencies[n];
      boolean overlapping;
      synchronized (runs) {
        overlapping = runs.stream().anyMatch(r -> r.overlaps(from, to));
      }
      (overlapping ? during : outside).add(latencies[n]);
    }
    log("requests during a rollup run: %s; outside: %s", percentiles(during), percentiles(outside));
    Integer[] bySlowness = new Integer[requests];
    for (int n = 0; n < requests; n++) {
      bySlowness[n] = n;
    }
    Arrays.sort(bySlowness, (a, b) -> Long.compare(latencies[b], latencies[a]));
    StringBuilder slowest = new StringBuilder();
    for (int i = 0; i < Math.min(12, requests); i++) {
      int n = bySlowness[i];
      slowest.append(
          String.format(
              Locale.ROOT,
              "%s%.0f ms at +%.1f s",
              i == 0 ? "" : ", ",
              latencies[n] / 1e6,
              (sentAt[n] - start) / 1e9));
    }
    log("slowest requests (sent at, seconds into the write phase): %s", slowest);
    for (RollupRun run : runs) {
      log(
          "rollup run (%s) at +%.0f s: %.1f s, %s raw rows read (archiver metric), %,d rows read (Handler_read_*)"
              + " meanwhile",
          run.source(),
          run.startS(),
          run.seconds(),
          run.rowsRead() < 0 ? "n/a" : String.format("%,d", run.rowsRead()),
          run.serverRowsRead());
    }
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "| samples/s | requests | non-2xx | p50 | p99 | max | rollup runs: rows read each |%n");
    System.out.printf(
        Locale.ROOT,
        "| %,.0f | %,d | %d | %.1f ms | %.1f ms | %.0f ms | %s |%n",
        achieved,
        requests,
        bad,
        p50,
        p99,
        max,
        runs.stream()
            .map(r -> String.format("%,d", r.rowsRead() >= 0 ? r.rowsRead() : r.serverRowsRead()))
            .toList());
    System.out.printf(
        Locale.ROOT,
        "targets: 0 non-2xx: %s; p99 < 100 ms: %s; max < 2 s: %s; >= 20,000 samples/s: %s%n",
        bad == 0 ? "met" : "MISSED",
        p99 < 100 ? "met" : "MISSED",
        max < 2000 ? "met" : "MISSED",
        achieved >= 20_000 ? "met" : "MISSED");
  }

  /**
   * A day's partition is written over a day, and its pages reach the disk long before an outage
   * ends; the fill writes it in two minutes and leaves most of the buffer pool dirty. Flush them
   * first (innodb_max_dirty_pages_pct 0 until at most 1% of the pool is dirty, then back to its
   * value), so the write phase does not pay for the fill's page writes.
   */
  private static void flushFill(Connection c) throws SQLException, InterruptedException {
    long total =
        scalar(
            c,
            "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                + " WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_TOTAL'");
    String before;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT @@innodb_max_dirty_pages_pct")) {
      rs.next();
      before = rs.getString(1);
    }
    long t0 = System.nanoTime();
    try (Statement s = c.createStatement()) {
      s.execute("SET GLOBAL innodb_max_dirty_pages_pct = 0");
      long nextReport = 0;
      while (true) {
        long dirty =
            scalar(
                c,
                "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                    + " WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'");
        if (dirty <= total / 100) {
          log(
              "the fill's pages are written: %,d of %,d buffer pool pages dirty after %.0f s",
              dirty, total, (System.nanoTime() - t0) / 1e9);
          break;
        }
        if (System.nanoTime() - t0 > 600_000_000_000L) {
          throw new IllegalStateException(
              "the fill's dirty pages were not written within 10 minutes");
        }
        if (System.nanoTime() >= nextReport) {
          log("writing the fill's pages: %,d of %,d buffer pool pages dirty", dirty, total);
          nextReport = System.nanoTime() + 15_000_000_000L;
        }
        Thread.sleep(500);
      }
    } finally {
      try (Statement s = c.createStatement()) {
        s.execute("SET GLOBAL innodb_max_dirty_pages_pct = " + Double.parseDouble(before));
      }
    }
  }

  /** "N requests, p50 X ms, p99 Y ms, max Z ms" of latencies in nanoseconds. */
  private static String percentiles(List<Long> nanos) {
    if (nanos.isEmpty()) {
      return "0 requests";
    }
    long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    return String.format(
        Locale.ROOT,
        "%,d requests, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
        sorted.length,
        sorted[(int) Math.ceil(0.50 * sorted.length) - 1] / 1e6,
        sorted[(int) Math.ceil(0.99 * sorted.length) - 1] / 1e6,
        sorted[sorted.length - 1] / 1e6);
  }

  /**
   * Once a second: this archiver's rollup metrics (a run completed when its run counter grows), and
   * for any version, the rollup's statements ({@code samples_5m} writes) in the process list, which
   * bound a run, with the server's rows-read counters at both ends.
   */
  private static void monitor(
      String jdbc,
      String user,
      String password,
      String metricsUrl,
      HttpClient http,
      AtomicBoolean done,
      List<RollupRun> runs,
      AtomicLong serverRowsDuring) {
    long start = System.nanoTime();
    try (Connection c = DriverManager.getConnection(jdbc, user, password)) {
      long serverAtStart = rowsRead(c);
      boolean fromMetrics =
          !Double.isNaN(
              metric(
                  http.send(
                          HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body(),
                  "vmwatch_archiver_rollup_runs_total"));
      double lastRuns = Double.NaN;
      long serverAtLastRun = serverAtStart;
      boolean inRun = false;
      double runStart = 0;
      long serverAtRunStart = 0;
      long lastSeenRunning = 0;
      long runStartNanos = 0;
      while (!done.get()) {
        Thread.sleep(250);
        double at = (System.nanoTime() - start) / 1e9;
        long server = rowsRead(c);
        serverRowsDuring.set(server - serverAtStart);
        if (fromMetrics) {
          if (Math.floor(at) == Math.floor(at - 0.25)) {
            continue;
          }
          String body =
              http.send(
                      HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body();
          double runsTotal = metric(body, "vmwatch_archiver_rollup_runs_total");
          if (!Double.isNaN(lastRuns) && runsTotal > lastRuns) {
            synchronized (runs) {
              double runSeconds = metric(body, "vmwatch_archiver_rollup_last_run_seconds");
              long seenNanos = System.nanoTime();
              runs.add(
                  new RollupRun(
                      "archiver metrics",
                      at,
                      runSeconds,
                      (long) metric(body, "vmwatch_archiver_rollup_last_run_rows_read"),
                      server - serverAtLastRun,
                      seenNanos - (long) ((runSeconds + 1.25) * 1e9),
                      seenNanos));
            }
            serverAtLastRun = server;
          }
          lastRuns = runsTotal;
          continue;
        }
        // An archiver without rollup metrics: its rollup statements in the process list bound a
        // run.
        boolean running =
            scalar(
                    c,
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                        + " WHERE INFO LIKE 'INSERT INTO samples_5m%'")
                > 0;
        if (running && !inRun) {
          inRun = true;
          runStart = at;
          runStartNanos = System.nanoTime() - 250_000_000L;
          serverAtRunStart = server;
        }
        if (running) {
          lastSeenRunning = System.nanoTime();
        } else if (inRun && System.nanoTime() - lastSeenRunning > 5_000_000_000L) {
          inRun = false;
          synchronized (runs) {
            runs.add(
                new RollupRun(
                    "process list",
                    runStart,
                    at - 5 - runStart,
                    -1,
                    server - serverAtRunStart,
                    runStartNanos,
                    lastSeenRunning + 250_000_000L));
          }
        }
      }
      if (inRun) {
        double at = (System.nanoTime() - start) / 1e9;
        synchronized (runs) {
          runs.add(
              new RollupRun(
                  "process list, still running at the end",
                  runStart,
                  at - runStart,
                  -1,
                  rowsRead(c) - serverAtRunStart,
                  runStartNanos,
                  System.nanoTime()));
        }
      }
    } catch (Exception e) {
      System.err.println("monitor failed: " + e);
    }
  }
}
