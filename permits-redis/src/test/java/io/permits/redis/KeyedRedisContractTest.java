package io.permits.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.permits.Fairness;
import io.permits.KeyedSemaphore;
import io.permits.Semaphore;
import io.permits.tck.Await;
import io.permits.tck.OneKey;
import io.permits.tck.SemaphoreContract;
import io.permits.testsupport.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The contract run against one key of a keyed semaphore whose key and total live in Redis, and
 * expire when idle.
 */
@DisplayName("KeyedSemaphore on Redis, one key and the total, STRICT")
class KeyedRedisContractTest extends SemaphoreContract {

  private static RedisServer server;
  private static RedisClient client;

  @BeforeAll
  static void startRedis() {
    server = RedisServer.start();
    client = RedisClient.create(server.uri());
  }

  /**
   * Idle keys leave no Redis keys: once every test's semaphores and leases are closed, they all
   * expire (within the last lease, 3 s, and the idle time), but for the tombstones of requests
   * given up, which expire with their last tombstone (ten minutes).
   */
  @AfterAll
  static void noKeyIsLeftBehindThenStopRedis() throws InterruptedException {
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      // tombstones of requests given up (":gone") outlive the rest by design, and expire too
      Await.until(
          () ->
              connection.sync().keys("{permits:*").stream()
                  .allMatch(key -> key.endsWith(":gone") && connection.sync().pttl(key) > 0),
          () -> "keys left behind: " + connection.sync().keys("{permits:*"));
    } finally {
      client.shutdown();
      server.close();
    }
  }

  @Override
  protected Semaphore newSemaphore(String name, int limit) {
    return OneKey.of(
        KeyedSemaphore.builder()
            .name(name)
            .perKeyLimit(limit)
            .limit(limit)
            .backend(
                (semaphore, permits) ->
                    RedisSemaphore.builder(client)
                        .name(semaphore)
                        .limit(permits)
                        .changeLimit(true)
                        .fairness(Fairness.STRICT)
                        .lease(Duration.ofSeconds(3))
                        .expireWhenIdle(Duration.ofMillis(200))
                        .build())
            .build());
  }

  @Override
  public boolean strictOrder() {
    return true;
  }

  /** Each grant and release is two round trips (the key's and the total's). */
  @Override
  public double loadScale() {
    return 0.05;
  }
}
