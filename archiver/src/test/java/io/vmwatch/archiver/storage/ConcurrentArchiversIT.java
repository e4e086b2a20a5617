package io.vmwatch.archiver.storage;

import static io.vmwatch.archiver.ArchiverFixture.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.archiver.ArchiverFixture;
import io.vmwatch.archiver.MariaDbServer;
import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteEncoder;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import io.vmwatch.archiver.http.WriteAuth;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Several stateless archivers writing one MySQL, as under sharded Prometheus (each shard remote-
 * writing to an archiver; prometheus/README.md, "Shards"): two archivers on one MariaDB, each fed
 * by two concurrent writers (Prometheus' parallel remote-write shards), all four released at the
 * same instant every round. Each round brings new series to both archivers at once: series only one
 * writer sends (a shard's own VMs, with its shard label) and series both archivers receive with the
 * same labels and samples at the same moment (a VM handed from one shard to another while both
 * still send it, a retried request). Every sample must be stored exactly once under the one id of
 * its label set, whatever the interleaving of the series inserts. A 503 is retried, as Prometheus
 * does; any other answer fails the test. Each sample's value encodes its series and round, so a
 * sample stored under another series' id shows.
 */
class ConcurrentArchiversIT {
  private static final String METRIC = "concurrent_probe";
  private static final int ROUNDS = 25;
  private static final int NEW_PER_ROUND = 40; // new series of each kind per round
  private static final int THREADS_PER_ARCHIVER = 2;
  private static final long START_MS = 1_764_547_200_000L; // 2025-12-01T00:00:00Z
  private static final long STEP_MS = 15_000;

  /** Series j of a kind: "shared" (both archivers) or "shard-N" (one archiver only). */
  private static TimeSeries series(String kind, int j, int round) {
    List<Label> labels = new ArrayList<>();
    labels.add(new Label("__name__", METRIC));
    labels.add(new Label("instance", kind + "-" + j));
    labels.add(new Label("kind", kind.startsWith("shard-") ? "own" : "shared"));
    if (kind.startsWith("shard-")) {
      labels.add(new Label("shard", kind.substring("shard-".length())));
    }
    return new TimeSeries(
        labels, new long[] {START_MS + round * STEP_MS}, new double[] {value(j, round)}, 0);
  }

  private static double value(int j, int round) {
    return j * 1000.0 + round;
  }

  /**
   * What one writer sends in a round: every series of its share that exists by then (j below
   * NEW_PER_ROUND * (round + 1)), shared ones and its archiver's own, one sample each.
   */
  private static byte[] request(int archiver, int thread, int round) {
    List<TimeSeries> list = new ArrayList<>();
    for (int j = thread; j < NEW_PER_ROUND * (round + 1); j += THREADS_PER_ARCHIVER) {
      list.add(series("shared", j, round));
      list.add(series("shard-" + archiver, j, round));
    }
    return RemoteWriteEncoder.snappy(new WriteRequest(list));
  }

  /** POSTs until the archiver answers 2xx; 503 (and only 503) is retried, counted in retries. */
  private static void send(ArchiverFixture archiver, byte[] body, AtomicInteger retries)
      throws Exception {
    for (int attempt = 1; ; attempt++) {
      int status = archiver.write(body);
      if (status / 100 == 2) {
        return;
      }
      if (status != 503 || attempt == 20) {
        throw new AssertionError("archiver answered " + status + " (attempt " + attempt + ")");
      }
      retries.incrementAndGet();
      Thread.sleep(100);
    }
  }

  /** Sum of every series of a metric family on the archiver's /metrics (0 when it has none). */
  private static double sumOf(ArchiverFixture archiver, String family) throws Exception {
    double sum = 0;
    for (String line : archiver.get("/metrics").body().split("\n")) {
      if (line.startsWith(family + " ") || line.startsWith(family + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  @Test
  void twoArchiversStoreEverySampleOnceUnderOneIdPerSeries() throws Exception {
    int writers = 2 * THREADS_PER_ARCHIVER;
    AtomicInteger retries = new AtomicInteger();
    try (MariaDbServer db = MariaDbServer.start();
        ArchiverFixture first = new ArchiverFixture(db, WriteAuth.none());
        ArchiverFixture second = new ArchiverFixture(db, WriteAuth.none())) {
      List<ArchiverFixture> archivers = List.of(first, second);
      CyclicBarrier together = new CyclicBarrier(writers);
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int a = 0; a < archivers.size(); a++) {
          for (int t = 0; t < THREADS_PER_ARCHIVER; t++) {
            int archiver = a;
            int thread = t;
            done.add(
                pool.submit(
                    () -> {
                      for (int round = 0; round < ROUNDS; round++) {
                        byte[] body = request(archiver, thread, round);
                        together.await(60, TimeUnit.SECONDS);
                        send(archivers.get(archiver), body, retries);
                      }
                      return null;
                    }));
          }
        }
        for (Future<?> f : done) {
          f.get(5, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }

      long seriesPerKind = (long) NEW_PER_ROUND * ROUNDS;
      long samplesPerKind = (long) NEW_PER_ROUND * ROUNDS * (ROUNDS + 1) / 2;
      try (Connection c = db.connect()) {
        String probe = "s.metric = '" + METRIC + "'";
        assertEquals(
            3 * seriesPerKind,
            count(c, "SELECT COUNT(*) FROM series s WHERE " + probe),
            "series rows: one per label set (shared, shard-0's, shard-1's)");
        assertEquals(
            3 * seriesPerKind,
            count(c, "SELECT COUNT(DISTINCT s.labels) FROM series s WHERE " + probe),
            "label sets stored under more than one id");
        assertEquals(
            seriesPerKind,
            count(
                c,
                "SELECT COUNT(*) FROM series s WHERE "
                    + probe
                    + " AND JSON_VALUE(s.labels, '$.kind') = 'shared'"),
            "shared series");
        assertEquals(
            3 * samplesPerKind,
            count(
                c,
                "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id WHERE "
                    + probe),
            "samples stored: every sample exactly once");
        // Every sample under its own series and round: value = j * 1000 + round, where j is the
        // number in the instance label and round follows from the timestamp.
        assertEquals(
            0,
            count(
                c,
                "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id WHERE "
                    + probe
                    + " AND x.value <> CAST(SUBSTRING_INDEX(s.instance, '-', -1) AS DOUBLE) * 1000"
                    + " + (x.ts - "
                    + START_MS
                    + ") / "
                    + STEP_MS),
            "samples stored under another series or round");
        // Each series has one sample per round from the round it appeared in.
        assertEquals(
            0,
            count(
                c,
                "SELECT COUNT(*) FROM (SELECT s.id, COUNT(*) n,"
                    + " CAST(SUBSTRING_INDEX(s.instance, '-', -1) AS UNSIGNED) j"
                    + " FROM series s JOIN samples x ON x.series_id = s.id WHERE "
                    + probe
                    + " GROUP BY s.id, s.instance) t WHERE t.n <> "
                    + ROUNDS
                    + " - FLOOR(t.j / "
                    + NEW_PER_ROUND
                    + ")"),
            "series with a sample missing");
      }
      for (ArchiverFixture archiver : archivers) {
        assertEquals(
            0.0, sumOf(archiver, "vmwatch_archiver_samples_rejected_total"), "samples rejected");
        assertTrue(
            sumOf(archiver, "vmwatch_archiver_samples_written_total") >= 2 * samplesPerKind,
            "an archiver wrote fewer samples than it was sent");
      }
      System.out.printf(
          "two archivers, %d writers, %d rounds: %d series, %d samples stored once; %d 503s"
              + " retried%n",
          writers, ROUNDS, 3 * seriesPerKind, 3 * samplesPerKind, retries.get());
    }
  }
}
