package io.vmwatch.archiver.maintenance;

import java.sql.SQLException;
import java.time.Duration;
import java.util.logging.Logger;
import org.jdbi.v3.core.Handle;

/**
 * Runs a DDL statement (ALTER TABLE ... PARTITION) that waits at most a short time for its metadata
 * lock, and tries again later when that wait timed out. An ALTER waiting for a table's metadata
 * lock (held by any open transaction or long query on the table, e.g. a Grafana query over months)
 * queues every later statement on that table behind it, inserts included; MySQL's default {@code
 * lock_wait_timeout} is a year (MariaDB: a day). With a short wait, writers stall at most that
 * long, and the DDL tries again after a pause that doubles each time.
 */
public final class ShortLockDdl {
  private static final Logger LOG = Logger.getLogger(ShortLockDdl.class.getName());

  /** MySQL and MariaDB: "Lock wait timeout exceeded" (metadata and row locks alike). */
  private static final int ER_LOCK_WAIT_TIMEOUT = 1205;

  private final Duration lockWait;
  private final int attempts;
  private final Duration firstPause;
  private final Runnable onTimeout;

  /**
   * @param lockWait longest wait for the metadata lock per attempt (whole seconds, at least one:
   *     MySQL's {@code lock_wait_timeout} is in seconds)
   * @param attempts tries in all before the failure is thrown
   * @param firstPause pause after the first timeout, doubled after each further one
   * @param onTimeout called at each timed-out attempt (a metric)
   */
  public ShortLockDdl(Duration lockWait, int attempts, Duration firstPause, Runnable onTimeout) {
    if (lockWait.toSeconds() < 1 || attempts < 1) {
      throw new IllegalArgumentException("lock wait below 1 s or no attempt");
    }
    this.lockWait = lockWait;
    this.attempts = attempts;
    this.firstPause = firstPause;
    this.onTimeout = onTimeout;
  }

  public void execute(Handle handle, String ddl) {
    Duration pause = firstPause;
    for (int attempt = 1; ; attempt++) {
      handle.execute("SET SESSION lock_wait_timeout = " + lockWait.toSeconds());
      try {
        handle.execute(ddl);
        return;
      } catch (RuntimeException e) {
        if (!isLockWaitTimeout(e)) {
          throw e;
        }
        onTimeout.run();
        if (attempt >= attempts) {
          throw e;
        }
        LOG.warning(
            "metadata lock not granted within "
                + lockWait.toSeconds()
                + " s (attempt "
                + attempt
                + " of "
                + attempts
                + "), trying again in "
                + pause.toMillis()
                + " ms: "
                + ddl);
      } finally {
        handle.execute("SET SESSION lock_wait_timeout = DEFAULT");
      }
      sleep(pause);
      pause = pause.multipliedBy(2);
    }
  }

  static boolean isLockWaitTimeout(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getErrorCode() == ER_LOCK_WAIT_TIMEOUT) {
        return true;
      }
    }
    return false;
  }

  private static void sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted between DDL attempts", e);
    }
  }
}
