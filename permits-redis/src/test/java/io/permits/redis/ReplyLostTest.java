package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.permits.Lease;
import io.permits.Permit;
import io.permits.tck.Await;
import io.permits.testsupport.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An acquire script runs in Redis but its reply is lost with its connection ({@link
 * HoldingProxy} discards the reply, then closes the connection). Closed with a FIN, Lettuce sends
 * the script again on its new connection, so it runs twice: the lease must still count once in
 * {@code used} and {@code holders}, and its release must free everything. Closed with a reset,
 * Lettuce fails the request: the caller is told "no", so nothing may stay held in Redis (well
 * before the lease would expire), and the reconnected client goes on.
 */
@Timeout(60)
class ReplyLostTest {

  private static final int LIMIT = 2;
  private static final String NAME = "reply-lost";

  private final RedisServer server = RedisServer.start();
  private final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();

  @AfterEach
  void stop() {
    requests.shutdownNow();
    server.close();
  }

  @Test
  void anAcquireSentAgainAfterAFinHoldsOneLeaseAndItsReleaseFreesIt() throws Exception {
    try (HoldingProxy proxy = new HoldingProxy(URI.create(server.uri()).getPort());
        SemaphoreKeys keys = new SemaphoreKeys(server.uri(), NAME);
        RedisSemaphore semaphore = semaphore(proxy)) {
      warmUp(semaphore, keys);

      Future<Lease> acquired = acquireWithReplyLost(proxy, semaphore);
      proxy.finishAll(); // FIN: the script, unanswered, is sent again after the reconnect

      Lease lease = acquired.get(20, TimeUnit.SECONDS);
      assertThat(lease.isHeld()).isTrue();
      assertThat(keys.used()).as("used while held; %s", keys.describe()).isEqualTo(1);
      assertThat(keys.holders()).as("holders while held; %s", keys.describe()).isEqualTo(1);

      lease.close();
      keys.awaitNothingHeld(Await.PATIENCE, "after the lease was closed");
      assertThat(semaphore.available()).isEqualTo(LIMIT);
    }
  }

  @Test
  void anAcquireFailedByAResetLeavesNoLeaseBehindAndTheClientGoesOn() throws Exception {
    try (HoldingProxy proxy = new HoldingProxy(URI.create(server.uri()).getPort());
        SemaphoreKeys keys = new SemaphoreKeys(server.uri(), NAME);
        RedisSemaphore semaphore = semaphore(proxy)) {
      warmUp(semaphore, keys);

      Future<Lease> acquired = acquireWithReplyLost(proxy, semaphore);
      proxy.dropAll(); // RST: Lettuce fails the script it has no reply for

      assertThatThrownBy(() -> acquired.get(20, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(RedisSemaphoreException.class);
      keys.awaitNothingHeld(
          Duration.ofSeconds(10), "an acquire that failed with the lease's 30 s to run");

      Optional<Permit> later = semaphore.tryAcquire(Duration.ofSeconds(10));
      assertThat(later).as("an acquire through the reconnected client").isPresent();
      later.get().close();
    }
  }

  private static RedisSemaphore semaphore(HoldingProxy proxy) {
    return RedisSemaphore.builder(proxy.uri())
        .name(NAME)
        .limit(LIMIT)
        .lease(Duration.ofSeconds(30))
        .build();
  }

  /**
   * One acquire and release before the fault, so that Redis has the scripts loaded (else the
   * lost script would be one Redis answered with NOSCRIPT, never run) and nothing is held.
   */
  private static void warmUp(RedisSemaphore semaphore, SemaphoreKeys keys) throws Exception {
    semaphore.acquire().close();
    keys.awaitNothingHeld(Await.PATIENCE, "after the warm-up");
  }

  /** Starts an acquire whose reply the proxy discards; returns once the reply was discarded. */
  private Future<Lease> acquireWithReplyLost(HoldingProxy proxy, RedisSemaphore semaphore)
      throws InterruptedException {
    proxy.muteReplies();
    Future<Lease> acquired = requests.submit(() -> semaphore.acquire());
    Await.until(() -> proxy.mutedBytes() > 0, () -> "the acquire's reply reached the proxy");
    return acquired;
  }
}
