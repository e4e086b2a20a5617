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
  private final Map<String, String> hashes;
  private final Map<String, byte[]> verified = new ConcurrentHashMap<>();
  private final byte[] salt = new byte[16];

  public BcryptAuthenticator(Map<String, String> hashes) {
    super("vmwatch");
    this.hashes = Map.copyOf(hashes);
    new SecureRandom().nextBytes(salt);
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
    boolean ok;
    try {
      ok = OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
    } catch (IllegalArgumentException e) {
      ok = false;
    }
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
