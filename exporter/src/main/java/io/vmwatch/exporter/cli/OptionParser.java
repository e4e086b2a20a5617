package io.vmwatch.exporter.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses a node_exporter-style command line: {@code --flag=value} or {@code --flag value}, and
 * {@code --collector.X} / {@code --no-collector.X} for booleans.
 */
public final class OptionParser {
  public static final int DEFAULT_PORT = 9717;

  /** What the command line asks for. */
  public sealed interface Request permits Run, Help, Version {}

  public record Run(Options options) implements Request {}

  public record Help() implements Request {}

  public record Version() implements Request {}

  private static final Map<String, String> VALUE_FLAGS = new LinkedHashMap<>();

  static {
    VALUE_FLAGS.put(
        "web.listen-address",
        "Address to listen on, HOST:PORT or :PORT (default \":" + DEFAULT_PORT + "\").");
    VALUE_FLAGS.put(
        "web.telemetry-path", "Path under which to expose metrics (default \"/metrics\").");
    VALUE_FLAGS.put(
        "web.config.file",
        "Web configuration YAML (exporter-toolkit format): basic_auth_users with bcrypt hashes, tls_server_config with cert_file and key_file.");
    VALUE_FLAGS.put("web.max-threads", "Threads serving HTTP requests (default 4, 1 to 64).");
    VALUE_FLAGS.put(
        "path.procfs", "procfs mount point; holds the vmwatch_* module files (default \"/proc\").");
    VALUE_FLAGS.put("path.passwd", "User database for uid to user name (default \"/etc/passwd\").");
    VALUE_FLAGS.put(
        "collector.processes.top",
        "N: per-process series for the top N by recent CPU plus the top N by resident memory (default 10, 0 to 10000).");
    VALUE_FLAGS.put(
        "collector.processes.ancestors.depth",
        "D: also export the ancestors of each top process, at most D levels up, so the tree is connected up to pid 1 (default 32, 0 to 1000; 0: none).");
  }

  private OptionParser() {}

  /**
   * @param collectorFlags the {@code --[no-]collector.NAME} flags, every collector enabled unless
   *     turned off
   */
  public static Request parse(String[] args, List<CollectorFlag> collectorFlags)
      throws UsageException {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, Boolean> collectors = new LinkedHashMap<>();
    for (CollectorFlag c : collectorFlags) {
      collectors.put(c.name(), true);
    }
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        return new Help();
      }
      if (arg.equals("--version")) {
        return new Version();
      }
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new UsageException(
            "unexpected argument '" + arg + "' (flags start with --; see --help)");
      }
      String body = arg.substring(2);
      int eq = body.indexOf('=');
      String name = eq < 0 ? body : body.substring(0, eq);
      boolean negated = name.startsWith("no-");
      String bare = negated ? name.substring(3) : name;
      if (bare.startsWith("collector.") && collectors.containsKey(bare.substring(10))) {
        boolean enabled = !negated;
        if (eq >= 0) {
          if (negated) {
            throw new UsageException("flag --" + name + " takes no value");
          }
          enabled = parseBoolean(name, body.substring(eq + 1));
        }
        collectors.put(bare.substring(10), enabled);
        continue;
      }
      if (negated || !VALUE_FLAGS.containsKey(name)) {
        throw new UsageException("unknown flag --" + name + " (see --help)");
      }
      String value;
      if (eq >= 0) {
        value = body.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new UsageException("flag --" + name + " needs a value");
      }
      values.put(name, value);
    }

    String address = values.getOrDefault("web.listen-address", ":" + DEFAULT_PORT);
    int colon = address.lastIndexOf(':');
    if (colon < 0) {
      throw new UsageException(
          "bad --web.listen-address '" + address + "': expected HOST:PORT or :PORT");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.indexOf('[') >= 0 || host.indexOf(']') >= 0) {
      throw new UsageException(
          "bad --web.listen-address '" + address + "': expected HOST:PORT, [IPV6]:PORT or :PORT");
    }
    int port = intValue("web.listen-address", address.substring(colon + 1), 0, 65535);
    String path = values.getOrDefault("web.telemetry-path", "/metrics");
    if (!path.startsWith("/") || path.equals("/") || path.equals("/-/healthy")) {
      throw new UsageException(
          "bad --web.telemetry-path '" + path + "': must start with / and not be / or /-/healthy");
    }
    Path procfs = Path.of(values.getOrDefault("path.procfs", "/proc"));
    if (!procfs.toFile().isDirectory()) {
      throw new UsageException("bad --path.procfs '" + procfs + "': not a directory");
    }
    Path webConfig =
        values.containsKey("web.config.file") ? Path.of(values.get("web.config.file")) : null;
    if (webConfig != null && !webConfig.toFile().isFile()) {
      throw new UsageException("bad --web.config.file '" + webConfig + "': no such file");
    }
    return new Run(
        new Options(
            host,
            port,
            path,
            procfs,
            Path.of(values.getOrDefault("path.passwd", "/etc/passwd")),
            webConfig,
            intValue(
                "collector.processes.top",
                values.getOrDefault("collector.processes.top", "10"),
                0,
                10_000),
            intValue(
                "collector.processes.ancestors.depth",
                values.getOrDefault("collector.processes.ancestors.depth", "32"),
                0,
                1000),
            enabled(collectors),
            intValue("web.max-threads", values.getOrDefault("web.max-threads", "4"), 1, 64)));
  }

  private static Set<String> enabled(Map<String, Boolean> collectors) {
    Set<String> names = new LinkedHashSet<>();
    collectors.forEach(
        (name, on) -> {
          if (on) {
            names.add(name);
          }
        });
    return names;
  }

  private static int intValue(String flag, String text, int min, int max) throws UsageException {
    try {
      int value = Integer.parseInt(text);
      if (value < min || value > max) {
        throw new UsageException(
            "bad --" + flag + " '" + text + "': must be between " + min + " and " + max);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new UsageException("bad --" + flag + " '" + text + "': not a whole number");
    }
  }

  private static boolean parseBoolean(String flag, String text) throws UsageException {
    if (text.equals("true")) {
      return true;
    }
    if (text.equals("false")) {
      return false;
    }
    throw new UsageException("bad --" + flag + " '" + text + "': expected true or false");
  }

  public static String usage(List<CollectorFlag> collectorFlags) {
    StringBuilder out = new StringBuilder();
    out.append("usage: java -jar vmwatch-exporter.jar [<flags>]\n\n");
    out.append(
        "Serves CPU, memory and process metrics of this machine for Prometheus, from the vmwatch\n");
    out.append(
        "kernel-module files under --path.procfs, or from plain procfs when a module is not loaded.\n\n");
    out.append("Flags:\n");
    out.append("  -h, --help                            Show this help and exit.\n");
    out.append("      --version                         Show the version and exit.\n");
    VALUE_FLAGS.forEach(
        (name, help) -> out.append(String.format("      --%-32s %s%n", name + "=VALUE", help)));
    for (CollectorFlag c : collectorFlags) {
      out.append(
          String.format(
              "      --[no-]collector.%-17s %s (default: enabled)%n", c.name(), c.help()));
    }
    return out.toString();
  }
}
