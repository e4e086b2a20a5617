package io.vmwatch.archiver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.Update;

/**
 * Maps series keys to {@code series.id}, from memory when it can and otherwise by inserting the
 * unknown series (idempotently, keyed by fingerprint) and reading their ids back. Unknown series are
 * inserted in fingerprint order, so concurrent requests lock the unique index in the same order, and
 * an insert that still loses a deadlock is run again. The cache is bounded: when it would grow past
 * its limit it is emptied and fills again from MySQL.
 */
public final class SeriesDirectory {
    private static final int CHUNK = 500;

    private final Jdbi jdbi;
    private final int maxEntries;
    private final Map<SeriesKey.Fingerprint, Long> ids = new ConcurrentHashMap<>();

    public SeriesDirectory(Jdbi jdbi, int maxEntries) {
        this.jdbi = jdbi;
        this.maxEntries = maxEntries;
    }

    public int cacheSize() {
        return ids.size();
    }

    /**
     * Empties the cache, so that every id is read from MySQL again. Called after a failed write: the
     * database may have been restarted from a backup or replaced, and an id remembered from before
     * could then name no series, or (reissued by AUTO_INCREMENT) another one.
     */
    public void forget() {
        ids.clear();
    }

    /** The id of every key, in the order given; creates the series that MySQL does not have yet. */
    public long[] resolve(List<SeriesKey> keys) {
        long[] result = new long[keys.size()];
        Map<SeriesKey.Fingerprint, SeriesKey> missing = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            Long id = ids.get(keys.get(i).fingerprint());
            if (id == null) {
                missing.putIfAbsent(keys.get(i).fingerprint(), keys.get(i));
                result[i] = -1;
            } else {
                result[i] = id;
            }
        }
        if (missing.isEmpty()) {
            return result;
        }
        List<SeriesKey> unknown = new ArrayList<>(missing.values());
        unknown.sort((a, b) -> Arrays.compareUnsigned(a.fingerprint().bytes(), b.fingerprint().bytes()));
        Map<SeriesKey.Fingerprint, Long> found = createAndFetch(unknown);
        if (ids.size() + found.size() > maxEntries) {
            ids.clear();
        }
        ids.putAll(found);
        for (int i = 0; i < keys.size(); i++) {
            if (result[i] < 0) {
                Long id = found.get(keys.get(i).fingerprint());
                if (id == null) {
                    throw new IllegalStateException("series " + keys.get(i).fingerprint() + " was not stored");
                }
                result[i] = id;
            }
        }
        return result;
    }

    private Map<SeriesKey.Fingerprint, Long> createAndFetch(List<SeriesKey> keys) {
        for (int attempt = 1; ; attempt++) {
            try {
                return jdbi.withHandle(handle -> createAndFetch(handle, keys));
            } catch (RuntimeException e) {
                if (attempt >= Deadlocks.ATTEMPTS || !Deadlocks.isDeadlock(e)) {
                    throw e;
                }
            }
        }
    }

    private static Map<SeriesKey.Fingerprint, Long> createAndFetch(Handle handle, List<SeriesKey> keys) {
        Map<SeriesKey.Fingerprint, Long> found = new HashMap<>();
        for (int from = 0; from < keys.size(); from += CHUNK) {
            List<SeriesKey> chunk = keys.subList(from, Math.min(keys.size(), from + CHUNK));
            insert(handle, chunk);
            found.putAll(fetch(handle, chunk));
        }
        return found;
    }

    private static void insert(Handle handle, List<SeriesKey> chunk) {
        StringBuilder sql = new StringBuilder("INSERT INTO series (fingerprint, metric, instance, labels) VALUES ");
        for (int i = 0; i < chunk.size(); i++) {
            sql.append(i == 0 ? "(?, ?, ?, ?)" : ", (?, ?, ?, ?)");
        }
        // The fingerprint identifies the label set: an existing row is already right.
        sql.append(" ON DUPLICATE KEY UPDATE fingerprint = fingerprint");
        try (Update update = handle.createUpdate(sql.toString())) {
            int position = 0;
            for (SeriesKey key : chunk) {
                update.bind(position++, key.fingerprint().bytes());
                update.bind(position++, key.metric());
                update.bind(position++, key.instance());
                update.bind(position++, key.labelsJson());
            }
            update.execute();
        }
    }

    private static Map<SeriesKey.Fingerprint, Long> fetch(Handle handle, List<SeriesKey> chunk) {
        StringBuilder sql = new StringBuilder("SELECT id, fingerprint FROM series WHERE fingerprint IN (");
        for (int i = 0; i < chunk.size(); i++) {
            sql.append(i == 0 ? "?" : ", ?");
        }
        sql.append(')');
        Map<SeriesKey.Fingerprint, Long> found = new HashMap<>();
        try (Query query = handle.createQuery(sql.toString())) {
            for (int i = 0; i < chunk.size(); i++) {
                query.bind(i, chunk.get(i).fingerprint().bytes());
            }
            query.map((rs, ctx) -> Map.entry(new SeriesKey.Fingerprint(rs.getBytes(2)), rs.getLong(1)))
                    .forEach(e -> found.put(e.getKey(), e.getValue()));
        }
        return found;
    }
}
