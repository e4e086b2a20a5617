package io.vmwatch.archiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as operators run it: command-line errors, start against MariaDB, graceful stop.
 */
class CliIT {
  private static final Path JAR =
      Path.of(System.getProperty("vmwatch.archiver.jar", "target/vmwatch-archiver.jar"));

  private record Run(int exitCode, String output) {}

  private static Process start(Path dir, Map<String, String> env, String... args)
      throws IOException {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: run mvn package first");
    }
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("archiver.log").toFile());
    builder.environment().remove(Flags.PASSWORD_ENV);
    builder.environment().putAll(env);
    return builder.start();
  }

  private static Run run(Path dir, Map<String, String> env, String... args) throws Exception {
    Process p = start(dir, env, args);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the archiver did not exit");
    return new Run(p.exitValue(), Files.readString(dir.resolve("archiver.log")));
  }

  @Test
  void aBadCommandLineExitsWithStatus2AndSaysWhy(@TempDir Path dir) throws Exception {
    Run noPassword = run(dir, Map.of());
    assertEquals(2, noPassword.exitCode());
    assertTrue(noPassword.output().contains("VMWATCH_DB_PASSWORD"), noPassword.output());

    Map<String, String> env = Map.of(Flags.PASSWORD_ENV, "x");
    Run unknown = run(dir, env, "--web.listen-adress=:1");
    assertEquals(2, unknown.exitCode());
    assertTrue(unknown.output().contains("unknown flag --web.listen-adress"), unknown.output());

    Run badValue = run(dir, env, "--retention.raw=forever");
    assertEquals(2, badValue.exitCode());
    assertTrue(badValue.output().contains("--retention.raw"), badValue.output());

    Run emptyFile =
        run(dir, Map.of(), "--db.password-file=" + Files.writeString(dir.resolve("pw"), "\n"));
    assertEquals(2, emptyFile.exitCode());
    assertTrue(emptyFile.output().contains("is empty"), emptyFile.output());

    Run help = run(dir, Map.of(), "--help");
    assertEquals(0, help.exitCode());
    assertTrue(help.output().contains("--db.url"), help.output());
  }

  @Test
  void startsFromAPasswordFileBecomesReadyAndStopsGracefully(@TempDir Path dir) throws Exception {
    try (MariaDbServer db = MariaDbServer.start()) {
      Path password = Files.writeString(dir.resolve("db-password"), db.password() + "\n");
      int port = MariaDbServer.freePort();
      Process archiver =
          start(
              dir,
              Map.of(),
              "--web.listen-address=127.0.0.1:" + port,
              "--db.url=" + db.jdbcUrl(),
              "--db.user=" + MariaDbServer.USER,
              "--db.password-file=" + password);
      try {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int status = 0;
        while (System.nanoTime() < deadline && archiver.isAlive()) {
          try {
            status =
                http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                        HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            if (status == 200) {
              break;
            }
          } catch (IOException notListeningYet) {
            // retry
          }
          Thread.sleep(300);
        }
        assertEquals(200, status, Files.readString(dir.resolve("archiver.log")));
        archiver.destroy(); // SIGTERM
        assertTrue(archiver.waitFor(30, TimeUnit.SECONDS), "no exit within 30 s of SIGTERM");
        String log = Files.readString(dir.resolve("archiver.log"));
        assertTrue(log.contains("vmwatch-archiver: shutting down"), log);
        assertTrue(log.contains("vmwatch-archiver: stopped"), log);
      } finally {
        archiver.destroyForcibly();
      }
    }
  }
}
