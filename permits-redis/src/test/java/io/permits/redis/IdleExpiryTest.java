package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.permits.Lease;
import io.permits.Permit;
import io.permits.tck.Await;
import io.permits.testsupport.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code expireWhenIdle}: the keys of a semaphore no one uses expire, those of one in use (a
 * lease held, a request queued) do not, a semaphore whose keys expired is made again with higher
 * tokens, and without the option no key ever gets an expiry. Every wait is for a state of Redis
 * (its keys, its clock), bounded by {@link Await#PATIENCE}; nothing asserts how long anything took.
 */
@Timeout(90)
class IdleExpiryTest {

  private static final Duration IDLE = Duration.ofMillis(200);

  /** The keys a semaphore has while a lease is held and a request queued: all but gone. */
  private static final Set<String> IN_USE =
      Set.of(":limit", ":holders", ":records", ":used", ":queue", ":tickets", ":fence",
          ":sequence", ":limit-version");

  /** Every key of a semaphore (the wake channels are not keys). */
  private static final List<String> KEYS =
      List.of(":limit", ":holders", ":records", ":used", ":queue", ":tickets", ":fence",
          ":sequence", ":limit-version", ":gone");

  private final RedisServer server = RedisServer.start();
  private final RedisClient admin = RedisClient.create(server.uri());
  private final StatefulRedisConnection<String, String> connection = admin.connect();
  private final RedisCommands<String, String> redis = connection.sync();

  @AfterEach
  void stopRedis() {
    connection.close();
    admin.shutdown();
    server.close();
  }

  /** A semaphore of 2 permits whose keys expire after {@code idle}, or never if it is null. */
  private RedisSemaphore semaphore(
      String name, Duration lease, @org.jspecify.annotations.Nullable Duration idle) {
    RedisSemaphore.Builder builder =
        RedisSemaphore.builder(server.uri()).name(name).limit(2).lease(lease);
    return idle == null ? builder.build() : builder.expireWhenIdle(idle).build();
  }

  @Test
  void theKeysOfASemaphoreGoOnceItsLastLeaseIsClosed() throws Exception {
    try (RedisSemaphore semaphore = semaphore("idle", Duration.ofMillis(600), IDLE)) {
      Lease first = semaphore.acquire();
      Lease second = semaphore.acquire();
      assertThat(expiries("idle")).as("every key expires").allSatisfy((key, at) ->
          assertThat(at).as(key).isPositive());

      first.close();
      second.close();

      awaitNoKeys("idle");
    }
  }

  @Test
  void aLeaseLongerThanTheIdleTimeAndAWaiterBehindItKeepEveryKeyAlive() throws Exception {
    Duration lease = Duration.ofMillis(1_500);
    try (RedisSemaphore holder = semaphore("busy", lease, IDLE);
        RedisSemaphore other = semaphore("busy", lease, IDLE)) {
      Lease held = holder.acquire();
      Lease alsoHeld = holder.acquire(); // both permits
      CompletableFuture<Permit> waiter = other.acquireAsync(1); // another client: queued in Redis
      Await.until(() -> redis.zcard("{permits:busy}:queue") == 1, () -> "the waiter queued");
      Map<String, Long> expiries = expiries("busy");
      assertThat(expiries.keySet()).isEqualTo(IN_USE);
      assertThat(Set.copyOf(expiries.values())).as("one expiry for all keys").hasSize(1);
      long wouldBeGone = expiries.get(":fence"); // unless renewals and refreshes move it

      Await.until(() -> serverMillis() > wouldBeGone, () -> "Redis's clock passed " + wouldBeGone);

      assertThat(expiries("busy").keySet()).as("the keys, past their first expiry")
          .isEqualTo(IN_USE);
      assertThat(held.isHeld()).isTrue();
      assertThat(waiter).isNotDone();
      held.close();
      try (Lease granted = (Lease) waiter.get(20, TimeUnit.SECONDS)) {
        assertThat(granted.token()).isGreaterThan(Math.max(held.token(), alsoHeld.token()));
      }
      alsoHeld.close();
      awaitNoKeys("busy");
    }
  }

  @Test
  void aQueuedRequestKeepsTheKeysTillItsTicketsDeadline() throws Exception {
    Duration lease = Duration.ofMillis(300); // shorter than a ticket's second
    try (RedisSemaphore holder = semaphore("ticket", lease, IDLE);
        RedisSemaphore other = semaphore("ticket", lease, IDLE)) {
      Lease first = holder.acquire();
      Lease second = holder.acquire();
      CompletableFuture<Permit> waiter = other.acquireAsync(1);
      Await.until(() -> redis.zcard("{permits:ticket}:queue") == 1, () -> "the waiter queued");

      long deadline = redis.hvals("{permits:ticket}:tickets").stream() // read first: it only grows
          .mapToLong(ticket -> Long.parseLong(ticket.split(" ")[1]))
          .max()
          .orElseThrow();
      long furthest = (long) redis.zrangeWithScores("{permits:ticket}:holders", -1, -1).get(0)
          .getScore();
      assertThat(deadline).as("the ticket's deadline, past every lease").isGreaterThan(furthest);
      assertThat(expiries("ticket")).allSatisfy((key, at) ->
          assertThat(at).as(key).isGreaterThanOrEqualTo(deadline + IDLE.toMillis()));

      first.close();
      waiter.get(20, TimeUnit.SECONDS).close();
      second.close();
    }
  }

  @Test
  void aSemaphoreWhoseKeysExpiredAcquiresAgainWithAHigherToken() throws Exception {
    try (RedisSemaphore semaphore = semaphore("again", Duration.ofMillis(600), IDLE)) {
      long highest = 0;
      for (int i = 0; i < 3; i++) {
        try (Lease lease = semaphore.acquire()) {
          highest = Math.max(highest, lease.token());
        }
      }
      awaitNoKeys("again");

      try (Lease lease = semaphore.acquire()) {
        assertThat(lease.token()).as("the token after the keys expired").isGreaterThan(highest);
        assertThat(redis.get("{permits:again}:limit")).as("the limit, made again").isEqualTo("2");
        assertThat(semaphore.available()).isEqualTo(1);
      }
    }
  }

  @Test
  void aFenceGoneWhileTheOtherKeysLiveIsSeededAgainFromTheClock() throws Exception {
    try (RedisSemaphore semaphore = semaphore("fence", Duration.ofSeconds(5), null)) {
      long before;
      try (Lease lease = semaphore.acquire()) {
        before = lease.token();
      }
      redis.del("{permits:fence}:fence"); // as if it alone had expired
      try (Lease lease = semaphore.acquire()) {
        assertThat(lease.token()).as("not 1: seeded from the clock").isGreaterThan(before);
      }
    }
  }

  @Test
  void aLimitChangeByAClientWithoutTheOptionKeepsTheLimitsExpiry() throws Exception {
    try (RedisSemaphore expiring = semaphore("keep", Duration.ofSeconds(5), IDLE);
        RedisSemaphore plain = semaphore("keep", Duration.ofSeconds(5), null)) {
      expiring.acquire().close();
      assertThat(redis.pttl("{permits:keep}:limit")).isPositive();
      plain.setLimit(3);
      assertThat(redis.pttl("{permits:keep}:limit")).as("KEEPTTL").isPositive();
      awaitNoKeys("keep");
    }
  }

  @Test
  void renewalsOfAShortLeaseDoNotCutShortTheKeysOfAnotherClientsLongerOne() throws Exception {
    try (RedisSemaphore longer = semaphore("mixed", Duration.ofSeconds(5), IDLE);
        RedisSemaphore shorter = semaphore("mixed", Duration.ofMillis(400), IDLE);
        Lease longLease = longer.acquire();
        Lease shortLease = shorter.acquire()) {
      String shortId = leaseIdOf(shortLease.token(), "mixed");
      double firstExpiry = redis.zscore("{permits:mixed}:holders", shortId);
      Await.until(
          () -> redis.zscore("{permits:mixed}:holders", shortId) > firstExpiry + 300,
          () -> "the short lease renewed a few times");

      double furthest = redis.zrangeWithScores("{permits:mixed}:holders", -1, -1).get(0).getScore();
      assertThat(furthest).as("the long lease's expiry").isGreaterThan(firstExpiry + 1_000);
      assertThat(expiries("mixed")).allSatisfy((key, at) ->
          assertThat(at).as(key).isGreaterThanOrEqualTo((long) furthest + IDLE.toMillis()));
      assertThat(longLease.isHeld()).isTrue();
    }
  }

  @Test
  void theTombstoneOfARequestGivenUpOutlivesTheOtherKeysAndNoLonger() throws Exception {
    try (RedisSemaphore holder = semaphore("gone", Duration.ofMillis(600), IDLE);
        RedisSemaphore other = semaphore("gone", Duration.ofMillis(600), IDLE)) {
      Lease first = holder.acquire();
      Lease second = holder.acquire();
      assertThat(other.tryAcquire(1, Duration.ofMillis(100))).isEmpty(); // queued, then cancelled
      first.close();
      second.close();

      Await.until(
          () -> keys("gone").equals(Set.of(":gone")), () -> "only gone left: " + keys("gone"));
      List<ScoredValue<String>> tombstones = redis.zrangeWithScores("{permits:gone}:gone", 0, -1);
      assertThat(tombstones).hasSize(1);
      assertThat(redis.pexpiretime("{permits:gone}:gone"))
          .as("gone expires when its tombstone may go")
          .isEqualTo((long) tombstones.get(0).getScore());
    }
  }

  @Test
  void withoutTheOptionNoKeyExpires() throws Exception {
    try (RedisSemaphore holder = semaphore("kept", Duration.ofMillis(300), null);
        RedisSemaphore other = semaphore("kept", Duration.ofMillis(300), null)) {
      Lease first = holder.acquire();
      Lease second = holder.acquire();
      assertThat(other.tryAcquire(1, Duration.ofMillis(100))).isEmpty(); // leaves a tombstone
      CompletableFuture<Permit> waiter = other.acquireAsync(1);
      Await.until(() -> redis.zcard("{permits:kept}:queue") == 1, () -> "the waiter queued");
      String firstId = leaseIdOf(first.token(), "kept");
      double firstExpiry = redis.zscore("{permits:kept}:holders", firstId);
      Await.until(
          () -> redis.zscore("{permits:kept}:holders", firstId) > firstExpiry,
          () -> "a renewal");
      Set<String> all = new TreeSet<>(IN_USE);
      all.add(":gone");
      assertThat(ttls("kept")).as("PTTL of each key, in use").containsOnlyKeys(all)
          .allSatisfy((key, ttl) -> assertThat(ttl).as(key).isEqualTo(-1));

      first.close();
      waiter.get(20, TimeUnit.SECONDS).close();
      second.close();
      Await.until(() -> "0".equals(redis.get("{permits:kept}:used")), () -> "all released");
      assertThat(ttls("kept")).as("PTTL of each key, unused").isNotEmpty()
          .allSatisfy((key, ttl) -> assertThat(ttl).as(key).isEqualTo(-1));
    }
  }

  @Test
  void expireWhenIdleRefusesNoDurationAndDurationsUnderAMillisecond() {
    RedisClient client = RedisClient.create("redis://127.0.0.1:1"); // never connected
    try {
      RedisSemaphore.Builder builder = RedisSemaphore.builder(client);
      assertThatThrownBy(() -> builder.expireWhenIdle(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("expireWhenIdle");
      for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-1), Duration.ofNanos(1))) {
        assertThatThrownBy(() -> builder.expireWhenIdle(bad))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("expireWhenIdle")
            .hasMessageContaining(bad.toString());
      }
      assertThat(builder.expireWhenIdle(Duration.ofMillis(1))).isSameAs(builder);
      assertThat(builder.expireWhenIdle(Duration.ofSeconds(Long.MAX_VALUE))).isSameAs(builder);
    } finally {
      client.shutdown();
    }
  }

  @Test
  void aServerWithoutPexpiretimeIsRefusedAtBuildNotAtTheFirstGrant() {
    redis.aclSetuser("default", io.lettuce.core.AclSetuserArgs.Builder.removeCommand(
        io.lettuce.core.protocol.CommandType.PEXPIRETIME)); // as Redis 6 would answer it

    assertThatThrownBy(() -> semaphore("old", Duration.ofSeconds(1), IDLE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("expireWhenIdle needs PEXPIRETIME (Redis 7.0 or later)");
    assertThat(keys("old")).as("nothing written").isEmpty();
  }

  // ---- Redis, read on the admin connection (no script runs, so nothing is purged by reading)

  /** The semaphore's keys, by suffix. */
  private Set<String> keys(String name) {
    String tag = "{permits:" + name + "}";
    Set<String> suffixes = new TreeSet<>();
    for (String key : redis.keys(tag + "*")) {
      suffixes.add(key.substring(tag.length()));
    }
    return suffixes;
  }

  /** Each key's PTTL, by suffix. */
  private Map<String, Long> ttls(String name) {
    Map<String, Long> ttls = new TreeMap<>();
    keys(name).forEach(suffix -> ttls.put(suffix, redis.pttl("{permits:" + name + "}" + suffix)));
    return ttls;
  }

  /**
   * Each key's expiry (ms, server time; -1 if none), by suffix, read at one instant: a script
   * that moves them all may run between two reads.
   */
  private Map<String, Long> expiries(String name) {
    String[] keys = KEYS.stream().map(suffix -> "{permits:" + name + "}" + suffix)
        .toArray(String[]::new);
    List<Long> times = redis.eval(
        "local t = {} for i, key in ipairs(KEYS) do t[i] = redis.call('PEXPIRETIME', key) end"
            + " return t",
        ScriptOutputType.MULTI, keys);
    Map<String, Long> expiries = new TreeMap<>();
    for (int i = 0; i < keys.length; i++) {
      if (times.get(i) != -2) { // -2: no such key
        expiries.put(KEYS.get(i), times.get(i));
      }
    }
    return expiries;
  }

  private void awaitNoKeys(String name) throws InterruptedException {
    Await.until(() -> keys(name).isEmpty(), () -> "no key left of '" + name + "': " + ttls(name));
  }

  private long serverMillis() {
    List<String> time = redis.time();
    return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
  }

  /** The id of the lease recorded with this token. */
  private String leaseIdOf(long token, String name) {
    return redis.hgetall("{permits:" + name + "}:records").entrySet().stream()
        .filter(record -> record.getValue().split(" ")[1].equals(Long.toString(token)))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow();
  }
}
