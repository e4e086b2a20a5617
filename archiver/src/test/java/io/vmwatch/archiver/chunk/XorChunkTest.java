package io.vmwatch.archiver.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Round trips through the XOR chunk codec, bit for bit; the golden test is XorChunkPromtoolIT. */
class XorChunkTest {
  private static final long STALE_NAN = 0x7ff0000000000002L;

  @Test
  void specialValuesSurviveBitForBit() {
    long[] values = {
      STALE_NAN,
      Double.doubleToRawLongBits(Double.NaN),
      0x7ff8000000000001L, // Go's math.NaN()
      0xfff8000000000000L, // a negative NaN
      Double.doubleToRawLongBits(Double.POSITIVE_INFINITY),
      Double.doubleToRawLongBits(Double.NEGATIVE_INFINITY),
      Double.doubleToRawLongBits(0.0),
      Double.doubleToRawLongBits(-0.0),
      Double.doubleToRawLongBits(Double.MIN_VALUE),
      Double.doubleToRawLongBits(Double.MAX_VALUE),
      STALE_NAN,
      STALE_NAN,
      0x8000000000000001L, // XOR with the previous: 64 meaningful bits, written as 0
      0L,
      0xffffffffffffffffL
    };
    long[] times = new long[values.length];
    for (int i = 0; i < times.length; i++) {
      times[i] = 1_700_000_000_000L + 15_000L * i;
    }
    assertRoundTrip(times, values);
  }

  @Test
  void theStaleMarkerSurvivesAsADouble() {
    XorChunkEncoder encoder = new XorChunkEncoder();
    encoder.append(1000, Double.longBitsToDouble(STALE_NAN));
    encoder.append(2000, 1.5);
    encoder.append(3000, Double.longBitsToDouble(STALE_NAN));
    XorChunkIterator it = encoder.toChunk().iterator();
    assertTrue(it.next());
    assertEquals(STALE_NAN, it.valueBits());
    assertEquals(STALE_NAN, Double.doubleToRawLongBits(it.value()));
    assertTrue(it.next());
    assertEquals(1.5, it.value());
    assertTrue(it.next());
    assertEquals(STALE_NAN, it.valueBits());
    assertFalse(it.next());
  }

  @Test
  void equalValuesTakeOneBitEach() {
    long[] times = new long[120];
    long[] values = new long[120];
    for (int i = 0; i < times.length; i++) {
      times[i] = 60_000L * i;
      values[i] = Double.doubleToRawLongBits(42.5);
    }
    byte[] data = assertRoundTrip(times, values);
    // count 2, varint 1, value 8, uvarint delta 3 bytes; then 1 bit (xor 0) and 118 * 2 bits
    assertEquals(2 + 1 + 8 + 3 + (1 + 118 * 2 + 7) / 8, data.length);
  }

  @Test
  void everyTimestampBucketAndItsEdges() {
    long[] deltasOfDeltas = {
      0,
      1,
      -1,
      8191,
      -8191,
      8192,
      8193,
      -8192,
      65535,
      -65535,
      65536,
      65537,
      -65536,
      524287,
      -524287,
      524288,
      524289,
      -524288,
      1L << 40,
      -(1L << 40),
      3,
      0,
      0,
      -3
    };
    long[] times = new long[deltasOfDeltas.length + 2];
    long delta = 1L << 41;
    times[1] = delta;
    for (int i = 0; i < deltasOfDeltas.length; i++) {
      delta += deltasOfDeltas[i];
      times[i + 2] = times[i + 1] + delta;
    }
    long[] values = new long[times.length];
    Arrays.fill(values, Double.doubleToRawLongBits(1.0));
    assertRoundTrip(times, values);
  }

  @Test
  void bucketRangesAreOneWiderOnThePositiveSide() {
    assertTrue(XorChunkEncoder.fitsIn(8192, 14));
    assertFalse(XorChunkEncoder.fitsIn(8193, 14));
    assertTrue(XorChunkEncoder.fitsIn(-8191, 14));
    assertFalse(XorChunkEncoder.fitsIn(-8192, 14));
    assertTrue(XorChunkEncoder.fitsIn(524288, 20));
    assertFalse(XorChunkEncoder.fitsIn(-524288, 20));
  }

  @Test
  void negativeTimestampsBackwardDeltasAndHugeGaps() {
    long[] times = {
      -5_000,
      -4_000,
      -4_500,
      -10_000,
      0,
      Long.MAX_VALUE,
      Long.MIN_VALUE,
      0,
      1,
      1,
      1,
      -1,
      999_999_999
    };
    long[] values = new long[times.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = Double.doubleToRawLongBits(i * -0.1);
    }
    assertRoundTrip(times, values);
  }

  @Test
  void oneSampleAndTwoSamples() {
    assertRoundTrip(new long[] {123}, new long[] {STALE_NAN});
    assertRoundTrip(new long[] {-123, 77}, new long[] {0, STALE_NAN});
    XorChunk one = chunkOf(new long[] {5}, new long[] {Double.doubleToRawLongBits(2.0)});
    assertEquals(5, one.minTimeMs());
    assertEquals(5, one.maxTimeMs());
    // count 0x0001, varint(5) = 0x0a, then 2.0's bits
    assertArrayEquals(new byte[] {0, 1, 0x0a, 0x40, 0, 0, 0, 0, 0, 0, 0}, one.data());
  }

  @Test
  void randomSeriesRoundTrip() {
    Random random = new Random(20261201);
    for (int round = 0; round < 500; round++) {
      int count = 1 + random.nextInt(300);
      long[] times = new long[count];
      long[] values = new long[count];
      long t = random.nextLong() >> random.nextInt(64);
      double gauge = random.nextGaussian() * 1e6;
      for (int i = 0; i < count; i++) {
        t +=
            switch (random.nextInt(5)) {
              case 0 -> 15_000;
              case 1 -> 15_000 + random.nextInt(200) - 100;
              case 2 -> random.nextInt(2_000_000);
              case 3 -> random.nextLong() >> random.nextInt(64);
              default -> -random.nextInt(100_000);
            };
        times[i] = t;
        values[i] =
            switch (random.nextInt(4)) {
              case 0 -> random.nextLong();
              case 1 -> Double.doubleToRawLongBits(gauge += random.nextGaussian());
              case 2 -> Double.doubleToRawLongBits(Math.floor(gauge));
              default -> i > 0 ? values[i - 1] : STALE_NAN;
            };
      }
      assertRoundTrip(times, values);
    }
  }

  @Test
  void fullAt120AndAtMostTheCountItHolds() {
    XorChunkEncoder encoder = new XorChunkEncoder();
    for (int i = 0; i < XorChunkEncoder.SAMPLES_PER_CHUNK; i++) {
      assertFalse(encoder.isFull());
      encoder.append(i, i);
    }
    assertTrue(encoder.isFull());
    assertThrows(IllegalStateException.class, () -> encoder.append(999, 1));
    assertEquals(120, encoder.toChunk().sampleCount());

    XorChunkEncoder biggest = new XorChunkEncoder(XorChunkEncoder.MAX_SAMPLES);
    for (int i = 0; i < XorChunkEncoder.MAX_SAMPLES; i++) {
      biggest.append(1000L * i, i % 7);
    }
    XorChunk chunk = biggest.toChunk();
    assertEquals(65_535, chunk.sampleCount());
    assertEquals(0, chunk.minTimeMs());
    assertEquals(1000L * 65_534, chunk.maxTimeMs());
    assertThrows(IllegalArgumentException.class, () -> new XorChunkEncoder(65_536));
    assertThrows(IllegalStateException.class, () -> new XorChunkEncoder().toChunk());
  }

  @Test
  void theEncoderGoesOnAfterASnapshot() {
    XorChunkEncoder encoder = new XorChunkEncoder();
    encoder.append(1, 1);
    encoder.append(2, 2);
    XorChunk early = encoder.toChunk();
    encoder.append(3, 3);
    assertEquals(2, early.sampleCount());
    assertEquals(3, encoder.toChunk().sampleCount());
    assertEquals(encoder.byteSize(), encoder.toChunk().data().length);
  }

  @Test
  void truncatedOrEmptyDataIsAClearError() {
    long[] times = {0, 15_000, 30_500, 47_000};
    long[] values = {1, 2, 3, STALE_NAN};
    byte[] data = chunkOf(times, values).data();
    for (int cut = 2; cut < data.length; cut++) {
      XorChunkIterator it = new XorChunkIterator(Arrays.copyOf(data, cut));
      MalformedChunkException e =
          assertThrows(
              MalformedChunkException.class,
              () -> {
                while (it.next()) {
                  // reads until the data runs out
                }
              });
      assertTrue(e.getMessage().contains("chunk ends inside a field"), e.getMessage());
    }
    assertThrows(MalformedChunkException.class, () -> new XorChunkIterator(new byte[1]));
    assertFalse(new XorChunkIterator(new byte[] {0, 0}).next());
  }

  private static XorChunk chunkOf(long[] times, long[] values) {
    XorChunkEncoder encoder = new XorChunkEncoder(XorChunkEncoder.MAX_SAMPLES);
    for (int i = 0; i < times.length; i++) {
      encoder.appendBits(times[i], values[i]);
    }
    return encoder.toChunk();
  }

  private static byte[] assertRoundTrip(long[] times, long[] values) {
    XorChunk chunk = chunkOf(times, values);
    assertEquals(times.length, chunk.sampleCount());
    assertEquals(Arrays.stream(times).min().getAsLong(), chunk.minTimeMs());
    assertEquals(Arrays.stream(times).max().getAsLong(), chunk.maxTimeMs());
    XorChunkIterator it = chunk.iterator();
    for (int i = 0; i < times.length; i++) {
      assertTrue(it.next(), "sample " + i + " missing");
      assertEquals(times[i], it.timestampMs(), "timestamp " + i);
      assertEquals(values[i], it.valueBits(), "value bits " + i);
    }
    assertFalse(it.next());
    return chunk.data();
  }
}
