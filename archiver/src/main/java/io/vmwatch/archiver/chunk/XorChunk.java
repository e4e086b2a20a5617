package io.vmwatch.archiver.chunk;

import java.util.Arrays;

/**
 * One XOR-encoded chunk: its bytes exactly as Prometheus stores and streams them (the data of a
 * {@code prometheus.Chunk} of type XOR), and the times of its first and last sample.
 */
public record XorChunk(long minTimeMs, long maxTimeMs, byte[] data) {
  /** {@code prometheus.Chunk.Encoding.XOR}, also the encoding byte in a block's chunk files. */
  public static final int ENCODING = 1;

  public XorChunk {
    if (data.length < 2) {
      throw new MalformedChunkException(
          "a chunk has at least its 2-byte sample count, not " + data.length + " bytes");
    }
    if (minTimeMs > maxTimeMs) {
      throw new IllegalArgumentException(
          "chunk starts at " + minTimeMs + " after its end " + maxTimeMs);
    }
  }

  /** The count in the chunk's first two bytes. */
  public int sampleCount() {
    return sampleCount(data);
  }

  /** The count in the first two bytes of a chunk's data. */
  public static int sampleCount(byte[] data) {
    return ((data[0] & 0xff) << 8) | (data[1] & 0xff);
  }

  public XorChunkIterator iterator() {
    return new XorChunkIterator(data);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof XorChunk chunk
        && chunk.minTimeMs == minTimeMs
        && chunk.maxTimeMs == maxTimeMs
        && Arrays.equals(chunk.data, data);
  }

  @Override
  public int hashCode() {
    return 31 * Long.hashCode(minTimeMs) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "XorChunk[" + minTimeMs + ".." + maxTimeMs + ", " + data.length + " bytes]";
  }
}
