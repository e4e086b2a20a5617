package io.vmwatch.exporter.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceSwitchTest {
  /** A source that answers a fixed value or throws a fixed exception. */
  private record Fixed(SourceKind kind, String value, IOException failure)
      implements Source<String> {
    @Override
    public String read() throws IOException {
      if (failure != null) {
        throw failure;
      }
      return value;
    }
  }

  @Test
  void moduleFileRefusingTheReaderFallsBackToProcfs(@TempDir Path dir) throws Exception {
    Path file = Files.createFile(dir.resolve("vmwatch_procs"));
    SourceSwitch<String> sw =
        new SourceSwitch<>(
            file,
            new Fixed(SourceKind.MODULE, null, new AccessDeniedException(file.toString())),
            new Fixed(SourceKind.PROCFS, "from procfs", null));
    assertEquals(SourceKind.MODULE, sw.choose());
    assertEquals("from procfs", sw.read());
    assertEquals(SourceKind.PROCFS, sw.kind());
  }

  @Test
  void otherModuleErrorsAreNotHidden(@TempDir Path dir) throws Exception {
    Path file = Files.createFile(dir.resolve("vmwatch_procs"));
    SourceSwitch<String> sw =
        new SourceSwitch<>(
            file,
            new Fixed(SourceKind.MODULE, null, new IOException("EBUSY")),
            new Fixed(SourceKind.PROCFS, "from procfs", null));
    sw.choose();
    assertThrows(IOException.class, sw::read);
  }
}
