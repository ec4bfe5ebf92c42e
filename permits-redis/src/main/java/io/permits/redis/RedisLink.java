package io.permits.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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

  /**
   * The I/O threads and timers of the clients that semaphores built from a URI make for
   * themselves: one set for the JVM, made on first use. A client of its own each (its own event
   * loops, timer and pools) made a semaphore closed while counts were still read — each read
   * opens the connections again — cost a set of threads per read until their shutdown's quiet
   * period passed; the stress run exhausted the machine that way ("Unable to connect").
   */
  private static final class SharedResources {
    private static final ClientResources RESOURCES = DefaultClientResources.create();

    static ClientResources get() {
      return RESOURCES;
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final @Nullable RedisClient givenClient;
  private final @Nullable RedisURI uri;
  private final String wakeChannel;
  private final BiConsumer<String, String> onMessage;

  // guarded by lock
  private @Nullable RedisClient client;
  private @Nullable StatefulRedisConnection<byte[], byte[]> connection;
  private @Nullable StatefulRedisPubSubConnection<String, String> wake;
  private @Nullable RedisAsyncCommands<byte[], byte[]> commands;
  private int users = 1; // the semaphore's own
  private boolean retired;

  RedisLink(
      @Nullable RedisClient givenClient,
      @Nullable RedisURI uri,
      String wakeChannel,
      BiConsumer<String, String> onMessage) {
    this.givenClient = givenClient;
    this.uri = uri;
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
      if (commands == null) {
        open();
      }
      users++;
      return commands;
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
   * Connects on a thread of its own and waits for it without being interruptible: Lettuce's
   * connect fails when the waiting thread is interrupted, which turned an interrupt sent to a
   * thread reading a count of a closed semaphore (reopening its connections) into a {@code
   * RedisConnectionException} (found by the stress run); the interrupt is kept for the caller.
   */
  private void open() {
    CompletableFuture<@Nullable Void> opened = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("permits-redis-connect")
        .start(
            () -> {
              try {
                connect();
                opened.complete(null);
              } catch (Throwable failed) {
                closeAll(); // what was opened before the failure
                opened.completeExceptionally(failed);
              }
            });
    try {
      Uninterruptibly.get(opened);
    } catch (ExecutionException failed) {
      if (failed.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (failed.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(failed.getCause());
    }
  }

  private void connect() {
    client = givenClient != null ? givenClient : RedisClient.create(SharedResources.get(), uri);
    // scripts go as bytes: Netty's UTF-8 writer, without Unsafe on JDK 24+, put string arguments
    // into direct buffers a char at a time, a sixth of the I/O thread's time under load
    connection = client.connect(ByteArrayCodec.INSTANCE);
    commands = connection.async();
    wake = client.connectPubSub();
    wake.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            onMessage.accept(channel, message);
          }
        });
    wake.sync().subscribe(wakeChannel);
  }

  private void closeAll() {
    if (givenClient == null && client != null) {
      // closes its connections too (closing them first made Lettuce warn, at every close, that
      // they were already closed)
      client.shutdownAsync();
    } else {
      if (wake != null) {
        wake.closeAsync();
      }
      if (connection != null) {
        connection.closeAsync();
      }
    }
    wake = null;
    connection = null;
    commands = null;
    client = null;
  }
}
