package io.vmwatch.archiver.storage;

import io.vmwatch.archiver.codec.Label;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads back {@code series.labels}: a JSON object of string values, as {@link
 * SeriesKey#labelsJson()} writes it, or as MySQL 8 returns it from its binary JSON type (spaces
 * after ':' and ',', keys ordered by length, other escapes). Only objects of strings are accepted;
 * anything else is an {@link IllegalArgumentException} (the archiver wrote every row, so that is a
 * corrupt row).
 */
public final class LabelsJson {
  private final String text;
  private int position;

  private LabelsJson(String text) {
    this.text = text;
  }

  /** The labels of the object, in its order. */
  public static List<Label> parse(String json) {
    LabelsJson parser = new LabelsJson(json);
    List<Label> labels = new ArrayList<>();
    parser.expect('{');
    if (!parser.consume('}')) {
      do {
        String name = parser.string();
        parser.expect(':');
        labels.add(new Label(name, parser.string()));
      } while (parser.consume(','));
      parser.expect('}');
    }
    parser.skipSpace();
    if (parser.position != json.length()) {
      throw parser.error("trailing characters");
    }
    return labels;
  }

  private String string() {
    expect('"');
    StringBuilder out = new StringBuilder();
    while (true) {
      if (position >= text.length()) {
        throw error("unterminated string");
      }
      char c = text.charAt(position++);
      if (c == '"') {
        return out.toString();
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (position >= text.length()) {
        throw error("unterminated escape");
      }
      char escaped = text.charAt(position++);
      switch (escaped) {
        case '"', '\\', '/' -> out.append(escaped);
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          if (position + 4 > text.length()) {
            throw error("short \\u escape");
          }
          try {
            out.append((char) Integer.parseInt(text.substring(position, position + 4), 16));
          } catch (NumberFormatException e) {
            throw error("bad \\u escape");
          }
          position += 4;
        }
        default -> throw error("unknown escape \\" + escaped);
      }
    }
  }

  private void expect(char c) {
    if (!consume(c)) {
      throw error("expected '" + c + "'");
    }
  }

  private boolean consume(char c) {
    skipSpace();
    if (position < text.length() && text.charAt(position) == c) {
      position++;
      return true;
    }
    return false;
  }

  private void skipSpace() {
    while (position < text.length() && " \t\r\n".indexOf(text.charAt(position)) >= 0) {
      position++;
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(
        "series.labels is not a JSON object of strings ("
            + what
            + " at character "
            + position
            + ")");
  }
}
