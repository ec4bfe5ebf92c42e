package io.permits.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of the test's own, on a free loopback port, with its data in a temporary
 * directory; stopped (immediately) and deleted when closed. Tests depend on no server they did
 * not start; {@code bin/test-deps} installs the Debian package {@code postgresql} when the
 * binaries are missing.
 *
 * <p>It runs the machine's binaries ({@code initdb}, {@code pg_ctl}, {@code postgres}): the
 * newest {@code /usr/lib/postgresql/N/bin}, or the directory named by the environment variable
 * {@code PERMITS_POSTGRES_BIN}, or {@code pg_ctl} on the PATH. PostgreSQL refuses to run as root;
 * as root (CI), every command runs as the OS user {@code postgres} through {@code runuser}, on a
 * data directory owned by that user. One cluster is made with {@code initdb} per JVM and copied
 * for each server, so a server starts in a fraction of a second.
 *
 * <p>Settings: {@code fsync=off} (a test's data need survive a process crash, which the OS page
 * cache does, not a machine crash), {@code synchronous_commit=on} (a commit is in the WAL, so an
 * immediate stop or a kill loses no acknowledged write), trust authentication for the user
 * {@code postgres}, 300 connections.
 *
 * <pre>{@code
 * try (PostgresServer server = PostgresServer.start()) {
 *   String url = server.jdbcUrl();  // jdbc:postgresql://127.0.0.1:PORT/postgres, user postgres
 *   server.stopImmediately();       // as a crash: no checkpoint, recovery at the next start
 *   server.restart();
 * }
 * }</pre>
 */
public final class PostgresServer implements AutoCloseable {

  private static final String OS_USER = "postgres";
  private static final long START_SECONDS = 60;
  private static volatile Path template; // an initdb'd cluster, made once per JVM

  private final Path bin;
  private final Path directory;
  private final Path data;
  private final int port;

  private PostgresServer(Path bin, Path directory, int port) throws IOException {
    this.bin = bin;
    this.directory = directory;
    this.data = directory.resolve("data");
    this.port = port;
    copy(cluster(bin), data);
    launch();
  }

  /**
   * Starts a server.
   *
   * @return the running server
   * @throws IllegalStateException if no PostgreSQL binaries are found
   */
  public static PostgresServer start() {
    try {
      Path bin = binaries();
      Path directory = ownedDirectory("postgres-test");
      return new PostgresServer(bin, directory, freePort());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The JDBC URL of the server's database {@code postgres} (user {@code postgres}, no password).
   *
   * @return {@code jdbc:postgresql://127.0.0.1:PORT/postgres}
   */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /**
   * The user to connect as.
   *
   * @return {@code postgres}
   */
  public String user() {
    return OS_USER;
  }

  /**
   * The server's port on 127.0.0.1.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Runs SQL with {@code psql} and returns what it printed (unaligned, tuples only).
   *
   * @param sql one or more statements
   * @return the output, trimmed
   * @throws IllegalStateException if psql fails
   */
  public String psql(String sql) {
    return run(
        List.of(bin.resolve("psql").toString(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", OS_USER, "-d", "postgres",
            "-c", sql),
        false);
  }

  /** Stops the server as an administrator would: connections ended, a checkpoint written. */
  public void stopFast() {
    pgCtl("stop", "-m", "fast");
  }

  /**
   * Stops the server as a crash would: every process quits at once, no checkpoint; the next
   * start recovers from the WAL (which holds every commit: {@code synchronous_commit=on}).
   */
  public void stopImmediately() {
    pgCtl("stop", "-m", "immediate");
  }

  /**
   * Kills the postmaster and every server process with SIGKILL, and waits for them to be gone.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void kill() throws InterruptedException {
    Optional<ProcessHandle> postmaster = postmaster();
    if (postmaster.isEmpty()) {
      return;
    }
    List<ProcessHandle> all = new ArrayList<>(postmaster.get().descendants().toList());
    all.add(postmaster.get());
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle process : all) {
      try {
        process.onExit().get(20, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("server process " + process.pid() + " did not end", e);
      }
    }
  }

  /** Starts the server again on the same port and data (after a stop or a kill). */
  public void restart() {
    launch();
  }

  /**
   * The postmaster's process, if the server runs.
   *
   * @return its handle
   */
  public Optional<ProcessHandle> postmaster() {
    Path pidFile = data.resolve("postmaster.pid");
    try {
      if (!Files.exists(pidFile)) {
        return Optional.empty();
      }
      String first = Files.readAllLines(pidFile, StandardCharsets.UTF_8).get(0).trim();
      return ProcessHandle.of(Long.parseLong(first)).filter(ProcessHandle::isAlive);
    } catch (IOException | RuntimeException unreadable) {
      return Optional.empty();
    }
  }

  /** Stops the server at once if it runs, and deletes its data. */
  @Override
  public void close() {
    try {
      if (postmaster().isPresent()) {
        stopImmediately();
      }
    } finally {
      delete(directory);
    }
  }

  private void launch() {
    String options =
        String.join(
            " ",
            "-p", Integer.toString(port),
            "-k", directory.toString(),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off",
            "-c", "full_page_writes=off",
            "-c", "synchronous_commit=on",
            "-c", "max_connections=300",
            "-c", "shared_buffers=32MB");
    pgCtl("start", "-w", "-t", Long.toString(START_SECONDS), "-l",
        directory.resolve("server.log").toString(), "-o", options);
  }

  private void pgCtl(String... args) {
    List<String> command = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D",
        data.toString()));
    command.addAll(List.of(args));
    try {
      run(command, true);
    } catch (IllegalStateException failed) {
      throw new IllegalStateException(failed.getMessage() + "\nserver log:\n" + logTail(), failed);
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(directory.resolve("server.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException | RuntimeException none) {
      return "(none)";
    }
  }

  /** Runs a command (as the postgres user when we are root) and returns its output. */
  private static String run(List<String> command, boolean asServerUser) {
    List<String> full = new ArrayList<>();
    if (asServerUser && isRoot()) {
      full.addAll(List.of("runuser", "-u", OS_USER, "--"));
    }
    full.addAll(command);
    try {
      Process process =
          new ProcessBuilder(full)
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(START_SECONDS * 2, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", full) + " did not end");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", full) + " exited with " + process.exitValue() + ": " + output);
      }
      return output.trim();
    } catch (IOException failed) {
      throw new UncheckedIOException("cannot run " + full, failed);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + full, interrupted);
    }
  }

  /** The template cluster, made with initdb on first use. */
  private static Path cluster(Path bin) throws IOException {
    Path made = template;
    if (made != null) {
      return made;
    }
    synchronized (PostgresServer.class) { // once per JVM; tests start servers from one thread
      if (template == null) {
        Path directory = ownedDirectory("postgres-template");
        Path cluster = directory.resolve("data");
        run(
            List.of(bin.resolve("initdb").toString(), "-D", cluster.toString(), "-U", OS_USER,
                "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"),
            true);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(directory)));
        template = cluster;
      }
      return template;
    }
  }

  private static void copy(Path from, Path to) {
    run(List.of("cp", "-a", from.toString(), to.toString()), true);
  }

  /** A temporary directory the server's user owns (as root: chowned to postgres). */
  private static Path ownedDirectory(String prefix) throws IOException {
    Path directory = Files.createTempDirectory(prefix);
    if (isRoot()) {
      UserPrincipal user =
          directory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
      Files.setOwner(directory, user);
    }
    return directory;
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** The directory of initdb, pg_ctl and postgres. */
  private static Path binaries() {
    String configured = System.getenv("PERMITS_POSTGRES_BIN");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        Optional<Path> newest =
            versions
                .filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                .max(Comparator.comparingInt(PostgresServer::version));
        if (newest.isPresent()) {
          return newest.get().resolve("bin");
        }
      } catch (IOException unreadable) {
        // look on the PATH
      }
    }
    for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, "initdb"))) {
        return Path.of(entry);
      }
    }
    throw new IllegalStateException(
        "no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql/N/bin, in"
            + " PERMITS_POSTGRES_BIN or on the PATH: run bin/test-deps, or install the package"
            + " 'postgresql'");
  }

  private static int version(Path directory) {
    try {
      return Integer.parseInt(directory.getFileName().toString());
    } catch (NumberFormatException notANumber) {
      return 0;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void delete(Path directory) {
    try (Stream<Path> all = Files.walk(directory)) {
      all.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | UncheckedIOException gone) {
      // best effort: a temporary directory
    }
  }
}
