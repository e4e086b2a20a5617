package io.vmwatch.archiver.chunk;

/** Reads bits out of a byte array, most significant bit of each byte first. */
final class BitReader {
  private final byte[] bytes;
  private final long bitLength;
  private long position;

  BitReader(byte[] bytes, int startByte) {
    this.bytes = bytes;
    this.bitLength = 8L * bytes.length;
    this.position = 8L * startByte;
  }

  /** The next {@code count} bits (0 to 64) as the low bits of a long. */
  long readBits(int count) {
    if (position + count > bitLength) {
      throw new MalformedChunkException(
          "chunk ends inside a field: needs "
              + count
              + " bits at bit "
              + position
              + " of "
              + bitLength);
    }
    long value = 0;
    int remaining = count;
    while (remaining > 0) {
      int bitInByte = (int) (position & 7);
      int availableInByte = 8 - bitInByte;
      int taken = Math.min(availableInByte, remaining);
      int current = bytes[(int) (position >>> 3)] & 0xff;
      int piece = (current >>> (availableInByte - taken)) & ((1 << taken) - 1);
      value = (value << taken) | piece;
      position += taken;
      remaining -= taken;
    }
    return value;
  }

  boolean readBit() {
    return readBits(1) == 1;
  }

  /** Go's {@code binary.ReadUvarint}. */
  long readUvarint() {
    long value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      long b = readBits(8);
      if (shift == 63 && b > 1) {
        throw new MalformedChunkException("uvarint overflows 64 bits");
      }
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new MalformedChunkException("uvarint longer than 10 bytes");
  }

  /** Go's {@code binary.ReadVarint}: a uvarint, then the zig-zag mapping undone. */
  long readVarint() {
    long zigzag = readUvarint();
    return (zigzag >>> 1) ^ -(zigzag & 1);
  }
}
