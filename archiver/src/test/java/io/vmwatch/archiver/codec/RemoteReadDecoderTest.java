package io.vmwatch.archiver.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.archiver.storage.LabelsJson;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The remote-read decoder against bytes written by hand from the field numbers of prompb's
 * remote.proto and types.proto (no encoder of ours involved), and the matcher semantics.
 */
class RemoteReadDecoderTest {
  private final RemoteReadDecoder decoder = new RemoteReadDecoder(1 << 20, 2 << 20);

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /** Field number and wire type 2, then the length (under 128) and the bytes. */
  private static byte[] field(int number, byte[] content) {
    return concat(bytes(number << 3 | 2, content.length), content);
  }

  private static byte[] text(int number, String value) {
    return field(number, value.getBytes(StandardCharsets.UTF_8));
  }

  /** LabelMatcher: type = 1 (varint), name = 2, value = 3. */
  private static byte[] matcher(int type, String name, String value) {
    return concat(bytes(0x08, type), text(2, name), text(3, value));
  }

  @Test
  void decodesARequestWrittenByHand() throws Exception {
    byte[] query =
        concat(
            bytes(0x08, 0xE8, 0x07), // start_timestamp_ms = 1: 1000
            bytes(0x10, 0xD0, 0x0F), // end_timestamp_ms = 2: 2000
            field(3, matcher(0, "__name__", "up")), // matchers = 3: EQ
            field(3, matcher(1, "job", "a")), // NEQ
            field(3, matcher(2, "instance", "vm-.*")), // RE
            field(3, matcher(3, "mode", "idle|steal")), // NRE
            field(
                4,
                bytes(
                    0x08, 0x98, 0x75, 0x12, 0x04, 'r', 'a', 't', 'e')), // hints: step 15000, "rate"
            bytes(0x78, 0x05)); // field 15, unknown: skipped
    byte[] second =
        concat(bytes(0x08, 0x01), bytes(0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)); // 1, 2^35
    byte[] request =
        concat(
            field(1, query),
            field(1, second),
            bytes(0x12, 0x02, 0x01, 0x00)); // accepted_response_types = 2, packed: [1, 0]

    ReadRequest decoded = decoder.decode(request);

    assertEquals(2, decoded.queries().size());
    ReadRequest.Query first = decoded.queries().get(0);
    assertEquals(1000, first.startMs());
    assertEquals(2000, first.endMs());
    assertEquals(
        List.of("__name__=\"up\"", "job!=\"a\"", "instance=~\"vm-.*\"", "mode!~\"idle|steal\""),
        first.matchers().stream().map(LabelMatcher::toString).toList());
    assertEquals(
        List.of(
            LabelMatcher.Type.EQ,
            LabelMatcher.Type.NEQ,
            LabelMatcher.Type.RE,
            LabelMatcher.Type.NRE),
        first.matchers().stream().map(LabelMatcher::type).toList());
    assertEquals(1, decoded.queries().get(1).startMs());
    assertEquals(1L << 35, decoded.queries().get(1).endMs());
    assertTrue(decoded.queries().get(1).matchers().isEmpty());
    assertEquals(List.of(1, 0), decoded.acceptedResponseTypes());
    assertEquals(ReadRequest.STREAMED_XOR_CHUNKS, decoded.responseType(), "the first one listed");
  }

  @Test
  void responseTypesUnpackedAndAbsent() throws Exception {
    assertEquals(List.of(1), decoder.decode(bytes(0x10, 0x01)).acceptedResponseTypes());
    assertEquals(ReadRequest.STREAMED_XOR_CHUNKS, decoder.decode(bytes(0x10, 0x01)).responseType());
    assertEquals(
        ReadRequest.SAMPLES,
        decoder.decode(bytes(0x10, 0x07, 0x10, 0x00, 0x10, 0x01)).responseType(),
        "an unknown type is skipped, the first known one taken");
    assertEquals(
        ReadRequest.NO_SUPPORTED_TYPE,
        decoder.decode(bytes(0x10, 0x07, 0x10, 0x09)).responseType(),
        "only unknown types");
    ReadRequest empty = decoder.decode(new byte[0]);
    assertTrue(empty.queries().isEmpty());
    assertEquals(
        ReadRequest.SAMPLES, empty.responseType(), "no accepted_response_types means SAMPLES");
  }

  @Test
  void decodesTheSnappyBody() throws Exception {
    byte[] request =
        field(1, concat(bytes(0x08, 0x01, 0x10, 0x02), field(3, matcher(0, "__name__", "up"))));
    ReadRequest decoded = decoder.decodeBody(PromPb.compress(request));
    assertEquals("__name__=\"up\"", decoded.queries().get(0).matchers().get(0).toString());
  }

  @Test
  void refusesWhatIsNotARequest() {
    byte[] badType = field(1, field(3, matcher(4, "job", "a")));
    MalformedRequestException e =
        assertThrows(MalformedRequestException.class, () -> decoder.decode(badType));
    assertTrue(e.getMessage().contains("unknown type 4"), e.getMessage());
    byte[] badRegex = field(1, field(3, matcher(2, "job", "a(")));
    e = assertThrows(MalformedRequestException.class, () -> decoder.decode(badRegex));
    assertTrue(e.getMessage().contains("invalid regular expression"), e.getMessage());
    byte[] noName = field(1, field(3, matcher(0, "", "a")));
    assertThrows(MalformedRequestException.class, () -> decoder.decode(noName));
    // start_timestamp_ms as a length-delimited field: wrong wire type
    assertThrows(
        MalformedRequestException.class, () -> decoder.decode(field(1, field(1, bytes(1)))));
    // a query announcing 10 bytes with 2 present
    assertThrows(
        MalformedRequestException.class, () -> decoder.decode(bytes(0x0A, 0x0A, 0x08, 0x01)));
    assertThrows(
        MalformedRequestException.class, () -> decoder.decodeBody("not snappy".getBytes()));
    assertThrows(MalformedRequestException.class, () -> decoder.decodeBody(new byte[0]));
  }

  @Test
  void matchersAreAnchoredAndTreatAMissingLabelAsEmpty() throws Exception {
    LabelMatcher re = LabelMatcher.of(LabelMatcher.Type.RE, "mode", "s.*");
    assertTrue(re.matches("system"));
    assertFalse(re.matches("user"), "unanchored, s.* would match inside user");
    LabelMatcher alternation = LabelMatcher.of(LabelMatcher.Type.RE, "mode", "idle|steal");
    assertTrue(alternation.matches("steal"));
    assertFalse(alternation.matches("idlex"), "the alternation is anchored as a whole");
    assertFalse(LabelMatcher.of(LabelMatcher.Type.NRE, "mode", "s.*").matches("system"));
    assertTrue(LabelMatcher.of(LabelMatcher.Type.NRE, "mode", "s.*").matches("user"));
    assertTrue(LabelMatcher.of(LabelMatcher.Type.EQ, "missing", "").matches(""));
    assertFalse(LabelMatcher.of(LabelMatcher.Type.NEQ, "missing", "").matches(""));
    assertTrue(LabelMatcher.of(LabelMatcher.Type.RE, "missing", ".*").matches(""));
    assertFalse(
        LabelMatcher.of(LabelMatcher.Type.RE, "any", ".*").matches("a\nb"), "as in Prometheus 2");
    assertTrue(
        LabelMatcher.of(LabelMatcher.Type.RE, "x", "[[:alpha:]]+[[:digit:]]").matches("vm7"));
    assertFalse(LabelMatcher.of(LabelMatcher.Type.RE, "x", "[[:^digit:]]").matches("7"));
    assertTrue(LabelMatcher.of(LabelMatcher.Type.RE, "x", "(?P<host>vm)-\\d+").matches("vm-12"));
  }

  @Test
  void everyRe2PosixClassAndItsNegationSplitAscii() throws Exception {
    for (String posix :
        "alnum alpha ascii blank cntrl digit graph lower print punct space upper word xdigit"
            .split(" ")) {
      LabelMatcher in = LabelMatcher.of(LabelMatcher.Type.RE, "x", "[[:" + posix + ":]]");
      LabelMatcher notIn = LabelMatcher.of(LabelMatcher.Type.RE, "x", "[[:^" + posix + ":]]");
      int members = 0;
      for (char c = 0; c < 128; c++) {
        String s = String.valueOf(c);
        assertTrue(in.matches(s) != notIn.matches(s), posix + " and its negation at " + (int) c);
        members += in.matches(s) ? 1 : 0;
      }
      assertTrue(members > 0 && (members < 128 || posix.equals("ascii")), posix + ": " + members);
    }
  }

  @Test
  void labelsJsonAsMariaDbAndMySqlReturnIt() {
    assertEquals(
        List.of(new Label("instance", "vm-1:9717"), new Label("job", "a\"b\\c\nd")),
        LabelsJson.parse("{\"instance\":\"vm-1:9717\",\"job\":\"a\\\"b\\\\c\\nd\"}"));
    // MySQL 8's rendering: spaces, \\u escapes (here a surrogate pair), keys by length
    assertEquals(
        List.of(new Label("pid", "1"), new Label("name", "\u00e9\ud83d\ude00/")),
        LabelsJson.parse("{\"pid\": \"1\", \"name\": \"\\u00e9\\ud83d\\ude00\\/\"}"));
    assertEquals(List.of(), LabelsJson.parse(" { } "));
    assertThrows(IllegalArgumentException.class, () -> LabelsJson.parse("{\"a\": 1}"));
    assertThrows(IllegalArgumentException.class, () -> LabelsJson.parse("{\"a\": \"b\"} x"));
  }
}
