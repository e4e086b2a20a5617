package io.vmwatch.archiver;

import java.time.Instant;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Summarizes raw samples into 5-minute buckets of {@code samples_5m} (min, max, sum and count of the
 * finite values). Each run recomputes every completed bucket from {@code lookback} before where the
 * last run stopped, so samples that arrive late (Prometheus retrying after an outage) are included;
 * recomputing a bucket replaces it, so runs are idempotent. Works in one-hour slices.
 */
public final class RollupJob {
    public static final long BUCKET_MS = 300_000L;
    private static final long SLICE_MS = 3_600_000L;
    private static final String STATE = "samples_5m";

    private final Jdbi jdbi;
    private final long lookbackMs;
    private final long firstRunSpanMs;

    public RollupJob(Jdbi jdbi, long lookbackMs, long firstRunSpanMs) {
        this.jdbi = jdbi;
        this.lookbackMs = lookbackMs;
        this.firstRunSpanMs = firstRunSpanMs;
    }

    /** Rolls up the completed buckets before {@code now}; returns the number of buckets written. */
    public long run(Instant now) {
        long until = Math.floorDiv(now.toEpochMilli(), BUCKET_MS) * BUCKET_MS;
        return jdbi.withHandle(handle -> {
            Long doneUntil = handle.createQuery("SELECT done_until FROM rollup_state WHERE name = :name")
                    .bind("name", STATE).mapTo(Long.class).findOne().orElse(null);
            long from = doneUntil == null ? until - firstRunSpanMs : Math.min(doneUntil, until) - lookbackMs;
            from = Math.floorDiv(from, BUCKET_MS) * BUCKET_MS;
            long buckets = 0;
            for (long sliceStart = from; sliceStart < until; sliceStart += SLICE_MS) {
                buckets += rollup(handle, sliceStart, Math.min(until, sliceStart + SLICE_MS));
            }
            handle.createUpdate("INSERT INTO rollup_state (name, done_until) VALUES (:name, :until)"
                            + " ON DUPLICATE KEY UPDATE done_until = VALUES(done_until)")
                    .bind("name", STATE).bind("until", until).execute();
            return buckets;
        });
    }

    /** Recomputes the buckets of [from, to); both multiples of the bucket width. */
    public static int rollup(Handle handle, long from, long to) {
        return handle.createUpdate("INSERT INTO samples_5m (series_id, ts, min_value, max_value, sum_value, count_value)"
                        + " SELECT series_id, ts - MOD(ts, " + BUCKET_MS + ") AS bucket, MIN(value), MAX(value),"
                        + " SUM(value), COUNT(value) FROM samples WHERE ts >= :from AND ts < :to"
                        + " GROUP BY series_id, bucket"
                        + " ON DUPLICATE KEY UPDATE min_value = VALUES(min_value), max_value = VALUES(max_value),"
                        + " sum_value = VALUES(sum_value), count_value = VALUES(count_value)")
                .bind("from", from).bind("to", to).execute();
    }
}
