package io.permits.redis;

import io.lettuce.core.RedisClient;
import io.permits.Fairness;
import io.permits.KeyedSemaphore;
import io.permits.Semaphore;
import io.permits.tck.OneKey;
import io.permits.tck.SemaphoreContract;
import io.permits.testsupport.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/** The contract run against one key of a keyed semaphore whose key and total live in Redis. */
@DisplayName("KeyedSemaphore on Redis, one key and the total, STRICT")
class KeyedRedisContractTest extends SemaphoreContract {

  private static RedisServer server;
  private static RedisClient client;

  @BeforeAll
  static void startRedis() {
    server = RedisServer.start();
    client = RedisClient.create(server.uri());
  }

  @AfterAll
  static void stopRedis() {
    client.shutdown();
    server.close();
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
