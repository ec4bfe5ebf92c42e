package io.permits.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The wake-ups of every semaphore of one data source in this JVM: a single connection, borrowed
 * from the data source while requests of any of them wait, that LISTENs on one channel and passes
 * each notification ("id token": a release handed the ticket {@code id} its permits) to the
 * semaphore whose client id begins the ticket's id.
 */
final class WakeListener {

  /*
   * Implementation notes. One listening connection per data source and JVM, on a virtual thread,
   * however many semaphores (a keyed semaphore makes one per key in use) and requests wait: they
   * park, and this thread unparks the one a notification names. A semaphore joins when it is
   * built and leaves when it closes; the last to leave stops the listener and removes it from
   * SHARED, both inside the map's compute for the data source, so a semaphore that joins meanwhile
   * either joins this listener before it stops or makes a new one (with a channel of its own).
   *
   * The thread starts when the first request is about to queue (start() returns once LISTEN ran,
   * or after READY_PATIENCE_MILLIS: a request never waits long for it) and gives its connection
   * back, after UNLISTEN, once no semaphore has had a waiting request for IDLE_MILLIS. Whether to
   * stop is decided under `lock`, against anyWaiting(), which a request makes true before it calls
   * start(): so a request that registers as the thread stops either keeps it running or starts a
   * new one.
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

  /** A semaphore that listens: where its notifications go, and whether it has waiters. */
  private record Member(Receiver receiver, BooleanSupplier anyWaiting) {}

  private static final System.Logger LOG = System.getLogger(WakeListener.class.getName());
  private static final long READY_PATIENCE_MILLIS = 1_000;
  private static final long IDLE_MILLIS = 5_000;
  private static final int POLL_MILLIS = 250;
  private static final long RECONNECT_MILLIS = 200;
  private static final ConcurrentHashMap<DataSource, WakeListener> SHARED =
      new ConcurrentHashMap<>();

  private final DataSource dataSource;
  private final String channel = "permits_" + UUID.randomUUID().toString().replace("-", "");
  private final ConcurrentHashMap<String, Member> members = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private @Nullable CompletableFuture<Void> running; // under lock: listening, or about to
  private volatile boolean stopped;

  private WakeListener(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Joins the listener of {@code dataSource}, making it if this is its first semaphore.
   *
   * @param clientId the semaphore's client id, which begins every ticket id of it
   * @param receiver gets the notifications for its tickets
   * @param anyWaiting whether it has requests waiting
   * @return the listener, to {@link #leave(String)} when the semaphore closes
   */
  static WakeListener join(
      DataSource dataSource, String clientId, Receiver receiver, BooleanSupplier anyWaiting) {
    return SHARED.compute(
        dataSource,
        (source, listener) -> {
          WakeListener joined = listener == null ? new WakeListener(source) : listener;
          joined.members.put(clientId, new Member(receiver, anyWaiting));
          return joined;
        });
  }

  /** The semaphore of {@code clientId} closed: the last to leave stops the listener for good. */
  void leave(String clientId) {
    SHARED.compute(
        dataSource,
        (source, listener) -> {
          members.remove(clientId);
          if (listener != this) {
            return listener; // this one was replaced already
          }
          if (members.isEmpty()) {
            stopped = true;
            return null;
          }
          return this;
        });
  }

  /** The channel its connection listens on, which the acquire function notifies. */
  String channel() {
    return channel;
  }

  private boolean anyWaiting() {
    for (Member member : members.values()) {
      if (member.anyWaiting().getAsBoolean()) {
        return true;
      }
    }
    return false;
  }

  private void dispatch(String payload) {
    int end = payload.indexOf(':');
    Member member = end < 0 ? null : members.get(payload.substring(0, end));
    if (member != null) {
      member.receiver().wake(payload);
    }
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
        Thread.ofVirtual().name("permits-postgres-listener").start(() -> listen(started));
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
              "listening for wake-ups failed ({0}); listening again", failed.getMessage());
          ready.complete(null); // the requests poll meanwhile
          try {
            Thread.sleep(RECONNECT_MILLIS);
          } catch (InterruptedException stop) {
            return;
          }
          if (anyWaiting()) {
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
            dispatch(notification.getParameter());
          }
        }
        if (anyWaiting()) {
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
      if (anyWaiting()) {
        return false;
      }
      running = null;
      return true;
    } finally {
      lock.unlock();
    }
  }
}
