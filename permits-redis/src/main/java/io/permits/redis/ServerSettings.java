package io.permits.redis;

import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Warns, once per semaphore opened, about server settings under which the guarantees do not hold
 * (see docs/distributed.md): an eviction policy that may drop the semaphore's keys, and
 * persistence that may lose grants and the fence on a crash. Read without waiting; a server
 * that refuses {@code CONFIG GET} (renamed or forbidden) is not checked. Also fails the opening of
 * a semaphore whose keys expire when idle on a server without the command that needs.
 */
final class ServerSettings {

  private static final System.Logger LOG = System.getLogger(ServerSettings.class.getName());

  private static final AtomicBoolean TOLD_OF_PERSISTENCE = new AtomicBoolean();

  private ServerSettings() {}

  static void warnIfUnsafe(String name, RedisLink link) {
    RedisAsyncCommands<byte[], byte[]> redis = link.retain();
    try {
      redis
          .configGet("maxmemory", "maxmemory-policy", "appendonly", "appendfsync")
          .whenComplete(
              (settings, refused) -> {
                link.release();
                if (refused == null) {
                  warn(name, settings);
                }
              });
    } catch (RuntimeException refused) {
      link.release();
    }
  }

  /**
   * Fails unless the server runs PEXPIRETIME (Redis 7.0), which the scripts call for keys that
   * expire when idle (common.lua's keep_alive): better at build than in the first script that
   * writes, once its writes are done.
   *
   * @param key one of the semaphore's keys (read, not changed)
   * @throws IllegalStateException if the server refuses the command
   * @throws RedisSemaphoreException if the server cannot be reached
   */
  static void requireExpireTime(String name, RedisLink link, byte[] key) {
    RedisAsyncCommands<byte[], byte[]> redis;
    try {
      redis = link.retain();
    } catch (RuntimeException unreachable) {
      throw unreachable(name, unreachable);
    }
    try {
      redis.pexpiretime(key).toCompletableFuture().join(); // waits through interrupts
    } catch (CompletionException failed) {
      Throwable cause = failed.getCause() != null ? failed.getCause() : failed;
      if (ScriptCalls.isServerError(cause)) {
        throw new IllegalStateException(
            "semaphore '" + name + "': expireWhenIdle needs PEXPIRETIME (Redis 7.0 or later),"
                + " which the server refused: " + cause.getMessage(),
            cause);
      }
      throw unreachable(name, cause);
    } finally {
      link.release();
    }
  }

  private static RedisSemaphoreException unreachable(String name, Throwable cause) {
    if (cause instanceof RedisSemaphoreException already) {
      return already;
    }
    return new RedisSemaphoreException(
        "semaphore '" + name + "': checking the server failed: " + cause.getMessage(), cause);
  }

  static void warn(String name, Map<String, String> settings) {
    String policy = settings.getOrDefault("maxmemory-policy", "noeviction");
    if (!policy.equals("noeviction") && !"0".equals(settings.get("maxmemory"))) {
      LOG.log(
          System.Logger.Level.WARNING,
          "semaphore ''{0}'': Redis has maxmemory-policy {1}: it may evict the semaphore''s keys"
              + " and so hand out permits twice; set maxmemory-policy noeviction",
          name,
          policy);
    }
    boolean durable =
        "yes".equals(settings.get("appendonly")) && "always".equals(settings.get("appendfsync"));
    if (!durable && TOLD_OF_PERSISTENCE.compareAndSet(false, true)) { // once per JVM
      LOG.log(
          System.Logger.Level.INFO,
          "semaphore ''{0}'': Redis has appendonly {1}, appendfsync {2}: a crash may lose the"
              + " latest grants (their permits may be handed out again, the fence is seeded"
              + " from the clock)",
          name,
          settings.get("appendonly"),
          settings.get("appendfsync"));
    }
  }
}
