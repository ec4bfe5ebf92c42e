package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.permits.tck.Await;
import io.permits.testsupport.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An acquire whose script Redis runs only after the client gave up on it: {@code CLIENT PAUSE}
 * holds the script past the client's 300 ms command timeout, so {@code acquire()} throws, and the
 * script runs when the pause ends. The caller was told "no": once the pause is over, nothing may
 * stay held in Redis (well before the 30 s lease would expire).
 */
@Timeout(60)
class PausedAcquireTest {

  private static final Duration PAUSE = Duration.ofMillis(1_500);

  private final RedisServer server = RedisServer.start();

  @AfterEach
  void stopRedis() {
    server.close();
  }

  @Test
  void anAcquireTimedOutWhileRedisWasPausedLeavesNoLeaseOnceThePauseEnds() throws Exception {
    RedisURI uri = RedisURI.create(server.uri());
    uri.setTimeout(Duration.ofMillis(300));
    RedisClient client = RedisClient.create(uri);
    try (SemaphoreKeys keys = new SemaphoreKeys(server.uri(), "paused");
        RedisSemaphore semaphore =
            RedisSemaphore.builder(client)
                .name("paused")
                .limit(1)
                .lease(Duration.ofSeconds(30))
                .build()) {
      semaphore.acquire().close(); // the scripts loaded: the paused one runs, not NOSCRIPT
      keys.awaitNothingHeld(Await.PATIENCE, "after the warm-up");

      keys.admin().clientPause(PAUSE.toMillis()); // ALL: every command waits
      assertThatThrownBy(semaphore::acquire).isInstanceOf(RedisSemaphoreException.class);

      // the first read waits for the pause to end
      keys.awaitNothingHeld(
          PAUSE.plusSeconds(10), "an acquire that timed out, run once the pause ended");
    } finally {
      client.shutdown();
    }
  }
}
