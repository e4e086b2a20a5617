package io.vmwatch.exporter.cli;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Parses a node_exporter-style command line with picocli: {@code --flag=value} or {@code --flag
 * value}, and {@code --collector.NAME} / {@code --no-collector.NAME} (or {@code
 * --collector.NAME=false}) for each collector. picocli reads the words; the values are checked
 * here, so every error is one line that names the flag.
 */
public final class OptionParser {
  public static final int DEFAULT_PORT = 9717;

  /** What the command line asks for. */
  public sealed interface Request permits Run, Help, Version {}

  public record Run(Options options) implements Request {}

  public record Help() implements Request {}

  public record Version() implements Request {}

  /** The flags with a value, as picocli fills them in; checked by {@link #options}. */
  @Command(
      name = "vmwatch-exporter",
      synopsisHeading = "usage: ",
      customSynopsis = "java -jar vmwatch-exporter.jar [<flags>]",
      description = {
        "",
        "Serves CPU, memory and process metrics of this machine for Prometheus, from the vmwatch",
        "kernel-module files under --path.procfs, or from plain procfs when a module is not"
            + " loaded.",
        ""
      },
      optionListHeading = "Flags:%n",
      sortOptions = false,
      usageHelpWidth = 100)
  static final class Flags {
    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help and exit.")
    boolean help;

    @Option(names = "--version", versionHelp = true, description = "Show the version and exit.")
    boolean version;

    @Option(
        names = "--web.listen-address",
        paramLabel = "HOST:PORT",
        defaultValue = ":" + DEFAULT_PORT,
        description =
            "Address to listen on: HOST:PORT, [IPV6]:PORT or :PORT (default \"${DEFAULT-VALUE}\").")
    String listenAddress;

    @Option(
        names = "--web.telemetry-path",
        paramLabel = "PATH",
        defaultValue = "/metrics",
        description = "Path under which to expose metrics (default \"${DEFAULT-VALUE}\").")
    String telemetryPath;

    @Option(
        names = "--web.config.file",
        paramLabel = "FILE",
        description =
            "Web configuration YAML (exporter-toolkit format): basic_auth_users with bcrypt"
                + " hashes, tls_server_config with cert_file and key_file.")
    String webConfigFile;

    @Option(
        names = "--web.max-threads",
        paramLabel = "N",
        defaultValue = "4",
        description = "Scrapes built at once (default ${DEFAULT-VALUE}, 1 to 64).")
    String maxThreads;

    @Option(
        names = "--path.procfs",
        paramLabel = "DIR",
        defaultValue = "/proc",
        description =
            "procfs mount point; holds the vmwatch_* module files (default \"${DEFAULT-VALUE}\").")
    String procfs;

    @Option(
        names = "--path.passwd",
        paramLabel = "FILE",
        defaultValue = "/etc/passwd",
        description = "User database for uid to user name (default \"${DEFAULT-VALUE}\").")
    String passwd;

    @Option(
        names = "--collector.processes.top",
        paramLabel = "N",
        defaultValue = "10",
        description =
            "Per-process series for the top N by recent CPU plus the top N by resident memory"
                + " (default ${DEFAULT-VALUE}, 0 to 10000).")
    String processesTop;

    @Option(
        names = "--collector.processes.ancestors.depth",
        paramLabel = "D",
        defaultValue = "32",
        description =
            "Also export the ancestors of each top process, at most D levels up, so the tree is"
                + " connected up to pid 1 (default ${DEFAULT-VALUE}, 0 to 1000; 0: none).")
    String processesAncestorDepth;
  }

  private static final String COLLECTOR_PREFIX = "--collector.";

  private OptionParser() {}

  /**
   * @param collectorFlags the {@code --[no-]collector.NAME} flags, every collector enabled unless
   *     turned off
   */
  public static Request parse(String[] args, List<CollectorFlag> collectorFlags)
      throws UsageException {
    // what picocli would take but this command line never did: a value for the negated form
    // (picocli negates it too), and "--" (picocli's end of the flags)
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (arg.startsWith("--no-" + COLLECTOR_PREFIX.substring(2)) && eq > 0) {
        throw new UsageException("flag " + arg.substring(0, eq) + " takes no value");
      }
      if (arg.equals("--")) {
        throw unmatched(arg);
      }
    }
    Flags flags = new Flags();
    CommandLine command = commandLine(flags, collectorFlags);
    CommandLine.ParseResult result;
    try {
      result = command.parseArgs(args);
    } catch (CommandLine.UnmatchedArgumentException e) {
      throw unmatched(e.getUnmatched().get(0));
    } catch (CommandLine.MissingParameterException e) {
      throw new UsageException("flag " + flagName(e.getMissing().get(0)) + " needs a value");
    } catch (ParameterException e) {
      if (e.getArgSpec() instanceof OptionSpec option && option.negatable()) {
        throw new UsageException(
            "bad " + flagName(e.getArgSpec()) + " '" + e.getValue() + "': expected true or false");
      }
      // a value for a flag that takes none (--help=x, --version=1)
      throw new UsageException("flag " + flagName(e.getArgSpec()) + " takes no value");
    }
    if (result.isUsageHelpRequested()) {
      return new Help();
    }
    if (result.isVersionHelpRequested()) {
      return new Version();
    }
    if (!result.unmatched().isEmpty()) {
      throw unmatched(result.unmatched().get(0));
    }
    Set<String> enabled = new LinkedHashSet<>();
    for (CollectorFlag c : collectorFlags) {
      if (result.matchedOptionValue(COLLECTOR_PREFIX + c.name(), Boolean.TRUE)) {
        enabled.add(c.name());
      }
    }
    return new Run(options(flags, enabled));
  }

  /** The help text: every flag with its default, and one line per collector. */
  public static String usage(List<CollectorFlag> collectorFlags) {
    return commandLine(new Flags(), collectorFlags).getUsageMessage();
  }

  private static CommandLine commandLine(Flags flags, List<CollectorFlag> collectorFlags) {
    CommandLine command = new CommandLine(flags);
    command.setExpandAtFiles(false);
    command.setOverwrittenOptionsAllowed(true);
    command.setPosixClusteredShortOptionsAllowed(false);
    CommandSpec spec = command.getCommandSpec();
    // picocli's own negation pattern does not match names with dots
    spec.negatableOptionTransformer(
        new CommandLine.RegexTransformer.Builder()
            .addPattern("^--collector\\.(.+)$", "--no-collector.$1", "--[no-]collector.$1")
            .build());
    for (CollectorFlag c : collectorFlags) {
      spec.addOption(
          OptionSpec.builder(COLLECTOR_PREFIX + c.name())
              .negatable(true)
              .type(Boolean.class)
              .arity("0..1")
              .paramLabel("true|false")
              .converters(OptionParser::parseBoolean)
              .description(c.help() + " (default: enabled)")
              .build());
    }
    return command;
  }

  private static UsageException unmatched(String arg) {
    if (arg.startsWith("--") && arg.length() > 2) {
      int eq = arg.indexOf('=');
      return new UsageException(
          "unknown flag " + (eq < 0 ? arg : arg.substring(0, eq)) + " (see --help)");
    }
    return new UsageException(
        "unexpected argument '" + arg + "' (flags start with --; see --help)");
  }

  private static String flagName(ArgSpec spec) {
    return ((OptionSpec) spec).longestName();
  }

  private static Options options(Flags flags, Set<String> collectors) throws UsageException {
    String address = flags.listenAddress;
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
    String path = flags.telemetryPath;
    if (!path.startsWith("/") || path.equals("/") || path.equals("/-/healthy")) {
      throw new UsageException(
          "bad --web.telemetry-path '" + path + "': must start with / and not be / or /-/healthy");
    }
    Path procfs = Path.of(flags.procfs);
    if (!procfs.toFile().isDirectory()) {
      throw new UsageException("bad --path.procfs '" + procfs + "': not a directory");
    }
    Path webConfig = flags.webConfigFile == null ? null : Path.of(flags.webConfigFile);
    if (webConfig != null && !webConfig.toFile().isFile()) {
      throw new UsageException("bad --web.config.file '" + webConfig + "': no such file");
    }
    return new Options(
        host,
        port,
        path,
        procfs,
        Path.of(flags.passwd),
        webConfig,
        intValue("collector.processes.top", flags.processesTop, 0, 10_000),
        intValue("collector.processes.ancestors.depth", flags.processesAncestorDepth, 0, 1000),
        collectors,
        intValue("web.max-threads", flags.maxThreads, 1, 64));
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

  private static Boolean parseBoolean(String text) {
    if (text.equals("true")) {
      return true;
    }
    if (text.equals("false")) {
      return false;
    }
    throw new CommandLine.TypeConversionException("expected true or false");
  }
}
