package io.vmwatch.exporter.collect;

import static io.vmwatch.exporter.source.SourceKind.MODULE;
import static io.vmwatch.exporter.source.SourceKind.PROCFS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MonotonicCounterTest {
  @Test
  void holdsAcrossSwitchesAndDropsTheOffsetWhenItCan() {
    MonotonicCounter c = new MonotonicCounter();
    assertTrue(Double.isNaN(c.last()));
    assertEquals(100.005, c.next(MODULE, 100.005));
    assertEquals(100.005, c.next(PROCFS, 100.00), 1e-12); // lower raw after switch: held
    assertEquals(101.005, c.next(PROCFS, 101.00), 1e-12); // offset kept within the source
    assertEquals(101.009, c.next(MODULE, 101.009), 1e-12); // raw above last export: offset gone
    assertEquals(5.0, c.next(MODULE, 5.0)); // a reset within one source stays visible
  }
}
