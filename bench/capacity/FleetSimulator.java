import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

/**
 * VMS synthetic vmwatch exporters behind one HTTP server on 127.0.0.1: VM NAME's metrics at
 * /vm/NAME/metrics, and file_sd target files that describe each VM as GCE service discovery does
 * (the __meta_gce_* labels the project's relabel_configs read), with __metrics_path__ pointing at
 * the VM's path.
 *
 * <p>Each VM's output has the families, label names, HELP and TYPE lines of a real exporter with
 * the default --collector.processes.top=10 on a 2-vCPU VM (about 180 series): CPU counters by cpu
 * and mode that advance in centiseconds, memory gauges that move by pages, processes by state, 14
 * top processes and 7 ancestors with info, RSS, CPU, threads, start time and tree order, the
 * collectors' success, duration and source, build info. Three of the top processes (web server
 * workers) are replaced by new pids every 60, 90 and 120 s (pid churn: about 2 new processes a
 * minute per VM). Values are functions of the time of the scrape, so any number of scrapes in any
 * order see counters that only grow.
 *
 * <p>usage: FleetSimulator PORT VMS PROJECT GROUP TARGETS_DIR ZONE... (one TARGETS_DIR/ZONE.json
 * per zone, VMs spread over the zones in turn)
 */
public final class FleetSimulator {
  private static final int CPUS = 2;
  private static final String[] MODES = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"
  };
  private static final String[] STATES = {"D", "I", "P", "R", "S", "T", "X", "Z", "t"};
  private static final double PAGE = 4096;

  /**
   * One process of a VM: its place in the tree (parent index, -1 for none), whether it is exported
   * only as an ancestor, its CPU use in cores, RSS, threads, and its lifetime in seconds (0: lives
   * for the whole run; otherwise replaced by a new pid at the end of each lifetime).
   */
  private record Proc(
      String name,
      int basePid,
      int parent,
      boolean ancestor,
      double cores,
      double rssBytes,
      int threads,
      double lifetime) {}

  /** The process tree of every VM, in tree order (each process under its parent). */
  private static final List<Proc> PROCS =
      List.of(
          new Proc("systemd", 1, -1, true, 0, 12e6, 1, 0),
          new Proc("systemd-journald", 310, 0, false, 0.002, 40e6, 1, 0),
          new Proc("google_guest_agent", 480, 0, false, 0.003, 30e6, 9, 0),
          new Proc("sshd", 520, 0, true, 0, 9e6, 1, 0),
          new Proc("sshd", 2210, 3, true, 0, 10e6, 1, 0),
          new Proc("bash", 2230, 4, true, 0, 5e6, 1, 0),
          new Proc("java", 2400, 5, false, 0.08, 900e6, 41, 0),
          new Proc("containerd", 610, 0, false, 0.01, 60e6, 12, 0),
          new Proc("containerd-shim", 1500, 7, true, 0, 14e6, 10, 0),
          new Proc("nginx", 1530, 8, true, 0.001, 8e6, 1, 0),
          new Proc("nginx", 30000, 9, false, 0.05, 20e6, 1, 60),
          new Proc("nginx", 40000, 9, false, 0.04, 20e6, 1, 90),
          new Proc("nginx", 50000, 9, false, 0.03, 20e6, 1, 120),
          new Proc("postgres", 800, 0, false, 0.01, 200e6, 1, 0),
          new Proc("postgres", 820, 13, false, 0.004, 150e6, 1, 0),
          new Proc("postgres", 821, 13, false, 0.003, 140e6, 1, 0),
          new Proc("postgres", 822, 13, false, 0.002, 20e6, 1, 0),
          new Proc("postgres", 823, 13, false, 0.002, 12e6, 1, 0),
          new Proc("kthreadd", 2, -1, true, 0, 0, 1, 0),
          new Proc("kswapd0", 60, 18, false, 0.001, 0, 1, 0),
          new Proc("kworker/1:1", 95, 18, false, 0.002, 0, 1, 0));

  /** One simulated VM: its name and the constants drawn for it. */
  private record Vm(
      String name,
      int pidOffset,
      double busy,
      double memoryBytes,
      double bootTime,
      double phase,
      long seed) {}

  private final Map<String, Vm> vms = new ConcurrentHashMap<>();
  private final double started = now();
  private final AtomicLong scrapes = new AtomicLong();

  private static double now() {
    return System.currentTimeMillis() / 1000.0;
  }

  private FleetSimulator(String group, int count) {
    SplittableRandom random = new SplittableRandom(17);
    for (int i = 0; i < count; i++) {
      String name = String.format(Locale.ROOT, "%s-%04d", group, i);
      double uptimeSeconds = 3600 * (1 + random.nextInt(24 * 20));
      vms.put(
          name,
          new Vm(
              name,
              random.nextInt(5000),
              0.05 + 0.35 * random.nextDouble(),
              random.nextBoolean() ? 8_340_000_768.0 : 4_110_000_128.0,
              Math.floor(now() - uptimeSeconds),
              random.nextDouble() * 120,
              random.nextLong()));
    }
  }

  private static String number(double value) {
    return Double.toString(value);
  }

  private static double centiseconds(double seconds) {
    return Math.floor(seconds * 100) / 100;
  }

  private static double pages(double bytes) {
    return Math.floor(bytes / PAGE) * PAGE;
  }

  /** Seconds the VM's CPU spent in mode m since boot at time t: grows, busier VMs grow user. */
  private static double cpuSeconds(Vm vm, int cpu, int m, double t) {
    double[] share = {
      vm.busy() * 0.72, 0.0005, vm.busy() * 0.22, 0, 0.01, 0.0002, vm.busy() * 0.05, 0.002
    };
    double others = 0;
    for (double s : share) {
      others += s;
    }
    share[3] = 1 - others;
    double up = t - vm.bootTime();
    // A slow wobble that never makes the counter go back (its slope stays above 0.7 of the mean).
    double wobble = 0.3 * Math.sin((up + 31 * cpu + 7 * m) / 40.0) * 40.0;
    return centiseconds(share[m] * (up + (m == 3 ? 0 : wobble)));
  }

  private static void family(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  /** The text a real exporter on the VM would answer at time t. */
  String metrics(Vm vm, double t) {
    StringBuilder out = new StringBuilder(24_000);
    family(
        out,
        "vmwatch_cpu_seconds_total",
        "counter",
        "Seconds each CPU spent in each mode since boot.");
    for (int cpu = 0; cpu < CPUS; cpu++) {
      for (int m = 0; m < MODES.length; m++) {
        out.append("vmwatch_cpu_seconds_total{cpu=\"")
            .append(cpu)
            .append("\",mode=\"")
            .append(MODES[m])
            .append("\",} ")
            .append(number(cpuSeconds(vm, cpu, m, t)))
            .append('\n');
      }
    }
    SplittableRandom noise = new SplittableRandom(vm.seed() ^ (long) (t * 1000));
    double total = vm.memoryBytes();
    double free = pages(total * (0.35 + 0.05 * Math.sin(t / 300)) + PAGE * noise.nextInt(200));
    double buffers = pages(total * 0.01);
    double cached = pages(total * 0.25 + PAGE * noise.nextInt(100));
    gauge(out, "vmwatch_memory_total_bytes", "Usable RAM (MemTotal).", total);
    gauge(
        out,
        "vmwatch_memory_available_bytes",
        "RAM available for new work without swapping (MemAvailable).",
        free + cached + buffers);
    gauge(out, "vmwatch_memory_free_bytes", "RAM not used at all (MemFree).", free);
    gauge(out, "vmwatch_memory_buffers_bytes", "RAM in block device buffers (Buffers).", buffers);
    gauge(out, "vmwatch_memory_cached_bytes", "RAM in the page cache (Cached).", cached);
    gauge(out, "vmwatch_memory_swap_total_bytes", "Swap space (SwapTotal).", 0);
    gauge(out, "vmwatch_memory_swap_free_bytes", "Unused swap space (SwapFree).", 0);
    family(
        out,
        "vmwatch_processes",
        "gauge",
        "Number of processes by state letter of /proc/PID/stat.");
    for (String state : STATES) {
      double count =
          switch (state) {
            case "I" -> 40;
            case "R" -> 1 + noise.nextInt(2);
            case "S" -> 95 + noise.nextInt(5);
            default -> 0;
          };
      out.append("vmwatch_processes{state=\"")
          .append(state)
          .append("\",} ")
          .append(number(count))
          .append('\n');
    }
    gauge(out, "vmwatch_threads", "Number of threads of all processes.", 260 + noise.nextInt(10));
    processes(out, vm, t, noise);
    family(
        out,
        "vmwatch_scrape_collector_success",
        "gauge",
        "1 when the collector answered this scrape, 0 when it failed.");
    String[] collectors = {"cpu", "memory", "processes"};
    for (String c : collectors) {
      out.append("vmwatch_scrape_collector_success{collector=\"").append(c).append("\",} 1.0\n");
    }
    family(
        out,
        "vmwatch_scrape_collector_duration_seconds",
        "gauge",
        "Time the collector took in this scrape.");
    for (String c : collectors) {
      out.append("vmwatch_scrape_collector_duration_seconds{collector=\"")
          .append(c)
          .append("\",} ")
          .append(number((c.equals("processes") ? 0.006 : 0.0006) * (0.5 + noise.nextDouble())))
          .append('\n');
    }
    family(
        out,
        "vmwatch_collector_source_info",
        "gauge",
        "Where the collector read from in this scrape: module or procfs; value always 1.");
    for (String c : collectors) {
      out.append("vmwatch_collector_source_info{collector=\"")
          .append(c)
          .append("\",source=\"module\",} 1.0\n");
    }
    family(
        out,
        "vmwatch_exporter_build_info",
        "gauge",
        "Version of the vmwatch exporter; value always 1.");
    out.append("vmwatch_exporter_build_info{version=\"0.1.0\",} 1.0\n");
    gauge(
        out,
        "vmwatch_exporter_scrapes_in_flight",
        "Metric requests being built or sent now, this one included.",
        1);
    gauge(
        out,
        "vmwatch_exporter_scrapes_in_flight_peak",
        "Most metric requests built or sent at once since the exporter started.",
        1);
    return out.toString();
  }

  private static void gauge(StringBuilder out, String name, String help, double value) {
    family(out, name, "gauge", help);
    out.append(name).append(' ').append(number(value)).append('\n');
  }

  /** The process of slot i at time t: pid, start time and CPU seconds of its current life. */
  private record Life(String pid, String ppid, double startTime, double cpuSeconds) {}

  private Life life(Vm vm, int i, double t) {
    Proc p = PROCS.get(i);
    int generation = 0;
    double start;
    if (p.lifetime() > 0) {
      generation = (int) Math.floor((t - started + vm.phase()) / p.lifetime());
      start = started - vm.phase() + generation * p.lifetime();
    } else {
      start = vm.bootTime() + (p.basePid() < 100 ? 0.5 : 20 + p.basePid() / 100.0);
    }
    int pid = p.basePid() < 100 ? p.basePid() : p.basePid() + vm.pidOffset() + 7 * generation;
    String ppid = "0";
    if (p.parent() >= 0) {
      Proc parent = PROCS.get(p.parent());
      ppid =
          Integer.toString(
              parent.basePid() < 100 ? parent.basePid() : parent.basePid() + vm.pidOffset());
    }
    return new Life(
        Integer.toString(pid),
        ppid,
        centiseconds(start),
        centiseconds(p.cores() * Math.max(0, t - start)));
  }

  private void processes(StringBuilder out, Vm vm, double t, SplittableRandom noise) {
    List<Life> lives = new ArrayList<>(PROCS.size());
    for (int i = 0; i < PROCS.size(); i++) {
      lives.add(life(vm, i, t));
    }
    family(
        out,
        "vmwatch_process_cpu_seconds_total",
        "counter",
        "User plus system CPU seconds of the process since it started.");
    perProcess(out, "vmwatch_process_cpu_seconds_total", lives, i -> lives.get(i).cpuSeconds());
    family(
        out, "vmwatch_process_resident_memory_bytes", "gauge", "Resident set size of the process.");
    perProcess(
        out,
        "vmwatch_process_resident_memory_bytes",
        lives,
        i -> pages(PROCS.get(i).rssBytes() * (0.95 + 0.1 * noise.nextDouble())));
    family(out, "vmwatch_process_threads", "gauge", "Number of threads of the process.");
    perProcess(out, "vmwatch_process_threads", lives, i -> PROCS.get(i).threads());
    family(
        out,
        "vmwatch_process_start_time_seconds",
        "gauge",
        "Start time of the process since the Unix epoch.");
    perProcess(out, "vmwatch_process_start_time_seconds", lives, i -> lives.get(i).startTime());
    family(out, "vmwatch_process_info", "gauge", "Process identity; value always 1.");
    for (int i = 0; i < PROCS.size(); i++) {
      Life life = lives.get(i);
      out.append("vmwatch_process_info{pid=\"")
          .append(life.pid())
          .append("\",ppid=\"")
          .append(life.ppid())
          .append("\",name=\"")
          .append(PROCS.get(i).name())
          .append("\",user=\"")
          .append(PROCS.get(i).basePid() == 2400 ? "app" : "root")
          .append("\",state=\"")
          .append(PROCS.get(i).name().startsWith("kworker") ? "I" : "S")
          .append("\",} 1.0\n");
    }
    family(
        out,
        "vmwatch_process_ancestor",
        "gauge",
        "1 for a process exported only because it is an ancestor of a top process.");
    int ancestors = 0;
    for (int i = 0; i < PROCS.size(); i++) {
      if (PROCS.get(i).ancestor()) {
        ancestors++;
        processLabels(out.append("vmwatch_process_ancestor"), lives.get(i), i).append(" 1.0\n");
      }
    }
    family(
        out,
        "vmwatch_process_tree_order",
        "gauge",
        "Row of the process in tree order (each process under its parent, busiest branch first);"
            + " tree is the name indented by its depth.");
    for (int i = 0; i < PROCS.size(); i++) {
      int depth = 0;
      for (int p = PROCS.get(i).parent(); p >= 0; p = PROCS.get(p).parent()) {
        depth++;
      }
      String tree = depth == 0 ? "" : "│ ".repeat(depth - 1) + "└ ";
      out.append("vmwatch_process_tree_order{pid=\"")
          .append(lives.get(i).pid())
          .append("\",name=\"")
          .append(PROCS.get(i).name())
          .append("\",tree=\"")
          .append(tree)
          .append(PROCS.get(i).name())
          .append("\",} ")
          .append(number(i + 1))
          .append('\n');
    }
    family(
        out,
        "vmwatch_process_series",
        "gauge",
        "Per-process series of this scrape, by why the process is exported: top (top N by CPU or"
            + " memory) or ancestor (an ancestor of a top process).");
    out.append("vmwatch_process_series{reason=\"top\",} ")
        .append(number(6.0 * (PROCS.size() - ancestors)))
        .append('\n');
    out.append("vmwatch_process_series{reason=\"ancestor\",} ")
        .append(number(7.0 * ancestors))
        .append('\n');
  }

  private interface Value {
    double of(int process);
  }

  private static StringBuilder processLabels(StringBuilder out, Life life, int i) {
    return out.append("{pid=\"")
        .append(life.pid())
        .append("\",name=\"")
        .append(PROCS.get(i).name())
        .append("\",}");
  }

  private static void perProcess(StringBuilder out, String name, List<Life> lives, Value value) {
    for (int i = 0; i < PROCS.size(); i++) {
      processLabels(out.append(name), lives.get(i), i)
          .append(' ')
          .append(number(value.of(i)))
          .append('\n');
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String[] parts = exchange.getRequestURI().getPath().split("/");
      // /vm/NAME/metrics
      Vm vm = parts.length == 4 && parts[3].equals("metrics") ? vms.get(parts[2]) : null;
      if (vm == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      byte[] text = metrics(vm, now()).getBytes(StandardCharsets.UTF_8);
      String accept = exchange.getRequestHeaders().getFirst("Accept-Encoding");
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      if (accept != null && accept.contains("gzip")) {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream(text.length / 4);
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
          gzip.write(text);
        }
        text = zipped.toByteArray();
        exchange.getResponseHeaders().set("Content-Encoding", "gzip");
      }
      exchange.sendResponseHeaders(200, text.length);
      try (OutputStream body = exchange.getResponseBody()) {
        body.write(text);
      }
      scrapes.incrementAndGet();
    }
  }

  /** One TARGETS_DIR/ZONE.json per zone, written whole and renamed into place. */
  private void writeTargets(int port, String project, String group, Path dir, List<String> zones)
      throws IOException {
    List<String> names = new ArrayList<>(vms.keySet());
    names.sort(null);
    for (int z = 0; z < zones.size(); z++) {
      String zone = zones.get(z);
      String zoneUrl =
          "https://www.googleapis.com/compute/v1/projects/" + project + "/zones/" + zone;
      StringBuilder json = new StringBuilder("[\n");
      boolean first = true;
      for (int i = z; i < names.size(); i += zones.size()) {
        String name = names.get(i);
        json.append(first ? "" : ",\n")
            .append("{\"targets\":[\"127.0.0.1:")
            .append(port)
            .append("\"],\"labels\":{")
            .append("\"__metrics_path__\":\"/vm/")
            .append(name)
            .append("/metrics\",")
            .append("\"__meta_gce_instance_id\":\"")
            .append(1_000_000_000_000L + i)
            .append("\",\"__meta_gce_instance_name\":\"")
            .append(name)
            .append("\",\"__meta_gce_instance_status\":\"RUNNING\",")
            .append("\"__meta_gce_machine_type\":\"")
            .append(zoneUrl)
            .append("/machineTypes/e2-medium\",")
            .append("\"__meta_gce_metadata_created_by\":\"projects/123456789012/regions/")
            .append(zone, 0, zone.lastIndexOf('-'))
            .append("/instanceGroupManagers/")
            .append(group)
            .append("\",\"__meta_gce_network\":\"https://www.googleapis.com/compute/v1/projects/")
            .append(project)
            .append("/global/networks/default\",")
            .append("\"__meta_gce_private_ip\":\"127.0.0.1\",")
            .append("\"__meta_gce_project\":\"")
            .append(project)
            .append("\",\"__meta_gce_tags\":\",vmwatch,\",")
            .append("\"__meta_gce_zone\":\"")
            .append(zoneUrl)
            .append("\"}}");
        first = false;
      }
      json.append("\n]\n");
      Path tmp = dir.resolve("." + zone + ".json.tmp");
      try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        writer.write(json.toString());
      }
      Files.move(
          tmp,
          dir.resolve(zone + ".json"),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length < 6) {
      System.err.println("usage: FleetSimulator PORT VMS PROJECT GROUP TARGETS_DIR ZONE...");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    int count = Integer.parseInt(args[1]);
    if (count < 1 || count > 100_000) {
      System.err.println("FleetSimulator: VMS must be 1 to 100000, not " + count);
      System.exit(2);
    }
    FleetSimulator fleet = new FleetSimulator(args[3], count);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
    server.createContext("/vm/", fleet::handle);
    server.createContext(
        "/-/healthy",
        exchange -> {
          try (exchange) {
            byte[] ok = ("scrapes " + fleet.scrapes.get() + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
          }
        });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    fleet.writeTargets(
        port, args[2], args[3], Path.of(args[4]), List.of(args).subList(5, args.length));
    System.err.println(
        "FleetSimulator: " + count + " VMs on 127.0.0.1:" + port + " (/vm/NAME/metrics)");
  }
}
