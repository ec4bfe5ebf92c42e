package io.permits.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.permits.Lease;
import io.permits.Permit;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of a semaphore and of a {@link GuardedResource}, run in a JVM of its own: {@code
 * PgWorkerMain JDBC-URL NAME LIMIT LEASE_MS PORT THREADS}. It opens the semaphore (its pool's
 * connections are named "permits-worker" in pg_stat_activity), prints {@code ready}, and waits
 * for a line on stdin; then each of THREADS threads, until stdin closes, acquires a permit, enters
 * the resource with the lease's token if the lease is held, leaves (saying whether the lease was
 * still held) and closes the lease. A failed acquire (the server
 * restarting, a connection terminated) is counted and tried again. At the end it prints {@code
 * done entries N errors M refused R}, R the replies other than OK.
 */
public final class PgWorkerMain {

  private PgWorkerMain() {}

  public static void main(String[] args) throws Exception {
    int threads = Integer.parseInt(args[5]);
    BufferedReader stdin =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (HikariDataSource pool = PgHoldMain.pool(args[0], "permits-worker");
        PostgresSemaphore semaphore =
            PostgresSemaphore.builder(pool)
                .name(args[1])
                .limit(Integer.parseInt(args[2]))
                .lease(Duration.ofMillis(Long.parseLong(args[3])))
                .build()) {
      System.out.println("ready");
      if (stdin.readLine() == null) {
        return;
      }
      AtomicLong entries = new AtomicLong();
      AtomicLong errors = new AtomicLong();
      AtomicLong refused = new AtomicLong();
      Thread untilEndOfInput =
          Thread.ofPlatform().daemon().start(() -> {
            try {
              while (stdin.readLine() != null) {
                // until the test closes it
              }
            } catch (IOException closed) {
              // the same: stop
            }
          });
      List<Thread> workers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        workers.add(Thread.ofPlatform().start(() -> {
          try (Connection resource = new Connection(Integer.parseInt(args[4]))) {
            while (untilEndOfInput.isAlive()) {
              Optional<Permit> permit;
              try {
                permit = semaphore.tryAcquire(Duration.ofSeconds(20));
              } catch (PostgresSemaphoreException failed) {
                errors.incrementAndGet();
                continue;
              }
              if (permit.isEmpty()) {
                continue;
              }
              try (Lease lease = (Lease) permit.get()) {
                if (!lease.isHeld()) { // lost before it could be used
                  continue;
                }
                if (!resource.call("ENTER " + lease.token()).equals("OK")) {
                  refused.incrementAndGet();
                }
                entries.incrementAndGet();
                resource.call((lease.isHeld() ? "EXIT " : "EXIT-LOST ") + lease.token());
              }
            }
          } catch (IOException | InterruptedException failed) {
            throw new IllegalStateException(failed);
          }
        }));
      }
      for (Thread worker : workers) {
        worker.join();
      }
      System.out.println(
          "done entries " + entries + " errors " + errors + " refused " + refused);
    }
  }

  /** One connection to the resource: a command line out, a reply line back. */
  private static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;
    private final PrintWriter out;

    Connection(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setTcpNoDelay(true);
      in = new BufferedReader(
          new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
    }

    String call(String command) throws IOException {
      out.println(command);
      String reply = in.readLine();
      if (reply == null) {
        throw new IOException("the resource closed the connection after " + command);
      }
      return reply;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
