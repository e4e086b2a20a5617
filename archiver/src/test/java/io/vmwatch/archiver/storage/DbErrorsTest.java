package io.vmwatch.archiver.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.mysql.cj.jdbc.exceptions.PacketTooBigException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/** SQLSTATEs and MySQL/MariaDB error numbers as the driver reports them. */
class DbErrorsTest {
  private static SQLException sql(String state, int code) {
    return new SQLException("message", state, code);
  }

  @Test
  void errorsNoRetryCanFixArePermanent() {
    assertEquals("data", DbErrors.permanentReason(sql("22003", 1264))); // out of range
    assertEquals("data", DbErrors.permanentReason(sql("22001", 1406))); // data too long
    assertEquals("constraint", DbErrors.permanentReason(sql("23000", 1062)));
    assertEquals("no_partition", DbErrors.permanentReason(sql("HY000", 1526)));
    assertEquals("packet_too_large", DbErrors.permanentReason(sql("08S01", 1153)));
    assertEquals(
        "packet_too_large",
        DbErrors.permanentReason(new PacketTooBigException(3_000_000, 1_048_576)));
    // wrapped, as Jdbi wraps the driver's exception
    assertEquals(
        "no_partition", DbErrors.permanentReason(new RuntimeException("jdbi", sql("HY000", 1526))));
  }

  @Test
  void errorsARetryMayFixAreNot() {
    assertNull(DbErrors.permanentReason(sql("40001", 1213))); // deadlock
    assertNull(DbErrors.permanentReason(sql("40001", 1205))); // lock wait timeout
    assertNull(DbErrors.permanentReason(sql("HY000", 1205)));
    assertNull(DbErrors.permanentReason(sql("08S01", 0))); // communications link failure
    assertNull(DbErrors.permanentReason(sql("08004", 1040))); // too many connections
    assertNull(
        DbErrors.permanentReason(new SQLTransientConnectionException("pool timeout", "08001")));
    assertNull(
        DbErrors.permanentReason(sql("42S02", 1146))); // table missing: the operator can fix it
    assertNull(DbErrors.permanentReason(sql(null, 0)));
    assertNull(DbErrors.permanentReason(new IllegalStateException("no SQL at all")));
  }
}
