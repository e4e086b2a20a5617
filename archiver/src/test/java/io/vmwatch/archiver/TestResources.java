package io.vmwatch.archiver;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Stopping what a test class started, whatever part of it was started. */
public final class TestResources {
  private TestResources() {}

  /**
   * Closes each resource that is not null, in the order given; every one is tried, the first
   * failure is thrown with the later ones suppressed.
   */
  public static void closeAll(AutoCloseable... resources) throws Exception {
    Exception first = null;
    for (AutoCloseable resource : resources) {
      if (resource == null) {
        continue;
      }
      try {
        resource.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** The process stopped (SIGTERM, then SIGKILL after graceSeconds), or null for null. */
  public static AutoCloseable stopping(Process process, int graceSeconds) {
    return process == null
        ? null
        : () -> {
          process.destroy();
          if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
          }
        };
  }

  /** The directory tree deleted, or null for null. */
  public static AutoCloseable deleting(Path tree) {
    return tree == null ? null : () -> MariaDbServer.deleteTree(tree);
  }
}
