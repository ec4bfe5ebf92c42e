package io.permits.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * One semaphore's wake-ups: a single connection, borrowed from the data source while requests of
 * this semaphore wait, that LISTENs on this client's channel and passes each notification ("id
 * token": a release handed the ticket {@code id} its permits) to the waiting request.
 */
final class WakeListener {

  /*
   * Implementation notes. One listening connection per semaphore and JVM, on a virtual thread,
   * however many requests wait: they park, and this thread unparks the one a notification names.
   * It starts when the first request is about to queue (start() returns once LISTEN ran, or after
   * READY_PATIENCE_MILLIS: a request never waits long for it) and gives its connection back, after
   * UNLISTEN, once nobody has waited for IDLE_MILLIS. Whether to stop is decided under `lock`,
   * against `anyWaiting`, which a request makes true before it calls start(): so a request that
   * registers as the thread stops either keeps it running or starts a new one.
   *
   * A notification is only a shortcut. PostgreSQL sends it at the grant's commit to the
   * connections then listening; one sent while this connection is being made again (the server
   * restarted, the connection was terminated) is lost, and the request finds its grant when it next
   * asks (every 300 ms): a lost notification costs time, not correctness.
   */

  /** Receives a notification's payload. */
  interface Receiver {
    void wake(String payload);
  }

  private static final System.Logger LOG = System.getLogger(WakeListener.class.getName());
  private static final long READY_PATIENCE_MILLIS = 1_000;
  private static final long IDLE_MILLIS = 5_000;
  private static final int POLL_MILLIS = 250;
  private static final long RECONNECT_MILLIS = 200;

  private final DataSource dataSource;
  private final String channel;
  private final String name;
  private final Receiver receiver;
  private final BooleanSupplier anyWaiting;
  private final ReentrantLock lock = new ReentrantLock();
  private @Nullable CompletableFuture<Void> running; // under lock: listening, or about to
  private volatile boolean stopped;

  WakeListener(
      DataSource dataSource, String channel, String name, Receiver receiver,
      BooleanSupplier anyWaiting) {
    this.dataSource = dataSource;
    this.channel = channel;
    this.name = name;
    this.receiver = receiver;
    this.anyWaiting = anyWaiting;
  }

  /**
   * Makes sure the connection listens, waiting for LISTEN at most a second (a request that then
   * queues before it listens learns of its grant when it next asks).
   */
  void start() {
    CompletableFuture<Void> ready;
    lock.lock();
    try {
      if (stopped) {
        return;
      }
      ready = running;
      if (ready == null) {
        CompletableFuture<Void> started = new CompletableFuture<>();
        running = started;
        ready = started;
        Thread.ofVirtual().name("permits-postgres-listener " + name).start(() -> listen(started));
      }
    } finally {
      lock.unlock();
    }
    boolean interrupted = Thread.interrupted();
    try {
      ready.completeOnTimeout(null, READY_PATIENCE_MILLIS, TimeUnit.MILLISECONDS).join();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops listening for good (the semaphore closed). */
  void stop() {
    stopped = true;
  }

  private void listen(CompletableFuture<Void> ready) {
    long idleSince = System.nanoTime();
    try {
      while (!stopped) {
        try (Connection connection = dataSource.getConnection()) {
          idleSince = listenOn(connection, ready, idleSince);
          if (idleSince == 0) {
            return; // idle: stopped under the lock, connection given back
          }
        } catch (SQLException | RuntimeException failed) {
          LOG.log(System.Logger.Level.DEBUG,
              "semaphore ''{0}'': listening failed ({1}); listening again", name,
              failed.getMessage());
          ready.complete(null); // the requests poll meanwhile
          try {
            Thread.sleep(RECONNECT_MILLIS);
          } catch (InterruptedException stop) {
            return;
          }
          if (anyWaiting.getAsBoolean()) {
            idleSince = System.nanoTime();
          } else if (idle(idleSince) && stopIfIdle()) {
            return;
          }
        }
      }
    } finally {
      lock.lock();
      try {
        if (running == ready) {
          running = null;
        }
      } finally {
        lock.unlock();
      }
      ready.complete(null);
    }
  }

  /** Listens on one connection; returns 0 once idle, else when it was last busy. */
  private long listenOn(Connection connection, CompletableFuture<Void> ready, long idleSince)
      throws SQLException {
    PGConnection listening = connection.unwrap(PGConnection.class);
    try (Statement statement = connection.createStatement()) {
      statement.execute("LISTEN \"" + channel + "\"");
      if (!connection.getAutoCommit()) {
        connection.commit();
      }
    }
    ready.complete(null);
    try {
      while (!stopped) {
        PGNotification[] notifications = listening.getNotifications(POLL_MILLIS);
        if (notifications != null) {
          for (PGNotification notification : notifications) {
            receiver.wake(notification.getParameter());
          }
        }
        if (anyWaiting.getAsBoolean()) {
          idleSince = System.nanoTime();
        } else if (idle(idleSince) && stopIfIdle()) {
          return 0;
        }
      }
      return idleSince;
    } finally {
      try (Statement statement = connection.createStatement()) {
        statement.execute("UNLISTEN *"); // the connection goes back to the pool
        if (!connection.getAutoCommit()) {
          connection.commit();
        }
      } catch (SQLException lost) {
        // a lost connection listens no more
      }
    }
  }

  private static boolean idle(long idleSince) {
    return System.nanoTime() - idleSince > TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS);
  }

  private boolean stopIfIdle() {
    lock.lock();
    try {
      if (anyWaiting.getAsBoolean()) {
        return false;
      }
      running = null;
      return true;
    } finally {
      lock.unlock();
    }
  }
}
