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

  /** A varint field read as int64. */
  static long int64(CodedInputStream in, int tag, String field)
      throws IOException, MalformedRequestException {
    requireWireType(tag, WireFormat.WIRETYPE_VARINT, field);
    return in.readInt64();
  }

  /** A varint field read as an enum number. */
  static int enumValue(CodedInputStream in, int tag, String field)
      throws IOException, MalformedRequestException {
    requireWireType(tag, WireFormat.WIRETYPE_VARINT, field);
    return in.readEnum();
  }

  /** A fixed64 field read as a double. */
  static double double64(CodedInputStream in, int tag, String field)
      throws IOException, MalformedRequestException {
    requireWireType(tag, WireFormat.WIRETYPE_FIXED64, field);
    return in.readDouble();
  }

  /** A length-delimited field read as a string, refused unless valid UTF-8. */
  static String string(CodedInputStream in, int tag, String field)
      throws IOException, MalformedRequestException {
    requireWireType(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field);
    return in.readStringRequireUtf8();
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
