package io.vmwatch.archiver.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.logging.Logger;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * The connection pool, Jdbi over it, and the schema migrations. The pool starts without a database
 * (the archiver answers 503 until MySQL is there); {@link #migrate()} runs Flyway and marks the
 * database ready.
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Database.class.getName());

  private final HikariDataSource dataSource;
  private final Jdbi jdbi;
  private volatile boolean migrated;

  public Database(String url, String user, String password, int poolSize) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("vmwatch-archiver");
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(3_000);
    config.setValidationTimeout(1_000);
    config.setInitializationFailTimeout(-1);
    // Non-locking reads and no gap locks: the rollup job's reads of samples never block a writer.
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    // Strict mode: a value that does not fit is an error, never a silent truncation.
    config.setConnectionInitSql(
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION',"
            + " time_zone = '+00:00'");
    config.addDataSourceProperty("connectTimeout", "3000");
    config.addDataSourceProperty("socketTimeout", "120000");
    config.addDataSourceProperty("cachePrepStmts", "true");
    config.addDataSourceProperty("prepStmtCacheSize", "64");
    config.addDataSourceProperty("prepStmtCacheSqlLimit", "1000000");
    config.addDataSourceProperty("characterEncoding", "UTF-8");
    this.dataSource = new HikariDataSource(config);
    this.jdbi = Jdbi.create(dataSource);
  }

  /** Creates or evolves the schema; true once done. */
  public boolean migrate() {
    try {
      Flyway.configure()
          .dataSource(dataSource)
          .locations("classpath:db/migration")
          .load()
          .migrate();
      migrated = true;
      return true;
    } catch (RuntimeException e) {
      LOG.warning("schema migration failed, will retry: " + e.getMessage());
      return false;
    }
  }

  public boolean isMigrated() {
    return migrated;
  }

  /** Migrated and a connection answers within a second. */
  public boolean isReady() {
    if (!migrated) {
      return false;
    }
    try (Connection connection = dataSource.getConnection()) {
      return connection.isValid(1);
    } catch (SQLException e) {
      return false;
    }
  }

  public Jdbi jdbi() {
    return jdbi;
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
