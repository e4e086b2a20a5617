package io.vmwatch.archiver.maintenance;

import io.vmwatch.archiver.metrics.ArchiverMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Runs the background work on one daemon thread: the schema migration, every 2 s until it succeeds,
 * then the jobs, those that ask for it once at once, and each again at its interval (a fixed delay
 * between runs). A job that fails is counted in {@code maintenance_errors_total{job}} and logged;
 * it runs again at its next turn.
 */
public final class JobScheduler implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(JobScheduler.class.getName());

  /**
   * One job: {@code name} is its label in the metric, {@code description} names it in the log,
   * {@code runAtStart} runs it once right after the migration (in the order of the list).
   */
  public record Job(
      String name, String description, Duration interval, boolean runAtStart, Runnable task) {}

  private final BooleanSupplier migrate;
  private final List<Job> jobs;
  private final ArchiverMetrics metrics;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "archiver-jobs");
            t.setDaemon(true);
            return t;
          });

  /** {@code migrate} answers whether the schema is migrated now (trying it when not). */
  public JobScheduler(BooleanSupplier migrate, List<Job> jobs, ArchiverMetrics metrics) {
    this.migrate = migrate;
    this.jobs = List.copyOf(jobs);
    this.metrics = metrics;
  }

  public void start() {
    executor.execute(this::migrateThenSchedule);
  }

  private void migrateThenSchedule() {
    if (executor.isShutdown()) {
      return;
    }
    if (!migrate.getAsBoolean()) {
      executor.schedule(this::migrateThenSchedule, 2, TimeUnit.SECONDS);
      return;
    }
    LOG.info("schema migrated; MySQL ready");
    for (Job job : jobs) {
      if (job.runAtStart()) {
        run(job);
      }
    }
    for (Job job : jobs) {
      long interval = job.interval().toMillis();
      executor.scheduleWithFixedDelay(() -> run(job), interval, interval, TimeUnit.MILLISECONDS);
    }
  }

  private void run(Job job) {
    try {
      job.task().run();
    } catch (RuntimeException e) {
      metrics.maintenanceError(job.name());
      LOG.warning(job.description() + " failed, will retry: " + e.getMessage());
    }
  }

  /** Interrupts a running job and stops scheduling, without waiting for it to end. */
  public void stop() {
    executor.shutdownNow();
  }

  /** Stops, and waits up to 10 s for a running job to end. */
  @Override
  public void close() {
    stop();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
