package io.vmwatch.archiver.chunk;

import java.util.Arrays;

/** A growing buffer written bit by bit, most significant bit of each byte first. */
final class BitWriter {
  private byte[] bytes = new byte[32];
  private int bitCount;

  /** Writes the lowest {@code count} bits of {@code value} (0 to 64), highest of them first. */
  void writeBits(long value, int count) {
    if (count < 0 || count > 64) {
      throw new IllegalArgumentException("bit count " + count + " is outside 0..64");
    }
    ensureRoom(count);
    int remaining = count;
    while (remaining > 0) {
      int freeInByte = 8 - (bitCount & 7);
      int taken = Math.min(freeInByte, remaining);
      int piece = (int) ((value >>> (remaining - taken)) & ((1 << taken) - 1));
      bytes[bitCount >>> 3] |= (byte) (piece << (freeInByte - taken));
      bitCount += taken;
      remaining -= taken;
    }
  }

  void writeBit(boolean bit) {
    writeBits(bit ? 1 : 0, 1);
  }

  /** Go's {@code binary.PutUvarint}: 7 bits a byte, lowest first, high bit set on all but last. */
  void writeUvarint(long value) {
    long rest = value;
    while ((rest & ~0x7fL) != 0) {
      writeBits((rest & 0x7f) | 0x80, 8);
      rest >>>= 7;
    }
    writeBits(rest, 8);
  }

  /** Go's {@code binary.PutVarint}: the zig-zag mapping of a signed value, then a uvarint. */
  void writeVarint(long value) {
    writeUvarint((value << 1) ^ (value >> 63));
  }

  /** Overwrites two whole bytes at a byte offset already written, big-endian. */
  void putUint16(int byteOffset, int value) {
    bytes[byteOffset] = (byte) (value >>> 8);
    bytes[byteOffset + 1] = (byte) value;
  }

  int bitCount() {
    return bitCount;
  }

  /** The bytes written so far; the last one padded with zero bits. */
  byte[] toByteArray() {
    return Arrays.copyOf(bytes, (bitCount + 7) >>> 3);
  }

  private void ensureRoom(int moreBits) {
    int needed = (bitCount + moreBits + 7) >>> 3;
    if (needed > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(needed, bytes.length * 2));
    }
  }
}
