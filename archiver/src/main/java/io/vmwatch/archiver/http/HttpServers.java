package io.vmwatch.archiver.http;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JDK HTTP server with bounds against slow and idle clients. The JDK server reads a request's
 * head on a thread of its executor, so a client that sends half a request line holds that thread;
 * here that thread is a cheap "connection thread" (one per open connection at most), never one of
 * the few workers that do the real work ({@link BoundedWork}). The JDK's own limits close what a
 * client does not finish: {@code sun.net.httpserver.maxReqTime} (request head, body and the wait
 * for the response's start), {@code maxRspTime} (sending the response), {@code idleInterval} (idle
 * keep-alive connections) and {@code jdk.httpserver.maxConnections} (connections beyond it are
 * closed at once). These are JVM-wide and read when the first server of the JVM is created.
 */
public final class HttpServers {
  /** Idle keep-alive connections are closed after this many seconds. */
  static final int IDLE_SECONDS = 30;

  private HttpServers() {}

  /**
   * A server whose executor runs each connection on its own thread, at most maxConnections at once.
   */
  public static HttpServer create(
      InetSocketAddress address, int maxConnections, Duration requestTimeout, String name)
      throws IOException {
    String seconds = Long.toString(Math.max(1, (requestTimeout.toMillis() + 999) / 1000));
    System.setProperty("sun.net.httpserver.maxReqTime", seconds);
    System.setProperty("sun.net.httpserver.maxRspTime", seconds);
    System.setProperty("sun.net.httpserver.idleInterval", Integer.toString(IDLE_SECONDS));
    System.setProperty("jdk.httpserver.maxConnections", Integer.toString(maxConnections));
    // A listen backlog as deep as the connection cap: a burst of connects is queued, not dropped
    // (a dropped SYN costs the client a one-second retransmit).
    HttpServer server = HttpServer.create(address, maxConnections);
    server.setExecutor(connectionThreads(maxConnections, name));
    return server;
  }

  /**
   * Serves exactly {@code path}: a JDK context matches by prefix, so without this check {@code
   * /api/v1/writex} would reach the write handler. Any other path under it gets 404 before a worker
   * is taken.
   */
  public static void route(HttpServer server, String path, HttpHandler handler) {
    server.createContext(
        path,
        exchange -> {
          if (exchange.getRequestURI().getPath().equals(path)) {
            handler.handle(exchange);
            return;
          }
          try (exchange) {
            exchange.getRequestBody().close();
            exchange.sendResponseHeaders(404, -1);
          }
        });
  }

  /**
   * Threads that exist only while connections are being served (none queue: the server never has
   * more connections than threads here). A rejected connection is closed by the JDK server.
   */
  static ThreadPoolExecutor connectionThreads(int maxConnections, String name) {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        0,
        maxConnections,
        30,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        runnable -> {
          Thread thread =
              new Thread(null, runnable, name + "-" + count.incrementAndGet(), 256 * 1024);
          thread.setDaemon(true);
          return thread;
        },
        new ThreadPoolExecutor.AbortPolicy());
  }
}
