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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The HTTP(S) server: metrics at the telemetry path (with gzip and OpenMetrics negotiation), a landing page at {@code /}, {@code /-/healthy}; every route
 * behind basic authentication when users are configured. Requests run on a bounded pool: at most
 * {@code maxThreads} at once and 32 waiting; past that the accepting thread serves the request
 * itself, which slows accepting down instead of queueing without bound.
 */
public final class WebServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;

  public WebServer(InetSocketAddress address, String telemetryPath, CollectorRegistry registry,
      WebConfig config, int maxThreads, String version) throws IOException, InvalidWebConfigException {
    if (config.tls()) {
      SSLContext context = TlsContexts.fromPem(config.certFile(), config.keyFile());
      HttpsServer https = HttpsServer.create(address, 64);
      https.setHttpsConfigurator(new HttpsConfigurator(context) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters ssl = context.getDefaultSSLParameters();
          ssl.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
          params.setSSLParameters(ssl);
        }
      });
      server = https;
    } else {
      server = HttpServer.create(address, 64);
    }
    AtomicInteger count = new AtomicInteger();
    executor = new ThreadPoolExecutor(maxThreads, maxThreads, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(32), runnable -> {
          Thread thread = new Thread(runnable, "http-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
    server.setExecutor(executor);
    Authenticator authenticator = config.basicAuthUsers().isEmpty() ? null : new BcryptAuthenticator(config.basicAuthUsers());
    route(telemetryPath, exactly(telemetryPath, new MetricsHandler(registry)), authenticator);
    route("/-/healthy", exactly("/-/healthy", exchange -> respond(exchange, 200, "text/plain; charset=utf-8", "Healthy\n")),
        authenticator);
    String landing = """
        <!DOCTYPE html>
        <html><head><title>vmwatch exporter</title></head>
        <body><h1>vmwatch exporter</h1><p>Version %s</p>
        <ul><li><a href="%s">Metrics</a></li><li><a href="/-/healthy">Health</a></li></ul>
        </body></html>
        """.formatted(version, telemetryPath);
    route("/", exchange -> {
      if (exchange.getRequestURI().getPath().equals("/")) {
        respond(exchange, 200, "text/html; charset=utf-8", landing);
      } else {
        respond(exchange, 404, "text/plain; charset=utf-8", "Not found\n");
      }
    }, authenticator);
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

  private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
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
