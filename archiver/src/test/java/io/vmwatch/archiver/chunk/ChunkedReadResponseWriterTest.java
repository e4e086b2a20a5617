package io.vmwatch.archiver.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.archiver.codec.Label;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Frames as ChunkedFrames (a strict reader written from the format) reads them. */
class ChunkedReadResponseWriterTest {
  private static final List<Label> LABELS =
      List.of(new Label("__name__", "up"), new Label("instance", "vm-1:9100"));

  @Test
  void oneSeriesAFrameSplitWhenFull() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int maxFrame = 4096;
    ChunkedReadResponseWriter writer = new ChunkedReadResponseWriter(out, maxFrame);
    List<XorChunk> big = chunks(new Random(1), 40);
    List<XorChunk> small = chunks(new Random(2), 1);
    writer.startSeries(0, LABELS);
    for (XorChunk chunk : big) {
      writer.addChunk(chunk);
    }
    writer.startSeries(0, List.of(new Label("__name__", "down")));
    writer.startSeries(3, List.of(new Label("__name__", "up"), new Label("job", "x")));
    for (XorChunk chunk : small) {
      writer.addChunk(chunk);
    }
    writer.finish();

    List<ChunkedFrames.Frame> frames = ChunkedFrames.read(out.toByteArray());
    assertTrue(frames.size() > 3, "40 chunks of about 1 KB should take several frames");
    List<XorChunk> first = new ArrayList<>();
    int wire = 0;
    for (ChunkedFrames.Frame frame : frames.subList(0, frames.size() - 1)) {
      assertEquals(0, frame.queryIndex());
      assertEquals(1, frame.series().size());
      assertEquals(LABELS, frame.series().get(0).labels());
      assertTrue(frame.wireBytes() <= maxFrame, "frame of " + frame.wireBytes());
      first.addAll(frame.series().get(0).chunks());
      wire += frame.wireBytes();
    }
    assertEquals(big, first);
    ChunkedFrames.Frame last = frames.get(frames.size() - 1);
    assertEquals(3, last.queryIndex());
    assertEquals(small, last.series().get(0).chunks());
    assertEquals(wire + last.wireBytes(), out.size());
    assertEquals(out.size(), writer.bytesWritten());
    assertEquals(frames.size(), writer.frames());
  }

  @Test
  void aCorruptedByteIsACheckumError() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ChunkedReadResponseWriter writer = new ChunkedReadResponseWriter(out);
    writer.startSeries(1, LABELS);
    writer.addChunk(chunks(new Random(3), 1).get(0));
    writer.finish();
    byte[] body = out.toByteArray();
    assertEquals(1, ChunkedFrames.read(body).size());
    body[body.length - 3] ^= 1;
    IOException e = assertThrows(IOException.class, () -> ChunkedFrames.read(body));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
  }

  @Test
  void anAbortedStreamEndsInAnIncompleteFrame() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ChunkedReadResponseWriter writer = new ChunkedReadResponseWriter(out);
    writer.startSeries(0, LABELS);
    writer.addChunk(chunks(new Random(4), 1).get(0));
    writer.startSeries(0, LABELS);
    writer.addChunk(chunks(new Random(5), 1).get(0));
    writer.abort("over the limit");
    byte[] body = out.toByteArray();
    IOException e = assertThrows(IOException.class, () -> ChunkedFrames.read(body));
    assertTrue(e.getMessage().contains("unexpected end of stream"), e.getMessage());
    assertTrue(new String(body, StandardCharsets.UTF_8).endsWith("error: over the limit"));
    assertEquals(1, writer.frames());
  }

  @Test
  void aChunkTooBigForAFrameIsRefused() throws IOException {
    ChunkedReadResponseWriter writer =
        new ChunkedReadResponseWriter(new ByteArrayOutputStream(), 1024);
    writer.startSeries(0, LABELS);
    XorChunk huge = new XorChunk(0, 1, new byte[1000]);
    assertThrows(IllegalArgumentException.class, () -> writer.addChunk(huge));
    assertThrows(
        IllegalStateException.class,
        () -> new ChunkedReadResponseWriter(new ByteArrayOutputStream()).addChunk(huge));
  }

  @Test
  void theLargestFrameUsesTheWholeMebibyte() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ChunkedReadResponseWriter writer = new ChunkedReadResponseWriter(out);
    writer.startSeries(0, LABELS);
    List<XorChunk> all = chunks(new Random(6), 3000);
    for (XorChunk chunk : all) {
      writer.addChunk(chunk);
    }
    writer.finish();
    List<ChunkedFrames.Frame> frames = ChunkedFrames.read(out.toByteArray());
    List<XorChunk> back = new ArrayList<>();
    for (ChunkedFrames.Frame frame : frames) {
      assertTrue(frame.wireBytes() <= ChunkedReadResponseWriter.MAX_FRAME_BYTES);
      back.addAll(frame.series().get(0).chunks());
    }
    assertArrayEquals(all.toArray(), back.toArray());
    assertTrue(frames.get(0).wireBytes() > ChunkedReadResponseWriter.MAX_FRAME_BYTES - 2000);
  }

  /** Chunks of 120 samples of random values (about 1 KB each), one after the other in time. */
  private static List<XorChunk> chunks(Random random, int count) {
    List<XorChunk> chunks = new ArrayList<>();
    long t = 1_700_000_000_000L;
    for (int c = 0; c < count; c++) {
      XorChunkEncoder encoder = new XorChunkEncoder();
      while (!encoder.isFull()) {
        encoder.append(t, random.nextDouble());
        t += 15_000;
      }
      chunks.add(encoder.toChunk());
    }
    return chunks;
  }
}
