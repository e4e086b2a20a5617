package io.vmwatch.exporter;

import io.prometheus.client.CollectorRegistry;
import io.vmwatch.exporter.cli.OptionParser;
import io.vmwatch.exporter.cli.Options;
import io.vmwatch.exporter.cli.UsageException;
import io.vmwatch.exporter.collect.CollectorTable;
import io.vmwatch.exporter.collect.ExporterCollector;
import io.vmwatch.exporter.web.InvalidWebConfigException;
import io.vmwatch.exporter.web.WebConfig;
import io.vmwatch.exporter.web.WebConfigLoader;
import io.vmwatch.exporter.web.WebServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/** Entry point: parses the command line, wires the collectors, serves HTTP until stopped. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    System.setProperty(
        "java.util.logging.SimpleFormatter.format",
        "%1$tFT%1$tT.%1$tLZ level=%4$s msg=\"%5$s\"%6$s%n");
    Logger log = Logger.getLogger(Main.class.getName());
    String version = version();
    OptionParser.Request request;
    try {
      request = OptionParser.parse(args, CollectorTable.flags());
    } catch (UsageException e) {
      System.err.println("vmwatch-exporter: error: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (request instanceof OptionParser.Help) {
      System.out.print(OptionParser.usage(CollectorTable.flags()));
      return;
    }
    if (request instanceof OptionParser.Version) {
      System.out.println("vmwatch-exporter " + version);
      return;
    }
    Options options = ((OptionParser.Run) request).options();
    WebServer server;
    try {
      WebConfig web =
          options.webConfigFile() == null
              ? WebConfig.NONE
              : WebConfigLoader.load(options.webConfigFile());
      CollectorRegistry registry = new CollectorRegistry();
      registry.register(new ExporterCollector(CollectorTable.enabled(options), version));
      InetSocketAddress address =
          options.listenHost().isEmpty()
              ? new InetSocketAddress(options.listenPort())
              : new InetSocketAddress(options.listenHost(), options.listenPort());
      if (address.isUnresolved()) {
        System.err.println(
            "vmwatch-exporter: error: bad --web.listen-address: cannot resolve host '"
                + options.listenHost()
                + "'");
        System.exit(2);
        return;
      }
      server =
          new WebServer(
              address, options.telemetryPath(), registry, web, options.maxThreads(), version);
    } catch (InvalidWebConfigException e) {
      System.err.println("vmwatch-exporter: error: bad --web.config.file: " + e.getMessage());
      System.exit(2);
      return;
    } catch (IOException e) {
      System.err.println("vmwatch-exporter: error: cannot listen: " + e.getMessage());
      System.exit(1);
      return;
    }
    server.start();
    InetSocketAddress bound = server.address();
    log.info(
        "vmwatch-exporter "
            + version
            + " listening on "
            + bound.getAddress().getHostAddress()
            + ":"
            + bound.getPort()
            + " path="
            + options.telemetryPath()
            + " procfs="
            + options.procfs()
            + (options.webConfigFile() != null
                ? " web.config.file=" + options.webConfigFile()
                : ""));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                }));
    stopped.await();
  }

  static String version() {
    try (InputStream in = Main.class.getResourceAsStream("/vmwatch-exporter.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
