package io.vmwatch.archiver.chunk;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.vmwatch.archiver.codec.Label;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * Streams a remote-read answer of type STREAMED_XOR_CHUNKS: frames of a uvarint message length, the
 * CRC32-C (Castagnoli) of the message as 4 big-endian bytes, then the message, no compression. One
 * series a frame, as Prometheus' own server sends them (its client takes only the first series of a
 * frame); a series whose chunks do not fit in one frame continues in the next ones, with its labels
 * repeated. Each frame, header included, takes at most {@code maxFrameBytes}.
 *
 * <pre>
 * message ChunkedReadResponse { repeated ChunkedSeries chunked_series = 1; int64 query_index = 2; }
 * message ChunkedSeries { repeated Label labels = 1; repeated Chunk chunks = 2; }
 * message Label { string name = 1; string value = 2; }
 * message Chunk { int64 min_time_ms = 1; int64 max_time_ms = 2; Encoding type = 3; bytes data = 4; }
 *                                                                            XOR = 1
 * </pre>
 *
 * <p>Memory: only the chunks of the frame being filled (at most {@code maxFrameBytes}); the message
 * is serialized twice, once for its checksum and once onto the stream, instead of being buffered.
 * Not thread safe.
 */
public final class ChunkedReadResponseWriter {
  /** Prometheus' server keeps frames to about 1 MiB; here a hard limit, header included. */
  public static final int MAX_FRAME_BYTES = 1 << 20;

  /** Content-Type of the answer. */
  public static final String CONTENT_TYPE =
      "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";

  /** uvarint length (at most 5 bytes for an int) and CRC. */
  private static final int HEADER_BYTES = 5 + 4;

  private final OutputStream out;
  private final int maxFrameBytes;
  private final List<XorChunk> pending = new ArrayList<>();
  private long queryIndex;
  private List<Label> labels;
  private long labelsBytes;
  private long pendingChunkBytes;
  private long frames;
  private long bytesWritten;

  public ChunkedReadResponseWriter(OutputStream out) {
    this(out, MAX_FRAME_BYTES);
  }

  public ChunkedReadResponseWriter(OutputStream out, int maxFrameBytes) {
    if (maxFrameBytes < 256) {
      throw new IllegalArgumentException("frames of " + maxFrameBytes + " bytes are too small");
    }
    this.out = out;
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * Starts the next series of the answer (labels sorted by name): the previous series' last frame
   * is sent. A series given no chunk sends nothing.
   */
  public void startSeries(long queryIndex, List<Label> labels) throws IOException {
    flush();
    this.queryIndex = queryIndex;
    this.labels = List.copyOf(labels);
    long size = 0;
    for (Label label : labels) {
      size += lengthDelimited(labelSize(label));
    }
    this.labelsBytes = size;
  }

  /**
   * Adds the current series' next chunk (in time order); sends a frame first when the chunk would
   * not fit in it. A chunk that does not fit in a frame with its series' labels is refused.
   */
  public void addChunk(XorChunk chunk) throws IOException {
    if (labels == null) {
      throw new IllegalStateException("addChunk before startSeries");
    }
    long entry = lengthDelimited(chunkSize(chunk));
    if (frameSize(labelsBytes + entry) > maxFrameBytes) {
      throw new IllegalArgumentException(
          "a chunk of "
              + chunk.data().length
              + " bytes with its series' labels does not fit in a frame of "
              + maxFrameBytes
              + " bytes");
    }
    if (!pending.isEmpty() && frameSize(labelsBytes + pendingChunkBytes + entry) > maxFrameBytes) {
      flush();
    }
    pending.add(chunk);
    pendingChunkBytes += entry;
  }

  /** Sends the last frame; the answer is complete. */
  public void finish() throws IOException {
    flush();
    out.flush();
  }

  /**
   * Ends an answer that cannot be completed so that the client fails instead of taking what it got
   * for all there is: a last, incomplete frame whose header announces one byte more than follows (a
   * zero checksum, then {@code reason} as UTF-8 text for whoever looks at the bytes). Frame readers
   * (Prometheus', Thanos') then report an unexpected end of the stream. The chunks not sent yet are
   * dropped.
   */
  public void abort(String reason) throws IOException {
    pending.clear();
    pendingChunkBytes = 0;
    byte[] text = ("error: " + reason).getBytes(StandardCharsets.UTF_8);
    CodedOutputStream header = CodedOutputStream.newInstance(out, HEADER_BYTES);
    header.writeUInt32NoTag(text.length + 1);
    header.writeFixed32NoTag(0);
    header.flush();
    out.write(text);
    out.flush();
  }

  /** Frames sent so far. */
  public long frames() {
    return frames;
  }

  /** Bytes sent so far, frame headers included. */
  public long bytesWritten() {
    return bytesWritten;
  }

  private void flush() throws IOException {
    if (pending.isEmpty()) {
      return;
    }
    long seriesBytes = labelsBytes + pendingChunkBytes;
    int messageBytes = (int) messageSize(seriesBytes);
    CRC32C crc = new CRC32C();
    writeMessage(new CheckedOutputStream(OutputStream.nullOutputStream(), crc), seriesBytes);
    CodedOutputStream header = CodedOutputStream.newInstance(out, HEADER_BYTES);
    header.writeUInt32NoTag(messageBytes);
    // CodedOutputStream's fixed32 is little-endian; the frame's CRC is big-endian
    header.writeFixed32NoTag(Integer.reverseBytes((int) crc.getValue()));
    header.flush();
    long written = writeMessage(out, seriesBytes);
    if (written != messageBytes) {
      throw new IllegalStateException(
          "frame message of " + written + " bytes, " + messageBytes + " computed");
    }
    frames++;
    bytesWritten += header.getTotalBytesWritten() + written;
    pending.clear();
    pendingChunkBytes = 0;
  }

  private long writeMessage(OutputStream target, long seriesBytes) throws IOException {
    CodedOutputStream proto = CodedOutputStream.newInstance(target, 8192);
    proto.writeTag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    proto.writeUInt64NoTag(seriesBytes);
    for (Label label : labels) {
      proto.writeTag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      proto.writeUInt32NoTag(labelSize(label));
      proto.writeString(1, label.name());
      proto.writeString(2, label.value());
    }
    for (XorChunk chunk : pending) {
      proto.writeTag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      proto.writeUInt32NoTag(chunkSize(chunk));
      proto.writeInt64(1, chunk.minTimeMs());
      proto.writeInt64(2, chunk.maxTimeMs());
      proto.writeEnum(3, XorChunk.ENCODING);
      proto.writeByteArray(4, chunk.data());
    }
    if (queryIndex != 0) {
      proto.writeInt64(2, queryIndex);
    }
    proto.flush();
    return proto.getTotalBytesWritten();
  }

  private long frameSize(long seriesBytes) {
    long message = messageSize(seriesBytes);
    return CodedOutputStream.computeUInt64SizeNoTag(message) + 4 + message;
  }

  private long messageSize(long seriesBytes) {
    long size = 1 + CodedOutputStream.computeUInt64SizeNoTag(seriesBytes) + seriesBytes;
    return queryIndex == 0 ? size : size + CodedOutputStream.computeInt64Size(2, queryIndex);
  }

  private static long lengthDelimited(int messageBytes) {
    return 1 + CodedOutputStream.computeUInt32SizeNoTag(messageBytes) + (long) messageBytes;
  }

  private static int labelSize(Label label) {
    return CodedOutputStream.computeStringSize(1, label.name())
        + CodedOutputStream.computeStringSize(2, label.value());
  }

  private static int chunkSize(XorChunk chunk) {
    return CodedOutputStream.computeInt64Size(1, chunk.minTimeMs())
        + CodedOutputStream.computeInt64Size(2, chunk.maxTimeMs())
        + CodedOutputStream.computeEnumSize(3, XorChunk.ENCODING)
        + CodedOutputStream.computeByteArraySize(4, chunk.data());
  }
}
