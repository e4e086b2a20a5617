package io.vmwatch.archiver.chunk;

import com.google.protobuf.CodedInputStream;
import io.vmwatch.archiver.codec.Label;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A test's reader of a STREAMED_XOR_CHUNKS answer, written from the format (uvarint length,
 * big-endian CRC32-C, ChunkedReadResponse), as strict as Prometheus' frame reader: a checksum that
 * does not match or a frame cut short is an {@link IOException}.
 */
public final class ChunkedFrames {
  /** One decoded frame and the bytes it took on the wire, header included. */
  public record Frame(long queryIndex, List<Series> series, int wireBytes) {}

  public record Series(List<Label> labels, List<XorChunk> chunks) {}

  private ChunkedFrames() {}

  /** Every frame of the body, in order. */
  public static List<Frame> read(byte[] body) throws IOException {
    List<Frame> frames = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(body);
    while (in.hasRemaining()) {
      int start = in.position();
      long length = 0;
      for (int shift = 0; ; shift += 7) {
        if (!in.hasRemaining()) {
          throw new IOException("unexpected end of stream in a frame header at " + start);
        }
        int b = in.get() & 0xff;
        length |= (long) (b & 0x7f) << shift;
        if (b < 0x80) {
          break;
        }
      }
      if (in.remaining() < 4 + length) {
        throw new IOException(
            "unexpected end of stream: frame at "
                + start
                + " announces "
                + length
                + " bytes, "
                + Math.max(0, in.remaining() - 4)
                + " follow");
      }
      int crc = in.getInt();
      byte[] message = new byte[(int) length];
      in.get(message);
      CRC32C check = new CRC32C();
      check.update(message);
      if ((int) check.getValue() != crc) {
        throw new IOException("checksum mismatch in the frame at " + start);
      }
      frames.add(parse(message, in.position() - start));
    }
    return frames;
  }

  private static Frame parse(byte[] message, int wireBytes) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(message);
    long queryIndex = 0;
    List<Series> series = new ArrayList<>();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (1 << 3) | 2 -> series.add(series(in.readByteArray()));
        case (2 << 3) -> queryIndex = in.readInt64();
        default -> throw new IOException("unexpected ChunkedReadResponse tag " + tag);
      }
    }
    return new Frame(queryIndex, series, wireBytes);
  }

  private static Series series(byte[] message) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(message);
    List<Label> labels = new ArrayList<>();
    List<XorChunk> chunks = new ArrayList<>();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (1 << 3) | 2 -> labels.add(label(in.readByteArray()));
        case (2 << 3) | 2 -> chunks.add(chunk(in.readByteArray()));
        default -> throw new IOException("unexpected ChunkedSeries tag " + tag);
      }
    }
    return new Series(labels, chunks);
  }

  private static Label label(byte[] message) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(message);
    String name = "";
    String value = "";
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (1 << 3) | 2 -> name = in.readString();
        case (2 << 3) | 2 -> value = in.readString();
        default -> throw new IOException("unexpected Label tag " + tag);
      }
    }
    return new Label(name, value);
  }

  private static XorChunk chunk(byte[] message) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(message);
    long min = 0;
    long max = 0;
    int type = 0;
    byte[] data = new byte[0];
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (1 << 3) -> min = in.readInt64();
        case (2 << 3) -> max = in.readInt64();
        case (3 << 3) -> type = in.readEnum();
        case (4 << 3) | 2 -> data = in.readByteArray();
        default -> throw new IOException("unexpected Chunk tag " + tag);
      }
    }
    if (type != XorChunk.ENCODING) {
      throw new IOException("chunk of type " + type + ", not XOR");
    }
    return new XorChunk(min, max, data);
  }
}
