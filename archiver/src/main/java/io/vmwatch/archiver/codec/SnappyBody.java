package io.vmwatch.archiver.codec;

import java.io.IOException;
import org.xerial.snappy.Snappy;

/**
 * A request body in snappy block format, as remote write and remote read send it, and its limits: a
 * body whose announced size is above {@code maxDecodedBytes}, or whose body and decoded body
 * together are above {@code heapBudgetBytes}, is refused before any memory is taken for it.
 */
record SnappyBody(long maxDecodedBytes, long heapBudgetBytes) {
  byte[] uncompress(byte[] compressed) throws MalformedRequestException, TooLargeException {
    if (compressed.length == 0) {
      throw new MalformedRequestException("empty body");
    }
    int length;
    try {
      if (!Snappy.isValidCompressedBuffer(compressed)) {
        throw new MalformedRequestException("body is not in snappy block format");
      }
      length = Snappy.uncompressedLength(compressed);
    } catch (IOException e) {
      throw new MalformedRequestException(
          "body is not in snappy block format: " + e.getMessage(), e);
    }
    if (length < 0 || length > maxDecodedBytes) {
      throw new TooLargeException(
          "decoded body of "
              + Integer.toUnsignedString(length)
              + " bytes is above the limit of "
              + maxDecodedBytes
              + " bytes");
    }
    if (compressed.length + (long) length > heapBudgetBytes) {
      throw new TooLargeException(
          "body and decoded body ("
              + compressed.length
              + " + "
              + length
              + " bytes) are above the heap budget of a request, "
              + heapBudgetBytes
              + " bytes");
    }
    try {
      return Snappy.uncompress(compressed);
    } catch (IOException e) {
      throw new MalformedRequestException(
          "body is not in snappy block format: " + e.getMessage(), e);
    }
  }
}
