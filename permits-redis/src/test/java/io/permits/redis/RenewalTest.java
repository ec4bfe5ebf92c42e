package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.permits.Lease;
import io.permits.tck.Await;
import io.permits.testsupport.RedisServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sweep that renews leases ({@link Renewer}): held leases outlive their length; gone ones are lost. */
@Timeout(60)
class RenewalTest {

  private final RedisServer server = RedisServer.start();

  @AfterEach
  void stopRedis() {
    server.close();
  }

  private RedisSemaphore semaphore(String name, Duration lease) {
    return RedisSemaphore.builder(server.uri()).name(name).limit(1).lease(lease).build();
  }

  @Test
  void aLeaseHeldForManyTimesItsLengthStaysHeld() throws Exception {
    Duration length = Duration.ofMillis(500); // renewed every ~160 ms: room for a loaded machine
    try (RedisSemaphore holder = semaphore("renewed", length);
        RedisSemaphore other = semaphore("renewed", length);
        Lease lease = holder.acquire()) {
      long start = System.nanoTime();
      // the duration under test: ten lease lengths, each renewed by the sweep
      Await.until(
          () -> System.nanoTime() - start > length.toNanos() * 10, () -> "the clock stopped");

      assertThat(lease.isHeld()).isTrue();
      assertThat(lease.lost()).isNotDone();
      assertThat(other.tryAcquire()).isEmpty();
      assertThat(other.holders()).hasSize(1);
    }
  }

  @Test
  void aLeaseThatRedisNoLongerHasIsLostAtItsNextRenewal() throws Exception {
    RedisClient raw = RedisClient.create(server.uri());
    try (RedisSemaphore semaphore = semaphore("dropped", Duration.ofMillis(300));
        var connection = raw.connect();
        Lease lease = semaphore.acquire()) {
      connection.sync().del("{permits:dropped}:holders", "{permits:dropped}:records");

      lease.lost().get(20, TimeUnit.SECONDS);

      assertThat(lease.isHeld()).isFalse();
      assertThat(lease.remaining()).isZero();
    } finally {
      raw.shutdown();
    }
  }
}
