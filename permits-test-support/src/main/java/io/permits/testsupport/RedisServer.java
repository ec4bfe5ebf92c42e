package io.permits.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of the test's own, on a free loopback port, with its data in a temporary
 * directory; killed when closed. Tests depend on no server they did not start ({@code
 * bin/test-deps} installs the {@code redis-server} binary when it is missing).
 */
public final class RedisServer implements AutoCloseable {

  private final Path directory;
  private final int port;
  private final boolean appendOnly;
  private Process process;

  private RedisServer(Path directory, int port, boolean appendOnly) throws IOException {
    this.directory = directory;
    this.port = port;
    this.appendOnly = appendOnly;
    this.process = launch(directory, port, appendOnly);
  }

  /**
   * Starts a server without persistence.
   *
   * @return the running server
   */
  public static RedisServer start() {
    return start(false);
  }

  /**
   * Starts a server with an append-only file synced on every write.
   *
   * @return the running server
   */
  public static RedisServer startWithAppendOnlyFile() {
    return start(true);
  }

  private static RedisServer start(boolean appendOnly) {
    try {
      return new RedisServer(Files.createTempDirectory("redis-test"), freePort(), appendOnly);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Kills the server with SIGKILL.
   *
   * @throws InterruptedException if interrupted while waiting for it to end
   */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** Starts the server again on the same port and directory. */
  public void restart() {
    try {
      process = launch(directory, port, appendOnly);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The server's URI.
   *
   * @return {@code redis://127.0.0.1:PORT}
   */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  private static Process launch(Path directory, int port, boolean appendOnly)
      throws IOException {
    Process process =
        new ProcessBuilder(
                List.of(
                    "redis-server",
                    "--port", Integer.toString(port),
                    "--bind", "127.0.0.1",
                    "--dir", directory.toString(),
                    "--save", "",
                    "--appendonly", appendOnly ? "yes" : "no",
                    "--appendfsync", "always"))
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("redis.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return process;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new IOException(
              "redis-server exited: " + Files.readString(directory.resolve("redis.log")));
        }
        Thread.onSpinWait();
      }
    }
    process.destroyForcibly(); // no caller gets it to close
    throw new IOException("redis-server did not listen on port " + port + " within 20 s");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Kills the server if it runs. */
  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
