package io.vmwatch.archiver.codec;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.xerial.snappy.Snappy;

/**
 * Encodes a {@link WriteRequest} the way a remote-write 1.0 sender does (protobuf, then snappy
 * block format). The archiver itself only decodes: this is test code, for the integration tests and
 * the benchmarks under bench/archiver, which compile this file beside their own sources. The
 * decoder tests do not use it (they build messages with protobuf-java, {@link PromPb}); one of them
 * checks that this encoder writes the same bytes.
 */
public final class RemoteWriteEncoder {
  private RemoteWriteEncoder() {}

  public static byte[] protobuf(WriteRequest request) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      for (TimeSeries series : request.series()) {
        byte[] encoded = timeSeries(series);
        out.writeByteArray(1, encoded);
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A remote write 1.0 POST of {@code snappyBody} to {@code url}, as Prometheus sends it. */
  public static HttpRequest.Builder post(String url, byte[] snappyBody, Duration timeout) {
    return HttpRequest.newBuilder(URI.create(url))
        .timeout(timeout)
        .header("Content-Type", "application/x-protobuf")
        .header("Content-Encoding", "snappy")
        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
        .POST(HttpRequest.BodyPublishers.ofByteArray(snappyBody));
  }

  public static byte[] snappy(WriteRequest request) {
    return compress(protobuf(request));
  }

  public static byte[] compress(byte[] raw) {
    try {
      return Snappy.compress(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] timeSeries(TimeSeries series) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    for (Label label : series.labels()) {
      ByteArrayOutputStream labelBytes = new ByteArrayOutputStream();
      CodedOutputStream labelOut = CodedOutputStream.newInstance(labelBytes);
      labelOut.writeString(1, label.name());
      labelOut.writeString(2, label.value());
      labelOut.flush();
      out.writeByteArray(1, labelBytes.toByteArray());
    }
    for (int i = 0; i < series.sampleCount(); i++) {
      out.writeTag(2, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag(
          CodedOutputStream.computeDoubleSize(1, series.values()[i])
              + CodedOutputStream.computeInt64Size(2, series.timestamps()[i]));
      out.writeDouble(1, series.values()[i]);
      out.writeInt64(2, series.timestamps()[i]);
    }
    out.flush();
    return bytes.toByteArray();
  }
}
