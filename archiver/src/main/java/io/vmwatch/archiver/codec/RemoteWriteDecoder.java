package io.vmwatch.archiver.codec;

import static io.vmwatch.archiver.codec.ProtobufFields.DOUBLE;
import static io.vmwatch.archiver.codec.ProtobufFields.INT64;
import static io.vmwatch.archiver.codec.ProtobufFields.STRING;
import static io.vmwatch.archiver.codec.ProtobufFields.body;
import static io.vmwatch.archiver.codec.ProtobufFields.message;
import static io.vmwatch.archiver.codec.ProtobufFields.requireWireType;
import static io.vmwatch.archiver.codec.ProtobufFields.scalar;
import static io.vmwatch.archiver.codec.ProtobufFields.skipUnknown;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decodes a remote-write 1.0 body: snappy block format around a protobuf {@code WriteRequest}.
 *
 * <pre>
 * message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; reserved 3; }
 * message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
 *                        repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
 * message Label        { string name = 1; string value = 2; }
 * message Sample       { double value = 1; int64 timestamp = 2; }
 * </pre>
 *
 * Unknown fields are skipped as protobuf requires; so is {@code metadata} (field 3, which
 * Prometheus sends in requests of its own with {@code send_metadata}). A label with an empty value
 * is dropped, as remote write 1.0 says an empty value means no label. Every series must carry a
 * non-empty {@code __name__}, label names must be non-empty and unique and all strings valid UTF-8;
 * otherwise the whole request is malformed, so nothing of it is written.
 *
 * <p>Memory is bounded while decoding, before anything is stored: the decoded size, the number of
 * series and samples, and an estimate of the heap the decoded request and its rows will take
 * ({@link Limits}) are checked as the body is read, and the first one exceeded ends decoding with a
 * {@link TooLargeException} that names it.
 */
public final class RemoteWriteDecoder {
  public static final String METRIC_NAME_LABEL = "__name__";

  private static final int WRITE_REQUEST_TIMESERIES = 1;
  private static final int TIMESERIES_LABELS = 1;
  private static final int TIMESERIES_SAMPLES = 2;
  private static final int TIMESERIES_HISTOGRAMS = 4;
  private static final int LABEL_NAME = 1;
  private static final int LABEL_VALUE = 2;
  private static final int SAMPLE_VALUE = 1;
  private static final int SAMPLE_TIMESTAMP = 2;

  /** Heap estimate of one series beyond its labels and samples: records, lists, arrays, its key. */
  static final long SERIES_COST = 320;

  /** Heap estimate of one label beyond its characters: record, two strings, list slot. */
  public static final long LABEL_COST = 120;

  /** Heap estimate of one sample: two array slots, its row for MySQL and that row's sorted copy. */
  static final long SAMPLE_COST = 72;

  /**
   * What one request may cost: decoded bytes, series, samples, and the estimated heap of body,
   * decoded body and decoded objects together.
   */
  public record Limits(
      long maxDecodedBytes, long maxSeries, long maxSamples, long heapBudgetBytes) {
    public static Limits decodedOnly(long maxDecodedBytes) {
      return new Limits(maxDecodedBytes, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);
    }
  }

  private final Limits limits;
  private final SnappyBody snappy;

  public RemoteWriteDecoder(long maxDecodedBytes) {
    this(Limits.decodedOnly(maxDecodedBytes));
  }

  public RemoteWriteDecoder(Limits limits) {
    this.limits = limits;
    this.snappy = new SnappyBody(limits.maxDecodedBytes(), limits.heapBudgetBytes());
  }

  public Limits limits() {
    return limits;
  }

  /** Decodes an uncompressed protobuf WriteRequest. */
  public WriteRequest decode(byte[] protobuf) throws MalformedRequestException, TooLargeException {
    return decode(protobuf, protobuf.length);
  }

  /**
   * Decodes, counting {@code bytesHeld} (the body buffers still referenced) against the heap
   * budget.
   */
  private WriteRequest decode(byte[] protobuf, long bytesHeld)
      throws MalformedRequestException, TooLargeException {
    Cost cost = new Cost(limits, bytesHeld);
    return body(protobuf, "WriteRequest", in -> readWriteRequest(in, cost));
  }

  private static WriteRequest readWriteRequest(CodedInputStream in, Cost cost)
      throws IOException, MalformedRequestException, TooLargeException {
    List<TimeSeries> series = new ArrayList<>();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (WireFormat.getTagFieldNumber(tag) == WRITE_REQUEST_TIMESERIES) {
        cost.series();
        series.add(message(in, tag, "WriteRequest.timeseries", s -> readTimeSeries(s, cost)));
      } else {
        skipUnknown(in, tag);
      }
    }
    return new WriteRequest(List.copyOf(series));
  }

  /** Both steps: snappy, then protobuf. */
  public WriteRequest decodeBody(byte[] compressed)
      throws MalformedRequestException, TooLargeException {
    byte[] protobuf = snappy.uncompress(compressed);
    return decode(protobuf, (long) compressed.length + protobuf.length);
  }

  private static TimeSeries readTimeSeries(CodedInputStream in, Cost cost)
      throws IOException, MalformedRequestException, TooLargeException {
    List<Label> labels = new ArrayList<>();
    Samples samples = new Samples();
    int histograms = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case TIMESERIES_LABELS -> {
          Label label = message(in, tag, "TimeSeries.labels", RemoteWriteDecoder::readLabel);
          cost.label(label);
          if (!label.value().isEmpty()) {
            labels.add(label);
          }
        }
        case TIMESERIES_SAMPLES -> {
          message(in, tag, "TimeSeries.samples", samples::read);
          cost.sample();
        }
        case TIMESERIES_HISTOGRAMS -> {
          requireWireType(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "TimeSeries.histograms");
          histograms++;
          in.skipField(tag);
        }
        default -> skipUnknown(in, tag);
      }
    }
    validate(labels);
    return new TimeSeries(List.copyOf(labels), samples.timestamps(), samples.values(), histograms);
  }

  private static Label readLabel(CodedInputStream in)
      throws IOException, MalformedRequestException {
    String name = "";
    String value = "";
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case LABEL_NAME -> name = scalar(in, tag, "Label.name", STRING);
        case LABEL_VALUE -> value = scalar(in, tag, "Label.value", STRING);
        default -> skipUnknown(in, tag);
      }
    }
    return new Label(name, value);
  }

  private static void validate(List<Label> labels) throws MalformedRequestException {
    Set<String> names = new HashSet<>();
    boolean named = false;
    for (Label label : labels) {
      if (label.name().isEmpty()) {
        throw new MalformedRequestException("a series has a label with an empty name");
      }
      if (!names.add(label.name())) {
        throw new MalformedRequestException("a series has the label " + label.name() + " twice");
      }
      if (label.name().equals(METRIC_NAME_LABEL) && !label.value().isEmpty()) {
        named = true;
      }
    }
    if (!named) {
      throw new MalformedRequestException("a series has no " + METRIC_NAME_LABEL + " label");
    }
  }

  /** Counts what a request decodes to against its {@link Limits}, as it is decoded. */
  private static final class Cost {
    private final Limits limits;
    private long series;
    private long samples;
    private long heapBytes;

    Cost(Limits limits, long bytesHeld) {
      this.limits = limits;
      this.heapBytes = bytesHeld;
    }

    void series() throws TooLargeException {
      if (++series > limits.maxSeries()) {
        throw new TooLargeException("more than " + limits.maxSeries() + " series in one request");
      }
      add(SERIES_COST);
    }

    void sample() throws TooLargeException {
      if (++samples > limits.maxSamples()) {
        throw new TooLargeException("more than " + limits.maxSamples() + " samples in one request");
      }
      add(SAMPLE_COST);
    }

    /**
     * A string takes one (Latin-1) or two (UTF-16) bytes a char, plus LABEL_COST for the objects.
     */
    void label(Label label) throws TooLargeException {
      add(LABEL_COST + 2L * (label.name().length() + label.value().length()));
    }

    private void add(long bytes) throws TooLargeException {
      heapBytes += bytes;
      if (heapBytes > limits.heapBudgetBytes()) {
        throw new TooLargeException(
            "the request would take more than "
                + limits.heapBudgetBytes()
                + " bytes of heap, the budget of one request ("
                + series
                + " series, "
                + samples
                + " samples decoded so far)");
      }
    }
  }

  /** The samples of one series as they are read. */
  private static final class Samples extends SampleColumns {
    Samples() {
      super(4);
    }

    /** Reads one Sample message and adds it. */
    Void read(CodedInputStream in) throws IOException, MalformedRequestException {
      double value = 0;
      long timestamp = 0;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (WireFormat.getTagFieldNumber(tag)) {
          case SAMPLE_VALUE -> value = scalar(in, tag, "Sample.value", DOUBLE);
          case SAMPLE_TIMESTAMP -> timestamp = scalar(in, tag, "Sample.timestamp", INT64);
          default -> skipUnknown(in, tag);
        }
      }
      add(timestamp, Double.doubleToRawLongBits(value));
      return null;
    }
  }
}
