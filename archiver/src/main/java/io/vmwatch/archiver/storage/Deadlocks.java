package io.vmwatch.archiver.storage;

import java.sql.SQLException;

/**
 * Recognises an InnoDB deadlock (SQLSTATE 40001): the statement was rolled back and may simply be
 * run again. Every write of the archiver is idempotent, so retrying one is always safe.
 */
final class Deadlocks {
  /** How many times a write that lost a deadlock is run in all. */
  static final int ATTEMPTS = 3;

  private static final String SQLSTATE_DEADLOCK = "40001";

  private Deadlocks() {}

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
