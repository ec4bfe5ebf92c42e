package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A semaphore's state in Redis written with direct commands, for measuring what one grant costs
 * the server: a limit of 1, one lease holding it, and a queue of {@code length} tickets of 1
 * permit each whose deadlines (and the lease's expiry) are a day away, so nothing lapses. {@link
 * #release} runs the release script on the current lease, which hands the permit to the head
 * ticket, then reads that ticket's new lease (its token) and queues one ticket more at the tail:
 * the queue stays at {@code length}. {@link #askAtTail} runs the acquire script for the ticket at
 * the tail, which cannot be granted and only refreshes its ticket (a waiter asking again).
 */
final class SyntheticQueue implements AutoCloseable {

  /** Runs one operation of the script; {@link #REAL} through {@link RedisScripts#run}. */
  interface Runner {
    List<Object> run(
        RedisAsyncCommands<byte[], byte[]> redis, RedisKeys keys, RedisScripts op, String... args)
        throws Exception;
  }

  /** The RELEASE operation's arguments are the (id, token) it carries. */
  static final Runner REAL =
      (redis, keys, op, args) ->
          await(
              op == RedisScripts.RELEASE
                  ? op.run(redis, keys, List.of(args))
                  : op.run(redis, keys, List.of(), args));

  private static final String CLIENT = "synthetic";
  private static final String WHO = "4242 synthetic-host grant-work";
  private static final long DAY_MS = TimeUnit.DAYS.toMillis(1);

  private final StatefulRedisConnection<String, String> text;
  private final StatefulRedisConnection<byte[], byte[]> bytes;
  private final RedisKeys keys;
  private final String tag;
  private final long farMs;
  private final String ticket;
  private long arrivals; // tickets queued so far: t1, t2, ...
  private long granted; // tickets granted so far (FIFO: t1, t2, ...)
  private String holder = "h0";
  private String token = "1000";

  /**
   * Deletes everything on the server and writes the state for a queue of {@code length}, its keys
   * expiring as a semaphore's with {@code expireWhenIdle(idleMillis)} would (0: never).
   */
  SyntheticQueue(RedisClient client, String name, int length, long idleMillis) throws Exception {
    this.text = client.connect();
    this.bytes = client.connect(ByteArrayCodec.INSTANCE);
    this.keys = new RedisKeys(name, idleMillis);
    this.tag = "{permits:" + name + "}";
    RedisCommands<String, String> redis = text.sync();
    List<String> time = redis.time();
    long now = Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
    this.farMs = now + DAY_MS;
    this.ticket = "1 " + farMs + " " + DAY_MS + " " + CLIENT + " " + now + " " + WHO;
    redis.flushall();
    redis.set(tag + ":limit", "1");
    redis.set(tag + ":used", "1");
    redis.set(tag + ":fence", token);
    redis.set(tag + ":limit-version", "1");
    redis.hset(tag + ":records", holder, "1 " + token + " " + now + " " + WHO);
    redis.zadd(tag + ":holders", farMs, holder);
    List<RedisFuture<?>> writes = new java.util.ArrayList<>();
    for (int i = 0; i < length; i++) {
      writes.addAll(queueAtTail());
    }
    for (RedisFuture<?> write : writes) {
      await(write);
    }
    assertThat(redis.zcard(tag + ":queue")).isEqualTo(length);
    if (idleMillis > 0) { // the fence holds the keys' common expiry (see common.lua's keep_alive)
      redis.pexpireat(tag + ":fence", farMs + idleMillis);
    }
  }

  /** The commands that queue one ticket at the tail (not awaited). */
  private List<RedisFuture<?>> queueAtTail() {
    RedisAsyncCommands<String, String> redis = text.async();
    String id = "t" + ++arrivals;
    return List.of(
        redis.set(tag + ":sequence", Long.toString(arrivals)),
        redis.zadd(tag + ":queue", arrivals, id),
        redis.hset(tag + ":tickets", id, ticket));
  }

  /**
   * Releases the current lease with {@code runner}, checks that the permit went to the head ticket,
   * takes that lease as the current one and queues a ticket at the tail.
   *
   * @return the script's reply
   */
  List<Object> release(Runner runner) throws Exception {
    List<Object> reply = runner.run(bytes.async(), keys, RedisScripts.RELEASE, holder, token);
    assertThat(reply).as("permits released by %s", holder).containsExactly(1L);
    holder = "t" + ++granted;
    RedisAsyncCommands<String, String> redis = text.async();
    RedisFuture<String> record = redis.hget(tag + ":records", holder);
    RedisFuture<Long> leases = redis.hlen(tag + ":records");
    RedisFuture<String> used = redis.get(tag + ":used");
    for (RedisFuture<?> write : queueAtTail()) {
      await(write);
    }
    assertThat(await(record)).as("the lease handed to the head %s", holder).isNotNull();
    assertThat(await(leases)).as("leases").isEqualTo(1);
    assertThat(await(used)).as("used").isEqualTo("1");
    token = await(record).split(" ")[1];
    return reply;
  }

  /**
   * Runs the acquire script with {@code runner} for the ticket at the tail, which asks again and
   * is not granted: it stays queued, where it was.
   *
   * @return the script's reply
   */
  List<Object> askAtTail(Runner runner) throws Exception {
    String id = "t" + arrivals;
    List<Object> reply =
        runner.run(
            bytes.async(), keys, RedisScripts.ACQUIRE,
            id, "1", Long.toString(DAY_MS), Long.toString(DAY_MS), CLIENT, WHO, "1");
    assertThat(reply.get(0)).as("%s not granted", id).isEqualTo(0L);
    RedisCommands<String, String> redis = text.sync();
    assertThat(redis.zscore(tag + ":queue", id)).as("%s's place", id).isEqualTo(arrivals);
    assertThat(redis.zcard(tag + ":queue")).as("queued").isEqualTo(arrivals - granted);
    return reply;
  }

  /** {@code INFO commandstats}: each command's calls and microseconds, by name. */
  Map<String, long[]> commandStats() {
    Map<String, long[]> stats = new TreeMap<>();
    for (String line : text.sync().info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_")) {
        String name = line.substring("cmdstat_".length(), line.indexOf(':'));
        long calls = 0;
        long usec = 0;
        for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
          String[] pair = field.split("=");
          if (pair[0].equals("calls")) {
            calls = Long.parseLong(pair[1]);
          } else if (pair[0].equals("usec")) {
            usec = Long.parseLong(pair[1]);
          }
        }
        stats.put(name, new long[] {calls, usec});
      }
    }
    return stats;
  }

  /** {@code CONFIG RESETSTAT}. */
  void resetStats() {
    text.sync().configResetstat();
  }

  static <T> T await(java.util.concurrent.Future<T> reply)
      throws InterruptedException, ExecutionException, TimeoutException {
    return reply.get(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    bytes.close();
    text.close();
  }
}
