package io.vmwatch.archiver.storage;

import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.Update;

/**
 * Maps series keys to {@code series.id}, from memory when it can and otherwise by inserting the
 * unknown series (idempotently, keyed by fingerprint) and reading their ids back. Unknown series
 * are inserted in fingerprint order, so concurrent requests lock the unique index in the same
 * order, and an insert that still loses a deadlock is run again. The cache is bounded: when it
 * would grow past its limit it is emptied and fills again from MySQL.
 *
 * <p>The cache never outlives the database it was filled from. Before each batch, one query reads
 * the database's identity (a random value written by the migrations) and its highest series id: a
 * different identity (another database behind the same address) or a highest id below one this
 * process has already seen (a restore from an earlier backup, a lagging replica promoted) empties
 * the cache. Each series' {@code last_seen} day is written at most once a day, when the cache knows
 * an older day; an id that this update no longer finds (the series was removed as stale meanwhile)
 * is dropped from the cache and its series created again.
 */
public final class SeriesDirectory {
  private static final Logger LOG = Logger.getLogger(SeriesDirectory.class.getName());
  private static final int CHUNK = 500;

  /**
   * A cache value holds the id above the low 16 bits and the last_seen epoch day (mod 65,536) in
   * them.
   */
  private static final int DAY_BITS = 16;

  private static final long DAY_MASK = (1L << DAY_BITS) - 1;

  private final Jdbi jdbi;
  private final int maxEntries;
  private final Clock clock;
  private final Runnable onDatabaseChange;
  private final Map<SeriesKey.Fingerprint, Long> ids = new ConcurrentHashMap<>();
  private final AtomicLong highestId = new AtomicLong();
  private final AtomicLong generation = new AtomicLong();
  private String identity;

  public SeriesDirectory(Jdbi jdbi, int maxEntries) {
    this(jdbi, maxEntries, Clock.systemUTC(), () -> {});
  }

  /** {@code onDatabaseChange} runs each time the cache is emptied because the database changed. */
  public SeriesDirectory(Jdbi jdbi, int maxEntries, Clock clock, Runnable onDatabaseChange) {
    this.jdbi = jdbi;
    this.maxEntries = maxEntries;
    this.clock = clock;
    this.onDatabaseChange = onDatabaseChange;
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

  private record DatabaseState(String identity, long highestId) {}

  /**
   * Empties the cache when the database is not the one it was filled from; returns the cache
   * generation, which changes each time.
   */
  long verifyDatabase() {
    long seenBefore = highestId.get();
    DatabaseState state =
        jdbi.withHandle(
            handle ->
                handle
                    .createQuery(
                        "SELECT (SELECT identity FROM"
                            + " archiver_identity WHERE id = 1), (SELECT COALESCE(MAX(id), 0) FROM series)")
                    .map((rs, ctx) -> new DatabaseState(rs.getString(1), rs.getLong(2)))
                    .one());
    synchronized (this) {
      if (identity == null && generation.get() == 0) {
        identity = state.identity();
        generation.incrementAndGet();
      } else if (!Objects.equals(identity, state.identity()) || state.highestId() < seenBefore) {
        LOG.warning(
            "the database changed under the archiver (identity "
                + identity
                + " -> "
                + state.identity()
                + ", highest series id "
                + seenBefore
                + " -> "
                + state.highestId()
                + "): series ids are read from it again");
        ids.clear();
        identity = state.identity();
        highestId.set(state.highestId());
        generation.incrementAndGet();
        onDatabaseChange.run();
      }
      return generation.get();
    }
  }

  /** The id of every key, in the order given; creates the series that MySQL does not have yet. */
  public long[] resolve(List<SeriesKey> keys) {
    long cacheGeneration = verifyDatabase();
    long today = LocalDate.now(clock).toEpochDay();
    long[] result = new long[keys.size()];
    Map<SeriesKey.Fingerprint, SeriesKey> missing = new LinkedHashMap<>();
    Map<Long, SeriesKey> unstamped = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      Long cached = ids.get(keys.get(i).fingerprint());
      if (cached == null) {
        missing.putIfAbsent(keys.get(i).fingerprint(), keys.get(i));
        result[i] = -1;
      } else {
        result[i] = cached >>> DAY_BITS;
        if ((cached & DAY_MASK) != (today & DAY_MASK)) {
          unstamped.put(result[i], keys.get(i));
        }
      }
    }
    if (!unstamped.isEmpty()) {
      for (long gone : stamp(unstamped.keySet(), today)) {
        SeriesKey key = unstamped.remove(gone);
        ids.remove(key.fingerprint());
        missing.putIfAbsent(key.fingerprint(), key);
        for (int i = 0; i < keys.size(); i++) {
          if (result[i] == gone) {
            result[i] = -1;
          }
        }
      }
      if (generation.get() == cacheGeneration) {
        for (Map.Entry<Long, SeriesKey> e : unstamped.entrySet()) {
          ids.put(e.getValue().fingerprint(), e.getKey() << DAY_BITS | (today & DAY_MASK));
        }
      }
    }
    if (missing.isEmpty()) {
      return result;
    }
    List<SeriesKey> unknown = new ArrayList<>(missing.values());
    unknown.sort(
        (a, b) -> Arrays.compareUnsigned(a.fingerprint().bytes(), b.fingerprint().bytes()));
    Map<SeriesKey.Fingerprint, Long> found = createAndFetch(unknown, today);
    if (ids.size() + found.size() > maxEntries) {
      ids.clear();
    }
    long highest = 0;
    for (long id : found.values()) {
      highest = Math.max(highest, id);
    }
    highestId.accumulateAndGet(highest, Math::max);
    if (generation.get() == cacheGeneration) {
      for (Map.Entry<SeriesKey.Fingerprint, Long> e : found.entrySet()) {
        ids.put(e.getKey(), e.getValue() << DAY_BITS | (today & DAY_MASK));
      }
    }
    for (int i = 0; i < keys.size(); i++) {
      if (result[i] < 0) {
        Long id = found.get(keys.get(i).fingerprint());
        if (id == null) {
          throw new IllegalStateException(
              "series " + keys.get(i).fingerprint() + " was not stored");
        }
        result[i] = id;
      }
    }
    return result;
  }

  /** Writes today's day into last_seen of these series; returns the ids it did not find. */
  private Set<Long> stamp(Set<Long> seriesIds, long today) {
    List<Long> all = new ArrayList<>(seriesIds);
    all.sort(Long::compare);
    Set<Long> gone = new HashSet<>();
    String day = LocalDate.ofEpochDay(today).toString();
    jdbi.useHandle(
        handle -> {
          for (int from = 0; from < all.size(); from += CHUNK) {
            List<Long> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
            int matched;
            try (Update update =
                handle.createUpdate("UPDATE series SET last_seen = :day WHERE id IN (<ids>)")) {
              matched = update.bind("day", day).bindList("ids", chunk).execute();
            }
            if (matched < chunk.size()) {
              Set<Long> present =
                  new HashSet<>(
                      handle
                          .createQuery("SELECT id FROM series WHERE id IN (<ids>)")
                          .bindList("ids", chunk)
                          .mapTo(Long.class)
                          .list());
              for (long id : chunk) {
                if (!present.contains(id)) {
                  gone.add(id);
                }
              }
            }
          }
        });
    return gone;
  }

  private Map<SeriesKey.Fingerprint, Long> createAndFetch(List<SeriesKey> keys, long today) {
    String day = LocalDate.ofEpochDay(today).toString();
    return Deadlocks.retried(() -> jdbi.withHandle(handle -> createAndFetch(handle, keys, day)));
  }

  private static Map<SeriesKey.Fingerprint, Long> createAndFetch(
      Handle handle, List<SeriesKey> keys, String day) {
    Map<SeriesKey.Fingerprint, Long> found = new HashMap<>();
    for (int from = 0; from < keys.size(); from += CHUNK) {
      List<SeriesKey> chunk = keys.subList(from, Math.min(keys.size(), from + CHUNK));
      insert(handle, chunk, day);
      found.putAll(fetch(handle, chunk));
    }
    return found;
  }

  private static void insert(Handle handle, List<SeriesKey> chunk, String day) {
    StringBuilder sql =
        new StringBuilder(
            "INSERT INTO series (fingerprint, metric, instance, labels, last_seen)" + " VALUES ");
    sql.append(MultiRowSql.commaList("(?, ?, ?, ?, ?)", chunk.size()));
    // The fingerprint identifies the label set: an existing row is already right but for last_seen.
    sql.append(" ON DUPLICATE KEY UPDATE last_seen = GREATEST(last_seen, VALUES(last_seen))");
    try (Update update = handle.createUpdate(sql.toString())) {
      int position = 0;
      for (SeriesKey key : chunk) {
        update.bind(position++, key.fingerprint().bytes());
        update.bind(position++, key.metric());
        update.bind(position++, key.instance());
        update.bind(position++, key.labelsJson());
        update.bind(position++, day);
      }
      update.execute();
    }
  }

  private static Map<SeriesKey.Fingerprint, Long> fetch(Handle handle, List<SeriesKey> chunk) {
    StringBuilder sql =
        new StringBuilder("SELECT id, fingerprint FROM series WHERE fingerprint IN (");
    sql.append(MultiRowSql.commaList("?", chunk.size()));
    sql.append(')');
    Map<SeriesKey.Fingerprint, Long> found = new HashMap<>();
    try (Query query = handle.createQuery(sql.toString())) {
      for (int i = 0; i < chunk.size(); i++) {
        query.bind(i, chunk.get(i).fingerprint().bytes());
      }
      query
          .map((rs, ctx) -> Map.entry(new SeriesKey.Fingerprint(rs.getBytes(2)), rs.getLong(1)))
          .forEach(e -> found.put(e.getKey(), e.getValue()));
    }
    return found;
  }
}
