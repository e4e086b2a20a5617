package io.vmwatch.archiver.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

/** The streamed snappy block decodes with the snappy library's own decoder, across many pieces. */
class SnappyBlockWriterTest {
  @Test
  void manyPiecesMakeOneValidBlock() throws IOException {
    byte[] input = new byte[5 * SnappyBlockWriter.PIECE + 12_345];
    Random random = new Random(42);
    for (int i = 0; i < input.length; i++) {
      // repetitive enough for copies, random enough for literals
      input[i] = (byte) (i % 1000 < 500 ? i % 7 : random.nextInt());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SnappyBlockWriter writer = new SnappyBlockWriter(out, input.length);
    for (int offset = 0; offset < input.length; offset += 1000) {
      writer.write(input, offset, Math.min(1000, input.length - offset));
    }
    writer.finish();
    assertTrue(out.size() < input.length, "nothing compressed: " + out.size());
    assertArrayEquals(input, Snappy.uncompress(out.toByteArray()));
  }

  @Test
  void anEmptyBlockAndAWrongLengthFail() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new SnappyBlockWriter(out, 0).finish();
    assertArrayEquals(new byte[0], Snappy.uncompress(out.toByteArray()));
    SnappyBlockWriter tooFew = new SnappyBlockWriter(new ByteArrayOutputStream(), 10);
    tooFew.write(new byte[9], 0, 9);
    assertThrows(IOException.class, tooFew::finish);
    SnappyBlockWriter tooMany = new SnappyBlockWriter(new ByteArrayOutputStream(), 10);
    assertThrows(IOException.class, () -> tooMany.write(new byte[11], 0, 11));
  }
}
