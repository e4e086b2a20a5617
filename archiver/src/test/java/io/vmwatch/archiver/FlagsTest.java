package io.vmwatch.archiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmwatch.archiver.http.WriteAuth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlagsTest {
  private static final Map<String, String> ENV = Map.of(Flags.PASSWORD_ENV, "from-env");

  @Test
  void defaultsNeedOnlyAPassword() throws Exception {
    ArchiverConfig config = Flags.parse(new String[0], ENV);
    assertEquals(9718, config.listenAddress().getPort());
    assertEquals("from-env", config.dbPassword());
    assertEquals(Duration.ofDays(30), config.rawRetention());
    assertEquals(Duration.ofDays(2), config.compactAfter());
    assertFalse(config.writeAuth().required());
  }

  @Test
  void thereIsNoDefaultPassword() {
    FlagException e = assertThrows(FlagException.class, () -> Flags.parse(new String[0], Map.of()));
    assertTrue(e.getMessage().contains(Flags.PASSWORD_ENV), e.getMessage());
  }

  @Test
  void thePasswordFileWinsAndIsStripped(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("pw");
    Files.writeString(file, "s3cret\n");
    ArchiverConfig config = Flags.parse(new String[] {"--db.password-file", file.toString()}, ENV);
    assertEquals("s3cret", config.dbPassword());
    assertThrows(
        FlagException.class,
        () -> Flags.parse(new String[] {"--db.password-file=" + dir.resolve("missing")}, ENV));
  }

  @Test
  void parsesBothFlagForms() throws Exception {
    ArchiverConfig config =
        Flags.parse(
            new String[] {
              "--web.listen-address=127.0.0.1:1234",
              "--retention.raw",
              "2d",
              "--retention.lock-wait=3s",
              "--db.url",
              "jdbc:mysql://db:3306/x"
            },
            ENV);
    assertEquals(1234, config.listenAddress().getPort());
    assertEquals(Duration.ofDays(2), config.rawRetention());
    assertEquals(Duration.ofSeconds(3), config.ddlLockWait());
    assertEquals("jdbc:mysql://db:3306/x", config.dbUrl());
  }

  @Test
  void remoteReadLimitsAreBounded() throws Exception {
    ArchiverConfig defaults = Flags.parse(new String[0], ENV);
    assertEquals(2, defaults.readThreads());
    assertEquals(10_000, defaults.readMaxSeries());
    assertEquals(10_000_000, defaults.readMaxSamples());
    ArchiverConfig set =
        Flags.parse(
            new String[] {"--read.max-series=5", "--read.max-samples", "100", "--read.threads=1"},
            ENV);
    assertEquals(5, set.readMaxSeries());
    assertEquals(100, set.readMaxSamples());
    assertEquals(1, set.readThreads());
    for (String bad :
        new String[] {
          "--read.max-series=0",
          "--read.max-series=1000001",
          "--read.max-samples=0",
          "--read.max-samples=100000001",
          "--read.max-samples=lots",
          "--read.threads=0",
          "--read.threads=65"
        }) {
      FlagException e =
          assertThrows(FlagException.class, () -> Flags.parse(new String[] {bad}, ENV), bad);
      assertTrue(e.getMessage().contains(bad.substring(2, bad.indexOf('='))), e.getMessage());
    }
  }

  @Test
  void rejectsUnknownFlagsAndBadValues() {
    assertThrows(FlagException.class, () -> Flags.parse(new String[] {"--no.such=1"}, ENV));
    assertThrows(
        FlagException.class, () -> Flags.parse(new String[] {"--retention.raw=forever"}, ENV));
    assertThrows(
        FlagException.class, () -> Flags.parse(new String[] {"--web.max-body-bytes=-1"}, ENV));
    assertThrows(
        FlagException.class, () -> Flags.parse(new String[] {"--web.listen-address=nope"}, ENV));
    assertThrows(FlagException.class, () -> Flags.parse(new String[] {"--db.pool-size"}, ENV));
    assertThrows(FlagException.class, () -> Flags.parse(new String[] {"stray"}, ENV));
    assertThrows(
        FlagException.class, () -> Flags.parse(new String[] {"--retention.lock-wait=500ms"}, ENV));
    assertThrows(FlagException.class, () -> Flags.parse(new String[] {"--compact.after=30m"}, ENV));
  }

  @Test
  void configuresWriteCredentials(@TempDir Path dir) throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "tok");
    WriteAuth bearer =
        Flags.parse(new String[] {"--web.write-bearer-token-file=" + token}, ENV).writeAuth();
    assertTrue(bearer.permits("Bearer tok"));
    assertFalse(bearer.permits("Bearer other"));
    assertFalse(bearer.permits(null));
    WriteAuth basic =
        Flags.parse(
                new String[] {
                  "--web.write-basic-auth-user=prom",
                  "--web.write-basic-auth-password-file=" + token
                },
                ENV)
            .writeAuth();
    assertTrue(basic.permits("Basic cHJvbTp0b2s="));
    assertThrows(
        FlagException.class,
        () -> Flags.parse(new String[] {"--web.write-basic-auth-user=prom"}, ENV));
  }

  private static String refusal(String... args) {
    return assertThrows(FlagException.class, () -> Flags.parse(args, ENV)).getMessage();
  }

  @Test
  void boundsSizesThreadsAndRowsPerStatement() throws Exception {
    // three placeholders a row, under MySQL's 65,535 a statement
    assertEquals(
        21_845,
        Flags.parse(new String[] {"--db.rows-per-statement=21845"}, ENV).rowsPerStatement());
    assertTrue(refusal("--db.rows-per-statement=21846").contains("1 to 21845"));
    assertTrue(refusal("--db.rows-per-statement=0").contains("out of range"));
    assertTrue(refusal("--web.threads=0").contains("--web.threads"));
    assertTrue(refusal("--web.threads=257").contains("1 to 256"));
    assertTrue(refusal("--db.pool-size=0").contains("--db.pool-size"));
    assertTrue(refusal("--web.max-decoded-bytes=4294967296").contains("--web.max-decoded-bytes"));
    assertTrue(refusal("--web.max-series-per-request=0").contains("--web.max-series-per-request"));
    assertTrue(
        refusal("--web.max-samples-per-request=x").contains("--web.max-samples-per-request"));
    assertTrue(refusal("--web.max-connections=8").contains("16 to 65536"));
    assertTrue(refusal("--web.request-timeout=500ms").contains("below 1s"));
    ArchiverConfig config =
        Flags.parse(
            new String[] {"--web.request-timeout=10s", "--web.max-samples-per-request=5000"}, ENV);
    assertEquals(Duration.ofSeconds(10), config.requestTimeout());
    assertEquals(5000, config.maxSamplesPerRequest());
  }

  @Test
  void refusesAHeapTooSmallForTheWorkersAndTheSeriesCache() throws Exception {
    ArchiverConfig defaults = Flags.parse(new String[0], ENV);
    Flags.requireHeap(defaults, 512L << 20);
    FlagException e =
        assertThrows(FlagException.class, () -> Flags.requireHeap(defaults, 256L << 20));
    assertTrue(e.getMessage().contains("raise -Xmx"), e.getMessage());
  }
}
