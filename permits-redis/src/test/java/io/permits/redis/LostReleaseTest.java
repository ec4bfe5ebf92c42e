package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.permits.Lease;
import io.permits.Permit;
import io.permits.tck.Await;
import io.permits.testsupport.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A release whose connection is reset while it is on its way (written by the client, never read
 * by Redis) is sent again once the client has reconnected: the permit comes back at once, not
 * when its lease runs out. Redis is reached through a {@link HoldingProxy} that keeps the release
 * back and then resets the connections (without the resending, the permit stayed taken for the
 * lease and this test failed after 20 s).
 */
@Timeout(60)
class LostReleaseTest {

  private final RedisServer server = RedisServer.start();
  private final RedisClient direct = RedisClient.create(server.uri());

  @AfterEach
  void stopRedis() {
    direct.shutdown();
    server.close();
  }

  @Test
  void aReleaseLostWithItsConnectionIsSentAgainAfterTheReconnect() throws Exception {
    try (HoldingProxy proxy = new HoldingProxy(URI.create(server.uri()).getPort());
        RedisSemaphore semaphore =
            RedisSemaphore.builder(proxy.uri())
                .name("lost")
                .limit(1)
                .lease(Duration.ofMinutes(5)) // longer than the test: expiry cannot free it
                .build()) {
      Lease lease = semaphore.acquire();
      assertThat(RedisSemaphore.status(direct, "lost").holders()).hasSize(1);

      proxy.hold();
      lease.close(); // its release is sent within a millisecond, and kept back
      Await.until(() -> proxy.heldBytes() > 0, () -> "the release reached the proxy");
      proxy.dropAll(); // the release is lost with its connection
      proxy.pass();

      Await.until(
          () -> RedisSemaphore.status(direct, "lost").holders().isEmpty(),
          () -> "the lost release sent again");
      try (RedisSemaphore other =
          RedisSemaphore.builder(direct).name("lost").limit(1).lease(Duration.ofSeconds(30)).build()) {
        Optional<Permit> next = other.tryAcquire();
        assertThat(next).isPresent();
        next.get().close();
      }
    }
  }
}
