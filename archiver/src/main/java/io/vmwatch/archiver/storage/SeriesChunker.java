package io.vmwatch.archiver.storage;

import io.vmwatch.archiver.chunk.ChunkedReadResponseWriter;
import io.vmwatch.archiver.chunk.XorChunk;
import io.vmwatch.archiver.chunk.XorChunkEncoder;
import io.vmwatch.archiver.chunk.XorChunkIterator;
import io.vmwatch.archiver.codec.Label;
import java.io.IOException;
import java.util.List;

/**
 * Turns the series of a streamed answer, one after another, into XOR chunks for its frames: samples
 * go into an open chunk that is sent at 120 samples or at the end of the series; a stored chunk
 * (the compact tier's) lying within the query's range is sent as it is. Every sample is counted
 * against the answer's {@code --read.max-samples} before it is sent. A series is announced with its
 * first sample, so a series without samples in range sends nothing, as in a SAMPLES answer. Samples
 * and stored chunks of a series must come in time order.
 */
final class SeriesChunker {
  private final ChunkedReadResponseWriter frames;
  private final long maxSamples;
  private long samples;
  private long series;
  private long queryIndex;
  private List<Label> labels;
  private boolean announced;
  private XorChunkEncoder open;

  SeriesChunker(ChunkedReadResponseWriter frames, long maxSamples) {
    this.frames = frames;
    this.maxSamples = maxSamples;
  }

  /** Ends the previous series and begins the next one (labels sorted by name). */
  void startSeries(long queryIndex, List<Label> labels) throws IOException {
    endSeries();
    this.queryIndex = queryIndex;
    this.labels = labels;
    this.announced = false;
  }

  /** The series' next sample, its value as 64 bits. */
  void sample(long timestampMs, long valueBits) throws IOException, ReadLimitException {
    count(1);
    announce();
    if (open == null) {
      open = new XorChunkEncoder();
    }
    open.appendBits(timestampMs, valueBits);
    if (open.isFull()) {
      closeChunk();
    }
  }

  /**
   * The series' next stored chunk: sent as it is when all of it lies in [startMs, endMs], else its
   * samples in that range are re-encoded. It must fit in a frame with the series' labels.
   */
  void storedChunk(XorChunk chunk, long startMs, long endMs)
      throws IOException, ReadLimitException {
    if (chunk.minTimeMs() >= startMs && chunk.maxTimeMs() <= endMs) {
      count(chunk.sampleCount());
      announce();
      closeChunk();
      frames.addChunk(chunk);
      return;
    }
    XorChunkIterator it = chunk.iterator();
    while (it.next()) {
      if (it.timestampMs() >= startMs && it.timestampMs() <= endMs) {
        sample(it.timestampMs(), it.valueBits());
      }
    }
  }

  /** Sends the open chunk of the current series. */
  void endSeries() throws IOException {
    closeChunk();
  }

  /** Samples sent (or about to be) so far. */
  long samples() {
    return samples;
  }

  /** Series with at least one sample so far. */
  long series() {
    return series;
  }

  private void count(long added) throws ReadLimitException {
    if (samples + added > maxSamples) {
      throw RemoteReader.Budget.tooManySamples(maxSamples);
    }
    samples += added;
  }

  private void announce() throws IOException {
    if (!announced) {
      frames.startSeries(queryIndex, labels);
      announced = true;
      series++;
    }
  }

  private void closeChunk() throws IOException {
    if (open != null && !open.isEmpty()) {
      frames.addChunk(open.toChunk());
    }
    open = null;
  }
}
