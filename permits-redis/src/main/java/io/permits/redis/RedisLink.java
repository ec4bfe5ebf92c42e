package io.permits.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A semaphore's connections to Redis (one for scripts, one subscribed to its wake channel),
 * counted by use: the semaphore itself, each request while it talks to Redis, each lease still
 * held. They close when the semaphore is closed and the last use ends, so a lease held past
 * {@code close()} can still be renewed and released; a use after that (a count read of a closed
 * semaphore) opens them again, and closes them when done.
 */
final class RedisLink {

  private final ReentrantLock lock = new ReentrantLock();
  private final RedisClient client; // the user's, or shared (SharedClients): never shut down here
  private final String wakeChannel;
  private final BiConsumer<String, String> onMessage;
  private final java.time.Duration openPatience;

  // guarded by lock
  private @Nullable StatefulRedisConnection<byte[], byte[]> connection;
  private @Nullable StatefulRedisPubSubConnection<String, String> wake;
  private @Nullable RedisAsyncCommands<byte[], byte[]> commands;
  private int users = 1; // the semaphore's own
  private boolean retired;

  /** Opens the connections, waiting at most {@code openPatience} ({@link #OPEN_PATIENCE}). */
  RedisLink(
      RedisClient client,
      String wakeChannel,
      BiConsumer<String, String> onMessage,
      java.time.Duration openPatience) {
    this.openPatience = openPatience;
    this.client = client;
    this.wakeChannel = wakeChannel;
    this.onMessage = onMessage;
    lock.lock();
    try {
      open();
    } catch (RuntimeException failed) {
      closeAll();
      throw failed;
    } finally {
      lock.unlock();
    }
  }

  /** Takes a use and returns the commands to run with it; pair with {@link #release()}. */
  RedisAsyncCommands<byte[], byte[]> retain() {
    lock.lock();
    try {
      RedisAsyncCommands<byte[], byte[]> current = commands;
      if (current == null) {
        current = open();
      }
      users++;
      return current;
    } finally {
      lock.unlock();
    }
  }

  /** Gives back a use; the last, once retired, closes the connections. */
  void release() {
    lock.lock();
    try {
      if (--users == 0 && retired) {
        closeAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The semaphore closed: gives back its own use. */
  void retire() {
    lock.lock();
    try {
      if (retired) {
        return;
      }
      retired = true;
    } finally {
      lock.unlock();
    }
    release();
  }

  /**
   * The longest {@link #open} waits for the connections: a connect that meets the client's
   * shutdown may never end (its handshake completes only from a listener that an event loop
   * already shut down refuses), and the lock would stay held for good.
   */
  static final java.time.Duration OPEN_PATIENCE = java.time.Duration.ofSeconds(90);

  /** What {@link #connect} opened. */
  private record Opened(
      @Nullable StatefulRedisConnection<byte[], byte[]> connection,
      @Nullable StatefulRedisPubSubConnection<String, String> wake) {}

  /**
   * Connects on a thread of its own and waits for it without being interruptible (Lettuce fails a
   * connect whose waiting thread is interrupted; the interrupt is kept for the caller), at most
   * {@link #OPEN_PATIENCE}; connections that come later are closed by the connecting thread.
   */
  private RedisAsyncCommands<byte[], byte[]> open() {
    CompletableFuture<Opened> opened = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("permits-redis-connect")
        .start(
            () -> {
              try {
                Opened late = connect();
                if (!opened.complete(late)) {
                  close(late);
                }
              } catch (Throwable failed) {
                opened.completeExceptionally(failed);
              }
            });
    // a connect still running at the patience's end fails the wait; join() waits through
    // interrupts and keeps them for the caller
    opened.completeOnTimeout(null, openPatience.toMillis(), TimeUnit.MILLISECONDS);
    Opened now;
    try {
      now = opened.join();
    } catch (CompletionException failed) {
      if (failed.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (failed.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(failed.getCause());
    }
    if (now == null) {
      throw new RedisConnectionException(
          "connecting to Redis did not end within " + openPatience.toMillis() + " ms");
    }
    connection = java.util.Objects.requireNonNull(now.connection());
    wake = now.wake();
    RedisAsyncCommands<byte[], byte[]> async = connection.async();
    commands = async;
    return async;
  }

  /** Opens the connections; on failure, closes what it opened and throws. */
  private Opened connect() {
    StatefulRedisConnection<byte[], byte[]> scripts = null;
    StatefulRedisPubSubConnection<String, String> wakeUps = null;
    try {
      // scripts go as bytes: Netty's UTF-8 writer is slow without Unsafe (JDK 24+)
      scripts = client.connect(ByteArrayCodec.INSTANCE);
      wakeUps = client.connectPubSub();
      wakeUps.addListener(
          new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
              onMessage.accept(channel, message);
            }
          });
      wakeUps.sync().subscribe(wakeChannel);
      return new Opened(scripts, wakeUps);
    } catch (Throwable failed) {
      close(new Opened(scripts, wakeUps));
      throw failed;
    }
  }

  private void closeAll() {
    close(new Opened(connection, wake));
    wake = null;
    connection = null;
    commands = null;
  }

  /** Closes the connections (either may be null); the client stays, for others. */
  private static void close(Opened opened) {
    if (opened.wake() != null) {
      opened.wake().closeAsync();
    }
    if (opened.connection() != null) {
      opened.connection().closeAsync();
    }
  }
}
