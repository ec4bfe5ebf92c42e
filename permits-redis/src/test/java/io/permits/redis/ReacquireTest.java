package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.permits.Lease;
import io.permits.tck.Await;
import io.permits.tck.Forked;
import io.permits.tck.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A thread that closes a lease and asks again at once sends one script: its request takes the
 * closed lease's deferred release and asks under its id, and while nobody is queued the script
 * hands the lease over in place (see {@code DeferredReleases#takeOfSize} and acquire.lua). Another
 * client queued meanwhile still comes first.
 */
@Timeout(60)
class ReacquireTest {

  private final RedisServer server = RedisServer.start();

  @AfterEach
  void stopRedis() {
    server.close();
  }

  private RedisSemaphore semaphore(String name, int limit) {
    return RedisSemaphore.builder(server.uri())
        .name(name)
        .limit(limit)
        .lease(Duration.ofSeconds(30))
        .build();
  }

  @Test
  void closingAndAskingAgainManyTimesKeepsOneHolderAndRisingTokens() throws Exception {
    try (RedisSemaphore semaphore = semaphore("loop", 1)) {
      long last = 0;
      for (int round = 0; round < 200; round++) {
        try (Lease lease = semaphore.acquire()) {
          assertThat(lease.token()).isGreaterThan(last);
          last = lease.token();
        }
      }
      Lease last1 = semaphore.acquire();
      assertThat(semaphore.holders()).hasSize(1);
      assertThat(semaphore.available()).isZero();
      last1.close();
      assertThat(semaphore.available()).isEqualTo(1);
      assertThat(semaphore.holders()).isEmpty();
    }
  }

  @Test
  void aThreadAskingAgainRightAfterClosingWaitsBehindAnotherClientQueuedMeanwhile()
      throws Exception {
    try (RedisSemaphore here = semaphore("again", 1);
        RedisSemaphore elsewhere = semaphore("again", 1)) {
      Lease first = here.acquire(); // granted while nobody queued: its release is deferred
      Forked<Lease> otherClient = Forked.start("other client", elsewhere::acquire);
      Await.waiting(here, 1); // its ticket, in Redis

      Forked<Lease> again =
          Forked.start(
              "again",
              () -> {
                first.close();
                return here.acquire(); // takes the deferred release, asks under its id
              });
      Lease theirs = otherClient.join();

      assertThat(theirs.token()).isGreaterThan(first.token());
      assertThat(again.isDone()).isFalse();
      theirs.close();
      Lease mine = again.join();
      assertThat(mine.token()).isGreaterThan(theirs.token());
      assertThat(here.holders()).hasSize(1);
      mine.close();
      assertThat(here.available()).isEqualTo(1);
    }
  }
}
