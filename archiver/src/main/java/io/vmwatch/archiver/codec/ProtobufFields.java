package io.vmwatch.archiver.codec;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * Field reading shared by the hand-written protobuf decoders of remote write and remote read: each
 * reads one field of a known number after checking its wire type against the declaration.
 */
final class ProtobufFields {
  private ProtobufFields() {}

  /** Reads one embedded message from a stream limited to its length; may also throw an X. */
  @FunctionalInterface
  interface MessageReader<T, X extends Exception> {
    T read(CodedInputStream in) throws IOException, MalformedRequestException, X;
  }

  /**
   * A whole request body holding one {@code message}, read by {@code reader}; a body that is not
   * valid protobuf is malformed.
   */
  static <T, X extends Exception> T body(
      byte[] protobuf, String message, MessageReader<T, X> reader)
      throws MalformedRequestException, X {
    try {
      return reader.read(CodedInputStream.newInstance(protobuf));
    } catch (IOException e) {
      throw new MalformedRequestException(
          "body is not a protobuf " + message + ": " + e.getMessage(), e);
    }
  }

  /** An embedded message (length-delimited), read by {@code reader} within its length. */
  static <T, X extends Exception> T message(
      CodedInputStream in, int tag, String field, MessageReader<T, X> reader)
      throws IOException, MalformedRequestException, X {
    requireWireType(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field);
    int limit = in.pushLimit(in.readRawVarint32());
    T message = reader.read(in);
    in.popLimit(limit);
    return message;
  }

  /** Reads a value of a scalar type once its wire type is checked. */
  @FunctionalInterface
  interface ValueReader<T> {
    T read(CodedInputStream in) throws IOException;
  }

  /** A scalar field type of the .proto language: its wire type and how its value is read. */
  record Scalar<T>(int wireType, ValueReader<T> reader) {}

  static final Scalar<Long> INT64 =
      new Scalar<>(WireFormat.WIRETYPE_VARINT, CodedInputStream::readInt64);

  /** An enum's number. */
  static final Scalar<Integer> ENUM =
      new Scalar<>(WireFormat.WIRETYPE_VARINT, CodedInputStream::readEnum);

  static final Scalar<Double> DOUBLE =
      new Scalar<>(WireFormat.WIRETYPE_FIXED64, CodedInputStream::readDouble);

  /** Refused unless valid UTF-8. */
  static final Scalar<String> STRING =
      new Scalar<>(WireFormat.WIRETYPE_LENGTH_DELIMITED, CodedInputStream::readStringRequireUtf8);

  /** A field of a scalar type, refused when it was sent with another wire type. */
  static <T> T scalar(CodedInputStream in, int tag, String field, Scalar<T> type)
      throws IOException, MalformedRequestException {
    requireWireType(tag, type.wireType(), field);
    return type.reader().read(in);
  }

  /** Skips a field this decoder does not know, as protobuf requires. */
  static void skipUnknown(CodedInputStream in, int tag)
      throws IOException, MalformedRequestException {
    if (!in.skipField(tag)) {
      throw new MalformedRequestException(
          "unexpected end-group tag of field " + WireFormat.getTagFieldNumber(tag));
    }
  }

  /** Refuses a known field sent with another wire type than its declaration's. */
  static void requireWireType(int tag, int wireType, String field)
      throws MalformedRequestException {
    if (WireFormat.getTagWireType(tag) != wireType) {
      throw new MalformedRequestException(
          field + " has wire type " + WireFormat.getTagWireType(tag) + ", expected " + wireType);
    }
  }
}
