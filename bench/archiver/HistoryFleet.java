import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteEncoder;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import io.vmwatch.archiver.maintenance.PartitionMaintenance;
import io.vmwatch.archiver.storage.Database;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
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
 * before now, and the recording rule {@code instance:vmwatch_cpu_utilisation:ratio} of each VM as
 * Prometheus remote-writes it (evaluated every 15 s, 5 s after the scrapes, from the counters by
 * Prometheus 2.42's rate(): see {@code Cpu.rate}). Each round every CPU spends its 15 s (1,500
 * ticks of USER_HZ) among the modes, busy by a daily curve of its VM plus noise, so the counters
 * advance as the kernel's do and the utilisation lies in [0, 1]. Each CPU's values come from its
 * own seeded generator, so the archiver (remote write, in time order, as a Prometheus catching up
 * sends) and the OpenMetrics file (series after series in files of 2 hours, for {@code promtool
 * tsdb create-blocks-from openmetrics}) get identical samples.
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
  private static final String RULE = "instance:vmwatch_cpu_utilisation:ratio";

  /**
   * The recording rule's evaluation: every 15 s (prometheus.yml.tmpl's evaluation_interval), 5 s
   * after a round's scrapes (whose offsets are under a second), so no scrape falls on a window's
   * edge; the rule's rate window (prometheus/rules/vmwatch-recording.yml) then holds 8 scrapes.
   */
  private static final long RULE_OFFSET_MS = 5_000L;

  private static final long RULE_WINDOW_MS = 120_000L;
  private static final int WINDOW_ROUNDS = (int) (RULE_WINDOW_MS / SCRAPE_MS);
  private static final String[] MODES = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"
  };
  private static final int IDLE = 3;

  /** The modes in the order of their series' label sets, as PromQL's sum adds them up. */
  private static final int[] MODES_BY_LABEL = {3, 4, 5, 1, 6, 7, 2, 0};

  /** idle, iowait and steal: the rule's numerator. */
  private static boolean notBusy(int mode) {
    return mode == 3 || mode == 4 || mode == 7;
  }

  /** One CPU of one VM: its eight counters in ticks, advanced round by round. */
  private static final class Cpu {
    private final SplittableRandom random;
    private final double baseBusy;
    private final double phase;
    private final long[] ticks = new long[MODES.length];
    // The last WINDOW_ROUNDS + 1 rounds' timestamps and values, for the recording rule.
    private final long[] recentTs = new long[WINDOW_ROUNDS + 1];
    private final double[][] recentSeconds = new double[WINDOW_ROUNDS + 1][MODES.length];
    private int advanced;

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
      int slot = advanced++ % recentTs.length;
      recentTs[slot] = ts;
      for (int m = 0; m < MODES.length; m++) {
        ticks[m] += spent[m];
        recentSeconds[slot][m] = seconds(m);
      }
    }

    /**
     * PromQL's rate(counter[2m]) at {@code evalTs} of mode {@code m}, as Prometheus 2.42 computes
     * it (extrapolatedRate): the samples in [evalTs - 2m, evalTs], the increase extrapolated to the
     * window's edges (at most 1.1 average intervals, not below zero), divided by the window.
     */
    double rate(int m, long evalTs) {
      long rangeStart = evalTs - RULE_WINDOW_MS;
      int first = -1;
      int last = -1;
      for (int r = Math.max(0, advanced - recentTs.length); r < advanced; r++) {
        long ts = recentTs[r % recentTs.length];
        if (ts >= rangeStart && ts <= evalTs) {
          if (first < 0) {
            first = r;
          }
          last = r;
        }
      }
      if (first < 0 || last == first) {
        throw new IllegalStateException("fewer than 2 samples in the rule's window at " + evalTs);
      }
      double firstValue = recentSeconds[first % recentTs.length][m];
      long firstTs = recentTs[first % recentTs.length];
      long lastTs = recentTs[last % recentTs.length];
      double result = recentSeconds[last % recentTs.length][m] - firstValue;
      double durationToStart = (firstTs - rangeStart) / 1000.0;
      double durationToEnd = (evalTs - lastTs) / 1000.0;
      double sampledInterval = (lastTs - firstTs) / 1000.0;
      double averageInterval = sampledInterval / (last - first);
      if (result > 0 && firstValue >= 0) {
        double durationToZero = sampledInterval * (firstValue / result);
        if (durationToZero < durationToStart) {
          durationToStart = durationToZero;
        }
      }
      double threshold = averageInterval * 1.1;
      double extrapolateTo = sampledInterval;
      extrapolateTo += durationToStart < threshold ? durationToStart : averageInterval / 2;
      extrapolateTo += durationToEnd < threshold ? durationToEnd : averageInterval / 2;
      result = result * (extrapolateTo / sampledInterval);
      return result / (RULE_WINDOW_MS / 1000.0);
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

  /** The rule's evaluation time after round {@code round}'s scrapes. */
  private long ruleTimestamp(int round) {
    return startMs + round * SCRAPE_MS + RULE_OFFSET_MS;
  }

  /**
   * instance:vmwatch_cpu_utilisation:ratio of the VM whose CPUs are {@code cpus} at {@code evalTs}:
   * 1 - sum of the idle, iowait and steal rates / sum of all rates, each sum taken in the order of
   * the series' label sets (cpu, then mode), as the rule's sum without (cpu, mode) adds them up.
   */
  private static double utilisation(List<Cpu> cpus, long evalTs) {
    double notBusy = 0;
    double all = 0;
    for (Cpu cpu : cpus) {
      for (int m : MODES_BY_LABEL) {
        double rate = cpu.rate(m, evalTs);
        if (notBusy(m)) {
          notBusy += rate;
        }
        all += rate;
      }
    }
    return 1 - notBusy / all;
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
    return (long) vms * CPUS * MODES.length * rounds + (long) vms * (rounds - 1);
  }

  private static List<Label> ruleLabels(int vm) {
    return List.of(
        new Label("__name__", RULE),
        new Label("instance", instance(vm)),
        new Label("job", "vmwatch"));
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
      double[][] rule = new double[vms][n];
      for (int r = 0; r < n; r++) {
        advanceRound(cpus, first + r, timestamps, values, r);
        for (int vm = 0; vm < vms && first + r > 0; vm++) {
          rule[vm][r] =
              utilisation(cpus.subList(vm * CPUS, vm * CPUS + CPUS), ruleTimestamp(first + r));
        }
      }
      Path file = directory.resolve(String.format(Locale.ROOT, "block-%05d.om", files++));
      try (Writer out =
          new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 20)) {
        out.write("# TYPE " + METRIC + " unknown\n");
        for (int c = 0; c < cpus.size(); c++) {
          for (int m = 0; m < MODES.length; m++) {
            for (int r = 0; r < n; r++) {
              line.setLength(0);
              line.append(prefixes.get(c).get(m));
              out.append(valueAndTime(line, values[c][m][r], timestamps[c][r]));
            }
          }
        }
        out.write("# TYPE " + RULE + " gauge\n");
        for (int vm = 0; vm < vms; vm++) {
          for (int r = first == 0 ? 1 : 0; r < n; r++) {
            line.setLength(0);
            line.append(RULE)
                .append("{instance=\"")
                .append(instance(vm))
                .append("\",job=\"vmwatch\"} ");
            out.append(valueAndTime(line, rule[vm][r], ruleTimestamp(first + r)));
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
        int skip = first == 0 ? 1 : 0; // the rule needs two scrapes
        long[] ruleTimestamps = new long[n - skip];
        double[][] rule = new double[vms][n - skip];
        for (int r = 0; r < n; r++) {
          advanceRound(cpus, first + r, timestamps, values, r);
          if (r >= skip) {
            ruleTimestamps[r - skip] = ruleTimestamp(first + r);
            for (int vm = 0; vm < vms; vm++) {
              rule[vm][r - skip] =
                  utilisation(cpus.subList(vm * CPUS, vm * CPUS + CPUS), ruleTimestamps[r - skip]);
            }
          }
        }
        List<TimeSeries> batch = new ArrayList<>(cpus.size() * MODES.length + vms);
        for (int c = 0; c < cpus.size(); c++) {
          for (int m = 0; m < MODES.length; m++) {
            batch.add(new TimeSeries(labels.get(c).get(m), timestamps[c], values[c][m], 0));
          }
        }
        for (int vm = 0; vm < vms && ruleTimestamps.length > 0; vm++) {
          batch.add(new TimeSeries(ruleLabels(vm), ruleTimestamps, rule[vm], 0));
        }
        byte[] body = RemoteWriteEncoder.snappy(new WriteRequest(batch));
        sent += (long) n * cpus.size() * MODES.length + (long) vms * ruleTimestamps.length;
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

  /** Every CPU through round {@code round}, its timestamps and counters into column {@code r}. */
  private void advanceRound(
      List<Cpu> cpus, int round, long[][] timestamps, double[][][] values, int r) {
    for (int c = 0; c < cpus.size(); c++) {
      long ts = timestamp(c / CPUS, round);
      cpus.get(c).advance(ts);
      timestamps[c][r] = ts;
      for (int m = 0; m < MODES.length; m++) {
        values[c][m][r] = cpus.get(c).seconds(m);
      }
    }
  }

  private static void post(HttpClient http, String url, byte[] body) throws Exception {
    HttpRequest request = RemoteWriteEncoder.post(url, body, Duration.ofSeconds(60)).build();
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
      String[] tables = {"samples", "samples_5m", "sample_chunks"};
      long[] retentionDays = {
        Long.parseLong(args[5]), Long.parseLong(args[6]), Long.parseLong(args[5])
      };
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
        "fleet: %d VMs of %d vCPUs, %d series of %s and %d of %s, %d days at 15 s: %,d samples",
        vms, CPUS, vms * CPUS * MODES.length, METRIC, vms, RULE, days, fleet.samples());
    int files = fleet.writeOpenMetrics(Path.of(args[2]));
    log("OpenMetrics: %d files written, one per 2-hour block", files);
    fleet.writeRemote(args[1]);
    System.out.println("SAMPLES " + fleet.samples());
    System.out.println("SERIES " + (vms * CPUS * MODES.length + vms));
  }

  /** The line with the sample's value and its timestamp (seconds, three decimals) and newline. */
  private static StringBuilder valueAndTime(StringBuilder line, double value, long timestampMs) {
    long millis = timestampMs % 1000;
    return line.append(value)
        .append(' ')
        .append(timestampMs / 1000)
        .append(millis < 10 ? ".00" : millis < 100 ? ".0" : ".")
        .append(millis)
        .append('\n');
  }
}
