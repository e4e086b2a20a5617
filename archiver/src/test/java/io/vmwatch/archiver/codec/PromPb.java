package io.vmwatch.archiver.codec;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.xerial.snappy.Snappy;

/**
 * Remote-write messages built by protobuf-java itself, from descriptors declared here with the
 * field numbers of Prometheus' prompb/remote.proto and prompb/types.proto (none of the archiver's
 * own encoding involved), so a decoder reading a wrong field number fails its tests:
 *
 * <pre>
 * message WriteRequest   { repeated TimeSeries timeseries = 1; reserved 2; repeated MetricMetadata metadata = 3; }
 * message TimeSeries     { repeated Label labels = 1; repeated Sample samples = 2; }
 * message Label          { string name = 1; string value = 2; }
 * message Sample         { double value = 1; int64 timestamp = 2; }
 * message MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
 * </pre>
 */
final class PromPb {
  static final Descriptor WRITE_REQUEST;
  static final Descriptor TIME_SERIES;
  static final Descriptor LABEL;
  static final Descriptor SAMPLE;
  static final Descriptor METRIC_METADATA;

  static {
    FileDescriptorProto file =
        FileDescriptorProto.newBuilder()
            .setName("prompb_for_tests.proto")
            .setPackage("prometheus")
            .setSyntax("proto3")
            .addMessageType(
                message(
                    "Sample",
                    field("value", 1, FieldDescriptorProto.Type.TYPE_DOUBLE, null, false),
                    field("timestamp", 2, FieldDescriptorProto.Type.TYPE_INT64, null, false)))
            .addMessageType(
                message(
                    "Label",
                    field("name", 1, FieldDescriptorProto.Type.TYPE_STRING, null, false),
                    field("value", 2, FieldDescriptorProto.Type.TYPE_STRING, null, false)))
            .addMessageType(
                message(
                    "TimeSeries",
                    field("labels", 1, FieldDescriptorProto.Type.TYPE_MESSAGE, "Label", true),
                    field("samples", 2, FieldDescriptorProto.Type.TYPE_MESSAGE, "Sample", true)))
            .addMessageType(
                message(
                    "MetricMetadata",
                    // an enum in remote.proto; int32 has the same wire form (varint)
                    field("type", 1, FieldDescriptorProto.Type.TYPE_INT32, null, false),
                    field(
                        "metric_family_name",
                        2,
                        FieldDescriptorProto.Type.TYPE_STRING,
                        null,
                        false),
                    field("help", 4, FieldDescriptorProto.Type.TYPE_STRING, null, false),
                    field("unit", 5, FieldDescriptorProto.Type.TYPE_STRING, null, false)))
            .addMessageType(
                message(
                    "WriteRequest",
                    field(
                        "timeseries",
                        1,
                        FieldDescriptorProto.Type.TYPE_MESSAGE,
                        "TimeSeries",
                        true),
                    field(
                        "metadata",
                        3,
                        FieldDescriptorProto.Type.TYPE_MESSAGE,
                        "MetricMetadata",
                        true)))
            .build();
    try {
      FileDescriptor descriptor = FileDescriptor.buildFrom(file, new FileDescriptor[0]);
      WRITE_REQUEST = descriptor.findMessageTypeByName("WriteRequest");
      TIME_SERIES = descriptor.findMessageTypeByName("TimeSeries");
      LABEL = descriptor.findMessageTypeByName("Label");
      SAMPLE = descriptor.findMessageTypeByName("Sample");
      METRIC_METADATA = descriptor.findMessageTypeByName("MetricMetadata");
    } catch (DescriptorValidationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private PromPb() {}

  private static DescriptorProto message(String name, FieldDescriptorProto... fields) {
    DescriptorProto.Builder message = DescriptorProto.newBuilder().setName(name);
    for (FieldDescriptorProto field : fields) {
      message.addField(field);
    }
    return message.build();
  }

  private static FieldDescriptorProto field(
      String name,
      int number,
      FieldDescriptorProto.Type type,
      String messageType,
      boolean repeated) {
    FieldDescriptorProto.Builder field =
        FieldDescriptorProto.newBuilder()
            .setName(name)
            .setNumber(number)
            .setType(type)
            .setLabel(
                repeated
                    ? FieldDescriptorProto.Label.LABEL_REPEATED
                    : FieldDescriptorProto.Label.LABEL_OPTIONAL);
    if (messageType != null) {
      field.setTypeName(".prometheus." + messageType);
    }
    return field.build();
  }

  /** {@code request} as a prompb WriteRequest message. */
  static DynamicMessage writeRequest(WriteRequest request) {
    DynamicMessage.Builder message = DynamicMessage.newBuilder(WRITE_REQUEST);
    for (TimeSeries series : request.series()) {
      message.addRepeatedField(WRITE_REQUEST.findFieldByName("timeseries"), timeSeries(series));
    }
    return message.build();
  }

  static DynamicMessage timeSeries(TimeSeries series) {
    DynamicMessage.Builder message = DynamicMessage.newBuilder(TIME_SERIES);
    for (Label label : series.labels()) {
      message.addRepeatedField(
          TIME_SERIES.findFieldByName("labels"),
          DynamicMessage.newBuilder(LABEL)
              .setField(LABEL.findFieldByName("name"), label.name())
              .setField(LABEL.findFieldByName("value"), label.value())
              .build());
    }
    for (int i = 0; i < series.sampleCount(); i++) {
      message.addRepeatedField(
          TIME_SERIES.findFieldByName("samples"),
          DynamicMessage.newBuilder(SAMPLE)
              .setField(SAMPLE.findFieldByName("value"), series.values()[i])
              .setField(SAMPLE.findFieldByName("timestamp"), series.timestamps()[i])
              .build());
    }
    return message.build();
  }

  /** A prompb MetricMetadata message. */
  static DynamicMessage metricMetadata(int type, String family, String help, String unit) {
    return DynamicMessage.newBuilder(METRIC_METADATA)
        .setField(METRIC_METADATA.findFieldByName("type"), type)
        .setField(METRIC_METADATA.findFieldByName("metric_family_name"), family)
        .setField(METRIC_METADATA.findFieldByName("help"), help)
        .setField(METRIC_METADATA.findFieldByName("unit"), unit)
        .build();
  }

  /** The protobuf bytes of {@code request}. */
  static byte[] protobuf(WriteRequest request) {
    return writeRequest(request).toByteArray();
  }

  /** The body a remote-write 1.0 sender posts: protobuf in the snappy block format. */
  static byte[] snappy(WriteRequest request) {
    return compress(protobuf(request));
  }

  static byte[] compress(byte[] raw) {
    try {
      return Snappy.compress(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
