package io.permits.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.codec.ByteArrayCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** Reads semaphores without opening them: for {@code permits status}. */
final class StatusQueries {

  private StatusQueries() {}

  static RedisSemaphoreStatus status(RedisClient client, String name, RedisKeys keys) {
    try (var connection = client.connect(ByteArrayCodec.INSTANCE)) {
      List<Object> state =
          RedisScripts.STATE.run(connection.async(), keys, List.of())
              .orTimeout(30, TimeUnit.SECONDS)
              .join(); // waits through interrupts, and keeps them
      int limit = RedisSemaphore.toInt(state.get(0));
      if (limit < 0) {
        throw new IllegalStateException("no semaphore '" + name + "' in Redis");
      }
      return new RedisSemaphoreStatus(
          name, limit, HolderRecord.holders(state), HolderRecord.waiters(state));
    } catch (CompletionException | RedisException failed) { // the last: connecting failed
      Throwable cause = failed.getCause();
      if (!(failed instanceof CompletionException) || cause == null) {
        cause = failed;
      }
      throw new RedisSemaphoreException(
          "semaphore '" + name + "': status failed: " + cause.getMessage(), cause);
    }
  }

  static List<String> names(RedisClient client) {
    try (var connection = client.connect()) {
      List<String> names = new ArrayList<>();
      ScanIterator<String> keys =
          ScanIterator.scan(connection.sync(), ScanArgs.Builder.matches("{permits:*}:limit"));
      while (keys.hasNext()) {
        String key = keys.next();
        names.add(key.substring("{permits:".length(), key.length() - "}:limit".length()));
      }
      names.sort(null);
      return names;
    } catch (RedisException failed) {
      throw new RedisSemaphoreException(
          "listing the semaphores failed: " + failed.getMessage(), failed);
    }
  }
}
