package io.vmwatch.archiver.codec;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/** Field checks shared by the hand-written protobuf decoders of remote write and remote read. */
final class ProtobufFields {
  private ProtobufFields() {}

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
