package io.vmwatch.archiver;

import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar vmwatch-archiver.jar [flags]}: exit 2 on a bad command line, 1 if it cannot
 * start.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    System.setProperty(
        "java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n");
    if (Flags.wantsHelp(args)) {
      System.out.print(Flags.usage());
      return;
    }
    ArchiverConfig config;
    try {
      config = Flags.parse(args, System.getenv());
    } catch (FlagException e) {
      System.err.println("vmwatch-archiver: " + e.getMessage());
      System.err.print(Flags.usage());
      System.exit(2);
      return;
    }
    Archiver archiver;
    try {
      archiver = new Archiver(config, Clock.systemUTC());
    } catch (IOException e) {
      System.err.println(
          "vmwatch-archiver: cannot listen on " + config.listenAddress() + ": " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // java.util.logging may already be reset by its own shutdown hook: report on stderr directly.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.err.println("vmwatch-archiver: shutting down: finishing running requests");
                  archiver.close();
                  System.err.println("vmwatch-archiver: stopped");
                  stopped.countDown();
                },
                "archiver-shutdown"));
    archiver.start();
    stopped.await();
  }
}
