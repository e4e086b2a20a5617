package io.vmwatch.exporter.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class BoundedWorkTest {
  @Test
  void aRequestThatFindsEveryWorkerBusyGets503WithinAboutASecond() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/work",
        new BoundedWork(
            1,
            1000,
            exchange -> {
              entered.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              exchange.sendResponseHeaders(200, -1);
              exchange.close();
            }));
    server.start();
    try {
      HttpClient client = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/work");
      CompletableFuture<HttpResponse<Void>> first =
          client.sendAsync(
              HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding());
      entered.await();
      long start = System.nanoTime();
      HttpResponse<String> second =
          client.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(503, second.statusCode());
      assertEquals("1", second.headers().firstValue("Retry-After").orElse(""));
      assertTrue(millis >= 900 && millis < 5000, millis + " ms");
      release.countDown();
      assertEquals(200, first.get().statusCode());
    } finally {
      release.countDown();
      server.stop(0);
    }
  }
}
