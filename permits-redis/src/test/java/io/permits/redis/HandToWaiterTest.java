package io.permits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.permits.Lease;
import io.permits.PermitHolder;
import io.permits.tck.Await;
import io.permits.tck.Forked;
import io.permits.tck.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A release hands the permits it frees to the head of Redis's queue: the waiting ticket becomes
 * a lease in the release's own script, and its client learns the token from its wake channel
 * (see {@code grant_heads} in common.lua). A waiter that misses the message gets the same grant
 * when it asks again; one that gives up releases it.
 *
 * <p>The script-level tests play a client by hand ("ghost", whose wake channel nobody listens
 * to, so its messages are lost): they show the grant is made by the release alone.
 */
@Timeout(60)
class HandToWaiterTest {

  private final RedisServer server = RedisServer.start();
  private final RedisClient client = RedisClient.create(server.uri());
  private final StatefulRedisConnection<byte[], byte[]> connection =
      client.connect(ByteArrayCodec.INSTANCE);
  private final RedisAsyncCommands<byte[], byte[]> redis = connection.async();

  @AfterEach
  void stop() {
    connection.close();
    client.shutdown();
    server.close();
  }

  private RedisSemaphore semaphore(String name) {
    return RedisSemaphore.builder(server.uri())
        .name(name)
        .limit(1)
        .lease(Duration.ofSeconds(30))
        .build();
  }

  /** The ghost client's request: its acquire script, asking again ("r") or not. */
  private List<Object> ghostAcquire(String name, String id, boolean again) throws Exception {
    return RedisScripts.ACQUIRE
        .run(
            redis,
            new RedisKeys(name),
            "30000", "5000", "ghost", "1 ghosthost ghost-command", "1", id, again ? "r1" : "1")
        .get();
  }

  @Test
  void aReleaseTurnsTheQueuedTicketIntoALeaseWithoutTheWaiterAsking() throws Exception {
    try (RedisSemaphore semaphore = semaphore("hand")) {
      Lease first = semaphore.acquire();
      assertThat(ghostAcquire("hand", "ghost:1", false).get(0)).isEqualTo(0L); // queued

      first.close();

      // the release alone made the ghost a holder: nobody else can take the permit
      Await.until(
          () -> semaphore.holders().stream().anyMatch(h -> h.thread().equals("ghost:1")),
          () -> "the ghost's ticket to become a lease");
      assertThat(semaphore.available()).isZero();
      assertThat(semaphore.tryAcquire(1)).isEmpty();
      // the ghost missed its message: asking again, it gets that grant, a higher token and what
      // is left of a lease that lasts until its ticket would have lapsed
      List<Object> again = ghostAcquire("hand", "ghost:1", true);
      assertThat(again.get(0)).isEqualTo(1L);
      assertThat((Long) again.get(1)).isGreaterThan(first.token());
      assertThat((Long) again.get(2)).isBetween(1L, 5_000L);
      assertThat(semaphore.holders()).hasSize(1);
      assertThat(semaphore.holders().get(0).permits()).isEqualTo(1);
      assertThat(semaphore.available()).isZero();
    }
  }

  @Test
  void aWaiterThatGivesUpAfterItsTicketWasHandedPermitsReleasesThem() throws Exception {
    try (RedisSemaphore semaphore = semaphore("giveup")) {
      Lease first = semaphore.acquire();
      ghostAcquire("giveup", "ghost:1", false);
      first.close();
      Await.until(
          () -> semaphore.holders().stream().anyMatch(h -> h.thread().equals("ghost:1")),
          () -> "the ghost's ticket to become a lease");

      RedisScripts.CANCEL.run(redis, new RedisKeys("giveup"), "ghost:1").get();

      assertThat(semaphore.available()).isEqualTo(1);
      assertThat(semaphore.holders()).isEmpty();
      try (Lease next = semaphore.acquire()) {
        assertThat(next.token()).isGreaterThan(first.token() + 1); // the ghost's grant drew one
      }
    }
  }

  @Test
  void anotherClientsWaitingRequestIsHandedThePermitsWithAHigherToken() throws Exception {
    try (RedisSemaphore one = semaphore("clients");
        RedisSemaphore two = semaphore("clients")) {
      Lease first = one.acquire();
      Forked<Lease> waiter = Forked.start("waiter", two::acquire);
      Await.waiting(one, 1); // queued in Redis

      first.close();
      try (Lease second = waiter.join()) {
        assertThat(second.token()).isGreaterThan(first.token());
        assertThat(second.isHeld()).isTrue();
        assertThat(one.holders())
            .extracting(PermitHolder::thread)
            .containsExactly(((RedisLease) second).id());
        assertThat(one.available()).isZero();
        // renewed to its full length at once: it lasts well past the ticket's 5 s
        Await.until(
            () -> ((RedisLease) second).remaining().compareTo(Duration.ofSeconds(20)) > 0,
            () -> "the lease to be renewed to its full 30 s");
      }
      assertThat(two.available()).isEqualTo(1); // its count runs after its release
    }
  }
}
