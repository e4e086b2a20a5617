package io.vmwatch.exporter.web;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.prometheus.client.CollectorRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The HTTP(S) server: metrics at the telemetry path (with gzip and OpenMetrics negotiation), a
 * landing page at {@code /}, {@code /-/healthy}. With basic-auth users configured, every route but
 * {@code /-/healthy} needs them (a load balancer's health check has none, and the answer reveals
 * nothing).
 *
 * <p>Slow and idle clients: the JDK server reads a request's head (and, for HTTPS, does the
 * handshake) on a thread of its executor, so each open connection gets a cheap thread of its own,
 * at most {@link #MAX_CONNECTIONS}; connections beyond that are closed at once. A request has
 * {@link #REQUEST_TIMEOUT_SECONDS} to arrive and be answered, the response as long to be sent, and
 * an idle keep-alive connection is closed after {@link #IDLE_SECONDS}: the JDK server's own {@code
 * sun.net.httpserver.maxReqTime}, {@code maxRspTime}, {@code idleInterval} and {@code
 * jdk.httpserver.maxConnections}, set here before the server is created. Metrics are built by at
 * most {@code maxThreads} requests at once; one that finds them all busy for {@link
 * #WORKER_WAIT_MILLIS} gets 503. {@code /-/healthy} needs no worker, so it answers while metrics
 * are saturated. How many are built at once, now and at most, is exported from the registry given
 * ({@code vmwatch_exporter_scrapes_in_flight}, {@code vmwatch_exporter_scrapes_in_flight_peak}).
 */
public final class WebServer implements AutoCloseable {
  /** Open connections at most, each with its thread while a request is read or served. */
  public static final int MAX_CONNECTIONS = 256;

  /** Prometheus' default scrape timeout: a request not in and answered by then is cut. */
  public static final int REQUEST_TIMEOUT_SECONDS = 10;

  public static final int IDLE_SECONDS = 30;

  /**
   * How long a scrape waits for one of the --web.max-threads workers before 503: half the timeout.
   */
  public static final long WORKER_WAIT_MILLIS = 5000;

  private final HttpServer server;
  private final ExecutorService executor;

  public WebServer(
      InetSocketAddress address,
      String telemetryPath,
      CollectorRegistry registry,
      WebConfig config,
      int maxThreads,
      String version)
      throws IOException, InvalidWebConfigException {
    System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_TIMEOUT_SECONDS));
    System.setProperty("sun.net.httpserver.maxRspTime", Integer.toString(REQUEST_TIMEOUT_SECONDS));
    System.setProperty("sun.net.httpserver.idleInterval", Integer.toString(IDLE_SECONDS));
    System.setProperty("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
    // A listen backlog as deep as the connection cap: a burst of connects is queued, not dropped
    // (a dropped SYN costs the client a one-second retransmit).
    if (config.tls()) {
      SSLContext context = TlsContexts.fromPem(config.certFile(), config.keyFile());
      HttpsServer https = HttpsServer.create(address, MAX_CONNECTIONS);
      https.setHttpsConfigurator(
          new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
              SSLParameters ssl = context.getDefaultSSLParameters();
              ssl.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
              params.setSSLParameters(ssl);
            }
          });
      server = https;
    } else {
      server = HttpServer.create(address, MAX_CONNECTIONS);
    }
    AtomicInteger count = new AtomicInteger();
    // No queue: there are never more connections than threads. A rejected one is closed by the
    // server.
    executor =
        new ThreadPoolExecutor(
            0,
            MAX_CONNECTIONS,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            runnable -> {
              Thread thread =
                  new Thread(null, runnable, "http-" + count.incrementAndGet(), 256 * 1024);
              thread.setDaemon(true);
              return thread;
            },
            new ThreadPoolExecutor.AbortPolicy());
    server.setExecutor(executor);
    Authenticator authenticator =
        config.basicAuthUsers().isEmpty() ? null : new BcryptAuthenticator(config.basicAuthUsers());
    ScrapesInFlight inFlight = new ScrapesInFlight();
    registry.register(inFlight);
    route(
        telemetryPath,
        exactly(
            telemetryPath,
            new BoundedWork(
                maxThreads, WORKER_WAIT_MILLIS, new MetricsHandler(registry, inFlight))),
        authenticator);
    route(
        "/-/healthy",
        exactly(
            "/-/healthy",
            exchange -> respond(exchange, 200, "text/plain; charset=utf-8", "Healthy\n")),
        null);
    String landing =
        """
        <!DOCTYPE html>
        <html><head><title>vmwatch exporter</title></head>
        <body><h1>vmwatch exporter</h1><p>Version %s</p>
        <ul><li><a href="%s">Metrics</a></li><li><a href="/-/healthy">Health</a></li></ul>
        </body></html>
        """
            .formatted(version, telemetryPath);
    route(
        "/",
        exchange -> {
          if (exchange.getRequestURI().getPath().equals("/")) {
            respond(exchange, 200, "text/html; charset=utf-8", landing);
          } else {
            respond(exchange, 404, "text/plain; charset=utf-8", "Not found\n");
          }
        },
        authenticator);
  }

  /** Contexts match by string prefix ("/m" would catch "/metrics"); serve the exact path only. */
  private static HttpHandler exactly(String path, HttpHandler handler) {
    return exchange -> {
      if (exchange.getRequestURI().getPath().equals(path)) {
        handler.handle(exchange);
      } else {
        respond(exchange, 404, "text/plain; charset=utf-8", "Not found\n");
      }
    };
  }

  private void route(String path, HttpHandler handler, Authenticator authenticator) {
    HttpContext context = server.createContext(path, handler);
    if (authenticator != null) {
      context.setAuthenticator(authenticator);
    }
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    try (exchange) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", type);
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  public void start() {
    server.start();
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
