package io.vmwatch.exporter;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The exporter fat jar run as a separate JVM with the flags of exporter/jvm.options. */
public final class ExporterProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on [^ ]+:(\\d+) ");

  private final Process process;
  private final StringBuffer stderr = new StringBuffer();
  private final int port;

  /** What a run that ends by itself printed and returned. */
  public record Result(int exitCode, String stdout, String stderr) {}

  private ExporterProcess(List<String> args) throws IOException, InterruptedException {
    process =
        new ProcessBuilder(command(args)).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  stderr.append(line).append('\n');
                }
              } catch (IOException e) {
                stderr.append("(stderr closed: ").append(e.getMessage()).append(")\n");
              }
            });
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Matcher m;
    while (!(m = LISTENING.matcher(stderr)).find()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new AssertionError("exporter did not start within 30 s; stderr:\n" + stderr);
      }
      Thread.sleep(50);
    }
    port = Integer.parseInt(m.group(1));
  }

  public static ExporterProcess start(String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("--web.listen-address=127.0.0.1:0"));
    all.addAll(List.of(args));
    return new ExporterProcess(all);
  }

  /** Runs the exporter with args and waits (at most 30 s) for it to exit by itself. */
  public static Result run(String... args) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command(List.of(args))).start();
    p.getOutputStream().close();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("exporter " + List.of(args) + " did not exit within 30 s");
    }
    return new Result(
        p.exitValue(),
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  private static List<String> command(List<String> args) throws IOException {
    String jar = System.getProperty("vmwatch.jar");
    assertNotNull(jar, "system property vmwatch.jar is not set (run through Maven failsafe)");
    assertTrue(Files.isRegularFile(Path.of(jar)), jar + " is missing: run mvn package first");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags());
    command.add("-jar");
    command.add(jar);
    command.addAll(args);
    return command;
  }

  /** The flags of exporter/jvm.options, one per line, without comments. */
  public static List<String> jvmFlags() throws IOException {
    String root = System.getProperty("vmwatch.root");
    assertNotNull(root, "system property vmwatch.root is not set");
    return Files.readAllLines(Path.of(root, "exporter", "jvm.options")).stream()
        .map(String::trim)
        .filter(line -> !line.isEmpty() && !line.startsWith("#"))
        .toList();
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public String stderr() {
    return stderr.toString();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
