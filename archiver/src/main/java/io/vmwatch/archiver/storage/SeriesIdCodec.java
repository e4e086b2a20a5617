package io.vmwatch.archiver.storage;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Packs an ascending list of distinct series ids into bytes for {@code rollup_dirty.series_ids}:
 * unsigned LEB128 varints of the first id and then of each difference to the previous id. The ids
 * of one write request are spread over the id space, so a difference takes one to three bytes.
 */
public final class SeriesIdCodec {
  private SeriesIdCodec() {}

  /** {@code ids} must be ascending and distinct, each >= 0. */
  static byte[] encode(long[] ids, int count) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(count * 2 + 8);
    long previous = 0;
    for (int i = 0; i < count; i++) {
      long id = ids[i];
      if (id < previous || (i > 0 && id == previous)) {
        throw new IllegalArgumentException("series ids not ascending and distinct at " + i);
      }
      long delta = id - previous;
      while ((delta & ~0x7FL) != 0) {
        out.write((int) ((delta & 0x7F) | 0x80));
        delta >>>= 7;
      }
      out.write((int) delta);
      previous = id;
    }
    return out.toByteArray();
  }

  public static long[] decode(byte[] bytes) {
    long[] ids = new long[Math.max(4, bytes.length)];
    int count = 0;
    long previous = 0;
    int i = 0;
    while (i < bytes.length) {
      long delta = 0;
      int shift = 0;
      byte b;
      do {
        if (i >= bytes.length || shift > 63) {
          throw new IllegalArgumentException("truncated series id list");
        }
        b = bytes[i++];
        delta |= (long) (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      previous += delta;
      ids[count++] = previous;
    }
    return Arrays.copyOf(ids, count);
  }
}
