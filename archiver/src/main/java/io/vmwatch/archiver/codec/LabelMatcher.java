package io.vmwatch.archiver.codec;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One label matcher of a remote-read query, with PromQL's meaning: a label the series does not have
 * has the empty value (so {@code foo=""} selects series without {@code foo}), and a regular
 * expression must match the whole value, as if written {@code ^(?:re)$}; {@code .} does not match a
 * newline (as in Prometheus 2). The expression is compiled by {@link java.util.regex}, not RE2: the
 * RE2 spellings Java lacks, POSIX classes such as {@code [[:alpha:]]} and named groups {@code
 * (?P<name>...)}, are rewritten first; see the archiver README for what still differs.
 */
public record LabelMatcher(Type type, String name, String value, Pattern pattern) {
  /**
   * The {@code LabelMatcher.Type} enum of prompb/types.proto, in its order (EQ = 0 ... NRE = 3).
   */
  public enum Type {
    EQ,
    NEQ,
    RE,
    NRE
  }

  /**
   * The POSIX classes of RE2's bracket expressions: {@code [:name:]} is Java's {@code \p{Name}},
   * the name lower-cased; {@code [:word:]} is {@code \w}.
   */
  private static final Map<String, String> POSIX_CLASSES = posixClasses();

  private static Map<String, String> posixClasses() {
    Map<String, String> classes = new HashMap<>(Map.of("word", "\\w"));
    for (String java :
        List.of(
            "Alnum", "Alpha", "ASCII", "Blank", "Cntrl", "Digit", "Graph", "Lower", "Print",
            "Punct", "Space", "Upper", "XDigit")) {
      classes.put(java.toLowerCase(Locale.ROOT), "\\p{" + java + "}");
    }
    return Map.copyOf(classes);
  }

  /**
   * A matcher of the given type; a regular expression that does not compile is a malformed request.
   */
  public static LabelMatcher of(Type type, String name, String value)
      throws MalformedRequestException {
    Pattern pattern = null;
    if (type == Type.RE || type == Type.NRE) {
      try {
        pattern = Pattern.compile("(?:" + fromRe2(value) + ")");
      } catch (PatternSyntaxException e) {
        throw new MalformedRequestException(
            "label matcher "
                + name
                + (type == Type.RE ? "=~" : "!~")
                + " has an invalid regular expression: "
                + e.getDescription(),
            e);
      }
    }
    return new LabelMatcher(type, name, value, pattern);
  }

  /**
   * RE2 syntax that java.util.regex spells otherwise: [:alpha:] and [:^alpha:] in brackets,
   * (?P<name>.
   */
  static String fromRe2(String re2) {
    String java = re2.replace("(?P<", "(?<");
    for (Map.Entry<String, String> posix : POSIX_CLASSES.entrySet()) {
      String positive = posix.getValue();
      String negative = positive.startsWith("\\p") ? "\\P" + positive.substring(2) : "\\W";
      java =
          java.replace("[:" + posix.getKey() + ":]", positive)
              .replace("[:^" + posix.getKey() + ":]", negative);
    }
    return java;
  }

  /**
   * Whether a series whose label {@link #name()} has this value (empty when absent) is selected.
   */
  public boolean matches(String labelValue) {
    return switch (type) {
      case EQ -> labelValue.equals(value);
      case NEQ -> !labelValue.equals(value);
      case RE -> pattern.matcher(labelValue).matches();
      case NRE -> !pattern.matcher(labelValue).matches();
    };
  }

  @Override
  public String toString() {
    String op =
        switch (type) {
          case EQ -> "=";
          case NEQ -> "!=";
          case RE -> "=~";
          case NRE -> "!~";
        };
    return name + op + '"' + value + '"';
  }
}
