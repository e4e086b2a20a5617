package io.vmwatch.archiver.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.vmwatch.archiver.codec.Label;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeriesKeyTest {
  @Test
  void theFingerprintDoesNotDependOnLabelOrder() {
    SeriesKey a =
        SeriesKey.of(List.of(new Label("__name__", "m"), new Label("b", "2"), new Label("a", "1")));
    SeriesKey b =
        SeriesKey.of(List.of(new Label("a", "1"), new Label("__name__", "m"), new Label("b", "2")));
    assertEquals(a, b);
    assertEquals("{\"a\":\"1\",\"b\":\"2\"}", a.labelsJson());
  }

  @Test
  void labelBoundariesCannotBeShiftedToCollide() {
    SeriesKey a = SeriesKey.of(List.of(new Label("__name__", "m"), new Label("a", "bc")));
    SeriesKey b = SeriesKey.of(List.of(new Label("__name__", "m"), new Label("ab", "c")));
    assertNotEquals(a.fingerprint(), b.fingerprint());
  }

  @Test
  void separatesMetricAndInstanceAndEscapesJson() {
    SeriesKey key =
        SeriesKey.of(
            List.of(
                new Label("__name__", "vmwatch_x"),
                new Label("instance", "vm-1:9717"),
                new Label("q", "a\"b\\c\nd\u0001 é")));
    assertEquals("vmwatch_x", key.metric());
    assertEquals("vm-1:9717", key.instance());
    assertEquals(
        "{\"instance\":\"vm-1:9717\",\"q\":\"a\\\"b\\\\c\\nd\\u0001 é\"}", key.labelsJson());
  }
}
