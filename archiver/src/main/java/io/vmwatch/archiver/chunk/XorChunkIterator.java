package io.vmwatch.archiver.chunk;

/**
 * Walks the samples of an XOR chunk's data (see {@link XorChunkEncoder} for the layout): {@code
 * while (it.next()) { it.timestampMs(); it.valueBits(); }}. Throws {@link MalformedChunkException}
 * when the data ends before the samples its header counts.
 */
public final class XorChunkIterator {
  private final BitReader reader;
  private final int sampleCount;
  private int samplesRead;
  private long timestampMs;
  private long delta;
  private long valueBits;
  private int leadingZeros;
  private int trailingZeros;

  public XorChunkIterator(byte[] data) {
    if (data.length < 2) {
      throw new MalformedChunkException("chunk of " + data.length + " bytes has no sample count");
    }
    this.sampleCount = XorChunk.sampleCount(data);
    this.reader = new BitReader(data, 2);
  }

  /** Moves to the next sample; false when there is none. */
  public boolean next() {
    if (samplesRead == sampleCount) {
      return false;
    }
    if (samplesRead == 0) {
      timestampMs = reader.readVarint();
      valueBits = reader.readBits(64);
    } else if (samplesRead == 1) {
      delta = reader.readUvarint();
      timestampMs += delta;
      readValue();
    } else {
      delta += readDeltaOfDelta();
      timestampMs += delta;
      readValue();
    }
    samplesRead++;
    return true;
  }

  public int sampleCount() {
    return sampleCount;
  }

  public long timestampMs() {
    return timestampMs;
  }

  /** The value's 64 bits, exactly as appended. */
  public long valueBits() {
    return valueBits;
  }

  public double value() {
    return Double.longBitsToDouble(valueBits);
  }

  private long readDeltaOfDelta() {
    int ones = 0;
    while (ones < 4 && reader.readBit()) {
      ones++;
    }
    int width =
        switch (ones) {
          case 0 -> 0;
          case 1 -> 14;
          case 2 -> 17;
          case 3 -> 20;
          default -> 64;
        };
    if (width == 0) {
      return 0;
    }
    long raw = reader.readBits(width);
    if (width < 64 && raw > (1L << (width - 1))) {
      // the bucket's range runs from -(2^(w-1) - 1) to +2^(w-1)
      return raw - (1L << width);
    }
    return raw;
  }

  private void readValue() {
    if (!reader.readBit()) {
      return;
    }
    if (reader.readBit()) {
      leadingZeros = (int) reader.readBits(5);
      int meaningful = (int) reader.readBits(6);
      if (meaningful == 0) {
        meaningful = 64;
      }
      trailingZeros = 64 - leadingZeros - meaningful;
      if (trailingZeros < 0) {
        throw new MalformedChunkException(
            "value window of " + leadingZeros + " leading and " + meaningful + " meaningful bits");
      }
    }
    valueBits ^= reader.readBits(64 - leadingZeros - trailingZeros) << trailingZeros;
  }
}
