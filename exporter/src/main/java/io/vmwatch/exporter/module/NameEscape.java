package io.vmwatch.exporter.module;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Undoes the {@code \ooo} escaping of the {@code name} field: every escaped byte comes back, and
 * the bytes are decoded as UTF-8 with invalid sequences replaced by U+FFFD.
 */
public final class NameEscape {
  private NameEscape() {}

  /** The decoded name, or null when a backslash is not followed by three octal digits. */
  public static String decode(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c != '\\') {
        bytes.write(c);
        continue;
      }
      if (i + 3 >= field.length()) {
        return null;
      }
      int value = 0;
      for (int k = 1; k <= 3; k++) {
        char d = field.charAt(i + k);
        if (d < '0' || d > '7') {
          return null;
        }
        value = value * 8 + (d - '0');
      }
      if (value > 0xff) {
        return null;
      }
      bytes.write(value);
      i += 3;
    }
    return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
  }
}
