package io.vmwatch.archiver.maintenance;

/** A job's pause after each step, letting writers in. */
final class Pause {
  private Pause() {}

  /**
   * Sleeps as long as the step that began at startedNanos took, at most a second; an interrupt ends
   * the job with an error naming it (and stays set).
   */
  static void asLongAsStep(String job, long startedNanos) {
    try {
      Thread.sleep(Math.min(1_000, (System.nanoTime() - startedNanos) / 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(job + " interrupted", e);
    }
  }
}
