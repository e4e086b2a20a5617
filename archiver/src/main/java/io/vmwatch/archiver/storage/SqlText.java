package io.vmwatch.archiver.storage;

import java.util.Collections;

/** Pieces of SQL text built for a number of rows or values. */
public final class SqlText {
  private SqlText() {}

  /** count copies of item separated by ", ": the VALUES of a multi-row INSERT or an IN list. */
  public static String commaList(String item, int count) {
    return String.join(", ", Collections.nCopies(count, item));
  }
}
