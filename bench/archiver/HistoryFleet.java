import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteEncoder;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import io.vmwatch.archiver.maintenance.PartitionMaintenance;
import io.vmwatch.archiver.storage.Database;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * DAYS of CPU history of a few VMs, for {@code bench/archiver/history-query}: the exporter's {@code
 * vmwatch_cpu_seconds_total} by cpu and mode (2 vCPUs, 8 modes), scraped every 15 s up to a minute
 * before now. Each round every CPU spends its 15 s (1,500 ticks of USER_HZ) among the modes, busy
 * by a daily curve of its VM plus noise, so the counters advance as the kernel's do and the
 * utilisation lies in [0, 1]. Each CPU's values come from its own seeded generator, so the archiver
 * (remote write, in time order, as a Prometheus catching up sends) and the OpenMetrics file (series
 * after series in files of 2 hours, for {@code promtool tsdb create-blocks-from openmetrics}) get
 * identical samples.
 *
 * <p>usage: {@code HistoryFleet partitions JDBC_URL USER START_MS DAYS RAW_RETENTION_DAYS
 * ROLLUP_RETENTION_DAYS} creates the archiver's daily partitions from START_MS's day on, with the
 * archiver's own migrations and {@link PartitionMaintenance} (password in $VMWATCH_DB_PASSWORD);
 * run it before the archiver starts (its job only splits partitions off {@code pmax}, from today
 * on). {@code HistoryFleet write WRITE_URL OPENMETRICS_DIR VMS DAYS START_MS} writes the samples.
 */
public final class HistoryFleet {
  private static final long SCRAPE_MS = 15_000L;
  private static final long DAY_MS = 86_400_000L;
  private static final long BLOCK_MS = 7_200_000L;
  private static final int TICKS_PER_ROUND = 1500;
  private static final int CPUS = 2;
  private static final int SAMPLES_PER_REQUEST = 2000;
  private static final int IN_FLIGHT = 2;
  private static final String METRIC = "vmwatch_cpu_seconds_total";
  private static final String[] MODES = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"
  };
  private static final int IDLE = 3;

  /** One CPU of one VM: its eight counters in ticks, advanced round by round. */
  private static final class Cpu {
    private final SplittableRandom random;
    private final double baseBusy;
    private final double phase;
    private final long[] ticks = new long[MODES.length];

    Cpu(int vm, int cpu) {
      long seed = (vm * 64L + cpu + 1) * 0x9E3779B97F4A7C15L;
      this.random = new SplittableRandom(seed);
      this.baseBusy = 0.15 + 0.1 * (vm % 4) + 0.05 * cpu;
      this.phase = random.nextDouble() * 2 * Math.PI;
      for (int m = 0; m < MODES.length; m++) {
        ticks[m] = random.nextLong(m == IDLE ? 50_000_000L : 5_000_000L);
      }
    }

    /** Spends one round's ticks among the modes at time {@code ts}. */
    void advance(long ts) {
      double daily = Math.sin(2 * Math.PI * (ts % DAY_MS) / DAY_MS + phase);
      double busy =
          Math.min(0.97, Math.max(0.01, baseBusy + 0.15 * daily + 0.05 * random.nextGaussian()));
      long busyTicks = Math.round(busy * TICKS_PER_ROUND);
      long iowait = random.nextInt(31);
      long steal = random.nextInt(8);
      long system = Math.round(busyTicks * (0.15 + 0.1 * random.nextDouble()));
      long softirq = Math.round(busyTicks * 0.03 * random.nextDouble());
      long irq = Math.round(busyTicks * 0.01 * random.nextDouble());
      long nice = random.nextInt(3);
      long user = Math.max(0, busyTicks - system - softirq - irq - nice);
      long idle =
          Math.max(0, TICKS_PER_ROUND - user - nice - system - iowait - irq - softirq - steal);
      long[] spent = {user, nice, system, idle, iowait, irq, softirq, steal};
      for (int m = 0; m < MODES.length; m++) {
        ticks[m] += spent[m];
      }
    }

    /** The counter of mode {@code m} in seconds, as the exporter reports it (ticks / USER_HZ). */
    double seconds(int m) {
      return ticks[m] / 100.0;
    }
  }

  private final int vms;
  private final int rounds;
  private final long startMs;

  private HistoryFleet(int vms, int days, long startMs) {
    this.vms = vms;
    this.rounds = days * (int) (DAY_MS / SCRAPE_MS);
    this.startMs = startMs;
  }

  static String instance(int vm) {
    return "vm-" + vm + ".europe-west1-b.c.fleet.internal:9717";
  }

  /** One scrape timestamp for all of a VM's samples in a round, a fixed offset under a second. */
  private long timestamp(int vm, int round) {
    return startMs + round * SCRAPE_MS + (vm * 137L) % 1000;
  }

  private static List<Label> labels(int vm, int cpu, int mode) {
    return List.of(
        new Label("__name__", METRIC),
        new Label("cpu", Integer.toString(cpu)),
        new Label("instance", instance(vm)),
        new Label("job", "vmwatch"),
        new Label("mode", MODES[mode]));
  }

  private long samples() {
    return (long) vms * CPUS * MODES.length * rounds;
  }

  private static void log(String format, Object... args) {
    String time = Instant.now().toString().substring(11, 19);
    System.out.println(time + " " + String.format(Locale.ROOT, format, args));
    System.out.flush();
  }

  /**
   * One OpenMetrics file per 2-hour block of Prometheus' TSDB (UTC-aligned, as promtool cuts them),
   * series after series inside each (one family, each series' samples in time order): promtool 2.42
   * parses its whole input once for every block it makes, so one file of 30 days would be read 360
   * times. Returns the number of files.
   */
  private int writeOpenMetrics(Path directory) throws IOException {
    Files.createDirectories(directory);
    List<Cpu> cpus = new ArrayList<>();
    List<List<String>> prefixes = new ArrayList<>();
    for (int vm = 0; vm < vms; vm++) {
      for (int cpu = 0; cpu < CPUS; cpu++) {
        cpus.add(new Cpu(vm, cpu));
        List<String> modes = new ArrayList<>();
        for (String mode : MODES) {
          modes.add(
              METRIC
                  + "{cpu=\""
                  + cpu
                  + "\",instance=\""
                  + instance(vm)
                  + "\",job=\"vmwatch\",mode=\""
                  + mode
                  + "\"} ");
        }
        prefixes.add(modes);
      }
    }
    long nextReport = System.nanoTime() + 15_000_000_000L;
    StringBuilder line = new StringBuilder(160);
    int files = 0;
    int round = 0;
    while (round < rounds) {
      long blockEnd = (timestamp(0, round) / BLOCK_MS + 1) * BLOCK_MS;
      int first = round;
      while (round < rounds && timestamp(0, round) < blockEnd) {
        round++;
      }
      int n = round - first;
      long[][] timestamps = new long[cpus.size()][n];
      double[][][] values = new double[cpus.size()][MODES.length][n];
      for (int r = 0; r < n; r++) {
        for (int c = 0; c < cpus.size(); c++) {
          long ts = timestamp(c / CPUS, first + r);
          cpus.get(c).advance(ts);
          timestamps[c][r] = ts;
          for (int m = 0; m < MODES.length; m++) {
            values[c][m][r] = cpus.get(c).seconds(m);
          }
        }
      }
      Path file = directory.resolve(String.format(Locale.ROOT, "block-%05d.om", files++));
      try (Writer out =
          new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 20)) {
        out.write("# TYPE " + METRIC + " unknown\n");
        for (int c = 0; c < cpus.size(); c++) {
          for (int m = 0; m < MODES.length; m++) {
            for (int r = 0; r < n; r++) {
              long ts = timestamps[c][r];
              long millis = ts % 1000;
              line.setLength(0);
              line.append(prefixes.get(c).get(m))
                  .append(values[c][m][r])
                  .append(' ')
                  .append(ts / 1000)
                  .append(millis < 10 ? ".00" : millis < 100 ? ".0" : ".")
                  .append(millis)
                  .append('\n');
              out.append(line);
            }
          }
        }
        out.write("# EOF\n");
      }
      if (System.nanoTime() >= nextReport) {
        log("OpenMetrics files: %d of about %d", files, rounds * SCRAPE_MS / BLOCK_MS + 1);
        nextReport = System.nanoTime() + 15_000_000_000L;
      }
    }
    return files;
  }

  /**
   * Round after round, about 2,000 samples a request: every series with the same run of rounds (one
   * round a request from 2,000 series on), its samples in one entry, as a Prometheus catching up
   * sends a series' consecutive samples.
   */
  private void writeRemote(String writeUrl) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    ExecutorService senders = Executors.newFixedThreadPool(IN_FLIGHT);
    Semaphore slots = new Semaphore(IN_FLIGHT * 2);
    List<Future<?>> pending = new ArrayList<>();
    List<Cpu> cpus = new ArrayList<>();
    List<List<List<Label>>> labels = new ArrayList<>();
    for (int vm = 0; vm < vms; vm++) {
      for (int cpu = 0; cpu < CPUS; cpu++) {
        cpus.add(new Cpu(vm, cpu));
        List<List<Label>> modes = new ArrayList<>();
        for (int m = 0; m < MODES.length; m++) {
          modes.add(labels(vm, cpu, m));
        }
        labels.add(modes);
      }
    }
    int roundsPerRequest = Math.max(1, SAMPLES_PER_REQUEST / (cpus.size() * MODES.length));
    long sent = 0;
    long began = System.nanoTime();
    long nextReport = began + 15_000_000_000L;
    try {
      for (int first = 0; first < rounds; first += roundsPerRequest) {
        int n = Math.min(roundsPerRequest, rounds - first);
        long[][] timestamps = new long[cpus.size()][n];
        double[][][] values = new double[cpus.size()][MODES.length][n];
        for (int r = 0; r < n; r++) {
          for (int c = 0; c < cpus.size(); c++) {
            long ts = timestamp(c / CPUS, first + r);
            cpus.get(c).advance(ts);
            timestamps[c][r] = ts;
            for (int m = 0; m < MODES.length; m++) {
              values[c][m][r] = cpus.get(c).seconds(m);
            }
          }
        }
        List<TimeSeries> batch = new ArrayList<>(cpus.size() * MODES.length);
        for (int c = 0; c < cpus.size(); c++) {
          for (int m = 0; m < MODES.length; m++) {
            batch.add(new TimeSeries(labels.get(c).get(m), timestamps[c], values[c][m], 0));
          }
        }
        byte[] body = RemoteWriteEncoder.snappy(new WriteRequest(batch));
        sent += (long) n * batch.size();
        slots.acquire();
        pending.add(
            senders.submit(
                () -> {
                  try {
                    post(http, writeUrl, body);
                  } finally {
                    slots.release();
                  }
                  return null;
                }));
        if (pending.size() > 64) {
          for (Future<?> f : pending) {
            f.get();
          }
          pending.clear();
        }
        if (System.nanoTime() >= nextReport) {
          double seconds = (System.nanoTime() - began) / 1e9;
          int done = first + n;
          log(
              "remote write: day %d of %d, %,d samples sent (%,.0f a second, about %.0f s left)",
              (done - 1) / (DAY_MS / SCRAPE_MS) + 1,
              rounds / (DAY_MS / SCRAPE_MS),
              sent,
              sent / seconds,
              seconds * (rounds - done) / done);
          nextReport = System.nanoTime() + 15_000_000_000L;
        }
      }
      for (Future<?> f : pending) {
        f.get();
      }
    } finally {
      senders.shutdownNow();
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    log("remote write: %,d samples in %.0f s (%,.0f a second)", sent, seconds, sent / seconds);
  }

  private static void post(HttpClient http, String url, byte[] body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/x-protobuf")
            .header("Content-Encoding", "snappy")
            .header("X-Prometheus-Remote-Write-Version", "0.1.0")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 204) {
      throw new IllegalStateException(
          url + " answered " + response.statusCode() + ": " + response.body());
    }
  }

  private static void partitions(String[] args) {
    String password = System.getenv("VMWATCH_DB_PASSWORD");
    if (password == null || password.isEmpty()) {
      throw new IllegalStateException("VMWATCH_DB_PASSWORD is not set");
    }
    Instant first = Instant.ofEpochMilli(Long.parseLong(args[3]));
    int days = Integer.parseInt(args[4]);
    try (Database database = new Database(args[1], args[2], password, 2)) {
      if (!database.migrate()) {
        throw new IllegalStateException("the archiver's migrations failed");
      }
      String[] tables = {"samples", "samples_5m"};
      long[] retentionDays = {Long.parseLong(args[5]), Long.parseLong(args[6])};
      for (int t = 0; t < tables.length; t++) {
        PartitionMaintenance.Result result =
            new PartitionMaintenance(
                    database.jdbi(), tables[t], retentionDays[t] * DAY_MS, days + 3)
                .run(first);
        log(
            "%s: %d daily partitions created (%s to %s)",
            tables[t],
            result.created().size(),
            result.created().get(0),
            result.created().get(result.created().size() - 1));
      }
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 7 && args[0].equals("partitions")) {
      partitions(args);
      return;
    }
    if (args.length != 6 || !args[0].equals("write")) {
      System.err.println(
          "usage: HistoryFleet partitions JDBC_URL USER START_MS DAYS RAW_DAYS ROLLUP_DAYS\n"
              + "       HistoryFleet write WRITE_URL OPENMETRICS_DIR VMS DAYS START_MS");
      System.exit(2);
    }
    int vms = Integer.parseInt(args[3]);
    int days = Integer.parseInt(args[4]);
    HistoryFleet fleet = new HistoryFleet(vms, days, Long.parseLong(args[5]));
    log(
        "fleet: %d VMs of %d vCPUs, %d series of %s, %d days at 15 s: %,d samples",
        vms, CPUS, vms * CPUS * MODES.length, METRIC, days, fleet.samples());
    int files = fleet.writeOpenMetrics(Path.of(args[2]));
    log("OpenMetrics: %d files written, one per 2-hour block", files);
    fleet.writeRemote(args[1]);
    System.out.println("SAMPLES " + fleet.samples());
    System.out.println("SERIES " + vms * CPUS * MODES.length);
  }
}
