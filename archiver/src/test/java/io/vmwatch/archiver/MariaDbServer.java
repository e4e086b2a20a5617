package io.vmwatch.archiver;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away MariaDB server for tests: its own datadir under a temp directory, unix socket for
 * the root admin, TCP on 127.0.0.1 and a free port, a database {@code vmwatch} and a user with a
 * random password. Never the system service. Fails (never skips) when mariadbd is not installed.
 * Can be shut down and started again on the same port and datadir.
 */
public final class MariaDbServer implements AutoCloseable {
  public static final String DATABASE = "vmwatch";
  public static final String USER = "vmwatch";

  private final Path dir;
  private final int port;
  private final String password;
  private Process process;

  private MariaDbServer(Path dir, int port, String password) {
    this.dir = dir;
    this.port = port;
    this.password = password;
  }

  public static MariaDbServer start() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("vmwatch-mariadb-");
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    MariaDbServer server = new MariaDbServer(dir, freePort(), HexFormat.of().formatHex(secret));
    run(
        List.of(
            which("mariadb-install-db"),
            "--no-defaults",
            "--datadir=" + dir.resolve("data"),
            "--user=root",
            "--auth-root-authentication-method=socket",
            "--skip-test-db"),
        dir.resolve("install.log"),
        120);
    server.startProcess();
    server.admin(
        "CREATE DATABASE "
            + DATABASE
            + " CHARACTER SET utf8mb4;"
            + " CREATE USER '"
            + USER
            + "'@'127.0.0.1' IDENTIFIED BY '"
            + server.password
            + "';"
            + " GRANT ALL ON "
            + DATABASE
            + ".* TO '"
            + USER
            + "'@'127.0.0.1';");
    return server;
  }

  public String jdbcUrl() {
    return "jdbc:mysql://127.0.0.1:" + port + "/" + DATABASE;
  }

  public String password() {
    return password;
  }

  public int port() {
    return port;
  }

  public Path socket() {
    return dir.resolve("mysqld.sock");
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl() + "?allowLoadLocalInfile=true", USER, password);
  }

  /** Runs SQL as root over the unix socket, returning tab-separated output lines. */
  public List<String> admin(String sql) throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "admin-", ".out");
    run(
        List.of(
            which("mariadb"),
            "--no-defaults",
            "-S",
            socket().toString(),
            "-u",
            "root",
            "-N",
            "-B",
            "-e",
            sql),
        out,
        60);
    return Files.readAllLines(out);
  }

  /** A real shutdown: mariadbd stops and its port closes. */
  public void shutdown() throws IOException, InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    process = null;
  }

  /** Starts again on the same port and datadir. */
  public void restart() throws IOException, InterruptedException {
    startProcess();
  }

  /** Copies the datadir (shut down first) to {@code target}: a physical backup. */
  public void copyDataTo(Path target) throws IOException {
    if (process != null) {
      throw new IllegalStateException("shut the server down before copying its datadir");
    }
    copyTree(dir.resolve("data"), target);
  }

  /**
   * Replaces the datadir (shut down first) by a copy of {@code source}: a restore, or another
   * server's data.
   */
  public void replaceDataWith(Path source) throws IOException {
    if (process != null) {
      throw new IllegalStateException("shut the server down before replacing its datadir");
    }
    deleteTree(dir.resolve("data"));
    copyTree(source, dir.resolve("data"));
  }

  /** The datadir, to copy from while the server is shut down. */
  public Path dataDir() {
    return dir.resolve("data");
  }

  private static void copyTree(Path source, Path target) throws IOException {
    try (var paths = Files.walk(source)) {
      for (Path p : paths.toList()) {
        Path to = target.resolve(source.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    try {
      shutdown();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteTree(dir);
  }

  private void startProcess() throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                which("mariadbd"),
                "--no-defaults",
                "--datadir=" + dir.resolve("data"),
                "--socket=" + socket(),
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--user=root",
                "--pid-file=" + dir.resolve("mysqld.pid"),
                "--innodb-buffer-pool-size=256M",
                "--innodb-log-file-size=128M",
                "--max-connections=200",
                "--skip-name-resolve",
                "--log-error=" + dir.resolve("error.log")));
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mariadbd.out").toFile()))
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    long nextReport = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "mariadbd exited with " + process.exitValue() + ": " + tail(dir.resolve("error.log")));
      }
      Process ping =
          new ProcessBuilder(
                  which("mariadb"),
                  "--no-defaults",
                  "-S",
                  socket().toString(),
                  "-u",
                  "root",
                  "-e",
                  "select 1")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (ping.waitFor(10, TimeUnit.SECONDS) && ping.exitValue() == 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "mariadbd did not answer within 60 s: " + tail(dir.resolve("error.log")));
      }
      if (System.nanoTime() > nextReport) {
        System.out.println("still waiting for mariadbd on port " + port);
        nextReport = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      }
      Thread.sleep(200);
    }
  }

  private static void run(List<String> command, Path output, int seconds)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(command.get(0) + " did not finish within " + seconds + " s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          command.get(0) + " failed (" + p.exitValue() + "): " + tail(output));
    }
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no " + file + ")";
    }
  }

  /**
   * The absolute path of a program on PATH (or /usr/sbin, /usr/bin); fails when it is not
   * installed.
   */
  public static String which(String binary) {
    List<String> dirs =
        new ArrayList<>(
            List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.add("/usr/sbin");
    dirs.add("/usr/bin");
    for (String d : dirs) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, binary))) {
        return Path.of(d, binary).toString();
      }
    }
    throw new IllegalStateException(
        binary + " is missing: install its Debian package (scripts/setup)");
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
