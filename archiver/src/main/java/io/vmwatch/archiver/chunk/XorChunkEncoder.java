package io.vmwatch.archiver.chunk;

/**
 * Builds one chunk in Prometheus' XOR encoding (the Gorilla scheme, tsdb/docs/format/chunks.md),
 * bit for bit as Prometheus writes it: a 2-byte big-endian sample count; the first timestamp as a
 * signed varint and the first value as 64 bits; the second timestamp as a uvarint delta; then each
 * timestamp as a delta of deltas in one of five buckets ({@code 0}, {@code 10}+14 bits, {@code
 * 110}+17, {@code 1110}+20, {@code 1111}+64) and each value XOR'd with the previous one, its
 * meaningful bits placed in a window of leading and trailing zeros reused while it fits.
 *
 * <p>Values are taken as their 64 bits, so every NaN (Prometheus' stale marker 0x7ff0000000000002
 * included) comes back exactly. Append samples in time order (the encoding itself tolerates any
 * order), ask {@link #isFull()} after each, and take the chunk with {@link #toChunk()}. Not thread
 * safe.
 */
public final class XorChunkEncoder {
  /** Prometheus cuts a chunk at 120 samples (its head aims at that many a chunk). */
  public static final int SAMPLES_PER_CHUNK = 120;

  /** The sample count is a uint16. */
  public static final int MAX_SAMPLES = 0xffff;

  private static final int NO_WINDOW = -1;

  private final int samplesPerChunk;
  private final BitWriter bits = new BitWriter();
  private int sampleCount;
  private long minTimestamp;
  private long maxTimestamp;
  private long lastTimestamp;
  private long lastDelta;
  private long lastValueBits;
  private int leadingZeros = NO_WINDOW;
  private int trailingZeros;

  /** An encoder that is full at {@link #SAMPLES_PER_CHUNK} samples. */
  public XorChunkEncoder() {
    this(SAMPLES_PER_CHUNK);
  }

  /** An encoder that is full at {@code samplesPerChunk} samples (1 to 65,535). */
  public XorChunkEncoder(int samplesPerChunk) {
    if (samplesPerChunk < 1 || samplesPerChunk > MAX_SAMPLES) {
      throw new IllegalArgumentException(
          "samples per chunk must be 1.." + MAX_SAMPLES + ", not " + samplesPerChunk);
    }
    this.samplesPerChunk = samplesPerChunk;
    bits.writeBits(0, 16);
  }

  /** Appends a sample; the value's bits are kept as {@link Double#doubleToRawLongBits} has them. */
  public void append(long timestampMs, double value) {
    appendBits(timestampMs, Double.doubleToRawLongBits(value));
  }

  /** Appends a sample given its value's 64 bits. */
  public void appendBits(long timestampMs, long valueBits) {
    if (isFull()) {
      throw new IllegalStateException("chunk already holds " + sampleCount + " samples");
    }
    if (sampleCount == 0) {
      bits.writeVarint(timestampMs);
      bits.writeBits(valueBits, 64);
      minTimestamp = timestampMs;
      maxTimestamp = timestampMs;
    } else if (sampleCount == 1) {
      long delta = timestampMs - lastTimestamp;
      bits.writeUvarint(delta);
      writeValue(valueBits);
      lastDelta = delta;
    } else {
      long delta = timestampMs - lastTimestamp;
      writeDeltaOfDelta(delta - lastDelta);
      writeValue(valueBits);
      lastDelta = delta;
    }
    minTimestamp = Math.min(minTimestamp, timestampMs);
    maxTimestamp = Math.max(maxTimestamp, timestampMs);
    lastTimestamp = timestampMs;
    lastValueBits = valueBits;
    sampleCount++;
    bits.putUint16(0, sampleCount);
  }

  /** Whether the chunk holds as many samples as it should; {@link #appendBits} then refuses. */
  public boolean isFull() {
    return sampleCount >= samplesPerChunk;
  }

  public boolean isEmpty() {
    return sampleCount == 0;
  }

  public int sampleCount() {
    return sampleCount;
  }

  /** Bytes the chunk takes so far, the last one counted whole. */
  public int byteSize() {
    return (bits.bitCount() + 7) >>> 3;
  }

  /**
   * The chunk of the samples appended so far (a copy: the encoder can go on appending), with the
   * smallest and largest timestamp appended (the first and the last, for samples in time order).
   */
  public XorChunk toChunk() {
    if (sampleCount == 0) {
      throw new IllegalStateException("an empty chunk has no time range");
    }
    return new XorChunk(minTimestamp, maxTimestamp, bits.toByteArray());
  }

  private void writeDeltaOfDelta(long deltaOfDelta) {
    if (deltaOfDelta == 0) {
      bits.writeBits(0b0, 1);
    } else if (fitsIn(deltaOfDelta, 14)) {
      bits.writeBits(0b10, 2);
      bits.writeBits(deltaOfDelta, 14);
    } else if (fitsIn(deltaOfDelta, 17)) {
      bits.writeBits(0b110, 3);
      bits.writeBits(deltaOfDelta, 17);
    } else if (fitsIn(deltaOfDelta, 20)) {
      bits.writeBits(0b1110, 4);
      bits.writeBits(deltaOfDelta, 20);
    } else {
      bits.writeBits(0b1111, 4);
      bits.writeBits(deltaOfDelta, 64);
    }
  }

  /**
   * Prometheus' range for an n-bit bucket: -(2^(n-1) - 1) up to +2^(n-1), one more on the positive
   * side than two's complement; the reader maps the raw bits back accordingly.
   */
  static boolean fitsIn(long value, int bitWidth) {
    long half = 1L << (bitWidth - 1);
    return value >= -(half - 1) && value <= half;
  }

  private void writeValue(long valueBits) {
    long xor = valueBits ^ lastValueBits;
    if (xor == 0) {
      bits.writeBit(false);
      return;
    }
    bits.writeBit(true);
    // the window's leading-zero count has 5 bits, so at most 31
    int leading = Math.min(Long.numberOfLeadingZeros(xor), 31);
    int trailing = Long.numberOfTrailingZeros(xor);
    if (leadingZeros != NO_WINDOW && leading >= leadingZeros && trailing >= trailingZeros) {
      bits.writeBit(false);
      bits.writeBits(xor >>> trailingZeros, 64 - leadingZeros - trailingZeros);
      return;
    }
    leadingZeros = leading;
    trailingZeros = trailing;
    int meaningful = 64 - leading - trailing;
    bits.writeBit(true);
    bits.writeBits(leading, 5);
    // 64 meaningful bits do not fit in 6 bits and are written as 0 (0 never occurs: xor != 0)
    bits.writeBits(meaningful, 6);
    bits.writeBits(xor >>> trailing, meaningful);
  }
}
