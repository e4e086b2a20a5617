package io.vmwatch.archiver.storage;

import static io.vmwatch.archiver.ArchiverFixture.count;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmwatch.archiver.ArchiverFixture;
import io.vmwatch.archiver.MariaDbServer;
import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteEncoder;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import io.vmwatch.archiver.http.WriteAuth;
import io.vmwatch.archiver.metrics.ArchiverMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The database behind a running archiver is replaced without any write failing (the pool simply
 * opens new connections): by another database whose series have other ids, and by a restore of an
 * earlier backup of its own. Every sample must still be stored under the series it belongs to. Each
 * sample's value is the number in its instance label, so a sample under a foreign id shows.
 */
class DatabaseSwapIT {
  private static final String METRIC = "swap_probe";

  private static byte[] request(int from, int to, long ts) {
    List<TimeSeries> list = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      list.add(
          new TimeSeries(
              List.of(new Label("__name__", METRIC), new Label("instance", "a-" + i)),
              new long[] {ts},
              new double[] {i},
              0));
    }
    return RemoteWriteEncoder.snappy(new WriteRequest(list));
  }

  /**
   * Replaces the datadir under the archiver, who keeps running; the restarted server gets the
   * archiver's password.
   */
  private static void swap(MariaDbServer db, Path data) throws Exception {
    db.shutdown();
    db.replaceDataWith(data);
    db.restart();
    db.admin(
        "ALTER USER '"
            + MariaDbServer.USER
            + "'@'127.0.0.1' IDENTIFIED BY '"
            + db.password()
            + "'");
    Thread.sleep(
        1500); // past the pool's validation bypass: dead connections are replaced, not used
  }

  private static void assertEverySampleUnderItsOwnSeries(MariaDbServer db, int samplesExpected)
      throws Exception {
    try (Connection c = db.connect()) {
      assertEquals(
          0,
          count(
              c,
              "SELECT COUNT(*) FROM samples x LEFT JOIN series s ON s.id = x.series_id"
                  + " WHERE s.id IS NULL"),
          "samples under an id this database does not hold");
      assertEquals(
          0,
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric <> '"
                  + METRIC
                  + "' AND x.value < 100"),
          "probe samples under another series");
      assertEquals(
          0,
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric = '"
                  + METRIC
                  + "' AND x.value <> CAST(SUBSTRING(s.instance, 3) AS DOUBLE)"),
          "probe samples under another probe series");
      assertEquals(
          samplesExpected,
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s"
                  + " ON s.id = x.series_id WHERE s.metric = '"
                  + METRIC
                  + "'"));
    }
  }

  @Test
  void anotherDatabaseBehindTheSameAddressNeverGetsSamplesUnderForeignIds() throws Exception {
    try (MariaDbServer other = MariaDbServer.start()) {
      // The other database: migrated, with its own series at ids 1..3.
      try (Database database =
          new Database(other.jdbcUrl(), MariaDbServer.USER, other.password(), 2)) {
        if (!database.migrate()) {
          throw new IllegalStateException("migration of the other database failed");
        }
        Ingester ingester =
            new Ingester(
                new SeriesDirectory(database.jdbi(), 100),
                new SampleWriter(database.jdbi(), 100),
                new ArchiverMetrics());
        List<TimeSeries> own = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
          own.add(
              new TimeSeries(
                  List.of(new Label("__name__", "other_" + i)),
                  new long[] {System.currentTimeMillis()},
                  new double[] {100 + i},
                  0));
        }
        ingester.ingest(new WriteRequest(own));
      }
      other.shutdown();

      try (MariaDbServer db = MariaDbServer.start();
          ArchiverFixture archiver = new ArchiverFixture(db, WriteAuth.none())) {
        long t = System.currentTimeMillis();
        assertEquals(204, archiver.write(request(1, 5, t)));

        swap(db, other.dataDir());

        assertEquals(204, archiver.write(request(1, 6, t + 15_000)));
        assertEquals(204, archiver.write(request(1, 6, t + 30_000)));
        assertEverySampleUnderItsOwnSeries(db, 12);
        assertEquals(1.0, archiver.metric("vmwatch_archiver_database_changes_total"));
      }
    }
  }

  @Test
  void aRestoreOfAnEarlierBackupNeverGetsSamplesUnderReissuedIds() throws Exception {
    Path backup = Files.createTempDirectory("vmwatch-backup-");
    try (MariaDbServer db = MariaDbServer.start();
        ArchiverFixture archiver = new ArchiverFixture(db, WriteAuth.none())) {
      long t = System.currentTimeMillis();
      assertEquals(204, archiver.write(request(1, 3, t)));
      db.shutdown();
      db.copyDataTo(backup.resolve("data"));
      db.restart();
      Thread.sleep(1500);
      assertEquals(204, archiver.write(request(4, 6, t + 15_000))); // ids 4..6, not in the backup

      swap(db, backup.resolve("data"));

      // a-7 is new: AUTO_INCREMENT of the restored table gives it id 4, which the cache knows as
      // a-4
      assertEquals(204, archiver.write(request(1, 7, t + 30_000)));
      assertEverySampleUnderItsOwnSeries(db, 3 + 7);
      assertEquals(1.0, archiver.metric("vmwatch_archiver_database_changes_total"));
    } finally {
      MariaDbServer.deleteTree(backup);
    }
  }
}
