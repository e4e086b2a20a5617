package io.vmwatch.exporter.collect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;

/**
 * uid to user name from the user database ({@code /etc/passwd}), cached and read again only when
 * its modification time changes. A uid without an entry is shown as its number.
 */
public final class UserNames {
  private final Path passwd;
  private Map<Long, String> names = Map.of();
  private FileTime loadedAt;

  public UserNames(Path passwd) {
    this.passwd = passwd;
  }

  /** Re-reads the database when it changed since the last call; call once per scrape. */
  public synchronized void refresh() {
    FileTime modified;
    try {
      modified = Files.getLastModifiedTime(passwd);
    } catch (IOException e) {
      names = Map.of();
      loadedAt = null;
      return;
    }
    if (modified.equals(loadedAt)) {
      return;
    }
    try {
      names = parse(new String(Files.readAllBytes(passwd), StandardCharsets.UTF_8));
      loadedAt = modified;
    } catch (IOException e) {
      names = Map.of();
      loadedAt = null;
    }
  }

  public synchronized String nameOf(long uid) {
    String name = names.get(uid);
    return name != null ? name : Long.toString(uid);
  }

  static Map<Long, String> parse(String content) {
    Map<Long, String> byUid = new HashMap<>();
    for (String line : content.split("\n")) {
      String[] fields = line.split(":", -1);
      if (fields.length < 3 || fields[0].isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        byUid.putIfAbsent(Long.parseLong(fields[2]), fields[0]);
      } catch (NumberFormatException e) {
        // not a user line; skip it
      }
    }
    return byUid;
  }
}
