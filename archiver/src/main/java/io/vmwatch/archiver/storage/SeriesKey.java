package io.vmwatch.archiver.storage;

import io.vmwatch.archiver.codec.Label;
import io.vmwatch.archiver.codec.RemoteWriteDecoder;
import io.vmwatch.archiver.http.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The identity of a series in the {@code series} table: metric name, the {@code instance} label
 * (kept in its own column for the views), the other labels as a JSON object with sorted keys, and a
 * fingerprint, SHA-256 over the sorted label set (name, 0xFF, value, 0xFF for each label; 0xFF
 * never occurs in UTF-8, so two different label sets never encode alike). The JSON is built only
 * when asked for, which is when the series is not known yet: the hot path needs the fingerprint
 * only.
 */
public final class SeriesKey {
  public static final String INSTANCE_LABEL = "instance";
  private static final Comparator<Label> BY_NAME = Comparator.comparing(Label::name);
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("the JDK has no SHA-256", e);
            }
          });

  private final Fingerprint fingerprint;
  private final String metric;
  private final String instance;
  private final List<Label> sortedLabels;

  private SeriesKey(
      Fingerprint fingerprint, String metric, String instance, List<Label> sortedLabels) {
    this.fingerprint = fingerprint;
    this.metric = metric;
    this.instance = instance;
    this.sortedLabels = sortedLabels;
  }

  /** Builds the key of a decoded series (which always carries {@code __name__}). */
  public static SeriesKey of(List<Label> labels) {
    List<Label> sorted = labels;
    for (int i = 1; i < labels.size(); i++) {
      if (labels.get(i - 1).name().compareTo(labels.get(i).name()) > 0) {
        sorted = new ArrayList<>(labels);
        sorted.sort(BY_NAME);
        break;
      }
    }
    MessageDigest sha256 = SHA256.get();
    sha256.reset();
    String metric = "";
    String instance = "";
    for (Label label : sorted) {
      sha256.update(label.name().getBytes(StandardCharsets.UTF_8));
      sha256.update((byte) 0xFF);
      sha256.update(label.value().getBytes(StandardCharsets.UTF_8));
      sha256.update((byte) 0xFF);
      if (label.name().equals(RemoteWriteDecoder.METRIC_NAME_LABEL)) {
        metric = label.value();
      } else if (label.name().equals(INSTANCE_LABEL)) {
        instance = label.value();
      }
    }
    return new SeriesKey(new Fingerprint(sha256.digest()), metric, instance, List.copyOf(sorted));
  }

  public Fingerprint fingerprint() {
    return fingerprint;
  }

  public String metric() {
    return metric;
  }

  public String instance() {
    return instance;
  }

  /** Every label but {@code __name__}, as a JSON object with sorted keys. */
  public String labelsJson() {
    StringBuilder json = new StringBuilder(64).append('{');
    for (Label label : sortedLabels) {
      if (label.name().equals(RemoteWriteDecoder.METRIC_NAME_LABEL)) {
        continue;
      }
      if (json.length() > 1) {
        json.append(',');
      }
      Json.appendString(json, label.name());
      json.append(':');
      Json.appendString(json, label.value());
    }
    return json.append('}').toString();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SeriesKey k && fingerprint.equals(k.fingerprint);
  }

  @Override
  public int hashCode() {
    return fingerprint.hashCode();
  }

  @Override
  public String toString() {
    return metric + labelsJson();
  }

  /** 32 bytes of SHA-256, with value equality so that it can key a map. */
  public record Fingerprint(byte[] bytes) {
    public Fingerprint {
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Fingerprint f && Arrays.equals(bytes, f.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      StringBuilder hex = new StringBuilder(64);
      for (byte b : bytes) {
        hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
      }
      return hex.toString();
    }
  }
}
