package io.vmwatch.archiver.storage;

import com.mysql.cj.jdbc.exceptions.PacketTooBigException;
import java.sql.SQLException;

/**
 * Sorts a failed write into one that no retry can fix, answered 400 so that Prometheus drops the
 * batch instead of retrying it for ever, and one that may pass (connection lost, lock wait timeout,
 * deadlock, server gone, anything not known to be permanent), answered 503. By SQLSTATE class and
 * by MySQL/MariaDB error number.
 */
public final class DbErrors {
  /** ER_NO_PARTITION_FOR_GIVEN_VALUE: no partition covers the row (one was dropped by hand). */
  static final int NO_PARTITION = 1526;

  /** ER_NET_PACKET_TOO_LARGE: a statement above the server's max_allowed_packet. */
  static final int PACKET_TOO_LARGE = 1153;

  private DbErrors() {}

  /** Why a retry cannot fix this failure (a metric label), or null when it may be transient. */
  public static String permanentReason(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        String reason = classify(sql);
        if (reason != null) {
          return reason;
        }
      }
    }
    return null;
  }

  private static String classify(SQLException e) {
    if (e instanceof PacketTooBigException || e.getErrorCode() == PACKET_TOO_LARGE) {
      return "packet_too_large";
    }
    if (e.getErrorCode() == NO_PARTITION) {
      return "no_partition";
    }
    String state = e.getSQLState();
    if (state == null) {
      return null;
    }
    if (state.startsWith("22")) {
      return "data";
    }
    if (state.startsWith("23")) {
      return "constraint";
    }
    return null;
  }
}
