package io.vmwatch.archiver.maintenance;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Keeps the daily RANGE partitions of one table: creates the partitions of today and the next days
 * ahead (split off the catch-all {@code pmax}, which is empty, and so costs nothing, unless samples
 * came from beyond the days created; those move into their day's partition) and drops every
 * partition whose whole day is older than the retention. Partition {@code pYYYYMMDD} holds {@code
 * ts} below the first millisecond of the next UTC day. Every ALTER goes through {@link
 * ShortLockDdl}: a long query on the table delays the ALTER, never the inserts behind it.
 */
public final class PartitionMaintenance {
  private static final Logger LOG = Logger.getLogger(PartitionMaintenance.class.getName());
  private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("'p'yyyyMMdd");
  private static final long DAY_MS = 86_400_000L;

  private final Jdbi jdbi;
  private final String table;
  private final long retentionMs;
  private final int daysAhead;
  private final ShortLockDdl ddl;

  /** With a 1-second metadata lock wait, five attempts 1, 2, 4, 8 s apart. */
  public PartitionMaintenance(Jdbi jdbi, String table, long retentionMs, int daysAhead) {
    this(
        jdbi,
        table,
        retentionMs,
        daysAhead,
        new ShortLockDdl(Duration.ofSeconds(1), 5, Duration.ofSeconds(1), () -> {}));
  }

  public PartitionMaintenance(
      Jdbi jdbi, String table, long retentionMs, int daysAhead, ShortLockDdl ddl) {
    if (!table.matches("[a-z0-9_]+")) {
      throw new IllegalArgumentException("bad table name " + table);
    }
    this.jdbi = jdbi;
    this.table = table;
    this.retentionMs = retentionMs;
    this.daysAhead = daysAhead;
    this.ddl = ddl;
  }

  /** A partition of the table, bound null for pmax. */
  public record Partition(String name, Long lessThan) {}

  /** What one run did. */
  public record Result(List<String> created, List<String> dropped) {}

  public List<Partition> partitions() {
    return jdbi.withHandle(this::partitions);
  }

  /**
   * Ensures partitions from the day of {@code now} to {@code daysAhead} days later; drops expired
   * ones.
   */
  public Result run(Instant now) {
    return jdbi.withHandle(
        handle -> {
          List<String> created = create(handle, LocalDate.ofInstant(now, ZoneOffset.UTC));
          List<String> dropped = dropExpired(handle, now.toEpochMilli() - retentionMs);
          if (!created.isEmpty() || !dropped.isEmpty()) {
            LOG.info(table + ": created partitions " + created + ", dropped " + dropped);
          }
          return new Result(created, dropped);
        });
  }

  private List<String> create(Handle handle, LocalDate today) {
    long highest = Long.MIN_VALUE;
    for (Partition p : partitions(handle)) {
      if (p.lessThan() != null) {
        highest = Math.max(highest, p.lessThan());
      }
    }
    List<String> names = new ArrayList<>();
    StringBuilder definitions = new StringBuilder();
    for (int i = 0; i <= daysAhead; i++) {
      LocalDate day = today.plusDays(i);
      long end = day.plusDays(1).toEpochDay() * DAY_MS;
      if (end <= highest) {
        continue;
      }
      names.add(NAME.format(day));
      definitions
          .append("PARTITION ")
          .append(NAME.format(day))
          .append(" VALUES LESS THAN (")
          .append(end)
          .append("), ");
    }
    if (!names.isEmpty()) {
      ddl.execute(
          handle,
          "ALTER TABLE "
              + table
              + " REORGANIZE PARTITION pmax INTO ("
              + definitions
              + "PARTITION pmax VALUES LESS THAN MAXVALUE)");
    }
    return names;
  }

  private List<String> dropExpired(Handle handle, long cutoffMs) {
    List<Partition> all = partitions(handle);
    List<String> expired = new ArrayList<>();
    for (Partition p : all) {
      if (p.lessThan() != null && p.lessThan() <= cutoffMs) {
        expired.add(p.name());
      }
    }
    if (!expired.isEmpty()) {
      ddl.execute(handle, "ALTER TABLE " + table + " DROP PARTITION " + String.join(", ", expired));
    }
    return expired;
  }

  private List<Partition> partitions(Handle handle) {
    return partitions(handle, table);
  }

  /** The partitions of a table of the schema, in order. */
  static List<Partition> partitions(Handle handle, String table) {
    return handle
        .createQuery(
            "SELECT PARTITION_NAME, PARTITION_DESCRIPTION FROM information_schema.PARTITIONS"
                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :table AND PARTITION_NAME IS NOT NULL"
                + " ORDER BY PARTITION_ORDINAL_POSITION")
        .bind("table", table)
        .map(
            (rs, ctx) -> {
              String bound = rs.getString(2);
              return new Partition(
                  rs.getString(1),
                  bound == null || bound.equalsIgnoreCase("MAXVALUE")
                      ? null
                      : Long.valueOf(bound.trim()));
            })
        .list();
  }
}
