package io.vmwatch.archiver.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import io.vmwatch.archiver.storage.Ingester;
import io.vmwatch.archiver.storage.SeriesKey;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RemoteWriteDecoderTest {
  private final RemoteWriteDecoder decoder = new RemoteWriteDecoder(1 << 20);

  private static TimeSeries series(String name, String extra, long[] ts, double[] values) {
    return new TimeSeries(
        List.of(new Label("__name__", name), new Label("job", extra)), ts, values, 0);
  }

  @Test
  void roundTripsSeriesLabelsAndSamplesExactly() throws Exception {
    WriteRequest request =
        new WriteRequest(
            List.of(
                series(
                    "up",
                    "a\"b\\c\nd é ✓",
                    new long[] {1_700_000_000_000L, 1_700_000_001_000L},
                    new double[] {1.0, -0.1}),
                series("x", "", new long[] {-5}, new double[] {Double.NaN})));
    WriteRequest decoded = decoder.decodeBody(RemoteWriteEncoder.snappy(request));
    assertEquals(2, decoded.series().size());
    assertEquals(request.series().get(0).labels(), decoded.series().get(0).labels());
    assertArrayEquals(request.series().get(0).timestamps(), decoded.series().get(0).timestamps());
    assertArrayEquals(request.series().get(0).values(), decoded.series().get(0).values());
    assertEquals(3, decoded.sampleCount());
    assertEquals(-5, decoded.series().get(1).timestamps()[0]);
    assertEquals(
        Double.doubleToRawLongBits(Double.NaN),
        Double.doubleToRawLongBits(decoded.series().get(1).values()[0]));
  }

  @Test
  void keepsTheStaleMarkerBitPattern() throws Exception {
    double stale = Double.longBitsToDouble(Ingester.STALE_NAN_BITS);
    WriteRequest request =
        new WriteRequest(List.of(series("up", "j", new long[] {1}, new double[] {stale})));
    double decoded =
        decoder.decodeBody(RemoteWriteEncoder.snappy(request)).series().get(0).values()[0];
    assertEquals(Ingester.STALE_NAN_BITS, Double.doubleToRawLongBits(decoded));
  }

  @Test
  void anEmptyWriteRequestIsValid() throws Exception {
    assertEquals(0, decoder.decodeBody(RemoteWriteEncoder.compress(new byte[0])).series().size());
  }

  @Test
  void rejectsAnEmptyBody() {
    assertThrows(MalformedRequestException.class, () -> decoder.decodeBody(new byte[0]));
  }

  @Test
  void rejectsBytesThatAreNotSnappy() {
    assertThrows(
        MalformedRequestException.class,
        () -> decoder.decodeBody(new byte[] {(byte) 0xff, 1, 2, 3, 4}));
  }

  @Test
  void rejectsSnappyThatIsNotAWriteRequest() {
    byte[] garbage = RemoteWriteEncoder.compress(new byte[] {0x0a, (byte) 0xff, 0x01, 0x02});
    assertThrows(MalformedRequestException.class, () -> decoder.decodeBody(garbage));
    byte[] truncated =
        RemoteWriteEncoder.protobuf(
            new WriteRequest(List.of(series("up", "j", new long[] {1}, new double[] {1}))));
    byte[] cut = RemoteWriteEncoder.compress(Arrays.copyOf(truncated, truncated.length - 3));
    assertThrows(MalformedRequestException.class, () -> decoder.decodeBody(cut));
  }

  @Test
  void rejectsSeriesWithoutNameOrWithDuplicateLabels() {
    WriteRequest nameless =
        new WriteRequest(
            List.of(
                new TimeSeries(
                    List.of(new Label("job", "x")), new long[] {1}, new double[] {1}, 0)));
    assertThrows(
        MalformedRequestException.class,
        () -> decoder.decodeBody(RemoteWriteEncoder.snappy(nameless)));
    WriteRequest twice =
        new WriteRequest(
            List.of(
                new TimeSeries(
                    List.of(
                        new Label("__name__", "a"), new Label("job", "x"), new Label("job", "y")),
                    new long[] {1},
                    new double[] {1},
                    0)));
    assertThrows(
        MalformedRequestException.class,
        () -> decoder.decodeBody(RemoteWriteEncoder.snappy(twice)));
  }

  @Test
  void rejectsInvalidUtf8() {
    // WriteRequest{timeseries{labels{name:"__name__" value:0xC3 0x28}}}
    byte[] label = {0x0a, 8, '_', '_', 'n', 'a', 'm', 'e', '_', '_', 0x12, 2, (byte) 0xC3, 0x28};
    byte[] series = new byte[label.length + 2];
    series[0] = 0x0a;
    series[1] = (byte) label.length;
    System.arraycopy(label, 0, series, 2, label.length);
    byte[] request = new byte[series.length + 2];
    request[0] = 0x0a;
    request[1] = (byte) series.length;
    System.arraycopy(series, 0, request, 2, series.length);
    assertThrows(
        MalformedRequestException.class,
        () -> decoder.decodeBody(RemoteWriteEncoder.compress(request)));
  }

  @Test
  void refusesADecodedBodyAboveTheLimit() {
    RemoteWriteDecoder small = new RemoteWriteDecoder(100);
    byte[] big = RemoteWriteEncoder.compress(new byte[1000]);
    assertThrows(TooLargeException.class, () -> small.decodeBody(big));
  }

  @Test
  void skipsUnknownFields() throws Exception {
    byte[] known =
        RemoteWriteEncoder.protobuf(
            new WriteRequest(List.of(series("up", "j", new long[] {7}, new double[] {2}))));
    // field 15, varint 1, appended at top level: must be ignored
    byte[] withUnknown = Arrays.copyOf(known, known.length + 2);
    withUnknown[known.length] = (byte) (15 << 3);
    withUnknown[known.length + 1] = 1;
    WriteRequest decoded = decoder.decodeBody(RemoteWriteEncoder.compress(withUnknown));
    assertEquals(1, decoded.sampleCount());
    assertEquals(7, decoded.series().get(0).timestamps()[0]);
  }

  @Test
  void rejectsAStrayEndGroupTagInsteadOfDroppingTheRest() {
    byte[] known =
        RemoteWriteEncoder.protobuf(
            new WriteRequest(List.of(series("up", "j", new long[] {7}, new double[] {2}))));
    // an end-group tag of field 15 (wire type 4) that closes no group, then a valid series
    byte[] corrupt = new byte[known.length + 1];
    corrupt[0] = (byte) (15 << 3 | 4);
    System.arraycopy(known, 0, corrupt, 1, known.length);
    assertThrows(
        MalformedRequestException.class,
        () -> decoder.decodeBody(RemoteWriteEncoder.compress(corrupt)));
    // the same inside a series, before its samples
    byte[] series = Arrays.copyOfRange(known, 2, known.length);
    byte[] corruptSeries = new byte[series.length + 3];
    corruptSeries[0] = 0x0a;
    corruptSeries[1] = (byte) (series.length + 1);
    corruptSeries[2] = (byte) (15 << 3 | 4);
    System.arraycopy(series, 0, corruptSeries, 3, series.length);
    assertThrows(
        MalformedRequestException.class,
        () -> decoder.decodeBody(RemoteWriteEncoder.compress(corruptSeries)));
  }

  @Test
  void dropsLabelsWithAnEmptyValueBeforeTheFingerprint() throws Exception {
    TimeSeries withEmpty =
        new TimeSeries(
            List.of(new Label("__name__", "up"), new Label("env", ""), new Label("job", "j")),
            new long[] {1},
            new double[] {1},
            0);
    TimeSeries without =
        new TimeSeries(
            List.of(new Label("__name__", "up"), new Label("job", "j")),
            new long[] {1},
            new double[] {1},
            0);
    TimeSeries decoded =
        decoder
            .decodeBody(RemoteWriteEncoder.snappy(new WriteRequest(List.of(withEmpty))))
            .series()
            .get(0);
    assertEquals(without.labels(), decoded.labels());
    assertEquals(
        SeriesKey.of(without.labels()).fingerprint(), SeriesKey.of(decoded.labels()).fingerprint());
    // an empty __name__ is no name at all
    WriteRequest emptyName =
        new WriteRequest(
            List.of(
                new TimeSeries(
                    List.of(new Label("__name__", ""), new Label("job", "j")),
                    new long[] {1},
                    new double[] {1},
                    0)));
    assertThrows(
        MalformedRequestException.class,
        () -> decoder.decodeBody(RemoteWriteEncoder.snappy(emptyName)));
  }

  /**
   * WriteRequest.metadata (field 3): MetricMetadata{type = 1, metric_family_name = 2, help = 4,
   * unit = 5}.
   */
  private static byte[] metadata(String family, String help) throws Exception {
    ByteArrayOutputStream inner = new ByteArrayOutputStream();
    CodedOutputStream m = CodedOutputStream.newInstance(inner);
    m.writeEnum(1, 1); // COUNTER
    m.writeString(2, family);
    m.writeString(4, help);
    m.writeString(5, "");
    m.flush();
    ByteArrayOutputStream outer = new ByteArrayOutputStream();
    CodedOutputStream o = CodedOutputStream.newInstance(outer);
    o.writeByteArray(3, inner.toByteArray());
    o.flush();
    return outer.toByteArray();
  }

  @Test
  void acceptsMetadataAsPrometheusSendsItByDefault() throws Exception {
    // send_metadata (default true) sends requests holding metadata only...
    byte[] onlyMetadata =
        concat(metadata("up", "1 if the target answered"), metadata("x_total", "help"));
    assertEquals(0, decoder.decodeBody(RemoteWriteEncoder.compress(onlyMetadata)).series().size());
    // ...and metadata beside series must not disturb them
    byte[] series =
        RemoteWriteEncoder.protobuf(
            new WriteRequest(List.of(series("up", "j", new long[] {7}, new double[] {2}))));
    WriteRequest mixed =
        decoder.decodeBody(
            RemoteWriteEncoder.compress(concat(metadata("up", "h"), series, metadata("up", "h"))));
    assertEquals(1, mixed.series().size());
    assertEquals(7, mixed.series().get(0).timestamps()[0]);
    assertEquals(2.0, mixed.series().get(0).values()[0]);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static WriteRequest oneSampleSeries(int count) {
    List<TimeSeries> series = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      series.add(
          new TimeSeries(
              List.of(new Label("__name__", "m" + i)), new long[] {i}, new double[] {i}, 0));
    }
    return new WriteRequest(series);
  }

  @Test
  void refusesMoreSeriesOrSamplesThanTheCaps() throws Exception {
    byte[] thousandSeries = RemoteWriteEncoder.snappy(oneSampleSeries(1000));
    RemoteWriteDecoder.Limits generous =
        new RemoteWriteDecoder.Limits(1 << 20, 1000, 1000, 1 << 30);
    assertEquals(1000, new RemoteWriteDecoder(generous).decodeBody(thousandSeries).series().size());

    TooLargeException series =
        assertThrows(
            TooLargeException.class,
            () ->
                new RemoteWriteDecoder(new RemoteWriteDecoder.Limits(1 << 20, 999, 1000, 1 << 30))
                    .decodeBody(thousandSeries));
    assertTrue(series.getMessage().contains("more than 999 series"), series.getMessage());
    TooLargeException samples =
        assertThrows(
            TooLargeException.class,
            () ->
                new RemoteWriteDecoder(new RemoteWriteDecoder.Limits(1 << 20, 1000, 999, 1 << 30))
                    .decodeBody(thousandSeries));
    assertTrue(samples.getMessage().contains("more than 999 samples"), samples.getMessage());
  }

  @Test
  void refusesARequestWhoseObjectsWouldTakeMoreThanItsHeapBudget() throws Exception {
    WriteRequest request = oneSampleSeries(1000);
    byte[] body = RemoteWriteEncoder.snappy(request);
    long decoded = RemoteWriteEncoder.protobuf(request).length;
    // about 30 bytes decoded a series, but far more than that once decoded into objects
    long objects =
        1000
            * (RemoteWriteDecoder.SERIES_COST
                + RemoteWriteDecoder.LABEL_COST
                + RemoteWriteDecoder.SAMPLE_COST);
    long enough = body.length + decoded + objects + 1000 * 2 * 12;
    assertEquals(
        1000,
        new RemoteWriteDecoder(new RemoteWriteDecoder.Limits(1 << 20, 10_000, 10_000, enough))
            .decodeBody(body)
            .series()
            .size());
    long tooLittle = body.length + decoded + objects / 2;
    TooLargeException e =
        assertThrows(
            TooLargeException.class,
            () ->
                new RemoteWriteDecoder(
                        new RemoteWriteDecoder.Limits(1 << 20, 10_000, 10_000, tooLittle))
                    .decodeBody(body));
    assertTrue(e.getMessage().contains("bytes of heap"), e.getMessage());
  }
}
