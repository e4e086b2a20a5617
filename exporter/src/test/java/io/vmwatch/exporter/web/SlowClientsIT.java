package io.vmwatch.exporter.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.exporter.ExporterProcess;
import io.vmwatch.exporter.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Clients that send half a request line and wait, against the exporter run with
 * exporter/jvm.options (loopback only, bounded in count and time): once they are accepted,
 * /-/healthy keeps answering within a second, a scrape still works, and the server closes the slow
 * connections after its request timeout.
 */
class SlowClientsIT {
  private static final long HEALTHY_WITHIN_MILLIS = 1000;

  /** Opens count connections, each sending half a request line. */
  static List<Socket> flood(int port, int count) throws IOException {
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Socket socket = new Socket("127.0.0.1", port);
      socket.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      sockets.add(socket);
    }
    return sockets;
  }

  /**
   * One HTTP/1.1 GET on its own connection: status code, or -1 when no answer within the timeout.
   */
  static int get(int port, String path, int timeoutMillis) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(timeoutMillis);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] head = new byte[12];
      int n = socket.getInputStream().readNBytes(head, 0, head.length);
      if (n < 12) {
        return -1;
      }
      return Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII));
    } catch (SocketTimeoutException e) {
      return -1;
    }
  }

  /** Latencies of count health checks in milliseconds, sorted; each must answer 200. */
  static long[] healthLatencies(int port, int count) throws Exception {
    long[] millis = new long[count];
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      int status = get(port, "/-/healthy", 5000);
      millis[i] = (System.nanoTime() - start) / 1_000_000;
      assertEquals(200, status, "health check " + i + " during the flood");
      Thread.sleep(50);
    }
    Arrays.sort(millis);
    return millis;
  }

  static String summary(long[] sorted) {
    return "p50 "
        + sorted[sorted.length / 2]
        + " ms, p99 "
        + sorted[(int) Math.ceil(sorted.length * 0.99) - 1]
        + " ms, max "
        + sorted[sorted.length - 1]
        + " ms";
  }

  static void closeAll(List<Socket> sockets) {
    for (Socket socket : sockets) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  @Test
  void healthStaysFastAndScrapesWorkWhileSlowClientsHoldConnections() throws Exception {
    try (ExporterProcess exporter =
        ExporterProcess.start("--path.procfs=" + TestFiles.fixtureProcfs())) {
      int port = exporter.port();
      for (int clients : new int[] {60, 200}) {
        List<Socket> slow = flood(port, clients);
        try {
          // The first check waits behind the flood's accepts (a thread each): it must answer within
          // its 5 s timeout. Every check after it, with the slow clients still connected, within 1
          // s.
          long[] first = healthLatencies(port, 1);
          long[] latencies = healthLatencies(port, 40);
          System.out.println(
              "exporter, "
                  + clients
                  + " slow clients: first /-/healthy after the flood "
                  + first[0]
                  + " ms; then /-/healthy "
                  + summary(latencies));
          assertTrue(
              latencies[latencies.length - 1] < HEALTHY_WITHIN_MILLIS,
              clients
                  + " slow clients: /-/healthy "
                  + summary(latencies)
                  + "\n"
                  + exporter.stderr());
          assertEquals(200, get(port, "/metrics", 5000), "a scrape during the flood");
        } finally {
          closeAll(slow);
        }
      }
      assertEquals(200, get(port, "/metrics", 5000), "a scrape after the flood");
    }
  }

  @Test
  void theServerClosesAConnectionThatDoesNotFinishItsRequest() throws Exception {
    try (ExporterProcess exporter =
        ExporterProcess.start("--path.procfs=" + TestFiles.fixtureProcfs())) {
      List<Socket> slow = flood(exporter.port(), 20);
      try {
        long start = System.nanoTime();
        for (Socket socket : slow) {
          socket.setSoTimeout((WebServer.REQUEST_TIMEOUT_SECONDS + 5) * 1000);
          InputStream in = socket.getInputStream();
          int read;
          try {
            read = in.read();
          } catch (IOException reset) {
            read = -1;
          }
          assertEquals(-1, read, "the server answered or kept a half-sent request open");
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000;
        assertTrue(
            seconds <= WebServer.REQUEST_TIMEOUT_SECONDS + 3, "closed after " + seconds + " s");
        assertEquals(200, get(exporter.port(), "/metrics", 5000));
      } finally {
        closeAll(slow);
      }
    }
  }
}
