package io.vmwatch.exporter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** Test resources on disk and copies of them that a test may change. */
public final class TestFiles {
  private TestFiles() {}

  /** A test resource folder or file, or null when it does not exist. */
  public static Path resource(String name) {
    URL url = TestFiles.class.getResource(name);
    if (url == null) {
      return null;
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Path fixtureProcfs() {
    return resource("/fixture/procfs");
  }

  public static Path fixturePasswd() {
    return resource("/fixture/passwd");
  }

  /** Copies the fixture procfs tree into {@code dir}/procfs and returns that copy. */
  public static Path copyFixture(Path dir) throws IOException {
    Path source = fixtureProcfs();
    Path target = dir.resolve("procfs");
    try (Stream<Path> files = Files.walk(source)) {
      files.forEach(
          file -> {
            try {
              Path to = target.resolve(source.relativize(file).toString());
              if (Files.isDirectory(file)) {
                Files.createDirectories(to);
              } else {
                Files.copy(file, to, StandardCopyOption.REPLACE_EXISTING);
              }
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
    return target;
  }
}
