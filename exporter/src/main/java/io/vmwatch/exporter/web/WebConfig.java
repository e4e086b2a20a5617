package io.vmwatch.exporter.web;

import java.nio.file.Path;
import java.util.Map;

/**
 * The parts of the exporter-toolkit web configuration the exporter supports.
 *
 * @param basicAuthUsers user name to bcrypt hash; empty when no authentication is required
 * @param certFile PEM certificate chain, or null to serve plain HTTP
 * @param keyFile PEM private key for {@code certFile}, or null
 */
public record WebConfig(Map<String, String> basicAuthUsers, Path certFile, Path keyFile) {
  public static final WebConfig NONE = new WebConfig(Map.of(), null, null);

  public WebConfig {
    basicAuthUsers = Map.copyOf(basicAuthUsers);
  }

  public boolean tls() {
    return certFile != null;
  }
}
