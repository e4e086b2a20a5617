package io.vmwatch.exporter.web;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the web configuration YAML of exporter-toolkit: {@code basic_auth_users} (bcrypt hashes)
 * and {@code tls_server_config} ({@code cert_file}, {@code key_file}; relative paths are taken from
 * the folder of the YAML file). A key it does not support is an error, never ignored.
 */
public final class WebConfigLoader {
  private static final Set<String> TOP_KEYS = Set.of("basic_auth_users", "tls_server_config");
  private static final Set<String> TLS_KEYS = Set.of("cert_file", "key_file");

  private WebConfigLoader() {}

  public static WebConfig load(Path file) throws InvalidWebConfigException {
    Object root;
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    } catch (IOException | YAMLException e) {
      throw new InvalidWebConfigException(
          file + ": cannot read YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (root == null) {
      return WebConfig.NONE;
    }
    Map<?, ?> top = map(file, "top level", root);
    for (Object key : top.keySet()) {
      if (!TOP_KEYS.contains(String.valueOf(key))) {
        throw new InvalidWebConfigException(
            file + ": key '" + key + "' is not supported (only " + TOP_KEYS + ")");
      }
    }
    Map<String, String> users = new LinkedHashMap<>();
    if (top.get("basic_auth_users") != null) {
      for (Map.Entry<?, ?> entry :
          map(file, "basic_auth_users", top.get("basic_auth_users")).entrySet()) {
        String user = String.valueOf(entry.getKey());
        if (!(entry.getValue() instanceof String hash)
            || !hash.matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
          throw new InvalidWebConfigException(
              file + ": basic_auth_users." + user + " is not a bcrypt hash ($2y$NN$...)");
        }
        users.put(user, hash);
      }
    }
    Path cert = null;
    Path key = null;
    if (top.get("tls_server_config") != null) {
      Map<?, ?> tls = map(file, "tls_server_config", top.get("tls_server_config"));
      for (Object k : tls.keySet()) {
        if (!TLS_KEYS.contains(String.valueOf(k))) {
          throw new InvalidWebConfigException(
              file + ": tls_server_config." + k + " is not supported (only " + TLS_KEYS + ")");
        }
      }
      cert = path(file, tls, "cert_file");
      key = path(file, tls, "key_file");
    }
    return new WebConfig(users, cert, key);
  }

  private static Map<?, ?> map(Path file, String where, Object value)
      throws InvalidWebConfigException {
    if (!(value instanceof Map<?, ?> m)) {
      throw new InvalidWebConfigException(file + ": " + where + " must be a mapping");
    }
    return m;
  }

  private static Path path(Path file, Map<?, ?> tls, String key) throws InvalidWebConfigException {
    if (!(tls.get(key) instanceof String text) || text.isBlank()) {
      throw new InvalidWebConfigException(file + ": tls_server_config." + key + " is missing");
    }
    Path dir = file.toAbsolutePath().getParent();
    Path resolved = dir.resolve(text);
    if (!Files.isReadable(resolved)) {
      throw new InvalidWebConfigException(
          file + ": tls_server_config." + key + " '" + resolved + "' is not a readable file");
    }
    return resolved;
  }
}
