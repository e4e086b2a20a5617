package io.vmwatch.archiver.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Optional credentials on the write endpoint: none, a bearer token, or basic auth. The expected
 * {@code Authorization} header value is computed once and compared in constant time.
 */
public final class WriteAuth {
  private final byte[] expectedHeader;

  private WriteAuth(byte[] expectedHeader) {
    this.expectedHeader = expectedHeader;
  }

  public static WriteAuth none() {
    return new WriteAuth(null);
  }

  public static WriteAuth bearer(String token) {
    return new WriteAuth(("Bearer " + token).getBytes(StandardCharsets.UTF_8));
  }

  public static WriteAuth basic(String user, String password) {
    String credentials =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return new WriteAuth(("Basic " + credentials).getBytes(StandardCharsets.UTF_8));
  }

  public boolean required() {
    return expectedHeader != null;
  }

  /** Whether the Authorization header (null when absent) grants writing. */
  public boolean permits(String authorizationHeader) {
    if (expectedHeader == null) {
      return true;
    }
    if (authorizationHeader == null) {
      return false;
    }
    return MessageDigest.isEqual(
        expectedHeader, authorizationHeader.trim().getBytes(StandardCharsets.UTF_8));
  }

  /** The WWW-Authenticate challenge to send with a 401. */
  public String challenge() {
    return new String(expectedHeader, 0, 6, StandardCharsets.US_ASCII).startsWith("Basic")
        ? "Basic realm=\"vmwatch-archiver\""
        : "Bearer realm=\"vmwatch-archiver\"";
  }
}
