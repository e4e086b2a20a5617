package io.vmwatch.exporter.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** An SSLContext from a PEM certificate chain and a PEM private key (PKCS#8, PKCS#1 or SEC1). */
public final class TlsContexts {
  private TlsContexts() {}

  public static SSLContext fromPem(Path certFile, Path keyFile) throws InvalidWebConfigException {
    try {
      Certificate[] chain;
      try (InputStream in = Files.newInputStream(certFile)) {
        chain =
            CertificateFactory.getInstance("X.509")
                .generateCertificates(in)
                .toArray(new Certificate[0]);
      }
      if (chain.length == 0) {
        throw new InvalidWebConfigException(certFile + ": no certificate in file");
      }
      PrivateKey key = readKey(keyFile);
      char[] password = Base64.getEncoder().encodeToString(randomBytes()).toCharArray();
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", key, password, chain);
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, new SecureRandom());
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidWebConfigException(
          "TLS set-up from " + certFile + " and " + keyFile + " failed: " + e.getMessage());
    }
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }

  private static PrivateKey readKey(Path keyFile) throws IOException, InvalidWebConfigException {
    Object pem;
    try (Reader reader = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      pem = parser.readObject();
    }
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    if (pem instanceof PEMKeyPair pair) {
      return converter.getKeyPair(pair).getPrivate();
    }
    if (pem instanceof PrivateKeyInfo info) {
      return converter.getPrivateKey(info);
    }
    throw new InvalidWebConfigException(keyFile + ": not an unencrypted PEM private key");
  }
}
