import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteEncoder;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The same samples for three stores: the archiver (remote write), VictoriaMetrics (its Prometheus
 * text import, with timestamps) and an OpenMetrics file for {@code promtool tsdb
 * create-blocks-from}.
 *
 * <p>The fleet: VMS VMs scraped every 15 s for HOURS hours up to now, with the series the exporter
 * exports on a 2-vCPU VM and what Prometheus adds: CPU counters by cpu and mode that advance in
 * centiseconds (USER_HZ), memory gauges that move by pages, process counts by state, 14 top
 * processes with their info, RSS, CPU, threads and start time, one of which is replaced by a new
 * pid every minute (pid churn: new series), the collectors' success and duration, {@code up} and
 * the scrape series, and the two recording rules. Each series' values come from its own seeded
 * generator, so every store gets exactly the same samples in whatever order it is written.
 *
 * <p>usage: ArchiveSize WRITE_URL VM_IMPORT_URL OPENMETRICS_FILE VMS HOURS [END_MS] (the samples
 * end a minute before END_MS, by default now)
 */
public final class ArchiveSize {
  private static final long SCRAPE_MS = 15_000L;
  private static final int ROUNDS_PER_MINUTE = 4;
  private static final int TOP_PROCESSES = 14;
  private static final int SAMPLES_PER_REQUEST = 2000;

  /** How a series' value moves from one scrape to the next. */
  private enum Kind {
    COUNTER_CENTISECONDS,
    GAUGE_PAGES,
    SMALL_COUNT,
    CONSTANT,
    NOISE,
    RATIO
  }

  /** One series: labels, when it exists (rounds [from, to)), how its value moves and its seed. */
  private record Series(List<Label> labels, int from, int to, Kind kind, double scale, long seed) {
    String family() {
      return labels.get(0).value();
    }
  }

  /** The values of one series, round after round, from its own generator. */
  private static final class Values {
    private final Series series;
    private final SplittableRandom random;
    private double value;

    Values(Series series) {
      this.series = series;
      this.random = new SplittableRandom(series.seed());
      this.value =
          switch (series.kind()) {
            case COUNTER_CENTISECONDS -> Math.floor(random.nextDouble() * 100_000) / 100;
            case GAUGE_PAGES ->
                Math.floor(series.scale() * (0.3 + 0.4 * random.nextDouble()) / 4096) * 4096;
            default -> series.scale();
          };
    }

    double next() {
      switch (series.kind()) {
        case COUNTER_CENTISECONDS ->
            value +=
                Math.max(0, Math.round(series.scale() * 1500 * (0.5 + random.nextDouble())))
                    / 100.0;
        case GAUGE_PAGES -> value = Math.max(4096, value + 4096 * (random.nextInt(201) - 100));
        case SMALL_COUNT -> value = Math.max(0, series.scale() + random.nextInt(5) - 2);
        case NOISE -> value = series.scale() * (0.5 + random.nextDouble());
        case RATIO -> value = Math.min(1, Math.max(0, 0.3 + 0.2 * random.nextGaussian()));
        case CONSTANT -> {}
      }
      return value;
    }
  }

  private final List<Series> series = new ArrayList<>();
  private final int rounds;

  private ArchiveSize(int vms, int hours) {
    this.rounds = hours * 60 * ROUNDS_PER_MINUTE;
    String[] modes = {"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"};
    double[] modeRates = {0.20, 0.001, 0.05, 0.70, 0.02, 0.001, 0.01, 0.005};
    String[] states = {"R", "S", "D", "Z", "T", "t", "X", "I", "P"};
    String[] names = {
      "java", "postgres: writer", "systemd-journald", "nginx: worker", "sshd", "containerd"
    };
    long seed = 1;
    for (int vm = 0; vm < vms; vm++) {
      String instance = "vm-" + vm + ".europe-west1-b.c.fleet.internal:9717";
      for (int cpu = 0; cpu < 2; cpu++) {
        for (int m = 0; m < modes.length; m++) {
          add(
              Kind.COUNTER_CENTISECONDS,
              modeRates[m],
              seed++,
              0,
              rounds,
              "vmwatch_cpu_seconds_total",
              instance,
              "cpu",
              Integer.toString(cpu),
              "mode",
              modes[m]);
        }
      }
      add(
          Kind.CONSTANT,
          8_589_934_592.0,
          seed++,
          0,
          rounds,
          "vmwatch_memory_total_bytes",
          instance);
      for (String m : new String[] {"free", "available", "cached", "buffers"}) {
        add(
            Kind.GAUGE_PAGES,
            8_589_934_592.0,
            seed++,
            0,
            rounds,
            "vmwatch_memory_" + m + "_bytes",
            instance);
      }
      add(Kind.CONSTANT, 0, seed++, 0, rounds, "vmwatch_memory_swap_total_bytes", instance);
      add(Kind.CONSTANT, 0, seed++, 0, rounds, "vmwatch_memory_swap_free_bytes", instance);
      for (String state : states) {
        add(
            state.equals("S") ? Kind.SMALL_COUNT : Kind.CONSTANT,
            state.equals("S") ? 120 : 0,
            seed++,
            0,
            rounds,
            "vmwatch_processes",
            instance,
            "state",
            state);
      }
      // Top processes: slot k's process is replaced every TOP_PROCESSES minutes, one slot a minute.
      int minutes = rounds / ROUNDS_PER_MINUTE;
      int pid = 1000;
      for (int slot = 0; slot < TOP_PROCESSES; slot++) {
        for (int born = slot - TOP_PROCESSES; born < minutes; born += TOP_PROCESSES) {
          int from = Math.max(0, born * ROUNDS_PER_MINUTE);
          int to = Math.min(rounds, (born + TOP_PROCESSES) * ROUNDS_PER_MINUTE);
          if (from >= to) {
            continue;
          }
          String p = Integer.toString(pid++);
          String name = names[(slot + born + TOP_PROCESSES) % names.length];
          add(
              Kind.CONSTANT,
              1,
              seed++,
              from,
              to,
              "vmwatch_process_info",
              instance,
              "pid",
              p,
              "ppid",
              "1",
              "name",
              name,
              "user",
              "root",
              "state",
              "S");
          add(
              Kind.GAUGE_PAGES,
              536_870_912.0,
              seed++,
              from,
              to,
              "vmwatch_process_resident_memory_bytes",
              instance,
              "pid",
              p,
              "name",
              name);
          add(
              Kind.COUNTER_CENTISECONDS,
              0.05,
              seed++,
              from,
              to,
              "vmwatch_process_cpu_seconds_total",
              instance,
              "pid",
              p,
              "name",
              name);
          add(
              Kind.CONSTANT,
              1 + slot % 8,
              seed++,
              from,
              to,
              "vmwatch_process_threads",
              instance,
              "pid",
              p,
              "name",
              name);
          add(
              Kind.CONSTANT,
              1_764_000_000 + pid,
              seed++,
              from,
              to,
              "vmwatch_process_start_time_seconds",
              instance,
              "pid",
              p,
              "name",
              name);
        }
      }
      for (String collector : new String[] {"cpu", "memory", "processes"}) {
        add(
            Kind.CONSTANT,
            1,
            seed++,
            0,
            rounds,
            "vmwatch_scrape_collector_success",
            instance,
            "collector",
            collector);
        add(
            Kind.NOISE,
            0.002,
            seed++,
            0,
            rounds,
            "vmwatch_scrape_collector_duration_seconds",
            instance,
            "collector",
            collector);
        add(
            Kind.CONSTANT,
            1,
            seed++,
            0,
            rounds,
            "vmwatch_collector_source_info",
            instance,
            "collector",
            collector,
            "source",
            "module");
      }
      add(Kind.CONSTANT, 21, seed++, 0, rounds, "vmwatch_threads", instance);
      add(
          Kind.CONSTANT,
          1,
          seed++,
          0,
          rounds,
          "vmwatch_exporter_build_info",
          instance,
          "version",
          "0.1.0");
      add(Kind.CONSTANT, 1, seed++, 0, rounds, "up", instance);
      add(Kind.NOISE, 0.006, seed++, 0, rounds, "scrape_duration_seconds", instance);
      add(Kind.CONSTANT, 113, seed++, 0, rounds, "scrape_samples_scraped", instance);
      add(Kind.CONSTANT, 113, seed++, 0, rounds, "scrape_samples_post_metric_relabeling", instance);
      add(Kind.CONSTANT, 0, seed++, 0, rounds, "scrape_series_added", instance);
      add(Kind.RATIO, 0, seed++, 0, rounds, "instance:vmwatch_cpu_utilisation:ratio", instance);
      add(Kind.RATIO, 0, seed++, 0, rounds, "instance:vmwatch_memory_utilisation:ratio", instance);
    }
  }

  private void add(
      Kind kind,
      double scale,
      long seed,
      int from,
      int to,
      String name,
      String instance,
      String... pairs) {
    List<Label> labels = new ArrayList<>();
    labels.add(new Label("__name__", name));
    labels.add(new Label("instance", instance));
    labels.add(new Label("job", "vmwatch"));
    for (int i = 0; i < pairs.length; i += 2) {
      labels.add(new Label(pairs[i], pairs[i + 1]));
    }
    labels.sort((a, b) -> a.name().compareTo(b.name()));
    series.add(new Series(List.copyOf(labels), from, to, kind, scale, seed * 0x9E3779B97F4A7C15L));
  }

  /**
   * Sample timestamps: the round's time plus a fixed per-series offset under a second (scrape
   * offsets).
   */
  private static long timestamp(long start, int round, Series s) {
    return start + round * SCRAPE_MS + Math.floorMod(s.seed(), 1000);
  }

  private long samples() {
    long n = 0;
    for (Series s : series) {
      n += s.to() - s.from();
    }
    return n;
  }

  private static void log(String format, Object... args) {
    System.out.printf(
        Locale.ROOT,
        "%s " + format + "%n",
        concat(java.time.Instant.now().toString().substring(11, 19), args));
  }

  private static Object[] concat(Object first, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  /** Round after round: to the archiver by remote write and to VictoriaMetrics by text import. */
  private void writeRoundByRound(long start, String writeUrl, String importUrl) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<Values> values = new ArrayList<>(series.size());
    for (Series s : series) {
      values.add(new Values(s));
    }
    List<TimeSeries> batch = new ArrayList<>(SAMPLES_PER_REQUEST);
    StringBuilder text = new StringBuilder(1 << 22);
    long sent = 0;
    long nextReport = System.nanoTime();
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < series.size(); i++) {
        Series s = series.get(i);
        if (round < s.from() || round >= s.to()) {
          continue;
        }
        double value = values.get(i).next();
        long ts = timestamp(start, round, s);
        batch.add(new TimeSeries(s.labels(), new long[] {ts}, new double[] {value}, 0));
        appendText(text, s, value, ts);
        if (batch.size() == SAMPLES_PER_REQUEST) {
          post(http, writeUrl, RemoteWriteEncoder.snappy(new WriteRequest(batch)), 204);
          sent += batch.size();
          batch.clear();
        }
      }
      if (text.length() > (1 << 22) - 65536 || round == rounds - 1) {
        post(http, importUrl, text.toString().getBytes(StandardCharsets.UTF_8), 204);
        text.setLength(0);
      }
      if (System.nanoTime() >= nextReport) {
        log(
            "writing: round %,d of %,d (%.0f%%), %,d samples sent to the archiver",
            round + 1, rounds, 100.0 * (round + 1) / rounds, sent);
        nextReport = System.nanoTime() + 15_000_000_000L;
      }
    }
    if (!batch.isEmpty()) {
      post(http, writeUrl, RemoteWriteEncoder.snappy(new WriteRequest(batch)), 204);
      sent += batch.size();
    }
    log("sent %,d samples to the archiver and to VictoriaMetrics", sent);
  }

  /**
   * Series after series (samples of a family together, as OpenMetrics requires), time ascending.
   */
  private void writeOpenMetrics(long start, Path file) throws IOException {
    List<Series> byFamily = new ArrayList<>(series);
    byFamily.sort((a, b) -> a.family().compareTo(b.family()));
    try (Writer out =
        new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 20)) {
      String family = null;
      StringBuilder line = new StringBuilder(256);
      for (Series s : byFamily) {
        if (!s.family().equals(family)) {
          family = s.family();
          out.write("# TYPE " + family + " unknown\n");
        }
        Values values = new Values(s);
        for (int round = s.from(); round < s.to(); round++) {
          line.setLength(0);
          labelsText(line, s);
          long ts = timestamp(start, round, s);
          line.append(' ')
              .append(number(values.next()))
              .append(' ')
              .append(ts / 1000)
              .append('.')
              .append(String.format(Locale.ROOT, "%03d", ts % 1000))
              .append('\n');
          out.write(line.toString());
        }
      }
      out.write("# EOF\n");
    }
  }

  private static void appendText(StringBuilder text, Series s, double value, long ts) {
    labelsText(text, s);
    text.append(' ').append(number(value)).append(' ').append(ts).append('\n');
  }

  private static void labelsText(StringBuilder text, Series s) {
    text.append(s.family()).append('{');
    boolean first = true;
    for (Label label : s.labels()) {
      if (label.name().equals("__name__")) {
        continue;
      }
      text.append(first ? "" : ",")
          .append(label.name())
          .append("=\"")
          .append(label.value())
          .append('"');
      first = false;
    }
    text.append('}');
  }

  /** Shortest text that reads back as the same double. */
  private static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value)
        : Double.toString(value);
  }

  private static void post(HttpClient http, String url, byte[] body, int expected)
      throws Exception {
    HttpRequest.Builder request =
        url.endsWith("/api/v1/write")
            ? RemoteWriteEncoder.post(url, body, Duration.ofSeconds(60))
            : HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != expected) {
      throw new IllegalStateException(
          url + " answered " + response.statusCode() + ": " + response.body());
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 5 && args.length != 6) {
      System.err.println(
          "usage: ArchiveSize WRITE_URL VM_IMPORT_URL OPENMETRICS_FILE VMS HOURS [END_MS]");
      System.exit(2);
    }
    int vms = Integer.parseInt(args[3]);
    int hours = Integer.parseInt(args[4]);
    ArchiveSize fleet = new ArchiveSize(vms, hours);
    long end = args.length == 6 ? Long.parseLong(args[5]) : System.currentTimeMillis();
    long start = (end - hours * 3_600_000L) / SCRAPE_MS * SCRAPE_MS - 60_000;
    log(
        "fleet: %d VMs, %,d series (pid churn included), %d hours at 15 s: %,d samples",
        vms, fleet.series.size(), hours, fleet.samples());
    fleet.writeOpenMetrics(start, Path.of(args[2]));
    log("OpenMetrics file written: %,d bytes", Files.size(Path.of(args[2])));
    fleet.writeRoundByRound(start, args[0], args[1]);
    System.out.println("SAMPLES " + fleet.samples());
    System.out.println("SERIES " + fleet.series.size());
  }
}
