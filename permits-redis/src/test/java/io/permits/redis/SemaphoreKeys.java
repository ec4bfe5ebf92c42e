package io.permits.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.permits.tck.Await;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A semaphore's keys as the fault tests read them, straight from Redis on an admin connection of
 * their own (not through a proxy): {@code used}, the {@code holders} zset, the permits in the
 * {@code records} hash (the first field of each record) and the {@code queue}. Nothing here runs
 * the semaphore's scripts, so nothing expired is purged by reading.
 */
final class SemaphoreKeys implements AutoCloseable {

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;
  private final String tag;

  SemaphoreKeys(String uri, String name) {
    this.client = RedisClient.create(uri);
    this.connection = client.connect();
    this.redis = connection.sync();
    this.tag = "{permits:" + name + "}";
  }

  /** The admin connection's commands, for faults such as {@code CLIENT PAUSE}. */
  RedisCommands<String, String> admin() {
    return redis;
  }

  /** {@code used}: the permits in use by Redis's count (0 when the key is missing). */
  long used() {
    String used = redis.get(tag + ":used");
    return used == null ? 0 : Long.parseLong(used);
  }

  /** How many entries {@code holders} has. */
  long holders() {
    return redis.zcard(tag + ":holders");
  }

  /** The sum of the permits of the {@code records} (each record's first field). */
  long recordedPermits() {
    long sum = 0;
    for (String record : redis.hvals(tag + ":records")) {
      sum += Long.parseLong(record.substring(0, record.indexOf(' ')));
    }
    return sum;
  }

  /** How many tickets {@code queue} has. */
  long queued() {
    return redis.zcard(tag + ":queue");
  }

  /** Nothing held: no holder, no record, {@code used} 0. */
  boolean nothingHeld() {
    return used() == 0 && holders() == 0 && recordedPermits() == 0;
  }

  /** The keys' state, for failure messages (each record's first four fields only). */
  String describe() {
    Map<String, String> records = new TreeMap<>();
    redis
        .hgetall(tag + ":records")
        .forEach(
            (id, record) -> {
              List<String> fields = Arrays.asList(record.split(" ", 5));
              records.put(id, String.join(" ", fields.subList(0, Math.min(4, fields.size()))));
            });
    return "used " + redis.get(tag + ":used") + ", holders "
        + redis.zrangeWithScores(tag + ":holders", 0, -1) + ", records " + records + ", queue "
        + queued();
  }

  /**
   * Waits at most {@code within} (and at most {@link Await#PATIENCE}) until nothing is held, and
   * fails with the keys' state if it still is.
   */
  void awaitNothingHeld(Duration within, String why) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    Await.until(
        () -> nothingHeld() || System.nanoTime() - deadline > 0,
        () -> why + ": still held: " + describe());
    if (!nothingHeld()) {
      throw new AssertionError(
          why + ": still held " + within.toMillis() + " ms later: " + describe());
    }
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
