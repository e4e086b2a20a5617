package io.vmwatch.archiver.http;

import static io.vmwatch.archiver.TestResources.closeAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.vmwatch.archiver.ArchiverFixture;
import io.vmwatch.archiver.MariaDbServer;
import io.vmwatch.archiver.chunk.ChunkedFrames;
import io.vmwatch.archiver.chunk.ChunkedReadResponseWriter;
import io.vmwatch.archiver.chunk.XorChunk;
import io.vmwatch.archiver.chunk.XorChunkIterator;
import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteEncoder;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

/**
 * Remote read answered with STREAMED_XOR_CHUNKS from a real MariaDB, checked against the SAMPLES
 * answer to the same request: frames read strictly (CRC32-C checked, {@link ChunkedFrames}), chunks
 * decoded with the archiver's XOR decoder, equal to the SAMPLES answer bit for bit (raw samples,
 * rollup points, NaN and infinities); query order; 1 MiB frames on a large answer; the limits, also
 * when passed after frames went out; response-type negotiation.
 */
class StreamedReadIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Random values at 1 s: about 8.5 bytes a sample in chunks, so about 1.3 MB: 2 frames. */
  private static final int BIG = 160_000;

  /** Equal values at 1 s: 2 bits a sample, about 42 KB: over LIMITED's samples in 64 KiB. */
  private static final int FLAT = 170_000;

  /** Just below sr_big: its first full frame (1 MiB) goes out before the limit is passed. */
  private static final int LIMITED_SAMPLES = BIG - 1000;

  private static MariaDbServer db;
  private static ArchiverFixture archiver;
  private static ArchiverFixture limited;

  /** First sample, three days ago on a whole hour (ms). */
  private static long base;

  private static long end;

  @BeforeAll
  static void start() throws Exception {
    db = MariaDbServer.start();
    archiver = new ArchiverFixture(db, WriteAuth.none(), 50, 1_000_000);
    limited = new ArchiverFixture(db, WriteAuth.none(), 3, LIMITED_SAMPLES);
    base = (System.currentTimeMillis() / 3_600_000 - 72) * 3_600_000;
    end = base + BIG * 1000L;
    Random random = new Random(7);

    double[] big = new double[BIG];
    for (int i = 0; i < BIG; i++) {
      big[i] = random.nextDouble() * Math.PI * 1e3;
    }
    write(series("sr_big", "vm-1:9717", null), everySecond(BIG), big);
    double[] flat = new double[FLAT];
    Arrays.fill(flat, 1.0);
    write(series("sr_flat", "vm-1:9717", null), everySecond(FLAT), flat);

    // irregular times, and values Prometheus must get exactly: NaN (stored as NULL, answered as
    // Prometheus' ordinary NaN), infinities, signed zeros, runs of equal values
    for (String mode : new String[] {"user", "system", "idle"}) {
      int n = 3000;
      long[] times = new long[n];
      double[] values = new double[n];
      long t = base + random.nextInt(1000);
      for (int i = 0; i < n; i++) {
        times[i] = t;
        t += 15_000 + random.nextInt(2001) - 1000 + (i % 500 == 499 ? 600_000 : 0);
        values[i] =
            switch (random.nextInt(8)) {
              case 0 -> Double.NaN;
              case 1 -> Double.POSITIVE_INFINITY;
              case 2 -> Double.NEGATIVE_INFINITY;
              case 3 -> -0.0;
              case 4 -> i > 0 ? values[i - 1] : 0;
              default -> random.nextGaussian() * 1e6;
            };
      }
      write(series("sr_odd", "vm-2:9717", mode), times, values);
    }

    // a counter a day before the others, rolled up, its first hour of raw samples then dropped as
    // the raw retention would: its first hour is answered from the rollup points
    int n = 480;
    long[] times = new long[n];
    double[] counter = new double[n];
    long rolledStart = base - 86_400_000L;
    for (int i = 0; i < n; i++) {
      times[i] = rolledStart + i * 15_000L;
      counter[i] = i == 0 ? 500 : i == 100 ? 1 : counter[i - 1] + random.nextDouble() * 10;
    }
    write(series("sr_rolled_total", "vm-3:9717", null), times, counter);
    assertEquals(240, archiver.rollUpThenDeleteRaw("sr_rolled_total", rolledStart + 3_600_000L));
  }

  @AfterAll
  static void stop() throws Exception {
    closeAll(limited, archiver, db);
  }

  @Test
  void theStreamedAnswerEqualsTheSamplesAnswerBitForBit() throws Exception {
    long dayBefore = base - 86_400_000L;
    byte[][] queries = {
      query(base, end, eq("__name__", "sr_odd")),
      query(base + 1_234_567, base + 7_654_321, eq("__name__", "sr_odd"), re("mode", "user|idle")),
      query(dayBefore, dayBefore + 7_200_000, eq("__name__", "sr_rolled_total")),
      query(dayBefore + 1_000_000, dayBefore + 5_000_000, eq("__name__", "sr_rolled_total")),
      query(base, end, re("__name__", "sr_.*"), neq("instance", "vm-1:9717")),
      query(base + 500_000, base + 4_000_000, re("__name__", "sr_(big|flat)")),
    };
    double samplesBefore = archiver.metric("vmwatch_archiver_read_samples_total");
    long expectedSamples = 0;
    for (byte[] q : queries) {
      List<List<SeriesSamples>> samples = samplesAnswer(archiver, request(List.of(q), 0));
      HttpResponse<byte[]> streamed = read(archiver, request(List.of(q), 1, 0));
      assertEquals(200, streamed.statusCode(), text(streamed));
      assertEquals(
          ChunkedReadResponseWriter.CONTENT_TYPE,
          streamed.headers().firstValue("Content-Type").orElse(""));
      assertFalse(streamed.headers().firstValue("Content-Encoding").isPresent());
      List<List<SeriesSamples>> chunks = decodeStreamed(streamed.body(), 1);
      assertFalse(samples.get(0).isEmpty(), "the query should select something");
      assertEquals(samples, chunks);
      for (SeriesSamples s : chunks.get(0)) {
        expectedSamples += s.samples().size();
      }
    }
    // the rolled-up range came back: its points before the first raw sample are rollup points
    List<SeriesSamples> rolled =
        decodeStreamed(read(archiver, request(List.of(queries[2]), 1)).body(), 1).get(0);
    assertEquals(12 + 240, rolled.get(0).samples().size(), "12 rollup points, 240 raw samples");
    assertEquals(
        samplesBefore + 2 * expectedSamples + 12 + 240,
        archiver.metric("vmwatch_archiver_read_samples_total"),
        "samples counted, SAMPLES and streamed alike");
  }

  @Test
  void severalQueriesAnswerInOrderWithTheirIndex() throws Exception {
    List<byte[]> queries =
        List.of(
            query(base, end, eq("__name__", "sr_odd"), eq("mode", "system")),
            query(base, base + 100_000, eq("__name__", "sr_flat")),
            query(base, end, eq("__name__", "sr_nothing_here")),
            query(base, end, eq("__name__", "sr_odd")));
    HttpResponse<byte[]> streamed = read(archiver, request(queries, 1));
    List<ChunkedFrames.Frame> frames = ChunkedFrames.read(streamed.body());
    List<Long> order = new ArrayList<>();
    for (ChunkedFrames.Frame frame : frames) {
      assertEquals(1, frame.series().size(), "one series a frame");
      if (order.isEmpty() || order.get(order.size() - 1) != frame.queryIndex()) {
        order.add(frame.queryIndex());
      }
    }
    assertEquals(List.of(0L, 1L, 3L), order, "query 2 selects nothing");
    assertEquals(samplesAnswer(archiver, request(queries, 0)), decodeStreamed(streamed.body(), 4));
  }

  @Test
  void framesStayWithinOneMebibyteOnALargeAnswer() throws Exception {
    HttpResponse<byte[]> streamed =
        read(archiver, request(List.of(query(base, end, eq("__name__", "sr_big"))), 1));
    assertEquals(200, streamed.statusCode());
    List<ChunkedFrames.Frame> frames = ChunkedFrames.read(streamed.body());
    assertTrue(frames.size() >= 2, "a 1.3 MB series takes two frames at least: " + frames.size());
    int largest = 0;
    int chunks = 0;
    for (ChunkedFrames.Frame frame : frames) {
      assertTrue(frame.wireBytes() <= ChunkedReadResponseWriter.MAX_FRAME_BYTES);
      assertEquals(
          List.of(new Label("__name__", "sr_big"), new Label("instance", "vm-1:9717")),
          frame.series().get(0).labels(),
          "a split series repeats its labels");
      largest = Math.max(largest, frame.wireBytes());
      chunks += frame.series().get(0).chunks().size();
    }
    assertTrue(largest > 1_000_000, "frames are filled up to the limit: " + largest);
    assertEquals((BIG + 119) / 120, chunks, "chunks of 120 samples");
    List<SeriesSamples> series = decodeStreamed(streamed.body(), 1).get(0);
    assertEquals(BIG, series.get(0).samples().size());
  }

  @Test
  void limitsAreTheSamplesLimitsAndAStreamCutShortIsAnError() throws Exception {
    // over --read.max-samples within the held-back start of the answer: a clean 422
    byte[] flat = request(List.of(query(base, end, eq("__name__", "sr_flat"))), 1);
    HttpResponse<byte[]> refused = read(limited, flat);
    assertEquals(422, refused.statusCode());
    assertTrue(text(refused).contains("--read.max-samples"), text(refused));
    assertEquals(
        422,
        read(limited, request(List.of(query(base, end, eq("__name__", "sr_flat"))), 0))
            .statusCode());

    // over --read.max-series: 422 before anything is read
    HttpResponse<byte[]> series =
        read(limited, request(List.of(query(base, end, re("__name__", "sr_.*"))), 1));
    assertEquals(422, series.statusCode());
    assertTrue(text(series).contains("--read.max-series"), text(series));

    // over --read.max-samples after a full frame went out: the stream ends in an
    // incomplete frame, which a frame reader reports as an error
    double before =
        limited.metric(
            "vmwatch_archiver_read_requests_rejected_total{reason=\"too_many_samples\"}");
    HttpResponse<byte[]> cut =
        read(limited, request(List.of(query(base, end, eq("__name__", "sr_big"))), 1));
    assertEquals(200, cut.statusCode(), "the status went out with the first frames");
    IOException e = assertThrows(IOException.class, () -> ChunkedFrames.read(cut.body()));
    assertTrue(e.getMessage().contains("unexpected end of stream"), e.getMessage());
    assertTrue(text(cut).endsWith("(--read.max-samples); ask for a shorter range or fewer series"));
    assertTrue(cut.body().length > ReadHandler.DEFERRED_BYTES);
    assertEquals(
        before + 1,
        limited.metric(
            "vmwatch_archiver_read_requests_rejected_total{reason=\"too_many_samples\"}"));
    // within the limit the same archiver streams completely
    HttpResponse<byte[]> fits =
        read(
            limited, request(List.of(query(base, base + 50_000_000, eq("__name__", "sr_big"))), 1));
    assertEquals(50_001, decodeStreamed(fits.body(), 1).get(0).get(0).samples().size());
  }

  @Test
  void theFirstResponseTypeTheArchiverKnowsIsAnswered() throws Exception {
    List<byte[]> q = List.of(query(base, base + 60_000, eq("__name__", "sr_flat")));
    assertStreamed(read(archiver, request(q, 1, 0)));
    assertStreamed(read(archiver, request(q, 7, 1, 0)));
    assertSamples(read(archiver, request(q, 0, 1)));
    assertSamples(read(archiver, request(q, 7, 0, 1)));
    assertSamples(read(archiver, request(q)));
    HttpResponse<byte[]> unknown = read(archiver, request(q, 7, 9));
    assertEquals(400, unknown.statusCode());
    assertTrue(text(unknown).contains("STREAMED_XOR_CHUNKS"), text(unknown));

    HttpResponse<byte[]> empty =
        read(archiver, request(List.of(query(base, end, eq("__name__", "sr_none"))), 1));
    assertEquals(200, empty.statusCode());
    assertEquals(0, empty.body().length, "no series, no frame");
  }

  private static void assertStreamed(HttpResponse<byte[]> answer) throws IOException {
    assertEquals(200, answer.statusCode(), text(answer));
    assertEquals(
        ChunkedReadResponseWriter.CONTENT_TYPE,
        answer.headers().firstValue("Content-Type").orElse(""));
    assertEquals(61, decodeStreamed(answer.body(), 1).get(0).get(0).samples().size());
  }

  private static void assertSamples(HttpResponse<byte[]> answer) throws IOException {
    assertEquals(200, answer.statusCode(), text(answer));
    assertEquals("application/x-protobuf", answer.headers().firstValue("Content-Type").orElse(""));
    assertEquals("snappy", answer.headers().firstValue("Content-Encoding").orElse(""));
    assertEquals(61, decodeSamples(answer.body()).get(0).get(0).samples().size());
  }

  // --- data ---

  private static List<Label> series(String name, String instance, String mode) {
    List<Label> labels = new ArrayList<>();
    labels.add(new Label("__name__", name));
    labels.add(new Label("instance", instance));
    if (mode != null) {
      labels.add(new Label("mode", mode));
    }
    return labels;
  }

  private static long[] everySecond(int n) {
    long[] times = new long[n];
    for (int i = 0; i < n; i++) {
      times[i] = base + i * 1000L;
    }
    return times;
  }

  /** Writes through remote write, 20,000 samples a request. */
  private static void write(List<Label> labels, long[] times, double[] values) throws Exception {
    for (int from = 0; from < times.length; from += 20_000) {
      int to = Math.min(times.length, from + 20_000);
      TimeSeries part =
          new TimeSeries(
              labels, Arrays.copyOfRange(times, from, to), Arrays.copyOfRange(values, from, to), 0);
      assertEquals(204, archiver.write(RemoteWriteEncoder.snappy(new WriteRequest(List.of(part)))));
    }
  }

  // --- requests ---

  private static byte[] eq(String name, String value) throws IOException {
    return RemoteReadIT.matcher(0, name, value);
  }

  private static byte[] neq(String name, String value) throws IOException {
    return RemoteReadIT.matcher(1, name, value);
  }

  private static byte[] re(String name, String value) throws IOException {
    return RemoteReadIT.matcher(2, name, value);
  }

  private static byte[] query(long start, long end, byte[]... matchers) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream q = CodedOutputStream.newInstance(out);
    q.writeInt64(1, start);
    q.writeInt64(2, end);
    for (byte[] m : matchers) {
      q.writeByteArray(3, m);
    }
    q.flush();
    return out.toByteArray();
  }

  /** A snappy ReadRequest of the queries, accepting the response types in this order. */
  private static byte[] request(List<byte[]> queries, int... acceptedTypes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream r = CodedOutputStream.newInstance(out);
    for (byte[] q : queries) {
      r.writeByteArray(1, q);
    }
    for (int type : acceptedTypes) {
      r.writeEnum(2, type);
    }
    r.flush();
    return Snappy.compress(out.toByteArray());
  }

  private static HttpResponse<byte[]> read(ArchiverFixture target, byte[] body)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(target.baseUrl() + "/api/v1/read"))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .header("Content-Type", "application/x-protobuf")
            .header("Content-Encoding", "snappy")
            .header("X-Prometheus-Remote-Read-Version", "0.1.0")
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String text(HttpResponse<byte[]> answer) {
    return new String(answer.body(), StandardCharsets.ISO_8859_1);
  }

  // --- answers ---

  /** A series and its samples: timestamp and the value's 64 bits. */
  private record SeriesSamples(List<Label> labels, List<List<Long>> samples) {}

  private static List<List<SeriesSamples>> samplesAnswer(ArchiverFixture target, byte[] request)
      throws Exception {
    HttpResponse<byte[]> answer = read(target, request);
    assertEquals(200, answer.statusCode(), text(answer));
    assertEquals("snappy", answer.headers().firstValue("Content-Encoding").orElse(""));
    return decodeSamples(answer.body());
  }

  /** ReadResponse { QueryResult { TimeSeries { Label, Sample } } }, decoded here. */
  private static List<List<SeriesSamples>> decodeSamples(byte[] body) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(Snappy.uncompress(body));
    List<List<SeriesSamples>> results = new ArrayList<>();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      CodedInputStream result = CodedInputStream.newInstance(in.readByteArray());
      List<SeriesSamples> series = new ArrayList<>();
      for (int t = result.readTag(); t != 0; t = result.readTag()) {
        CodedInputStream ts = CodedInputStream.newInstance(result.readByteArray());
        List<Label> labels = new ArrayList<>();
        List<List<Long>> samples = new ArrayList<>();
        for (int f = ts.readTag(); f != 0; f = ts.readTag()) {
          CodedInputStream field = CodedInputStream.newInstance(ts.readByteArray());
          if (f >>> 3 == 1) {
            String name = "";
            String value = "";
            for (int l = field.readTag(); l != 0; l = field.readTag()) {
              if (l >>> 3 == 1) {
                name = field.readString();
              } else {
                value = field.readString();
              }
            }
            labels.add(new Label(name, value));
          } else {
            long bits = 0;
            long timestamp = 0;
            for (int s = field.readTag(); s != 0; s = field.readTag()) {
              if (s >>> 3 == 1) {
                bits = field.readFixed64();
              } else {
                timestamp = field.readInt64();
              }
            }
            samples.add(List.of(timestamp, bits));
          }
        }
        series.add(new SeriesSamples(labels, samples));
      }
      results.add(series);
    }
    return results;
  }

  /**
   * The frames of a streamed answer as per-query series with their chunks' samples: a series split
   * over frames (same labels, one after the other) is joined.
   */
  private static List<List<SeriesSamples>> decodeStreamed(byte[] body, int queries)
      throws IOException {
    List<List<SeriesSamples>> results = new ArrayList<>();
    for (int i = 0; i < queries; i++) {
      results.add(new ArrayList<>());
    }
    long lastQuery = 0;
    for (ChunkedFrames.Frame frame : ChunkedFrames.read(body)) {
      assertTrue(frame.queryIndex() >= lastQuery, "query_index goes backwards");
      lastQuery = frame.queryIndex();
      List<SeriesSamples> result = results.get((int) frame.queryIndex());
      for (ChunkedFrames.Series s : frame.series()) {
        SeriesSamples last = result.isEmpty() ? null : result.get(result.size() - 1);
        if (last == null || !last.labels().equals(s.labels())) {
          last = new SeriesSamples(s.labels(), new ArrayList<>());
          result.add(last);
        }
        for (XorChunk chunk : s.chunks()) {
          XorChunkIterator it = chunk.iterator();
          long first = Long.MAX_VALUE;
          long latest = Long.MIN_VALUE;
          while (it.next()) {
            last.samples().add(List.of(it.timestampMs(), it.valueBits()));
            first = Math.min(first, it.timestampMs());
            latest = Math.max(latest, it.timestampMs());
          }
          assertEquals(first, chunk.minTimeMs(), "min_time_ms of a chunk");
          assertEquals(latest, chunk.maxTimeMs(), "max_time_ms of a chunk");
        }
      }
    }
    return results;
  }
}
