package io.vmwatch.archiver.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.archiver.codec.Label;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The limits of one remote read: selected series, the heap of their labels, samples. */
class ReadBudgetTest {
  private static final List<Label> LABELS =
      List.of(
          new Label("__name__", "vmwatch_cpu_seconds_total"),
          new Label("instance", "vm-1:9717"),
          new Label("mode", "user"));

  @Test
  void theSeriesLimitCountsSelectedSeries() throws Exception {
    RemoteReader.Budget budget = new RemoteReader.Budget(new RemoteReader.Limits(2, 1000, 1 << 20));
    budget.selected(LABELS);
    budget.selected(LABELS);
    ReadLimitException e = assertThrows(ReadLimitException.class, () -> budget.selected(LABELS));
    assertEquals("too_many_series", e.reason());
    assertTrue(e.getMessage().contains("more than 2 series (--read.max-series)"), e.getMessage());
  }

  @Test
  void theLabelsOfSelectedSeriesHaveAHeapBudget() throws Exception {
    // one series: 96 + 3 x 120 + 2 x 58 characters = 572 bytes; three fit exactly
    RemoteReader.Budget budget =
        new RemoteReader.Budget(new RemoteReader.Limits(1000, 1000, 3 * 572));
    for (int i = 0; i < 3; i++) {
      budget.selected(LABELS);
    }
    ReadLimitException e = assertThrows(ReadLimitException.class, () -> budget.selected(LABELS));
    assertEquals("too_many_series", e.reason());
    assertTrue(e.getMessage().contains("bytes of heap"), e.getMessage());
  }

  @Test
  void theSampleLimitCountsSamplesInRange() throws Exception {
    RemoteReader.Budget budget =
        new RemoteReader.Budget(new RemoteReader.Limits(1000, 100, 1 << 20));
    budget.samples(60);
    budget.samples(40);
    assertEquals(2, budget.withSamples());
    assertEquals(100, budget.samples());
    ReadLimitException e = assertThrows(ReadLimitException.class, () -> budget.samples(1));
    assertEquals("too_many_samples", e.reason());
    assertTrue(
        e.getMessage().contains("more than 100 samples (--read.max-samples)"), e.getMessage());
  }
}
