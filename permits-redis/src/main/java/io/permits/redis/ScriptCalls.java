package io.permits.redis;

import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Runs one semaphore's scripts on its connections: {@link #send} without waiting, {@link #call}
 * waiting for the reply without being interruptible (a reply, a grant above all, is never dropped
 * because the waiting thread was interrupted; the interrupt is kept). Scripts sent by one
 * semaphore run in Redis in the order they were sent: they share one connection.
 */
final class ScriptCalls {

  private final String name;
  private final RedisKeys keys;
  private final RedisLink link;

  ScriptCalls(String name, RedisKeys keys, RedisLink link) {
    this.name = name;
    this.keys = keys;
    this.link = link;
  }

  /**
   * Sends a script; the future completes on Lettuce's thread.
   *
   * @throws RedisSemaphoreException if the connections cannot be opened
   */
  CompletableFuture<List<Object>> send(RedisScripts script, String... args) {
    RedisAsyncCommands<byte[], byte[]> redis;
    try {
      redis = link.retain();
    } catch (RuntimeException unreachable) {
      throw failure(script, unreachable);
    }
    CompletableFuture<List<Object>> reply;
    try {
      reply = script.run(redis, keys, args);
    } catch (RuntimeException failed) {
      link.release();
      throw failure(script, failed);
    }
    return reply.whenComplete((ignored, failure) -> link.release());
  }

  /**
   * Runs a script and waits for its reply.
   *
   * @throws RedisSemaphoreException if it failed or its outcome is unknown (timeout, connection
   *     lost)
   */
  List<Object> call(RedisScripts script, String... args) {
    try {
      return send(script, args).join(); // waits through interrupts, and keeps them
    } catch (CompletionException failed) {
      throw failure(script, failed.getCause());
    }
  }

  /** A failure that names the semaphore and the operation. */
  RedisSemaphoreException failure(RedisScripts script, Throwable cause) {
    if (cause instanceof RedisSemaphoreException already) {
      return already;
    }
    return new RedisSemaphoreException(
        "semaphore '" + name + "': " + script.name().toLowerCase() + " failed: "
            + cause.getMessage(),
        cause);
  }

  /** Whether a failure came from the server itself (a script error), not from the connection. */
  static boolean isServerError(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof io.lettuce.core.RedisCommandExecutionException) {
        return true;
      }
    }
    return false;
  }
}
