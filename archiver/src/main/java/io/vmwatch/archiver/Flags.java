package io.vmwatch.archiver;

import io.vmwatch.archiver.http.RequestBudget;
import io.vmwatch.archiver.http.WriteAuth;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The command line, {@code --name=value} or {@code --name value}, parsed by picocli; the flags,
 * their defaults and help are the table {@link #FLAGS}, the checks of each value are here. The
 * database password comes from {@code --db.password-file} or the environment variable {@code
 * VMWATCH_DB_PASSWORD}; there is no default password.
 */
public final class Flags {
  public static final String PASSWORD_ENV = "VMWATCH_DB_PASSWORD";
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");

  /** Three placeholders a row; MySQL allows 65,535 in one prepared statement. */
  static final int MAX_ROWS_PER_STATEMENT = 65_535 / 3;

  static final int MAX_READ_SERIES = 1_000_000;

  /** About 22 bytes a sample: the answer stays well under a snappy block's 4 GiB. */
  static final int MAX_READ_SAMPLES = 100_000_000;

  /** Flag name, default value (null: no default) and help text. */
  private record Flag(String name, String defaultValue, String help) {}

  private static final Flag[] FLAGS = {
    new Flag(
        "web.listen-address",
        "0.0.0.0:9718",
        "address for /api/v1/write, /api/v1/read, /metrics, /-/healthy, /-/ready"),
    new Flag(
        "web.max-body-bytes", "16777216", "largest compressed write request accepted (413 above)"),
    new Flag(
        "web.max-decoded-bytes",
        "134217728",
        "largest uncompressed write request accepted (413 above)"),
    new Flag(
        "web.threads",
        "8",
        "write requests served at once (1 to 256); more wait up to 1 s, then 503"),
    new Flag(
        "web.max-series-per-request", "100000", "most series in one write request (413 above)"),
    new Flag(
        "web.max-samples-per-request", "100000", "most samples in one write request (413 above)"),
    new Flag(
        "web.request-timeout",
        "30s",
        "time to receive a request and start answering it; then closed"),
    new Flag(
        "web.max-connections", "512", "open connections (16 to 65536); more are closed at once"),
    new Flag(
        "web.write-bearer-token-file",
        null,
        "file holding a bearer token required on /api/v1/write and /api/v1/read"),
    new Flag(
        "web.write-basic-auth-user",
        null,
        "basic auth user required on /api/v1/write and /api/v1/read"),
    new Flag("web.write-basic-auth-password-file", null, "file holding that user's password"),
    new Flag(
        "read.threads",
        "2",
        "remote reads served at once (1 to 64); more wait up to 1 s, then 503"),
    new Flag(
        "read.max-series",
        "10000",
        "most series one remote read may select (1 to " + MAX_READ_SERIES + "; 422 above)"),
    new Flag(
        "read.max-samples",
        "10000000",
        "most samples one remote read may return (1 to " + MAX_READ_SAMPLES + "; 422 above)"),
    new Flag("db.url", "jdbc:mysql://127.0.0.1:3306/vmwatch", "JDBC URL of the MySQL database"),
    new Flag("db.user", "vmwatch", "MySQL user (needs ALL on the database for migrations)"),
    new Flag(
        "db.password-file", null, "file holding the MySQL password (else $" + PASSWORD_ENV + ")"),
    new Flag(
        "db.pool-size",
        "12",
        "MySQL connections (1 to 1000); above --web.threads + --read.threads"),
    new Flag(
        "db.rows-per-statement",
        "2000",
        "rows per multi-row INSERT (1 to " + MAX_ROWS_PER_STATEMENT + ")"),
    new Flag("series-cache.max-entries", "1000000", "series ids kept in memory"),
    new Flag("retention.raw", "30d", "how long raw samples are kept (whole days)"),
    new Flag("retention.rollup", "400d", "how long 5-minute rollups are kept (whole days)"),
    new Flag("retention.partitions-ahead", "3", "daily partitions created ahead of today"),
    new Flag("retention.interval", "1h", "how often partitions are created and dropped"),
    new Flag("rollup.interval", "1m", "how often 5-minute rollups are computed"),
    new Flag(
        "compact.after",
        "2d",
        "whole days older than this are compacted into XOR chunk rows (at least 1h)"),
    new Flag(
        "retention.lock-wait",
        "1s",
        "longest wait of a partition ALTER for its table lock (retried)"),
  };

  private Flags() {}

  public static String usage() {
    StringBuilder out = new StringBuilder("usage: java -jar vmwatch-archiver.jar [flags]\n");
    for (Flag flag : FLAGS) {
      out.append(
          String.format(
              "  --%-36s %s%s%n",
              flag.name(),
              flag.help(),
              flag.defaultValue() == null ? "" : " (default " + flag.defaultValue() + ")"));
    }
    out.append("The MySQL password is read from --db.password-file or $")
        .append(PASSWORD_ENV)
        .append(".\n");
    return out.toString();
  }

  public static boolean wantsHelp(String[] args) {
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        return true;
      }
    }
    return false;
  }

  public static ArchiverConfig parse(String[] args, Map<String, String> environment)
      throws FlagException {
    Map<String, String> values = values(args);
    String password = password(values.get("db.password-file"), environment);
    Duration requestTimeout =
        duration(
            "web.request-timeout",
            values,
            d -> d.compareTo(Duration.ofSeconds(1)) >= 0,
            "is below 1s, the resolution of the HTTP server's timer");
    ArchiverConfig config =
        new ArchiverConfig(
            address(values.get("web.listen-address")),
            intRange("web.max-body-bytes", values, 1, Integer.MAX_VALUE - 8),
            intRange("web.max-decoded-bytes", values, 1, Integer.MAX_VALUE - 8),
            intRange("web.threads", values, 1, 256),
            positiveInt("web.max-series-per-request", values),
            positiveInt("web.max-samples-per-request", values),
            requestTimeout,
            intRange("web.max-connections", values, 16, 65_536),
            writeAuth(values),
            intRange("read.threads", values, 1, 64),
            intRange("read.max-series", values, 1, MAX_READ_SERIES),
            intRange("read.max-samples", values, 1, MAX_READ_SAMPLES),
            nonEmpty("db.url", values),
            nonEmpty("db.user", values),
            password,
            intRange("db.pool-size", values, 1, 1000),
            intRange("db.rows-per-statement", values, 1, MAX_ROWS_PER_STATEMENT),
            positiveInt("series-cache.max-entries", values),
            duration("retention.raw", values),
            duration("retention.rollup", values),
            positiveInt("retention.partitions-ahead", values),
            duration("retention.interval", values),
            duration("rollup.interval", values),
            duration(
                "retention.lock-wait",
                values,
                d -> d.toMillis() % 1000 == 0 && d.toSeconds() <= 3600,
                "must be whole seconds between 1s and 1h (MySQL's lock_wait_timeout is in seconds)"),
            duration(
                "compact.after",
                values,
                d -> d.compareTo(Duration.ofHours(1)) >= 0,
                "must be at least 1h (a day is compacted once all of it is older)"));
    requireHeap(config, Runtime.getRuntime().maxMemory());
    return config;
  }

  /**
   * Every flag's value as given, else its default (null: none), parsed by picocli from {@link
   * #FLAGS}: {@code --name=value} or {@code --name value}; a flag given twice takes the last value.
   */
  private static Map<String, String> values(String[] args) throws FlagException {
    CommandSpec spec = CommandSpec.create();
    for (Flag flag : FLAGS) {
      spec.addOption(
          OptionSpec.builder("--" + flag.name())
              .type(String.class)
              .arity("1")
              .paramLabel("VALUE")
              .build());
    }
    CommandLine line =
        new CommandLine(spec).setOverwrittenOptionsAllowed(true).setExpandAtFiles(false);
    try {
      line.parseArgs(args);
    } catch (UnmatchedArgumentException e) {
      String unmatched = e.getUnmatched().isEmpty() ? "" : e.getUnmatched().get(0);
      if (unmatched.startsWith("--")) {
        int eq = unmatched.indexOf('=');
        throw new FlagException(
            "unknown flag " + (eq < 0 ? unmatched : unmatched.substring(0, eq)));
      }
      throw new FlagException("unexpected argument '" + unmatched + "'");
    } catch (MissingParameterException e) {
      throw new FlagException(
          "flag " + ((OptionSpec) e.getMissing().get(0)).longestName() + " needs a value");
    } catch (ParameterException e) {
      throw new FlagException(e.getMessage());
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Flag flag : FLAGS) {
      String given = spec.findOption("--" + flag.name()).getValue();
      values.put(flag.name(), given != null ? given : flag.defaultValue());
    }
    return values;
  }

  /** Each write worker needs {@link RequestBudget#MIN_BYTES} of heap beside a full series cache. */
  static void requireHeap(ArchiverConfig config, long maxHeapBytes) throws FlagException {
    long perRequest =
        RequestBudget.perRequest(
            maxHeapBytes,
            config.httpThreads(),
            config.readThreads(),
            config.seriesCacheMaxEntries());
    if (perRequest < RequestBudget.MIN_BYTES) {
      throw new FlagException(
          "a heap of "
              + (maxHeapBytes >> 20)
              + " MiB is too small for --web.threads="
              + config.httpThreads()
              + ", --read.threads="
              + config.readThreads()
              + " and --series-cache.max-entries="
              + config.seriesCacheMaxEntries()
              + ": each write request would get "
              + Math.max(0, perRequest >> 20)
              + " MiB, at least "
              + (RequestBudget.MIN_BYTES >> 20)
              + " are needed; raise -Xmx or lower them");
    }
  }

  private static String password(String file, Map<String, String> environment)
      throws FlagException {
    if (file != null) {
      String fromFile = readSecret(file, "--db.password-file");
      return fromFile;
    }
    String fromEnv = environment.get(PASSWORD_ENV);
    if (fromEnv == null || fromEnv.isEmpty()) {
      throw new FlagException("no MySQL password: set " + PASSWORD_ENV + " or --db.password-file");
    }
    return fromEnv;
  }

  private static WriteAuth writeAuth(Map<String, String> values) throws FlagException {
    String tokenFile = values.get("web.write-bearer-token-file");
    String user = values.get("web.write-basic-auth-user");
    String passwordFile = values.get("web.write-basic-auth-password-file");
    if (tokenFile != null && (user != null || passwordFile != null)) {
      throw new FlagException(
          "use either a bearer token or basic auth on the write endpoint, not both");
    }
    if (tokenFile != null) {
      return WriteAuth.bearer(readSecret(tokenFile, "--web.write-bearer-token-file"));
    }
    if ((user == null) != (passwordFile == null)) {
      throw new FlagException(
          "--web.write-basic-auth-user and --web.write-basic-auth-password-file go together");
    }
    if (user != null) {
      if (user.isEmpty() || user.contains(":")) {
        throw new FlagException("--web.write-basic-auth-user must be non-empty and without ':'");
      }
      return WriteAuth.basic(
          user, readSecret(passwordFile, "--web.write-basic-auth-password-file"));
    }
    return WriteAuth.none();
  }

  private static String readSecret(String file, String flag) throws FlagException {
    try {
      String secret = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
      if (secret.isEmpty()) {
        throw new FlagException(flag + ": " + file + " is empty");
      }
      return secret;
    } catch (IOException e) {
      throw new FlagException(flag + ": cannot read " + file + ": " + e.getMessage());
    }
  }

  static InetSocketAddress address(String value) throws FlagException {
    int colon = value.lastIndexOf(':');
    if (colon < 0) {
      throw new FlagException("--web.listen-address '" + value + "' is not host:port");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new FlagException("--web.listen-address '" + value + "' has no numeric port");
    }
    if (port < 0 || port > 65535) {
      throw new FlagException("--web.listen-address '" + value + "': port out of range");
    }
    return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
  }

  static Duration parseDuration(String value) {
    Matcher m = DURATION.matcher(value);
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> Duration.ofDays(7 * n);
    };
  }

  private static Duration duration(String name, Map<String, String> values) throws FlagException {
    Duration d = parseDuration(values.get(name));
    if (d == null || d.isZero()) {
      throw new FlagException(
          "--"
              + name
              + " '"
              + values.get(name)
              + "' is not a positive duration such as 500ms, 30s, 5m, 12h, 30d or 2w");
    }
    return d;
  }

  /** A positive duration that {@code valid} accepts; else an error naming {@code requirement}. */
  private static Duration duration(
      String name, Map<String, String> values, Predicate<Duration> valid, String requirement)
      throws FlagException {
    Duration d = duration(name, values);
    if (!valid.test(d)) {
      throw new FlagException("--" + name + " '" + values.get(name) + "' " + requirement);
    }
    return d;
  }

  private static String nonEmpty(String name, Map<String, String> values) throws FlagException {
    String value = values.get(name);
    if (value == null || value.isBlank()) {
      throw new FlagException("--" + name + " must not be empty");
    }
    return value;
  }

  private static long positiveLong(String name, Map<String, String> values) throws FlagException {
    try {
      long n = Long.parseLong(values.get(name));
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new FlagException("--" + name + " '" + values.get(name) + "' is not a positive integer");
  }

  private static int intRange(String name, Map<String, String> values, int min, int max)
      throws FlagException {
    long n;
    try {
      n = Long.parseLong(values.get(name));
    } catch (NumberFormatException e) {
      throw new FlagException("--" + name + " '" + values.get(name) + "' is not a whole number");
    }
    if (n < min || n > max) {
      throw new FlagException(
          "--" + name + " '" + values.get(name) + "' is out of range: " + min + " to " + max);
    }
    return (int) n;
  }

  private static int positiveInt(String name, Map<String, String> values) throws FlagException {
    long n = positiveLong(name, values);
    if (n > Integer.MAX_VALUE) {
      throw new FlagException("--" + name + " '" + values.get(name) + "' is too large");
    }
    return (int) n;
  }
}
