package io.vmwatch.archiver.maintenance;

import io.vmwatch.archiver.MariaDbServer;
import io.vmwatch.archiver.TestResources;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import io.vmwatch.archiver.storage.Database;
import io.vmwatch.archiver.storage.Ingester;
import io.vmwatch.archiver.storage.SampleWriter;
import io.vmwatch.archiver.storage.SeriesDirectory;
import java.io.IOException;

/**
 * A throw-away MariaDB migrated by the archiver's migrations, with an {@link Ingester} writing into
 * it as the write endpoint does (500 rows per INSERT), for the tests of the maintenance jobs.
 */
record MigratedStore(MariaDbServer db, Database database, Ingester ingester)
    implements AutoCloseable {

  static MigratedStore start(int poolSize, int seriesCacheEntries) throws Exception {
    MariaDbServer db = MariaDbServer.start();
    Database database = new Database(db.jdbcUrl(), MariaDbServer.USER, db.password(), poolSize);
    if (!database.migrate()) {
      TestResources.closeAll(database, db);
      throw new IllegalStateException("migrations failed");
    }
    Ingester ingester =
        new Ingester(
            new SeriesDirectory(database.jdbi(), seriesCacheEntries),
            new SampleWriter(database.jdbi(), 500),
            new ArchiverMetrics());
    return new MigratedStore(db, database, ingester);
  }

  @Override
  public void close() throws IOException {
    try {
      database.close();
    } finally {
      db.close();
    }
  }
}
