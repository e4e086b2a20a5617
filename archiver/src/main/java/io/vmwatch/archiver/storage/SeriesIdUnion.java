package io.vmwatch.archiver.storage;

import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;

/**
 * The union of many lists of series ids, as bit sets over segments of 65,536 ids: memory follows
 * the ids present (a bit each), not the number of lists added.
 */
public final class SeriesIdUnion {
  private static final int SEGMENT_BITS = 16;

  private final TreeMap<Long, BitSet> segments = new TreeMap<>();
  private int size;

  public void addAll(long[] ids) {
    for (long id : ids) {
      if (id < 0) {
        throw new IllegalArgumentException("negative series id " + id);
      }
      BitSet bits = segments.computeIfAbsent(id >>> SEGMENT_BITS, s -> new BitSet());
      int bit = (int) (id & ((1 << SEGMENT_BITS) - 1));
      if (!bits.get(bit)) {
        bits.set(bit);
        size++;
      }
    }
  }

  int size() {
    return size;
  }

  public long[] toSortedArray() {
    long[] ids = new long[size];
    int n = 0;
    for (Map.Entry<Long, BitSet> segment : segments.entrySet()) {
      long base = segment.getKey() << SEGMENT_BITS;
      BitSet bits = segment.getValue();
      for (int bit = bits.nextSetBit(0); bit >= 0; bit = bits.nextSetBit(bit + 1)) {
        ids[n++] = base + bit;
      }
    }
    return ids;
  }
}
