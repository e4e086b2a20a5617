package io.vmwatch.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code promtool check metrics} (Debian package prometheus); fails when promtool is missing.
 */
public final class Promtool {
  private Promtool() {}

  public static void assertCleanMetrics(String exposition)
      throws IOException, InterruptedException {
    String promtool = null;
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      if (new File(dir, "promtool").canExecute()) {
        promtool = new File(dir, "promtool").getPath();
        break;
      }
    }
    assertTrue(
        promtool != null,
        "promtool is missing: install Debian package 'prometheus' (scripts/setup)");
    Process p = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
    assertEquals(0, p.exitValue(), "promtool check metrics: " + output);
    assertEquals("", output.trim(), "promtool check metrics found problems");
  }
}
