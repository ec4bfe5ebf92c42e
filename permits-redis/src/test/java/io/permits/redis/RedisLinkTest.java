package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.resource.DefaultClientResources;
import io.permits.tck.Forked;
import io.permits.testsupport.ForkedJvm;
import io.permits.testsupport.RedisServer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A semaphore's connections: a connect that never ends does not hold the link (and with it every
 * later use of the semaphore) for good; the client shared by semaphores built from a URI does not
 * keep the JVM alive.
 */
@Timeout(60)
class RedisLinkTest {

  /**
   * Lettuce's connect waits without a limit for a handshake that only its channel's closing
   * completes; when the client's event loop has been shut down, that closing's listener never
   * runs and the connect never returns (seen in the test runs, logged as "Failed to submit a
   * listener notification task"). That race is not reproducible at will, so this client's
   * connect simply never returns until the test ends.
   */
  @Test
  void aConnectThatNeverEndsFailsAfterThePatienceInsteadOfHoldingTheLinkForever()
      throws Exception {
    CountDownLatch testOver = new CountDownLatch(1);
    RedisClient client = new NeverConnecting(testOver);
    try {
      Forked<RedisLink> opening =
          Forked.start(
              "opening",
              () ->
                  new RedisLink(
                      client, "wake", (channel, message) -> {}, Duration.ofSeconds(1)));

      assertThat(opening.joinFailure())
          .isInstanceOf(RedisConnectionException.class)
          .hasMessage("connecting to Redis did not end within 1000 ms");
    } finally {
      testOver.countDown();
      client.shutdown(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void aJvmWhoseSemaphoreWasBuiltFromAUriEndsWhenMainReturns() throws Exception {
    try (RedisServer server = RedisServer.start();
        ForkedJvm jvm = ForkedJvm.start(RedisExitMain.class, server.uri())) {
      jvm.awaitLine("returning");
      assertThat(jvm.awaitExit()).as("its exit code, after main returned").isZero();
    }
  }

  /** A client whose connect waits until the test is over, then fails. */
  private static final class NeverConnecting extends RedisClient {
    private final CountDownLatch testOver;

    NeverConnecting(CountDownLatch testOver) {
      super(DefaultClientResources.create(), RedisURI.create("redis://127.0.0.1:1"));
      this.testOver = testOver;
    }

    @Override
    public <K, V> StatefulRedisConnection<K, V> connect(RedisCodec<K, V> codec) {
      try {
        testOver.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new RedisConnectionException("the test is over");
    }
  }
}
