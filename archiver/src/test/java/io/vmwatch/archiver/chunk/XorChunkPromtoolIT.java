package io.vmwatch.archiver.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Golden test against a real Prometheus TSDB: the test writes samples as OpenMetrics text, {@code
 * promtool tsdb create-blocks-from openmetrics} turns them into blocks, and every XOR chunk in the
 * blocks' chunk files decodes to exactly the samples written, while the codec encodes those same
 * samples into byte-identical chunks. One series a case, so the blocks' chunks in time order hold
 * the series' samples in order.
 */
class XorChunkPromtoolIT {
  private static final int SEGMENT_MAGIC = 0x85BD40DD;

  /** What Go's strconv.ParseFloat makes of "NaN" (math.NaN()), so what Prometheus stores. */
  private static final long GO_NAN = 0x7ff8000000000001L;

  /** A whole hour, so 2-hour blocks split the longer cases. */
  private static final long START = 1_700_002_800_000L;

  private static Path work;
  private static String promtool;

  @BeforeAll
  static void start() throws IOException {
    promtool = which("promtool");
    work = Files.createTempDirectory("vmwatch-xor-golden-");
  }

  @AfterAll
  static void stop() throws IOException {
    try (Stream<Path> paths = Files.walk(work)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Six hours of a counter scraped every 15 s with some jitter and a reset: 4 blocks. */
  @Test
  void scrapedCounter() throws Exception {
    Random random = new Random(1);
    List<Sample> samples = new ArrayList<>();
    long t = START;
    double counter = 0;
    for (int i = 0; i < 1440; i++) {
      samples.add(Sample.of(t, counter));
      t += 15_000 + (random.nextInt(3) == 0 ? 0 : random.nextInt(81) - 40);
      counter = i == 700 ? 0 : counter + random.nextInt(5000) / 8.0;
    }
    List<Chunk> chunks = assertGolden("scraped", samples);
    assertTrue(chunks.size() >= 12, "expected 4 blocks of several chunks: " + chunks.size());
  }

  /** NaN, infinities, signed zeros, extremes, equal runs and arbitrary doubles. */
  @Test
  void specialAndArbitraryValues() throws Exception {
    Random random = new Random(2);
    double[] specials = {
      Double.NaN,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      -0.0,
      0.0,
      Double.MIN_VALUE,
      -Double.MIN_VALUE,
      Double.MAX_VALUE,
      -Double.MAX_VALUE,
      1e-300,
      Double.NaN,
      Double.NaN
    };
    List<Sample> samples = new ArrayList<>();
    long t = START;
    double previous = 0;
    for (int i = 0; i < 400; i++) {
      double value =
          switch (random.nextInt(4)) {
            case 0 -> specials[random.nextInt(specials.length)];
            case 1 -> previous;
            case 2 -> randomDouble(random);
            default -> random.nextInt(100);
          };
      samples.add(Sample.of(t, value));
      previous = value;
      t += 10_000;
    }
    assertGolden("values", samples);
  }

  /** Values one or a few low bits apart, sign flips, and windows that grow, shrink and move. */
  @Test
  void xorWindows() throws Exception {
    Random random = new Random(3);
    List<Sample> samples = new ArrayList<>();
    long t = START;
    double value = 1.0;
    for (int i = 0; i < 600; i++) {
      samples.add(Sample.of(t, value));
      long bits = Double.doubleToRawLongBits(value);
      value =
          switch (random.nextInt(6)) {
            case 0 -> Double.longBitsToDouble(bits ^ (1L << random.nextInt(12)));
            case 1 -> Double.longBitsToDouble(bits ^ (1L << (20 + random.nextInt(30))));
            case 2 -> -value;
            case 3 -> value == 0.0 ? -Double.MIN_VALUE : 0.0;
            case 4 -> Math.nextUp(value);
            default -> randomDouble(random);
          };
      t += 1000;
    }
    assertGolden("windows", samples);
  }

  /** Deltas of deltas on both sides of every bucket edge, and beyond the widest 20-bit bucket. */
  @Test
  void timestampBuckets() throws Exception {
    long[] edges = {
      0,
      1,
      -1,
      8191,
      -8191,
      8192,
      -8192,
      8193,
      65536,
      -65535,
      65537,
      -65536,
      524288,
      -524287,
      524289,
      -524288,
      2_000_000,
      -2_000_000
    };
    List<Sample> samples = new ArrayList<>();
    long t = START;
    long delta = 700_000;
    for (int round = 0; round < 8; round++) {
      for (int i = 0; i < edges.length; i++) {
        samples.add(Sample.of(t, round * 100 + i));
        delta += edges[(i + round) % edges.length];
        t += delta;
      }
    }
    List<Chunk> chunks = assertGolden("timestamps", samples);
    Set<Long> encoded = new TreeSet<>();
    for (Chunk chunk : chunks) {
      for (int i = 2; i < chunk.samples.size(); i++) {
        List<Sample> s = chunk.samples;
        encoded.add(s.get(i).t - 2 * s.get(i - 1).t + s.get(i - 2).t);
      }
    }
    for (long edge : edges) {
      assertTrue(
          encoded.contains(edge), "no chunk encodes delta of delta " + edge + ": " + encoded);
    }
  }

  private static double randomDouble(Random random) {
    double value;
    do {
      value = Double.longBitsToDouble(random.nextLong());
    } while (Double.isNaN(value));
    return value;
  }

  /**
   * Writes the samples, builds blocks with promtool, and checks each chunk: CRC, decoded samples,
   * and the codec's encoding of the same samples byte for byte. Returns the chunks, in time order.
   */
  private static List<Chunk> assertGolden(String name, List<Sample> samples) throws Exception {
    Path input = work.resolve(name + ".om");
    Path output = work.resolve(name + "-blocks");
    StringBuilder text = new StringBuilder("# TYPE golden gauge\n");
    List<Sample> expected = new ArrayList<>();
    long lastTime = Long.MIN_VALUE;
    for (Sample sample : samples) {
      long t = Math.max(sample.t, lastTime + 1);
      // OpenMetrics times are seconds; Prometheus keeps (long) (seconds * 1000)
      while ((long) (Double.parseDouble(seconds(t)) * 1000) != t) {
        t++;
      }
      lastTime = t;
      String value = openMetricsValue(sample.bits);
      text.append("golden{case=\"").append(name).append("\"} ").append(value);
      text.append(' ').append(seconds(t)).append('\n');
      expected.add(new Sample(t, Double.isNaN(sample.value()) ? GO_NAN : sample.bits));
    }
    text.append("# EOF\n");
    Files.writeString(input, text, StandardCharsets.UTF_8);
    runPromtool(input, output);

    List<Chunk> chunks = readChunks(output);
    int next = 0;
    for (Chunk chunk : chunks) {
      assertEquals(XorChunk.ENCODING, chunk.encoding, "encoding of a chunk of " + name);
      XorChunkIterator it = new XorChunkIterator(chunk.data);
      XorChunkEncoder encoder = new XorChunkEncoder(XorChunkEncoder.MAX_SAMPLES);
      while (it.next()) {
        Sample want = expected.get(next);
        Sample got = new Sample(it.timestampMs(), it.valueBits());
        assertEquals(want, got, name + ": sample " + next + " decoded from Prometheus' chunk");
        chunk.samples.add(got);
        encoder.appendBits(want.t, want.bits);
        next++;
      }
      assertArrayEquals(
          chunk.data,
          encoder.toChunk().data(),
          name + ": chunk ending at sample " + next + " encoded differently from Prometheus");
    }
    assertEquals(expected.size(), next, name + ": samples in Prometheus' chunks");
    return chunks;
  }

  private static void runPromtool(Path input, Path output) throws Exception {
    Path log = work.resolve(input.getFileName() + ".log");
    Process process =
        new ProcessBuilder(
                promtool,
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                input.toString(),
                output.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("promtool took over 120 s: " + Files.readString(log));
    }
    assertEquals(0, process.exitValue(), "promtool failed: " + Files.readString(log));
  }

  /** Every chunk of every block under {@code output}, blocks in time order. */
  private static List<Chunk> readChunks(Path output) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Path> blocks;
    try (Stream<Path> dirs = Files.list(output)) {
      blocks = dirs.filter(d -> Files.exists(d.resolve("meta.json"))).toList();
    }
    List<Path> sorted = new ArrayList<>(blocks);
    sorted.sort(
        Comparator.comparingLong(
            b -> {
              try {
                return json.readTree(b.resolve("meta.json").toFile()).get("minTime").asLong();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            }));
    assertTrue(!sorted.isEmpty(), "promtool made no block in " + output);
    List<Chunk> chunks = new ArrayList<>();
    for (Path block : sorted) {
      List<Path> segments;
      try (Stream<Path> files = Files.list(block.resolve("chunks"))) {
        segments = files.sorted().toList();
      }
      for (Path segment : segments) {
        chunks.addAll(readSegment(Files.readAllBytes(segment), segment));
      }
    }
    return chunks;
  }

  /** tsdb/docs/format/chunks.md: magic, version, padding; then len, encoding, data, CRC32-C. */
  private static List<Chunk> readSegment(byte[] file, Path path) {
    ByteBuffer buffer = ByteBuffer.wrap(file);
    assertEquals(SEGMENT_MAGIC, buffer.getInt(), "magic of " + path);
    assertEquals(1, buffer.get(), "version of " + path);
    buffer.position(8);
    List<Chunk> chunks = new ArrayList<>();
    while (buffer.hasRemaining()) {
      long length = 0;
      for (int shift = 0; ; shift += 7) {
        int b = buffer.get() & 0xff;
        length |= (long) (b & 0x7f) << shift;
        if (b < 0x80) {
          break;
        }
      }
      int encodingAt = buffer.position();
      int encoding = buffer.get() & 0xff;
      byte[] data = new byte[(int) length];
      buffer.get(data);
      CRC32C crc = new CRC32C();
      crc.update(file, encodingAt, 1 + data.length);
      assertEquals((int) crc.getValue(), buffer.getInt(), "CRC32-C of the chunk at " + encodingAt);
      chunks.add(new Chunk(encoding, data, new ArrayList<>()));
    }
    return chunks;
  }

  private static String seconds(long ms) {
    return Math.floorDiv(ms, 1000) + "." + String.format("%03d", Math.floorMod(ms, 1000));
  }

  private static String openMetricsValue(long bits) {
    double value = Double.longBitsToDouble(bits);
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    String text = Double.toString(value);
    // a decimal that parses back to the same bits parses so in Go as well (both round correctly)
    assertEquals(bits, Double.doubleToRawLongBits(Double.parseDouble(text)), text);
    return text;
  }

  private static String which(String binary) {
    for (String dir : (System.getenv("PATH") + File.pathSeparator + "/usr/bin").split(":")) {
      Path candidate = Path.of(dir, binary);
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new IllegalStateException(binary + " is missing: install Debian's prometheus package");
  }

  private record Sample(long t, long bits) {
    static Sample of(long t, double value) {
      return new Sample(t, Double.doubleToRawLongBits(value));
    }

    double value() {
      return Double.longBitsToDouble(bits);
    }

    @Override
    public String toString() {
      return t + "=" + Long.toHexString(bits) + " (" + value() + ")";
    }
  }

  private record Chunk(int encoding, byte[] data, List<Sample> samples) {}
}
