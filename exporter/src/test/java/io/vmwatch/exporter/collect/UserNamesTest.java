package io.vmwatch.exporter.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserNamesTest {
  @Test
  void readsAgainOnlyWhenTheFileChanges(@TempDir Path dir) throws Exception {
    Path passwd = dir.resolve("passwd");
    Files.writeString(
        passwd,
        "root:x:0:0:root:/root:/bin/bash\nbroken line\nalice:x:1000:1000::/home/alice:/bin/sh\n");
    Files.setLastModifiedTime(passwd, FileTime.fromMillis(1_000_000));
    UserNames users = new UserNames(passwd);
    users.refresh();
    assertEquals("alice", users.nameOf(1000));
    assertEquals("1001", users.nameOf(1001));

    // same mtime: the cache stands even though the content changed
    Files.writeString(passwd, "carol:x:1000:1000::/home/carol:/bin/sh\n");
    Files.setLastModifiedTime(passwd, FileTime.fromMillis(1_000_000));
    users.refresh();
    assertEquals("alice", users.nameOf(1000));

    Files.setLastModifiedTime(passwd, FileTime.fromMillis(2_000_000));
    users.refresh();
    assertEquals("carol", users.nameOf(1000));
    assertEquals("0", users.nameOf(0));

    Files.delete(passwd);
    users.refresh();
    assertEquals("1000", users.nameOf(1000));
  }
}
