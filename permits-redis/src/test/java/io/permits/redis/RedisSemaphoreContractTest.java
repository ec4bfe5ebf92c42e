package io.permits.redis;

import io.lettuce.core.RedisClient;
import io.permits.Fairness;
import io.permits.Semaphore;
import io.permits.tck.SemaphoreContract;
import io.permits.testsupport.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

@DisplayName("RedisSemaphore, STRICT in the JVM")
class RedisSemaphoreContractTest extends SemaphoreContract {

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
    return RedisSemaphore.builder(client).name(name).limit(limit).fairness(Fairness.STRICT).build();
  }

  @Override
  public boolean strictOrder() {
    return true;
  }

  /** Each grant and release is a round trip to Redis. */
  @Override
  public double loadScale() {
    return 0.1;
  }
}
