package io.vmwatch.exporter.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.exporter.ExporterProcess;
import io.vmwatch.exporter.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --web.config.file: basic auth with bcrypt hashes and TLS with a certificate made for the test.
 */
class WebConfigIT {
  private static String randomPassword() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static String bcrypt(String password) {
    return bcrypt(password, 6);
  }

  private static String bcrypt(String password, int cost) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, cost);
  }

  /** CPU time the process has used so far, all its threads, in clock ticks (utime + stime). */
  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** Runs openssl (Debian package openssl); fails when it is missing or fails. */
  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("openssl is missing: install Debian package 'openssl'", e);
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "openssl did not finish");
    assertEquals(0, p.exitValue(), "openssl " + command + ": " + output);
  }

  private static HttpClient trusting(Path certFile) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certFile)) {
      trust.setCertificateEntry(
          "exporter", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), new SecureRandom());
    return HttpClient.newBuilder()
        .sslContext(context)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private static HttpResponse<String> get(
      HttpClient client, String url, String user, String password) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
    if (user != null) {
      request.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void tlsWithBasicAuth(@TempDir Path dir) throws Exception {
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
        "-days",
        "1",
        "-subj",
        "/CN=vmwatch-test",
        "-addext",
        "subjectAltName=IP:127.0.0.1");
    String password = randomPassword();
    Path config = dir.resolve("web.yml");
    Files.writeString(
        config,
        "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
            + "basic_auth_users:\n  prometheus: '"
            + bcrypt(password)
            + "'\n");
    try (ExporterProcess exporter =
        ExporterProcess.start(
            "--web.config.file=" + config, "--path.procfs=" + TestFiles.fixtureProcfs())) {
      HttpClient client = trusting(dir.resolve("cert.pem"));
      String base = "https://127.0.0.1:" + exporter.port();
      HttpResponse<String> anonymous = get(client, base + "/metrics", null, null);
      assertEquals(401, anonymous.statusCode());
      assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
      assertEquals(401, get(client, base + "/metrics", "prometheus", password + "x").statusCode());
      assertEquals(401, get(client, base + "/metrics", "someone", password).statusCode());
      // the GCE health check carries no credentials: /-/healthy answers without, and says nothing
      // more
      HttpResponse<String> health = get(client, base + "/-/healthy", null, null);
      assertEquals(200, health.statusCode());
      assertEquals("Healthy\n", health.body());
      assertEquals(401, get(client, base + "/", null, null).statusCode());
      assertEquals(404, get(client, base + "/-/healthyx", null, null).statusCode());
      // a good password twice (that the second skips bcrypt: basicAuthOverPlainHttp)
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> ok = get(client, base + "/metrics", "prometheus", password);
        assertEquals(200, ok.statusCode());
        assertTrue(ok.body().contains("vmwatch_cpu_seconds_total{cpu=\"0\",mode=\"user\",}"));
      }
      // a cached good password does not let a wrong one through
      assertEquals(401, get(client, base + "/metrics", "prometheus", password + "x").statusCode());
      // plain HTTP to the TLS port does not get metrics
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertThrows(
          IOException.class,
          () ->
              get(
                  plain,
                  "http://127.0.0.1:" + exporter.port() + "/metrics",
                  "prometheus",
                  password));
    }
  }

  @Test
  void tlsWithEcKeyInSec1Form(@TempDir Path dir) throws Exception {
    openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem");
    openssl(
        dir,
        "req",
        "-x509",
        "-key",
        "ec.pem",
        "-out",
        "ec-cert.pem",
        "-days",
        "1",
        "-subj",
        "/CN=vmwatch-test",
        "-addext",
        "subjectAltName=IP:127.0.0.1");
    assertTrue(Files.readString(dir.resolve("ec.pem")).contains("BEGIN EC PRIVATE KEY"));
    Path config = dir.resolve("web.yml");
    Files.writeString(
        config,
        "tls_server_config:\n  cert_file: "
            + dir.resolve("ec-cert.pem")
            + "\n  key_file: ec.pem\n");
    try (ExporterProcess exporter =
        ExporterProcess.start(
            "--web.config.file=" + config, "--path.procfs=" + TestFiles.fixtureProcfs())) {
      HttpResponse<String> ok =
          get(
              trusting(dir.resolve("ec-cert.pem")),
              "https://127.0.0.1:" + exporter.port() + "/-/healthy",
              null,
              null);
      assertEquals(200, ok.statusCode());
    }
  }

  /**
   * Over plain HTTP; and a password that passed once is let in again from the cache, without
   * bcrypt: with a hash of 2^12 rounds, five such logins take less of the exporter's CPU time than
   * half of the first one (without the cache each would cost as much as the first).
   */
  @Test
  void basicAuthOverPlainHttp(@TempDir Path dir) throws Exception {
    String password = randomPassword();
    Path config = dir.resolve("web.yml");
    Files.writeString(config, "basic_auth_users:\n  ops: " + bcrypt(password, 12) + "\n");
    try (ExporterProcess exporter =
        ExporterProcess.start(
            "--web.config.file=" + config, "--path.procfs=" + TestFiles.fixtureProcfs())) {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String url = "http://127.0.0.1:" + exporter.port() + "/metrics";
      String landing = "http://127.0.0.1:" + exporter.port() + "/";
      assertEquals(401, get(client, url, null, null).statusCode());
      assertEquals(401, get(client, landing, null, null).statusCode());
      long start = cpuTicks(exporter.pid());
      assertEquals(200, get(client, landing, "ops", password).statusCode());
      long first = cpuTicks(exporter.pid()) - start;
      start = cpuTicks(exporter.pid());
      for (int i = 0; i < 5; i++) {
        assertEquals(200, get(client, landing, "ops", password).statusCode());
      }
      long cached = cpuTicks(exporter.pid()) - start;
      System.out.printf(
          "exporter, basic auth with bcrypt cost 12: first login %d ms of CPU, five cached %d ms%n",
          first * 10, cached * 10);
      assertTrue(
          2 * cached < first,
          "five logins from the cache took "
              + cached
              + " ticks of CPU, the first one (bcrypt) "
              + first);
      assertEquals(200, get(client, url, "ops", password).statusCode());
      assertEquals(
          200,
          get(client, "http://127.0.0.1:" + exporter.port() + "/-/healthy", null, null)
              .statusCode());
    }
  }

  @Test
  void badWebConfigExitsTwo(@TempDir Path dir) throws Exception {
    List<String> configs =
        List.of(
            "basic_auth_users:\n  ops: plaintext\n",
            "tls_server_config:\n  cert_file: missing.pem\n  key_file: missing.pem\n",
            "tls_server_config:\n  cert_file: x\n  client_ca_file: y\n",
            "http_server_config:\n  http2: true\n",
            "basic_auth_users: [1, 2\n");
    for (String text : configs) {
      Path config = dir.resolve("web.yml");
      Files.writeString(config, text);
      ExporterProcess.Result result = ExporterProcess.run("--web.config.file=" + config);
      assertEquals(2, result.exitCode(), text + " -> " + result.stderr());
      assertEquals(1, result.stderr().lines().count(), result.stderr());
    }
  }
}
