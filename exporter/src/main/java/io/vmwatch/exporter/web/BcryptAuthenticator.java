package io.vmwatch.exporter.web;

import com.sun.net.httpserver.BasicAuthenticator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * HTTP basic authentication against bcrypt hashes. bcrypt is slow on purpose; a password that
 * passed once is remembered as its SHA-256 under a random salt drawn at start (per user, compared
 * in constant time) so that every scrape does not pay for bcrypt again.
 */
public final class BcryptAuthenticator extends BasicAuthenticator {
  /** Whether a password matches a bcrypt hash; a hash that is not bcrypt matches nothing. */
  interface HashCheck {
    boolean matches(String hash, String password);
  }

  private final Map<String, String> hashes;
  private final HashCheck hashCheck;
  private final Map<String, byte[]> verified = new ConcurrentHashMap<>();
  private final byte[] salt = new byte[16];

  public BcryptAuthenticator(Map<String, String> hashes) {
    this(hashes, BcryptAuthenticator::bcryptMatches);
  }

  BcryptAuthenticator(Map<String, String> hashes, HashCheck hashCheck) {
    super("vmwatch");
    this.hashes = Map.copyOf(hashes);
    this.hashCheck = hashCheck;
    new SecureRandom().nextBytes(salt);
  }

  static boolean bcryptMatches(String hash, String password) {
    try {
      return OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public boolean checkCredentials(String user, String password) {
    String hash = hashes.get(user);
    if (hash == null || password == null) {
      return false;
    }
    byte[] digest = sha256(user + '\0' + password);
    byte[] known = verified.get(user);
    if (known != null && MessageDigest.isEqual(known, digest)) {
      return true;
    }
    boolean ok = hashCheck.matches(hash, password);
    if (ok) {
      verified.put(user, digest);
    }
    return ok;
  }

  private byte[] sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(salt);
      return digest.digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
