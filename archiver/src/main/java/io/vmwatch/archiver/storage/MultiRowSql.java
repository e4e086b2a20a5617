package io.vmwatch.archiver.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;

/** Statements over many rows or values: placeholder lists and INSERTs of many rows. */
public final class MultiRowSql {
  private MultiRowSql() {}

  /** Binds one row's values from position on; answers the position after them. */
  @FunctionalInterface
  public interface RowBinder<T> {
    int bind(PreparedStatement statement, int position, T row) throws SQLException;
  }

  /** count copies of item separated by ", ": the VALUES of a multi-row INSERT or an IN list. */
  public static String commaList(String item, int count) {
    return String.join(", ", Collections.nCopies(count, item));
  }

  /**
   * Inserts rows with statements of up to rowsPerStatement rows each: head ("INSERT INTO t (a, b)
   * VALUES "), then rowPlaceholders ("(?, ?)") once a row, each row bound by binder.
   */
  public static <T> void insert(
      Connection connection,
      String head,
      String rowPlaceholders,
      int rowsPerStatement,
      List<T> rows,
      RowBinder<T> binder)
      throws SQLException {
    for (int from = 0; from < rows.size(); from += rowsPerStatement) {
      List<T> batch = rows.subList(from, Math.min(rows.size(), from + rowsPerStatement));
      try (PreparedStatement insert =
          connection.prepareStatement(head + commaList(rowPlaceholders, batch.size()))) {
        int position = 1;
        for (T row : batch) {
          position = binder.bind(insert, position, row);
        }
        insert.executeUpdate();
      }
    }
  }
}
