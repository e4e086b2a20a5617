package io.vmwatch.archiver.http;

import static io.vmwatch.archiver.ArchiverFixture.count;
import static io.vmwatch.archiver.TestResources.stopping;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.archiver.Flags;
import io.vmwatch.archiver.MariaDbServer;
import io.vmwatch.archiver.TestResources;
import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteEncoder;
import io.vmwatch.archiver.codec.TimeSeries;
import io.vmwatch.archiver.codec.WriteRequest;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The archiver jar at its documented heap (the -Xmx of archiver/Dockerfile, which compose repeats)
 * against hostile clients, loopback only and bounded in count and time: a stream of worst-case
 * bodies (the measured case: 4,000,000 one-sample series in 5.7 MB of snappy) answered 413 without
 * running out of memory; 200 clients sending half a request line while /-/healthy answers within a
 * second; every worker held by a client that sends no body, so a write gets 503 at once while
 * health stays fast; valid writes succeed after each.
 */
class HostileClientsIT {
  private static final Path ROOT = Path.of(System.getProperty("vmwatch.root", ".."));
  private static final Path JAR =
      Path.of(System.getProperty("vmwatch.archiver.jar", "target/vmwatch-archiver.jar"));
  private static final int REQUEST_TIMEOUT_SECONDS = 10;
  private static final long HEALTHY_WITHIN_MILLIS = 1000;
  private static final long NOW = System.currentTimeMillis();

  private static MariaDbServer db;
  private static Process archiver;
  private static Path log;
  private static int port;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** The heap set in archiver/Dockerfile; docker-compose.yml must set the same. */
  static String documentedHeap() throws IOException {
    Matcher m =
        Pattern.compile("ENV JDK_JAVA_OPTIONS=\"(-Xmx\\d+[mg])\"")
            .matcher(Files.readString(ROOT.resolve("archiver/Dockerfile")));
    assertTrue(m.find(), "archiver/Dockerfile sets no -Xmx in JDK_JAVA_OPTIONS");
    String compose = Files.readString(ROOT.resolve("docker-compose.yml"));
    assertTrue(
        compose.contains("JDK_JAVA_OPTIONS: " + m.group(1)),
        "docker-compose.yml does not set " + m.group(1));
    return m.group(1);
  }

  @BeforeAll
  static void start() throws Exception {
    db = MariaDbServer.start();
    port = MariaDbServer.freePort();
    log = Files.createTempFile("archiver-hostile", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                documentedHeap(),
                "-XX:+UseSerialGC",
                "-jar",
                JAR.toString(),
                "--web.listen-address=127.0.0.1:" + port,
                "--db.url=" + db.jdbcUrl(),
                "--db.user=" + MariaDbServer.USER,
                "--web.request-timeout=" + REQUEST_TIMEOUT_SECONDS + "s")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put(Flags.PASSWORD_ENV, db.password());
    archiver = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (status("/-/ready") != 200) {
      assertTrue(
          archiver.isAlive() && System.nanoTime() < deadline,
          "archiver not ready:\n" + Files.readString(log));
      Thread.sleep(300);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    TestResources.closeAll(stopping(archiver, 30), db);
  }

  private static int status(String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  private static HttpResponse<String> write(byte[] body) throws IOException, InterruptedException {
    return HTTP.send(
        RemoteWriteEncoder.post(
                "http://127.0.0.1:" + port + "/api/v1/write", body, Duration.ofSeconds(60))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * count one-sample series, 26 distinct ones repeated (a WriteRequest's series field simply
   * repeats, so concatenated requests are one request): 30 bytes each decoded (one-letter name,
   * timestamp 1), and snappy shrinks the repetition about twentyfold, as in the measured case.
   */
  private static byte[] oneSampleSeries(int count) {
    java.io.ByteArrayOutputStream period = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < 26; i++) {
      period.writeBytes(
          RemoteWriteEncoder.protobuf(
              new WriteRequest(
                  List.of(
                      new TimeSeries(
                          List.of(new Label("__name__", String.valueOf((char) ('a' + i)))),
                          new long[] {1},
                          new double[] {i},
                          0)))));
    }
    byte[] one = period.toByteArray();
    byte[] all = new byte[one.length * (count / 26)];
    for (int i = 0; i < count / 26; i++) {
      System.arraycopy(one, 0, all, i * one.length, one.length);
    }
    return all;
  }

  private static byte[] validBody(String name) {
    return RemoteWriteEncoder.snappy(
        new WriteRequest(
            List.of(
                new TimeSeries(
                    List.of(new Label("__name__", name), new Label("instance", "vm-1")),
                    new long[] {NOW},
                    new double[] {42},
                    0))));
  }

  private static void assertStoredAfterAValidWrite(String name) throws Exception {
    HttpResponse<String> response = write(validBody(name));
    assertEquals(204, response.statusCode(), response.body());
    try (Connection c = db.connect()) {
      assertEquals(
          1,
          count(
              c,
              "SELECT COUNT(*) FROM samples x JOIN series s ON s.id = x.series_id"
                  + " WHERE s.metric = '"
                  + name
                  + "'"));
    }
  }

  private static void sendConcurrently(
      byte[] body, int requests, int inFlight, String expectedReason) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(inFlight);
    try {
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        answers.add(pool.submit(() -> write(body)));
      }
      for (Future<HttpResponse<String>> answer : answers) {
        HttpResponse<String> response = answer.get(120, TimeUnit.SECONDS);
        assertEquals(413, response.statusCode(), response.body());
        assertTrue(response.body().contains(expectedReason), response.body());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aStreamOfWorstCaseBodiesGets413AndTheArchiverKeepsServing() throws Exception {
    byte[] decoded = oneSampleSeries(4_000_000);
    byte[] body = RemoteWriteEncoder.compress(decoded);
    System.out.printf(
        "worst case: %,d series, %,d bytes of snappy, %,d decoded%n",
        decoded.length / 30, body.length, decoded.length);
    decoded = null;
    sendConcurrently(body, 16, 4, "decoded body of");
    // under the decoded-size limit, but far more objects than the heap budget of a request
    byte[] manySeries = RemoteWriteEncoder.compress(oneSampleSeries(1_000_000));
    sendConcurrently(manySeries, 16, 8, "one request");

    assertTrue(archiver.isAlive(), Files.readString(log));
    assertFalse(Files.readString(log).contains("OutOfMemoryError"), Files.readString(log));
    assertStoredAfterAValidWrite("after_worst_case");
  }

  private static List<Socket> openSlow(int count, String head) throws IOException {
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Socket socket = new Socket("127.0.0.1", port);
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      sockets.add(socket);
    }
    return sockets;
  }

  private static void closeAll(List<Socket> sockets) {
    for (Socket socket : sockets) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closed already
      }
    }
  }

  /** Sorted latencies in milliseconds of count GETs of path, each of which must answer 200. */
  private static long[] latencies(String path, int count) throws Exception {
    long[] millis = new long[count];
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      assertEquals(200, status(path), path + " during the flood");
      millis[i] = (System.nanoTime() - start) / 1_000_000;
      Thread.sleep(50);
    }
    Arrays.sort(millis);
    return millis;
  }

  private static String summary(long[] sorted) {
    return "p50 "
        + sorted[sorted.length / 2]
        + " ms, p99 "
        + sorted[(int) Math.ceil(sorted.length * 0.99) - 1]
        + " ms, max "
        + sorted[sorted.length - 1]
        + " ms";
  }

  @Test
  void twoHundredSlowClientsLeaveHealthFastAndAreClosedAfterTheRequestTimeout() throws Exception {
    List<Socket> slow = openSlow(200, "POST /api/v1/wr");
    try {
      // The first check waits behind the flood's accepts (a thread each) and must just answer;
      // every check after it, with the slow clients still connected, within HEALTHY_WITHIN_MILLIS.
      long[] first = latencies("/-/healthy", 1);
      System.out.println(
          "archiver, 200 slow clients: first /-/healthy after the flood " + first[0] + " ms");
      long[] healthy = latencies("/-/healthy", 40);
      long[] ready = latencies("/-/ready", 20);
      System.out.println(
          "archiver, 200 slow clients: /-/healthy "
              + summary(healthy)
              + "; /-/ready "
              + summary(ready)
              + "; all /-/healthy: "
              + Arrays.toString(healthy));
      assertTrue(
          healthy[healthy.length - 1] < HEALTHY_WITHIN_MILLIS, "/-/healthy " + summary(healthy));
      assertTrue(ready[ready.length - 1] < HEALTHY_WITHIN_MILLIS, "/-/ready " + summary(ready));
      assertStoredAfterAValidWrite("during_slow_flood");
      // the server gives up on each half-sent request after the request timeout
      long start = System.nanoTime();
      for (Socket socket : slow.subList(0, 20)) {
        socket.setSoTimeout((REQUEST_TIMEOUT_SECONDS + 5) * 1000);
        int read;
        try {
          read = socket.getInputStream().read();
        } catch (SocketTimeoutException e) {
          throw new AssertionError("a half-sent request stayed open", e);
        } catch (IOException reset) {
          read = -1;
        }
        assertEquals(-1, read);
      }
      long seconds = (System.nanoTime() - start) / 1_000_000_000;
      assertTrue(seconds <= REQUEST_TIMEOUT_SECONDS + 3, "closed after " + seconds + " s");
    } finally {
      closeAll(slow);
    }
    assertStoredAfterAValidWrite("after_slow_flood");
  }

  @Test
  void whenEveryWorkerIsHeldAWriteGets503AndHealthStaysFast() throws Exception {
    // 8 workers (the default), each held by a client that sent its head and no body
    String head =
        "POST /api/v1/write HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            + "Content-Encoding: snappy\r\nContent-Length: 1000\r\n\r\n";
    List<Socket> holders = openSlow(8, head);
    try {
      Thread.sleep(300);
      long start = System.nanoTime();
      HttpResponse<String> busy = write(validBody("while_busy"));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(503, busy.statusCode(), busy.body());
      assertEquals("1", busy.headers().firstValue("Retry-After").orElse(""));
      assertTrue(millis < 2500, "503 after " + millis + " ms");
      long[] healthy = latencies("/-/healthy", 10);
      assertTrue(
          healthy[healthy.length - 1] < HEALTHY_WITHIN_MILLIS, "/-/healthy " + summary(healthy));
    } finally {
      closeAll(holders);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(REQUEST_TIMEOUT_SECONDS + 10);
    HttpResponse<String> response;
    while ((response = write(validBody("after_busy"))).statusCode() != 204
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertEquals(204, response.statusCode(), response.body());
    double busy = 0;
    for (String line :
        HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body()
            .split("\n")) {
      if (line.startsWith("vmwatch_archiver_requests_rejected_total{reason=\"busy\"}")) {
        busy = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    assertTrue(busy >= 1, "busy answers are counted");
  }
}
