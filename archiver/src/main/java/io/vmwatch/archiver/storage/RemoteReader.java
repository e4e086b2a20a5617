package io.vmwatch.archiver.storage;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.vmwatch.archiver.chunk.XorChunkIterator;
import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.LabelMatcher;
import io.vmwatch.archiver.codec.ReadRequest;
import io.vmwatch.archiver.codec.RemoteWriteDecoder;
import io.vmwatch.archiver.codec.SnappyBlockWriter;
import io.vmwatch.archiver.maintenance.RollupJob;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * Answers a remote-read request from the archive with a {@code ReadResponse} of SAMPLES, in bounded
 * memory whatever the number of samples:
 *
 * <ol>
 *   <li>{@link #plan}: in one read-only transaction with a consistent snapshot, select the series
 *       of each query (equality on {@code __name__} and {@code instance} in SQL, every matcher in
 *       Java on the labels, the series table streamed row by row), then count each series' samples
 *       in the range and the bytes their timestamps take. Past {@link Limits} nothing has been sent
 *       yet: a {@link ReadLimitException} becomes a clear 4xx. Only the selected series are held.
 *   <li>{@link Plan#write}: the size of every protobuf message is now known, so the response is
 *       streamed: samples come from MySQL one series at a time (a streaming result set), are
 *       encoded and snappy-compressed in 64 KiB pieces ({@link SnappyBlockWriter}) and sent. The
 *       same snapshot guarantees the rows counted are the rows sent; were they not, the stream
 *       stops short and the client's snappy decoder refuses it (the block header carries the total
 *       length).
 * </ol>
 *
 * <p>Days the compaction job has put into chunks ({@code compaction_state} phase {@code done} or
 * later) are answered from {@code sample_chunks}, decoded and cut to the range, and their raw rows
 * (still there until the day's rollups are complete, or a late sample not merged yet) are ignored;
 * every other day from its raw rows. The transaction opens {@code samples} before its snapshot is
 * taken: the job empties a day's raw partition only after marking it done, with an {@code ALTER}
 * that waits for every open transaction on the table, so a snapshot that sees a day as not
 * compacted also sees its raw rows.
 *
 * <p>Where a series' raw samples and chunks have been dropped (the raw retention), the range before
 * its first sample is answered from the 5-minute rollups: one point per bucket, the bucket's last
 * raw sample ({@code samples_5m.last_ts}, {@code last_value}). A counter's {@code rate()} and
 * {@code increase()} there come out as from the raw samples taken every 5 minutes; a gauge gets its
 * value at the end of each 5 minutes (not their average).
 *
 * <p>Samples stored as NULL (the archiver stores NaN and +-Inf so; stale markers are not stored)
 * are returned as Prometheus' ordinary NaN, {@link #NORMAL_NAN_BITS}. Series without samples in a
 * query's range are left out of its result, as Prometheus' own storage does.
 *
 * <pre>
 * message ReadResponse { repeated QueryResult results = 1; }     one per query, in order
 * message QueryResult  { repeated TimeSeries timeseries = 1; }   series sorted by label set
 * message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }  labels sorted
 * message Label        { string name = 1; string value = 2; }
 * message Sample       { double value = 1; int64 timestamp = 2; } both always written
 * </pre>
 */
public final class RemoteReader {
  /** Prometheus' value.NormalNaN: the NaN of a sample whose value is NaN, not a stale marker. */
  static final long NORMAL_NAN_BITS = 0x7ff8000000000001L;

  /** Heap estimate of a selected series beyond its labels (record, list, boxed numbers). */
  static final long SERIES_COST = 96;

  private static final int COUNT_BATCH = 500;
  private static final Comparator<Label> BY_NAME = Comparator.comparing(Label::name);
  private static final Comparator<Selected> BY_LABELS =
      (a, b) -> {
        List<Label> x = a.labels();
        List<Label> y = b.labels();
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
          int c = x.get(i).name().compareTo(y.get(i).name());
          if (c == 0) {
            c = x.get(i).value().compareTo(y.get(i).value());
          }
          if (c != 0) {
            return c;
          }
        }
        return Integer.compare(x.size(), y.size());
      };

  /** Bytes of an int64 varint, by the ts thresholds 2^7, 2^14 ... 2^56 (negative: 10, else 9). */
  private static final String TIMESTAMP_BYTES = timestampBytes("ts");

  /**
   * The rollup points of a series: each bucket's last sample, for the buckets older than the
   * series' first raw sample (none while every raw sample is kept): past the raw retention.
   */
  static final String ROLLUP_POINTS =
      " FROM samples_5m r WHERE r.ts > ? - "
          + RollupJob.BUCKET_MS
          + " AND r.ts <= ? AND r.last_ts BETWEEN ? AND ? AND r.last_ts < LEAST("
          + "(SELECT COALESCE(MIN(f.ts), 9223372036854775807) FROM samples f"
          + " WHERE f.series_id = r.series_id),"
          + " (SELECT COALESCE(MIN(c.min_ts), 9223372036854775807) FROM sample_chunks c"
          + " WHERE c.series_id = r.series_id))";

  /**
   * A series' stored chunks that start in [floor day of from, to] and end at or after from, in time
   * order ({@link #seriesChunks}): min_ts, max_ts, chunk.
   */
  static final String SERIES_CHUNKS =
      "SELECT min_ts, max_ts, chunk FROM sample_chunks WHERE series_id = ?"
          + " AND min_ts BETWEEN ? AND ? AND max_ts >= ? ORDER BY min_ts";

  /** One series' rollup points in time order ({@link #seriesRollupPoints}): last_ts, last_value. */
  static final String SERIES_ROLLUP_POINTS =
      "SELECT r.last_ts, r.last_value" + ROLLUP_POINTS + " AND r.series_id = ? ORDER BY r.ts";

  /** One series' raw samples in time order ({@link #seriesRawSamples}): ts, value. */
  static final String SERIES_RAW_SAMPLES =
      "SELECT ts, value FROM samples WHERE series_id = ? AND ts BETWEEN ? AND ? ORDER BY ts";

  /**
   * The most one request may return: series, samples, and the heap its selected series may take.
   */
  public record Limits(long maxSeries, long maxSamples, long maxSeriesHeapBytes) {}

  /**
   * A series selected by a query, with its labels (sorted, __name__ included) and what it holds.
   */
  record Selected(long id, List<Label> labels, long samples, long timestampBytes) {
    long labelsSize() {
      long size = 0;
      for (Label label : labels) {
        int message =
            CodedOutputStream.computeStringSize(1, label.name())
                + CodedOutputStream.computeStringSize(2, label.value());
        size += 1 + CodedOutputStream.computeUInt32SizeNoTag(message) + message;
      }
      return size;
    }

    /** Each sample: tag and length (1 + 1), value (1 + 8), timestamp tag (1) and varint. */
    long timeSeriesSize() {
      return labelsSize() + 12 * samples + timestampBytes;
    }
  }

  /**
   * A stretch [from, to] (ms, both included) of a query's range that is answered from one tier:
   * chunk rows (a compacted day) or raw rows.
   */
  record Segment(long from, long to, boolean chunks) {}

  /** What a request will return: per query, its series in order. */
  public static final class Plan {
    private final List<Days> days;
    private final List<List<Selected>> results;
    private final long series;
    private final long samples;
    private final long size;

    private Plan(List<Days> days, List<List<Selected>> results, long series, long samples) {
      this.days = days;
      this.results = results;
      this.series = series;
      this.samples = samples;
      long total = 0;
      for (List<Selected> result : results) {
        long length = queryResultSize(result);
        total += 1 + CodedOutputStream.computeUInt64SizeNoTag(length) + length;
      }
      this.size = total;
    }

    public long series() {
      return series;
    }

    public long samples() {
      return samples;
    }

    /** Bytes of the uncompressed ReadResponse. */
    long size() {
      return size;
    }

    private static long queryResultSize(List<Selected> result) {
      long length = 0;
      for (Selected s : result) {
        long ts = s.timeSeriesSize();
        length += 1 + CodedOutputStream.computeUInt64SizeNoTag(ts) + ts;
      }
      return length;
    }

    /** Streams the snappy-compressed ReadResponse to out, reading samples through handle. */
    public void write(Handle handle, ReadRequest request, OutputStream out)
        throws IOException, SQLException {
      SnappyBlockWriter snappy = new SnappyBlockWriter(out, size);
      CodedOutputStream proto = CodedOutputStream.newInstance(snappy, SnappyBlockWriter.PIECE);
      for (int i = 0; i < results.size(); i++) {
        List<Selected> result = results.get(i);
        proto.writeTag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        proto.writeUInt64NoTag(queryResultSize(result));
        for (Selected s : result) {
          writeSeries(proto, s, handle, days.get(i).segments());
        }
      }
      proto.flush();
      snappy.finish();
    }

    /**
     * The series' rollup points (older than its raw samples and chunks), then its samples, segment
     * after segment.
     */
    private static void writeSeries(
        CodedOutputStream proto, Selected s, Handle handle, List<Segment> segments)
        throws IOException, SQLException {
      proto.writeTag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      proto.writeUInt64NoTag(s.timeSeriesSize());
      for (Label label : s.labels()) {
        proto.writeTag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        proto.writeUInt32NoTag(
            CodedOutputStream.computeStringSize(1, label.name())
                + CodedOutputStream.computeStringSize(2, label.value()));
        proto.writeString(1, label.name());
        proto.writeString(2, label.value());
      }
      long start = segments.get(0).from();
      long end = segments.get(segments.size() - 1).to();
      long[] written = new long[2]; // samples, timestamp bytes
      try (Query rollups = seriesRollupPoints(handle, s.id(), start, end)) {
        writeSamples(proto, s, QueryRows.of(rollups), written);
      }
      for (Segment segment : segments) {
        if (segment.chunks()) {
          chunkSamples(
              handle,
              s.id(),
              segment,
              (ts, bits) -> writeSample(proto, s, written, ts, Double.longBitsToDouble(bits)));
        } else {
          try (Query raw = seriesRawSamples(handle, s.id(), segment)) {
            writeSamples(proto, s, QueryRows.of(raw), written);
          }
        }
      }
      long rows = written[0];
      long timestampBytes = written[1];
      if (rows != s.samples() || timestampBytes != s.timestampBytes()) {
        throw new IOException(
            "series "
                + s.id()
                + " has "
                + rows
                + " samples, "
                + s.samples()
                + " were counted; answer cut short");
      }
    }

    /** Encodes the (ts, value) rows, counting them and their timestamp bytes in written. */
    private static void writeSamples(
        CodedOutputStream proto, Selected s, ResultSet rs, long[] written)
        throws IOException, SQLException {
      while (rs.next()) {
        long ts = rs.getLong(1);
        double value = rs.getDouble(2);
        if (rs.wasNull()) {
          value = Double.longBitsToDouble(NORMAL_NAN_BITS);
        }
        writeSample(proto, s, written, ts, value);
      }
    }

    /** Encodes one sample, counting it and its timestamp bytes in written. */
    private static void writeSample(
        CodedOutputStream proto, Selected s, long[] written, long ts, double value)
        throws IOException {
      int tsBytes = CodedOutputStream.computeInt64SizeNoTag(ts);
      if (++written[0] > s.samples()) {
        throw new IOException(
            "series "
                + s.id()
                + " has more samples than counted ("
                + s.samples()
                + "); answer cut short");
      }
      written[1] += tsBytes;
      proto.writeTag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      proto.writeUInt32NoTag(10 + tsBytes);
      proto.writeDouble(1, value);
      proto.writeInt64(2, ts);
    }
  }

  private final Limits limits;

  public RemoteReader(Limits limits) {
    this.limits = limits;
  }

  /**
   * Starts the read-only transaction whose snapshot both {@link #plan} and the write see. Its first
   * statement opens the tables it reads, which holds their metadata locks to its end, before any
   * row is read, which takes the snapshot: a partition emptied by the compaction job after the
   * snapshot (see {@link #compactedDays}) waits for the transaction to end.
   */
  public static void beginSnapshot(Handle handle) {
    handle.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    handle.execute("START TRANSACTION READ ONLY");
    handle.execute(
        "SELECT 1 FROM samples, sample_chunks, samples_5m, series, compaction_state LIMIT 0");
  }

  public static void endSnapshot(Handle handle) {
    handle.execute("ROLLBACK");
  }

  /** Selects and counts what the request will return, or refuses it over a limit. */
  public Plan plan(Handle handle, ReadRequest request) throws SQLException, ReadLimitException {
    List<long[]> compacted = compactedDays(handle);
    List<Days> days = new ArrayList<>();
    List<List<Selected>> results = new ArrayList<>();
    Budget budget = new Budget(limits);
    for (ReadRequest.Query query : request.queries()) {
      Days segments = new Days(segments(query.startMs(), query.endMs(), compacted));
      days.add(segments);
      List<Selected> selected =
          query.startMs() > query.endMs()
              ? List.of()
              : count(handle, select(handle, query, budget), segments, budget);
      results.add(sorted(selected));
    }
    Plan plan = new Plan(days, results, budget.withSamples(), budget.samples());
    if (plan.size() > 0xFFFF_FFFFL) {
      throw new ReadLimitException(
          "too_large",
          "the answer would take "
              + plan.size()
              + " bytes, more than a snappy block holds (4 GiB); ask for a shorter range");
    }
    return plan;
  }

  /** A query's range cut into the segments of each tier, in time order. */
  private record Days(List<Segment> segments) {}

  /**
   * The days whose samples are in chunks, as merged intervals [from, to) in time order: phase done
   * or later in compaction_state.
   */
  private static List<long[]> compactedDays(Handle handle) {
    List<long[]> intervals = new ArrayList<>();
    List<Long> days =
        handle
            .createQuery(
                "SELECT day FROM compaction_state WHERE phase IN ('done', 'draining', 'drained')"
                    + " ORDER BY day")
            .mapTo(Long.class)
            .list();
    for (long day : days) {
      long[] last = intervals.isEmpty() ? null : intervals.get(intervals.size() - 1);
      if (last != null && last[1] == day) {
        last[1] = day + ChunkStore.DAY_MS;
      } else {
        intervals.add(new long[] {day, day + ChunkStore.DAY_MS});
      }
    }
    return intervals;
  }

  /** [start, end] cut at the edges of the compacted intervals; empty when start > end. */
  private static List<Segment> segments(long start, long end, List<long[]> compacted) {
    List<Segment> segments = new ArrayList<>();
    long from = start;
    for (long[] c : compacted) {
      if (from > end) {
        break;
      }
      if (c[1] <= from || c[0] > end) {
        continue;
      }
      if (c[0] > from) {
        segments.add(new Segment(from, c[0] - 1, false));
        from = c[0];
      }
      long to = Math.min(end, c[1] - 1);
      segments.add(new Segment(from, to, true));
      from = to + 1;
    }
    if (from <= end) {
      segments.add(new Segment(from, end, false));
    }
    return segments;
  }

  /**
   * Selects what a STREAMED_XOR_CHUNKS answer will return without counting samples (the answer
   * counts them as it streams, {@link StreamedRead}); refuses it over {@code --read.max-series}.
   */
  public StreamedRead planStreamed(Handle handle, ReadRequest request)
      throws SQLException, ReadLimitException {
    List<long[]> compacted = compactedDays(handle);
    List<List<Segment>> segments = new ArrayList<>();
    List<List<Selected>> results = new ArrayList<>();
    Budget budget = new Budget(limits);
    for (ReadRequest.Query query : request.queries()) {
      segments.add(segments(query.startMs(), query.endMs(), compacted));
      results.add(
          query.startMs() > query.endMs() ? List.of() : sorted(select(handle, query, budget)));
    }
    return new StreamedRead(results, segments, limits.maxSamples());
  }

  private static List<Selected> sorted(List<Selected> selected) {
    List<Selected> sorted = new ArrayList<>(selected);
    sorted.sort(BY_LABELS);
    return sorted;
  }

  /** The series every matcher of the query selects; SQL filters what it can, Java the rest. */
  private static List<Selected> select(Handle handle, ReadRequest.Query query, Budget budget)
      throws SQLException, ReadLimitException {
    StringBuilder sql = new StringBuilder("SELECT id, metric, labels FROM series");
    List<String> parameters = new ArrayList<>();
    for (LabelMatcher m : query.matchers()) {
      if (m.type() == LabelMatcher.Type.EQ
          && m.name().equals(RemoteWriteDecoder.METRIC_NAME_LABEL)) {
        sql.append(parameters.isEmpty() ? " WHERE" : " AND").append(" metric = ?");
        parameters.add(m.value());
      } else if (m.type() == LabelMatcher.Type.EQ && m.name().equals(SeriesKey.INSTANCE_LABEL)) {
        sql.append(parameters.isEmpty() ? " WHERE" : " AND").append(" instance = ?");
        parameters.add(m.value());
      }
    }
    List<Selected> selected = new ArrayList<>();
    try (Query q = QueryRows.streamed(handle, sql.toString())) {
      for (int i = 0; i < parameters.size(); i++) {
        q.bind(i, parameters.get(i));
      }
      ResultSet rs = QueryRows.of(q);
      while (rs.next()) {
        String metric = rs.getString(2);
        List<Label> labels = new ArrayList<>(LabelsJson.parse(rs.getString(3)));
        labels.add(new Label(RemoteWriteDecoder.METRIC_NAME_LABEL, metric));
        if (matchesAll(query.matchers(), labels)) {
          labels.sort(BY_NAME);
          budget.selected(labels);
          selected.add(new Selected(rs.getLong(1), List.copyOf(labels), 0, 0));
        }
      }
    }
    return selected;
  }

  private static boolean matchesAll(List<LabelMatcher> matchers, List<Label> labels) {
    for (LabelMatcher m : matchers) {
      String value = "";
      for (Label label : labels) {
        if (label.name().equals(m.name())) {
          value = label.value();
          break;
        }
      }
      if (!m.matches(value)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The selected series with their sample counts in the range; those without samples are dropped.
   */
  private static List<Selected> count(
      Handle handle, List<Selected> selected, Days days, Budget budget)
      throws SQLException, ReadLimitException {
    List<Selected> counted = new ArrayList<>();
    List<Segment> segments = days.segments();
    long start = segments.get(0).from();
    long end = segments.get(segments.size() - 1).to();
    for (int from = 0; from < selected.size(); from += COUNT_BATCH) {
      List<Selected> batch = selected.subList(from, Math.min(selected.size(), from + COUNT_BATCH));
      Map<Long, long[]> counts = new HashMap<>();
      for (Segment segment : segments) {
        if (segment.chunks()) {
          countChunks(handle, batch, segment, counts);
        } else {
          countRaw(handle, batch, segment, counts);
        }
      }
      StringBuilder rollups =
          new StringBuilder("SELECT r.series_id, COUNT(*), SUM(")
              .append(timestampBytes("r.last_ts"))
              .append(")")
              .append(ROLLUP_POINTS)
              .append(" AND r.series_id IN (");
      rollups.append(MultiRowSql.commaList("?", batch.size()));
      rollups.append(") GROUP BY r.series_id");
      try (Query q = handle.createQuery(rollups.toString())) {
        addCounts(q, bindRollupRange(q, 0, start, end), batch, counts);
      }
      for (Selected s : batch) {
        long[] c = counts.get(s.id());
        if (c != null && c[0] > 0) {
          budget.samples(c[0]);
          counted.add(new Selected(s.id(), s.labels(), c[0], c[1]));
        }
      }
    }
    return counted;
  }

  /** Adds each series' raw rows in the segment (samples, timestamp bytes) to counts. */
  private static void countRaw(
      Handle handle, List<Selected> batch, Segment segment, Map<Long, long[]> counts)
      throws SQLException {
    StringBuilder sql =
        new StringBuilder("SELECT series_id, COUNT(*), SUM(")
            .append(TIMESTAMP_BYTES)
            .append(") FROM samples WHERE ts BETWEEN ? AND ? AND series_id IN (");
    sql.append(MultiRowSql.commaList("?", batch.size()));
    sql.append(") GROUP BY series_id");
    try (Query q = handle.createQuery(sql.toString())) {
      q.bind(0, segment.from());
      q.bind(1, segment.to());
      addCounts(q, 2, batch, counts);
    }
  }

  /**
   * Binds the batch's ids from (0-based) position on, runs q and adds its rows (series id, samples,
   * timestamp bytes) to counts.
   */
  private static void addCounts(
      Query q, int position, List<Selected> batch, Map<Long, long[]> counts) throws SQLException {
    for (int i = 0; i < batch.size(); i++) {
      q.bind(position + i, batch.get(i).id());
    }
    ResultSet rs = QueryRows.of(q);
    while (rs.next()) {
      long[] c = counts.computeIfAbsent(rs.getLong(1), id -> new long[2]);
      c[0] += rs.getLong(2);
      c[1] += rs.getLong(3);
    }
  }

  /**
   * Adds each series' chunk samples in the segment (a compacted stretch) to counts, decoding the
   * chunks that overlap it.
   */
  private static void countChunks(
      Handle handle, List<Selected> batch, Segment segment, Map<Long, long[]> counts)
      throws SQLException {
    for (Selected s : batch) {
      long[] c = counts.computeIfAbsent(s.id(), id -> new long[2]);
      chunkSamples(
          handle,
          s.id(),
          segment,
          (ts, bits) -> {
            c[0]++;
            c[1] += CodedOutputStream.computeInt64SizeNoTag(ts);
          });
    }
  }

  /** Takes a sample: its time and its value's 64 bits. */
  @FunctionalInterface
  private interface SampleSink<X extends Exception> {
    void accept(long timestampMs, long valueBits) throws X;
  }

  /**
   * Runs {@link #SERIES_CHUNKS} for the series and a compacted segment and gives sink each sample
   * of the chunks that falls in the segment.
   */
  private static <X extends Exception> void chunkSamples(
      Handle handle, long seriesId, Segment segment, SampleSink<X> sink) throws SQLException, X {
    try (Query chunks = seriesChunks(handle, seriesId, segment)) {
      ResultSet rs = QueryRows.of(chunks);
      while (rs.next()) {
        XorChunkIterator samples = new XorChunkIterator(rs.getBytes(3));
        while (samples.next()) {
          long ts = samples.timestampMs();
          if (ts >= segment.from() && ts <= segment.to()) {
            sink.accept(ts, samples.valueBits());
          }
        }
      }
    }
  }

  /**
   * {@link #SERIES_CHUNKS} of a series for a compacted segment, streamed: a chunk overlaps the
   * segment when it starts at or before its end and ends at or after its start, and then starts no
   * earlier than the day of its start (a chunk never spans two days).
   */
  static Query seriesChunks(Handle handle, long seriesId, Segment segment) {
    return QueryRows.streamed(handle, SERIES_CHUNKS)
        .bind(0, seriesId)
        .bind(1, Math.floorDiv(segment.from(), ChunkStore.DAY_MS) * ChunkStore.DAY_MS)
        .bind(2, segment.to())
        .bind(3, segment.from());
  }

  /** {@link #SERIES_ROLLUP_POINTS} of a series for the range [start, end], streamed. */
  static Query seriesRollupPoints(Handle handle, long seriesId, long start, long end) {
    Query q = QueryRows.streamed(handle, SERIES_ROLLUP_POINTS);
    return q.bind(bindRollupRange(q, 0, start, end), seriesId);
  }

  /** {@link #SERIES_RAW_SAMPLES} of a series for a raw segment, streamed. */
  static Query seriesRawSamples(Handle handle, long seriesId, Segment segment) {
    return QueryRows.streamed(handle, SERIES_RAW_SAMPLES)
        .bind(0, seriesId)
        .bind(1, segment.from())
        .bind(2, segment.to());
  }

  /** SQL for the bytes of the int64 varint of a timestamp column. */
  private static String timestampBytes(String column) {
    long[] thresholds = {
      128L,
      16384L,
      2097152L,
      268435456L,
      34359738368L,
      4398046511104L,
      562949953421312L,
      72057594037927936L
    };
    StringBuilder sql = new StringBuilder("CASE WHEN ").append(column).append(" < 0 THEN 10");
    for (int i = 0; i < thresholds.length; i++) {
      sql.append(" WHEN ").append(column).append(" < ").append(thresholds[i]).append(" THEN ");
      sql.append(i + 1);
    }
    return sql.append(" ELSE 9 END").toString();
  }

  /**
   * Binds the range of {@link #ROLLUP_POINTS} from (0-based) position on; returns the next
   * position.
   */
  private static int bindRollupRange(Query q, int position, long start, long end) {
    q.bind(position, start);
    q.bind(position + 1, end);
    q.bind(position + 2, start);
    q.bind(position + 3, end);
    return position + 4;
  }

  /** Counts a request's series, samples and series heap against its limits. */
  static final class Budget {
    private final Limits limits;
    private long selected;
    private long withSamples;
    private long samples;
    private long heapBytes;

    Budget(Limits limits) {
      this.limits = limits;
    }

    /** A series the matchers selected, with its labels. */
    void selected(List<Label> labels) throws ReadLimitException {
      if (++selected > limits.maxSeries()) {
        throw new ReadLimitException(
            "too_many_series",
            "the selectors match more than "
                + limits.maxSeries()
                + " series (--read.max-series); narrow them");
      }
      heapBytes += SERIES_COST;
      for (Label label : labels) {
        heapBytes +=
            RemoteWriteDecoder.LABEL_COST + 2L * (label.name().length() + label.value().length());
      }
      if (heapBytes > limits.maxSeriesHeapBytes()) {
        throw new ReadLimitException(
            "too_many_series",
            "the labels of the "
                + selected
                + " series selected so far take more than "
                + limits.maxSeriesHeapBytes()
                + " bytes of heap, the budget of one read; narrow the selectors");
      }
    }

    /** Series with samples in range so far. */
    long withSamples() {
      return withSamples;
    }

    long samples() {
      return samples;
    }

    /** A series with count samples in range. */
    void samples(long count) throws ReadLimitException {
      withSamples++;
      samples += count;
      if (samples > limits.maxSamples()) {
        throw tooManySamples(limits.maxSamples());
      }
    }

    static ReadLimitException tooManySamples(long maxSamples) {
      return new ReadLimitException(
          "too_many_samples",
          "the answer would hold more than "
              + maxSamples
              + " samples (--read.max-samples); ask for a shorter range or fewer series");
    }
  }
}
