package io.vmwatch.archiver.storage;

import static io.vmwatch.archiver.TestResources.closeAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.archiver.MariaDbServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.Query;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link QueryRows} against a real MariaDB through the archiver's own pool and Jdbi: a streamed
 * query really streams (Connector/J refuses another statement on the connection while its rows are
 * open, which it does only for a streaming result), closing the query closes its result set and
 * frees the connection, and the rows come as bound.
 */
class QueryRowsIT {
  private static final int ROWS = 20_000;

  private static MariaDbServer db;

  @BeforeAll
  static void start() throws Exception {
    db = MariaDbServer.start();
    try (Connection connection = db.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE numbers (n BIGINT PRIMARY KEY, x DOUBLE NULL)");
      statement.execute(
          "INSERT INTO numbers (n, x) SELECT seq, IF(seq % 7 = 0, NULL, seq / 2) FROM seq_1_to_"
              + ROWS);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    closeAll(db);
  }

  /** The archiver's own pool (HikariCP, Jdbi) over the test server, one connection. */
  private static Database pool() {
    return new Database(db.jdbcUrl(), MariaDbServer.USER, db.password(), 1);
  }

  @Test
  void streamedRowsHoldTheConnectionUntilTheQueryIsClosed() throws Exception {
    try (Database pool = pool();
        Handle handle = pool.jdbi().open()) {
      ResultSet rows;
      try (Query query = QueryRows.streamed(handle, "SELECT n FROM numbers ORDER BY n")) {
        rows = QueryRows.of(query);
        assertTrue(rows.next());
        assertEquals(1, rows.getLong(1));
        // a streaming result set still open: Connector/J refuses any other statement
        JdbiException refused =
            assertThrows(
                JdbiException.class, () -> handle.createQuery("SELECT 1").mapTo(Long.class).one());
        assertTrue(
            refused.getMessage().contains("Streaming result set"),
            "refused for another reason: " + refused.getMessage());
      }
      assertTrue(rows.isClosed(), "closing the query closes its result set");
      assertEquals(1L, handle.createQuery("SELECT 1").mapTo(Long.class).one());
    }
  }

  @Test
  void aPlainQueryIsReadWholeAndLeavesTheConnectionFree() throws Exception {
    try (Database pool = pool();
        Handle handle = pool.jdbi().open();
        Query query = handle.createQuery("SELECT n FROM numbers ORDER BY n")) {
      ResultSet rows = QueryRows.of(query);
      assertTrue(rows.next());
      assertEquals(1L, handle.createQuery("SELECT 1").mapTo(Long.class).one());
    }
  }

  @Test
  void everyRowAsBoundWithItsNulls() throws Exception {
    try (Database pool = pool();
        Handle handle = pool.jdbi().open();
        Query query =
            QueryRows.streamed(
                    handle, "SELECT n, x FROM numbers WHERE n BETWEEN ? AND ? ORDER BY n")
                .bind(0, 100L)
                .bind(1, 15_099L)) {
      ResultSet rows = QueryRows.of(query);
      long expected = 100;
      while (rows.next()) {
        assertEquals(expected, rows.getLong(1));
        double x = rows.getDouble(2);
        if (expected % 7 == 0) {
          assertTrue(rows.wasNull(), "row " + expected);
        } else {
          assertFalse(rows.wasNull(), "row " + expected);
          assertEquals(expected / 2.0, x);
        }
        expected++;
      }
      assertEquals(15_100, expected);
    }
  }
}
