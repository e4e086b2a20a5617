package io.vmwatch.archiver.storage;

import java.sql.SQLException;

/**
 * Recognises an InnoDB deadlock (SQLSTATE 40001): the statement was rolled back and may simply be
 * run again. Every write of the archiver is idempotent, so retrying one is always safe; {@link
 * #retried} is the one place that does it.
 */
final class Deadlocks {
  /** How many times a write that lost a deadlock is run in all. */
  static final int ATTEMPTS = 3;

  private static final String SQLSTATE_DEADLOCK = "40001";

  private Deadlocks() {}

  /** A unit of work that may lose a deadlock. */
  @FunctionalInterface
  interface Attempt<T, E extends Exception> {
    T run() throws E;
  }

  /**
   * Runs {@code attempt}, again when it lost a deadlock, {@link #ATTEMPTS} times in all; any other
   * failure, and the last deadlock, is thrown as it came.
   */
  static <T, E extends Exception> T retried(Attempt<T, E> attempt) throws E {
    for (int n = 1; ; n++) {
      try {
        return attempt.run();
      } catch (Exception e) {
        if (n >= ATTEMPTS || !isDeadlock(e)) {
          throw e;
        }
      }
    }
  }

  /**
   * True when {@code failure}, or an exception it wraps (Jdbi wraps SQLException), is a deadlock.
   */
  static boolean isDeadlock(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && SQLSTATE_DEADLOCK.equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }
}
