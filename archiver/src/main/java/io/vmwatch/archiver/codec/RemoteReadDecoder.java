package io.vmwatch.archiver.codec;

import static io.vmwatch.archiver.codec.ProtobufFields.ENUM;
import static io.vmwatch.archiver.codec.ProtobufFields.INT64;
import static io.vmwatch.archiver.codec.ProtobufFields.STRING;
import static io.vmwatch.archiver.codec.ProtobufFields.body;
import static io.vmwatch.archiver.codec.ProtobufFields.message;
import static io.vmwatch.archiver.codec.ProtobufFields.scalar;
import static io.vmwatch.archiver.codec.ProtobufFields.skipUnknown;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a remote-read 1.0 body: snappy block format around a protobuf {@code ReadRequest}
 * (prompb/remote.proto and types.proto). The fields decoded:
 *
 * <pre>
 * message ReadRequest  { repeated Query queries = 1; repeated ResponseType accepted_response_types = 2; }
 *                        (ResponseType: SAMPLES = 0, STREAMED_XOR_CHUNKS = 1; packed or not)
 * message Query        { int64 start_timestamp_ms = 1; int64 end_timestamp_ms = 2;
 *                        repeated LabelMatcher matchers = 3; ReadHints hints = 4; }
 * message LabelMatcher { Type type = 1; string name = 2; string value = 3; }
 *                        (Type: EQ = 0, NEQ = 1, RE = 2, NRE = 3)
 * </pre>
 *
 * {@code hints} (field 4: step, surrounding function, grouping) is skipped: the archiver answers
 * with every raw sample in the range, which is always right. Unknown fields are skipped as protobuf
 * requires. A matcher type above 3, an empty label name, a regular expression that does not compile
 * or invalid UTF-8 make the request malformed.
 */
public final class RemoteReadDecoder {
  private static final int READ_REQUEST_QUERIES = 1;
  private static final int READ_REQUEST_ACCEPTED_RESPONSE_TYPES = 2;
  private static final int QUERY_START_TIMESTAMP_MS = 1;
  private static final int QUERY_END_TIMESTAMP_MS = 2;
  private static final int QUERY_MATCHERS = 3;
  private static final int MATCHER_TYPE = 1;
  private static final int MATCHER_NAME = 2;
  private static final int MATCHER_VALUE = 3;

  private final SnappyBody snappy;

  /**
   * Bodies decode to at most maxDecodedBytes, and body plus decoded body fit in heapBudgetBytes.
   */
  public RemoteReadDecoder(long maxDecodedBytes, long heapBudgetBytes) {
    this.snappy = new SnappyBody(maxDecodedBytes, heapBudgetBytes);
  }

  /** Both steps: snappy, then protobuf. */
  public ReadRequest decodeBody(byte[] compressed)
      throws MalformedRequestException, TooLargeException {
    return decode(snappy.uncompress(compressed));
  }

  /** Decodes an uncompressed protobuf ReadRequest. */
  public ReadRequest decode(byte[] protobuf) throws MalformedRequestException {
    return body(protobuf, "ReadRequest", RemoteReadDecoder::readReadRequest);
  }

  private static ReadRequest readReadRequest(CodedInputStream in)
      throws IOException, MalformedRequestException {
    List<ReadRequest.Query> queries = new ArrayList<>();
    List<Integer> accepted = new ArrayList<>();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case READ_REQUEST_QUERIES ->
            queries.add(message(in, tag, "ReadRequest.queries", RemoteReadDecoder::readQuery));
        case READ_REQUEST_ACCEPTED_RESPONSE_TYPES -> {
          if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int limit = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
              accepted.add(in.readEnum());
            }
            in.popLimit(limit);
          } else {
            accepted.add(scalar(in, tag, "ReadRequest.accepted_response_types", ENUM));
          }
        }
        default -> skipUnknown(in, tag);
      }
    }
    return new ReadRequest(List.copyOf(queries), List.copyOf(accepted));
  }

  private static ReadRequest.Query readQuery(CodedInputStream in)
      throws IOException, MalformedRequestException {
    long start = 0;
    long end = 0;
    List<LabelMatcher> matchers = new ArrayList<>();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case QUERY_START_TIMESTAMP_MS -> start = scalar(in, tag, "Query.start_timestamp_ms", INT64);
        case QUERY_END_TIMESTAMP_MS -> end = scalar(in, tag, "Query.end_timestamp_ms", INT64);
        case QUERY_MATCHERS ->
            matchers.add(message(in, tag, "Query.matchers", RemoteReadDecoder::readMatcher));
        default -> skipUnknown(in, tag);
      }
    }
    return new ReadRequest.Query(start, end, List.copyOf(matchers));
  }

  private static LabelMatcher readMatcher(CodedInputStream in)
      throws IOException, MalformedRequestException {
    int type = 0;
    String name = "";
    String value = "";
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case MATCHER_TYPE -> type = scalar(in, tag, "LabelMatcher.type", ENUM);
        case MATCHER_NAME -> name = scalar(in, tag, "LabelMatcher.name", STRING);
        case MATCHER_VALUE -> value = scalar(in, tag, "LabelMatcher.value", STRING);
        default -> skipUnknown(in, tag);
      }
    }
    LabelMatcher.Type[] types = LabelMatcher.Type.values();
    if (type < 0 || type >= types.length) {
      throw new MalformedRequestException(
          "label matcher of " + name + " has the unknown type " + type);
    }
    if (name.isEmpty()) {
      throw new MalformedRequestException("a label matcher has an empty label name");
    }
    return LabelMatcher.of(types[type], name, value);
  }
}
