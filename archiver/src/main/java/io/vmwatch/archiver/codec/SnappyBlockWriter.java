package io.vmwatch.archiver.codec;

import java.io.IOException;
import java.io.OutputStream;
import org.xerial.snappy.Snappy;

/**
 * Writes one snappy block-format stream (what remote read's {@code Content-Encoding: snappy} means)
 * without holding the whole input: the block's header is the total uncompressed length, given up
 * front; the input is then compressed in pieces of 64 KiB and the elements of each piece (its own
 * header stripped) are written one after the other. A piece's copies reach back only within the
 * piece, so the concatenation is a valid block of the whole, as snappy's own encoders produce it.
 * {@link #finish()} fails unless exactly the announced number of bytes was written.
 */
public final class SnappyBlockWriter extends OutputStream {
  public static final int PIECE = 64 * 1024;

  private final OutputStream out;
  private final long length;
  private final byte[] piece = new byte[PIECE];
  private final byte[] compressed = new byte[Snappy.maxCompressedLength(PIECE)];
  private int filled;
  private long written;

  public SnappyBlockWriter(OutputStream out, long uncompressedLength) throws IOException {
    if (uncompressedLength < 0 || uncompressedLength > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException(
          "a snappy block holds 0 to 2^32-1 bytes, not " + uncompressedLength);
    }
    this.out = out;
    this.length = uncompressedLength;
    long rest = uncompressedLength;
    while (rest >= 0x80) {
      out.write((int) (rest & 0x7F) | 0x80);
      rest >>>= 7;
    }
    out.write((int) rest);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int count) throws IOException {
    if (written + count > length) {
      throw new IOException(
          "more than the announced " + length + " bytes written to the snappy block");
    }
    written += count;
    while (count > 0) {
      int n = Math.min(count, PIECE - filled);
      System.arraycopy(bytes, offset, piece, filled, n);
      filled += n;
      offset += n;
      count -= n;
      if (filled == PIECE) {
        flushPiece();
      }
    }
  }

  /** Writes the last piece; the stream is complete only if every announced byte came. */
  public void finish() throws IOException {
    flushPiece();
    if (written != length) {
      throw new IOException("snappy block announced " + length + " bytes but got " + written);
    }
    out.flush();
  }

  private void flushPiece() throws IOException {
    if (filled == 0) {
      return;
    }
    int size = Snappy.compress(piece, 0, filled, compressed, 0);
    int header = 0;
    while ((compressed[header] & 0x80) != 0) {
      header++;
    }
    header++;
    out.write(compressed, header, size - header);
    filled = 0;
  }
}
