package io.vmwatch.archiver.storage;

import java.sql.ResultSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * The rows of a Jdbi {@link Query} for a plain loop that reads primitive columns and may throw what
 * its body throws (an {@code IOException} of the answer it writes into): no object per row, as a
 * {@code RowMapper} would make. The query binds and executes the statement and owns its result set,
 * which stays open until the query is closed (try-with-resources).
 */
public final class QueryRows {
  private QueryRows() {}

  /**
   * A query whose rows MySQL Connector/J streams one by one instead of loading them all: memory
   * stays flat whatever the answer's size, but the connection runs nothing else until the rows are
   * read to their end or the query is closed.
   */
  public static Query streamed(Handle handle, String sql) {
    return handle.createQuery(sql).setFetchSize(Integer.MIN_VALUE);
  }

  /**
   * Executes query and answers its result set, positioned before the first row; the query closes
   * it. A failed execution throws Jdbi's {@code UnableToExecuteStatementException}.
   */
  public static ResultSet of(Query query) {
    // The scanner hands out the supplier without calling it: whoever calls get() owns the result
    // set, and the query's context, closed with the query, closes it.
    return query.scanResultSet((resultSet, context) -> resultSet).get();
  }
}
