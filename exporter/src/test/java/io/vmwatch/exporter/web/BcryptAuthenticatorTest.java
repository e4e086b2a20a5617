package io.vmwatch.exporter.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;

/**
 * Real bcrypt behind a counter: which credentials pay for bcrypt and which are let in from the
 * cache.
 */
class BcryptAuthenticatorTest {
  private static String bcrypt(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 4);
  }

  private final AtomicInteger bcryptChecks = new AtomicInteger();

  private BcryptAuthenticator authenticator(Map<String, String> hashes) {
    return new BcryptAuthenticator(
        hashes,
        (hash, password) -> {
          bcryptChecks.incrementAndGet();
          return BcryptAuthenticator.bcryptMatches(hash, password);
        });
  }

  @Test
  void aPasswordThatPassedOnceIsNotCheckedWithBcryptAgain() {
    BcryptAuthenticator auth = authenticator(Map.of("prometheus", bcrypt("right")));
    assertTrue(auth.checkCredentials("prometheus", "right"));
    assertEquals(1, bcryptChecks.get());
    for (int i = 0; i < 3; i++) {
      assertTrue(auth.checkCredentials("prometheus", "right"));
    }
    assertEquals(1, bcryptChecks.get(), "scrapes after the first are let in from the cache");
  }

  @Test
  void aCachedPasswordLetsNoOtherPasswordOrUserIn() {
    BcryptAuthenticator auth =
        authenticator(Map.of("prometheus", bcrypt("right"), "grafana", bcrypt("other")));
    assertTrue(auth.checkCredentials("prometheus", "right"));
    assertFalse(auth.checkCredentials("prometheus", "wrong"));
    assertEquals(2, bcryptChecks.get(), "a password unlike the cached one goes to bcrypt");
    assertFalse(auth.checkCredentials("grafana", "right"));
    assertEquals(3, bcryptChecks.get(), "another user's cached password goes to bcrypt");
    assertTrue(
        auth.checkCredentials("prometheus", "right"),
        "a wrong try does not evict the good password");
    assertEquals(3, bcryptChecks.get());
  }

  @Test
  void unknownUsersAndMissingPasswordsNeverReachBcrypt() {
    BcryptAuthenticator auth = authenticator(Map.of("prometheus", bcrypt("right")));
    assertFalse(auth.checkCredentials("someone", "right"));
    assertFalse(auth.checkCredentials("prometheus", null));
    assertEquals(0, bcryptChecks.get());
  }

  @Test
  void withRealBcryptOnlyTheRightPasswordPasses() {
    BcryptAuthenticator auth =
        new BcryptAuthenticator(
            Map.of("prometheus", bcrypt("right"), "broken", "not-a-bcrypt-hash"));
    assertTrue(auth.checkCredentials("prometheus", "right"));
    assertTrue(auth.checkCredentials("prometheus", "right"));
    assertFalse(auth.checkCredentials("prometheus", "Right"));
    assertFalse(auth.checkCredentials("broken", "not-a-bcrypt-hash"));
  }
}
